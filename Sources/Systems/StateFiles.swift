#if canImport(Glibc)
    import Glibc
#endif

/// Where the daemon keeps what must survive a restart (the packet store, the schedule, the
/// persisted state, the anti-replay counters): `--state-dir DIR`, else `$STATE_DIRECTORY`
/// (systemd's `StateDirectory=`; the first of a colon-separated list), else `.cache/state` in
/// the repository when run from a checkout.
public enum StateDirectory {
    /// The directory to use.
    /// - Parameters:
    ///   - explicit: `--state-dir`.
    ///   - environment: the value of `STATE_DIRECTORY`, if set.
    ///   - repository: the repository's root when run from a checkout.
    /// - Returns: `nil` when none applies (no flag, no systemd, not in a checkout).
    public static func resolve(explicit: String?, environment: String?, repository: String?) -> String? {
        if let explicit, !explicit.isEmpty { return explicit }
        if let environment, let first = environment.split(separator: ":").first, !first.isEmpty { return String(first) }
        if let repository { return repository + "/.cache/state" }
        return nil
    }

    /// Creates `path` and its missing parents with `mode` (an existing directory is kept).
    /// - Throws: ``SystemCallError`` for `mkdir` (not `EEXIST` of a directory).
    public static func create(_ path: String, mode: mode_t = 0o750) throws(SystemCallError) {
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            prefix += "/" + component
            if mkdir(prefix, mode) != 0 {
                let code = errno
                var status = stat()
                guard code == EEXIST, stat(prefix, &status) == 0, (status.st_mode & S_IFMT) == S_IFDIR else {
                    throw SystemCallError(call: "mkdir(\(prefix))", errno: code)
                }
            }
        }
    }
}

/// Replaces the file at `path` with `bytes` so that a crash at any moment leaves either the old
/// file or the new one, whole: write a temporary file beside it, `fsync` it, `rename` it over
/// `path`, `fsync` the directory. The one way persisted state is written.
///
/// - Parameter mode: the new file's permissions (0600 for secrets, 0640 otherwise).
/// - Throws: ``SystemCallError`` naming the failing call; `path` is then unchanged.
public func writeFileAtomically(_ bytes: [UInt8], toPath path: String, mode: mode_t = 0o640) throws(SystemCallError) {
    let temporary = path + ".tmp"
    let descriptor = try retryingOnInterrupt("open(\(temporary))") { open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode) }
    do throws(SystemCallError) {
        let outcome = bytes.withUnsafeBytes { buffer in Result { () throws(SystemCallError) in try writeAll(buffer, to: descriptor) } }
        try outcome.get()
        _ = try retryingOnInterrupt("fsync(\(temporary))") { fsync(descriptor) }
    } catch {
        close(descriptor)
        unlink(temporary)
        throw error
    }
    close(descriptor)
    guard rename(temporary, path) == 0 else {
        let failure = SystemCallError.lastError(of: "rename(\(temporary))")
        unlink(temporary)
        throw failure
    }
    try synchronizeDirectory(containing: path)
}

/// `fsync` of the directory that holds `path`, so a create, rename or unlink in it is durable.
/// - Throws: ``SystemCallError`` for `open` or `fsync` of the directory.
public func synchronizeDirectory(containing path: String) throws(SystemCallError) {
    let directory: String
    if let slash = path.lastIndex(of: "/") {
        directory = slash == path.startIndex ? "/" : String(path[..<slash])
    } else {
        directory = "."
    }
    let descriptor = try retryingOnInterrupt("open(\(directory))") { open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
    defer { close(descriptor) }
    _ = try retryingOnInterrupt("fsync(\(directory))") { fsync(descriptor) }
}

/// An exclusive hold on a state directory for the life of one daemon: two daemons appending to
/// the same packet store or reservation files would corrupt them. `flock(LOCK_EX | LOCK_NB)` on
/// `<state>/lock`; the kernel drops it when the process ends, however it ends (kill -9 too), so a
/// stale lock file is harmless.
public final class StateDirectoryLock {
    private let descriptor: Int32
    public let path: String

    /// Takes the lock on `directory` (created if missing).
    /// - Throws: ``SystemCallError``; `EWOULDBLOCK` when another process holds it.
    public init(directory: String) throws(SystemCallError) {
        try StateDirectory.create(directory)
        path = directory + "/lock"
        let lockPath = path
        descriptor = try retryingOnInterrupt("open(\(lockPath))") { open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o640) }
        do {
            _ = try retryingOnInterrupt("flock(\(lockPath))") { flock(descriptor, LOCK_EX | LOCK_NB) }
        } catch {
            close(descriptor)
            throw error
        }
    }

    deinit { close(descriptor) }
}
