import HAL

/// The identifier of a parameter in the pool and on the ground (PUS service 20, housekeeping).
public struct ParameterID: RawRepresentable, Hashable, Sendable, Comparable, CustomStringConvertible {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public init(_ rawValue: UInt16) { self.rawValue = rawValue }
    public static func < (lhs: ParameterID, rhs: ParameterID) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { "0x" + String(rawValue, radix: 16) }
}

/// How a parameter's value is typed on the wire (housekeeping, service 20).
public enum ParameterType: String, Sendable, CaseIterable {
    case bool, u8, u16, u32, i16, i32, f32, f64
}

/// Whether a parameter's value can be trusted.
public enum Validity: UInt8, Sendable, Equatable {
    /// Never set.
    case unset = 0
    /// Fresh and from a healthy source.
    case valid = 1
    /// Its source failed or produced implausible data: not to be used by control.
    case invalid = 2
    /// No new sample within its staleness limit.
    case stale = 3
}

/// A parameter's static description.
public struct ParameterDefinition: Sendable {
    public var id: ParameterID
    /// Dotted name, e.g. `cabin.ppo2_kpa`, `power.battery_soc_pct`, `ls.ppo2_low_kpa`.
    public var name: String
    public var unit: String
    public var type: ParameterType
    /// Tunable by telecommand (service 20 set) within ``range``.
    public var tunable: Bool
    public var range: ClosedRange<Double>?
    public var initialValue: Double

    public init(
        id: ParameterID, name: String, unit: String, type: ParameterType = .f64, tunable: Bool = false,
        range: ClosedRange<Double>? = nil, initialValue: Double = 0
    ) {
        self.id = id
        self.name = name
        self.unit = unit
        self.type = type
        self.tunable = tunable
        self.range = range
        self.initialValue = initialValue
    }
}

/// The current state of one parameter.
public struct ParameterSample: Sendable, Equatable {
    public var value: Double
    public var timestamp: MonotonicInstant
    public var validity: Validity

    public init(value: Double, timestamp: MonotonicInstant, validity: Validity) {
        self.value = value
        self.timestamp = timestamp
        self.validity = validity
    }

    /// The value if it is valid.
    public var validValue: Double? { validity == .valid ? value : nil }
}

/// A resolved reference to a parameter: an index into the pool's preallocated storage.
public struct ParameterHandle: Hashable, Sendable {
    public let index: Int
    public let id: ParameterID
}

/// Why a parameter could not be registered or set.
public enum ParameterError: Error, Equatable, Sendable, CustomStringConvertible {
    case duplicateID(ParameterID)
    case duplicateName(String)
    case unknownID(ParameterID)
    case unknownName(String)
    case notTunable(ParameterID)
    case outOfRange(ParameterID, value: Double, range: ClosedRange<Double>)
    case notFinite(ParameterID)

    public var description: String {
        switch self {
        case .duplicateID(let id): return "parameter id \(id) is defined twice"
        case .duplicateName(let name): return "parameter \"\(name)\" is defined twice"
        case .unknownID(let id): return "no parameter with id \(id)"
        case .unknownName(let name): return "no parameter named \"\(name)\""
        case .notTunable(let id): return "parameter \(id) is not tunable"
        case .outOfRange(let id, let value, let range): return "value \(value) for parameter \(id) outside \(range.lowerBound)...\(range.upperBound)"
        case .notFinite(let id): return "value for parameter \(id) is not a finite number"
        }
    }
}

/// Every measured, derived and tunable value of the vehicle, with ID, name, unit, type, value,
/// timestamp and validity.
///
/// Control, monitoring and housekeeping read from the pool; only samplers write measured values,
/// only controllers write derived ones, only telecommands (at a cycle boundary) write tunables.
/// Registration happens while the topology is built; afterwards storage is fixed and reads and
/// writes by handle are array accesses — nothing allocates.
///
/// - Warning: Not thread-safe by design: it belongs to the executive's thread. Other threads
///   hand values in through the executive's queues and sample slots, and read what the executive
///   publishes (``PublishedStatus``). While the executive runs, ``ownership`` is claimed by its
///   thread and every mutation checks it in debug builds.
public final class ParameterPool {
    public private(set) var definitions: [ParameterDefinition] = []
    /// The thread that may mutate samples (claimed by the running executive).
    public let ownership = ThreadOwnership()
    private var samples: [ParameterSample] = []
    private var indexByID: [ParameterID: Int] = [:]
    private var indexByName: [String: Int] = [:]
    /// Constraints between related tunables, checked as a whole on every set (TC[20,3]).
    public private(set) var constraints: [ParameterConstraint] = []

    public init() {}

    /// Adds a constraint between two registered tunables (at setup, like registration).
    public func addConstraint(_ constraint: ParameterConstraint) {
        constraints.append(constraint)
    }

    /// The first constraint the tunables would break if the values `proposed` gives (by pool
    /// index; `nil`: unchanged) were set, or `nil` when every constraint holds. Does not allocate.
    public func violatedConstraint(proposed: (Int) -> Double?) -> ParameterConstraint? {
        for constraint in constraints {
            let lower = proposed(constraint.lower.index) ?? samples[constraint.lower.index].value
            let upper = proposed(constraint.upper.index) ?? samples[constraint.upper.index].value
            if !(lower < upper) { return constraint }
        }
        return nil
    }

    /// Registers a parameter.
    /// - Throws: ``ParameterError`` on a duplicate id or name.
    @discardableResult
    public func register(_ definition: ParameterDefinition) throws(ParameterError) -> ParameterHandle {
        ownership.assertOwned("the parameter pool")
        guard indexByID[definition.id] == nil else { throw .duplicateID(definition.id) }
        guard indexByName[definition.name] == nil else { throw .duplicateName(definition.name) }
        let index = definitions.count
        definitions.append(definition)
        samples.append(
            ParameterSample(
                value: definition.initialValue, timestamp: .zero,
                validity: definition.tunable ? .valid : .unset))
        indexByID[definition.id] = index
        indexByName[definition.name] = index
        return ParameterHandle(index: index, id: definition.id)
    }

    public func handle(named name: String) throws(ParameterError) -> ParameterHandle {
        guard let index = indexByName[name] else { throw .unknownName(name) }
        return ParameterHandle(index: index, id: definitions[index].id)
    }

    public func handle(id: ParameterID) throws(ParameterError) -> ParameterHandle {
        guard let index = indexByID[id] else { throw .unknownID(id) }
        return ParameterHandle(index: index, id: id)
    }

    public func definition(_ handle: ParameterHandle) -> ParameterDefinition { definitions[handle.index] }

    @inline(__always)
    public subscript(handle: ParameterHandle) -> ParameterSample {
        get { samples[handle.index] }
        set {
            ownership.assertOwned("the parameter pool")
            samples[handle.index] = newValue
        }
    }

    /// Stores a fresh valid value.
    @inline(__always)
    public func set(_ handle: ParameterHandle, _ value: Double, at time: MonotonicInstant) {
        ownership.assertOwned("the parameter pool")
        samples[handle.index] = ParameterSample(value: value, timestamp: time, validity: value.isFinite ? .valid : .invalid)
    }

    /// Marks a value invalid (its source failed) without changing it.
    @inline(__always)
    public func invalidate(_ handle: ParameterHandle, at time: MonotonicInstant) {
        ownership.assertOwned("the parameter pool")
        samples[handle.index].validity = .invalid
        samples[handle.index].timestamp = time
    }

    /// Marks a value stale (no new sample in time).
    @inline(__always)
    public func markStale(_ handle: ParameterHandle) {
        ownership.assertOwned("the parameter pool")
        if samples[handle.index].validity == .valid { samples[handle.index].validity = .stale }
    }

    /// The value if valid, else `nil`.
    @inline(__always)
    public func value(_ handle: ParameterHandle) -> Double? { samples[handle.index].validValue }

    /// Sets a tunable parameter after checking it is tunable, finite and in range (service 20,3).
    public func setTunable(id: ParameterID, value: Double, at time: MonotonicInstant) throws(ParameterError) {
        guard let index = indexByID[id] else { throw .unknownID(id) }
        let definition = definitions[index]
        guard definition.tunable else { throw .notTunable(id) }
        guard value.isFinite else { throw .notFinite(id) }
        if let range = definition.range, !range.contains(value) { throw .outOfRange(id, value: value, range: range) }
        ownership.assertOwned("the parameter pool")
        samples[index] = ParameterSample(value: value, timestamp: time, validity: .valid)
    }

    /// Validates a tunable value without setting it.
    public func checkTunable(id: ParameterID, value: Double) throws(ParameterError) {
        guard let index = indexByID[id] else { throw .unknownID(id) }
        let definition = definitions[index]
        guard definition.tunable else { throw .notTunable(id) }
        guard value.isFinite else { throw .notFinite(id) }
        if let range = definition.range, !range.contains(value) { throw .outOfRange(id, value: value, range: range) }
    }

    public var count: Int { samples.count }

    /// Copies all samples into `buffer` (resized once, then reused): for telemetry on another thread.
    public func snapshot(into buffer: inout [ParameterSample]) {
        if buffer.count != samples.count {
            buffer = samples
        } else {
            for index in samples.indices { buffer[index] = samples[index] }
        }
    }
}

/// A relation between two tunables that must hold whatever is set: `lower` < `upper` (a
/// control band's low and high limit, a hysteresis's off and on level). Single values are
/// checked against their ranges; these are checked on the whole set of a TC[20,3].
public struct ParameterConstraint: Sendable, Equatable {
    public var lower: ParameterHandle
    public var upper: ParameterHandle

    public init(lower: ParameterHandle, below upper: ParameterHandle) {
        self.lower = lower
        self.upper = upper
    }
}
