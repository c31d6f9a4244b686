import SpaceLink
import Testing

@Suite struct ServiceCodecTests {
    @Test func parameterValuesPackBigEndian() {
        #expect(ParameterValue.u8(0xA5).packed == [0xA5])
        #expect(ParameterValue.u16(7400).packed == [0x1C, 0xE8])
        #expect(ParameterValue.u32(0x0102_0304).packed == [1, 2, 3, 4])
        #expect(ParameterValue.i16(-1234).packed == [0xFB, 0x2E])
        #expect(ParameterValue.i32(-2).packed == [0xFF, 0xFF, 0xFF, 0xFE])
        #expect(ParameterValue.f32(1.5).packed == [0x3F, 0xC0, 0x00, 0x00])
        #expect(ParameterValue.f64(-2.0).packed == [0xC0, 0, 0, 0, 0, 0, 0, 0])
        #expect(ParameterValue.bool(true).packed == [1])
        #expect(ParameterValue.f32(1.5).tagged == [6, 0x3F, 0xC0, 0x00, 0x00])
    }

    @Test func housekeepingRequests() throws {
        let enable = HousekeepingRequest.enablePeriodic([1, 0x0102_0304])
        #expect(enable.messageType == MessageType(3, 5))
        #expect(enable.applicationData == [2, 0, 0, 0, 1, 1, 2, 3, 4])
        let modify = HousekeepingRequest.modifyCollectionInterval([CollectionInterval(structureID: 2, milliseconds: 1000)])
        #expect(modify.applicationData == [1, 0, 0, 0, 2, 0, 0, 0x03, 0xE8])
        for request in [enable, .disablePeriodic([7]), .generateOneShot([]), modify] {
            #expect(try HousekeepingRequest.decode(request.messageType, data: request.applicationData[...]) == request)
        }
        #expect(throws: ServiceDataError.truncated(needed: 9, available: 5)) { try HousekeepingRequest.decode(MessageType(3, 5), data: [2, 0, 0, 0, 1][...]) }
        #expect(throws: ServiceDataError.trailingOctets(1)) { try HousekeepingRequest.decode(MessageType(3, 6), data: [0, 9][...]) }
        #expect(throws: ServiceDataError.wrongMessageType(MessageType(3, 1))) { try HousekeepingRequest.decode(MessageType(3, 1), data: [][...]) }
    }

    @Test func housekeepingReportLayoutMismatch() {
        let data = HousekeepingReport(structureID: 9, values: [.u16(1)]).sourceData
        #expect(throws: ServiceDataError.trailingOctets(2)) { try HousekeepingReport.decode(data[...], layout: []) }
        #expect(throws: ServiceDataError.truncated(needed: 10, available: 6)) { try HousekeepingReport.decode(data[...], layout: [.u16, .u32]) }
        #expect(throws: ServiceDataError.invalidBool(2)) { try HousekeepingReport.decode([0, 0, 0, 9, 2][...], layout: [.bool]) }
    }

    @Test func eventReportsAndControl() throws {
        let report = EventReport(severity: .medium, eventID: 0x1234, auxiliaryData: [9, 8])
        #expect(report.messageType == MessageType(5, 3))
        #expect(report.applicationData == [0x12, 0x34, 9, 8])
        #expect(try EventReport.decode(MessageType(5, 3), data: report.applicationData[...]) == report)
        #expect(throws: ServiceDataError.wrongMessageType(MessageType(5, 5))) { try EventReport.decode(MessageType(5, 5), data: [0, 1][...]) }
        let disable = EventReportingRequest.disable([1, 0xFFFF])
        #expect(disable.messageType == MessageType(5, 6))
        #expect(disable.applicationData == [2, 0, 1, 0xFF, 0xFF])
        #expect(try EventReportingRequest.decode(MessageType(5, 6), data: disable.applicationData[...]) == disable)
    }

    @Test func functionRequestWithArguments() throws {
        let request = FunctionRequest(functionID: 0x0042, arguments: [FunctionArgument(id: 1, value: .u8(3)), FunctionArgument(id: 2, value: .f32(1.5))])
        #expect(request.applicationData == [0x00, 0x42, 2, 0, 1, 1, 3, 0, 2, 6, 0x3F, 0xC0, 0, 0])
        #expect(try FunctionRequest.decode(.performFunction, data: request.applicationData[...]) == request)
        #expect(throws: ServiceDataError.unknownTypeTag(9)) { try FunctionRequest.decode(.performFunction, data: [0, 1, 1, 0, 1, 9, 0][...]) }
    }

    @Test func parameterManagement() throws {
        let set = ParameterManagementMessage.set([ParameterAssignment(id: 0x10, value: .i32(-1)), ParameterAssignment(id: 0x11, value: .bool(false))])
        #expect(set.messageType == MessageType(20, 3))
        #expect(set.applicationData == [2, 0, 0x10, 5, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0x11, 8, 0])
        let request = ParameterManagementMessage.reportRequest([0x10, 0x11])
        #expect(request.applicationData == [2, 0, 0x10, 0, 0x11])
        let report = ParameterManagementMessage.report([ParameterAssignment(id: 0x10, value: .f64(0.25))])
        for message in [set, request, report] {
            #expect(try ParameterManagementMessage.decode(message.messageType, data: message.applicationData[...]) == message)
        }
        #expect(throws: ServiceDataError.truncated(needed: 6, available: 4)) { try ParameterManagementMessage.decode(MessageType(20, 3), data: [1, 0, 1, 2][...]) }
    }

    @Test func connectionTest() throws {
        #expect(try ConnectionTest.decode(MessageType(17, 1), data: [][...]) == .areYouAlive)
        #expect(throws: ServiceDataError.trailingOctets(1)) { try ConnectionTest.decode(MessageType(17, 2), data: [0][...]) }
    }
}

@Suite struct VerificationTests {
    let request = RequestID(packetID: 0x1923, sequenceControl: 0xC005)

    @Test func failureReportsCarryCodeAndData() throws {
        let failure = VerificationReport.acceptanceFailure(request, FailureNotice(.badAPID))
        #expect(failure.messageType == MessageType(1, 2))
        #expect(failure.sourceData == [0x19, 0x23, 0xC0, 0x05, 0x00, 0x02])
        let completion = VerificationReport.completionFailure(request, FailureNotice(.executionFailed, data: [0xAB]))
        #expect(completion.messageType == MessageType(1, 8))
        #expect(completion.sourceData == [0x19, 0x23, 0xC0, 0x05, 0x00, 0x07, 0xAB])
        let start = VerificationReport.startFailure(request, FailureNotice(.notAllowedInMode, data: [2]))
        #expect(start.messageType == MessageType(1, 4))
        #expect(VerificationReport.progressSuccess(request, step: 3).sourceData == [0x19, 0x23, 0xC0, 0x05, 0x00, 0x03])
        let all: [VerificationReport] = [
            .acceptanceSuccess(request), failure, .startSuccess(request), start, .progressSuccess(request, step: 1), .progressFailure(request, step: 2, FailureNotice(.timeout)),
            .completionSuccess(request), completion,
        ]
        #expect(all.map(\.messageType.subtype) == [1, 2, 3, 4, 5, 6, 7, 8])
        for report in all {
            #expect(try VerificationReport.decode(report.messageType, sourceData: report.sourceData[...]) == report)
        }
        #expect(throws: ServiceDataError.trailingOctets(1)) { try VerificationReport.decode(MessageType(1, 7), sourceData: [0x19, 0x23, 0xC0, 0x05, 0][...]) }
        #expect(throws: ServiceDataError.wrongMessageType(MessageType(1, 9))) { try VerificationReport.decode(MessageType(1, 9), sourceData: [][...]) }
    }

    @Test func acknowledgementFlagsSelectSuccessReports() {
        let flags: AcknowledgementFlags = [.acceptance, .completion]
        #expect(flags.rawValue == 0b1001)
        #expect(VerificationReport.acceptanceSuccess(request).isRequested(by: flags))
        #expect(!VerificationReport.startSuccess(request).isRequested(by: flags))
        #expect(VerificationReport.startFailure(request, FailureNotice(.busy)).isRequested(by: []))
    }

    @Test func failureCodeValuesAreStable() {
        #expect(VerificationFailureCode.allCases.map(\.rawValue) == Array(1...12))
        #expect(FailureNotice(rawCode: 500).knownCode == nil)
    }
}
