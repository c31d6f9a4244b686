import Assembly
import Drivers
import FlightCore
import HAL
import LinuxHAL
import SimHardware
import Simulation

/// `iost-bench probe`: a full probe of the simulated vehicle (`iostd probe` without the process
/// start and the printing): every configured device opened, identified and read once through
/// its driver and the simulated buses.
///
/// `probe_ms` times ``Probe/run(_:clock:)`` alone on a freshly assembled vehicle;
/// `open_ms` times the whole assembly (`VehicleAssembly` in simulated time: configuration →
/// simulated world → drivers → flight components → services). Median of `--runs`.
enum ProbeBenchmark {
    static func run(_ options: Options) -> JSONObject {
        let path = options.string("config", default: "config/sim.toml")
        let runs = options.int("runs", default: 7)
        let clock = SystemMonotonicClock.shared
        let configuration: VehicleConfiguration
        do {
            configuration = try VehicleConfiguration.load(path: path)
        } catch {
            IostBench.fail("configuration error: \(error)")
        }
        guard configuration.buses.allSatisfy({ $0.kind.isSimulated }) else {
            IostBench.fail("\(path): every bus must be simulated for this benchmark")
        }
        var probeTimes: [Double] = []
        var openTimes: [Double] = []
        var devices = 0
        var failures = 0
        for _ in 0..<runs {
            let begin = clock.now
            let assembly: VehicleAssembly
            do {
                assembly = try VehicleAssembly(configuration: configuration, mode: .simulatedTime)
            } catch {
                IostBench.fail("\(error)")
            }
            let set = assembly.devices
            let simClock = assembly.clock
            let opened = clock.now
            let results = Probe().run(set, clock: simClock)
            let done = clock.now
            openTimes.append(Double((opened - begin).nanoseconds) / 1e6)
            probeTimes.append(Double((done - opened).nanoseconds) / 1e6)
            devices = results.count
            failures = results.filter { !$0.ok }.count
        }
        var object = JSONObject()
        object.add("devices", devices)
        object.add("failed", failures)
        object.add("runs", runs)
        object.add("probe_ms", median(probeTimes))
        object.add("probe_ms_max", probeTimes.max() ?? .nan)
        object.add("open_ms", median(openTimes))
        return object
    }
}
