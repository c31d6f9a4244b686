import HAL

/// How a staged fan's lines make its speeds.
public enum FanStageWiring: String, Sendable, Equatable {
    /// Stage *k* turns lines 1…*k* on (a relay ladder adding series resistance or windings).
    case cumulative
    /// Stage *k* turns only line *k* on (a two-speed motor with separate low and high windings: both
    /// on at once would short them). Changes break before they make.
    case exclusive
}

/// A fan with speed stages on 1…N GPIO lines (the CO2 scrubber fan: off / low / high), commanded as
/// one actuator with readback of every line.
///
/// Design: one multi-line actuator rather than one ``GPIOActuator`` per line, because the lines are
/// not independent — with ``FanStageWiring/exclusive`` wiring "low and high together" is a fault, and
/// the order of the switching (break before make) is part of the command. Controllers command a
/// stage number; telemetry sees `stage` and `state`.
///
/// Unlike ``GPIOActuator`` the lines are held as `any GPIOOutputLine`: the chip hands each line out as
/// an existential, and an array of them cannot be opened into one generic parameter. A fan is
/// commanded a few times a minute, so the dynamic call costs nothing that matters.
///
/// Configuration keys: `lines` (names or offsets, lowest stage first), `wiring` (`exclusive` |
/// `cumulative`, default `exclusive`), `active_low` (default false), `safe_stage` (default 1: the
/// scrubber fan is life support and stays on at low speed when its controller fails).
///
/// - Warning: One GPIO ioctl per line per command: callable from the owning rate group; use from one
///   thread at a time.
public final class FanStages: SensorDevice, @unchecked Sendable {
    public let name: String
    public let driver = "gpio-fan"
    public let wiring: FanStageWiring
    /// The stage commanded at start-up and by ``applySafeState()``.
    public let safeStage: Int

    private let lines: [any GPIOOutputLine]
    private let state = LockedValue<(commanded: Int?, statistics: ActuatorStatistics)>((nil, ActuatorStatistics()))

    /// - Parameters:
    ///   - lines: the stage lines, lowest stage first (at least one).
    ///   - wiring: how the lines make the stages.
    ///   - safeStage: the stage for start-up and controller failure, in `0...lines.count`.
    public init(name: String, lines: [any GPIOOutputLine], wiring: FanStageWiring = .exclusive, safeStage: Int = 1) {
        precondition(!lines.isEmpty, "a fan needs at least one stage line")
        precondition((0...lines.count).contains(safeStage), "safe stage outside the fan's stages")
        self.name = name
        self.lines = lines
        self.wiring = wiring
        self.safeStage = safeStage
    }

    /// The number of stages above off.
    public var stageCount: Int { lines.count }

    /// The last stage commanded, or nil before the first command.
    public var commandedStage: Int? { state.withLock { $0.commanded } }

    /// Command and mismatch totals.
    public var statistics: ActuatorStatistics { state.withLock { $0.statistics } }

    /// The lines' logical levels for `stage`.
    public func levels(forStage stage: Int) -> [Bool] {
        lines.indices.map { index in
            switch wiring {
            case .cumulative: return index < stage
            case .exclusive: return index == stage - 1
            }
        }
    }

    /// Commands the safe stage and verifies it.
    public func start() throws(DeviceError) -> String {
        try applySafeState()
        return "\(stageCount)-stage fan (\(wiring.rawValue)), safe stage \(safeStage), readback ok"
    }

    /// Commands the safe stage.
    public func applySafeState() throws(DeviceError) {
        try command(stage: safeStage)
    }

    /// Drives the lines to `stage` (0 = off), turning lines off before turning others on, then
    /// verifies every line.
    ///
    /// - Throws: `.configuration` for a stage outside `0...stageCount`, `.bus` when a line fails,
    ///   `.data` when a line reads back otherwise.
    public func command(stage: Int) throws(DeviceError) {
        guard (0...stageCount).contains(stage) else { throw failure(.invalidStage(stage, stages: stageCount)) }
        state.withLock {
            $0.commanded = stage
            $0.statistics.commands += 1
        }
        let wanted = levels(forStage: stage)
        do {
            for (line, level) in zip(lines, wanted) where !level { try line.set(false) }
            for (line, level) in zip(lines, wanted) where level { try line.set(true) }
        } catch {
            throw failure(.bus(error))
        }
        let back = try readLines()
        for (got, level) in zip(back, wanted) where got != level {
            throw failure(.readbackMismatch(commanded: level, readBack: got))
        }
    }

    /// The stage the lines read back as.
    ///
    /// - Throws: `.bus` when a line fails, `.data` when the combination is no stage.
    public func readBackStage() throws(DeviceError) -> Int {
        let back = try readLines()
        guard let stage = (0...stageCount).first(where: { levels(forStage: $0) == back }) else {
            throw failure(.invalidStageReadback(back))
        }
        return stage
    }

    /// Reads the lines back: `stage` (0…N) and `state` (0/1: any stage on).
    ///
    /// - Throws: `.data` when the lines read back something other than the commanded stage.
    public func readSample() throws(DeviceError) -> [Reading] {
        let stage = try readBackStage()
        if let commanded = commandedStage, commanded != stage {
            let wanted = levels(forStage: commanded)
            let back = levels(forStage: stage)
            let index = wanted.indices.first { wanted[$0] != back[$0] } ?? 0
            throw failure(.readbackMismatch(commanded: wanted[index], readBack: back[index]))
        }
        return [Reading("stage", Double(stage)), Reading("state", stage > 0 ? 1 : 0)]
    }

    private func readLines() throws(DeviceError) -> [Bool] {
        var back: [Bool] = []
        back.reserveCapacity(lines.count)
        do {
            for line in lines { back.append(try line.get()) }
        } catch {
            throw failure(.bus(error))
        }
        return back
    }

    private func failure(_ error: ActuatorError) -> DeviceError {
        state.withLock { state in
            switch error.category {
            case .bus: state.statistics.busErrors += 1
            case .data: state.statistics.readbackMismatches += 1
            default: break
            }
        }
        return DeviceError(error, device: name, driver: driver)
    }
}
