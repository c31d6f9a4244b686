import HAL
import Synchronization

/// The contact state and its counters as housekeeping parameters (IDs 0x0D00–0x0D1F): the link's
/// threads set them (``set(_:_:)``, atomics, any thread); the hk member publishes them into the
/// pool on the executive's thread, so they appear in TM[3,25] like any other parameter.
public final class ContactTelemetry: Sendable {
    /// The first parameter ID; the parameters follow in ``Parameter/allCases`` order.
    public static let firstParameterID: UInt16 = 0x0D00
    /// The last ID of the contact range.
    public static let lastParameterID: UInt16 = 0x0D1F

    /// One parameter.
    public enum Parameter: Int, Sendable, CaseIterable {
        /// 1 in contact, 0 out of contact (u8).
        case inContact
        /// Passes begun (acquisitions of signal) since start.
        case passes
        /// TC frames received and discarded out of contact.
        case uplinkNoContact
        /// Real-time packets the downlink accepted and discarded out of contact (kept in the store).
        case realTimeDiscardedLOS
        /// Failed readings of the contact source (the carrier-detect line).
        case sourceReadErrors
        /// Failed writes of the frame-count reservation.
        case frameCountWriteFailures

        /// The parameter's name.
        public var name: String {
            switch self {
            case .inContact: "link.in_contact"
            case .passes: "link.passes"
            case .uplinkNoContact: "link.uplink_no_contact"
            case .realTimeDiscardedLOS: "link.rt_discarded_los"
            case .sourceReadErrors: "link.contact_read_errors"
            case .frameCountWriteFailures: "link.frame_count_write_failures"
            }
        }

        var type: ParameterType { self == .inContact ? .u8 : .u32 }
    }

    private final class Slot: Sendable {
        let value = Atomic<UInt64>(0)
    }
    private let slots: [Slot]

    public init() {
        slots = Parameter.allCases.map { _ in Slot() }
    }

    /// Sets a parameter (the link's counters are cumulative: write their current values).
    public func set(_ parameter: Parameter, _ value: UInt64) {
        slots[parameter.rawValue].value.store(value, ordering: .relaxed)
    }

    /// Adds to a parameter.
    public func add(_ parameter: Parameter, _ value: UInt64 = 1) {
        slots[parameter.rawValue].value.add(value, ordering: .relaxed)
    }

    /// A parameter's current value.
    public func value(_ parameter: Parameter) -> UInt64 {
        slots[parameter.rawValue].value.load(ordering: .relaxed)
    }

    // MARK: Pool (services)

    /// Registers the parameters from ``firstParameterID``.
    func register(in pool: ParameterPool) throws(RegistrationError) -> [ParameterHandle] {
        var ids = ParameterIDSequence(first: Self.firstParameterID, last: Self.lastParameterID)
        var handles: [ParameterHandle] = []
        for parameter in Parameter.allCases {
            handles.append(try pool.register(&ids, first: Self.firstParameterID, component: "link", name: parameter.name, unit: "", type: parameter.type))
        }
        return handles
    }

    /// Copies every parameter into the pool. Executive thread.
    func publish(pool: ParameterPool, handles: [ParameterHandle], at time: MonotonicInstant) {
        for (slot, handle) in zip(slots, handles) {
            pool.set(handle, Double(slot.value.load(ordering: .relaxed)), at: time)
        }
    }
}
