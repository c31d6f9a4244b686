import Drivers
import HAL
import Systems

/// Sampling configuration (TOML section `[sampling]`).
public struct SamplingConfiguration: Sendable, Equatable {
    /// A value is stale after this many sample periods without a new one (key `stale_after_periods`, default 3).
    public var staleAfterPeriods: Int
    /// Failure threshold and recovery back-off (keys `failure_threshold`, `recovery_initial`, `recovery_max`).
    public var health: DeviceHealthPolicy
    /// First parameter ID of the device parameters (key `parameter_base`, default 0x1000; block of 4096).
    public var parameterBase: UInt16
    /// Longest sleep of a bus sampler thread (key `max_sleep`, default 250 ms): bounds how long a
    /// stop, or a recovery request from fault management, waits. Each wake-up of an idle sampler
    /// costs CPU (three buses at 100 ms were a twentieth of the simulated daemon's CPU), so it is
    /// not shorter than the stop and recovery latency needs.
    public var maximumSleep: Duration
    /// Events a bus sampler can hold between two runs of the ingest member (default 64).
    public var eventCapacity: Int

    public init(
        staleAfterPeriods: Int = 3, health: DeviceHealthPolicy = DeviceHealthPolicy(), parameterBase: UInt16 = 0x1000,
        maximumSleep: Duration = .milliseconds(250), eventCapacity: Int = 64
    ) {
        self.staleAfterPeriods = staleAfterPeriods
        self.health = health
        self.parameterBase = parameterBase
        self.maximumSleep = maximumSleep
        self.eventCapacity = eventCapacity
    }

    /// Reads `[sampling]`, rejecting unknown keys.
    /// - Throws: ``ConfigurationError`` naming the key and what was expected.
    public init(table: ConfigTable) throws(ConfigurationError) {
        self.init()
        staleAfterPeriods = try table.int("stale_after_periods", default: 3, in: 1...1000)
        health.failureThreshold = try table.int("failure_threshold", default: 3, in: 1...1000)
        health.recoveryInitialDelay = try table.duration("recovery_initial", default: .seconds(1))
        health.recoveryMaximumDelay = try table.duration("recovery_max", default: .seconds(60))
        guard health.recoveryInitialDelay > .zero else { throw table.error("recovery_initial", "expected a duration above zero") }
        guard health.recoveryMaximumDelay >= health.recoveryInitialDelay else {
            throw table.error("recovery_max", "expected at least recovery_initial")
        }
        parameterBase = UInt16(try table.int("parameter_base", default: 0x1000, in: 0...0xF000))
        maximumSleep = try table.duration("max_sleep", default: .milliseconds(250))
        eventCapacity = try table.int("event_capacity", default: 64, in: 4...65536)
        try table.rejectUnknownKeys()
    }
}

/// One device to sample, as the topology declares it.
public struct DeviceSamplingSpec {
    public var device: any SensorDevice
    /// The physical bus (devices on one bus share one I/O thread).
    public var bus: String
    /// Sample period (the device's `sample_period` key; see ``samplePeriod(of:default:)``).
    public var period: Duration
    /// The reading keys the driver returns, if the factory declares them; `nil`: one sample is
    /// read while building to learn them.
    public var readingKeys: [String]?

    public init(device: any SensorDevice, bus: String, period: Duration, readingKeys: [String]? = nil) {
        self.device = device
        self.bus = bus
        self.period = period
        self.readingKeys = readingKeys
    }

    /// The `sample_period` of a `[[device]]` table (a duration; default `fallback`).
    /// - Throws: ``ConfigurationError`` for a value that is not a positive duration.
    public static func samplePeriod(of configuration: DeviceConfiguration, default fallback: Duration = .seconds(1)) throws(ConfigurationError) -> Duration {
        // Parsed and range-checked once, by VehicleConfiguration.
        configuration.samplePeriod ?? fallback
    }
}

/// Every sampled device of the vehicle: one ``BusSampler`` per bus, the slots, the parameters
/// and the ``SampleIngest`` member.
///
/// Building registers, for each device in order, `dev.<device>.health` (u8: 0 OK, 1 DEGRADED,
/// 2 FAILED), `dev.<device>.errors` (u32) and `dev.<device>.<key>` for each reading key, so all
/// parameters exist before the executive starts.
///
/// Run it either threaded (``start()`` / ``stop(timeout:)``: one thread per bus) or synchronously
/// (add ``synchronousPoll`` to the executive's prologue: the same polling code on the executive's
/// thread and clock, for `iostd sim` and tests).
public final class DeviceSampling {
    public let samplers: [BusSampler]
    public let ingest: SampleIngest
    public let configuration: SamplingConfiguration
    private let devicesByName: [String: SampledDevice]

    /// - Parameters:
    ///   - devices: in configuration order; bus samplers are made in order of first appearance.
    ///   - events: the main event sink (the executive's log), fed by ``ingest``.
    /// - Throws: ``RegistrationError`` when parameter names or IDs collide or the ID block is used up.
    public init(
        devices specs: [DeviceSamplingSpec], configuration: SamplingConfiguration = SamplingConfiguration(),
        pool: ParameterPool, clock: any MonotonicClock, events: any EventSink
    ) throws(RegistrationError) {
        self.configuration = configuration
        let first = configuration.parameterBase
        var ids = ParameterIDSequence(first: first, last: first &+ 0x0FFF)
        var byBus: [(String, [SampledDevice])] = []
        var channels: [SampleIngest.Channel] = []
        var byName: [String: SampledDevice] = [:]
        for spec in specs {
            precondition(spec.period > .zero, "device \(spec.device.name): the sample period must be positive")
            var started = false
            let keys: [String]
            if let declared = spec.readingKeys {
                keys = declared
            } else {
                // Learn the keys from one sample; a device that cannot be read now gets only its
                // health parameters (declare the keys in the driver factory to avoid this).
                do {
                    _ = try spec.device.start()
                    started = true
                    keys = try spec.device.readSample().map(\.key)
                } catch {
                    keys = []
                }
            }
            let component = "device \(spec.device.name)"
            let prefix = "dev.\(spec.device.name)."
            let health = try pool.register(&ids, first: first, component: component, name: prefix + "health", unit: "", type: .u8)
            let errors = try pool.register(&ids, first: first, component: component, name: prefix + "errors", unit: "", type: .u32)
            var values: [ParameterHandle] = []
            for key in keys {
                values.append(
                    try pool.register(
                        &ids, first: first, component: component, name: prefix + key,
                        unit: Self.unit(ofKey: key), type: .f64))
            }
            let device = SampledDevice(
                device: spec.device, period: spec.period, keys: keys, healthParameter: health.id,
                policy: configuration.health, started: started)
            byName[spec.device.name] = device
            channels.append(
                SampleIngest.Channel(
                    device: device, values: values, health: health, errors: errors,
                    staleAfter: spec.period * configuration.staleAfterPeriods))
            if let index = byBus.firstIndex(where: { $0.0 == spec.bus }) {
                byBus[index].1.append(device)
            } else {
                byBus.append((spec.bus, [device]))
            }
        }
        samplers = byBus.map {
            BusSampler(
                bus: $0.0, devices: $0.1, clock: clock, eventCapacity: configuration.eventCapacity,
                maximumSleep: configuration.maximumSleep)
        }
        ingest = SampleIngest(pool: pool, events: events, samplers: samplers, channels: channels)
        devicesByName = byName
    }

    /// The sampled device named `name`.
    public func device(named name: String) -> SampledDevice? { devicesByName[name] }

    /// Asks for `device` to be restarted on its sampler's next pass (after fault management
    /// power-cycled it through a load switch): a failed device gets an immediate recovery attempt
    /// with the back-off restarted; a working one has its `start()` re-run. Any thread.
    /// - Returns: `false` for an unknown device.
    @discardableResult
    public func requestRecovery(device name: String) -> Bool {
        guard let device = devicesByName[name] else { return false }
        device.recoveryRequested.store(true, ordering: .releasing)
        return true
    }

    /// Starts one thread per bus.
    /// - Throws: ``ThreadStartError``; samplers already started are stopped again.
    public func start() throws(ThreadStartError) {
        for sampler in samplers {
            do {
                try sampler.start()
            } catch {
                _ = stop(timeout: .seconds(2))
                throw error
            }
        }
    }

    /// Stops every bus thread, waiting up to `timeout` for each.
    /// - Returns: `true` when all have ended.
    @discardableResult
    public func stop(timeout: Duration) -> Bool {
        var all = true
        for sampler in samplers where !sampler.stop(timeout: timeout) { all = false }
        return all
    }

    /// Polls every bus once on the calling thread (synchronous mode).
    public func pollOnce(now: MonotonicInstant) {
        for sampler in samplers { sampler.pollOnce(now: now) }
    }

    /// A member that polls every bus at the cycle's time: add it to the executive's prologue in
    /// synchronous (simulated) mode instead of calling ``start()``.
    public var synchronousPoll: any RateGroupMember { SynchronousPoll(sampling: self) }

    private final class SynchronousPoll: RateGroupMember {
        let name = "sample-poll"
        unowned let sampling: DeviceSampling
        init(sampling: DeviceSampling) { self.sampling = sampling }
        func run(_ cycle: CycleContext) { sampling.pollOnce(now: cycle.time) }
    }

    /// The unit of a reading from its key's suffix (`temperature_c` → `degC`).
    static func unit(ofKey key: String) -> String {
        // Quaternion components (`q_w` … `q_z`) are dimensionless, whatever their last letter.
        if key.count == 3, key.hasPrefix("q_") { return "" }
        let suffixes: [(String, String)] = [
            ("_rad_s", "rad/s"), ("_m_s2", "m/s2"), ("_kpa", "kPa"), ("_hpa", "hPa"), ("_pa", "Pa"), ("_ppm", "ppm"),
            ("_pct", "%"), ("_c", "degC"), ("_k", "K"), ("_mv", "mV"), ("_ma", "mA"), ("_v", "V"), ("_a", "A"),
            ("_w", "W"), ("_wh", "Wh"), ("_hz", "Hz"), ("_cpm", "cpm"), ("_usv_h", "uSv/h"), ("_lux", "lx"),
            ("_s", "s"), ("_ut", "uT"), ("_g", "g"),
        ]
        for (suffix, unit) in suffixes where key.hasSuffix(suffix) { return unit }
        return ""
    }
}
