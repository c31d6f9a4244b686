#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import FlightCore
import FrameSecurity
import Systems

/// One `[[link.sdls]]` table: an SDLS security association on the TC uplink (docs/link-security.md).
///
/// ```toml
/// [[link.sdls]]
/// spi = 1
/// service = "authenticated_encryption"   # or "authentication" (data in clear, MAC over it)
/// virtual_channels = [0, 1]              # every frame on them must carry this SA
/// key_file = ".cache/keys/tc-spi1.key"  # 64 hex digits + newline, mode 0600 (relative: see keyPath)
/// create_key = true                      # create a fresh key (0600) when the file is missing
/// replay_window = 1000000                # counters accepted ahead of the last accepted one
/// ```
public struct SecurityAssociationSettings: Sendable, Hashable {
    public var spi: UInt16
    public var service: SecurityService
    public var virtualChannels: [UInt8]
    /// As written; resolve it with ``keyPath(configurationPath:repository:)``.
    public var keyFile: String
    public var createKey: Bool
    public var replayWindow: UInt64

    /// The key file's path: absolute as written; a relative one from the repository's root when
    /// run from a checkout (as the state directory `.cache/state` is), else from the state
    /// directory (systemd's `StateDirectory=`, writable by the service user), else from the
    /// configuration file's directory.
    public func keyPath(configurationPath: String, repository: String?, stateDirectory: String? = nil) -> String {
        if keyFile.hasPrefix("/") { return keyFile }
        if let root = repository ?? Self.checkout(holding: configurationPath) { return root + "/" + keyFile }
        if let stateDirectory { return stateDirectory + "/" + keyFile }
        guard let slash = configurationPath.lastIndex(of: "/") else { return keyFile }
        return String(configurationPath[...slash]) + keyFile
    }

    /// The checkout whose `config/` folder holds `configurationPath` (its parent has a
    /// `Package.swift`), so that a configuration read in-process from a checkout finds the same
    /// key as `iostd` run from it.
    static func checkout(holding configurationPath: String) -> String? {
        guard let slash = configurationPath.lastIndex(of: "/") else { return nil }
        let directory = String(configurationPath[..<slash])
        guard directory.hasSuffix("/config") || directory == "config" else { return nil }
        let root = directory == "config" ? "." : String(directory.dropLast("/config".count))
        return fileExists(root + "/Package.swift") ? root : nil
    }

    /// Reads every `[[link.sdls]]` of `link`, rejecting unknown keys, reused SPIs and a VC
    /// claimed twice.
    /// - Throws: ``ConfigurationError`` naming the line.
    static func all(in link: ConfigTable) throws(ConfigurationError) -> [SecurityAssociationSettings] {
        var result: [SecurityAssociationSettings] = []
        let services = Dictionary(uniqueKeysWithValues: SecurityService.allCases.map { ($0.rawValue, $0) })
        for table in try link.tables("sdls", label: { index, _ in "link.sdls \(index + 1)" }) {
            // SPI 0 and 0xFFFF are reserved (CCSDS 355.0-B-2 §4.1.1.2).
            let spi = UInt16(try table.int("spi", in: 1...0xFFFE))
            guard !result.contains(where: { $0.spi == spi }) else { throw table.error("spi", "SPI \(spi) is configured twice") }
            let service = try table.choice("service", services, default: .authenticatedEncryption)
            var channels: [UInt8] = []
            for number in try table.doubles("virtual_channels", default: []) {
                guard number == number.rounded(), number >= 0, number <= 1 else {
                    throw table.error("virtual_channels", "expected TC virtual channels 0 or 1 (the uplink accepts those), found \(number)")
                }
                let channel = UInt8(number)
                guard !channels.contains(channel), !result.contains(where: { $0.virtualChannels.contains(channel) }) else {
                    throw table.error("virtual_channels", "VC \(channel) is protected twice (one SA per VC)")
                }
                channels.append(channel)
            }
            guard !channels.isEmpty else { throw table.error("virtual_channels", "expected at least one TC virtual channel") }
            let keyFile = try table.string("key_file")
            guard !keyFile.isEmpty else { throw table.error("key_file", "expected a path") }
            let createKey = try table.bool("create_key", default: false)
            let window = UInt64(try table.int("replay_window", default: 1_000_000, in: 1...Int(UInt32.max)))
            try table.rejectUnknownKeys()
            result.append(
                SecurityAssociationSettings(
                    spi: spi, service: service, virtualChannels: channels, keyFile: keyFile, createKey: createKey, replayWindow: window))
        }
        return result
    }

    /// The key: read after checking the file's owner (the effective uid) and mode; created first
    /// when missing and ``createKey`` says so.
    /// - Throws: ``ConfigurationError`` naming the key file (never the key).
    func loadKey(configurationPath: String, repository: String?, stateDirectory: String?) throws(ConfigurationError) -> SecurityAssociation {
        let path = keyPath(configurationPath: configurationPath, repository: repository, stateDirectory: stateDirectory)
        do {
            do {
                return SecurityAssociation(spi: spi, service: service, key: try KeyFile.load(path: path), replayWindow: replayWindow)
            } catch .unreadable(let path, _) where createKey && !fileExists(path) {
                do {
                    return SecurityAssociation(spi: spi, service: service, key: try KeyFile.create(path: path), replayWindow: replayWindow)
                } catch  where fileExists(path) {
                    // Created by another process at the same moment (a test, a second daemon): use it.
                    return SecurityAssociation(spi: spi, service: service, key: try KeyFile.load(path: path), replayWindow: replayWindow)
                }
            }
        } catch {
            throw ConfigurationError(file: path, context: "link.sdls SPI \(spi)", message: error.description)
        }
    }
}

/// Whether anything exists at `path` (`lstat` succeeds).
func fileExists(_ path: String) -> Bool {
    var status = stat()
    return lstat(path, &status) == 0
}

extension LinkSettings {
    /// The uplink's SDLS: the SAs with their keys and the stored counters in `stateDirectory`
    /// (`nil` when no VC is protected).
    /// - Throws: ``AssemblyError/configuration(_:)`` for a key file that is missing, open to
    ///   others, owned by another user or malformed; ``AssemblyError/assembly(_:)`` for an
    ///   unusable counter file.
    func uplinkSecurity(configurationPath: String, repository: String?, stateDirectory: String?) throws(AssemblyError) -> UplinkSecurity? {
        guard !security.isEmpty else { return nil }
        var associations: [SecurityAssociation] = []
        var channels: [UInt8: UInt16] = [:]
        for settings in security {
            do {
                associations.append(try settings.loadKey(configurationPath: configurationPath, repository: repository, stateDirectory: stateDirectory))
            } catch {
                throw .configuration(error)
            }
            for channel in settings.virtualChannels { channels[channel] = settings.spi }
        }
        let file = stateDirectory.map { SecurityCounterFile(path: $0 + "/" + SecurityCounterFile.fileName) }
        do {
            return try UplinkSecurity(configuration: UplinkSecurityConfiguration(associations: associations, virtualChannels: channels), counterFile: file)
        } catch {
            throw .assembly(error.description)
        }
    }
}
