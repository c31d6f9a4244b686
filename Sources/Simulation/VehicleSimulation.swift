import Drivers
import FlightCore
import HAL
import SimHardware
import Assembly

/// The whole vehicle on simulated hardware and simulated time: the vehicle's one assembly in
/// ``RunMode/simulatedTime(_:)`` — the flight software unchanged, over simulated buses whose
/// register-level models are driven by the physics world.
///
/// Deterministic for a configuration and seed: ``run(for:)`` advances the `SimClock` through the
/// executive, so two hours of flight take seconds and come out the same every time.
public final class VehicleSimulation {
    public let assembly: VehicleAssembly
    public let configuration: VehicleConfiguration
    public let clock: SimClock
    public let vehicle: SimulatedVehicle

    /// Assembles the vehicle. Every bus in the configuration must be simulated, unless
    /// `standInForHardware` simulates the real ones too (for the vehicle's shape, not its physics).
    /// - Parameters:
    ///   - seed: overrides the configuration's `[vehicle] seed`.
    ///   - utc: monotonic time to UTC for the services' telemetry (default 1970 at zero).
    /// - Throws: ``AssemblyError``.
    public init(
        configuration: VehicleConfiguration, physics: VehiclePhysics.Configuration = VehiclePhysics.Configuration(),
        seed: UInt64? = nil, standInForHardware: Bool = false, utc: UTCMapping? = nil
    ) throws(AssemblyError) {
        self.configuration = configuration
        assembly = try VehicleAssembly(
            configuration: configuration,
            mode: .simulatedTime(RunMode.SimulatedTime(seed: seed, physics: physics, standInForHardware: standInForHardware)),
            options: AssemblyOptions(utc: utc))
        guard let clock = assembly.clock as? SimClock, let vehicle = assembly.simulation else {
            throw .assembly("a simulated-time assembly has a simulated clock and world")
        }
        self.clock = clock
        self.vehicle = vehicle
        assembly.applySafeStates()
    }

    /// The flight components.
    public var topology: FlightComponents { assembly.flight }
    /// The services.
    public var services: SpaceServices { assembly.services }
    public var devices: DeviceSet { assembly.devices }

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
        assembly.run(until: deadline)
    }
}
