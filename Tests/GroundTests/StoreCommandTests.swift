import Ground
import SpaceLink
import Testing

/// `iost-ground send store …`: ST[15] telecommands as spacepackets builds them, and the reports.
@Suite struct StoreCommandTests {
    @Test func retrieveAndDeleteAreTheBytesSpacepacketsBuilds() throws {
        let parser = CommandParser(mib: try fixtureMIB())
        let retrieve = try parser.parse(["store", "retrieve", "--from", "2026-12-03T10:00:00Z", "--to", "2026-12-03T10:05:00.500Z", "hk"])
        // spacepackets 0.32: PusTc(apid=0x123, service=15, subservice=9, seq_count=5,
        //   app_data=01 | 0001 000001a23b58b900 000001a23b5d4ed4)
        #expect(retrieve.telecommand(apid: 0x123, sequenceCount: 5).encoded == hex("1923c00500192f0f090000010001000001a23b58b900000001a23b5d4ed4f910"))
        // Every store by default, by name or by ID.
        let all = try parser.parse(["store", "retrieve", "--from", "2026-12-03T10:00:00Z", "--to", "2026-12-03T10:05:00Z"])
        #expect(try StorageRequestMessage.decode(all.messageType, data: all.applicationData[...]).stores == [1, 2])
        let delete = try parser.parse(["store", "delete", "--to", "2026-12-03T10:05:00.500Z", "hk", "2"])
        #expect(delete.telecommand(apid: 0x123, sequenceCount: 6).encoded == hex("1923c00600132f0f0b0000000001a23b5d4ed402000100025e26"))
        #expect(try parser.parse(["store", "summary"]).applicationData.isEmpty, "no IDs: every store")
        #expect(try parser.parse(["store", "status"]).expectedReply == .storageReport)
        #expect(try parser.parse(["store", "disable", "events"]).applicationData == [1, 0, 2])
        for bad in [
            ["store"], ["store", "retrieve", "--from", "2026-12-03T10:00:00Z"], ["store", "retrieve", "--from", "yesterday", "--to", "2026-12-03T10:00:00Z"],
            ["store", "retrieve", "--from", "2026-12-03T10:05:00Z", "--to", "2026-12-03T10:00:00Z"], ["store", "summary", "nowhere"],
            ["store", "status", "hk"], ["store", "rewind"],
        ] {
            #expect(throws: CommandError.self, "\(bad)") { try parser.parse(bad) }
        }
    }

    @Test func reportsDecodeIntoLinesWithTheStoresNames() throws {
        let mib = try fixtureMIB()
        let summary = StorageReport.summary([
            StoreSummary(storeID: 1, oldest: 1_796_292_000_000, newest: 1_796_292_300_500, openRetrievalStart: 0, fillPercent: 12, fillPercentFromOpenRetrievalStart: 12)
        ])
        let decoded = try StorageReport.decode(.storageSummaryReport, data: summary.applicationData[...])
        #expect(decoded == summary)
        #expect(summary.applicationData.count == 1 + 28)
        #expect(
            StoreListing.lines(decoded, mib: mib) == [
                "hk (1): 2026-12-03T10:00:00.000Z … 2026-12-03T10:05:00.500Z, 12 % full, open retrieval from - (12 % to go)"
            ])
        #expect(throws: ServiceDataError.self) { try StorageReport.decode(.storageStatusReport, data: [1, 0, 1, 1][...]) }
    }
}
