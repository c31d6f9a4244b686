/// Gives packets their final packet sequence count (and, for PUS-C telemetry, message type
/// counter and packet error control) at the moment they are committed to the transfer frame
/// stream, so that the counts on the wire are strictly consecutive per APID whatever order a
/// priority scheduler took the packets in.
///
/// CCSDS 133.0-B-2 §4.1.3.4.2.2: the packet sequence count is "a straight sequential count
/// (modulo 16384) … of each space packet generated per APID". A producer that numbers packets
/// when it makes them and a downlink that reorders them by priority break that on the wire;
/// stamping here, after the reordering, keeps it. ECSS-E-ST-70-41C §7.4.3.1 asks the same of
/// the message type counter per destination and message type, which ``stamp(_:)`` rewrites in
/// PUS-C TM secondary headers.
///
/// Idle packets (APID 0x7FF) pass unchanged. A packet whose PEC verified before stamping gets a
/// new PEC; one without a valid PEC keeps its last two octets (it is not a PUS packet, or it is
/// already corrupt — it is not this layer's business to hide that).
///
/// - Warning: not thread-safe; one per packet stream: the vehicle's telemetry thread (before the
///   stores and the downlink), or a downlink under its lock.
public struct PacketSequencer: Sendable {
    private var sequence: [UInt16: UInt16] = [:]
    private var counters = MessageTypeCounters()

    public init() {}

    /// A sequencer whose counts continue from `counts` (APID → next count; others start at 0):
    /// counts persisted across a restart.
    public init(startingAt counts: [UInt16: UInt16]) {
        sequence = counts.mapValues { $0 & 0x3FFF }
    }

    /// The next sequence count `apid` will get.
    public func nextSequenceCount(apid: UInt16) -> UInt16 { sequence[apid, default: 0] }

    /// The packet with its final counts (and PEC).
    /// - Parameter packet: one whole space packet (its length field matches its size); anything
    ///   shorter than a primary header is returned unchanged.
    public mutating func stamp(_ packet: [UInt8]) -> [UInt8] {
        guard packet.count >= SpacePacketHeader.size else { return packet }
        let apid = UInt16(packet[0] & 0x07) << 8 | UInt16(packet[1])
        guard apid != SpacePacketHeader.idleAPID else { return packet }
        var bytes = packet
        let hadValidPEC = bytes.count >= SpacePacketHeader.size + 2 && CRC16.compute(bytes) == 0
        let count = sequence[apid, default: 0]
        sequence[apid] = (count &+ 1) & 0x3FFF
        bytes[2] = bytes[2] & 0xC0 | UInt8(truncatingIfNeeded: count >> 8) & 0x3F
        bytes[3] = UInt8(truncatingIfNeeded: count)

        // PUS-C TM: type 0, secondary header flag, TM PUS version 2, then service, subtype,
        // message type counter (octets 9–10) and destination ID (octets 11–12).
        let isTelemetry = bytes[0] & 0x10 == 0
        let hasSecondaryHeader = bytes[0] & 0x08 != 0
        if hadValidPEC, isTelemetry, hasSecondaryHeader, bytes.count >= SpacePacketHeader.size + 7 + 2, bytes[6] >> 4 == pusCVersion {
            let type = MessageType(bytes[7], bytes[8])
            let destination = UInt16(bytes[11]) << 8 | UInt16(bytes[12])
            let counter = counters.next(type, destination: destination)
            bytes[9] = UInt8(truncatingIfNeeded: counter >> 8)
            bytes[10] = UInt8(truncatingIfNeeded: counter)
        }
        if hadValidPEC {
            let pec = CRC16.compute(bytes.dropLast(2))
            bytes[bytes.count - 2] = UInt8(truncatingIfNeeded: pec >> 8)
            bytes[bytes.count - 1] = UInt8(truncatingIfNeeded: pec)
        }
        return bytes
    }
}
