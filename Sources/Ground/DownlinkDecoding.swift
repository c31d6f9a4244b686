import SpaceLink

/// A parameter value with its name from the mission database.
public struct NamedValue: Sendable, Hashable {
    public var id: UInt16
    /// The parameter's name, or `0x…` for an ID the database does not know.
    public var name: String
    public var unit: String
    public var value: ParameterValue

    public init(id: UInt16, name: String, unit: String, value: ParameterValue) {
        self.id = id
        self.name = name
        self.unit = unit
        self.value = value
    }
}

/// A decoded TM[5,x] event report.
public struct DecodedEvent: Sendable, Hashable {
    public var id: UInt16
    /// The event's name, or `nil` for an ID the database does not know.
    public var name: String?
    public var severity: EventSeverity
    /// Arguments with the database's names (`arg1`… when it names fewer).
    public var arguments: [(name: String, value: Double)] {
        values.enumerated().map { index, value in
            (index < argumentNames.count ? argumentNames[index] : "arg\(index + 1)", value)
        }
    }
    /// Numeric arguments in order.
    public var values: [Double]
    public var argumentNames: [String]
    /// Auxiliary data that is not the mission's `N, N × f64` layout; empty when it is.
    public var undecodedAuxiliaryData: [UInt8]
    /// Per argument, the name its value stands for in the mission database (a mode, a reason, a
    /// monitor, its state, a device), `nil` for a quantity.
    public var valueNames: [String?] = []

    /// An argument's value as an operator reads it: its name when it has one (`SAFE`), else the number.
    public func valueText(_ index: Int, number: (Double) -> String) -> String {
        if index < valueNames.count, let name = valueNames[index] { return name }
        return index < values.count ? number(values[index]) : ""
    }

    public init(id: UInt16, name: String?, severity: EventSeverity, values: [Double], argumentNames: [String], undecodedAuxiliaryData: [UInt8] = []) {
        self.id = id
        self.name = name
        self.severity = severity
        self.values = values
        self.argumentNames = argumentNames
        self.undecodedAuxiliaryData = undecodedAuxiliaryData
    }

    /// Severity as the database names it.
    public var severityName: String {
        switch severity {
        case .informative: "info"
        case .low: "low"
        case .medium: "medium"
        case .high: "high"
        }
    }

    public static func == (lhs: DecodedEvent, rhs: DecodedEvent) -> Bool {
        lhs.id == rhs.id && lhs.name == rhs.name && lhs.severity == rhs.severity && lhs.values.elementsEqual(rhs.values) { $0 == $1 || ($0.isNaN && $1.isNaN) }
            && lhs.argumentNames == rhs.argumentNames && lhs.undecodedAuxiliaryData == rhs.undecodedAuxiliaryData
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(id)
        hasher.combine(severity)
    }
}

/// The content of a decoded PUS TM packet.
public enum DecodedContent: Sendable, Hashable {
    /// TM[3,25] with every value named.
    case housekeeping(structureID: UInt32, structureName: String, values: [NamedValue])
    /// TM[5,1…4].
    case event(DecodedEvent)
    /// TM[1,x].
    case verification(VerificationReport)
    /// TM[17,2].
    case connectionTestReport
    /// TM[20,2].
    case parameterReport([NamedValue])
    /// TM[11,10] detail or TM[11,13] summary report of the time-based schedule.
    case schedule(ScheduleReport)
    /// TM[15,13] summary, TM[15,19] status or TM[15,23] configuration of the packet stores.
    case storage(StorageReport)
    /// TM[12,9] definitions, TM[12,12] check transitions or TM[12,14] status of parameter monitoring.
    case monitoring(MonitoringReport)
    /// TM[19,7]: each event-action definition's event ID and status.
    case eventActionStatus([EventActionStatus])
    /// A message type this console does not decode.
    case unknown(sourceData: [UInt8])
    /// The source data does not decode (unknown structure, wrong layout…): why, and the octets.
    case undecodable(reason: String, sourceData: [UInt8])
}

/// One decoded PUS-C TM packet.
public struct DecodedPacket: Sendable, Hashable {
    public var apid: UInt16
    public var sequenceCount: UInt16
    public var messageType: MessageType
    public var messageTypeCounter: UInt16
    /// Packet time (TAI).
    public var time: CUCTime
    public var content: DecodedContent

    public init(apid: UInt16, sequenceCount: UInt16, messageType: MessageType, messageTypeCounter: UInt16, time: CUCTime, content: DecodedContent) {
        self.apid = apid
        self.sequenceCount = sequenceCount
        self.messageType = messageType
        self.messageTypeCounter = messageTypeCounter
        self.time = time
        self.content = content
    }
}

/// Link-level state seen by the ground: the frame decoder's counters, packet counters per
/// service, and the last CLCW of each TC virtual channel.
public struct LinkStatus: Sendable, Hashable {
    /// Frame and reassembly counters (frames accepted, gaps, bad FECF, idle…).
    public var frames = TMLinkStatistics()
    /// Datagrams received.
    public var datagrams: UInt64 = 0
    /// Datagrams too short or too long to be a TM frame of any valid length (before the first
    /// frame fixes the length).
    public var unusableDatagrams: UInt64 = 0
    /// PUS packets decoded.
    public var packets: UInt64 = 0
    /// Packets rejected by the PUS checks (PEC, header, APID), per reason.
    public var packetErrors: [String: UInt64] = [:]
    /// Decoded packets per service type.
    public var servicePackets: [UInt8: UInt64] = [:]
    /// The last CLCW received for each TC virtual channel.
    public var clcwByVirtualChannel: [UInt8: CLCW] = [:]
    /// The last CLCW received, whatever its virtual channel.
    public var lastCLCW: CLCW?

    public init() {}

    /// All packet errors.
    public var packetErrorCount: UInt64 { packetErrors.values.reduce(0, +) }
}

/// The downlink decoding pipeline: TM transfer frames → space packets → PUS-C TM → typed
/// service messages with housekeeping values named from the mission database.
///
/// The frame length is the database's `frame_length` if it has one, else the length of the
/// first datagram (every shipped channel has an OCF and a FECF).
///
/// - Warning: not thread-safe; feed it from one thread.
public struct DownlinkDecoder: Sendable {
    public let mib: MissionInformationBase
    /// Whether packets of other APIDs are decoded too (default: only the database's APID).
    public var acceptsOtherAPIDs = false
    public private(set) var link = LinkStatus()
    private var frameDecoder: TMFrameDecoder?

    public init(mib: MissionInformationBase) {
        self.mib = mib
        if let length = mib.frameLength { frameDecoder = Self.makeFrameDecoder(length: length, spacecraftID: mib.spacecraftID) }
    }

    /// The frame layout in use, once known.
    public var frameConfiguration: TMFrameConfiguration? { frameDecoder?.configuration }

    private static func makeFrameDecoder(length: Int, spacecraftID: UInt16) -> TMFrameDecoder? {
        // Primary header 6 + OCF 4 + FECF 2; the data field must be 8…2039 octets.
        let dataField = length - 12
        guard (8...2039).contains(dataField), spacecraftID <= 0x3FF else { return nil }
        return TMFrameDecoder(configuration: TMFrameConfiguration(spacecraftID: spacecraftID, frameLength: length))
    }

    /// Takes one datagram (one TM transfer frame) and returns the packets it completed, decoded.
    public mutating func receive(frame bytes: ArraySlice<UInt8>) -> [DecodedPacket] {
        link.datagrams += 1
        if frameDecoder == nil { frameDecoder = Self.makeFrameDecoder(length: bytes.count, spacecraftID: mib.spacecraftID) }
        guard var decoder = frameDecoder else {
            link.unusableDatagrams += 1
            return []
        }
        let accepted = decoder.statistics.framesAccepted
        let packets = decoder.receive(bytes)
        if decoder.statistics.framesAccepted != accepted, let clcw = decoder.lastCLCW {
            link.lastCLCW = clcw
            link.clcwByVirtualChannel[clcw.virtualChannel] = clcw
        }
        link.frames = decoder.statistics
        frameDecoder = decoder
        var decoded: [DecodedPacket] = []
        for packet in packets {
            if let result = decode(packet: packet) { decoded.append(result) }
        }
        return decoded
    }

    /// Takes one datagram given as an array.
    public mutating func receive(frame bytes: [UInt8]) -> [DecodedPacket] { receive(frame: bytes[...]) }

    /// Decodes one space packet, counting it; `nil` (and a counted error) when the PUS checks fail.
    public mutating func decode(packet: [UInt8]) -> DecodedPacket? {
        do {
            let telemetry = try PUSTelemetry.decode(packet, timeFormat: mib.timeFormat, expectedAPID: acceptsOtherAPIDs ? nil : mib.apid)
            link.packets += 1
            link.servicePackets[telemetry.messageType.service, default: 0] += 1
            return Self.decode(telemetry, mib: mib)
        } catch {
            link.packetErrors[Self.reason(error), default: 0] += 1
            return nil
        }
    }

    private static func reason(_ error: SpacePacketError) -> String {
        switch error {
        case .badCRC: "bad_pec"
        case .wrongAPID: "wrong_apid"
        case .truncated, .lengthMismatch, .dataFieldTooShort: "bad_length"
        case .wrongVersion, .wrongPacketType, .missingSecondaryHeader, .wrongPUSVersion, .unsupportedTimeFormat: "bad_header"
        }
    }

    /// Decodes the service content of a valid PUS TM packet against `mib`.
    public static func decode(_ telemetry: PUSTelemetry, mib: MissionInformationBase) -> DecodedPacket {
        DecodedPacket(
            apid: telemetry.apid, sequenceCount: telemetry.sequenceCount, messageType: telemetry.messageType,
            messageTypeCounter: telemetry.messageTypeCounter, time: telemetry.time,
            content: content(telemetry.messageType, telemetry.sourceData[...], mib: mib))
    }

    static func content(_ type: MessageType, _ data: ArraySlice<UInt8>, mib: MissionInformationBase) -> DecodedContent {
        let raw = Array(data)
        switch (type.service, type.subtype) {
        case (1, 1...8):
            do {
                return .verification(try VerificationReport.decode(type, sourceData: data))
            } catch {
                return .undecodable(reason: "verification report: \(error)", sourceData: raw)
            }
        case (3, 25):
            let id: UInt32
            do {
                id = try HousekeepingReport.structureID(of: data)
            } catch {
                return .undecodable(reason: "housekeeping report shorter than a structure ID", sourceData: raw)
            }
            guard let structure = mib.structure(id: id), let layout = mib.layout(ofStructure: id) else {
                return .undecodable(reason: "housekeeping structure \(id) is not in the mission database", sourceData: raw)
            }
            do {
                let report = try HousekeepingReport.decode(data, layout: layout)
                let values = zip(structure.parameterIDs, report.values).map { id, value in named(id, value, mib: mib) }
                return .housekeeping(structureID: id, structureName: structure.name, values: values)
            } catch {
                return .undecodable(reason: "housekeeping structure \(structure.name) (\(id)) does not match its layout: \(error)", sourceData: raw)
            }
        case (5, 1...4):
            do {
                let report = try EventReport.decode(type, data: data)
                return .event(event(report, mib: mib))
            } catch {
                return .undecodable(reason: "event report: \(error)", sourceData: raw)
            }
        case (11, 10), (11, 13):
            do {
                return .schedule(try ScheduleReport.decode(type, data: data))
            } catch {
                return .undecodable(reason: "schedule report: \(error)", sourceData: raw)
            }
        case (15, 13), (15, 19), (15, 23):
            do {
                return .storage(try StorageReport.decode(type, data: data))
            } catch {
                return .undecodable(reason: "storage report: \(error)", sourceData: raw)
            }
        case (12, 9), (12, 12), (12, 14):
            do {
                return .monitoring(try MonitoringReport.decode(type, data: data))
            } catch {
                return .undecodable(reason: "monitoring report: \(error)", sourceData: raw)
            }
        case (19, 7):
            do {
                return .eventActionStatus(try EventActionStatusReport.decode(data).map { EventActionStatus(eventID: $0.eventID, enabled: $0.enabled) })
            } catch {
                return .undecodable(reason: "event-action status report: \(error)", sourceData: raw)
            }
        case (17, 2):
            return data.isEmpty ? .connectionTestReport : .undecodable(reason: "TM[17,2] with \(data.count) data octets", sourceData: raw)
        case (20, 2):
            do {
                guard case .report(let assignments) = try ParameterManagementMessage.decode(type, data: data) else {
                    return .undecodable(reason: "parameter report", sourceData: raw)
                }
                return .parameterReport(assignments.map { named($0.id, $0.value, mib: mib) })
            } catch {
                return .undecodable(reason: "parameter report: \(error)", sourceData: raw)
            }
        default:
            return .unknown(sourceData: raw)
        }
    }

    private static func named(_ id: UInt16, _ value: ParameterValue, mib: MissionInformationBase) -> NamedValue {
        let parameter = mib.parameter(id: id)
        return NamedValue(id: id, name: parameter?.name ?? "0x" + String(id, radix: 16), unit: parameter?.unit ?? "", value: value)
    }

    /// Decodes the auxiliary data of an event: N (u8, 0…4) then N f64 arguments.
    static func event(_ report: EventReport, mib: MissionInformationBase) -> DecodedEvent {
        let definition = mib.event(id: report.eventID)
        let aux = report.auxiliaryData
        var values: [Double] = []
        var undecoded: [UInt8] = []
        if let count = aux.first, aux.count == 1 + Int(count) * 8 {
            for index in 0..<Int(count) {
                let start = 1 + index * 8
                let bits = aux[start..<start + 8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                values.append(Double(bitPattern: bits))
            }
        } else {
            undecoded = aux
        }
        var event = DecodedEvent(
            id: report.eventID, name: definition?.name, severity: report.severity, values: values,
            argumentNames: definition?.arguments ?? [], undecodedAuxiliaryData: undecoded)
        let kinds = definition?.argumentKinds ?? []
        event.valueNames = values.indices.map { index in
            guard index < kinds.count, let kind = kinds[index] else { return nil }
            return mib.valueName(kind: kind, value: values[index])
        }
        return event
    }
}
