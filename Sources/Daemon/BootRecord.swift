#if canImport(Glibc)
    import Glibc
#endif
import Systems

/// The boot counter and the way the last run ended, kept in the state directory (`boot`) so
/// that a restart knows whether the run before it shut down cleanly.
///
/// The file is a few lines of text, replaced whole with ``writeFileAtomically(_:toPath:mode:)``:
///
/// ```text
/// iost-boot 1
/// boots 12
/// clean 1
/// reason SIGTERM
/// ```
///
/// ``begin(in:)`` is called once at start: it reads the previous record, writes one with the
/// boot count advanced and `clean 0` (running), and returns what it found. ``end(reason:)``
/// writes `clean 1` with the reason at the end of a clean shutdown. A run that is killed or
/// crashes leaves `clean 0`, which the next start reports.
public struct BootRecord: Sendable, Equatable {
    /// The format this version writes and reads.
    public static let version = 1
    /// The file's name in the state directory.
    public static let fileName = "boot"

    /// What the previous run left.
    public enum Previous: Sendable, Equatable {
        /// No record: the first start with this state directory.
        case none
        /// The previous run shut down cleanly, for `reason` (a signal name, `duration`, …).
        case clean(reason: String)
        /// The previous run did not record a clean shutdown (killed, crashed, power lost).
        case unclean
        /// The record could not be used (truncated, another version, unreadable); counting
        /// restarts from it is not possible, so the boot count starts again at 1.
        case unusable(reason: String)
    }

    /// This run's boot count (1 for the first).
    public let boots: UInt64
    /// What the previous run left.
    public let previous: Previous
    /// The vehicle mode the previous run last recorded (``VehicleMode`` raw value), if any.
    public let previousMode: UInt8?
    private let path: String

    /// Reads the previous record in `directory` (created if missing) and writes this run's.
    /// - Throws: ``SystemCallError`` when the directory or the record cannot be written (the
    ///   caller decides whether that stops the daemon).
    public static func begin(in directory: String) throws(SystemCallError) -> BootRecord {
        try StateDirectory.create(directory)
        let path = directory + "/" + fileName
        let previous: Previous
        var boots: UInt64 = 1
        var previousMode: UInt8?
        do {
            let text = try readTextFile(atPath: path, limit: 4096)
            switch parse(text) {
            case .success(let record):
                boots = record.boots &+ 1
                previousMode = record.mode
                previous = record.clean ? .clean(reason: record.reason) : .unclean
            case .failure(let failure):
                previous = .unusable(reason: failure.description)
            }
        } catch {
            if case .system(let failure) = error.reason, failure.errno == ENOENT {
                previous = .none
            } else {
                previous = .unusable(reason: error.message)
            }
        }
        let record = BootRecord(boots: boots, previous: previous, previousMode: previousMode, path: path)
        try record.write(clean: false, reason: "running", mode: nil)
        return record
    }

    /// Records the vehicle mode while running (on every change), so that the next start after
    /// a crash can name the mode the vehicle was in.
    /// - Throws: ``SystemCallError`` when the record cannot be written.
    public func record(mode: UInt8) throws(SystemCallError) {
        try write(clean: false, reason: "running", mode: mode)
    }

    /// Records a clean shutdown for `reason` (no spaces or newlines are kept in it), in `mode`.
    /// - Throws: ``SystemCallError`` when the record cannot be written.
    public func end(reason: String, mode: UInt8? = nil) throws(SystemCallError) {
        try write(clean: true, reason: reason, mode: mode)
    }

    private func write(clean: Bool, reason: String, mode: UInt8?) throws(SystemCallError) {
        let word = String(reason.map { $0 == " " || $0 == "\n" || $0 == "\t" ? "_" : $0 })
        var text = "iost-boot \(Self.version)\nboots \(boots)\nclean \(clean ? 1 : 0)\nreason \(word.isEmpty ? "unknown" : word)\n"
        if let mode { text += "mode \(mode)\n" }
        try writeFileAtomically(Array(text.utf8), toPath: path)
    }

    struct Parsed: Equatable {
        var boots: UInt64
        var clean: Bool
        var reason: String
        var mode: UInt8?
    }

    /// The record in `text`, or why it is unusable.
    static func parse(_ text: String) -> Result<Parsed, ParseFailure> {
        var fields: [String: String] = [:]
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let parts = line.split(separator: " ", maxSplits: 1)
            guard parts.count == 2 else { return .failure(ParseFailure("malformed line \"\(line)\"")) }
            fields[String(parts[0])] = String(parts[1])
        }
        guard let format = fields["iost-boot"] else { return .failure(ParseFailure("not a boot record")) }
        guard format == String(version) else { return .failure(ParseFailure("format \(format), this version reads \(version)")) }
        guard let boots = fields["boots"].flatMap({ UInt64($0) }), let clean = fields["clean"], clean == "0" || clean == "1",
            let reason = fields["reason"]
        else {
            return .failure(ParseFailure("truncated or incomplete"))
        }
        // `mode` is optional (a run that never left its first mode, or an older record).
        let mode = fields["mode"].flatMap { UInt8($0) }
        return .success(Parsed(boots: boots, clean: clean == "1", reason: reason, mode: mode))
    }

    struct ParseFailure: Error, Equatable, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }
}

extension BootRecord.Previous: CustomStringConvertible {
    public var description: String {
        switch self {
        case .none: "no earlier run recorded"
        case .clean(let reason): "the previous run shut down cleanly (\(reason))"
        case .unclean: "the previous run did not shut down cleanly"
        case .unusable(let reason): "the boot record was unusable (\(reason)); counting starts again"
        }
    }
}
