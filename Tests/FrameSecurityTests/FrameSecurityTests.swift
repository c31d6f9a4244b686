import Crypto
import Foundation
import FrameSecurity
import Link
import PeerSupport
import SpaceLink
import Testing

/// Runs tests/peers/sdls_frames.py (Python `cryptography` 48.0.0's AESGCM, Yamcs's layout).
func peer(_ request: [String: Any]) throws -> [String: Any] {
    let process = Process()
    process.executableURL = try PeerEnvironment.python()
    process.arguments = [PeerEnvironment.repository.appendingPathComponent("tests/peers/sdls_frames.py").path]
    let input = Pipe(), output = Pipe(), errors = Pipe()
    process.standardInput = input
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    input.fileHandleForWriting.write(try JSONSerialization.data(withJSONObject: request))
    try input.fileHandleForWriting.close()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    guard process.terminationStatus == 0 else { throw PeerSetupError(description: "sdls_frames.py failed: \(message)") }
    guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else { throw PeerSetupError(description: "sdls_frames.py: not JSON") }
    return object
}

func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

func bytes(_ hex: String) -> [UInt8] {
    var out: [UInt8] = []
    var index = hex.startIndex
    while index < hex.endIndex {
        let next = hex.index(index, offsetBy: 2)
        out.append(UInt8(hex[index..<next], radix: 16) ?? 0)
        index = next
    }
    return out
}

/// Frames the peer built, in order.
func peerFrames(_ specs: [[String: Any]]) throws -> [[UInt8]] {
    let result = try peer(["build": specs])
    return (result["frames"] as? [String] ?? []).map(bytes)
}

let spacecraftID: UInt16 = 42
let keyA: [UInt8] = (0..<32).map { UInt8($0 * 7 + 3) }
let keyB: [UInt8] = (0..<32).map { UInt8(255 - $0) }

func telecommand(_ count: UInt16) -> [UInt8] {
    PUSTelecommand(apid: 0x123, sequenceCount: count, messageType: .areYouAlive).encoded
}

func spec(iv: Int, vc: Int = 0, type: String = "bd", seq: Int = 0, spi: Int = 1, key: [UInt8] = keyA, data: [UInt8], service: String = "authenticated_encryption") -> [String: Any] {
    spec(counter: SecurityCounter(low: UInt64(iv)), vc: vc, type: type, seq: seq, spi: spi, key: key, data: data, service: service)
}

func spec(counter: SecurityCounter, vc: Int = 0, type: String = "bd", seq: Int = 0, spi: Int = 1, key: [UInt8] = keyA, data: [UInt8], service: String = "authenticated_encryption") -> [String: Any] {
    ["key_hex": hex(key), "spi": spi, "iv_hex": hex(counter.bytes), "scid": Int(spacecraftID), "vc": vc, "type": type, "seq": seq, "map": 0, "data_hex": hex(data), "service": service]
}

/// SPI 1 (authenticated encryption, key A) on VCs 0 and 1; SPI 2 (authentication only, key B)
/// on VC 2.
func securityConfiguration(window: UInt64 = 100) -> UplinkSecurityConfiguration {
    UplinkSecurityConfiguration(
        associations: [
            SecurityAssociation(spi: 1, service: .authenticatedEncryption, key: SymmetricKey(data: keyA), replayWindow: window),
            SecurityAssociation(spi: 2, service: .authentication, key: SymmetricKey(data: keyB), replayWindow: window),
        ], virtualChannels: [0: 1, 1: 1, 2: 2])
}

/// VC 3 is accepted and not protected, unless `allowed` says otherwise.
func receiver(window: UInt64 = 100, counterFile: SecurityCounterFile? = nil, allowed: Set<UInt8> = [0, 1, 2, 3]) throws -> UplinkReceiver {
    let configuration = UplinkConfiguration(frame: TCFrameConfiguration(spacecraftID: spacecraftID, allowedVirtualChannels: allowed))
    return UplinkReceiver(configuration: configuration, security: try UplinkSecurity(configuration: securityConfiguration(window: window), counterFile: counterFile))
}

@Suite struct FrameSecurityPeerTests {
    @Test func framesThePeerSecuredAreAcceptedAndDeliverTheirPackets() throws {
        let frames = try peerFrames([
            spec(iv: 1, vc: 0, type: "ad", seq: 0, data: telecommand(1)),
            spec(iv: 2, vc: 1, type: "bd", data: telecommand(2)),
            spec(iv: 3, vc: 0, type: "bc", data: ControlCommand.unlock.encoded),
            spec(iv: 4, vc: 0, type: "bc", data: ControlCommand.setVR(7).encoded),
            spec(iv: 1, vc: 2, type: "bd", spi: 2, key: keyB, data: telecommand(3), service: "authentication"),
        ])
        #expect(frames.count == 5)
        var uplink = try receiver()
        let first = uplink.receive(frames[0][...], bufferAvailable: true)
        #expect(first.disposition == .accepted(packets: 1))
        #expect(first.packets.map(\.bytes) == [telecommand(1)])
        #expect(uplink.farm(virtualChannel: 0)?.clcw.reportValue == 1)
        let second = uplink.receive(frames[1][...], bufferAvailable: true)
        #expect(second.disposition == .accepted(packets: 1))
        #expect(second.packets.map(\.bytes) == [telecommand(2)])
        #expect(uplink.receive(frames[2][...], bufferAvailable: true).disposition == .executed(.unlock))
        #expect(uplink.receive(frames[3][...], bufferAvailable: true).disposition == .executed(.setVR(7)))
        #expect(uplink.farm(virtualChannel: 0)?.clcw.reportValue == 7)
        let third = uplink.receive(frames[4][...], bufferAvailable: true)
        #expect(third.disposition == .accepted(packets: 1))
        #expect(third.packets.map(\.bytes) == [telecommand(3)])
        #expect(uplink.statistics.securedFramesAccepted == 5)
        #expect(uplink.statistics.framesRefusedBySecurity == 0)
        #expect(uplink.security?.lastAccepted == [1: SecurityCounter(low: 4), 2: SecurityCounter(low: 1)])
    }

    @Test func ourSecuredFramesAreByteForByteThePeersAndOpenWithIt() throws {
        let association = SecurityAssociation(spi: 1, service: .authenticatedEncryption, key: SymmetricKey(data: keyA), replayWindow: 10)
        let authOnly = SecurityAssociation(spi: 2, service: .authentication, key: SymmetricKey(data: keyB), replayWindow: 10)
        let counter = SecurityCounter(high: 0x0102_0304, low: 0x0506_0708_090A_0B0C)
        let ours = [
            TCFrameSecurity.protect(
                TCFrame(type: .ad, spacecraftID: spacecraftID, virtualChannel: 1, sequenceNumber: 9, data: telecommand(5)), association: association,
                counter: counter),
            TCFrameSecurity.protect(TCFrame(controlCommand: .unlock, spacecraftID: spacecraftID, virtualChannel: 0), association: association, counter: SecurityCounter(low: 77)),
            TCFrameSecurity.protect(TCFrame(type: .bd, spacecraftID: spacecraftID, virtualChannel: 2, data: telecommand(6)), association: authOnly, counter: SecurityCounter(low: 3)),
        ]
        let theirs = try peerFrames([
            spec(counter: counter, vc: 1, type: "ad", seq: 9, data: telecommand(5)),
            spec(iv: 77, vc: 0, type: "bc", data: ControlCommand.unlock.encoded),
            spec(iv: 3, vc: 2, type: "bd", spi: 2, key: keyB, data: telecommand(6), service: "authentication"),
        ])
        #expect(ours == theirs)
        let opened =
            try peer([
                "open": [
                    ["key_hex": hex(keyA), "frame_hex": hex(ours[0])], ["key_hex": hex(keyA), "frame_hex": hex(ours[1])],
                    ["key_hex": hex(keyB), "frame_hex": hex(ours[2]), "service": "authentication"],
                    ["key_hex": hex(keyB), "frame_hex": hex(ours[0])],
                ]
            ])["opened"] as? [[String: Any]] ?? []
        #expect(opened.count == 4)
        #expect(opened.first?["data_hex"] as? String == hex(telecommand(5)))
        #expect(opened.first?["seq"] as? Int == 9)
        #expect(opened.dropFirst().first?["data_hex"] as? String == hex(ControlCommand.unlock.encoded))
        #expect(opened.dropFirst(2).first?["data_hex"] as? String == hex(telecommand(6)))
        #expect(opened.last?["error"] as? String == "InvalidTag")
        // Authentication only: the data field travels in clear.
        #expect(Array(ours[2][20..<20 + telecommand(6).count]) == telecommand(6))
        #expect(Array(ours[0][20..<20 + telecommand(5).count]) != telecommand(5))
    }

    @Test func aReplayedFrameIsRefusedBeforeFARMAndRunsNothing() throws {
        let frames = try peerFrames([spec(iv: 10, type: "ad", seq: 0, data: telecommand(1)), spec(iv: 11, type: "ad", seq: 1, data: telecommand(2))])
        var uplink = try receiver()
        #expect(uplink.receive(frames[0][...], bufferAvailable: true).disposition == .accepted(packets: 1))
        let replay = uplink.receive(frames[0][...], bufferAvailable: true)
        #expect(replay.disposition == .refusedBySecurity(.replayed(spi: 1, counter: SecurityCounter(low: 10))))
        #expect(replay.packets.isEmpty)
        #expect(replay.clcw == nil)
        #expect(uplink.statistics.securityReplayed == 1)
        #expect(uplink.statistics.farmReplayed == 0)
        #expect(uplink.farm(virtualChannel: 0)?.clcw.reportValue == 1)
        #expect(uplink.receive(frames[1][...], bufferAvailable: true).disposition == .accepted(packets: 1))
        #expect(uplink.statistics.packetsDelivered == 2)
    }

    @Test func countersBehindOrBeyondTheWindowAreRefused() throws {
        let frames = try peerFrames([10, 9, 16, 15, 15].map { spec(iv: $0, data: telecommand(UInt16($0))) })
        var uplink = try receiver(window: 5)
        #expect(uplink.receive(frames[0][...], bufferAvailable: true).disposition == .accepted(packets: 1))
        #expect(uplink.receive(frames[1][...], bufferAvailable: true).disposition == .refusedBySecurity(.replayed(spi: 1, counter: SecurityCounter(low: 9))))
        #expect(uplink.receive(frames[2][...], bufferAvailable: true).disposition == .refusedBySecurity(.outsideWindow(spi: 1, counter: SecurityCounter(low: 16))))
        #expect(uplink.receive(frames[3][...], bufferAvailable: true).disposition == .accepted(packets: 1))
        #expect(uplink.receive(frames[4][...], bufferAvailable: true).disposition == .refusedBySecurity(.replayed(spi: 1, counter: SecurityCounter(low: 15))))
        #expect(uplink.statistics.securityReplayed == 2)
        #expect(uplink.statistics.securityOutsideWindow == 1)
        #expect(uplink.statistics.packetsDelivered == 2)
        #expect(uplink.security?.lastAccepted[1] == SecurityCounter(low: 15))
    }

    @Test func plainFramesOnAProtectedVirtualChannelAreRefused() throws {
        var uplink = try receiver()
        let plain = TCFrame(type: .bd, spacecraftID: spacecraftID, virtualChannel: 0, data: telecommand(1)).encoded
        let outcome = uplink.receive(plain[...], bufferAvailable: true)
        guard case .refusedBySecurity = outcome.disposition else {
            Issue.record("a plain frame was not refused: \(outcome.disposition)")
            return
        }
        #expect(outcome.packets.isEmpty)
        let unlock = TCFrame(controlCommand: .unlock, spacecraftID: spacecraftID, virtualChannel: 1).encoded
        #expect(uplink.receive(unlock[...], bufferAvailable: true).disposition == .refusedBySecurity(.truncated(available: 8)))
        #expect(uplink.statistics.securityUnknownSPI == 2)
        // VC 3 is not protected: plain frames go through.
        let open = TCFrame(type: .bd, spacecraftID: spacecraftID, virtualChannel: 3, data: telecommand(2)).encoded
        #expect(uplink.receive(open[...], bufferAvailable: true).disposition == .accepted(packets: 1))
        // The SA of another VC, or an SPI nobody configured.
        let frames = try peerFrames([
            spec(iv: 1, vc: 0, spi: 2, key: keyB, data: telecommand(3), service: "authentication"), spec(iv: 1, vc: 0, spi: 9, data: telecommand(4)),
            spec(iv: 1, vc: 0, key: keyB, data: telecommand(5)),
        ])
        #expect(uplink.receive(frames[0][...], bufferAvailable: true).disposition == .refusedBySecurity(.spiNotForVirtualChannel(spi: 2, virtualChannel: 0)))
        #expect(uplink.receive(frames[1][...], bufferAvailable: true).disposition == .refusedBySecurity(.unknownSPI(9)))
        #expect(uplink.receive(frames[2][...], bufferAvailable: true).disposition == .refusedBySecurity(.authenticationFailed(spi: 1)))
        #expect(uplink.statistics.securityUnknownSPI == 4)
        #expect(uplink.statistics.securityBadMAC == 1)
        #expect(uplink.statistics.packetsDelivered == 1)
    }

    @Test func everyFlippedBitIsRefused() throws {
        let frame = try #require(try peerFrames([spec(iv: 5, vc: 1, data: [0xA5, 0x5A])]).first)
        #expect(frame.count == 5 + 1 + 14 + 2 + 16 + 2)
        var fresh = try receiver()
        #expect(fresh.receive(frame[...], bufferAvailable: true).packets.count == 1, "the unchanged frame is accepted")
        // As received: the FECF or the MAC catches every flip.
        for bit in 0..<frame.count * 8 {
            var flipped = frame
            flipped[bit / 8] ^= 0x80 >> (bit % 8)
            var uplink = try receiver()
            let outcome = uplink.receive(flipped[...], bufferAvailable: true)
            #expect(outcome.packets.isEmpty, "bit \(bit): \(outcome.disposition)")
        }
        // With the FECF made good again: every flip of an authenticated octet (VCID, segment
        // header, SPI, IV, data, MAC) is refused by SDLS or frame validation, when every
        // accepted VC is protected (a flip to an unprotected VC is a plain frame there). Octets 0, 1, 3, 4
        // and the low bits of octet 2 (version, flags, SCID, length, N(S)) are outside Yamcs's
        // TC mask; frame validation and FARM-1 check them.
        var authenticated: [Int] = (0..<6).map { 2 * 8 + $0 }
        authenticated += (5 * 8..<(frame.count - 2) * 8)
        for bit in authenticated {
            var flipped = Array(frame.dropLast(2))
            flipped[bit / 8] ^= 0x80 >> (bit % 8)
            let crc = CRC16.compute(flipped)
            flipped += [UInt8(crc >> 8), UInt8(crc & 0xFF)]
            var uplink = try receiver(allowed: [0, 1, 2])
            let outcome = uplink.receive(flipped[...], bufferAvailable: true)
            #expect(outcome.packets.isEmpty, "bit \(bit): \(outcome.disposition)")
            switch outcome.disposition {
            case .refusedBySecurity, .rejected: break
            default: Issue.record("bit \(bit): \(outcome.disposition)")
            }
        }
    }

    @Test func aRestartDoesNotLetTheFirstFrameBeReplayed() throws {
        let directory = PeerEnvironment.scratchStateDirectory()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { PeerEnvironment.removeStateDirectory(directory) }
        let file = SecurityCounterFile(path: directory + "/" + SecurityCounterFile.fileName)
        let frames = try peerFrames([spec(iv: 1000, data: telecommand(1)), spec(iv: 1001, data: telecommand(2))])
        var before = try receiver(counterFile: file)
        #expect(before.receive(frames[0][...], bufferAvailable: true).disposition == .accepted(packets: 1))
        let attributes = try FileManager.default.attributesOfItem(atPath: file.path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        var after = try receiver(counterFile: file)
        #expect(after.security?.lastAccepted[1] == SecurityCounter(low: 1000))
        #expect(after.receive(frames[0][...], bufferAvailable: true).disposition == .refusedBySecurity(.replayed(spi: 1, counter: SecurityCounter(low: 1000))))
        #expect(after.receive(frames[1][...], bufferAvailable: true).disposition == .accepted(packets: 1))
        #expect(try file.load() == [1: SecurityCounter(low: 1001)])
    }

    @Test func aCounterThatCannotBeStoredRefusesTheFrame() throws {
        let file = SecurityCounterFile(path: "/nonexistent-\(UInt64.random(in: 0 ... .max))/sdls-counters")
        let frames = try peerFrames([spec(iv: 1, data: telecommand(1))])
        var uplink = try receiver(counterFile: file)
        let outcome = uplink.receive(frames[0][...], bufferAvailable: true)
        guard case .refusedBySecurity(.counterNotPersisted(spi: 1, _)) = outcome.disposition else {
            Issue.record("expected counterNotPersisted, got \(outcome.disposition)")
            return
        }
        #expect(outcome.packets.isEmpty)
        #expect(uplink.statistics.securityCounterNotPersisted == 1)
        #expect(uplink.security?.lastAccepted[1] == nil)
    }

    @Test func theLastCounterExhaustsTheAssociation() throws {
        let association = SecurityAssociation(spi: 1, service: .authenticatedEncryption, key: SymmetricKey(data: keyA), replayWindow: 10)
        let frame = TCFrameSecurity.protect(TCFrame(type: .bd, spacecraftID: spacecraftID, virtualChannel: 0, data: telecommand(1)), association: association, counter: .maximum)
        var uplink = try receiver()
        #expect(uplink.receive(frame[...], bufferAvailable: true).disposition == .accepted(packets: 1))
        #expect(uplink.receive(frame[...], bufferAvailable: true).disposition == .refusedBySecurity(.counterExhausted(spi: 1)))
        #expect(SecurityCounter.maximum.successor == nil)
        #expect(SecurityCounter.maximum.advanced(by: 1) == nil)
        #expect(SecurityCounter(high: 0, low: .max).successor == SecurityCounter(high: 1, low: 0))
        #expect(SecurityCounter.maximum.bytes == [UInt8](repeating: 0xFF, count: 12))
        #expect(uplink.statistics.securityCounterExhausted == 1)
    }
}

@Suite struct SecurityFilesTests {
    @Test func aDamagedCounterFileIsReportedNotGuessed() throws {
        let directory = PeerEnvironment.scratchStateDirectory()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { PeerEnvironment.removeStateDirectory(directory) }
        let file = SecurityCounterFile(path: directory + "/sdls-counters")
        #expect(try file.load() == [:])
        try file.store([1: SecurityCounter(low: 42), 7: SecurityCounter(high: 1, low: 2)])
        var stored = try Data(contentsOf: URL(fileURLWithPath: file.path))
        #expect(stored.count == 7 + 28 + 2)
        #expect(Array(stored.prefix(5)) == [0x49, 0x4F, 0x53, 0x43, 1])
        #expect(try file.load() == [1: SecurityCounter(low: 42), 7: SecurityCounter(high: 1, low: 2)])
        stored[20] ^= 0x01
        try stored.write(to: URL(fileURLWithPath: file.path))
        #expect(throws: SecurityCounterFile.LoadError.self) { try file.load() }
        #expect(throws: SecurityCounterFile.LoadError.self) { try UplinkSecurity(configuration: securityConfiguration(), counterFile: file) }
    }

    @Test func keyFilesAreCreatedPrivateAndRefusedWhenOpen() throws {
        let directory = PeerEnvironment.scratchStateDirectory()
        defer { PeerEnvironment.removeStateDirectory(directory) }
        let path = directory + "/keys/tc.key"
        let key = try KeyFile.create(path: path)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.count == 65 && text.hasSuffix("\n"))
        #expect(KeyFile.parse(Array(text.utf8)) == key.withUnsafeBytes { Array($0) })
        let loaded = try KeyFile.load(path: path)
        #expect(loaded == key)
        #expect(throws: KeyFileError.self) { try KeyFile.create(path: path) }
        #expect(throws: KeyFileError.wrongOwner(path: path, owner: UInt32(getuid()), expected: UInt32(getuid()) + 1)) {
            try KeyFile.load(path: path, owner: UInt32(getuid()) + 1)
        }
        chmod(path, 0o644)
        #expect(throws: KeyFileError.tooOpen(path: path, mode: UInt32(S_IFREG) | 0o644)) { try KeyFile.load(path: path) }
        let description = (try? KeyFile.load(path: path)).map { _ in "" } ?? KeyFileError.tooOpen(path: path, mode: 0o100644).description
        #expect(description.contains(path))
        #expect(!description.contains(String(text.prefix(16))))
        chmod(path, 0o600)
        try "00112233".write(toFile: path, atomically: false, encoding: .utf8)
        #expect(throws: KeyFileError.malformed(path: path)) { try KeyFile.load(path: path) }
        #expect(KeyFile.parse(Array((String(repeating: "0g", count: 32) + "\n").utf8)) == nil)
        #expect(KeyFile.parse(Array((String(repeating: "aB", count: 32) + "\n").utf8)) == [UInt8](repeating: 0xAB, count: 32))
    }
}

/// NASA CryptoLib's AES-256-GCM TC vector (test/unit/ut_tc_process.c, EXERCISE_IV; the NIST CAVP
/// gcmEncryptExtIV256 case it is built from): key `ef9f…70f8`, IV `b6ac8e4963f49207ffd6374c`,
/// plaintext `722ee47d…c4e5`, ciphertext `1224dfef…4979`, 120-bit tag `882eafea…907b` with no
/// AAD. CryptoLib's SA 9 sends no MAC, so its frame is 16 octets shorter than ours; the segment
/// header, security header and ciphertext sit at the same offsets.
@Suite struct CryptoLibVectorTests {
    static let key = bytes("ef9f9284cf599eac3b119905a7d18851e7e374cf63aea04358586b0f757670f8")
    static let iv = bytes("b6ac8e4963f49207ffd6374c")
    static let plaintext = bytes("722ee47da4b77424733546c2d400c4e5")
    static let ciphertext = bytes("1224dfefb72a20d49e09256908874979")
    /// CryptoLib's "good IV" frame: BD, SCID 3, VC 0, MAP 63, SPI 9, IV, ciphertext, FECF.
    static let cryptoLibFrame = bytes("2003002500FF0009B6AC8E4963F49207FFD6374C1224DFEFB72A20D49E09256908874979AD6F")

    @Test func ourFrameCarriesTheVectorsCiphertextAtCryptoLibsOffsets() throws {
        let counter = try #require(SecurityCounter(bytes: Self.iv))
        let association = SecurityAssociation(spi: 9, service: .authenticatedEncryption, key: SymmetricKey(data: Self.key), replayWindow: 5)
        let frame = TCFrameSecurity.protect(
            TCFrame(type: .bd, spacecraftID: 3, virtualChannel: 0, mapID: 0x3F, data: Self.plaintext), association: association, counter: counter)
        #expect(frame.count == Self.cryptoLibFrame.count + 16)
        #expect(Array(frame[0..<2]) == Array(Self.cryptoLibFrame[0..<2]))
        #expect(Array(frame[4..<36]) == Array(Self.cryptoLibFrame[4..<36]))
        #expect(CRC16.compute(Self.cryptoLibFrame) == 0, "the vector's FECF is the CRC we use")

        // And back: the receiver opens it.
        var uplink = UplinkReceiver(
            configuration: UplinkConfiguration(frame: TCFrameConfiguration(spacecraftID: 3, allowedVirtualChannels: [0], allowedMAPs: [0x3F])),
            security: try UplinkSecurity(
                configuration: UplinkSecurityConfiguration(associations: [association], virtualChannels: [0: 9]), counterFile: nil))
        // The plaintext is no space packet: it goes on whole, for the packet layer to reject.
        let outcome = uplink.receive(frame[...], bufferAvailable: true)
        #expect(outcome.packets.map(\.bytes) == [Self.plaintext])
        #expect(uplink.statistics.securedFramesAccepted == 1)
    }

    @Test func theGCMTagMatchesTheNISTVector() throws {
        let sealed = try AES.GCM.seal(Self.plaintext, using: SymmetricKey(data: Self.key), nonce: AES.GCM.Nonce(data: Self.iv))
        #expect(Array(sealed.ciphertext) == Self.ciphertext)
        #expect(Array(sealed.tag.prefix(15)) == bytes("882eafea22adf8dbed06a2265f907b"))
    }
}
