import SpaceLink

/// The mission information base: everything the ground console needs to command the vehicle
/// and decode its telemetry, as one JSON document (schema in docs/telecommands.md).
///
/// Built from the topology and the services' configuration; deterministic (same vehicle, same
/// octets), so it can be diffed and versioned with the configuration.
public struct MissionDatabase: Sendable {
    /// Version of the document's schema; bumped on incompatible changes.
    public static let schemaVersion = 1

    public let document: JSONText

    init(vehicle: String, telemetry: TelemetryConfiguration, directory: ServiceDirectory, monitorParameters: [String]) {
        func range(_ definition: ParameterDefinition) -> JSONText {
            guard let range = definition.range else { return .null }
            return .array([.number(range.lowerBound), .number(range.upperBound)])
        }
        let parameters: [JSONText] = directory.parameters.map { definition in
            .object([
                ("id", .int(definition.id.rawValue)),
                ("name", .string(definition.name)),
                ("unit", .string(definition.unit)),
                ("type", .string(definition.type.rawValue)),
                ("tag", .int(definition.type.wireType.rawValue)),
                ("tunable", .bool(definition.tunable)),
                ("range", range(definition)),
            ])
        }
        let periodMilliseconds = directory.housekeepingPeriod.nanoseconds / 1_000_000
        let structures: [JSONText] = directory.structures.map { structure in
            .object([
                ("id", .int(structure.id)),
                ("name", .string(structure.name)),
                ("interval_ms", .int(Int64(structure.intervalCycles) * periodMilliseconds)),
                ("enabled", .bool(structure.enabled)),
                ("parameters", .array(structure.parameterIDs.map { .int($0.rawValue) })),
            ])
        }
        let events: [JSONText] = directory.events.map { event in
            .object([
                ("id", .int(event.id.rawValue)),
                ("name", .string(event.name)),
                ("severity", .string(event.severity.description)),
                ("subtype", .int(event.severity.rawValue)),
                ("arguments", .array(event.arguments.map { .string($0) })),
                // What each argument's value names, for the ground to show names, not numbers.
                ("argument_kinds", .array(event.arguments.map { Self.kind(ofArgument: $0).map { .string($0) } ?? .null })),
                ("summary", .string(event.summary)),
            ])
        }
        let functions: [JSONText] = FunctionCatalog.all.map { function in
            .object([
                ("id", .int(function.id)),
                ("name", .string(function.name)),
                ("summary", .string(function.summary)),
                (
                    "arguments",
                    .array(
                        function.arguments.map { argument in
                            .object([
                                ("id", .int(argument.id)),
                                ("name", .string(argument.name)),
                                ("type", .string(argument.type)),
                                ("required", .bool(argument.required)),
                                ("summary", .string(argument.summary)),
                            ])
                        })
                ),
            ])
        }
        let channels: [JSONText] = directory.channels.map { channel in
            .object([
                ("index", .int(channel.index)),
                ("name", .string(channel.name)),
                ("device", .string(channel.device)),
                ("role", channel.role.map { .string($0) } ?? .null),
                ("load_switch", .bool(channel.isLoadSwitch)),
            ])
        }
        let devices: [JSONText] = directory.devices.map { device in
            .object([
                ("index", .int(device.index)),
                ("name", .string(device.name)),
                ("driver", .string(device.driver)),
                ("resettable", .bool(device.sampled)),
            ])
        }
        let monitors: [JSONText] = directory.monitors.enumerated().map { index, name in
            .object([
                ("index", .int(index)),
                ("name", .string(name)),
                ("parameter", index < monitorParameters.count ? .string(monitorParameters[index]) : .null),
            ])
        }
        let eventActions: [JSONText] = directory.eventActions.enumerated().map { index, entry in
            .object([
                ("index", .int(index)),
                ("trigger", .string(Self.describe(entry.trigger, argument: entry.argument))),
                ("action", .string(Self.describe(entry.action))),
                ("enabled", .bool(entry.enabled)),
            ])
        }
        let modes: [JSONText] = VehicleMode.allCases.map { mode in
            .object([("value", .int(mode.rawValue)), ("name", .string(mode.description))])
        }
        let modeReasons: [JSONText] = ModeReason.allCases.map { reason in
            .object([("value", .int(reason.rawValue)), ("name", .string(reason.description))])
        }
        let monitorStates: [JSONText] = MonitorState.allCases.map { state in
            .object([("value", .int(state.rawValue)), ("name", .string(state.description))])
        }
        let failureCodes: [JSONText] =
            VerificationFailureCode.allCases.map { code in
                .object([("code", .int(code.rawValue)), ("name", .string(Self.name(of: code)))])
            }
            + ScheduleFailure.names.sorted { $0.key < $1.key }.map { code, name in .object([("code", .int(code)), ("name", .string(name))]) }
        let types: [JSONText] = SpaceLink.ParameterType.allCases.map { type in
            .object([("tag", .int(type.rawValue)), ("name", .string(Self.name(of: type))), ("octets", .int(type.width))])
        }
        document = .object([
            ("schema", .string("iost-mission-database")),
            ("schema_version", .int(Self.schemaVersion)),
            ("vehicle", .string(vehicle)),
            ("apid", .int(telemetry.apid)),
            ("spacecraft_id", .int(telemetry.spacecraftID)),
            ("pus_version", .int(pusCVersion)),
            ("destination_id", .int(telemetry.destinationID)),
            (
                "time",
                .object([
                    ("code", .string("CUC")),
                    ("coarse_octets", .int(4)),
                    ("fine_octets", .int(2)),
                    ("p_field", telemetry.timeFormat == .cucWithPField ? .int(CUCTime.pField) : .null),
                    ("epoch", .string("1958-01-01T00:00:00 TAI")),
                    ("utc_tai_offset_s", .int(telemetry.utcToTAIOffset)),
                ])
            ),
            (
                "limits",
                .object([
                    ("items_per_request", .int(ServiceCommand.maximumItems)),
                    ("parameters_per_structure", .int(HousekeepingService.maximumParameters)),
                    ("hk_period_ms", .int(periodMilliseconds)),
                    ("hk_max_interval_ms", .int(HousekeepingService.maximumIntervalMilliseconds)),
                ])
            ),
            ("types", .array(types)),
            ("modes", .array(modes)),
            ("mode_reasons", .array(modeReasons)),
            ("monitor_states", .array(monitorStates)),
            ("failure_codes", .array(failureCodes)),
            ("parameters", .array(parameters)),
            ("housekeeping", .array(structures)),
            ("events", .array(events)),
            ("functions", .array(functions)),
            ("channels", .array(channels)),
            ("devices", .array(devices)),
            ("monitors", .array(monitors)),
            ("event_actions", .array(eventActions)),
            ("stores", .array(directory.storeNames.enumerated().map { .object([("id", .int($0.offset + 1)), ("name", .string($0.element))]) })),
        ])
    }

    /// The document as pretty-printed JSON text (two-space indent, trailing newline).
    public var json: String { document.rendered(pretty: true) }

    // MARK: Names

    static func name(of code: VerificationFailureCode) -> String {
        switch code {
        case .badCRC: return "bad_crc"
        case .badAPID: return "bad_apid"
        case .badLength: return "bad_length"
        case .unknownMessageType: return "unknown_message_type"
        case .badArgument: return "bad_argument"
        case .queueFull: return "queue_full"
        case .executionFailed: return "execution_failed"
        case .notAllowedInMode: return "not_allowed_in_mode"
        case .badHeader: return "bad_header"
        case .timeout: return "timeout"
        case .busy: return "busy"
        case .constraintViolated: return "constraint_violated"
        }
    }

    /// The table an event argument's value indexes, by the argument's meaning: `mode`,
    /// `mode_reason`, `monitor`, `monitor_state`, `device`, `event_action`; `nil` for a quantity.
    static func kind(ofArgument meaning: String) -> String? {
        switch meaning {
        case "from mode", "to mode", "current mode", "requested mode": return "mode"
        case "reason": return "mode_reason"
        case "monitor index": return "monitor"
        case "new state": return "monitor_state"
        case "device index": return "device"
        case "entry index": return "event_action"
        default: return nil
        }
    }

    static func name(of type: SpaceLink.ParameterType) -> String {
        switch type {
        case .u8: return "u8"
        case .u16: return "u16"
        case .u32: return "u32"
        case .i16: return "i16"
        case .i32: return "i32"
        case .f32: return "f32"
        case .f64: return "f64"
        case .bool: return "bool"
        }
    }

    static func describe(_ trigger: EventActionTrigger, argument: Double?) -> String {
        let base: String
        switch trigger {
        case .eventNamed(let name): base = "event \(name)"
        case .eventID(let id): base = "event \(id)"
        case .monitor(let name, let states): base = "monitor \(name) states 0x\(String(states.rawValue, radix: 16))"
        }
        guard let argument else { return base }
        return base + " argument \(JSONText.number(argument))"
    }

    static func describe(_ action: EventAction) -> String {
        switch action {
        case .setMode(let mode): return "set_mode \(mode)"
        case .shedLoad(let channel): return "shed_load \(channel)"
        case .scrubberMax: return "scrubber_max"
        case .crewAlarm: return "crew_alarm"
        case .powerCycle(let channel, let offTime): return "power_cycle \(channel) off \(offTime)"
        case .recoverDevice(let device): return "recover_device \(device ?? "(event argument)")"
        case .telecommand: return "telecommand"
        }
    }
}
