import SpaceLink
import Systems

/// The downlink's frame counts kept across restarts in `<state>/frame-counts`, so that a ground
/// archive never sees a master or virtual channel frame count go back after a restart or a
/// `kill -9`.
///
/// A reservation is written ahead: the file says "the next counts start at N", N being the
/// counts now advanced by ``block`` frames. The downlink writes a new reservation before its first
/// frame and again whenever half the block has been used; a clean close writes the exact next
/// counts, so a clean restart continues without a gap. After a crash the counts jump forward by
/// 1 to ``block`` + 1 frames (never a multiple of 256: the ground sees a gap, never a repeat).
///
/// File layout (16 octets, written with ``writeFileAtomically(_:toPath:mode:)``):
///
/// | offset | width | field |
/// |---|---|---|
/// | 0 | 4 | magic `IOFC` (0x49 0x4F 0x46 0x43) |
/// | 4 | 1 | format version, 1 |
/// | 5 | 1 | next master channel frame count |
/// | 6 | 8 | next frame count of VC 0…7 |
/// | 14 | 2 | CRC-16/CCITT-FALSE of octets 0…13, big-endian |
///
/// A missing file is a first start; a short, foreign or damaged one is reported and the counts
/// start at 0 (``Restored``): never a crash.
///
/// - Warning: not thread-safe; the downlink uses it from its sender thread (or the caller of
///   ``Downlink/pump(now:)``), and ``load(path:)`` before the link starts.
public final class FrameCountFile {
    /// The file's name in the state directory.
    public static let fileName = "frame-counts"
    /// Octets of the file.
    public static let length = 16
    static let magic: [UInt8] = [0x49, 0x4F, 0x46, 0x43]
    static let version: UInt8 = 1

    /// What ``load(path:)`` found.
    public enum Restored: Sendable, Equatable {
        /// A valid file: counts continue from it.
        case restored(TMFrameCounts)
        /// No file (a first start): counts start at 0.
        case missing
        /// A file of the wrong size, magic, version or CRC: counts start at 0.
        case invalid(Invalidity)
        /// The file exists but could not be read (errno): counts start at 0.
        case unreadable(errno: Int32)
    }

    /// Why a file was not accepted (the numeric code is the `frame_counts_invalid` event's argument).
    public enum Invalidity: Int, Sendable, Equatable {
        case wrongSize = 1
        case wrongMagic = 2
        case wrongVersion = 3
        case badCRC = 4
    }

    /// The file's path.
    public let path: String
    /// Frames reserved ahead by each reservation (2…254; default 240).
    public let block: Int

    /// - Parameter block: frames reserved ahead (a new reservation is written every `block / 2` frames).
    /// - Precondition: `block` in 2…254 (a crash just after a reservation jumps `block + 1`, which
    ///   must not be 256: the counts would look unchanged).
    public init(path: String, block: Int = 240) {
        precondition((2...254).contains(block), "frame count reservation block is 2...254 frames")
        self.path = path
        self.block = block
    }

    /// The file in state directory `directory`.
    public convenience init(stateDirectory directory: String, block: Int = 240) {
        self.init(path: directory + "/" + Self.fileName, block: block)
    }

    /// Reads the counts to start from.
    /// - Returns: the counts (`.zero` unless restored) and what was found.
    public static func load(path: String) -> (counts: TMFrameCounts, restored: Restored) {
        let bytes: [UInt8]
        do {
            bytes = try readFile(atPath: path, limit: 4096)
        } catch {
            if case .system(let failure) = error.reason {
                return failure.errno == 2 ? (.zero, .missing) : (.zero, .unreadable(errno: failure.errno))
            }
            return (.zero, .invalid(.wrongSize))
        }
        switch decode(bytes) {
        case .success(let counts): return (counts, .restored(counts))
        case .failure(let error): return (.zero, .invalid(error.invalidity))
        }
    }

    /// The file's octets for `counts`.
    public static func encode(_ counts: TMFrameCounts) -> [UInt8] {
        var bytes = magic + [version, counts.master] + counts.virtualChannels
        let crc = CRC16.compute(bytes)
        bytes += [UInt8(crc >> 8), UInt8(crc & 0xFF)]
        return bytes
    }

    /// The counts in a file's octets.
    public static func decode(_ bytes: [UInt8]) -> Result<TMFrameCounts, FrameCountFileError> {
        guard bytes.count == length else { return .failure(FrameCountFileError(.wrongSize)) }
        guard Array(bytes[0..<4]) == magic else { return .failure(FrameCountFileError(.wrongMagic)) }
        guard bytes[4] == version else { return .failure(FrameCountFileError(.wrongVersion)) }
        guard CRC16.compute(bytes[0..<16]) == 0 else { return .failure(FrameCountFileError(.badCRC)) }
        return .success(TMFrameCounts(master: bytes[5], virtualChannels: Array(bytes[6..<14])))
    }

    /// Writes "the next counts start at `counts`" (atomically, fsynced).
    /// - Throws: ``SystemCallError``; the previous file is then unchanged.
    public func write(_ counts: TMFrameCounts) throws(SystemCallError) {
        try writeFileAtomically(Self.encode(counts), toPath: path)
    }

    /// Writes the reservation for a channel whose next counts are `counts`: `counts + block`.
    /// - Throws: ``SystemCallError``.
    public func reserve(from counts: TMFrameCounts) throws(SystemCallError) {
        try write(counts.advanced(by: block))
    }
}

/// Why a frame-counts file was refused.
public struct FrameCountFileError: Error, Sendable, Equatable {
    public var invalidity: FrameCountFile.Invalidity
    public init(_ invalidity: FrameCountFile.Invalidity) { self.invalidity = invalidity }
}
