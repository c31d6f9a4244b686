import HAL

/// The single writer of the `.safing` request of every actuator channel fault management touches.
///
/// Three layers ask for a safing state, and the channel gets the first that asks:
/// 1. ``Layer/sequence`` — a running power-cycle sequence (its off phase);
/// 2. ``Layer/mode`` — the current mode's safing profile (set on entry, cleared on exit);
/// 3. ``Layer/latch`` — event-action latches (shed a load, scrubber max, crew alarm), held until
///    released by command.
///
/// One writer means the mode machine leaving SAFE does not wipe a load an event-action entry shed,
/// and a power cycle's "back on" returns to whatever the other layers ask rather than forcing on.
///
/// - Warning: Executive thread only.
public final class SafingRequests {
    public enum Layer: Int, CaseIterable, Sendable {
        case sequence = 0, mode = 1, latch = 2
    }

    public private(set) var channels: [ActuatorChannel] = []
    private var layers: [[Bool?]] = Array(repeating: [], count: Layer.allCases.count)

    public init(channels: [ActuatorChannel] = []) {
        for channel in channels { _ = slot(for: channel) }
    }

    /// The slot of `channel`, adding it at build time if new.
    public func slot(for channel: ActuatorChannel) -> Int {
        if let index = channels.firstIndex(where: { $0 === channel }) { return index }
        channels.append(channel)
        for layer in layers.indices { layers[layer].append(nil) }
        return channels.count - 1
    }

    /// The slot of the channel named `name`.
    public func slot(named name: String) -> Int? { channels.firstIndex { $0.name == name } }

    /// Sets (or clears with `nil`) one layer's request for the channel in `slot` and writes the
    /// resulting `.safing` request.
    @inline(__always)
    public func set(_ layer: Layer, slot: Int, _ state: Bool?) {
        layers[layer.rawValue][slot] = state
        let effective = layers[Layer.sequence.rawValue][slot] ?? layers[Layer.mode.rawValue][slot] ?? layers[Layer.latch.rawValue][slot]
        channels[slot].request(.safing, effective)
    }

    /// One layer's request for the channel in `slot`.
    public func requested(_ layer: Layer, slot: Int) -> Bool? { layers[layer.rawValue][slot] }

    /// Clears every event-action latch (a telecommand once the cause is understood).
    public func releaseLatches() {
        for slot in channels.indices where layers[Layer.latch.rawValue][slot] != nil { set(.latch, slot: slot, nil) }
    }

    /// Clears the event-action latch of one channel.
    /// - Returns: `false` if no channel has that name.
    @discardableResult
    public func releaseLatch(channel name: String) -> Bool {
        guard let slot = slot(named: name) else { return false }
        set(.latch, slot: slot, nil)
        return true
    }
}
