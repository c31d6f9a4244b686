#if canImport(Glibc)
    import Glibc
#endif

/// The process environment, read with `getenv` (no Foundation).
enum ProcessEnvironment {
    /// The value of `name`, or nil when unset.
    static func value(_ name: String) -> String? {
        guard let raw = getenv(name) else { return nil }
        return String(cString: raw)
    }

    /// The variables the systemd service manager hands a service, as a dictionary.
    static func systemdVariables() -> [String: String] {
        var result: [String: String] = [:]
        for name in ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "JOURNAL_STREAM", "INVOCATION_ID"] {
            if let value = value(name) { result[name] = value }
        }
        return result
    }

    /// Removes `name` from the environment, so that child processes do not inherit it.
    static func remove(_ name: String) {
        unsetenv(name)
    }
}
