#if canImport(Glibc)
    import Glibc
#endif
import FlightCore
import HAL
import Systems

/// Per-APID packet sequence counts that never repeat across restarts, crashes included.
///
/// The file `<state>/sequence-counts` says where each APID's counts start after a restart. It is
/// a reservation ahead of use: before an APID uses count `n`, the file already says `n + k` with
/// `k ≥ 1`; each time the reservation is used up, a new one of ``block`` counts is written
/// (atomically: write, fsync, rename, fsync the directory), so the file is written once per 512
/// packets of an APID. After a crash the counts skip at most one block; they never repeat (within
/// the 14-bit modulus). The same holds for a clean restart (a skip of up to one block, which the
/// ground sees as a gap with nothing missing from the store).
///
/// The text format, one line per APID after a version line:
///
///     iost-sequence-counts 1
///     0x123 1536
///
/// A missing file on a vehicle whose stores are empty is a first boot (counts start at 0). A
/// missing, unreadable or foreign file otherwise raises `sequence_counts_fallback` and the counts
/// continue after the newest ones in the stores (what was sent after the last sync may then
/// repeat: the reason the file exists).
///
/// - Warning: telemetry thread only.
struct SequenceCountReservation {
    static let block: UInt16 = 512
    static let header = "iost-sequence-counts 1"

    /// Where the counts start (the reservation in the file when it was read).
    private(set) var start: [UInt16: UInt16] = [:]
    private var marks: [UInt16: UInt16] = [:]
    private var remaining: [UInt16: Int] = [:]
    private let path: String?
    private let events: EventLog?
    /// Writes that failed.
    private(set) var writeFailures = 0

    /// Reads the reservation at `path` (`nil`: nothing persisted, counts start at 0) and writes
    /// the next one.
    /// - Parameter stored: the newest sequence count per APID in the stores, for the fallback.
    init(path: String?, stored: [UInt16: UInt16], events: EventLog?, now: MonotonicInstant) {
        self.path = path
        self.events = events
        guard let path else { return }
        switch Self.read(path) {
        case .some(.some(let counts)):
            start = counts
        case .some(.none):
            start = stored.mapValues { ($0 &+ 1) & 0x3FFF }
            events?.raise(FlightEvent(id: StorageEvents.sequenceCountsFallback, severity: .low, time: now, 2, Double(stored.count)))
        case .none:
            start = stored.mapValues { ($0 &+ 1) & 0x3FFF }
            if !stored.isEmpty {
                events?.raise(FlightEvent(id: StorageEvents.sequenceCountsFallback, severity: .low, time: now, 1, Double(stored.count)))
            }
        }
        for (apid, count) in start {
            marks[apid] = (count &+ Self.block) & 0x3FFF
            remaining[apid] = Int(Self.block)
        }
        persist(now: now)
    }

    /// `nil`: no file. `.some(nil)`: a file that is not a reservation.
    private static func read(_ path: String) -> [UInt16: UInt16]?? {
        let text: String
        do {
            text = try readTextFile(atPath: path, limit: 1 << 16)
        } catch {
            if error.isMissingFile { return .none }
            return .some(nil)
        }
        var lines = text.split(separator: "\n")
        guard lines.first == Substring(header) else { return .some(nil) }
        lines.removeFirst()
        var counts: [UInt16: UInt16] = [:]
        for line in lines {
            let fields = line.split(separator: " ")
            guard fields.count == 2, fields[0].hasPrefix("0x"), let apid = UInt16(fields[0].dropFirst(2), radix: 16), apid <= 0x7FF,
                let count = UInt16(fields[1]), count <= 0x3FFF
            else { return .some(nil) }
            counts[apid] = count
        }
        return .some(counts)
    }

    /// Before `apid` uses `count`: makes sure the file reserves past it.
    mutating func willUse(apid: UInt16, count: UInt16, now: MonotonicInstant) {
        guard path != nil else { return }
        if let left = remaining[apid], left > 0 {
            remaining[apid] = left - 1
            return
        }
        marks[apid] = (count &+ Self.block) & 0x3FFF
        remaining[apid] = Int(Self.block) - 1
        persist(now: now)
    }

    private mutating func persist(now: MonotonicInstant) {
        guard let path else { return }
        var text = Self.header + "\n"
        for apid in marks.keys.sorted() {
            text += "0x" + String(apid, radix: 16) + " " + String(marks[apid] ?? 0) + "\n"
        }
        do {
            try writeFileAtomically(Array(text.utf8), toPath: path)
        } catch {
            writeFailures += 1
            events?.raise(FlightEvent(id: StorageEvents.sequenceCountsWriteFailed, severity: .medium, time: now, Double(error.errno)))
        }
    }
}
