import Foundation
import SpaceLink

/// Decoded packets as JSON, one object per line, for scripts (`iost-ground --json`).
///
/// Members: `service`, `subtype`, `apid`, `seq`, `counter`, `time` (UTC, ISO 8601), `kind`,
/// then per kind: `structure`, `structure_id`, `values` {name: value} (housekeeping);
/// `event`, `event_id`, `severity`, `args` {name: value} (events); `request` {apid, seq},
/// `outcome`, `stage`, `failure_code`, `failure_name`, `failure_data` (verification);
/// `values` (parameter reports); `data` (hex) otherwise. Non-finite numbers are `null`.
public enum PacketJSON {
    /// The packet as a JSON-compatible dictionary.
    public static func object(_ packet: DecodedPacket, mib: MissionInformationBase) -> [String: Any] {
        var object: [String: Any] = [
            "service": Int(packet.messageType.service),
            "subtype": Int(packet.messageType.subtype),
            "apid": Int(packet.apid),
            "seq": Int(packet.sequenceCount),
            "counter": Int(packet.messageTypeCounter),
            "time": UTCText.iso8601(packet.time, utcToTAIOffset: mib.utcToTAIOffset),
        ]
        switch packet.content {
        case .housekeeping(let id, let name, let values):
            object["kind"] = "housekeeping"
            object["structure"] = name
            object["structure_id"] = Int(id)
            object["values"] = dictionary(values)
        case .event(let event):
            object["kind"] = "event"
            object["event"] = event.name ?? NSNull()
            object["event_id"] = Int(event.id)
            object["severity"] = event.severityName
            var arguments: [String: Any] = [:]
            for argument in event.arguments { arguments[argument.name] = number(argument.value) }
            var names: [String: Any] = [:]
            for (index, argument) in event.arguments.enumerated() where index < event.valueNames.count {
                if let name = event.valueNames[index] { names[argument.name] = name }
            }
            if !names.isEmpty { object["arg_names"] = names }
            object["args"] = arguments
            if !event.undecodedAuxiliaryData.isEmpty { object["data"] = hex(event.undecodedAuxiliaryData) }
        case .verification(let report):
            object["kind"] = "verification"
            object["request"] = ["apid": Int(report.requestID.apid), "seq": Int(report.requestID.sequenceCount)]
            let outcome = VerificationOutcome(report, mib: mib)
            switch outcome {
            case .accepted: object["outcome"] = "accepted"
            case .started: object["outcome"] = "started"
            case .progressed(let step):
                object["outcome"] = "progress"
                object["step"] = Int(step)
            case .completed: object["outcome"] = "completed"
            case .failed(let stage, let code, let name, let data, let detail):
                object["outcome"] = "failed"
                object["stage"] = stage.rawValue
                object["failure_code"] = Int(code)
                object["failure_name"] = name ?? NSNull()
                if !data.isEmpty { object["failure_data"] = hex(data) }
                if let detail { object["failure_detail"] = detail }
            }
        case .schedule(let report):
            object["kind"] = "schedule_report"
            object["lines"] = ScheduleListing.lines(report)
        case .storage(let report):
            object["kind"] = "storage_report"
            object["lines"] = StoreListing.lines(report, mib: mib)
        case .monitoring(let report):
            object["kind"] = "monitoring_report"
            object["lines"] = MonitoringListing.lines(report, mib: mib)
        case .eventActionStatus(let entries):
            object["kind"] = "event_action_report"
            object["lines"] = MonitoringListing.lines(eventActions: entries, mib: mib)
        case .connectionTestReport:
            object["kind"] = "connection_test"
        case .parameterReport(let values):
            object["kind"] = "parameter_report"
            object["values"] = dictionary(values)
        case .unknown(let data):
            object["kind"] = "unknown"
            object["data"] = hex(data)
        case .undecodable(let reason, let data):
            object["kind"] = "undecodable"
            object["error"] = reason
            object["data"] = hex(data)
        }
        return object
    }

    /// The packet as one line of JSON with sorted keys (no trailing newline).
    public static func line(_ packet: DecodedPacket, mib: MissionInformationBase) -> String {
        let object = object(packet, mib: mib)
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]),
            let text = String(data: data, encoding: .utf8)
        else {
            return "{\"kind\":\"unencodable\"}"
        }
        return text
    }

    /// A parameter value as JSON: bools as booleans, non-finite floats as null.
    public static func value(_ value: ParameterValue) -> Any {
        switch value {
        case .bool(let flag): return flag
        case .u8(let v): return Int(v)
        case .u16(let v): return Int(v)
        case .u32(let v): return Int(v)
        case .i16(let v): return Int(v)
        case .i32(let v): return Int(v)
        case .f32(let v): return number(Double(v))
        case .f64(let v): return number(v)
        }
    }

    private static func number(_ value: Double) -> Any { value.isFinite ? value : NSNull() }

    private static func dictionary(_ values: [NamedValue]) -> [String: Any] {
        var result: [String: Any] = [:]
        for item in values { result[item.name] = value(item.value) }
        return result
    }

    static func hex(_ bytes: [UInt8]) -> String { bytes.map(hexByte).joined() }
}
