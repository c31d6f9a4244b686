import SpaceLink

/// The `[telemetry]` section: how the onboard PUS services talk to the ground.
///
/// ```toml
/// [telemetry]
/// apid = 0x123                   # APID of every TM packet and of the TCs accepted (0…0x7FE)
/// spacecraft_id = 42             # for the mission database (transfer frames are the link's)
/// utc_tai_offset_s = 37          # TAI − UTC, added to the UTC time the daemon gives
/// time_p_field = true            # CUC P-field 0x1E in every TM time field (false: implicit)
/// destination_id = 0             # PUS destination ID of every TM packet
/// command_queue = 32             # TCs accepted but not yet applied by the executive
/// report_queue = 128             # outcome and housekeeping records awaiting the telemetry thread
/// acceptance_queue = 64          # acceptance reports awaiting the telemetry thread
/// parameter_base = 0x0900        # first of the services' own parameters (tc.*, tm.*, link.*: 64 IDs)
/// failure_reports_per_s = 10     # TM[1,2] per failure code per second at most (the rest counted)
/// hk_default_interval = "10s"    # interval of a [[housekeeping]] structure that gives none
/// ```
public struct TelemetryConfiguration: Sendable, Equatable {
    /// Application process ID of the services (key `apid`, default 0x123).
    public var apid: UInt16 = 0x123
    /// Spacecraft ID, written into the mission database (key `spacecraft_id`, default 42, 0…1023).
    public var spacecraftID: UInt16 = 42
    /// TAI − UTC in seconds (key `utc_tai_offset_s`, default 37, in force since 2017-01-01).
    public var utcToTAIOffset: Int64 = CUCTime.defaultUTCToTAIOffset
    /// The time field layout of TM packets (key `time_p_field`, default true = with the P-field).
    public var timeFormat: TimeFieldFormat = .cucWithPField
    /// PUS destination ID of every TM packet (key `destination_id`, default 0).
    public var destinationID: UInt16 = 0
    /// Capacity of the command queue, link thread → executive (key `command_queue`, default 32).
    public var commandQueueCapacity = 32
    /// Capacity of the record ring, executive → telemetry thread (key `report_queue`, default 128).
    public var reportQueueCapacity = 128
    /// Capacity of the acceptance report ring, link thread → telemetry thread (key `acceptance_queue`, default 64).
    public var acceptanceQueueCapacity = 64
    /// First ID of the services' parameters (key `parameter_base`, default 0x0900; 64 IDs are
    /// used: `tc.*`/`tm.*` from the base, the link counters from base + 0x10).
    public var parameterBase: UInt16 = 0x0900
    /// Acceptance failure reports (TM[1,2]) of one failure code (other than `queue_full`, which
    /// is always reported) sent per second at most, with a
    /// burst of as many (key `failure_reports_per_s`, default 10, 1…1000). A flood of malformed
    /// telecommands then costs the downlink a bounded rate; what is not reported is counted in
    /// `tm.failures_suppressed`.
    public var failureReportsPerSecond = 10
    /// Interval of a housekeeping structure without an `interval` key (key `hk_default_interval`, default 10 s).
    public var defaultHousekeepingInterval: Duration = .seconds(10)

    public init() {}

    /// Reads `[telemetry]`, rejecting unknown keys.
    /// - Throws: ``ConfigurationError`` naming the key and what was expected.
    public init(table: ConfigTable) throws(ConfigurationError) {
        self.init()
        apid = UInt16(try table.int("apid", default: Int(apid), in: 0...0x7FE))
        spacecraftID = UInt16(try table.int("spacecraft_id", default: Int(spacecraftID), in: 0...1023))
        utcToTAIOffset = Int64(try table.int("utc_tai_offset_s", default: Int(utcToTAIOffset), in: 0...100))
        timeFormat = try table.bool("time_p_field", default: true) ? .cucWithPField : .cucImplicit
        destinationID = UInt16(try table.int("destination_id", default: 0, in: 0...0xFFFF))
        commandQueueCapacity = try table.int("command_queue", default: commandQueueCapacity, in: 1...4096)
        reportQueueCapacity = try table.int("report_queue", default: reportQueueCapacity, in: 8...65_536)
        acceptanceQueueCapacity = try table.int("acceptance_queue", default: acceptanceQueueCapacity, in: 8...65_536)
        parameterBase = UInt16(try table.int("parameter_base", default: Int(parameterBase), in: 0...0xFFC0))
        failureReportsPerSecond = try table.int("failure_reports_per_s", default: failureReportsPerSecond, in: 1...1000)
        defaultHousekeepingInterval = try table.duration("hk_default_interval", default: defaultHousekeepingInterval)
        try table.rejectUnknownKeys()
    }
}

/// One `[[housekeeping]]` table: a TM[3,25] report structure.
///
/// ```toml
/// [[housekeeping]]
/// id = 1                         # structure ID (u32), unique
/// name = "life_support"          # unique
/// interval = "2s"                # a whole multiple of the hk rate group's period (1 s)
/// enabled = true                 # periodic generation at start
/// parameters = ["ls.ppo2_kpa", "dev.cabin-co2.co2_ppm"]
/// ```
///
/// `fdir.mode` is added as the first parameter of every structure (unless it is listed first
/// already), so every report says which mode the vehicle was in.
public struct HousekeepingStructureConfiguration: Sendable, Equatable {
    public var id: UInt32
    public var name: String
    public var interval: Duration
    public var enabled: Bool
    /// Parameter names as configured (without the automatic `fdir.mode`).
    public var parameters: [String]
    /// Where `parameters` is written, for errors found when the names are resolved.
    public var location: ConfigurationError?

    public init(id: UInt32, name: String, interval: Duration, enabled: Bool = true, parameters: [String], location: ConfigurationError? = nil) {
        self.id = id
        self.name = name
        self.interval = interval
        self.enabled = enabled
        self.parameters = parameters
        self.location = location
    }

    /// Reads one `[[housekeeping]]` table, rejecting unknown keys.
    /// - Throws: ``ConfigurationError``.
    public init(table: ConfigTable, defaultInterval: Duration) throws(ConfigurationError) {
        id = UInt32(try table.int("id", in: 0...Int(UInt32.max)))
        name = try table.string("name")
        guard !name.isEmpty else { throw table.error("name", "must not be empty") }
        interval = try table.duration("interval", default: defaultInterval)
        enabled = try table.bool("enabled", default: true)
        parameters = try table.strings("parameters", default: [])
        guard !parameters.isEmpty else { throw table.error("parameters", "expected at least one parameter name") }
        location = table.error("parameters", "")
        try table.rejectUnknownKeys()
    }

    /// An error about this structure's parameters, at the line of its `parameters` key.
    func error(_ message: String) -> ConfigurationError {
        guard var error = location else {
            return ConfigurationError(file: "(housekeeping configuration)", context: "housekeeping \"\(name)\"", key: "parameters", message: message)
        }
        error.message = message
        return error
    }
}

/// The services' configuration: `[telemetry]` and every `[[housekeeping]]` table.
public struct ServicesConfiguration: Sendable, Equatable {
    public var telemetry: TelemetryConfiguration
    public var housekeeping: [HousekeepingStructureConfiguration]
    /// `[schedule]`: the time-based schedule (PUS 11).
    public var schedule = ScheduleConfiguration()

    public init(telemetry: TelemetryConfiguration = TelemetryConfiguration(), housekeeping: [HousekeepingStructureConfiguration] = []) {
        self.telemetry = telemetry
        self.housekeeping = housekeeping
    }

    /// Reads `[telemetry]` and `[[housekeeping]]` from the root table.
    /// - Throws: ``ConfigurationError`` for a bad key, a duplicate structure ID or name.
    public init(root: ConfigTable) throws(ConfigurationError) {
        telemetry = try TelemetryConfiguration(table: try root.table("telemetry"))
        schedule = try ScheduleConfiguration(table: try root.table("schedule"))
        let tables = try root.tables("housekeeping") { index, table in
            let name = (try? table.optionalString("name")) ?? nil
            return name.map { "housekeeping \"\($0)\"" } ?? "housekeeping #\(index + 1)"
        }
        housekeeping = []
        for table in tables {
            let structure = try HousekeepingStructureConfiguration(table: table, defaultInterval: telemetry.defaultHousekeepingInterval)
            if housekeeping.contains(where: { $0.id == structure.id }) { throw table.error("id", "structure ID \(structure.id) is used twice") }
            if housekeeping.contains(where: { $0.name == structure.name }) { throw table.error("name", "structure name \"\(structure.name)\" is used twice") }
            housekeeping.append(structure)
        }
    }
}
