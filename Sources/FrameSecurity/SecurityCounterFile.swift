import SpaceLink
import Systems

/// The last accepted counter of each SA, kept in `<state>/sdls-counters` so that no frame can be
/// replayed after a restart. Written with ``writeFileAtomically(_:toPath:mode:)`` (temporary file,
/// fsync, rename, fsync of the directory) before an accepted frame goes on to FARM-1.
///
/// File layout (version 1):
///
/// | offset | width | field |
/// |---|---|---|
/// | 0 | 4 | magic `IOSC` (0x49 0x4F 0x53 0x43) |
/// | 4 | 1 | format version, 1 |
/// | 5 | 2 | number of entries n, big-endian |
/// | 7 | 14 × n | per SA: SPI (2), last accepted counter (12), big-endian, SPIs ascending |
/// | 7 + 14n | 2 | CRC-16/CCITT-FALSE of everything before it, big-endian |
///
/// - Warning: not thread-safe; the uplink uses it under its own lock.
public struct SecurityCounterFile: Sendable {
    /// The file's name in the state directory.
    public static let fileName = "sdls-counters"
    static let magic: [UInt8] = [0x49, 0x4F, 0x53, 0x43]
    static let version: UInt8 = 1

    /// Why a file could not be used.
    public enum LoadError: Error, Sendable, Hashable, CustomStringConvertible {
        /// It exists but could not be read.
        case unreadable(path: String, reason: String)
        /// Wrong size, magic, version or CRC: the daemon does not guess a counter.
        case invalid(path: String, reason: String)

        public var description: String {
            switch self {
            case .unreadable(let path, let reason): "\(path): cannot be read (\(reason))"
            case .invalid(let path, let reason): "\(path): not a valid SDLS counter file (\(reason)); restore it or remove it to accept the next authenticated frame of each SA"
            }
        }
    }

    public let path: String

    public init(path: String) { self.path = path }

    /// The stored counters; empty when the file does not exist (a first start).
    /// - Throws: ``LoadError``.
    public func load() throws(LoadError) -> [UInt16: SecurityCounter] {
        let bytes: [UInt8]
        do {
            bytes = try readFile(atPath: path, limit: 1 << 20)
        } catch {
            if error.isMissingFile { return [:] }
            throw .unreadable(path: path, reason: error.message)
        }
        return try Self.decode(bytes, path: path)
    }

    static func decode(_ bytes: [UInt8], path: String) throws(LoadError) -> [UInt16: SecurityCounter] {
        guard bytes.count >= 9 else { throw .invalid(path: path, reason: "\(bytes.count) octets") }
        guard Array(bytes[0..<4]) == magic else { throw .invalid(path: path, reason: "wrong magic") }
        guard bytes[4] == version else { throw .invalid(path: path, reason: "version \(bytes[4])") }
        let count = Int(bytes[5]) << 8 | Int(bytes[6])
        guard bytes.count == 7 + 14 * count + 2 else { throw .invalid(path: path, reason: "\(bytes.count) octets for \(count) entries") }
        guard CRC16.compute(bytes) == 0 else { throw .invalid(path: path, reason: "bad CRC") }
        var counters: [UInt16: SecurityCounter] = [:]
        for entry in 0..<count {
            let start = 7 + 14 * entry
            let spi = UInt16(bytes[start]) << 8 | UInt16(bytes[start + 1])
            counters[spi] = SecurityCounter(bytes: bytes[start + 2..<start + 14]) ?? .zero
        }
        return counters
    }

    static func encode(_ counters: [UInt16: SecurityCounter]) -> [UInt8] {
        var bytes = magic + [version, UInt8(truncatingIfNeeded: counters.count >> 8), UInt8(truncatingIfNeeded: counters.count)]
        for spi in counters.keys.sorted() {
            bytes += [UInt8(spi >> 8), UInt8(truncatingIfNeeded: spi)] + (counters[spi] ?? .zero).bytes
        }
        let crc = CRC16.compute(bytes)
        return bytes + [UInt8(crc >> 8), UInt8(truncatingIfNeeded: crc)]
    }

    /// Replaces the file with `counters` (mode 0600).
    /// - Throws: ``SystemCallError``; the file is then unchanged.
    public func store(_ counters: [UInt16: SecurityCounter]) throws(SystemCallError) {
        try writeFileAtomically(Self.encode(counters), toPath: path, mode: 0o600)
    }
}
