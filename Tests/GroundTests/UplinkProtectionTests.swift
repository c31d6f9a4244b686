import Foundation
import FrameSecurity
import Ground
import Link
import PeerSupport
import SpaceLink
import Testing

/// The ground's SDLS (Sources/Ground/UplinkProtection.swift): frames for protected VCs secured
/// with an IV that keeps increasing across invocations, accepted by the vehicle's receiver.
@Suite struct UplinkProtectionTests {
    @Test func theIVKeepsIncreasingAcrossInvocationsAndTheVehicleAcceptsEachFrameOnce() throws {
        let directory = PeerEnvironment.scratchStateDirectory()
        defer { PeerEnvironment.removeStateDirectory(directory) }
        let keyPath = directory + "/keys/tc.key"
        let key = try KeyFile.create(path: keyPath)
        let mib = [MIBSecurityAssociation(spi: 1, service: .authenticatedEncryption, virtualChannels: [0], keyFile: keyPath)]
        let state = directory + "/ground"
        let receiverSecurity = try UplinkSecurity(
            configuration: UplinkSecurityConfiguration(
                associations: [SecurityAssociation(spi: 1, service: .authenticatedEncryption, key: key, replayWindow: 1_000_000)], virtualChannels: [0: 1]),
            counterFile: nil)
        var vehicle = UplinkReceiver(configuration: UplinkConfiguration(spacecraftID: 42), security: receiverSecurity)
        let packet = PUSTelecommand(apid: 0x123, sequenceCount: 1, messageType: .areYouAlive).encoded
        let frame = TCFrame(type: .bd, spacecraftID: 42, virtualChannel: 0, data: packet)

        var counters: [SecurityCounter] = []
        for _ in 0..<3 {
            // A new UplinkProtection each time: a new `iost-ground send`.
            let ground = try UplinkProtection(associations: mib, stateDirectory: state)
            let sealed = try ground.seal(frame)
            #expect(sealed.count == frame.encoded.count + TCFrameSecurity.overhead)
            let outcome = vehicle.receive(sealed[...], bufferAvailable: true)
            #expect(outcome.disposition == .accepted(packets: 1))
            #expect(vehicle.receive(sealed[...], bufferAvailable: true).packets.isEmpty, "a replay")
            counters.append(try #require(vehicle.security?.lastAccepted[1]))
        }
        #expect(counters[1] == counters[0].successor && counters[2] == counters[1].successor)
        let stored = try String(contentsOfFile: state + "/sdls-iv-spi1", encoding: .utf8)
        #expect(stored == counters[2].description + "\n")
        #expect(try FileManager.default.attributesOfItem(atPath: state + "/sdls-iv-spi1")[.posixPermissions] as? Int == 0o600)
        // VC 1 is not protected by this MIB: plain.
        let ground = try UplinkProtection(associations: mib, stateDirectory: state)
        let plain = TCFrame(type: .bd, spacecraftID: 42, virtualChannel: 1, data: packet)
        #expect(try ground.seal(plain) == plain.encoded)
    }

    @Test func aKeyFileOthersCanReadIsRefusedByTheGroundToo() throws {
        let directory = PeerEnvironment.scratchStateDirectory()
        defer { PeerEnvironment.removeStateDirectory(directory) }
        let keyPath = directory + "/tc.key"
        try KeyFile.create(path: keyPath)
        chmod(keyPath, 0o640)
        let mib = [MIBSecurityAssociation(spi: 1, service: .authenticatedEncryption, virtualChannels: [0], keyFile: keyPath)]
        #expect(throws: CommandError.self) { try UplinkProtection(associations: mib, stateDirectory: directory) }
    }

    @Test func theMissionDatabaseNamesTheKeyFileNotTheKey() throws {
        let json = """
            {"apid": 291, "spacecraft_id": 42, "parameters": [], "housekeeping": [],
             "uplink_security": [{"spi": 1, "service": "authenticated_encryption", "virtual_channels": [0, 1], "key_file": "/k"}]}
            """
        let mib = try MissionInformationBase(json: Data(json.utf8))
        #expect(mib.uplinkSecurity == [MIBSecurityAssociation(spi: 1, service: .authenticatedEncryption, virtualChannels: [0, 1], keyFile: "/k")])
    }
}
