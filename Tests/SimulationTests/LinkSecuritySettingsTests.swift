import Assembly
import FlightCore
import FrameSecurity
import Foundation
import Testing

/// `[[link.sdls]]` (docs/link-security.md): what the shipped configurations say, the keys that are
/// refused, and where a relative key file is looked for.
@Suite struct LinkSecuritySettingsTests {
    static let shippedBlock = """
        [[link.sdls]]
        spi = 1
        service = "authenticated_encryption"   # or "authentication": data in clear, MAC over it
        virtual_channels = [0, 1]
        """

    static func settings(_ sdls: String) throws -> LinkSettings {
        let shipped = try String(contentsOfFile: repositoryRoot() + "/config/sim.toml", encoding: .utf8)
        guard let range = shipped.range(of: "[[link.sdls]]") else { throw ConfigurationError(file: "sim.toml", message: "no [[link.sdls]]") }
        let text = String(shipped[..<range.lowerBound]) + sdls
        return try LinkSettings(root: try VehicleConfiguration.parse(text: text, path: "/nowhere/config/t.toml").root)
    }

    @Test func theShippedConfigurationsProtectBothVirtualChannelsWithSPI1() throws {
        for (name, key) in [("sim.toml", ".cache/keys/tc-spi1.key"), ("bench.toml", "/etc/iost/keys/tc-spi1.key")] {
            let link = try LinkSettings(root: try VehicleConfiguration.load(path: repositoryRoot() + "/config/" + name).root)
            #expect(link.security.count == 1, "\(name)")
            let sa = try #require(link.security.first)
            #expect(sa.spi == 1 && sa.service == .authenticatedEncryption && sa.virtualChannels == [0, 1] && sa.keyFile == key, "\(name)")
            #expect(sa.createKey == (name == "sim.toml"), "\(name)")
        }
    }

    @Test func reusedSPIsDoublyProtectedChannelsAndBadValuesAreConfigurationErrors() throws {
        let one = "[[link.sdls]]\nspi = 1\nvirtual_channels = [0]\nkey_file = \"/k1\"\n"
        #expect(try Self.settings(one).security.map(\.replayWindow) == [1_000_000])
        for (text, words) in [
            (one + "[[link.sdls]]\nspi = 1\nvirtual_channels = [1]\nkey_file = \"/k2\"\n", "configured twice"),
            (one + "[[link.sdls]]\nspi = 2\nvirtual_channels = [0]\nkey_file = \"/k2\"\n", "protected twice"),
            ("[[link.sdls]]\nspi = 1\nvirtual_channels = [2]\nkey_file = \"/k\"\n", "0 or 1"),
            ("[[link.sdls]]\nspi = 0\nvirtual_channels = [0]\nkey_file = \"/k\"\n", "spi"),
            ("[[link.sdls]]\nspi = 1\nvirtual_channels = []\nkey_file = \"/k\"\n", "at least one"),
            ("[[link.sdls]]\nspi = 1\nvirtual_channels = [0]\n", "key_file"),
            ("[[link.sdls]]\nspi = 1\nvirtual_channels = [0]\nkey_file = \"/k\"\nservice = \"plain\"\n", "service"),
            ("[[link.sdls]]\nspi = 1\nvirtual_channels = [0]\nkey_file = \"/k\"\nwindow = 5\n", "unknown key"),
        ] {
            do {
                _ = try Self.settings(text)
                Issue.record("accepted: \(text)")
            } catch {
                #expect("\(error)".contains(words), "\(error)")
            }
        }
    }

    @Test func aRelativeKeyFileIsInTheCheckoutElseTheStateDirectoryElseBesideTheConfiguration() throws {
        let link = try Self.settings("[[link.sdls]]\nspi = 1\nvirtual_channels = [0]\nkey_file = \"keys/tc.key\"\n")
        let sa = try #require(link.security.first)
        #expect(sa.keyPath(configurationPath: "/etc/iost/iostd.toml", repository: "/src/iost") == "/src/iost/keys/tc.key")
        #expect(sa.keyPath(configurationPath: "/etc/iost/iostd.toml", repository: nil, stateDirectory: "/var/lib/iost") == "/var/lib/iost/keys/tc.key")
        #expect(sa.keyPath(configurationPath: "/etc/iost/iostd.toml", repository: nil) == "/etc/iost/keys/tc.key")
        // A configuration in a checkout's config/ folder, read in-process: the checkout.
        #expect(sa.keyPath(configurationPath: repositoryRoot() + "/config/sim.toml", repository: nil, stateDirectory: "/s") == repositoryRoot() + "/keys/tc.key")
        var absolute = sa
        absolute.keyFile = "/etc/iost/keys/tc.key"
        #expect(absolute.keyPath(configurationPath: "/x/y.toml", repository: "/src", stateDirectory: "/s") == "/etc/iost/keys/tc.key")
    }
}
