/// Load shedding by priority with hysteresis, as a level: loads `0..<level` are shed.
///
/// Load `k` is shed when SoC falls below its threshold and everything before it is already shed;
/// it is restored when SoC rises above its threshold plus the hysteresis and everything after it
/// is already restored. The order is therefore structural — loads are shed first to last and
/// restored last to first whatever the thresholds are tuned to.
public struct LoadShedder: Sendable {
    /// How many loads there are.
    public let count: Int
    /// Loads `0..<level` are shed.
    public private(set) var level = 0

    public enum Step: Sendable, Equatable {
        case shed(Int)
        case restored(Int)
    }

    public init(count: Int) {
        self.count = count
    }

    /// One step towards the state `soc` calls for; call until it returns `nil` (at most
    /// ``count`` steps per SoC value).
    public mutating func step(soc: Double, thresholds: [Double], hysteresis: Double) -> Step? {
        if level < count, soc < thresholds[level] {
            level += 1
            return .shed(level - 1)
        }
        if level > 0, soc > thresholds[level - 1] + hysteresis {
            level -= 1
            return .restored(level)
        }
        return nil
    }
}
