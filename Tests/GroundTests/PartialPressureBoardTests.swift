import Foundation
@testable import Ground
import Testing

/// The operator sees cabin CO2 as a partial pressure in mmHg, the unit of NASA-STD-3001 Vol. 2
/// [V2 6004] (limit 3 mmHg), converted from life support's `ls.ppco2_kpa`.
@Suite struct PartialPressureBoardTests {
    /// The fixture database plus `ls.ppco2_kpa` (an ID of this test's own).
    static func database() throws -> MissionInformationBase {
        let entry = #"{"id": 270, "name": "ls.ppco2_kpa", "unit": "kPa", "type": "f32", "tag": 6, "tunable": false, "range": null},"#
        var text = fixtureMIBText
        let anchor = #"{"id": 1, "name": "fdir.mode""# // the first entry of the database's parameter list
        let first = try #require(text.range(of: anchor), "the fixture's parameter list")
        text.replaceSubrange(first, with: entry + "\n    " + anchor)
        return try MissionInformationBase(json: Data(text.utf8))
    }

    @Test func theBoardShowsPPCO2InMillimetresOfMercury() throws {
        let mib = try Self.database()
        #expect(mib.parameter(id: 270)?.name == "ls.ppco2_kpa")
        var status = VehicleStatus(mib: mib)
        #expect(status.lifeSupport.ppCO2mmHg == nil)
        // 0.40 kPa = 400 Pa / 133.322 Pa per mmHg = 3.0003 mmHg.
        status.apply(
            DecodedPacket(
                apid: 0x123, sequenceCount: 0, messageType: .housekeepingReport, messageTypeCounter: 0, time: vectorTime,
                content: .housekeeping(
                    structureID: 1, structureName: "",
                    values: [NamedValue(id: 270, name: "ls.ppco2_kpa", unit: "kPa", value: .f32(0.4))])))
        let mmHg = try #require(status.lifeSupport.ppCO2mmHg)
        #expect(abs(mmHg - 3.0003) < 1e-3)
        #expect(abs((status.lifeSupport.ppCO2kPa ?? 0) - 0.4) < 1e-6)
        let board = StatusBoard(colour: false)
        #expect(board.render(status, header: "").contains("ppCO2 3.0 mmHg"))
        #expect(board.statusLine(status).contains(" ppCO2 3.0 mmHg "))
    }
}
