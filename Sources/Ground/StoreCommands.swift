import SpaceLink

extension CommandParser {
    /// `store …`: ST[15] on the onboard packet stores. STORE is a store's name or ID from the
    /// mission database (`stores`); none named means every store.
    ///
    /// ```
    /// store retrieve --from ISO --to ISO [STORE…]   TC[15,9]: replay the range on VC 1
    /// store summary [STORE…]                        TC[15,12] → TM[15,13]
    /// store status                                  TC[15,18] → TM[15,19]
    /// store config                                  TC[15,22] → TM[15,23]
    /// store enable|disable [STORE…]                 TC[15,1] / TC[15,2]
    /// store resume|suspend [STORE…]                 TC[15,15] / TC[15,16]: open retrieval
    /// store abort [STORE…]                          TC[15,17]: abort a by-time-range retrieval
    /// store delete --to ISO [STORE…]                TC[15,11]
    /// ```
    public func store(_ words: [String]) throws(CommandError) -> ServiceRequest {
        let usage =
            "store retrieve --from ISO --to ISO [STORE…] | store summary|status|config [STORE…] | store enable|disable|resume|suspend|abort [STORE…] | store delete --to ISO [STORE…]"
        guard let action = words.first else { throw CommandError("usage: \(usage)") }
        var from: UInt64?
        var to: UInt64?
        var names: [String] = []
        var index = 1
        while index < words.count {
            let word = words[index]
            if word == "--from" || word == "--to" {
                guard index + 1 < words.count else { throw CommandError("\(word) needs a UTC time, e.g. 2026-12-03T10:00:00Z") }
                let milliseconds = try Self.unixMilliseconds(words[index + 1], option: word)
                if word == "--from" { from = milliseconds } else { to = milliseconds }
                index += 2
            } else {
                names.append(word)
                index += 1
            }
        }
        let stores = try names.map { name throws(CommandError) -> MIBStore in try store(named: name) }
        let ids = stores.map(\.id)
        let label = stores.isEmpty ? "every store" : stores.map(\.name).joined(separator: ", ")
        func noTimes() throws(CommandError) {
            guard from == nil, to == nil else { throw CommandError("store \(action) takes no --from/--to") }
        }
        switch action {
        case "retrieve":
            guard let from, let to else { throw CommandError("usage: store retrieve --from ISO --to ISO [STORE…]") }
            guard from <= to else { throw CommandError("--from is after --to") }
            let targets = ids.isEmpty ? mib.stores.map(\.id) : ids
            guard !targets.isEmpty else { throw CommandError("the mission database names no packet stores") }
            return ServiceRequest(
                StorageRequestMessage.retrieveByTime(targets.map { RetrievalRange(storeID: $0, start: from, end: to) }),
                summary: "TC[15,9] retrieve \(UTCText.iso8601(unixMilliseconds: Int64(from)))…\(UTCText.iso8601(unixMilliseconds: Int64(to))) from \(label)")
        case "delete":
            guard from == nil, let to else { throw CommandError("usage: store delete --to ISO [STORE…]") }
            return ServiceRequest(
                StorageRequestMessage.deleteUpTo(time: to, stores: ids),
                summary: "TC[15,11] delete up to \(UTCText.iso8601(unixMilliseconds: Int64(to))) in \(label)")
        case "summary":
            try noTimes()
            return ServiceRequest(StorageRequestMessage.summary(stores: ids), expectedReply: .storageReport, summary: "TC[15,12] summary of \(label)")
        case "status", "config":
            try noTimes()
            guard names.isEmpty else { throw CommandError("store \(action) reports every store; it takes no store names") }
            let message: StorageRequestMessage = action == "status" ? .status : .configuration
            return ServiceRequest(message, expectedReply: .storageReport, summary: "TC[15,\(message.messageType.subtype)] store \(action)")
        case "enable", "disable", "resume", "suspend", "abort":
            try noTimes()
            let message: StorageRequestMessage =
                switch action {
                case "enable": .enable(stores: ids)
                case "disable": .disable(stores: ids)
                case "resume": .resumeOpenRetrieval(stores: ids)
                case "suspend": .suspendOpenRetrieval(stores: ids)
                default: .abortRetrieveByTime(stores: ids)
                }
            return ServiceRequest(message, summary: "TC[15,\(message.messageType.subtype)] \(action) \(label)")
        default:
            throw CommandError("unknown store action \"\(action)\"; usage: \(usage)")
        }
    }

    /// A store by name or ID.
    func store(named text: String) throws(CommandError) -> MIBStore {
        if let found = mib.stores.first(where: { $0.name == text }) { return found }
        if let id = UInt16(text), let found = mib.stores.first(where: { $0.id == id }) { return found }
        let valid = mib.stores.map { "\($0.name) (\($0.id))" }.joined(separator: ", ")
        throw CommandError("unknown store \"\(text)\"; valid: \(valid.isEmpty ? "none in the mission database" : valid)")
    }

    /// Unix milliseconds of an ISO 8601 UTC time.
    static func unixMilliseconds(_ text: String, option: String) throws(CommandError) -> UInt64 {
        guard let time = ISOTime.parse(text), time.unixSeconds >= 0 else {
            throw CommandError("\(option): expected a UTC time such as 2026-12-03T10:00:00Z or 2026-12-03T10:00:00.250Z, found \"\(text)\"")
        }
        return UInt64(time.unixSeconds) * 1000 + UInt64(time.nanoseconds / 1_000_000)
    }
}

/// TM[15,13]/[15,19]/[15,23] as lines for the operator.
public enum StoreListing {
    public static func lines(_ report: StorageReport, mib: MissionInformationBase?) -> [String] {
        func name(_ id: UInt16) -> String { mib?.stores.first { $0.id == id }.map { "\($0.name) (\(id))" } ?? "store \(id)" }
        func time(_ milliseconds: UInt64) -> String { milliseconds == 0 ? "-" : UTCText.iso8601(unixMilliseconds: Int64(clamping: milliseconds)) }
        switch report {
        case .summary(let entries):
            return entries.map {
                "\(name($0.storeID)): \(time($0.oldest)) … \(time($0.newest)), \($0.fillPercent) % full, open retrieval from \(time($0.openRetrievalStart)) (\($0.fillPercentFromOpenRetrievalStart) % to go)"
            }
        case .status(let entries):
            return entries.map {
                "\(name($0.storeID)): storage \($0.storageEnabled ? "enabled" : "disabled"), open retrieval \($0.openRetrievalInProgress ? "in progress" : "suspended"), by-time retrieval \($0.byTimeRangeRetrievalInProgress ? "in progress" : "idle")"
            }
        case .configuration(let entries):
            return entries.map { "\(name($0.storeID)): \($0.sizeBytes) octets, \($0.bounded ? "bounded" : "circular"), VC \($0.virtualChannel)" }
        }
    }
}
