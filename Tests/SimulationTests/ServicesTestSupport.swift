import FlightCore
import Foundation
import HAL
import Simulation
import SpaceLink
import Testing

/// The housekeeping structures proposed for config/sim.toml (also in docs/telecommands.md).
let proposedHousekeeping = """

    [telemetry]
    apid = 0x123
    spacecraft_id = 42
    utc_tai_offset_s = 37

    [[housekeeping]]
    id = 1
    name = "life_support"
    interval = "2s"
    parameters = ["ls.ppo2_kpa", "ls.o2_fraction_pct", "dev.cabin-co2.co2_ppm", "dev.cabin-env.temperature_c",
                  "ls.cabin_pressure_kpa", "ls.cabin_humidity_pct", "ls.scrubber_stage", "ls.heater_duty",
                  "ls.o2_valve_cmd", "ls.o2_sensor_status", "ls.co2_alarm"]

    [[housekeeping]]
    id = 2
    name = "power"
    interval = "5s"
    parameters = ["power.battery_soc_pct", "power.soc_status", "power.battery_voltage_v", "power.battery_current_a",
                  "power.array_power_w", "power.eclipse", "power.shed_level", "power.charging_state"]

    [[housekeeping]]
    id = 3
    name = "attitude"
    interval = "1s"
    parameters = ["dev.star-tracker.q_w", "dev.star-tracker.q_x", "dev.star-tracker.q_y", "dev.star-tracker.q_z",
                  "dev.star-tracker.tracking", "dev.star-tracker.stars_tracked",
                  "dev.imu.rate_x_rad_s", "dev.imu.rate_y_rad_s", "dev.imu.rate_z_rad_s"]

    [[housekeeping]]
    id = 4
    name = "radiation"
    interval = "10s"
    parameters = ["dev.geiger.cpm", "dev.geiger.cpm_corrected", "dev.geiger.dose_rate_usv_h"]

    [[housekeeping]]
    id = 5
    name = "executive"
    interval = "10s"
    parameters = ["exec.healthy", "exec.rt_applied", "exec.skipped_ticks", "exec.events_dropped", "exec.commands_applied",
                  "exec.att.latency_p99_us", "exec.lsp.latency_p99_us", "exec.pwr.latency_p99_us",
                  "exec.hk.latency_p99_us", "exec.mon.latency_p99_us",
                  "exec.att.exec_max_us", "exec.lsp.exec_max_us", "exec.pwr.exec_max_us", "exec.hk.exec_max_us", "exec.mon.exec_max_us",
                  "exec.att.slips", "exec.lsp.slips", "exec.pwr.slips", "exec.hk.slips", "exec.mon.slips",
                  "tc.accepted", "tc.rejected", "tc.executed", "tc.failed", "tm.records_dropped"]

    [[housekeeping]]
    id = 6
    name = "fdir"
    interval = "5s"
    parameters = ["mon.ppo2.state", "mon.co2.state", "mon.cabin_leak.state", "mon.cabin_pressure.state",
                  "mon.cabin_temperature.state", "mon.battery_soc.state", "mon.cabin_env_stale.state",
                  "mon.co2_sensor_stale.state", "mon.rate_group_health.state",
                  "dev.cabin-env.health", "dev.o2-a.health", "dev.o2-b.health", "dev.battery-power.health",
                  "dev.solar-power.health", "dev.imu.health", "dev.geiger.health", "dev.cabin-co2.health",
                  "dev.mppt.health", "dev.star-tracker.health"]

    [[housekeeping]]
    id = 7
    name = "actuators"
    interval = "5s"
    parameters = ["act.o2-valve.state", "act.scrubber-fan-stage1.state", "act.scrubber-fan-stage2.state",
                  "act.cabin-heater.state", "act.payload-switch.state", "act.radio-switch.state",
                  "act.heaters-switch.state", "act.crew-alarm.state",
                  "act.o2-valve.failures", "act.cabin-heater.failures"]
    """

/// config/sim.toml up to its telemetry/link sections, so a test can append its own.
func shippedVehicleWithoutServices() throws -> String {
    let shipped = try String(contentsOfFile: repositoryRoot() + "/config/sim.toml", encoding: .utf8)
    guard let marker = shipped.range(of: "# ================================================================ telemetry") else { return shipped }
    return String(shipped[..<marker.lowerBound])
}

/// 2025-01-01T00:00:00 TAI (2114380800 s after 1958) in Unix UTC seconds (TAI − UTC = 37 s):
/// the epoch of the pus-vectors.md test vectors, at monotonic zero.
let vectorEpoch = UTCTime(unixSeconds: 2_114_380_800 - 378_691_200 - 37)

/// The shipped simulated vehicle with the services on top and every TM packet they emitted.
final class ServicesHarness {
    let simulation: VehicleSimulation
    let services: SpaceServices
    private(set) var packets: [TelemetryPacket] = []
    private var sequence: UInt16 = 0

    /// - Parameter extra: TOML appended to config/sim.toml (default: the proposed housekeeping).
    init(extra: String = proposedHousekeeping) throws {
        let configuration = try VehicleConfiguration.parse(text: try shippedVehicleWithoutServices() + extra, path: "sim+services.toml")
        simulation = try VehicleSimulation(configuration: configuration, utc: .fixedEpoch(vectorEpoch))
        services = simulation.services
    }

    var topology: FlightComponents { simulation.topology }
    var now: MonotonicInstant { simulation.clock.now }

    /// A TC to APID 0x123 with the next sequence count.
    func telecommand(_ type: MessageType, _ data: [UInt8] = [], flags: AcknowledgementFlags = .all) -> [UInt8] {
        sequence += 1
        return PUSTelecommand(apid: 0x123, sequenceCount: sequence, messageType: type, acknowledgementFlags: flags, applicationData: data).encoded
    }

    /// Accepts `packet` at the current simulated time.
    @discardableResult
    func send(_ packet: [UInt8]) -> TelecommandVerdict {
        services.acceptTelecommand(packet, now: now)
    }

    /// Runs the vehicle in steps of at most one second, pumping telemetry after each.
    func run(for duration: Duration) {
        let end = now.advanced(by: duration)
        while now < end {
            let next = min(end, now.advanced(by: .seconds(1)))
            simulation.run(until: next)
            pump()
        }
    }

    /// Runs `count` base cycles (10 ms each), then pumps.
    func runCycles(_ count: Int) {
        simulation.topology.executive.runCycles(count)
        pump()
    }

    func pump() { packets += services.pump() }

    /// Every packet decoded (they must all decode).
    var telemetry: [PUSTelemetry] {
        packets.compactMap { try? PUSTelemetry.decode($0.bytes, expectedAPID: 0x123) }
    }

    func reports(_ type: MessageType) -> [PUSTelemetry] { telemetry.filter { $0.messageType == type } }

    /// The service 1 reports about `request`, in order.
    func verification(of request: RequestID) -> [VerificationReport] {
        telemetry.filter { $0.messageType.service == 1 }
            .compactMap { try? VerificationReport.decode($0.messageType, sourceData: $0.sourceData[...]) }
            .filter { $0.requestID == request }
    }

    /// The housekeeping reports of structure `id`, decoded with its layout.
    func housekeeping(_ id: UInt32) -> [HousekeepingReport] {
        guard let structure = services.directory.structures.first(where: { $0.id == id }) else { return [] }
        let layout = structure.types.map { SpaceLink.ParameterType(wireName: $0.rawValue) }
        return reports(.housekeepingReport)
            .filter { (try? HousekeepingReport.structureID(of: $0.sourceData[...])) == id }
            .compactMap { try? HousekeepingReport.decode($0.sourceData[...], layout: layout) }
    }

    func clear() { packets.removeAll() }

    func value(_ name: String) -> Double? { simulation.value(name) }
}

extension SpaceLink.ParameterType {
    init(wireName: String) {
        self = Self.allCases.first { "\($0)" == wireName } ?? .f64
    }
}

func hex(_ text: String) -> [UInt8] {
    var bytes: [UInt8] = []
    var index = text.startIndex
    while index < text.endIndex {
        let next = text.index(index, offsetBy: 2)
        bytes.append(UInt8(text[index..<next], radix: 16)!)
        index = next
    }
    return bytes
}

func hexString(_ bytes: [UInt8]) -> String {
    bytes.map { String(format: "%02x", $0) }.joined()
}

extension RequestID {
    /// The request ID of a raw TC.
    static func of(_ packet: [UInt8]) -> RequestID { RequestID(rawPacket: packet)! }
}
