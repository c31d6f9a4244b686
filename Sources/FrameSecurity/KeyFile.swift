#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import Crypto
import Systems

/// Why a key file was refused. The message names the file, never the key.
public enum KeyFileError: Error, Sendable, Hashable, CustomStringConvertible {
    /// It could not be read (missing, permissions…).
    case unreadable(path: String, reason: String)
    /// Group or others may read or write it.
    case tooOpen(path: String, mode: UInt32)
    /// Owned by another user than the one the daemon runs as.
    case wrongOwner(path: String, owner: UInt32, expected: UInt32)
    /// Not 64 hexadecimal digits and a newline.
    case malformed(path: String)
    /// A new key file could not be written.
    case notWritten(path: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): "key file \(path): \(reason)"
        case .tooOpen(let path, let mode):
            "key file \(path) has mode \(String(mode & 0o777, radix: 8)): group and others must have no access (chmod 600 \(path))"
        case .wrongOwner(let path, let owner, let expected): "key file \(path) is owned by uid \(owner), not by the service user (uid \(expected))"
        case .malformed(let path): "key file \(path) must hold 64 hexadecimal digits and a newline"
        case .notWritten(let path, let reason): "key file \(path): \(reason)"
        }
    }
}

/// AES-256 keys in files: 64 hexadecimal digits and a newline, mode 0600, owned by the service
/// user.
public enum KeyFile {
    /// Reads the key at `path` after checking its owner and mode.
    /// - Parameter owner: the uid the file must belong to (the daemon's effective uid).
    /// - Throws: ``KeyFileError``.
    public static func load(path: String, owner: UInt32 = UInt32(geteuid())) throws(KeyFileError) -> SymmetricKey {
        var status = stat()
        guard stat(path, &status) == 0 else { throw .unreadable(path: path, reason: String(cString: strerror(errno))) }
        guard UInt32(status.st_mode) & 0o077 == 0 else { throw .tooOpen(path: path, mode: UInt32(status.st_mode)) }
        guard UInt32(status.st_uid) == owner else { throw .wrongOwner(path: path, owner: UInt32(status.st_uid), expected: owner) }
        let bytes: [UInt8]
        do {
            bytes = try readFile(atPath: path, limit: 256)
        } catch {
            throw .unreadable(path: path, reason: error.message)
        }
        guard let key = parse(bytes) else { throw .malformed(path: path) }
        return SymmetricKey(data: key)
    }

    /// The 32 octets of a key file's text (64 hex digits and one newline), `nil` otherwise.
    public static func parse(_ text: [UInt8]) -> [UInt8]? {
        guard text.count == 65, text[64] == 0x0A else { return nil }
        var key: [UInt8] = []
        key.reserveCapacity(32)
        for index in stride(from: 0, to: 64, by: 2) {
            guard let high = hexValue(text[index]), let low = hexValue(text[index + 1]) else { return nil }
            key.append(high << 4 | low)
        }
        return key
    }

    private static func hexValue(_ digit: UInt8) -> UInt8? {
        switch digit {
        case 0x30...0x39: digit - 0x30
        case 0x41...0x46: digit - 0x41 + 10
        case 0x61...0x66: digit - 0x61 + 10
        default: nil
        }
    }

    /// The text of a key file for `key`.
    public static func text(of key: SymmetricKey) -> [UInt8] {
        let octets = key.withUnsafeBytes { Array($0) }
        return Array((octets.map(hexDigits).joined() + "\n").utf8)
    }

    /// Writes a fresh random key (the system CSPRNG, through swift-crypto) to `path`, mode 0600,
    /// creating missing parent directories (0700). An existing file is never replaced.
    /// - Throws: ``KeyFileError/notWritten(path:reason:)``.
    @discardableResult
    public static func create(path: String) throws(KeyFileError) -> SymmetricKey {
        let key = SymmetricKey(size: .bits256)
        if let slash = path.lastIndex(of: "/"), slash != path.startIndex {
            do {
                try StateDirectory.create(String(path[..<slash]), mode: 0o700)
            } catch {
                throw .notWritten(path: path, reason: error.description)
            }
        }
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw .notWritten(path: path, reason: String(cString: strerror(errno))) }
        let text = Self.text(of: key)
        do {
            let outcome = text.withUnsafeBytes { buffer in Result { () throws(SystemCallError) in try writeAll(buffer, to: descriptor) } }
            try outcome.get()
            _ = try retryingOnInterrupt("fsync(\(path))") { fsync(descriptor) }
        } catch {
            close(descriptor)
            unlink(path)
            throw .notWritten(path: path, reason: error.description)
        }
        close(descriptor)
        do {
            try synchronizeDirectory(containing: path)
        } catch {
            throw .notWritten(path: path, reason: error.description)
        }
        return key
    }
}
