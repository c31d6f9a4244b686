import SpaceLink

/// One run of sequence counts missing on an APID, between two packets the ground has.
public struct TelemetryGap: Sendable, Hashable {
    public var apid: UInt16
    /// Generation times of the packets on either side.
    public var after: CUCTime
    public var before: CUCTime
    /// Counts (modulo 16384) still missing.
    public var missing: Int

    public init(apid: UInt16, after: CUCTime, before: CUCTime, missing: Int) {
        self.apid = apid
        self.after = after
        self.before = before
        self.missing = missing
    }
}

/// The ground's view of one APID-multiplexed downlink whose packets arrive twice (real time on
/// VC 0, replayed from the onboard store on VC 1): ``admit(_:)`` says whether a packet is new
/// (the merge without duplicates, by APID, sequence count and generation time), and per APID
/// it keeps the counts missing between the packets seen (``gaps``), so a console can ask the
/// vehicle for the ranges that have not come down by themselves.
///
/// Counts are unwrapped (14 bits) against the newest count of the APID; a packet more than half
/// the modulus behind it is taken as a late one, not a wrap.
public struct DownlinkMerge: Sendable {
    private struct Key: Hashable {
        var apid: UInt16
        var count: UInt16
        var time: CUCTime
    }
    private struct OpenGap {
        var after: CUCTime
        var before: CUCTime
        var missing: Set<Int>
        var openedAt: Double
        var requested: Bool
    }
    private var seen: Set<Key> = []
    private var order: [Key] = []
    private var newest: [UInt16: (count: Int, time: CUCTime)] = [:]
    private var open: [UInt16: [OpenGap]] = [:]
    private let memory: Int
    /// Packets dropped as duplicates.
    public private(set) var duplicates = 0

    /// - Parameter memory: packets remembered for duplicate detection (oldest forgotten first).
    public init(memory: Int = 32_768) {
        self.memory = max(1, memory)
    }

    /// Whether `packet` is new; notes gaps it opens or fills.
    /// - Parameter now: the ground's clock in seconds (when a gap was first seen).
    public mutating func admit(_ packet: DecodedPacket, now: Double) -> Bool {
        let key = Key(apid: packet.apid, count: packet.sequenceCount, time: packet.time)
        guard !seen.contains(key) else {
            duplicates += 1
            return false
        }
        seen.insert(key)
        order.append(key)
        if order.count > memory {
            seen.remove(order.removeFirst())
        }
        let count = Int(packet.sequenceCount)
        guard let last = newest[packet.apid] else {
            newest[packet.apid] = (count, packet.time)
            return true
        }
        let delta = (count - last.count % 16_384 + 16_384) % 16_384
        if delta > 0 && delta < 8_192 {
            let value = last.count + delta
            if delta > 1 {
                let missing = Set((last.count + 1)..<value)
                open[packet.apid, default: []].append(
                    OpenGap(after: last.time, before: packet.time, missing: missing.count <= 16_384 ? missing : [], openedAt: now, requested: false))
            }
            newest[packet.apid] = (value, packet.time)
        } else if delta >= 8_192 {
            // A late packet (replayed): it may fill a gap.
            let value = last.count - (16_384 - delta)
            if var gaps = open[packet.apid] {
                for index in gaps.indices { gaps[index].missing.remove(value) }
                gaps.removeAll { $0.missing.isEmpty }
                open[packet.apid] = gaps
            }
        }
        return true
    }

    /// Gaps still missing counts.
    public var gaps: [TelemetryGap] {
        open.flatMap { apid, gaps in
            gaps.map { TelemetryGap(apid: apid, after: $0.after, before: $0.before, missing: $0.missing.count) }
        }
    }

    /// Gaps open for at least `delay` seconds at `now` that were not asked for yet; they are
    /// marked asked for.
    public mutating func takeGapsToRequest(now: Double, delay: Double) -> [TelemetryGap] {
        var due: [TelemetryGap] = []
        for (apid, gaps) in open {
            var updated = gaps
            for index in updated.indices where !updated[index].requested && now - updated[index].openedAt >= delay {
                updated[index].requested = true
                due.append(TelemetryGap(apid: apid, after: updated[index].after, before: updated[index].before, missing: updated[index].missing.count))
            }
            open[apid] = updated
        }
        return due
    }

    /// TC[15,9] for a gap from every store the mission database names: the range between the
    /// packets on either side (Unix ms, UTC), inclusive.
    public static func retrieval(for gap: TelemetryGap, mib: MissionInformationBase) -> ServiceRequest? {
        guard !mib.stores.isEmpty else { return nil }
        func milliseconds(_ time: CUCTime) -> UInt64 {
            let unix = time.unixTime(utcToTAIOffset: mib.utcToTAIOffset)
            return unix <= 0 ? 0 : UInt64(unix * 1000)
        }
        let from = milliseconds(gap.after)
        let to = milliseconds(gap.before) + 1
        return ServiceRequest(
            StorageRequestMessage.retrieveByTime(mib.stores.map { RetrievalRange(storeID: $0.id, start: from, end: to) }),
            summary: "TC[15,9] fill \(gap.missing) counts of APID 0x\(String(gap.apid, radix: 16)) "
                + "\(UTCText.iso8601(gap.after, utcToTAIOffset: mib.utcToTAIOffset))…\(UTCText.iso8601(gap.before, utcToTAIOffset: mib.utcToTAIOffset))")
    }
}
