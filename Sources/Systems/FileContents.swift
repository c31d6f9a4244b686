#if canImport(Glibc)
    import Glibc
#endif

/// A file that could not be read whole.
public struct FileReadError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Why the file could not be read.
    public enum Reason: Equatable, Sendable {
        /// `open`, `read` (or `close`) failed; `ENOENT` for a missing file.
        case system(SystemCallError)
        /// The file is larger than the caller's limit (bytes).
        case tooLarge(limit: Int)
        /// The file is not valid UTF-8 (``readTextFile(atPath:limit:)`` only).
        case notUTF8
    }

    /// The file's path.
    public var path: String
    public var reason: Reason

    public init(path: String, reason: Reason) {
        self.path = path
        self.reason = reason
    }

    /// Whether the file does not exist (`ENOENT`): a first start, for state files.
    public var isMissingFile: Bool {
        if case .system(let error) = reason { return error.errno == ENOENT }
        return false
    }

    /// What went wrong, without the path: "No such file or directory", "larger than 4194304 bytes".
    public var message: String {
        switch reason {
        case .system(let error): error.message
        case .tooLarge(let limit): "larger than \(limit) bytes"
        case .notUTF8: "not UTF-8 text"
        }
    }

    public var description: String {
        switch reason {
        case .system(let error): "\(path): \(error)"
        default: "\(path): \(message)"
        }
    }
}

/// Reads the whole file at `path` (a configuration file, a `/proc` or `/sys` entry).
///
/// - Parameter limit: the most bytes accepted; a longer file is an error, not a truncated read.
/// - Returns: the file's bytes.
/// - Throws: ``FileReadError``.
public func readFile(atPath path: String, limit: Int = 16 << 20) throws(FileReadError) -> [UInt8] {
    let descriptor: Int32
    do throws(SystemCallError) {
        descriptor = try retryingOnInterrupt("open") { open(path, O_RDONLY | O_CLOEXEC) }
    } catch {
        throw FileReadError(path: path, reason: .system(error))
    }
    defer { close(descriptor) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 64 << 10)
    while true {
        // `withUnsafeMutableBytes` rethrows untyped errors: carry the typed one out as a value.
        let outcome = chunk.withUnsafeMutableBytes { buffer in
            Result { () throws(SystemCallError) in
                try retryingOnInterrupt("read") { read(descriptor, buffer.baseAddress, buffer.count) }
            }
        }
        let count: Int
        switch outcome {
        case .success(let read): count = read
        case .failure(let error): throw FileReadError(path: path, reason: .system(error))
        }
        if count == 0 { return bytes }
        if bytes.count + count > limit { throw FileReadError(path: path, reason: .tooLarge(limit: limit)) }
        bytes.append(contentsOf: chunk[0..<count])
    }
}

/// Reads the whole file at `path` as UTF-8 text.
///
/// - Parameter limit: the most bytes accepted.
/// - Throws: ``FileReadError``, with ``FileReadError/Reason/notUTF8`` for bytes that are not UTF-8.
public func readTextFile(atPath path: String, limit: Int = 16 << 20) throws(FileReadError) -> String {
    let bytes = try readFile(atPath: path, limit: limit)
    guard let text = String(validating: bytes, as: UTF8.self) else {
        throw FileReadError(path: path, reason: .notUTF8)
    }
    return text
}
