import SpaceLink

extension CommandParser {
    /// `pmon …`: ST[12] parameter monitoring. PMON is a definition's PMON ID (decimal or 0x…:
    /// a configured monitor's `pmon_id`, by default its position from 1); PARAM a parameter name
    /// or ID; EVENT an event name or ID from the mission range 0x0480–0x04FF.
    ///
    /// ```
    /// pmon add PMON PARAM limit LOW HIGH [OPTIONS]        TC[12,5] (added disabled)
    /// pmon add PMON PARAM delta LOW HIGH N [OPTIONS]      TC[12,5]: the mean of N changes per check
    /// pmon add PMON PARAM expect VALUE [MASK] [OPTIONS]   TC[12,5]: value & MASK == VALUE & MASK
    /// pmon modify PMON PARAM limit|delta|expect …         TC[12,7] (no --every)
    ///   OPTIONS: --every MS (the monitoring group's period, 1000 by default), --repeat N (1),
    ///            --low-event EVENT, --high-event EVENT (for expect: --low-event)
    /// pmon enable|disable|delete PMON…                    TC[12,1] / TC[12,2] / TC[12,6]
    /// pmon list [PMON…]                                   TC[12,8] → TM[12,9] (none named: every one)
    /// pmon status                                         TC[12,13] → TM[12,14]
    /// pmon transitions                                    TC[12,11] → TM[12,12]
    /// ```
    public func monitoring(_ words: [String]) throws(CommandError) -> ServiceRequest {
        let usage =
            "pmon add|modify PMON PARAM limit LOW HIGH | delta LOW HIGH N | expect VALUE [MASK] [--every MS] [--repeat N] [--low-event EVENT] [--high-event EVENT] | pmon enable|disable|delete PMON… | pmon list [PMON…] | pmon status | pmon transitions"
        guard let action = words.first else { throw CommandError("usage: \(usage)") }
        let rest = Array(words.dropFirst())
        switch action {
        case "add", "modify":
            let definition = try monitoringDefinition(rest, add: action == "add")
            let message: MonitoringRequest = action == "add" ? .add(definition) : .modify(definition)
            return ServiceRequest(
                message, summary: "TC[12,\(message.messageType.subtype)] \(action) PMON \(definition.pmonID) on \(parameterName(definition.parameterID))")
        case "enable", "disable", "delete":
            guard !rest.isEmpty else { throw CommandError("usage: pmon \(action) PMON…") }
            let ids = try rest.map { text throws(CommandError) -> UInt16 in try Self.pmonID(text) }
            let message: MonitoringRequest = action == "enable" ? .enable(ids) : action == "disable" ? .disable(ids) : .delete(ids)
            return ServiceRequest(message, summary: "TC[12,\(message.messageType.subtype)] \(action) PMON \(ids.map(String.init).joined(separator: ", "))")
        case "list":
            let ids = try rest.map { text throws(CommandError) -> UInt16 in try Self.pmonID(text) }
            return ServiceRequest(
                MonitoringRequest.reportDefinitions(ids), expectedReply: .monitoringReport(.monitoringDefinitionReport),
                summary: "TC[12,8] report \(ids.isEmpty ? "every definition" : "PMON " + ids.map(String.init).joined(separator: ", "))")
        case "status", "transitions":
            guard rest.isEmpty else { throw CommandError("pmon \(action) takes no arguments") }
            let message: MonitoringRequest = action == "status" ? .reportStatus : .reportTransitions
            let reply: MessageType = action == "status" ? .monitoringStatusReport : .monitoringTransitionReport
            return ServiceRequest(message, expectedReply: .monitoringReport(reply), summary: "TC[12,\(message.messageType.subtype)] pmon \(action)")
        default:
            throw CommandError("unknown pmon action \"\(action)\"; usage: \(usage)")
        }
    }

    /// `ea …`: ST[19] event-action. EVENT is an event name or ID; COMMAND any `send` command
    /// but `ea` itself (its telecommand, with ``embeddedSequenceCount``, is what the event releases).
    ///
    /// ```
    /// ea add EVENT COMMAND…       TC[19,1] (added disabled)
    /// ea enable|disable [EVENT…]  TC[19,4] / TC[19,5] (none named: every definition)
    /// ea delete EVENT…            TC[19,2]
    /// ea delete-all               TC[19,3]
    /// ea status                   TC[19,6] → TM[19,7]
    /// ea on|off                   TC[19,8] / TC[19,9]: the event-action function (off stops every action, safing included)
    /// ```
    public func eventAction(_ words: [String]) throws(CommandError) -> ServiceRequest {
        let usage = "ea add EVENT COMMAND… | ea enable|disable [EVENT…] | ea delete EVENT… | ea delete-all | ea status | ea on|off"
        guard let action = words.first else { throw CommandError("usage: \(usage)") }
        let rest = Array(words.dropFirst())
        func events() throws(CommandError) -> [UInt16] { try rest.map { name throws(CommandError) -> UInt16 in try eventID(name) } }
        switch action {
        case "add":
            guard rest.count >= 2 else { throw CommandError("usage: ea add EVENT COMMAND… (e.g. ea add monitor_alarm_high mode SAFE)") }
            let trigger = try eventID(rest[0])
            guard rest[1] != "ea" else { throw CommandError("an event-action's command cannot itself be an ea command") }
            let inner = try parse(Array(rest.dropFirst()))
            let packet = inner.telecommand(apid: mib.apid, sequenceCount: embeddedSequenceCount).encoded
            guard packet.count <= 256 else { throw CommandError("the command is \(packet.count) octets; an event-action's telecommand is at most 256") }
            return ServiceRequest(
                EventActionRequest.add([(trigger, packet)]),
                summary: "TC[19,1] on \(eventName(trigger)): \(inner.summary) (seq \(embeddedSequenceCount & 0x3FFF))")
        case "enable", "disable":
            let named = try events()
            let message: EventActionRequest = action == "enable" ? .enable(named) : .disable(named)
            return ServiceRequest(
                message, summary: "TC[19,\(message.messageType.subtype)] \(action) \(named.isEmpty ? "every definition" : named.map(eventName).joined(separator: ", "))")
        case "delete":
            let named = try events()
            guard !named.isEmpty else { throw CommandError("usage: ea delete EVENT… (ea delete-all deletes every definition)") }
            return ServiceRequest(EventActionRequest.delete(named), summary: "TC[19,2] delete \(named.map(eventName).joined(separator: ", "))")
        case "delete-all", "status", "on", "off":
            guard rest.isEmpty else { throw CommandError("ea \(action) takes no arguments") }
            switch action {
            case "delete-all": return ServiceRequest(EventActionRequest.deleteAll, summary: "TC[19,3] delete every definition")
            case "status": return ServiceRequest(EventActionRequest.reportStatus, expectedReply: .eventActionReport, summary: "TC[19,6] ea status")
            case "on": return ServiceRequest(EventActionRequest.enableFunction, summary: "TC[19,8] event-action function on")
            default: return ServiceRequest(EventActionRequest.disableFunction, summary: "TC[19,9] event-action function off")
            }
        default:
            throw CommandError("unknown ea action \"\(action)\"; usage: \(usage)")
        }
    }

    private func monitoringDefinition(_ words: [String], add: Bool) throws(CommandError) -> MonitoringDefinition {
        guard words.count >= 3 else { throw CommandError("usage: pmon \(add ? "add" : "modify") PMON PARAM limit|delta|expect …") }
        let pmon = try Self.pmonID(words[0])
        guard let parameter = mib.parameter(named: words[1]) ?? parseInteger(words[1]).flatMap({ UInt16(exactly: $0) }).flatMap(mib.parameter(id:)) else {
            throw CommandError("unknown parameter \"\(words[1])\"\(suggestion(words[1], in: mib.parameters.map(\.name)))")
        }
        var positional: [String] = []
        var every: UInt16 = 1000
        var repetition: UInt8 = 1
        var lowEvent: UInt16 = 0
        var highEvent: UInt16 = 0
        var index = 3
        while index < words.count {
            let word = words[index]
            guard word.hasPrefix("--") else {
                positional.append(word)
                index += 1
                continue
            }
            guard index + 1 < words.count else { throw CommandError("\(word) needs a value") }
            let value = words[index + 1]
            switch word {
            case "--every":
                guard add else { throw CommandError("pmon modify keeps the definition's interval; --every is for pmon add") }
                guard let ms = UInt16(value), ms > 0 else { throw CommandError("--every: milliseconds, 1…65535, found \"\(value)\"") }
                every = ms
            case "--repeat":
                guard let n = UInt8(value), n > 0 else { throw CommandError("--repeat: checks in a row, 1…255, found \"\(value)\"") }
                repetition = n
            case "--low-event": lowEvent = try eventID(value)
            case "--high-event": highEvent = try eventID(value)
            default: throw CommandError("unknown option \(word); valid: --every, --repeat, --low-event, --high-event")
            }
            index += 2
        }
        func number(_ text: String) throws(CommandError) -> Float {
            guard let value = Float(text), value.isFinite else { throw CommandError("\"\(text)\" is not a number") }
            return value
        }
        let check: MonitoringCheck
        switch words[2] {
        case "limit":
            guard positional.count == 2 else { throw CommandError("usage: limit LOW HIGH") }
            check = .limit(low: try number(positional[0]), lowEvent: lowEvent, high: try number(positional[1]), highEvent: highEvent)
        case "delta":
            guard positional.count == 3, let n = UInt8(positional[2]), (1...32).contains(n) else {
                throw CommandError("usage: delta LOW HIGH N (N consecutive changes, 1…32)")
            }
            check = .delta(low: try number(positional[0]), lowEvent: lowEvent, high: try number(positional[1]), highEvent: highEvent, consecutiveDeltas: n)
        case "expect":
            guard (1...2).contains(positional.count), let value = parseInteger(positional[0]).flatMap({ UInt8(exactly: $0) }) else {
                throw CommandError("usage: expect VALUE [MASK] (0…255 each)")
            }
            var mask: UInt8 = 0xFF
            if positional.count == 2 {
                guard let given = parseInteger(positional[1]).flatMap({ UInt8(exactly: $0) }) else { throw CommandError("MASK: 0…255 (or 0x00…0xFF)") }
                mask = given
            }
            guard highEvent == 0 else { throw CommandError("an expected-value check has one event: --low-event") }
            check = .expectedValue(mask: mask, expected: value, event: lowEvent)
        default:
            throw CommandError("unknown check \"\(words[2])\"; valid: limit, delta, expect")
        }
        return MonitoringDefinition(pmonID: pmon, parameterID: parameter.id, intervalMilliseconds: add ? every : 0, repetition: repetition, check: check)
    }

    private func parameterName(_ id: UInt16) -> String { mib.parameter(id: id)?.name ?? "parameter \(id)" }

    /// An event by name, or any ID (decimal or 0x…): the events a TC[12,5] names (0x0480–0x04FF)
    /// are the mission's and need not be in the database.
    private func eventID(_ text: String) throws(CommandError) -> UInt16 {
        if let known = mib.event(text) { return known.id }
        if let value = parseInteger(text), let id = UInt16(exactly: value), id != 0 { return id }
        return try event(text).id // the error names the valid events
    }

    private func eventName(_ id: UInt16) -> String { mib.event(String(id))?.name ?? String(format: "0x%04x", id) }

    static func pmonID(_ text: String) throws(CommandError) -> UInt16 {
        guard let value = parseInteger(text), let id = UInt16(exactly: value) else {
            throw CommandError("\"\(text)\" is not a PMON ID (0…65535, decimal or 0x…)")
        }
        return id
    }
}

/// TM[12,9]/[12,12]/[12,14] and TM[19,7] as lines for the operator.
public enum MonitoringListing {
    static let checkingStatus = ["good", "unchecked", "invalid", "low/unexpected", "high"]

    public static func lines(_ report: MonitoringReport, mib: MissionInformationBase?) -> [String] {
        func parameter(_ id: UInt16) -> String { mib?.parameter(id: id)?.name ?? String(format: "0x%04x", id) }
        func event(_ id: UInt16) -> String { id == 0 ? "-" : mib?.event(String(id))?.name ?? String(format: "0x%04x", id) }
        func status(_ code: UInt8) -> String { Int(code) < checkingStatus.count ? checkingStatus[Int(code)] : "status \(code)" }
        switch report {
        case .definitions(let entries):
            return entries.map { entry in
                let head = "PMON \(entry.pmonID) on \(parameter(entry.parameterID)): \(entry.enabled ? "enabled" : "disabled"), repeat \(entry.repetition), "
                switch entry.check {
                case .limit(let low, let lowEvent, let high, let highEvent)?:
                    return head + "limit \(low) (\(event(lowEvent))) … \(high) (\(event(highEvent)))"
                case .delta(let low, let lowEvent, let high, let highEvent, let n)?:
                    return head + "delta over \(n): \(low) (\(event(lowEvent))) … \(high) (\(event(highEvent)))"
                case .expectedValue(let mask, let expected, let id)?:
                    return head + "expect \(expected) under mask 0x\(String(mask, radix: 16)) (\(event(id)))"
                case nil:
                    return head + "staleness"
                }
            }
        case .transitions(let entries):
            return entries.map { "PMON \($0.pmonID): \(status($0.previous)) → \(status($0.current))" }
        case .status(let entries):
            return entries.map { "PMON \($0.pmonID): \($0.enabled ? "enabled" : "disabled")" }
        }
    }

    public static func lines(eventActions entries: [EventActionStatus], mib: MissionInformationBase?) -> [String] {
        entries.map { entry in
            let name = mib?.event(String(entry.eventID))?.name ?? String(format: "0x%04x", entry.eventID)
            return "\(name) (\(String(format: "0x%04x", entry.eventID))): \(entry.enabled ? "enabled" : "disabled")"
        }
    }
}

/// One entry of TM[19,7].
public struct EventActionStatus: Sendable, Hashable {
    public var eventID: UInt16
    public var enabled: Bool

    public init(eventID: UInt16, enabled: Bool) {
        self.eventID = eventID
        self.enabled = enabled
    }
}
