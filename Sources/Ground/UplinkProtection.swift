#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import FrameSecurity
import SpaceLink
import Systems

/// One SDLS security association as the mission database describes it (`uplink_security`):
/// never the key, only where it is.
public struct MIBSecurityAssociation: Sendable, Hashable {
    public var spi: UInt16
    public var service: SecurityService
    public var virtualChannels: [UInt8]
    /// Absolute path of the key file (64 hex digits and a newline, mode 0600).
    public var keyFile: String

    public init(spi: UInt16, service: SecurityService, virtualChannels: [UInt8], keyFile: String) {
        self.spi = spi
        self.service = service
        self.virtualChannels = virtualChannels
        self.keyFile = keyFile
    }
}

/// The ground's side of SDLS: every frame for a protected virtual channel is secured with the
/// next IV of its SA, every other frame goes plain.
///
/// The IV counter of each SPI is kept in `<state>/sdls-iv-spi<N>` (24 hex digits and a newline),
/// advanced and stored under an exclusive `flock` of `<state>/sdls-iv.lock` before the frame is
/// built, so no two frames (not even from two `iost-ground` processes) share an IV. With no file
/// the counter starts from the wall clock in nanoseconds.
public struct UplinkProtection: Sendable {
    /// SAs by the virtual channel they protect.
    public let associations: [UInt8: SecurityAssociation]
    /// Where the IV counters are kept.
    public let stateDirectory: String

    /// Loads the keys of `mib`'s SAs (``KeyFile/load(path:owner:)``: the file must be the
    /// user's own, mode 0600).
    /// - Throws: ``CommandError`` naming the key file.
    public init(associations: [MIBSecurityAssociation], stateDirectory: String) throws(CommandError) {
        var byChannel: [UInt8: SecurityAssociation] = [:]
        for entry in associations {
            let association: SecurityAssociation
            do {
                association = SecurityAssociation(spi: entry.spi, service: entry.service, key: try KeyFile.load(path: entry.keyFile), replayWindow: 1)
            } catch {
                throw CommandError("SDLS SPI \(entry.spi): \(error)")
            }
            for channel in entry.virtualChannels { byChannel[channel] = association }
        }
        self.associations = byChannel
        self.stateDirectory = stateDirectory
    }

    /// The ground's state directory: `$XDG_STATE_HOME/iost-ground`, else
    /// `$HOME/.local/state/iost-ground` (where `iost-ground` keeps its TC sequence count too).
    public static func defaultStateDirectory(environment: [String: String]) -> String {
        let base = environment["XDG_STATE_HOME"] ?? ((environment["HOME"] ?? "/tmp") + "/.local/state")
        return base + "/iost-ground"
    }

    /// `frame`, secured when its VC is protected.
    /// - Throws: ``CommandError`` when the IV counter cannot be stored or is exhausted.
    public func seal(_ frame: TCFrame) throws(CommandError) -> [UInt8] {
        guard let association = associations[frame.virtualChannel] else { return frame.encoded }
        guard frame.length + TCFrameSecurity.overhead <= TCFrame.maximumLength else {
            throw CommandError("a frame of \(frame.length) octets does not fit with SDLS (\(TCFrameSecurity.overhead) more) in \(TCFrame.maximumLength)")
        }
        let counter = try nextCounter(spi: association.spi)
        return TCFrameSecurity.protect(frame, association: association, counter: counter)
    }

    /// The IV file of `spi`.
    public func counterPath(spi: UInt16) -> String { stateDirectory + "/sdls-iv-spi\(spi)" }

    /// Advances and stores the IV counter of `spi`.
    /// - Throws: ``CommandError``.
    public func nextCounter(spi: UInt16) throws(CommandError) -> SecurityCounter {
        do {
            try StateDirectory.create(stateDirectory, mode: 0o700)
        } catch {
            throw CommandError("SDLS IV counter: \(error)")
        }
        let lockPath = stateDirectory + "/sdls-iv.lock"
        let lock = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard lock >= 0 else { throw CommandError("SDLS IV counter: \(SystemCallError.lastError(of: "open(\(lockPath))"))") }
        defer { close(lock) }
        guard flock(lock, LOCK_EX) == 0 else { throw CommandError("SDLS IV counter: \(SystemCallError.lastError(of: "flock(\(lockPath))"))") }
        let path = counterPath(spi: spi)
        let next: SecurityCounter
        if let text = try? readFile(atPath: path, limit: 64), let stored = Self.parse(text) {
            guard let successor = stored.successor else { throw CommandError("SDLS SPI \(spi): the IV counter is exhausted (2^96 − 1); a new key is needed") }
            next = successor
        } else {
            var now = timespec()
            clock_gettime(CLOCK_REALTIME, &now)
            next = SecurityCounter(low: UInt64(max(now.tv_sec, 0)) * 1_000_000_000 + UInt64(max(now.tv_nsec, 0)))
        }
        do {
            try writeFileAtomically(Array((next.description + "\n").utf8), toPath: path, mode: 0o600)
        } catch {
            throw CommandError("SDLS IV counter \(path): \(error)")
        }
        return next
    }

    static func parse(_ text: [UInt8]) -> SecurityCounter? {
        let digits = text.filter { $0 != 0x0A }
        guard digits.count == 24 else { return nil }
        var octets: [UInt8] = []
        for index in stride(from: 0, to: 24, by: 2) {
            guard let octet = UInt8(String(decoding: digits[index..<index + 2], as: UTF8.self), radix: 16) else { return nil }
            octets.append(octet)
        }
        return SecurityCounter(bytes: octets)
    }
}
