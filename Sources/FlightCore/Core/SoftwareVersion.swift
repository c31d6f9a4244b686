import CBuildInfo
import HAL

/// The version of the flight software in this binary, and its housekeeping parameters.
///
/// The text comes from the build (`make deb` stamps `git describe --tags --always --dirty`,
/// mapped to Debian version syntax by `scripts/deb-version.sh`): `1.2.0`, `1.2.0+3.g1a2b3c4`
/// (three commits after tag v1.2.0), `0.0.0+g1a2b3c4.dirty` (no tag yet, uncommitted changes), or
/// `0.0.0+unknown` for a build that was not stamped (`swift build`, the tests).
///
/// On the ground it is six parameters (`docs/telecommands.md`, "Software version"), sent in the
/// housekeeping structure `software`: `sw.version_major`, `sw.version_minor`, `sw.version_patch`,
/// `sw.commits_since_tag`, `sw.commit` (the first eight hexadecimal digits of the commit as a
/// number; 0 when unknown) and `sw.dirty`.
public struct SoftwareVersion: Sendable, Equatable, CustomStringConvertible {
    /// The version as stamped (Debian version syntax).
    public var text: String
    public var major: UInt16
    public var minor: UInt16
    public var patch: UInt16
    /// Commits after the tag the version names.
    public var commitsSinceTag: UInt16
    /// The first eight hexadecimal digits of the commit (shorter hashes as written); 0 when unknown.
    public var commit: UInt32
    /// Built from a working tree with uncommitted changes.
    public var dirty: Bool

    /// First ID of the `sw.*` parameters (six IDs).
    public static let parameterBase: UInt16 = 0x0A00

    /// The version this binary was built as.
    public static let build = SoftwareVersion(parsing: String(cString: iost_build_version()))

    /// Parses a version in the form `MAJOR.MINOR.PATCH[+[N.]gHASH][.dirty]`; what does not parse
    /// is kept in ``text`` and reads as zero.
    public init(parsing text: String) {
        self.text = text
        major = 0
        minor = 0
        patch = 0
        commitsSinceTag = 0
        commit = 0
        dirty = false
        let parts = text.split(separator: "+", maxSplits: 1).map(String.init)
        let numbers = parts.first?.split(separator: ".").map { UInt16($0) ?? 0 } ?? []
        if numbers.count > 0 { major = numbers[0] }
        if numbers.count > 1 { minor = numbers[1] }
        if numbers.count > 2 { patch = numbers[2] }
        guard parts.count == 2 else { return }
        for field in parts[1].split(separator: ".") {
            if field == "dirty" {
                dirty = true
            } else if field.hasPrefix("g"), let hash = UInt32(field.dropFirst().prefix(8), radix: 16) {
                commit = hash
            } else if let count = UInt16(field) {
                commitsSinceTag = count
            }
        }
    }

    public var description: String { text }

    /// Registers the `sw.*` parameters in `pool` and sets them: call while the topology is built,
    /// before the executive runs.
    /// - Throws: ``ParameterError`` when an ID or a name is already taken.
    public func register(in pool: ParameterPool) throws(ParameterError) {
        let values: [(String, ParameterType, Double)] = [
            ("sw.version_major", .u16, Double(major)),
            ("sw.version_minor", .u16, Double(minor)),
            ("sw.version_patch", .u16, Double(patch)),
            ("sw.commits_since_tag", .u16, Double(commitsSinceTag)),
            ("sw.commit", .u32, Double(commit)),
            ("sw.dirty", .bool, dirty ? 1 : 0),
        ]
        for (offset, (name, type, value)) in values.enumerated() {
            let handle = try pool.register(
                ParameterDefinition(
                    id: ParameterID(Self.parameterBase + UInt16(offset)), name: name, unit: "",
                    type: type, initialValue: value))
            pool.set(handle, value, at: .zero)
        }
    }
}
