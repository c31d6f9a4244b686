import SpaceLink
import Systems

/// Why an operator's command could not be turned into a telecommand. The description is the
/// message for the operator: it names what is wrong and lists the valid choices.
public struct CommandError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The report a telecommand asks for, besides its verification reports.
public enum ExpectedReply: Sendable, Hashable {
    /// TM[17,2] (after TC[17,1]).
    case connectionTest
    /// TM[20,2] (after TC[20,1]).
    case parameterReport
    /// TM[3,25] of this structure (after TC[3,27]).
    case housekeeping(structureID: UInt32)
    /// TM[11,13] or TM[11,10] (after TC[11,17] / TC[11,16]).
    case scheduleReport
    /// TM[15,13], TM[15,19] or TM[15,23] (after TC[15,12], [15,18], [15,22]).
    case storageReport
    /// TM[12,9], TM[12,12] or TM[12,14] (after TC[12,8], [12,11], [12,13]): the report of that
    /// message type only (the vehicle also sends TM[12,12] by itself on every check transition).
    case monitoringReport(MessageType)
    /// TM[19,7] (after TC[19,6]).
    case eventActionReport

    /// Whether `packet` is such a report.
    public func matches(_ packet: DecodedPacket) -> Bool {
        switch (self, packet.content) {
        case (.connectionTest, .connectionTestReport), (.parameterReport, .parameterReport): return true
        case (.housekeeping(let wanted), .housekeeping(let id, _, _)): return wanted == id
        case (.scheduleReport, .schedule): return true
        case (.storageReport, .storage): return true
        case (.monitoringReport(let type), .monitoring): return packet.messageType == type
        case (.eventActionReport, .eventActionStatus): return true
        default: return false
        }
    }
}

/// A service request ready to be put in a PUS TC: message type, application data, and the
/// report the telecommand asks for (TM[17,2] for a ping, TM[20,2] for a parameter read).
public struct ServiceRequest: Sendable, Hashable {
    public var messageType: MessageType
    public var applicationData: [UInt8]
    public var expectedReply: ExpectedReply?
    /// A one-line summary for displays, e.g. `TC[8,1] set_mode mode=3`.
    public var summary: String

    public init(messageType: MessageType, applicationData: [UInt8], expectedReply: ExpectedReply? = nil, summary: String) {
        self.messageType = messageType
        self.applicationData = applicationData
        self.expectedReply = expectedReply
        self.summary = summary
    }

    init<M: ServiceMessage>(_ message: M, expectedReply: ExpectedReply? = nil, summary: String) {
        self.init(messageType: message.messageType, applicationData: message.applicationData, expectedReply: expectedReply, summary: summary)
    }

    /// The PUS-C telecommand: the database's APID, all four acknowledgement flags (0b1111).
    public func telecommand(apid: UInt16, sequenceCount: UInt16, acknowledgementFlags: AcknowledgementFlags = .all) -> PUSTelecommand {
        PUSTelecommand(
            apid: apid, sequenceCount: sequenceCount & 0x3FFF, messageType: messageType,
            acknowledgementFlags: acknowledgementFlags, applicationData: applicationData)
    }
}

/// Turns operator commands (the words after `iost-ground send`) into service requests, checking
/// every name against the mission database.
///
/// Grammar:
/// ```
/// ping
/// mode NAME
/// function NAME-or-ID [ARG=VALUE …]
/// hk-interval STRUCTURE SECONDS
/// hk enable|disable|now STRUCTURE
/// param set NAME VALUE
/// param get NAME …
/// event enable|disable NAME-or-ID
/// schedule at ISO COMMAND… | schedule list [detail] | schedule delete REQUEST | schedule shift SECONDS | schedule enable|disable|reset
/// store …    (StoreCommands.swift)
/// pmon …     ea …    (MonitoringCommands.swift)
/// ```
public struct CommandParser: Sendable {
    public let mib: MissionInformationBase
    /// The sequence count of the telecommand `schedule at` embeds (its request ID).
    public var embeddedSequenceCount: UInt16 = 0

    /// The function `mode NAME` performs, and its argument.
    public static let setModeFunction = "set_mode"
    public static let modeArgument = "mode"

    public init(mib: MissionInformationBase) { self.mib = mib }

    /// The `--` words commands take themselves (`store retrieve --from`, `pmon add --every`…).
    public static let commandOptions: Set<String> = ["--from", "--to", "--every", "--repeat", "--low-event", "--high-event"]

    /// The command words, as a usage summary.
    public static let usage = """
        ping | mode NAME | function NAME-or-ID [ARG=VALUE…] | hk-interval STRUCTURE SECONDS | \
        hk enable|disable|now STRUCTURE | param set NAME VALUE | param get NAME… | event enable|disable NAME | \
        schedule at ISO COMMAND… | schedule list [detail] | schedule delete REQUEST | schedule enable|disable | \
        store retrieve --from ISO --to ISO [STORE…] | store summary|status|config|enable|disable|resume|suspend|abort [STORE…] | \
        store delete --to ISO [STORE…] | \
        pmon add|modify PMON PARAM limit|delta|expect … | pmon enable|disable|delete PMON… | pmon list|status|transitions | \
        ea add EVENT COMMAND… | ea enable|disable|delete [EVENT…] | ea delete-all|status|on|off
        """

    /// Parses one command.
    /// - Throws: ``CommandError`` naming the problem and listing the valid choices.
    public func parse(_ words: [String]) throws(CommandError) -> ServiceRequest {
        guard let verb = words.first else { throw CommandError("no command given; one of: \(Self.usage)") }
        let rest = Array(words.dropFirst())
        switch verb {
        case "ping":
            try expectCount(rest, 0, usage: "ping")
            return ServiceRequest(ConnectionTest.areYouAlive, expectedReply: .connectionTest, summary: "TC[17,1] ping")
        case "mode":
            try expectCount(rest, 1, usage: "mode NAME")
            return try mode(rest[0])
        case "function":
            guard let name = rest.first else { throw CommandError("usage: function NAME-or-ID [ARG=VALUE…]; functions: \(functionList)") }
            return try function(name, arguments: Array(rest.dropFirst()))
        case "hk-interval":
            try expectCount(rest, 2, usage: "hk-interval STRUCTURE SECONDS")
            return try housekeepingInterval(rest[0], seconds: rest[1])
        case "hk":
            try expectCount(rest, 2, usage: "hk enable|disable|now STRUCTURE")
            let structure = try structure(rest[1])
            switch rest[0] {
            case "enable": return ServiceRequest(HousekeepingRequest.enablePeriodic([structure.id]), summary: "TC[3,5] enable \(structure.name)")
            case "disable": return ServiceRequest(HousekeepingRequest.disablePeriodic([structure.id]), summary: "TC[3,6] disable \(structure.name)")
            case "now":
                return ServiceRequest(HousekeepingRequest.generateOneShot([structure.id]), expectedReply: .housekeeping(structureID: structure.id), summary: "TC[3,27] one-shot \(structure.name)")
            default: throw CommandError("unknown hk action \"\(rest[0])\"; valid: enable, disable, now")
            }
        case "param":
            guard let action = rest.first else { throw CommandError("usage: param set NAME VALUE | param get NAME…") }
            switch action {
            case "set":
                try expectCount(rest, 3, usage: "param set NAME VALUE")
                return try parameterSet(rest[1], value: rest[2])
            case "get":
                guard rest.count >= 2 else { throw CommandError("usage: param get NAME…") }
                return try parameterGet(Array(rest.dropFirst()))
            default:
                throw CommandError("unknown param action \"\(action)\"; valid: set, get")
            }
        case "event":
            try expectCount(rest, 2, usage: "event enable|disable NAME")
            let event = try event(rest[1])
            switch rest[0] {
            case "enable": return ServiceRequest(EventReportingRequest.enable([event.id]), summary: "TC[5,5] enable \(event.name)")
            case "disable": return ServiceRequest(EventReportingRequest.disable([event.id]), summary: "TC[5,6] disable \(event.name)")
            default: throw CommandError("unknown event action \"\(rest[0])\"; valid: enable, disable")
            }
        case "schedule":
            return try schedule(rest)
        case "store":
            return try store(rest)
        case "pmon":
            return try monitoring(rest)
        case "ea":
            return try eventAction(rest)
        default:
            throw CommandError("unknown command \"\(verb)\"; valid: \(Self.usage)")
        }
    }

    // MARK: Commands

    /// `mode NAME`: TC[8,1] set_mode with the mode's value.
    public func mode(_ name: String) throws(CommandError) -> ServiceRequest {
        guard let mode = mib.mode(named: name) else {
            throw CommandError("unknown mode \"\(name)\"; valid: \(mib.modes.map(\.name).joined(separator: ", "))")
        }
        guard let function = mib.function(Self.setModeFunction), let argument = function.arguments.first(where: { $0.name == Self.modeArgument }) else {
            throw CommandError("the mission database has no function \(Self.setModeFunction) with argument \(Self.modeArgument)")
        }
        let request = FunctionRequest(functionID: function.id, arguments: [FunctionArgument(id: argument.id, value: Self.integerValue(mode.value))])
        return ServiceRequest(request, summary: "TC[8,1] \(function.name) \(argument.name)=\(mode.name)")
    }

    /// `function NAME-or-ID ARG=VALUE…`: TC[8,1].
    ///
    /// Arguments are named or given by ID; integer arguments named `mode`, `channel`, `device`
    /// and `monitor` also take the database's names for them.
    public func function(_ nameOrID: String, arguments words: [String]) throws(CommandError) -> ServiceRequest {
        guard let function = mib.function(nameOrID) else {
            throw CommandError("unknown function \"\(nameOrID)\"\(suggestion(nameOrID, in: mib.functions.map(\.name))); valid: \(functionList)")
        }
        let declared = function.arguments.map { "\($0.name)" + ($0.required ? "" : "?") + ":\($0.type)" }.joined(separator: ", ")
        let validArguments = declared.isEmpty ? "it takes no arguments" : "arguments of \(function.name): \(declared)"
        var arguments: [FunctionArgument] = []
        var summary = "TC[8,1] \(function.name)"
        for word in words {
            guard let equals = word.firstIndex(of: "="), equals != word.startIndex else {
                throw CommandError("argument \"\(word)\" is not ARG=VALUE; \(validArguments)")
            }
            let key = String(word[..<equals])
            let text = String(word[word.index(after: equals)...])
            let argument =
                function.arguments.first { $0.name == key }
                ?? parseInteger(key).flatMap { id in function.arguments.first { Int($0.id) == id } }
            guard let argument else { throw CommandError("unknown argument \"\(key)\" for \(function.name); \(validArguments)") }
            guard !arguments.contains(where: { $0.id == argument.id }) else { throw CommandError("argument \(argument.name) given twice") }
            arguments.append(FunctionArgument(id: argument.id, value: try argumentValue(argument, text, function: function)))
            summary += " \(argument.name)=\(text)"
        }
        let missing = function.arguments.filter { argument in argument.required && !arguments.contains { $0.id == argument.id } }
        guard missing.isEmpty else {
            throw CommandError("\(function.name) needs \(missing.map(\.name).joined(separator: ", ")); \(validArguments)")
        }
        return ServiceRequest(FunctionRequest(functionID: function.id, arguments: arguments), summary: summary)
    }

    /// `hk-interval STRUCTURE SECONDS`: TC[3,31] with the interval in milliseconds.
    public func housekeepingInterval(_ name: String, seconds text: String) throws(CommandError) -> ServiceRequest {
        let structure = try structure(name)
        guard let seconds = Double(text), seconds.isFinite, seconds > 0, seconds * 1000 <= Double(UInt32.max) else {
            throw CommandError("interval \"\(text)\" is not a positive number of seconds")
        }
        let milliseconds = (seconds * 1000).rounded()
        guard abs(milliseconds - seconds * 1000) < 1e-6 else { throw CommandError("interval \(text) s is not a whole number of milliseconds") }
        if let period = mib.housekeepingPeriodMilliseconds, Int(milliseconds) % period != 0 {
            throw CommandError("interval \(text) s is not a whole multiple of the housekeeping period (\(period) ms)")
        }
        let interval = CollectionInterval(structureID: structure.id, milliseconds: UInt32(milliseconds))
        return ServiceRequest(HousekeepingRequest.modifyCollectionInterval([interval]), summary: "TC[3,31] \(structure.name) every \(text) s")
    }

    /// `param set NAME VALUE`: TC[20,3] with the value in the parameter's wire type.
    public func parameterSet(_ name: String, value text: String) throws(CommandError) -> ServiceRequest {
        let tunable = mib.parameters.filter(\.tunable).map(\.name)
        guard let parameter = mib.parameter(named: name) ?? parseInteger(name).flatMap({ UInt16(exactly: $0) }).flatMap({ mib.parameter(id: $0) }) else {
            throw CommandError("unknown parameter \"\(name)\"\(suggestion(name, in: mib.parameters.map(\.name))); tunable parameters: \(list(tunable))")
        }
        guard parameter.tunable else {
            throw CommandError("parameter \(parameter.name) is not tunable; tunable parameters: \(list(tunable))")
        }
        let value = try Self.value(text, as: parameter.type, for: parameter.name)
        if let range = parameter.range, !range.contains(value.doubleValue) {
            throw CommandError("\(text) is outside the range of \(parameter.name): \(range.lowerBound)…\(range.upperBound) \(parameter.unit)")
        }
        let message = ParameterManagementMessage.set([ParameterAssignment(id: parameter.id, value: value)])
        return ServiceRequest(message, summary: "TC[20,3] \(parameter.name)=\(text)")
    }

    /// `param get NAME…`: TC[20,1]; the reply is TM[20,2].
    public func parameterGet(_ names: [String]) throws(CommandError) -> ServiceRequest {
        guard names.count <= mib.itemsPerRequest else { throw CommandError("at most \(mib.itemsPerRequest) parameters per request") }
        var ids: [UInt16] = []
        for name in names {
            guard let parameter = mib.parameter(named: name) ?? parseInteger(name).flatMap({ UInt16(exactly: $0) }).flatMap({ mib.parameter(id: $0) }) else {
                throw CommandError("unknown parameter \"\(name)\"\(suggestion(name, in: mib.parameters.map(\.name))); parameters: \(list(mib.parameters.map(\.name)))")
            }
            ids.append(parameter.id)
        }
        return ServiceRequest(ParameterManagementMessage.reportRequest(ids), expectedReply: .parameterReport, summary: "TC[20,1] \(names.joined(separator: " "))")
    }

    // MARK: Names

    /// A housekeeping structure by name or ID.
    public func structure(_ name: String) throws(CommandError) -> MIBStructure {
        guard let structure = mib.structure(name) else {
            let valid = mib.structures.map { "\($0.name) (\($0.id))" }.joined(separator: ", ")
            throw CommandError("unknown housekeeping structure \"\(name)\"\(suggestion(name, in: mib.structures.map(\.name))); valid: \(valid)")
        }
        return structure
    }

    /// An event by name or ID.
    public func event(_ name: String) throws(CommandError) -> MIBEvent {
        guard let event = mib.event(name) else {
            throw CommandError("unknown event \"\(name)\"\(suggestion(name, in: mib.events.map(\.name))); valid: \(list(mib.events.map(\.name)))")
        }
        return event
    }

    private var functionList: String { mib.functions.map { "\($0.name) (\($0.id))" }.joined(separator: ", ") }

    private func expectCount(_ words: [String], _ count: Int, usage: String) throws(CommandError) {
        guard words.count == count else { throw CommandError("usage: \(usage)") }
    }

    private func argumentValue(_ argument: MIBFunctionArgument, _ text: String, function: MIBFunction) throws(CommandError) -> ParameterValue {
        if argument.type == "bool" {
            guard let flag = Self.bool(text) else { throw CommandError("\(function.name) \(argument.name) is a bool: true/false, on/off, 1/0") }
            return .bool(flag)
        }
        if let number = parseInteger(text) {
            guard number >= Int(Int32.min), number <= Int(UInt32.max) else { throw CommandError("\(argument.name)=\(text) is out of the 32-bit range") }
            return Self.integerValue(number)
        }
        // Names the database gives for integer indices.
        let choices: [(String, Int)]
        switch argument.name {
        case "mode": choices = mib.modes.map { ($0.name, $0.value) }
        case "channel": choices = mib.channels.filter { function.name != "load_switch" || $0.loadSwitch }.map { ($0.name, $0.index) }
        case "device": choices = mib.devices.filter { function.name != "device_reset" || $0.resettable }.map { ($0.name, $0.index) }
        case "monitor": choices = mib.monitors.map { ($0.name, $0.index) }
        default: choices = []
        }
        if let match = choices.first(where: { $0.0.caseInsensitiveCompare(text) == .orderedSame }) {
            return Self.integerValue(match.1)
        }
        let valid = choices.isEmpty ? "an integer" : "an integer or one of: \(choices.map(\.0).joined(separator: ", "))"
        throw CommandError("\(function.name) \(argument.name)=\(text): expected \(valid)")
    }

    /// The smallest integer type that holds `value` (any integer tag is accepted onboard).
    static func integerValue(_ value: Int) -> ParameterValue {
        if value >= 0 {
            if value <= Int(UInt8.max) { return .u8(UInt8(value)) }
            if value <= Int(UInt16.max) { return .u16(UInt16(value)) }
            return .u32(UInt32(truncatingIfNeeded: value))
        }
        if value >= Int(Int16.min) { return .i16(Int16(value)) }
        return .i32(Int32(truncatingIfNeeded: value))
    }

    static func bool(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "true", "on", "1", "yes": true
        case "false", "off", "0", "no": false
        default: nil
        }
    }

    /// `text` as a value of `type`.
    /// - Throws: ``CommandError`` when it is not a number of that type or out of its range.
    static func value(_ text: String, as type: ParameterType, for name: String) throws(CommandError) -> ParameterValue {
        func integer<T: FixedWidthInteger>(_: T.Type) throws(CommandError) -> T {
            guard let number = parseInteger(text), let value = T(exactly: number) else {
                throw CommandError("\(name) is \(type): \"\(text)\" is not an integer in \(T.min)…\(T.max)")
            }
            return value
        }
        switch type {
        case .bool:
            guard let flag = bool(text) else { throw CommandError("\(name) is a bool: true/false, on/off, 1/0") }
            return .bool(flag)
        case .u8: return .u8(try integer(UInt8.self))
        case .u16: return .u16(try integer(UInt16.self))
        case .u32: return .u32(try integer(UInt32.self))
        case .i16: return .i16(try integer(Int16.self))
        case .i32: return .i32(try integer(Int32.self))
        case .f32, .f64:
            guard let number = Double(text), number.isFinite else { throw CommandError("\(name) is \(type): \"\(text)\" is not a finite number") }
            if type == .f32 {
                guard abs(number) <= Double(Float.greatestFiniteMagnitude) else { throw CommandError("\(name) is f32: \(text) is out of range") }
                return .f32(Float(number))
            }
            return .f64(number)
        }
    }

    /// ` (did you mean "x"?)` for a close name, else "".
    func suggestion(_ name: String, in names: [String]) -> String {
        let lowered = name.lowercased()
        if lowered.count >= 3, let extended = names.filter({ $0.lowercased().hasPrefix(lowered) }).min(by: { $0.count < $1.count }) {
            return " (did you mean \"\(extended)\"?)"
        }
        let close = names.map { ($0, editDistance($0.lowercased(), name.lowercased())) }.filter { $0.1 <= max(2, name.count / 4) }.min { $0.1 < $1.1 }
        return close.map { " (did you mean \"\($0.0)\"?)" } ?? ""
    }

    /// Up to 60 names, then how many more.
    private func list(_ names: [String]) -> String {
        guard !names.isEmpty else { return "(none)" }
        let shown = names.prefix(60).joined(separator: ", ")
        return names.count > 60 ? shown + ", … (\(names.count - 60) more in the mission database)" : shown
    }
}

/// How telecommands are framed for the uplink.
public struct UplinkFraming: Sendable, Hashable {
    public var spacecraftID: UInt16
    /// TC virtual channel (default 0).
    public var virtualChannel: UInt8
    /// MAP ID of the segment header (default 0).
    public var mapID: UInt8
    /// Type-BD (expedited, the default) or type-AD (sequence-controlled by FARM-1).
    public var frameType: TCFrameType

    public init(spacecraftID: UInt16, virtualChannel: UInt8 = 0, mapID: UInt8 = 0, frameType: TCFrameType = .bd) {
        self.spacecraftID = spacecraftID
        self.virtualChannel = virtualChannel
        self.mapID = mapID
        self.frameType = frameType
    }

    /// The TC transfer frame carrying `telecommand`.
    ///
    /// - Parameter sequenceNumber: N(S); for type-AD frames the FARM's V(R), i.e. the report
    ///   value N(R) of the last CLCW for this virtual channel. Ignored by FARM-1 for type-BD.
    /// - Throws: ``CommandError`` when the packet does not fit a TC frame (1024 octets) or a
    ///   field is out of range.
    public func frame(_ telecommand: PUSTelecommand, sequenceNumber: UInt8 = 0) throws(CommandError) -> [UInt8] {
        try transferFrame(telecommand, sequenceNumber: sequenceNumber).encoded
    }

    /// The TC transfer frame carrying `telecommand`, not yet encoded (``UplinkProtection`` secures it).
    /// - Throws: ``CommandError`` as ``frame(_:sequenceNumber:)``.
    public func transferFrame(_ telecommand: PUSTelecommand, sequenceNumber: UInt8 = 0) throws(CommandError) -> TCFrame {
        guard spacecraftID <= 0x3FF, virtualChannel <= 0x3F, mapID <= 0x3F else {
            throw CommandError("TC frame fields out of range: SCID \(spacecraftID) (≤ 1023), VC \(virtualChannel) (≤ 63), MAP \(mapID) (≤ 63)")
        }
        guard frameType != .bc else { throw CommandError("a telecommand packet goes in a type-AD or type-BD frame, not BC") }
        let packet = telecommand.encoded
        let frame = TCFrame(type: frameType, spacecraftID: spacecraftID, virtualChannel: virtualChannel, sequenceNumber: sequenceNumber, mapID: mapID, data: packet)
        guard frame.length <= TCFrame.maximumLength else {
            throw CommandError("telecommand of \(packet.count) octets does not fit in a TC frame (at most \(TCFrame.maximumLength - 8))")
        }
        return frame
    }

    /// The sequence number for the next type-AD frame on this virtual channel: N(R) of its last CLCW.
    public func adSequenceNumber(from link: LinkStatus) -> UInt8? {
        link.clcwByVirtualChannel[virtualChannel]?.reportValue
    }
}
