import SpaceLink

/// The latest value of a parameter and when it was sampled (packet time, TAI).
public struct ParameterSample: Sendable, Hashable {
    public var value: ParameterValue
    public var time: CUCTime
    public init(value: ParameterValue, time: CUCTime) {
        self.value = value
        self.time = time
    }
}

/// One event in the status board's list.
public struct EventEntry: Sendable, Hashable {
    public var time: CUCTime
    public var event: DecodedEvent
    public init(time: CUCTime, event: DecodedEvent) {
        self.time = time
        self.event = event
    }
}

/// One verification report in the status board's list.
public struct VerificationEntry: Sendable, Hashable {
    public var time: CUCTime
    public var request: RequestID
    public var outcome: VerificationOutcome
    public init(time: CUCTime, request: RequestID, outcome: VerificationOutcome) {
        self.time = time
        self.request = request
        self.outcome = outcome
    }
}

/// Names of the parameters the status board shows, with alternatives tried in order (so a
/// renamed parameter only needs a line here).
public enum BoardParameters {
    public static let mode = ["fdir.mode"]
    public static let ppO2 = ["ls.ppo2_kpa"]
    public static let o2Percent = ["ls.o2_fraction_pct"]
    public static let co2 = ["dev.cabin-co2.co2_ppm", "ls.co2_ppm"]
    /// CO2 partial pressure (kPa); the board shows it in mmHg, the unit of NASA-STD-3001 V2 6004.
    public static let ppCO2 = ["ls.ppco2_kpa"]
    public static let temperature = ["dev.cabin-env.temperature_c", "ls.cabin_temperature_c"]
    public static let pressure = ["ls.cabin_pressure_kpa"]
    public static let humidity = ["ls.cabin_humidity_pct", "dev.cabin-env.humidity_pct"]
    public static let scrubberStage = ["ls.scrubber_stage"]
    public static let o2Valve = ["ls.o2_valve_cmd", "act.o2-valve.state"]
    public static let heater = ["ls.heater_duty", "act.cabin-heater.state"]
    public static let soc = ["power.battery_soc_pct"]
    public static let batteryVoltage = ["power.battery_voltage_v"]
    public static let batteryCurrent = ["power.battery_current_a"]
    public static let arrayPower = ["power.array_power_w"]
    public static let eclipse = ["power.eclipse"]
    public static let shedLevel = ["power.shed_level"]
    public static let quaternion = [["dev.star-tracker.q_w"], ["dev.star-tracker.q_x"], ["dev.star-tracker.q_y"], ["dev.star-tracker.q_z"]]
    public static let tracking = ["dev.star-tracker.tracking"]
    public static let starsTracked = ["dev.star-tracker.stars_tracked"]
    public static let rates = [["dev.imu.rate_x_rad_s"], ["dev.imu.rate_y_rad_s"], ["dev.imu.rate_z_rad_s"]]
    public static let cpm = ["dev.geiger.cpm_corrected", "dev.geiger.cpm"]
    public static let doseRate = ["dev.geiger.dose_rate_usv_h"]
    public static let healthy = ["exec.healthy"]
    /// Executive latency: the largest of `exec.<group>.latency_p99_us`.
    public static let latencyPrefix = "exec.", latencySuffix = ".latency_p99_us"
    /// Rate group slips: the sum of `exec.<group>.slips`.
    public static let slipsPrefix = "exec.", slipsSuffix = ".slips"
}

/// Life support as last reported (`nil`: not reported yet; NaN: reported unusable).
public struct LifeSupportStatus: Sendable, Hashable {
    public var ppO2kPa: Double?
    public var o2Percent: Double?
    public var co2ppm: Double?
    /// CO2 partial pressure, kPa (``ppCO2mmHg`` for the operator).
    public var ppCO2kPa: Double?
    public var temperatureC: Double?
    public var pressurekPa: Double?
    public var humidityPercent: Double?
    public var scrubberStage: Double?
    public var o2Valve: Double?
    public var heater: Double?

    /// CO2 partial pressure in mmHg (1 mmHg = 0.133 322 kPa).
    public var ppCO2mmHg: Double? { ppCO2kPa.map { $0 * 1000 / 133.322_387_415 } }
}

public struct PowerStatus: Sendable, Hashable {
    public var socPercent: Double?
    public var batteryVoltage: Double?
    public var batteryCurrent: Double?
    public var arrayPowerW: Double?
    public var eclipse: Bool?
    public var shedLevel: Double?
}

public struct AttitudeStatus: Sendable, Hashable {
    /// (w, x, y, z), each `nil` until reported.
    public var quaternion: [Double?]
    public var tracking: Bool?
    public var starsTracked: Double?
    /// Body rates x, y, z in rad/s.
    public var rates: [Double?]
}

public struct RadiationStatus: Sendable, Hashable {
    public var countsPerMinute: Double?
    public var doseRateMicrosievertPerHour: Double?
}

public struct ExecutiveStatus: Sendable, Hashable {
    /// Largest p99 latency over the rate groups, µs.
    public var latencyP99Microseconds: Double?
    /// Slips summed over the rate groups.
    public var slips: Double?
    public var healthy: Bool?
}

/// The vehicle as the ground last saw it: every parameter value by name, the mode, recent
/// events, and the link counters. Fed with decoded packets; read by the status board.
public struct VehicleStatus: Sendable {
    public let mib: MissionInformationBase
    /// Latest value of every parameter received (housekeeping and parameter reports), by name.
    public private(set) var values: [String: ParameterSample] = [:]
    /// Most recent events, oldest first, at most ``eventCapacity``.
    public private(set) var events: [EventEntry] = []
    public let eventCapacity: Int
    /// Time of the newest packet.
    public private(set) var lastPacketTime: CUCTime?
    /// Link counters, copied from the decoder by ``update(link:)``.
    public private(set) var link = LinkStatus()
    /// Failure reports received (any request).
    public private(set) var verificationFailures: UInt64 = 0
    /// Most recent verification reports (any request, whoever sent it), oldest first, at most
    /// ``verificationCapacity``.
    public private(set) var verifications: [VerificationEntry] = []
    public let verificationCapacity = 5
    /// Frames per second over the last rate window.
    public private(set) var frameRate: Double?
    private var rateWindow: (frames: UInt64, seconds: Double)?

    public init(mib: MissionInformationBase, eventCapacity: Int = 10) {
        self.mib = mib
        self.eventCapacity = max(1, eventCapacity)
    }

    /// Takes one decoded packet.
    public mutating func apply(_ packet: DecodedPacket) {
        if lastPacketTime.map({ packet.time > $0 }) ?? true { lastPacketTime = packet.time }
        switch packet.content {
        case .housekeeping(_, _, let named), .parameterReport(let named):
            // A packet replayed from the store (VC 1) is older than what real time showed: it
            // never replaces a newer value.
            for item in named where values[item.name].map({ packet.time >= $0.time }) ?? true {
                values[item.name] = ParameterSample(value: item.value, time: packet.time)
            }
        case .event(let event):
            events.append(EventEntry(time: packet.time, event: event))
            if events.count > eventCapacity { events.removeFirst(events.count - eventCapacity) }
        case .verification(let report):
            let outcome = VerificationOutcome(report, mib: mib)
            if outcome.isFailure { verificationFailures += 1 }
            verifications.append(VerificationEntry(time: packet.time, request: report.requestID, outcome: outcome))
            if verifications.count > verificationCapacity { verifications.removeFirst(verifications.count - verificationCapacity) }
        case .connectionTestReport, .schedule, .storage, .monitoring, .eventActionStatus, .unknown, .undecodable:
            break
        }
    }

    /// Copies the decoder's link counters and updates the frame rate (`seconds`: a monotonic
    /// time; the rate is measured over windows of at least `window` seconds).
    public mutating func update(link: LinkStatus, at seconds: Double, window: Double = 2) {
        self.link = link
        guard let start = rateWindow else {
            rateWindow = (link.frames.framesAccepted, seconds)
            return
        }
        let elapsed = seconds - start.seconds
        if elapsed >= window {
            frameRate = Double(link.frames.framesAccepted &- start.frames) / elapsed
            rateWindow = (link.frames.framesAccepted, seconds)
        }
    }

    // MARK: Reading

    /// The latest value of the first of `names` that was reported, as a Double.
    public func number(_ names: [String]) -> Double? {
        for name in names {
            if let sample = values[name] { return sample.value.doubleValue }
        }
        return nil
    }

    func flag(_ names: [String]) -> Bool? {
        number(names).flatMap { $0.isNaN ? nil : $0 != 0 }
    }

    /// The mode value (`fdir.mode`).
    public var modeValue: Int? {
        guard let value = number(BoardParameters.mode), value.isFinite, value >= 0, value <= 255 else { return nil }
        return Int(value)
    }

    /// The mode's name from the database (or its number).
    public var modeName: String? { modeValue.map { mib.modeName($0) ?? "mode \($0)" } }

    public var lifeSupport: LifeSupportStatus {
        LifeSupportStatus(
            ppO2kPa: number(BoardParameters.ppO2), o2Percent: number(BoardParameters.o2Percent), co2ppm: number(BoardParameters.co2),
            ppCO2kPa: number(BoardParameters.ppCO2),
            temperatureC: number(BoardParameters.temperature), pressurekPa: number(BoardParameters.pressure),
            humidityPercent: number(BoardParameters.humidity), scrubberStage: number(BoardParameters.scrubberStage),
            o2Valve: number(BoardParameters.o2Valve), heater: number(BoardParameters.heater))
    }

    public var power: PowerStatus {
        PowerStatus(
            socPercent: number(BoardParameters.soc), batteryVoltage: number(BoardParameters.batteryVoltage),
            batteryCurrent: number(BoardParameters.batteryCurrent), arrayPowerW: number(BoardParameters.arrayPower),
            eclipse: flag(BoardParameters.eclipse), shedLevel: number(BoardParameters.shedLevel))
    }

    public var attitude: AttitudeStatus {
        AttitudeStatus(
            quaternion: BoardParameters.quaternion.map { number($0) }, tracking: flag(BoardParameters.tracking),
            starsTracked: number(BoardParameters.starsTracked), rates: BoardParameters.rates.map { number($0) })
    }

    public var radiation: RadiationStatus {
        RadiationStatus(countsPerMinute: number(BoardParameters.cpm), doseRateMicrosievertPerHour: number(BoardParameters.doseRate))
    }

    public var executive: ExecutiveStatus {
        var latency: Double?
        var slips: Double?
        for (name, sample) in values where name.hasPrefix(BoardParameters.latencyPrefix) {
            let value = sample.value.doubleValue
            guard value.isFinite else { continue }
            if name.hasSuffix(BoardParameters.latencySuffix) { latency = max(latency ?? value, value) }
            if name.hasSuffix(BoardParameters.slipsSuffix) { slips = (slips ?? 0) + value }
        }
        return ExecutiveStatus(latencyP99Microseconds: latency, slips: slips, healthy: flag(BoardParameters.healthy))
    }
}
