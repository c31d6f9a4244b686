import HAL
import Synchronization

/// Counters of the space link (downlink queues and sockets, uplink frame rejections per
/// reason) as housekeeping parameters: the link runs on its own threads and updates them with
/// ``set(_:_:)`` (atomics, any thread); the hk member publishes them into the pool on the
/// executive's thread, so they appear in TM[3,25] like any other parameter.
///
/// The parameters are registered by the services from `parameter_base + 0x10` (u32 each, in
/// ``Counter/allCases`` order); their names are ``Counter/name``.
public final class LinkCounters: Sendable {
    /// Downlink destinations with their own counters (the first four of `[link] downlink`).
    public static let maximumDestinations = 4

    /// One counter.
    public enum Counter: Sendable, Hashable {
        /// Packets the downlink refused because their priority's queue was full.
        case downlinkQueueFull
        /// Packets the downlink refused as malformed.
        case downlinkInvalidPacket
        /// Frame slots skipped because the sender was late.
        case downlinkMissedSlots
        /// Datagrams sent to destination `n`.
        case destinationSent(Int)
        /// Sends to destination `n` refused (ECONNREFUSED: nobody listened) and retried.
        case destinationRefused(Int)
        /// Frames lost for destination `n` (send and retries failed).
        case destinationErrors(Int)
        /// TC frames accepted (type-AD and type-BD).
        case uplinkFramesAccepted
        /// TC frames for another spacecraft.
        case uplinkWrongSpacecraft
        /// TC frames on a virtual channel not accepted.
        case uplinkWrongVirtualChannel
        /// TC frames for a MAP not accepted.
        case uplinkWrongMAP
        /// Data frames whose segment header is not "unsegmented" (sequence flags ≠ 0b11).
        case uplinkBadSegmentHeader
        /// TC frames whose FECF is wrong.
        case uplinkBadFECF
        /// TC frames whose length field disagrees with the datagram, too short for their
        /// headers (a data frame without room for its segment header), or too long.
        case uplinkBadLength
        /// Other malformed TC frames: version, frame type, control command.
        case uplinkMalformed
        /// Type-AD frames FARM-1 discarded because the command queue had no room (Wait).
        case uplinkFARMWait
        /// Type-AD frames discarded ahead of V(R) (a lost frame, retransmission asked).
        case uplinkFARMGap
        /// Type-AD frames discarded behind V(R) (duplicates, replays).
        case uplinkFARMReplay
        /// Type-AD frames discarded entering or in Lockout.
        case uplinkFARMLockout
        /// Accepted frames whose data did not divide into whole packets.
        case uplinkBadPacketData
        /// Failed receive calls.
        case uplinkReceiveErrors
        /// Frames on an SDLS-protected VC without a configured SPI of that VC (plain frames).
        case uplinkSDLSUnknownSPI
        /// Frames on a protected VC whose SA is not operational.
        case uplinkSDLSNotOperational
        /// Frames on a protected VC whose MAC did not verify.
        case uplinkSDLSBadMAC
        /// Frames on a protected VC whose counter was not above the last accepted (replays,
        /// and any frame after the counter reached 2^96 − 1).
        case uplinkSDLSReplay
        /// Frames on a protected VC whose counter was beyond the anti-replay window.
        case uplinkSDLSOutsideWindow
        /// Frames refused because their counter could not be stored.
        case uplinkSDLSNotPersisted

        public static var allCases: [Counter] {
            [.downlinkQueueFull, .downlinkInvalidPacket, .downlinkMissedSlots]
                + (0..<maximumDestinations).flatMap { [Counter.destinationSent($0), .destinationRefused($0), .destinationErrors($0)] }
                + [
                    .uplinkFramesAccepted, .uplinkWrongSpacecraft, .uplinkWrongVirtualChannel, .uplinkWrongMAP, .uplinkBadSegmentHeader,
                    .uplinkBadFECF, .uplinkBadLength, .uplinkMalformed, .uplinkFARMWait, .uplinkFARMGap, .uplinkFARMReplay,
                    .uplinkFARMLockout, .uplinkBadPacketData, .uplinkReceiveErrors,
                    .uplinkSDLSUnknownSPI, .uplinkSDLSNotOperational, .uplinkSDLSBadMAC, .uplinkSDLSReplay, .uplinkSDLSOutsideWindow,
                    .uplinkSDLSNotPersisted,
                ]
        }

        /// The parameter's name.
        public var name: String {
            switch self {
            case .downlinkQueueFull: "link.dl.queue_full"
            case .downlinkInvalidPacket: "link.dl.invalid_packet"
            case .downlinkMissedSlots: "link.dl.missed_slots"
            case .destinationSent(let n): "link.dl.dest\(n).sent"
            case .destinationRefused(let n): "link.dl.dest\(n).refused"
            case .destinationErrors(let n): "link.dl.dest\(n).errors"
            case .uplinkFramesAccepted: "link.ul.frames_accepted"
            case .uplinkWrongSpacecraft: "link.ul.wrong_spacecraft"
            case .uplinkWrongVirtualChannel: "link.ul.wrong_vc"
            case .uplinkWrongMAP: "link.ul.wrong_map"
            case .uplinkBadSegmentHeader: "link.ul.bad_segment_header"
            case .uplinkBadFECF: "link.ul.bad_fecf"
            case .uplinkBadLength: "link.ul.bad_length"
            case .uplinkMalformed: "link.ul.malformed"
            case .uplinkFARMWait: "link.ul.farm_wait"
            case .uplinkFARMGap: "link.ul.farm_gap"
            case .uplinkFARMReplay: "link.ul.farm_replay"
            case .uplinkFARMLockout: "link.ul.farm_lockout"
            case .uplinkBadPacketData: "link.ul.bad_packet_data"
            case .uplinkReceiveErrors: "link.ul.receive_errors"
            case .uplinkSDLSUnknownSPI: "link.ul.sdls_unknown_spi"
            case .uplinkSDLSNotOperational: "link.ul.sdls_not_operational"
            case .uplinkSDLSBadMAC: "link.ul.sdls_bad_mac"
            case .uplinkSDLSReplay: "link.ul.sdls_replay"
            case .uplinkSDLSOutsideWindow: "link.ul.sdls_outside_window"
            case .uplinkSDLSNotPersisted: "link.ul.sdls_not_persisted"
            }
        }
    }

    private final class Slot: Sendable {
        let value = Atomic<UInt64>(0)
    }
    private let counters: [Counter]
    private let slots: [Slot]
    private let index: [Counter: Int]

    init() {
        counters = Counter.allCases
        slots = counters.map { _ in Slot() }
        var index: [Counter: Int] = [:]
        for (position, counter) in counters.enumerated() { index[counter] = position }
        self.index = index
    }

    /// Sets a counter (the link's own statistics are cumulative: it writes their current
    /// values). A destination beyond ``maximumDestinations`` is ignored.
    public func set(_ counter: Counter, _ value: UInt64) {
        guard let position = index[counter] else { return }
        slots[position].value.store(value, ordering: .relaxed)
    }

    /// A counter's current value.
    public func value(_ counter: Counter) -> UInt64 {
        guard let position = index[counter] else { return 0 }
        return slots[position].value.load(ordering: .relaxed)
    }

    // MARK: Pool (services)

    /// Registers the counters' parameters in `ids`.
    func register(in pool: ParameterPool, ids: inout ParameterIDSequence, first: UInt16) throws(RegistrationError) -> [ParameterHandle] {
        var handles: [ParameterHandle] = []
        for counter in counters {
            handles.append(try pool.register(&ids, first: first, component: "link", name: counter.name, unit: "", type: .u32))
        }
        return handles
    }

    /// Copies every counter into the pool. Executive thread.
    func publish(pool: ParameterPool, handles: [ParameterHandle], at time: MonotonicInstant) {
        for (position, handle) in zip(slots.indices, handles) {
            pool.set(handle, Double(slots[position].value.load(ordering: .relaxed)), at: time)
        }
    }
}
