#if canImport(Glibc)
    import Glibc
#endif
import PacketStore
import Systems
import Testing

/// A scratch store directory, removed with everything in it when the test ends.
final class ScratchDirectory {
    let path: String

    init() throws {
        var template = Array("/tmp/iost-store-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        try #require(made != nil)
        path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    var files: [String] {
        guard let handle = opendir(path) else { return [] }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    var segments: [String] { files.filter { $0.hasSuffix(".log") } }

    func size(of name: String) -> Int {
        var status = stat()
        return stat(path + "/" + name, &status) == 0 ? Int(status.st_size) : -1
    }

    deinit {
        for name in files { unlink(path + "/" + name) }
        rmdir(path)
    }
}

/// A packet of `length` octets whose content says which it is.
func packet(_ number: Int, apid: UInt16 = 0x100, length: Int = 40) -> StoredPacket {
    var bytes = [UInt8](repeating: 0, count: length)
    for index in bytes.indices { bytes[index] = UInt8(truncatingIfNeeded: number &* 31 &+ index) }
    return StoredPacket(time: UInt64(1000 + number) << 16, apid: apid, sequenceCount: UInt16(number & 0x3FFF), packet: bytes)
}

func small(_ name: String = "hk", segment: Int = 4096, capacity: Int = 16384, policy: StorePolicy = .circular) -> PacketStoreConfiguration {
    PacketStoreConfiguration(name: name, segmentBytes: segment, capacityBytes: capacity, policy: policy, flushInterval: .seconds(1))
}

func readAll(_ store: PacketStore, from: UInt64 = 0, to: UInt64 = .max, limit: Int = 7) -> [StoredPacket] {
    let reader = store.reader(from: from, to: to)
    var out: [StoredPacket] = []
    while !reader.isFinished { out += reader.next(limit: limit) }
    return out
}

@Suite("CRC-32C")
struct CRC32CTests {
    @Test func checkValueAndContinuation() {
        let check = Array("123456789".utf8)
        #expect(CRC32C.checksum(check) == 0xE306_9283)
        #expect(CRC32C.checksum([]) == 0)
        // RFC 3720 B.4: 32 octets of zeros → 0x8A9136AA; of 0xFF → 0x62A8AB43.
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        let ascending = (0..<32).map { UInt8($0) }
        #expect(CRC32C.checksum(ascending) == 0x46DD_794E)
        let split = ascending.withUnsafeBytes { bytes in
            CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[13...]), continuing: CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[..<13])))
        }
        #expect(split == 0x46DD_794E)
    }
}

@Suite("Packet store")
struct PacketStoreTests {
    @Test func packetsComeBackInOrderAcrossSegmentsAndAReopen() throws {
        let scratch = try ScratchDirectory()
        let packets = (0..<300).map { packet($0, apid: UInt16(0x100 + $0 % 3)) }
        do {
            let store = try PacketStore(directory: scratch.path, configuration: small(capacity: 64 << 10), now: 0)
            #expect(store.recovery.records == 0 && store.recovery.segments == 0 && !store.recovery.repaired)
            for item in packets { #expect(store.append(item, now: 0) == .stored) }
            #expect(readAll(store) == packets, "read before a flush sees the buffered records too")
            try store.flush()
            #expect(store.status.records == 300)
            #expect(store.status.oldestTime == packets[0].time && store.status.newestTime == packets[299].time)
        }
        #expect(scratch.segments.count > 3, "\(scratch.segments)")
        #expect(scratch.segments.first == "seg-0000000000000000.log")
        let reopened = try PacketStore(directory: scratch.path, configuration: small(capacity: 64 << 10), now: 0)
        #expect(reopened.recovery.records == 300 && !reopened.recovery.repaired)
        #expect(reopened.recovery.lastSequenceCounts == [0x100: 297, 0x101: 298, 0x102: 299])
        #expect(readAll(reopened) == packets)
        #expect(reopened.append(packet(300), now: 0) == .stored)
        #expect(readAll(reopened).count == 301)
        // The range is inclusive at both ends.
        #expect(readAll(reopened, from: packets[10].time, to: packets[20].time) == Array(packets[10...20]))
        #expect(readAll(reopened, from: packets[20].time, to: packets[10].time).isEmpty)
    }

    @Test func aCircularStoreDropsItsOldestSegmentAndCountsTheRecords() throws {
        let scratch = try ScratchDirectory()
        let store = try PacketStore(directory: scratch.path, configuration: small(capacity: 3 * 4096), now: 0)
        for number in 0..<1000 { #expect(store.append(packet(number), now: 0) == .stored) }
        let status = store.status
        #expect(status.bytesUsed <= 3 * 4096)
        #expect(status.segments <= 3)
        #expect(status.overwritten > 0 && status.overwritten + status.records == 1000)
        let kept = readAll(store)
        #expect(kept.count == status.records)
        #expect(kept.last == packet(999), "the newest is kept")
        #expect(kept.first == packet(1000 - status.records), "what is kept is contiguous")
        #expect(store.takeFillCrossings() == [.eightyPercent, .full])
        #expect(store.takeFillCrossings() == [], "each crossing is reported once")
    }

    @Test func aBoundedStoreRefusesWhenFullUntilADeleteMakesRoom() throws {
        let scratch = try ScratchDirectory()
        let store = try PacketStore(directory: scratch.path, configuration: small(capacity: 2 * 4096, policy: .bounded), now: 0)
        var stored = 0
        var refused = 0
        for number in 0..<400 {
            switch store.append(packet(number), now: 0) {
            case .stored: stored += 1
            case .refusedFull: refused += 1
            default: Issue.record("unexpected result")
            }
        }
        #expect(refused > 0 && stored + refused == 400)
        #expect(store.status.refused == refused && store.status.overwritten == 0)
        #expect(readAll(store) == (0..<stored).map { packet($0) }, "a bounded store keeps the oldest")
        #expect(store.takeFillCrossings() == [.eightyPercent, .full])
        // Deleting up to the newest time of the first segment frees it, whole.
        let firstSegmentRecords = (4096 - 16) / 60
        let deleted = store.delete(upTo: packet(firstSegmentRecords - 1).time)
        #expect(deleted == firstSegmentRecords)
        #expect(store.status.deleted == firstSegmentRecords)
        #expect(store.append(packet(1000), now: 0) == .stored)
        #expect(readAll(store).first == packet(firstSegmentRecords))
    }

    @Test func deleteDropsOnlyWholeSegmentsAtOrBeforeTheTime() throws {
        let scratch = try ScratchDirectory()
        let store = try PacketStore(directory: scratch.path, configuration: small(capacity: 64 << 10), now: 0)
        for number in 0..<200 { _ = store.append(packet(number), now: 0) }
        let perSegment = (4096 - 16) / 60
        // A time inside the second segment deletes the first only.
        #expect(store.delete(upTo: packet(perSegment + 3).time) == perSegment)
        #expect(readAll(store).first == packet(perSegment))
        // Everything, the open segment included; appends continue in a new segment.
        #expect(store.delete(upTo: .max) == 200 - perSegment)
        #expect(store.status.records == 0 && store.status.oldestTime == nil)
        #expect(store.append(packet(500), now: 0) == .stored)
        #expect(readAll(store) == [packet(500)])
        try store.flush()
        #expect(scratch.segments.count == 1)
    }

    @Test func theFlushIntervalDecidesWhenRecordsAreSynced() throws {
        let scratch = try ScratchDirectory()
        let store = try PacketStore(directory: scratch.path, configuration: small(capacity: 64 << 10), now: 0)
        _ = store.append(packet(1), now: 0)
        store.flushIfDue(now: 999_999_999)
        #expect(store.status.lastSyncNanoseconds == nil)
        #expect(scratch.size(of: "seg-0000000000000000.log") <= 0, "nothing written before the interval")
        store.flushIfDue(now: 1_000_000_000)
        #expect(store.status.lastSyncNanoseconds == 1_000_000_000)
        #expect(scratch.size(of: "seg-0000000000000000.log") == 16 + 60)
        store.flushIfDue(now: 3_000_000_000)
        #expect(store.status.lastSyncNanoseconds == 1_000_000_000, "nothing new, no sync")
    }

    @Test func aDisabledStoreKeepsNothing() throws {
        let scratch = try ScratchDirectory()
        let store = try PacketStore(directory: scratch.path, configuration: small(), now: 0)
        store.isEnabled = false
        #expect(store.append(packet(1), now: 0) == .disabled)
        store.isEnabled = true
        #expect(store.append(packet(2), now: 0) == .stored)
        #expect(readAll(store) == [packet(2)])
    }

    @Test func unusableConfigurationsAreTypedErrors() throws {
        let scratch = try ScratchDirectory()
        for configuration in [small(segment: 100), small(capacity: 4096), small(""), small("../x")] {
            #expect(throws: PacketStoreError.self) { try PacketStore(directory: scratch.path, configuration: configuration, now: 0) }
        }
        #expect(throws: PacketStoreError.self) { try PacketStore(directory: "/proc/no/such", configuration: small(), now: 0) }
    }
}

@Suite("Packet store recovery")
struct PacketStoreRecoveryTests {
    /// Writes `count` packets into a fresh store and returns the bytes of its one segment.
    func oneSegment(_ count: Int, in scratch: ScratchDirectory) throws -> [UInt8] {
        let store = try PacketStore(directory: scratch.path, configuration: small(segment: 8192, capacity: 64 << 10), now: 0)
        for number in 0..<count { _ = store.append(packet(number, length: 20 + number % 17), now: 0) }
        try store.flush()
        return try readFile(atPath: scratch.path + "/seg-0000000000000000.log")
    }

    @Test func aSegmentCutAtEveryOffsetKeepsEveryWholeRecordAndAcceptsAppends() throws {
        let source = try ScratchDirectory()
        let whole = try oneSegment(12, in: source)
        // Record boundaries, from the lengths we wrote.
        var ends: [Int] = []
        var offset = 16
        for number in 0..<12 {
            offset += 20 + 20 + number % 17
            ends.append(offset)
        }
        #expect(ends.last == whole.count)
        for cut in 0...whole.count {
            let scratch = try ScratchDirectory()
            try writeFileAtomically(Array(whole[..<cut]), toPath: scratch.path + "/seg-0000000000000000.log")
            let store = try PacketStore(directory: scratch.path, configuration: small(segment: 8192, capacity: 64 << 10), now: 0)
            let intact = ends.filter { $0 <= cut }.count
            #expect(store.recovery.records == intact, "cut at \(cut)")
            let expectedTruncated = cut < 16 ? cut : cut - (intact == 0 ? 16 : ends[intact - 1])
            #expect(store.recovery.bytesTruncated == expectedTruncated, "cut at \(cut)")
            #expect(readAll(store) == (0..<intact).map { packet($0, length: 20 + $0 % 17) }, "cut at \(cut)")
            #expect(store.append(packet(99), now: 0) == .stored)
            try store.flush()
            let again = try PacketStore(directory: scratch.path, configuration: small(segment: 8192, capacity: 64 << 10), now: 0)
            #expect(again.recovery.records == intact + 1 && !again.recovery.repaired, "cut at \(cut)")
            #expect(readAll(again).last == packet(99))
        }
    }

    @Test func aFlippedByteCutsThatSegmentOnlyAndLaterSegmentsSurvive() throws {
        let scratch = try ScratchDirectory()
        do {
            let store = try PacketStore(directory: scratch.path, configuration: small(capacity: 64 << 10), now: 0)
            for number in 0..<200 { _ = store.append(packet(number), now: 0) }
            try store.flush()
        }
        let segments = scratch.segments
        #expect(segments.count >= 3)
        let victim = scratch.path + "/" + segments[0]
        var bytes = try readFile(atPath: victim)
        // The fifth record's packet: records are 60 octets after the 16-octet header.
        bytes[16 + 4 * 60 + 30] ^= 0x40
        try writeFileAtomically(bytes, toPath: victim)
        let store = try PacketStore(directory: scratch.path, configuration: small(capacity: 64 << 10), now: 0)
        let perSegment = (4096 - 16) / 60
        #expect(store.recovery.truncatedSegments == 1)
        #expect(store.recovery.bytesTruncated == (perSegment - 4) * 60)
        #expect(store.recovery.records == 200 - (perSegment - 4))
        let kept = readAll(store)
        #expect(Array(kept.prefix(4)) == (0..<4).map { packet($0) })
        #expect(Array(kept.dropFirst(4)) == (perSegment..<200).map { packet($0) })
    }

    @Test func aForeignSegmentIsSetAsideAndAnEmptyOneRemoved() throws {
        let scratch = try ScratchDirectory()
        do {
            let store = try PacketStore(directory: scratch.path, configuration: small(capacity: 64 << 10), now: 0)
            for number in 0..<200 { _ = store.append(packet(number), now: 0) }
            try store.flush()
        }
        let segments = scratch.segments
        try writeFileAtomically(Array("not a segment at all, just text".utf8), toPath: scratch.path + "/" + segments[1])
        try writeFileAtomically([0x49, 0x4F], toPath: scratch.path + "/seg-00000000ffffffff.log")
        let store = try PacketStore(directory: scratch.path, configuration: small(capacity: 64 << 10), now: 0)
        #expect(store.recovery.damagedSegments == 1)
        #expect(scratch.files.contains(segments[1] + ".damaged"))
        #expect(!scratch.files.contains("seg-00000000ffffffff.log"), "a segment torn before its header is removed")
        let perSegment = (4096 - 16) / 60
        #expect(store.recovery.records == 200 - perSegment)
        #expect(readAll(store).count == 200 - perSegment)
        #expect(store.append(packet(300), now: 0) == .stored)
    }
}
