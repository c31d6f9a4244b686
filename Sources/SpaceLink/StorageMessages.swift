// ST[15] on-board storage and retrieval: application and source data, laid out as the Yamcs PUS
// example mission database has them (examples/pus/src/main/yamcs/mdb/pus15.xml; docs/telecommands.md
// has the tables). Store IDs are u16, N is one octet, and every time is a raw u64 — here
// milliseconds since the Unix epoch, UTC (Yamcs's example leaves the epoch to the mission).
// Several requests take either N store IDs or nothing, which means every store.

extension MessageType {
    public static let storageEnable = MessageType(15, 1)
    public static let storageDisable = MessageType(15, 2)
    public static let storageRetrieveByTime = MessageType(15, 9)
    public static let storageDeleteUpTo = MessageType(15, 11)
    public static let storageSummaryRequest = MessageType(15, 12)
    public static let storageSummaryReport = MessageType(15, 13)
    public static let storageOpenRetrievalStart = MessageType(15, 14)
    public static let storageOpenRetrievalResume = MessageType(15, 15)
    public static let storageOpenRetrievalSuspend = MessageType(15, 16)
    public static let storageRetrieveByTimeAbort = MessageType(15, 17)
    public static let storageStatusRequest = MessageType(15, 18)
    public static let storageStatusReport = MessageType(15, 19)
    public static let storageConfigurationRequest = MessageType(15, 22)
    public static let storageConfigurationReport = MessageType(15, 23)
}

/// One store's range in a TC[15,9].
public struct RetrievalRange: Sendable, Hashable {
    public var storeID: UInt16
    /// Inclusive, Unix milliseconds (UTC).
    public var start: UInt64
    public var end: UInt64

    public init(storeID: UInt16, start: UInt64, end: UInt64) {
        self.storeID = storeID
        self.start = start
        self.end = end
    }
}

/// A TC[15,x] request. `stores` empty means every store.
public enum StorageRequestMessage: ServiceMessage {
    /// TC[15,1]/[15,2]: `[N, store IDs]` or nothing.
    case enable(stores: [UInt16])
    case disable(stores: [UInt16])
    /// TC[15,9]: `N, N × {store ID u16, start u64, end u64}`.
    case retrieveByTime([RetrievalRange])
    /// TC[15,11]: `time limit u64, [N, store IDs]`.
    case deleteUpTo(time: UInt64, stores: [UInt16])
    /// TC[15,12]: `[N, store IDs]` → TM[15,13].
    case summary(stores: [UInt16])
    /// TC[15,14]: `start time u64, [N, store IDs]` (suspended open retrievals only).
    case setOpenRetrievalStart(time: UInt64, stores: [UInt16])
    /// TC[15,15]/[15,16]: `[N, store IDs]`.
    case resumeOpenRetrieval(stores: [UInt16])
    case suspendOpenRetrieval(stores: [UInt16])
    /// TC[15,17]: `[N, store IDs]`.
    case abortRetrieveByTime(stores: [UInt16])
    /// TC[15,18]: empty → TM[15,19].
    case status
    /// TC[15,22]: empty → TM[15,23].
    case configuration

    public var messageType: MessageType {
        switch self {
        case .enable: .storageEnable
        case .disable: .storageDisable
        case .retrieveByTime: .storageRetrieveByTime
        case .deleteUpTo: .storageDeleteUpTo
        case .summary: .storageSummaryRequest
        case .setOpenRetrievalStart: .storageOpenRetrievalStart
        case .resumeOpenRetrieval: .storageOpenRetrievalResume
        case .suspendOpenRetrieval: .storageOpenRetrievalSuspend
        case .abortRetrieveByTime: .storageRetrieveByTimeAbort
        case .status: .storageStatusRequest
        case .configuration: .storageConfigurationRequest
        }
    }

    /// The stores a request names (empty: all).
    public var stores: [UInt16] {
        switch self {
        case .enable(let ids), .disable(let ids), .summary(let ids), .resumeOpenRetrieval(let ids), .suspendOpenRetrieval(let ids),
            .abortRetrieveByTime(let ids), .deleteUpTo(_, let ids), .setOpenRetrievalStart(_, let ids):
            ids
        case .retrieveByTime(let ranges): ranges.map(\.storeID)
        case .status, .configuration: []
        }
    }

    public var applicationData: [UInt8] {
        var writer = ByteWriter()
        func ids(_ list: [UInt16]) {
            guard !list.isEmpty else { return }
            writer.u8(UInt8(clamping: list.count))
            for id in list.prefix(255) { writer.u16(id) }
        }
        switch self {
        case .enable(let list), .disable(let list), .summary(let list), .resumeOpenRetrieval(let list), .suspendOpenRetrieval(let list),
            .abortRetrieveByTime(let list):
            ids(list)
        case .retrieveByTime(let ranges):
            writer.u8(UInt8(clamping: ranges.count))
            for range in ranges.prefix(255) {
                writer.u16(range.storeID)
                writer.u64(range.start)
                writer.u64(range.end)
            }
        case .deleteUpTo(let time, let list), .setOpenRetrievalStart(let time, let list):
            writer.u64(time)
            ids(list)
        case .status, .configuration:
            break
        }
        return writer.bytes
    }

    public static func decode(_ type: MessageType, data: ArraySlice<UInt8>) throws(ServiceDataError) -> StorageRequestMessage {
        var reader = ByteReader(data)
        func optionalIDs() throws(ServiceDataError) -> [UInt16] {
            guard !reader.isAtEnd else { return [] }
            guard let n = reader.u8() else { throw .truncated(needed: 1, available: 0) }
            var list: [UInt16] = []
            for _ in 0..<n {
                guard let id = reader.u16() else { throw .truncated(needed: data.count + 2, available: data.count) }
                list.append(id)
            }
            guard reader.isAtEnd else { throw .trailingOctets(reader.remaining) }
            // "N = 0" is not "all stores": the all form has no N at all.
            guard n > 0 else { throw .truncated(needed: data.count + 2, available: data.count) }
            return list
        }
        func time() throws(ServiceDataError) -> UInt64 {
            guard let value = reader.u64() else { throw .truncated(needed: 8, available: data.count) }
            return value
        }
        func empty() throws(ServiceDataError) {
            guard reader.isAtEnd else { throw .trailingOctets(reader.remaining) }
        }
        switch type {
        case .storageEnable: return .enable(stores: try optionalIDs())
        case .storageDisable: return .disable(stores: try optionalIDs())
        case .storageSummaryRequest: return .summary(stores: try optionalIDs())
        case .storageOpenRetrievalResume: return .resumeOpenRetrieval(stores: try optionalIDs())
        case .storageOpenRetrievalSuspend: return .suspendOpenRetrieval(stores: try optionalIDs())
        case .storageRetrieveByTimeAbort: return .abortRetrieveByTime(stores: try optionalIDs())
        case .storageDeleteUpTo:
            let limit = try time()
            return .deleteUpTo(time: limit, stores: try optionalIDs())
        case .storageOpenRetrievalStart:
            let start = try time()
            return .setOpenRetrievalStart(time: start, stores: try optionalIDs())
        case .storageRetrieveByTime:
            guard let n = reader.u8(), n > 0 else { throw .truncated(needed: 1 + 18, available: data.count) }
            var ranges: [RetrievalRange] = []
            for _ in 0..<n {
                guard let id = reader.u16(), let start = reader.u64(), let end = reader.u64() else {
                    throw .truncated(needed: 1 + Int(n) * 18, available: data.count)
                }
                ranges.append(RetrievalRange(storeID: id, start: start, end: end))
            }
            try empty()
            return .retrieveByTime(ranges)
        case .storageStatusRequest:
            try empty()
            return .status
        case .storageConfigurationRequest:
            try empty()
            return .configuration
        default:
            throw .wrongMessageType(type)
        }
    }
}

/// One store in a TM[15,13]: `store ID u16, oldest u64, newest u64, open retrieval start u64,
/// fill % u8, fill % from the open retrieval start u8` (times in Unix ms; 0 for an empty store).
public struct StoreSummary: Sendable, Hashable {
    public var storeID: UInt16
    public var oldest: UInt64
    public var newest: UInt64
    public var openRetrievalStart: UInt64
    public var fillPercent: UInt8
    public var fillPercentFromOpenRetrievalStart: UInt8

    public init(storeID: UInt16, oldest: UInt64, newest: UInt64, openRetrievalStart: UInt64, fillPercent: UInt8, fillPercentFromOpenRetrievalStart: UInt8) {
        self.storeID = storeID
        self.oldest = oldest
        self.newest = newest
        self.openRetrievalStart = openRetrievalStart
        self.fillPercent = fillPercent
        self.fillPercentFromOpenRetrievalStart = fillPercentFromOpenRetrievalStart
    }
}

/// One store in a TM[15,19]: `store ID u16, storage enabled u8, open retrieval in progress u8,
/// by-time-range retrieval in progress u8`.
public struct StoreStatusEntry: Sendable, Hashable {
    public var storeID: UInt16
    public var storageEnabled: Bool
    public var openRetrievalInProgress: Bool
    public var byTimeRangeRetrievalInProgress: Bool

    public init(storeID: UInt16, storageEnabled: Bool, openRetrievalInProgress: Bool, byTimeRangeRetrievalInProgress: Bool) {
        self.storeID = storeID
        self.storageEnabled = storageEnabled
        self.openRetrievalInProgress = openRetrievalInProgress
        self.byTimeRangeRetrievalInProgress = byTimeRangeRetrievalInProgress
    }
}

/// One store in a TM[15,23]: `store ID u16, size u32 (octets), type u8 (0 circular, 1 bounded),
/// virtual channel u8`.
public struct StoreConfigurationEntry: Sendable, Hashable {
    public var storeID: UInt16
    public var sizeBytes: UInt32
    public var bounded: Bool
    public var virtualChannel: UInt8

    public init(storeID: UInt16, sizeBytes: UInt32, bounded: Bool, virtualChannel: UInt8) {
        self.storeID = storeID
        self.sizeBytes = sizeBytes
        self.bounded = bounded
        self.virtualChannel = virtualChannel
    }
}

/// TM[15,13], [15,19] and [15,23]: `N u8` then N entries.
public enum StorageReport: ServiceMessage {
    case summary([StoreSummary])
    case status([StoreStatusEntry])
    case configuration([StoreConfigurationEntry])

    public var messageType: MessageType {
        switch self {
        case .summary: .storageSummaryReport
        case .status: .storageStatusReport
        case .configuration: .storageConfigurationReport
        }
    }

    public var applicationData: [UInt8] {
        var writer = ByteWriter()
        switch self {
        case .summary(let entries):
            writer.u8(UInt8(clamping: entries.count))
            for entry in entries.prefix(255) {
                writer.u16(entry.storeID)
                writer.u64(entry.oldest)
                writer.u64(entry.newest)
                writer.u64(entry.openRetrievalStart)
                writer.u8(entry.fillPercent)
                writer.u8(entry.fillPercentFromOpenRetrievalStart)
            }
        case .status(let entries):
            writer.u8(UInt8(clamping: entries.count))
            for entry in entries.prefix(255) {
                writer.u16(entry.storeID)
                writer.u8(entry.storageEnabled ? 1 : 0)
                writer.u8(entry.openRetrievalInProgress ? 1 : 0)
                writer.u8(entry.byTimeRangeRetrievalInProgress ? 1 : 0)
            }
        case .configuration(let entries):
            writer.u8(UInt8(clamping: entries.count))
            for entry in entries.prefix(255) {
                writer.u16(entry.storeID)
                writer.u32(entry.sizeBytes)
                writer.u8(entry.bounded ? 1 : 0)
                writer.u8(entry.virtualChannel)
            }
        }
        return writer.bytes
    }

    public static func decode(_ type: MessageType, data: ArraySlice<UInt8>) throws(ServiceDataError) -> StorageReport {
        var reader = ByteReader(data)
        guard let n = reader.u8() else { throw .truncated(needed: 1, available: 0) }
        func short(_ width: Int) -> ServiceDataError { .truncated(needed: 1 + Int(n) * width, available: data.count) }
        switch type {
        case .storageSummaryReport:
            var entries: [StoreSummary] = []
            for _ in 0..<n {
                guard let id = reader.u16(), let oldest = reader.u64(), let newest = reader.u64(), let open = reader.u64(),
                    let fill = reader.u8(), let fromStart = reader.u8()
                else { throw short(28) }
                entries.append(
                    StoreSummary(
                        storeID: id, oldest: oldest, newest: newest, openRetrievalStart: open, fillPercent: fill,
                        fillPercentFromOpenRetrievalStart: fromStart))
            }
            guard reader.isAtEnd else { throw .trailingOctets(reader.remaining) }
            return .summary(entries)
        case .storageStatusReport:
            var entries: [StoreStatusEntry] = []
            for _ in 0..<n {
                guard let id = reader.u16(), let storage = reader.u8(), let open = reader.u8(), let byTime = reader.u8() else { throw short(5) }
                entries.append(
                    StoreStatusEntry(storeID: id, storageEnabled: storage != 0, openRetrievalInProgress: open != 0, byTimeRangeRetrievalInProgress: byTime != 0))
            }
            guard reader.isAtEnd else { throw .trailingOctets(reader.remaining) }
            return .status(entries)
        case .storageConfigurationReport:
            var entries: [StoreConfigurationEntry] = []
            for _ in 0..<n {
                guard let id = reader.u16(), let size = reader.u32(), let kind = reader.u8(), let vc = reader.u8() else { throw short(8) }
                entries.append(StoreConfigurationEntry(storeID: id, sizeBytes: size, bounded: kind != 0, virtualChannel: vc))
            }
            guard reader.isAtEnd else { throw .trailingOctets(reader.remaining) }
            return .configuration(entries)
        default:
            throw .wrongMessageType(type)
        }
    }
}
