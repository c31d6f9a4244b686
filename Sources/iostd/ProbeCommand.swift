import ArgumentParser
import Assembly
import Drivers
import FlightCore
import HAL
import SimHardware

/// `iostd probe`: open every configured device, identify it, read it once.
struct ProbeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Open, identify and read every configured device once (like i2cget or sensors).",
        discussion: "Exit status 0 only if every device answered; 78 for an unusable configuration."
    )

    @OptionGroup var options: ConfigOptions

    @Flag(name: .long, help: "One JSON object per device per line.")
    var json = false

    func run() throws {
        let configuration = try options.load()
        // The same assembly and the same validation as `iostd run`; nothing is started: every
        // device is opened, identified and read once through its driver.
        let mode: RunMode = configuration.buses.allSatisfy({ $0.kind.isSimulated }) ? .simulatedTime : .realTime(for: configuration)
        let devices: DeviceSet
        let clock: any MonotonicClock
        // The simulated world steps only while referenced: keep it for the whole probe.
        var keepAlive: AnyObject?
        do {
            let assembly = try VehicleAssembly(configuration: configuration, mode: mode)
            devices = assembly.devices
            clock = assembly.clock
            keepAlive = assembly
        } catch .assembly(let reason) {
            // Valid configuration, but not a whole vehicle (one sensor on a bench): still probe it.
            Terminal.error("iostd: warning: not a complete vehicle, `iostd run` would refuse it (\(reason)); probing the devices alone")
            do {
                let opened = try VehicleAssembly.devices(of: configuration, mode: mode)
                (devices, clock, keepAlive) = (opened.devices, opened.clock, opened.simulation)
            } catch {
                Terminal.error("iostd: \(error)")
                throw ExitCode(DaemonStartError(error).exitStatus)
            }
        } catch {
            Terminal.error("iostd: \(error)")
            throw ExitCode(DaemonStartError(error).exitStatus)
        }
        let results = withExtendedLifetime(keepAlive) { Probe().run(devices, clock: clock) }
        for result in results {
            Terminal.out(json ? Self.jsonLine(result) : Self.textLine(result))
        }
        if !results.allSatisfy(\.ok) { throw ExitCode(ExitStatus.deviceFailure) }
    }

    static func jsonLine(_ result: ProbeResult) -> String {
        var object = JSONObject()
        object.add("device", result.device)
        object.add("driver", result.driver)
        object.add("ok", result.ok)
        if let identity = result.identity { object.add("identity", identity) }
        if result.ok {
            var values = JSONObject()
            for reading in result.values { values.add(reading.key, reading.value) }
            object.add("values", values)
        } else {
            object.add("error", result.error ?? "unknown error")
        }
        return object.text
    }

    static func textLine(_ result: ProbeResult) -> String {
        let head = pad(result.device, 18) + pad(result.driver, 14)
        guard result.ok else { return head + "FAIL  " + (result.error ?? "unknown error") }
        let values = result.values.map { "\($0.key)=\(format($0.value))" }.joined(separator: " ")
        return head + "ok    " + (result.identity.map { "[\($0)] " } ?? "") + values
    }

    private static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }

    private static func format(_ value: Double) -> String {
        guard value.isFinite else { return String(value) }
        if value == value.rounded(), abs(value) < 1e9 { return String(Int64(value)) }
        let scaled = (value * 1000).rounded() / 1000
        return String(scaled)
    }
}
