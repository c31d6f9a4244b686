/// One rate group as configured: derived from the base rate by a divisor, with a phase offset.
public struct RateGroupConfiguration: Sendable, Equatable {
    /// Short name used in parameter names (`exec.<name>.…`): letters, digits, `_`.
    public var name: String
    /// The group runs every `divisor` base ticks (1 = the base rate).
    public var divisor: Int
    /// The base tick (0..<divisor) within each period on which it runs, so slow groups do not all
    /// fire on the same tick.
    public var offset: Int
    /// Execution time above which a run counts as an overrun; `nil` = one base period.
    public var budget: Duration?

    public init(name: String, divisor: Int, offset: Int = 0, budget: Duration? = nil) {
        self.name = name
        self.divisor = divisor
        self.offset = offset
        self.budget = budget
    }
}

/// The executive's configuration (TOML section `[executive]`).
public struct ExecutiveConfiguration: Sendable, Equatable {
    /// Base rate in Hz (key `base_rate_hz`, default 100, 1...10000).
    public var baseRate: Double
    /// The rate groups, in run order within a tick (`[[executive.group]]`; default ``defaultGroups``).
    public var groups: [RateGroupConfiguration]
    /// Base cycles without a slip or skipped tick before ``Executive/isHealthy`` is true again
    /// (key `health_window`, default 100 = 1 s at 100 Hz).
    public var healthWindow: Int
    /// At most one `rate_group_slip` event per group per interval (key `slip_event_interval`, default 10 s).
    public var slipEventInterval: Duration
    /// How often statistics are copied into the parameter pool (key `statistics_period`, default 1 s).
    public var statisticsPeriod: Duration
    /// Commands applied per base cycle at most; the rest wait for the next cycle (key `max_commands_per_cycle`, default 16).
    public var maxCommandsPerCycle: Int
    /// Real-time settings for the executive's thread (`[executive.realtime]`).
    public var realtime: RealtimeSettings
    /// First parameter ID of the executive's parameters (key `parameter_base`, default 0x0100).
    public var parameterBase: UInt16

    /// 50 Hz attitude, 10 Hz life support and power, 1 Hz housekeeping and monitoring, at 100 Hz
    /// base; the slower groups are spread over different ticks.
    public static let defaultGroups: [RateGroupConfiguration] = [
        RateGroupConfiguration(name: "att", divisor: 2, offset: 0),
        RateGroupConfiguration(name: "lsp", divisor: 10, offset: 1),
        RateGroupConfiguration(name: "pwr", divisor: 10, offset: 3),
        RateGroupConfiguration(name: "hk", divisor: 100, offset: 5),
        RateGroupConfiguration(name: "mon", divisor: 100, offset: 7),
    ]

    public init(
        baseRate: Double = 100, groups: [RateGroupConfiguration] = ExecutiveConfiguration.defaultGroups,
        healthWindow: Int = 100, slipEventInterval: Duration = .seconds(10), statisticsPeriod: Duration = .seconds(1),
        maxCommandsPerCycle: Int = 16, realtime: RealtimeSettings = RealtimeSettings(), parameterBase: UInt16 = 0x0100
    ) {
        self.baseRate = baseRate
        self.groups = groups
        self.healthWindow = healthWindow
        self.slipEventInterval = slipEventInterval
        self.statisticsPeriod = statisticsPeriod
        self.maxCommandsPerCycle = maxCommandsPerCycle
        self.realtime = realtime
        self.parameterBase = parameterBase
    }

    /// The base period.
    public var basePeriod: Duration { .nanoseconds(Int64((1e9 / baseRate).rounded())) }

    /// Reads `[executive]`, rejecting unknown keys.
    ///
    /// ```toml
    /// [executive]
    /// base_rate_hz = 100
    /// health_window = 100
    /// slip_event_interval = "10s"
    /// [executive.realtime]
    /// priority = 80
    /// lock_memory = true
    /// cpu_affinity = [1]
    /// [[executive.group]]
    /// name = "lsp"
    /// divisor = 10
    /// offset = 1
    /// budget = "2ms"
    /// ```
    /// - Throws: ``ConfigurationError`` naming the key and what was expected.
    public init(table: ConfigTable) throws(ConfigurationError) {
        self.init()
        baseRate = try table.double("base_rate_hz", default: 100, in: 1...10_000)
        healthWindow = try table.int("health_window", default: 100, in: 1...1_000_000)
        slipEventInterval = try table.duration("slip_event_interval", default: .seconds(10))
        statisticsPeriod = try table.duration("statistics_period", default: .seconds(1))
        maxCommandsPerCycle = try table.int("max_commands_per_cycle", default: 16, in: 1...10_000)
        parameterBase = UInt16(try table.int("parameter_base", default: 0x0100, in: 0...0xFF00))

        let realtimeTable = try table.table("realtime")
        var realtime = RealtimeSettings()
        if realtimeTable.has("priority") { realtime.priority = try realtimeTable.int("priority", in: 1...99) }
        realtime.lockMemory = try realtimeTable.bool("lock_memory", default: false)
        var cpus: [Int] = []
        for value in try realtimeTable.doubles("cpu_affinity", default: []) {
            guard value >= 0, value < 1024, value == value.rounded() else {
                throw realtimeTable.error("cpu_affinity", "expected CPU numbers 0...1023, found \(value)")
            }
            cpus.append(Int(value))
        }
        realtime.cpuAffinity = cpus
        try realtimeTable.rejectUnknownKeys()
        self.realtime = realtime

        let groupTables = try table.tables("group") { index, group in
            "executive group \((try? group.string("name")).map { "\"\($0)\"" } ?? "#\(index + 1)")"
        }
        if !groupTables.isEmpty {
            var groups: [RateGroupConfiguration] = []
            for group in groupTables {
                let name = try group.string("name")
                guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                    throw group.error("name", "expected letters, digits or '_', found \"\(name)\"")
                }
                if groups.contains(where: { $0.name == name }) {
                    throw group.error("name", "a rate group named \"\(name)\" is already defined")
                }
                let divisor = try group.int("divisor", in: 1...1_000_000)
                let offset = try group.int("offset", default: 0, in: 0...(divisor - 1))
                let budget: Duration? = group.has("budget") ? try group.duration("budget", default: .zero) : nil
                try group.rejectUnknownKeys()
                groups.append(RateGroupConfiguration(name: name, divisor: divisor, offset: offset, budget: budget))
            }
            self.groups = groups
        }
        try table.rejectUnknownKeys()
    }
}
