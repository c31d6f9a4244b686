import FlightCore
import PacketStore
import SpaceLink

/// Which TM packets a store keeps: a packet matches when its message type is in ``services``
/// (a whole service, or one type and subtype) or its APID is in ``apids``; with neither list, every
/// packet matches. A store with ``rest`` keeps exactly the packets no other store keeps, so a
/// set of stores can hold every packet once.
public struct StoreFilter: Sendable, Equatable {
    /// Keeps what no store without `rest` keeps (`rest = true`; no lists then).
    public var rest = false
    /// `(service, subtype)`; subtype `nil` for every subtype of the service.
    public var services: [(service: UInt8, subtype: UInt8?)]
    public var apids: [UInt16]

    public init(services: [(service: UInt8, subtype: UInt8?)] = [], apids: [UInt16] = []) {
        self.services = services
        self.apids = apids
    }

    /// Everything.
    public static let all = StoreFilter()

    public var keepsEverything: Bool { services.isEmpty && apids.isEmpty }

    /// Whether a packet with this APID and PUS message type (`nil`: no PUS-C secondary header) is kept.
    public func matches(apid: UInt16, type: MessageType?) -> Bool {
        if keepsEverything { return true }
        if apids.contains(apid) { return true }
        guard let type else { return false }
        return services.contains { $0.service == type.service && ($0.subtype == nil || $0.subtype == type.subtype) }
    }

    public static func == (lhs: StoreFilter, rhs: StoreFilter) -> Bool {
        lhs.rest == rhs.rest && lhs.apids == rhs.apids && lhs.services.map { "\($0.service),\($0.subtype ?? 255)" } == rhs.services.map { "\($0.service),\($0.subtype ?? 255)" }
    }
}

/// One `[[store]]` table.
///
/// ```toml
/// [[store]]
/// name = "hk"                  # directory <state>/store/hk, parameters store.hk.*
/// segment_mib = 8              # 4–16
/// capacity_mib = 64            # at least two segments
/// policy = "circular"          # or "bounded": refuse when full instead of overwriting the oldest
/// flush_interval_ms = 1000     # how much a power cut may lose
/// services = ["3,25"]          # "type,subtype" or a whole service "5"; with apids: either matches
/// apids = [0x123]
/// # rest = true                # instead of the lists: every packet no other store keeps
/// ```
///
/// No `[[store]]` table: one store `all` that keeps every packet, with the defaults above.
public struct StoreSettings: Sendable, Equatable {
    public var configuration: PacketStoreConfiguration
    public var filter: StoreFilter

    public init(configuration: PacketStoreConfiguration, filter: StoreFilter) {
        self.configuration = configuration
        self.filter = filter
    }

    /// The most stores a vehicle configures (each has four housekeeping parameters).
    public static let maximumStores = 8

    /// The stores `root` configures.
    /// - Throws: ``ConfigurationError`` naming the line.
    public static func stores(root: ConfigTable) throws(ConfigurationError) -> [StoreSettings] {
        let tables = try root.tables("store") { index, table in
            (try? table.optionalString("name")).flatMap { $0 }.map { "store \"\($0)\"" } ?? "store \(index + 1)"
        }
        guard !tables.isEmpty else { return [StoreSettings(configuration: PacketStoreConfiguration(name: "all"), filter: .all)] }
        guard tables.count <= maximumStores else { throw root.error("store", "at most \(maximumStores) stores") }
        var stores: [StoreSettings] = []
        for table in tables {
            let name = try table.string("name")
            guard !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
                throw table.error("name", "expected letters, digits, - or _ (it names a directory and parameters)")
            }
            guard !stores.contains(where: { $0.configuration.name == name }) else { throw table.error("name", "a second store named \"\(name)\"") }
            let segment = try table.int("segment_mib", default: 8, in: 4...16)
            let capacity = try table.int("capacity_mib", default: 64, in: (2 * segment)...(1 << 20))
            let policy = try table.choice("policy", ["circular": StorePolicy.circular, "bounded": .bounded], default: .circular)
            let flush = try table.int("flush_interval_ms", default: 1000, in: 10...60_000)
            var services: [(service: UInt8, subtype: UInt8?)] = []
            for text in try table.strings("services", default: []) {
                let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.filter { $0 != " " } }
                guard (1...2).contains(parts.count), let service = UInt8(parts[0]), parts.count == 1 || UInt8(parts[1]) != nil else {
                    throw table.error("services", "expected \"service\" or \"service,subtype\" (e.g. \"3,25\"), found \"\(text)\"")
                }
                services.append((service, parts.count == 2 ? UInt8(parts[1]) : nil))
            }
            var apids: [UInt16] = []
            for value in try table.doubles("apids", default: []) {
                guard value >= 0, value <= 0x7FE, value == value.rounded() else { throw table.error("apids", "expected APIDs 0–2046, found \(value)") }
                apids.append(UInt16(value))
            }
            let rest = try table.bool("rest", default: false)
            if rest && !(services.isEmpty && apids.isEmpty) {
                throw table.error("rest", "a store with rest = true keeps what the others do not: it takes no services or apids")
            }
            try table.rejectUnknownKeys()
            var filter = StoreFilter(services: services, apids: apids)
            filter.rest = rest
            stores.append(
                StoreSettings(
                    configuration: PacketStoreConfiguration(
                        name: name, segmentBytes: segment << 20, capacityBytes: capacity << 20, policy: policy,
                        flushInterval: .milliseconds(flush)),
                    filter: filter))
        }
        return stores
    }
}

/// The `[storage]` table: what the stores do by themselves.
///
/// ```toml
/// [storage]
/// retrieve_on_aos = true     # each acquisition of signal resumes every store's open retrieval
/// ```
public struct StorageSettings: Sendable, Equatable {
    public var retrieveOnAcquisition: Bool

    /// Reads `[storage]`, rejecting unknown keys.
    public init(root: ConfigTable) throws(ConfigurationError) {
        let table = try root.table("storage")
        retrieveOnAcquisition = try table.bool("retrieve_on_aos", default: false)
        try table.rejectUnknownKeys()
    }
}
