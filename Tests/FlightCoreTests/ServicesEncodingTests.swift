@testable import FlightCore
import HAL
import SpaceLink
import Testing

/// The services' value conversions and fixed-size records, without a vehicle.
@Suite struct ServicesEncodingTests {
    @Test func poolValuesBecomeWireValues() {
        #expect(TelemetryEncoder.wireValue(300, type: .u8, usable: true) == .u8(255))
        #expect(TelemetryEncoder.wireValue(-4, type: .u16, usable: true) == .u16(0))
        #expect(TelemetryEncoder.wireValue(2.5, type: .u32, usable: true) == .u32(3)) // to nearest, ties away
        #expect(TelemetryEncoder.wireValue(-40_000, type: .i16, usable: true) == .i16(-32_768))
        #expect(TelemetryEncoder.wireValue(.nan, type: .i32, usable: true) == .i32(0))
        #expect(TelemetryEncoder.wireValue(0.5, type: .bool, usable: true) == .bool(true))
        #expect(TelemetryEncoder.wireValue(.nan, type: .bool, usable: true) == .bool(false))
        #expect(TelemetryEncoder.wireValue(21.25, type: .f32, usable: true) == .f32(21.25))
        #expect(TelemetryEncoder.wireValue(3, type: .u8, usable: false) == .u8(3)) // integers keep their last value
        guard case .f64(let unusable) = TelemetryEncoder.wireValue(101_325, type: .f64, usable: false),
            case .f32(let unusable32) = TelemetryEncoder.wireValue(21, type: .f32, usable: false)
        else {
            Issue.record("wrong types")
            return
        }
        #expect(unusable.isNaN && unusable32.isNaN)
    }

    @Test func failureDataIsBigEndianInItsWidth() {
        #expect(FailureRecord.identifier(.badArgument, 0x0220, width: 2).notice == FailureNotice(.badArgument, data: [0x02, 0x20]))
        #expect(FailureRecord.identifier(.badArgument, 99, width: 4).notice == FailureNotice(.badArgument, data: [0, 0, 0, 99]))
        #expect(FailureRecord(.notAllowedInMode, data: 0x03_02_05, length: 3).notice == FailureNotice(.notAllowedInMode, data: [3, 2, 5]))
        #expect(FailureRecord(.queueFull).notice == FailureNotice(.queueFull))
    }

    @Test func inlineStorageHoldsSixtyFourValues() {
        var values = Inline64<Double>(repeating: 0)
        for index in 0..<64 { values[index] = Double(index) * 1.5 }
        #expect((0..<64).map { values[$0] } == (0..<64).map { Double($0) * 1.5 })
        var words = Inline16<UInt32>(repeating: 7)
        words[15] = 0xDEAD_BEEF
        #expect(words[0] == 7 && words[15] == 0xDEAD_BEEF)
        #expect(MemoryLayout<Inline16<UInt32>>.size == 64)
    }

    @Test func fixedEpochCarriesNanoseconds() {
        let mapping = UTCMapping.fixedEpoch(UTCTime(unixSeconds: 1_735_689_563, nanoseconds: 700_000_000))
        #expect(mapping.utc(MonotonicInstant(nanoseconds: 2_500_000_000)) == UTCTime(unixSeconds: 1_735_689_566, nanoseconds: 200_000_000))
        #expect(mapping.utc(.zero) == UTCTime(unixSeconds: 1_735_689_563, nanoseconds: 700_000_000))
    }

    @Test func commandBudgetsCoverEveryReport() {
        let request = RequestID(packetID: 0x1923, sequenceControl: 0xC001)
        #expect(ServiceCommand(.connectionTest, request: request, flags: .all).budget == 3) // 1,3 + 17,2 + 1,7
        #expect(ServiceCommand(.setMode, request: request, flags: .all).budget == 2)
        var oneShot = ServiceCommand(.housekeepingOneShot, request: request, flags: .all)
        oneShot.append(0)
        oneShot.append(1)
        #expect(oneShot.budget == 4)
    }
}
