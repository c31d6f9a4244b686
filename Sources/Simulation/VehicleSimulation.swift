import Drivers
import FlightCore
import HAL
import SimHardware

/// The whole vehicle on simulated hardware and simulated time: the flight software's topology
/// (unchanged) over simulated buses whose register-level models are driven by the physics world.
///
/// Deterministic for a configuration and seed: ``run(for:)`` advances the `SimClock` through the
/// executive, so two hours of flight take seconds and come out the same every time.
public final class VehicleSimulation {
    public let configuration: VehicleConfiguration
    public let clock: SimClock
    public let vehicle: SimulatedVehicle
    public let devices: DeviceSet
    public let topology: Topology

    /// Assembles the vehicle. Every bus in the configuration must be simulated, unless
    /// `standInForHardware` simulates the real ones too (for the vehicle's shape, not its physics).
    /// - Parameters:
    ///   - seed: overrides the configuration's `[vehicle] seed`.
    /// - Throws: ``TopologyError``.
    public init(configuration: VehicleConfiguration, physics: VehiclePhysics.Configuration = VehiclePhysics.Configuration(),
                seed: UInt64? = nil, standInForHardware: Bool = false) throws(TopologyError) {
        if !standInForHardware, let real = configuration.buses.first(where: { !$0.kind.isSimulated }) {
            throw .configuration(configuration.root.error("bus", "bus \"\(real.name)\" is \(real.kind.kindName): a simulation needs simulated buses only"))
        }
        self.configuration = configuration
        clock = SimClock()
        vehicle = SimulatedVehicle(seed: seed ?? configuration.seed, clock: clock, physics: physics)
        let buses = SimulatedBuses(configuration: configuration, simulation: vehicle, standInForHardware: standInForHardware)
        do {
            devices = try DeviceSet(configuration: configuration, provider: buses, catalog: DriverCatalog.all,
                                    clock: SimulatedDeviceClock(clock))
        } catch {
            throw .configuration(error)
        }
        topology = try Topology(configuration: configuration, devices: devices, clock: clock, mode: .simulated)
        topology.applySafeStates()
    }

    /// The parameter pool.
    public var pool: ParameterPool { topology.pool }

    /// The vehicle mode.
    public var mode: VehicleMode {
        guard let handle = try? pool.handle(named: "fdir.mode"), let raw = pool[handle].validValue ?? Optional(pool[handle].value) else { return .boot }
        return VehicleMode(rawValue: UInt8(clamping: Int(raw))) ?? .boot
    }

    /// A parameter's current value if valid.
    public func value(_ name: String) -> Double? {
        guard let handle = try? pool.handle(named: name) else { return nil }
        return pool.value(handle)
    }

    /// Runs the vehicle for `duration` of simulated time (whole base cycles).
    public func run(for duration: Duration) {
        executiveRun(until: clock.now.advanced(by: duration))
    }

    /// Runs until `deadline` on the simulated clock.
    public func run(until deadline: MonotonicInstant) {
        executiveRun(until: deadline)
    }

    private func executiveRun(until deadline: MonotonicInstant) {
        topology.executive.run(until: deadline)
    }
}
