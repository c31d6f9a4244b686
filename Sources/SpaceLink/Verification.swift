/// Request ID of a telecommand (ECSS-E-ST-70-41C §6.1.4.1 / §8.1.2): the packet ID and the
/// packet sequence control of its primary header, 4 octets, echoed in every verification report.
public struct RequestID: Sendable, Hashable {
    /// Version (3 bits), type, secondary header flag, APID.
    public var packetID: UInt16
    /// Sequence flags and sequence count.
    public var sequenceControl: UInt16

    public init(packetID: UInt16, sequenceControl: UInt16) {
        self.packetID = packetID
        self.sequenceControl = sequenceControl
    }

    /// The request ID of a raw, possibly invalid, telecommand: its first four octets, so a TC
    /// rejected for a bad CRC or length can still be reported in TM[1,2].
    /// Returns `nil` for fewer than four octets.
    public init?<Bytes: Collection>(rawPacket: Bytes) where Bytes.Element == UInt8 {
        var reader = ByteReader(Array(rawPacket.prefix(4)))
        guard let id = reader.u16(), let control = reader.u16() else { return nil }
        self.init(packetID: id, sequenceControl: control)
    }

    public var apid: UInt16 { packetID & 0x7FF }
    public var sequenceCount: UInt16 { sequenceControl & 0x3FFF }

    func write(to writer: inout ByteWriter) {
        writer.u16(packetID)
        writer.u16(sequenceControl)
    }
}

/// Failure codes carried in the failure notice of TM[1,2], [1,4], [1,6] and [1,8].
///
/// Mission-defined (ECSS-E-ST-70-41C leaves the codes to the mission); the code is a u16 and is
/// followed by optional failure data.
///
/// | code | name | meaning | failure data |
/// |---|---|---|---|
/// | 1 | `badCRC` | packet error control wrong | none |
/// | 2 | `badAPID` | TC addressed to an APID this application does not serve | none |
/// | 3 | `badLength` | packet truncated, length field disagrees, or data field too short | none |
/// | 4 | `unknownMessageType` | service/subtype not implemented | none |
/// | 5 | `badArgument` | application data malformed or out of range | argument index (u8), optional |
/// | 6 | `queueFull` | command queue full, TC dropped | none |
/// | 7 | `executionFailed` | the function ran and reported failure | subsystem error code, optional |
/// | 8 | `notAllowedInMode` | forbidden in the current vehicle mode | current mode (u8), optional |
/// | 9 | `badHeader` | wrong packet version or type, no secondary header, PUS version not 2 | none |
/// | 10 | `timeout` | execution did not complete within its deadline | none |
/// | 11 | `busy` | a conflicting operation is in progress | none |
public enum VerificationFailureCode: UInt16, Sendable, Hashable, CaseIterable {
    case badCRC = 1
    case badAPID = 2
    case badLength = 3
    case unknownMessageType = 4
    case badArgument = 5
    case queueFull = 6
    case executionFailed = 7
    case notAllowedInMode = 8
    case badHeader = 9
    case timeout = 10
    case busy = 11
    /// TC[20,3]: the values would break a constraint between related tunables (a lower limit
    /// not below its upper one); nothing was set. Data: the two parameter IDs (u16, u16).
    case constraintViolated = 12

    /// The acceptance failure code for a telecommand rejected by ``PUSTelecommand/decode(_:expectedAPID:)``.
    public init(_ error: SpacePacketError) {
        switch error {
        case .badCRC: self = .badCRC
        case .wrongAPID: self = .badAPID
        case .truncated, .lengthMismatch, .dataFieldTooShort: self = .badLength
        case .wrongVersion, .wrongPacketType, .missingSecondaryHeader, .wrongPUSVersion, .unsupportedTimeFormat: self = .badHeader
        }
    }
}

/// The failure notice of a failed-verification report: a u16 code and optional data.
public struct FailureNotice: Sendable, Hashable {
    /// Raw code; see ``VerificationFailureCode`` for the ones this project defines.
    public var code: UInt16
    public var data: [UInt8]

    public init(_ code: VerificationFailureCode, data: [UInt8] = []) {
        self.code = code.rawValue
        self.data = data
    }

    public init(rawCode: UInt16, data: [UInt8] = []) {
        code = rawCode
        self.data = data
    }

    /// The code as a known ``VerificationFailureCode``, or `nil` for a code this project does not define.
    public var knownCode: VerificationFailureCode? { VerificationFailureCode(rawValue: code) }
}

/// A service 1 (request verification) report, ECSS-E-ST-70-41C §6.1 / §8.1.2.
///
/// Source data: request ID (4 octets); progress reports add a step ID (u16, mission choice);
/// failure reports add the failure notice (code u16 + optional data).
public enum VerificationReport: Sendable, Hashable {
    case acceptanceSuccess(RequestID) // TM[1,1]
    case acceptanceFailure(RequestID, FailureNotice) // TM[1,2]
    case startSuccess(RequestID) // TM[1,3]
    case startFailure(RequestID, FailureNotice) // TM[1,4]
    case progressSuccess(RequestID, step: UInt16) // TM[1,5]
    case progressFailure(RequestID, step: UInt16, FailureNotice) // TM[1,6]
    case completionSuccess(RequestID) // TM[1,7]
    case completionFailure(RequestID, FailureNotice) // TM[1,8]

    public var messageType: MessageType {
        switch self {
        case .acceptanceSuccess: MessageType(1, 1)
        case .acceptanceFailure: MessageType(1, 2)
        case .startSuccess: MessageType(1, 3)
        case .startFailure: MessageType(1, 4)
        case .progressSuccess: MessageType(1, 5)
        case .progressFailure: MessageType(1, 6)
        case .completionSuccess: MessageType(1, 7)
        case .completionFailure: MessageType(1, 8)
        }
    }

    public var requestID: RequestID {
        switch self {
        case .acceptanceSuccess(let id), .acceptanceFailure(let id, _), .startSuccess(let id), .startFailure(let id, _),
            .progressSuccess(let id, _), .progressFailure(let id, _, _), .completionSuccess(let id), .completionFailure(let id, _):
            id
        }
    }

    /// Whether the report is to be sent for a TC with these acknowledgement flags: failures
    /// always, successes only when their stage's flag is set.
    public func isRequested(by flags: AcknowledgementFlags) -> Bool {
        switch self {
        case .acceptanceSuccess: flags.contains(.acceptance)
        case .startSuccess: flags.contains(.start)
        case .progressSuccess: flags.contains(.progress)
        case .completionSuccess: flags.contains(.completion)
        case .acceptanceFailure, .startFailure, .progressFailure, .completionFailure: true
        }
    }

    /// The source data of the report.
    public var sourceData: [UInt8] {
        var writer = ByteWriter(capacity: 8)
        requestID.write(to: &writer)
        let notice: FailureNotice?
        switch self {
        case .acceptanceSuccess, .startSuccess, .completionSuccess: notice = nil
        case .progressSuccess(_, let step):
            writer.u16(step)
            notice = nil
        case .progressFailure(_, let step, let failure):
            writer.u16(step)
            notice = failure
        case .acceptanceFailure(_, let failure), .startFailure(_, let failure), .completionFailure(_, let failure):
            notice = failure
        }
        if let notice {
            writer.u16(notice.code)
            writer.append(notice.data)
        }
        return writer.bytes
    }

    /// Decodes the source data of a TM[1,x] report.
    /// - Throws: ``ServiceDataError`` for a message type other than [1,1]…[1,8], short data or
    ///   trailing octets on a success report.
    public static func decode(_ type: MessageType, sourceData: ArraySlice<UInt8>) throws(ServiceDataError) -> VerificationReport {
        guard type.service == 1, (1...8).contains(type.subtype) else { throw .wrongMessageType(type) }
        var reader = ByteReader(sourceData)
        guard let packetID = reader.u16(), let control = reader.u16() else {
            throw .truncated(needed: 4, available: sourceData.count)
        }
        let id = RequestID(packetID: packetID, sequenceControl: control)
        var step: UInt16 = 0
        if type.subtype == 5 || type.subtype == 6 {
            guard let value = reader.u16() else { throw .truncated(needed: 6, available: sourceData.count) }
            step = value
        }
        if type.subtype % 2 == 1 {
            guard reader.isAtEnd else { throw .trailingOctets(reader.remaining) }
            switch type.subtype {
            case 1: return .acceptanceSuccess(id)
            case 3: return .startSuccess(id)
            case 5: return .progressSuccess(id, step: step)
            default: return .completionSuccess(id)
            }
        }
        guard let code = reader.u16() else { throw .truncated(needed: sourceData.count - reader.remaining + 2, available: sourceData.count) }
        let notice = FailureNotice(rawCode: code, data: Array(reader.rest()))
        switch type.subtype {
        case 2: return .acceptanceFailure(id, notice)
        case 4: return .startFailure(id, notice)
        case 6: return .progressFailure(id, step: step, notice)
        default: return .completionFailure(id, notice)
        }
    }
}
