#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// File checks for locating a scenario's vehicle configuration.
enum FileCheck {
    static func isReadable(_ path: String) -> Bool { access(path, R_OK) == 0 }
}
