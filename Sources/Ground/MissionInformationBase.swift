import Foundation
import FrameSecurity
import SpaceLink

/// Why a mission information base document could not be read.
public enum MIBError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file could not be read.
    case unreadable(path: String, reason: String)
    /// The text is not JSON, or its top level is not an object.
    case invalidJSON(String)
    /// The `schema` member names another kind of document.
    case wrongSchema(String)
    /// A required member is absent.
    case missing(path: String)
    /// A member has the wrong JSON type or an out-of-range value.
    case invalid(path: String, expected: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): return "cannot read mission database \(path): \(reason)"
        case .invalidJSON(let reason): return "mission database is not a JSON object: \(reason)"
        case .wrongSchema(let schema): return "not a mission database (schema \"\(schema)\", expected \"\(MissionInformationBase.schemaName)\")"
        case .missing(let path): return "mission database: \(path) is missing"
        case .invalid(let path, let expected): return "mission database: \(path) is not \(expected)"
        }
    }
}

/// An onboard parameter as the mission database describes it.
public struct MIBParameter: Sendable, Hashable {
    /// Parameter ID on the wire (service 3 layout, service 20).
    public var id: UInt16
    /// Dotted name, e.g. `ls.ppo2_kpa`.
    public var name: String
    public var unit: String
    /// Wire type: housekeeping packing and service 20 tag.
    public var type: ParameterType
    /// Settable by TC[20,3] within ``range``.
    public var tunable: Bool
    public var range: ClosedRange<Double>?

    public init(id: UInt16, name: String, unit: String, type: ParameterType, tunable: Bool = false, range: ClosedRange<Double>? = nil) {
        self.id = id
        self.name = name
        self.unit = unit
        self.type = type
        self.tunable = tunable
        self.range = range
    }
}

/// A housekeeping structure: TM[3,25] with this structure ID packs these parameters in order.
public struct MIBStructure: Sendable, Hashable {
    public var id: UInt32
    public var name: String
    /// Collection interval in milliseconds.
    public var intervalMilliseconds: Int
    /// Periodic generation enabled at start.
    public var enabled: Bool
    /// Parameter IDs in report order (`fdir.mode` first).
    public var parameterIDs: [UInt16]

    public init(id: UInt32, name: String, intervalMilliseconds: Int, enabled: Bool, parameterIDs: [UInt16]) {
        self.id = id
        self.name = name
        self.intervalMilliseconds = intervalMilliseconds
        self.enabled = enabled
        self.parameterIDs = parameterIDs
    }
}

/// An event definition: TM[5,subtype] with this event ID.
public struct MIBEvent: Sendable, Hashable {
    public var id: UInt16
    public var name: String
    /// Severity name (`info`, `low`, `medium`, `high`).
    public var severity: String
    /// Report subtype 1…4.
    public var subtype: UInt8
    /// Names of the numeric arguments carried in the auxiliary data, in order.
    public var arguments: [String]
    /// What each argument's value names (`mode`, `mode_reason`, `monitor`, `monitor_state`,
    /// `device`), `nil` for a quantity; parallel to ``arguments`` (may be shorter).
    public var argumentKinds: [String?] = []
    public var summary: String

    public init(id: UInt16, name: String, severity: String, subtype: UInt8, arguments: [String] = [], summary: String = "") {
        self.id = id
        self.name = name
        self.severity = severity
        self.subtype = subtype
        self.arguments = arguments
        self.summary = summary
    }
}

/// One argument of an onboard function.
public struct MIBFunctionArgument: Sendable, Hashable {
    public var id: UInt16
    public var name: String
    /// `integer` (any integer tag) or `bool`.
    public var type: String
    public var required: Bool
    public var summary: String

    public init(id: UInt16, name: String, type: String, required: Bool, summary: String = "") {
        self.id = id
        self.name = name
        self.type = type
        self.required = required
        self.summary = summary
    }
}

/// An onboard function performed by TC[8,1].
public struct MIBFunction: Sendable, Hashable {
    public var id: UInt16
    public var name: String
    public var summary: String
    public var arguments: [MIBFunctionArgument]

    public init(id: UInt16, name: String, summary: String = "", arguments: [MIBFunctionArgument] = []) {
        self.id = id
        self.name = name
        self.summary = summary
        self.arguments = arguments
    }
}

/// An actuator channel (argument of `actuator_command` and `load_switch`).
public struct MIBChannel: Sendable, Hashable {
    public var index: Int
    public var name: String
    public var device: String
    public var role: String?
    public var loadSwitch: Bool

    public init(index: Int, name: String, device: String, role: String?, loadSwitch: Bool) {
        self.index = index
        self.name = name
        self.device = device
        self.role = role
        self.loadSwitch = loadSwitch
    }
}

/// A configured device (argument of `device_reset`).
public struct MIBDevice: Sendable, Hashable {
    public var index: Int
    public var name: String
    public var driver: String
    public var resettable: Bool

    public init(index: Int, name: String, driver: String, resettable: Bool) {
        self.index = index
        self.name = name
        self.driver = driver
        self.resettable = resettable
    }
}

/// A parameter monitor (argument of `monitor_enable`).
/// An onboard packet store: its ST[15] store ID and configured name.
public struct MIBStore: Sendable, Hashable {
    public var id: UInt16
    public var name: String

    public init(id: UInt16, name: String) {
        self.id = id
        self.name = name
    }
}

public struct MIBMonitor: Sendable, Hashable {
    public var index: Int
    public var name: String
    public var parameter: String?

    public init(index: Int, name: String, parameter: String?) {
        self.index = index
        self.name = name
        self.parameter = parameter
    }
}

/// A vehicle mode: value of `fdir.mode` and of `set_mode`'s argument.
public struct MIBMode: Sendable, Hashable {
    public var value: Int
    public var name: String

    public init(value: Int, name: String) {
        self.value = value
        self.name = name
    }
}

/// The mission information base: what the ground needs to command the vehicle and decode its
/// telemetry, read from the JSON document `iostd mib` prints (schema `iost-mission-database`).
///
/// Lookups by name are exact; lookups that accept "name or ID" try the name first.
public struct MissionInformationBase: Sendable {
    /// The `schema` member of a mission database document.
    public static let schemaName = "iost-mission-database"

    public var vehicle: String
    /// APID of the vehicle's application (TM and TC).
    public var apid: UInt16
    /// Spacecraft ID of TM and TC transfer frames.
    public var spacecraftID: UInt16
    /// Layout of the PUS TM time field.
    public var timeFormat: TimeFieldFormat
    /// TAI − UTC in seconds, for turning TM times into UTC.
    public var utcToTAIOffset: Int64
    /// TM transfer frame length, when the document gives it (otherwise the datagram's length is used).
    public var frameLength: Int?
    /// Most items (IDs, assignments) one request may carry.
    public var itemsPerRequest: Int
    /// The hk rate group's period: collection intervals are whole multiples of it.
    public var housekeepingPeriodMilliseconds: Int?

    public var parameters: [MIBParameter]
    public var structures: [MIBStructure]
    public var events: [MIBEvent]
    public var functions: [MIBFunction]
    public var channels: [MIBChannel]
    public var devices: [MIBDevice]
    public var monitors: [MIBMonitor]
    public var modes: [MIBMode]
    /// The packet stores (ST[15]), in store ID order.
    public var stores: [MIBStore] = []
    /// The SDLS security associations of the TC uplink (`uplink_security`): which virtual
    /// channels they protect and where their key files are. Empty: every VC plain.
    public var uplinkSecurity: [MIBSecurityAssociation] = []
    /// Mode-machine reasons (`ModeReason`): value → name.
    public var modeReasons: [Int: String] = [:]
    /// Monitor states: value → name.
    public var monitorStates: [Int: String] = [:]
    /// Verification failure code → name (`bad_argument`, …).
    public var failureCodeNames: [UInt16: String]

    private var parameterByID: [UInt16: Int] = [:]
    private var parameterByName: [String: Int] = [:]

    public init(
        vehicle: String = "", apid: UInt16, spacecraftID: UInt16, timeFormat: TimeFieldFormat = .cucWithPField, utcToTAIOffset: Int64 = CUCTime.defaultUTCToTAIOffset,
        frameLength: Int? = nil, itemsPerRequest: Int = 255, housekeepingPeriodMilliseconds: Int? = nil,
        parameters: [MIBParameter] = [], structures: [MIBStructure] = [], events: [MIBEvent] = [], functions: [MIBFunction] = [],
        channels: [MIBChannel] = [], devices: [MIBDevice] = [], monitors: [MIBMonitor] = [], modes: [MIBMode] = [],
        failureCodeNames: [UInt16: String] = [:]
    ) {
        self.vehicle = vehicle
        self.apid = apid
        self.spacecraftID = spacecraftID
        self.timeFormat = timeFormat
        self.utcToTAIOffset = utcToTAIOffset
        self.frameLength = frameLength
        self.itemsPerRequest = itemsPerRequest
        self.housekeepingPeriodMilliseconds = housekeepingPeriodMilliseconds
        self.parameters = parameters
        self.structures = structures
        self.events = events
        self.functions = functions
        self.channels = channels
        self.devices = devices
        self.monitors = monitors
        self.modes = modes
        self.failureCodeNames = failureCodeNames
        for (index, parameter) in parameters.enumerated() {
            parameterByID[parameter.id] = index
            parameterByName[parameter.name] = index
        }
    }

    // MARK: Lookups

    public func parameter(id: UInt16) -> MIBParameter? { parameterByID[id].map { parameters[$0] } }
    public func parameter(named name: String) -> MIBParameter? { parameterByName[name].map { parameters[$0] } }

    /// A structure by name, or by decimal / `0x` hexadecimal ID.
    public func structure(_ nameOrID: String) -> MIBStructure? {
        if let structure = structures.first(where: { $0.name == nameOrID }) { return structure }
        guard let id = parseInteger(nameOrID), let id32 = UInt32(exactly: id) else { return nil }
        return structure(id: id32)
    }

    public func structure(id: UInt32) -> MIBStructure? { structures.first { $0.id == id } }

    /// An event by name, or by decimal / `0x` hexadecimal ID.
    public func event(_ nameOrID: String) -> MIBEvent? {
        if let event = events.first(where: { $0.name == nameOrID }) { return event }
        guard let id = parseInteger(nameOrID), let id16 = UInt16(exactly: id) else { return nil }
        return event(id: id16)
    }

    public func event(id: UInt16) -> MIBEvent? { events.first { $0.id == id } }

    /// A function by name, or by decimal / `0x` hexadecimal ID.
    public func function(_ nameOrID: String) -> MIBFunction? {
        if let function = functions.first(where: { $0.name == nameOrID }) { return function }
        guard let id = parseInteger(nameOrID), let id16 = UInt16(exactly: id) else { return nil }
        return functions.first { $0.id == id16 }
    }

    /// A mode by name (case-insensitive).
    public func mode(named name: String) -> MIBMode? { modes.first { $0.name.caseInsensitiveCompare(name) == .orderedSame } }

    /// The name of mode `value`, or `nil` if the database has none.
    public func modeName(_ value: Int) -> String? { modes.first { $0.value == value }?.name }

    /// The name of mode-machine reason `value`, or `nil`.
    public func modeReasonName(_ value: Int) -> String? { modeReasons[value] }

    /// The name a value of an argument of `kind` stands for (a mode, a reason, a monitor, its
    /// state, a device), or `nil` when the kind or the value is unknown.
    public func valueName(kind: String, value: Double) -> String? {
        guard value.isFinite, value >= 0, value < 1e9, value == value.rounded() else { return nil }
        let index = Int(value)
        switch kind {
        case "mode": return modeName(index)
        case "mode_reason": return index == 0 ? "none" : modeReasonName(index)
        case "monitor": return monitors.first { $0.index == index }?.name
        case "monitor_state": return monitorStates[index]
        case "device": return devices.first { $0.index == index }?.name
        default: return nil
        }
    }

    /// The name of a verification failure code: the database's, else SpaceLink's, else `nil`.
    public func failureCodeName(_ code: UInt16) -> String? {
        if let name = failureCodeNames[code] { return name }
        return VerificationFailureCode(rawValue: code).map { "\($0)" }
    }

    /// The parameter types of structure `id` in report order, `nil` if the structure or one of
    /// its parameters is unknown.
    public func layout(ofStructure id: UInt32) -> [ParameterType]? {
        guard let structure = structure(id: id) else { return nil }
        var types: [ParameterType] = []
        for parameterID in structure.parameterIDs {
            guard let parameter = parameter(id: parameterID) else { return nil }
            types.append(parameter.type)
        }
        return types
    }
}

// MARK: - Parsing

extension MissionInformationBase {
    /// Reads the document at `path`.
    /// - Throws: ``MIBError``.
    public init(contentsOfFile path: String) throws(MIBError) {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw .unreadable(path: path, reason: error.localizedDescription)
        }
        try self.init(json: data)
    }

    /// Parses a mission database document (schema `iost-mission-database`, version 1).
    ///
    /// Required: `apid`, `spacecraft_id`, `parameters`, `housekeeping`. Every other member is
    /// optional and defaults to empty (or, for the time layout, CUC with P-field and TAI − UTC 37 s).
    /// - Throws: ``MIBError`` naming the first member that is missing or malformed.
    public init(json data: Data) throws(MIBError) {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw .invalidJSON(error.localizedDescription)
        }
        guard let root = object as? [String: Any] else { throw .invalidJSON("top level is not an object") }
        let document = JSONObject(root, path: "")
        if let schema = try document.optionalString("schema"), schema != Self.schemaName { throw .wrongSchema(schema) }

        var timeFormat = TimeFieldFormat.cucWithPField
        var offset = CUCTime.defaultUTCToTAIOffset
        if let time = try document.optionalObject("time") {
            // `p_field` present and null: the P-field is implicit.
            if time.has("p_field") { timeFormat = time.isNull("p_field") ? .cucImplicit : .cucWithPField }
            if let value = try time.optionalInteger("utc_tai_offset_s", in: -1000...1000) { offset = Int64(value) }
        }
        var items = 255
        var period: Int?
        if let limits = try document.optionalObject("limits") {
            items = try limits.optionalInteger("items_per_request", in: 1...255) ?? 255
            period = try limits.optionalInteger("hk_period_ms", in: 1...Int(Int32.max))
        }

        let parameters = try document.array("parameters").map { p throws(MIBError) -> MIBParameter in
            let type: ParameterType
            if let tag = try p.optionalInteger("tag", in: 0...255) {
                guard let known = ParameterType(rawValue: UInt8(tag)) else { throw .invalid(path: p.path + ".tag", expected: "a known type tag (1…8)") }
                type = known
            } else {
                let name = try p.string("type")
                guard let known = ParameterType.allCases.first(where: { "\($0)" == name }) else {
                    throw .invalid(path: p.path + ".type", expected: "one of u8 u16 u32 i16 i32 f32 f64 bool")
                }
                type = known
            }
            var range: ClosedRange<Double>?
            if let bounds = try p.optionalNumbers("range") {
                guard bounds.count == 2, bounds[0] <= bounds[1] else { throw .invalid(path: p.path + ".range", expected: "[low, high] or null") }
                range = bounds[0]...bounds[1]
            }
            return MIBParameter(
                id: UInt16(try p.integer("id", in: 0...0xFFFF)), name: try p.string("name"), unit: try p.optionalString("unit") ?? "",
                type: type, tunable: try p.optionalBool("tunable") ?? false, range: range)
        }
        let structures = try document.array("housekeeping").map { s throws(MIBError) -> MIBStructure in
            MIBStructure(
                id: UInt32(try s.integer("id", in: 0...Int(UInt32.max))), name: try s.string("name"),
                intervalMilliseconds: try s.optionalInteger("interval_ms", in: 0...Int(Int32.max)) ?? 0,
                enabled: try s.optionalBool("enabled") ?? true,
                parameterIDs: try s.integers("parameters", in: 0...0xFFFF).map { UInt16($0) })
        }
        let events = try document.optionalArray("events").map { e throws(MIBError) -> MIBEvent in
            var event = MIBEvent(
                id: UInt16(try e.integer("id", in: 0...0xFFFF)), name: try e.string("name"), severity: try e.optionalString("severity") ?? "",
                subtype: UInt8(try e.optionalInteger("subtype", in: 1...4) ?? 1), arguments: try e.optionalStrings("arguments") ?? [],
                summary: try e.optionalString("summary") ?? "")
            event.argumentKinds = try e.optionalNullableStrings("argument_kinds") ?? []
            return event
        }
        let functions = try document.optionalArray("functions").map { f throws(MIBError) -> MIBFunction in
            let arguments = try f.optionalArray("arguments").map { a throws(MIBError) -> MIBFunctionArgument in
                MIBFunctionArgument(
                    id: UInt16(try a.integer("id", in: 0...0xFFFF)), name: try a.string("name"), type: try a.optionalString("type") ?? "integer",
                    required: try a.optionalBool("required") ?? false, summary: try a.optionalString("summary") ?? "")
            }
            return MIBFunction(id: UInt16(try f.integer("id", in: 0...0xFFFF)), name: try f.string("name"), summary: try f.optionalString("summary") ?? "", arguments: arguments)
        }
        let channels = try document.optionalArray("channels").map { c throws(MIBError) -> MIBChannel in
            MIBChannel(
                index: try c.integer("index", in: 0...Int(Int32.max)), name: try c.string("name"), device: try c.optionalString("device") ?? "",
                role: try c.optionalString("role"), loadSwitch: try c.optionalBool("load_switch") ?? false)
        }
        let devices = try document.optionalArray("devices").map { d throws(MIBError) -> MIBDevice in
            MIBDevice(
                index: try d.integer("index", in: 0...Int(Int32.max)), name: try d.string("name"), driver: try d.optionalString("driver") ?? "",
                resettable: try d.optionalBool("resettable") ?? false)
        }
        let monitors = try document.optionalArray("monitors").map { m throws(MIBError) -> MIBMonitor in
            MIBMonitor(index: try m.integer("index", in: 0...Int(Int32.max)), name: try m.string("name"), parameter: try m.optionalString("parameter"))
        }
        let modes = try document.optionalArray("modes").map { m throws(MIBError) -> MIBMode in
            MIBMode(value: try m.integer("value", in: 0...255), name: try m.string("name"))
        }
        var codes: [UInt16: String] = [:]
        for c in try document.optionalArray("failure_codes") {
            codes[UInt16(try c.integer("code", in: 0...0xFFFF))] = try c.string("name")
        }
        var reasons: [Int: String] = [:]
        for r in try document.optionalArray("mode_reasons") { reasons[try r.integer("value", in: 0...255)] = try r.string("name") }
        var states: [Int: String] = [:]
        for m in try document.optionalArray("monitor_states") { states[try m.integer("value", in: 0...255)] = try m.string("name") }
        self.init(
            vehicle: try document.optionalString("vehicle") ?? "",
            apid: UInt16(try document.integer("apid", in: 0...0x7FE)),
            spacecraftID: UInt16(try document.integer("spacecraft_id", in: 0...0x3FF)),
            timeFormat: timeFormat, utcToTAIOffset: offset,
            frameLength: try document.optionalInteger("frame_length", in: 16...2048),
            itemsPerRequest: items, housekeepingPeriodMilliseconds: period,
            parameters: parameters, structures: structures, events: events, functions: functions,
            channels: channels, devices: devices, monitors: monitors, modes: modes, failureCodeNames: codes)
        modeReasons = reasons
        monitorStates = states
        stores = try document.optionalArray("stores").map { store throws(MIBError) -> MIBStore in
            MIBStore(id: UInt16(try store.integer("id", in: 1...0xFFFF)), name: try store.string("name"))
        }
        uplinkSecurity = try document.optionalArray("uplink_security").map { entry throws(MIBError) -> MIBSecurityAssociation in
            let name = try entry.string("service")
            guard let service = SecurityService(rawValue: name) else {
                throw .invalid(path: "uplink_security.service", expected: SecurityService.allCases.map(\.rawValue).joined(separator: " or "))
            }
            return MIBSecurityAssociation(
                spi: UInt16(try entry.integer("spi", in: 1...0xFFFE)), service: service,
                virtualChannels: try entry.integers("virtual_channels", in: 0...63).map { UInt8($0) }, keyFile: try entry.string("key_file"))
        }
    }
}

/// Typed access to one JSON object, with the member path for error messages.
private struct JSONObject {
    let members: [String: Any]
    let path: String

    init(_ members: [String: Any], path: String) {
        self.members = members
        self.path = path
    }

    private func at(_ key: String) -> String { path.isEmpty ? key : path + "." + key }

    func has(_ key: String) -> Bool { members[key] != nil }
    func isNull(_ key: String) -> Bool { members[key] is NSNull }

    /// The member, `nil` when absent or null.
    private func value(_ key: String) -> Any? {
        guard let value = members[key], !(value is NSNull) else { return nil }
        return value
    }

    func string(_ key: String) throws(MIBError) -> String {
        guard let value = try optionalString(key) else { throw .missing(path: at(key)) }
        return value
    }

    func optionalString(_ key: String) throws(MIBError) -> String? {
        guard let value = value(key) else { return nil }
        guard let string = value as? String else { throw .invalid(path: at(key), expected: "a string") }
        return string
    }

    func optionalBool(_ key: String) throws(MIBError) -> Bool? {
        guard let value = value(key) else { return nil }
        guard let number = value as? NSNumber, Self.isBoolean(number) else { throw .invalid(path: at(key), expected: "true or false") }
        return number.boolValue
    }

    func integer(_ key: String, in range: ClosedRange<Int>) throws(MIBError) -> Int {
        guard let value = try optionalInteger(key, in: range) else { throw .missing(path: at(key)) }
        return value
    }

    func optionalInteger(_ key: String, in range: ClosedRange<Int>) throws(MIBError) -> Int? {
        guard let value = value(key) else { return nil }
        return try Self.integer(value, path: at(key), in: range)
    }

    func integers(_ key: String, in range: ClosedRange<Int>) throws(MIBError) -> [Int] {
        guard let value = value(key) else { throw .missing(path: at(key)) }
        guard let list = value as? [Any] else { throw .invalid(path: at(key), expected: "an array of integers") }
        var result: [Int] = []
        for (index, element) in list.enumerated() {
            result.append(try Self.integer(element, path: "\(at(key))[\(index)]", in: range))
        }
        return result
    }

    func optionalNumbers(_ key: String) throws(MIBError) -> [Double]? {
        guard let value = value(key) else { return nil }
        guard let list = value as? [Any] else { throw .invalid(path: at(key), expected: "an array of numbers") }
        var result: [Double] = []
        for element in list {
            guard let number = element as? NSNumber, !Self.isBoolean(number) else { throw .invalid(path: at(key), expected: "an array of numbers") }
            result.append(number.doubleValue)
        }
        return result
    }

    func optionalStrings(_ key: String) throws(MIBError) -> [String]? {
        guard let value = value(key) else { return nil }
        guard let list = value as? [Any], let strings = list as? [String] else { throw .invalid(path: at(key), expected: "an array of strings") }
        return strings
    }

    /// An array of strings and nulls.
    func optionalNullableStrings(_ key: String) throws(MIBError) -> [String?]? {
        guard let value = value(key) else { return nil }
        guard let list = value as? [Any] else { throw .invalid(path: at(key), expected: "an array of strings or nulls") }
        var strings: [String?] = []
        for item in list {
            if item is NSNull {
                strings.append(nil)
            } else if let text = item as? String {
                strings.append(text)
            } else {
                throw .invalid(path: at(key), expected: "an array of strings or nulls")
            }
        }
        return strings
    }

    func optionalObject(_ key: String) throws(MIBError) -> JSONObject? {
        guard let value = value(key) else { return nil }
        guard let object = value as? [String: Any] else { throw .invalid(path: at(key), expected: "an object") }
        return JSONObject(object, path: at(key))
    }

    func array(_ key: String) throws(MIBError) -> [JSONObject] {
        guard has(key) else { throw .missing(path: at(key)) }
        return try optionalArray(key)
    }

    func optionalArray(_ key: String) throws(MIBError) -> [JSONObject] {
        guard let value = value(key) else { return [] }
        guard let list = value as? [Any] else { throw .invalid(path: at(key), expected: "an array") }
        var result: [JSONObject] = []
        for (index, element) in list.enumerated() {
            guard let object = element as? [String: Any] else { throw .invalid(path: "\(at(key))[\(index)]", expected: "an object") }
            result.append(JSONObject(object, path: "\(at(key))[\(index)]"))
        }
        return result
    }

    private static func integer(_ value: Any, path: String, in range: ClosedRange<Int>) throws(MIBError) -> Int {
        let expected = "an integer in \(range.lowerBound)…\(range.upperBound)"
        guard let number = value as? NSNumber, !isBoolean(number) else { throw .invalid(path: path, expected: expected) }
        let double = number.doubleValue
        guard double.isFinite, double == double.rounded(), abs(double) < 9e15 else { throw .invalid(path: path, expected: expected) }
        let integer = Int(double)
        guard range.contains(integer) else { throw .invalid(path: path, expected: expected) }
        return integer
    }

    /// Whether JSONSerialization produced this number from `true`/`false`.
    private static func isBoolean(_ number: NSNumber) -> Bool {
        #if canImport(Darwin)
            return CFGetTypeID(number) == CFBooleanGetTypeID()
        #else
            return String(cString: number.objCType) == "c"
        #endif
    }
}

/// Parses a decimal or `0x`-prefixed hexadecimal integer.
func parseInteger(_ text: String) -> Int? {
    let lowered = text.lowercased()
    if lowered.hasPrefix("0x") { return Int(lowered.dropFirst(2), radix: 16) }
    if lowered.hasPrefix("-0x") { return Int(lowered.dropFirst(3), radix: 16).map { -$0 } }
    return Int(text)
}
