import Ground
import SpaceLink
import Testing

/// The ground's merge of VC 0 and VC 1 and the gaps `console --fill-gaps` asks for.
@Suite struct DownlinkMergeTests {
    func packet(_ count: UInt16, second: UInt32) -> DecodedPacket {
        DecodedPacket(
            apid: 0x123, sequenceCount: count, messageType: MessageType(3, 25), messageTypeCounter: 0,
            time: CUCTime(coarse: 2_174_985_000 + second, fine: 0), content: .unknown(sourceData: []))
    }

    @Test func duplicatesAreDroppedAndGapsOpenAndFill() throws {
        var merge = DownlinkMerge()
        for count in UInt16(0)...2 {
            let admitted = merge.admit(packet(count, second: UInt32(count)), now: 0)
            #expect(admitted)
        }
        let admitted1 = merge.admit(packet(6, second: 6), now: 1)
        #expect(admitted1, "a jump of four: counts 3, 4, 5 missing")
        #expect(merge.gaps == [TelemetryGap(apid: 0x123, after: packet(2, second: 2).time, before: packet(6, second: 6).time, missing: 3)])
        let admitted2 = merge.admit(packet(2, second: 2), now: 2)
        #expect(!admitted2, "seen on VC 0, replayed on VC 1: once")
        #expect(merge.duplicates == 1)
        let admitted3 = merge.admit(packet(3, second: 3), now: 2)
        #expect(admitted3)
        let admitted4 = merge.admit(packet(4, second: 4), now: 2)
        #expect(admitted4)
        #expect(merge.gaps.map(\.missing) == [1])
        let early = merge.takeGapsToRequest(now: 5, delay: 5)
        #expect(early.isEmpty, "open for 4 s only")
        let due = merge.takeGapsToRequest(now: 6, delay: 5)
        #expect(due.map(\.missing) == [1])
        let again = merge.takeGapsToRequest(now: 60, delay: 5)
        #expect(again.isEmpty, "asked for once")
        let admitted5 = merge.admit(packet(5, second: 5), now: 7)
        #expect(admitted5)
        #expect(merge.gaps.isEmpty, "filled")
        // Across the 14-bit wrap: 16383 → 0 is no gap.
        var wrap = DownlinkMerge()
        let admitted6 = wrap.admit(packet(16_383, second: 1), now: 0)
        #expect(admitted6)
        let admitted7 = wrap.admit(packet(0, second: 2), now: 0)
        #expect(admitted7)
        #expect(wrap.gaps.isEmpty)
    }

    @Test func aGapIsAskedForFromEveryStoreBetweenItsNeighbours() throws {
        let mib = try fixtureMIB()
        let gap = TelemetryGap(apid: 0x123, after: CUCTime(unixSeconds: 1_796_292_000), before: CUCTime(unixSeconds: 1_796_292_040), missing: 9)
        let request = try #require(DownlinkMerge.retrieval(for: gap, mib: mib))
        #expect(
            try StorageRequestMessage.decode(request.messageType, data: request.applicationData[...])
                == .retrieveByTime([
                    RetrievalRange(storeID: 1, start: 1_796_292_000_000, end: 1_796_292_040_001),
                    RetrievalRange(storeID: 2, start: 1_796_292_000_000, end: 1_796_292_040_001),
                ]))
    }
}
