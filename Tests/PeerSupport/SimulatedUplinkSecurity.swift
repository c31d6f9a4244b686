import FrameSecurity
import Foundation
import Ground
import SpaceLink

/// SDLS as `config/sim.toml` sets it up (SPI 1, authenticated encryption on VC 0 and 1, the key
/// `.cache/keys/tc-spi1.key` of the repository), for tests that send TC frames to a running
/// `iostd` themselves.
public enum SimulatedUplinkSecurity {
    public static let spi: UInt16 = 1
    public static var keyPath: String { PeerEnvironment.repository.appendingPathComponent(".cache/keys/tc-spi1.key").path }

    /// The sim key, created (0600) when no daemon has created it yet.
    public static func association() throws -> SecurityAssociation {
        if !FileManager.default.fileExists(atPath: keyPath) {
            // Another process (a daemon) may create it at the same moment: then read theirs.
            _ = try? KeyFile.create(path: keyPath)
        }
        return SecurityAssociation(spi: spi, service: .authenticatedEncryption, key: try KeyFile.load(path: keyPath), replayWindow: 1_000_000)
    }

    /// `frame` secured with the next IV when it is for VC 0 or 1, plain otherwise. The IV comes
    /// from the same counter file `iost-ground` uses (its state directory, under its lock), so a
    /// daemon that receives frames from both sees one increasing sequence.
    public static func seal(_ frame: TCFrame) throws -> [UInt8] {
        _ = try association()
        let protection = try UplinkProtection(
            associations: [MIBSecurityAssociation(spi: spi, service: .authenticatedEncryption, virtualChannels: [0, 1], keyFile: keyPath)],
            stateDirectory: UplinkProtection.defaultStateDirectory(environment: ProcessInfo.processInfo.environment))
        return try protection.seal(frame)
    }
}
