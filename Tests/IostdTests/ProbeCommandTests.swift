import Foundation
import PeerSupport
import Testing

/// End-to-end tests of the `iostd` binary (built by `swift build --build-tests`).
@Suite(.serialized) struct ProbeCommandTests {
    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
        var lines: [String] { stdout.split(separator: "\n").map(String.init) }
    }

    static var binary: URL {
        let build = PeerEnvironment.repository.appendingPathComponent(".build/debug/iostd")
        return build
    }

    static func iostd(_ arguments: [String]) throws -> Run {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.currentDirectoryURL = PeerEnvironment.repository
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
    }

    static func object(_ line: String) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
    }

    @Test func probeOfTheSimulatedVehicleReadsEveryDevice() throws {
        let run = try Self.iostd(["probe", "--json"])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        let objects = run.lines.compactMap(Self.object)
        #expect(objects.count == 17)
        #expect(objects.allSatisfy { $0["ok"] as? Bool == true }, "\(run.stdout)")
        func values(_ device: String) -> [String: Double] {
            (objects.first { $0["device"] as? String == device }?["values"] as? [String: Double]) ?? [:]
        }
        // The simulated cabin starts at 101.325 kPa, ppO2 21.3 kPa, CO2 40.5 Pa (400 ppm) — see
        // CabinAtmosphere.Configuration — and the drivers must read that back through the models.
        #expect(abs((values("cabin-env")["pressure_pa"] ?? 0) - 101_325) < 50)
        #expect(abs((values("o2-a")["ppo2_kpa"] ?? 0) - 21.3) < 0.1)
        #expect(abs((values("o2-b")["ppo2_kpa"] ?? 0) - 21.3) < 0.1)
        #expect(abs((values("cabin-co2")["co2_ppm"] ?? 0) - 400) < 15)
        #expect((values("battery-power")["bus_voltage_v"] ?? 0) > 20)
        #expect(values("scrubber-fan")["stage"] == 1)
        #expect(values("o2-valve")["state"] == 0)
        #expect(
            Set(objects.compactMap { $0["driver"] as? String }) == [
                "bme280", "ads1115-o2", "ina226", "mpu6050", "geiger", "scd30", "epever-tracer", "star-tracker", "gpio-actuator", "gpio-fan",
            ])
    }

    @Test func textProbePrintsOneLinePerDevice() throws {
        let run = try Self.iostd(["probe"])
        #expect(run.status == 0)
        #expect(run.lines.count == 17)
        #expect(run.lines.first { $0.hasPrefix("cabin-env") }?.contains("ok    [chip id 0x60] temperature_c=") == true)
    }

    @Test func unusableConfigurationExits78NamingFileLineAndKey() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("iostd-config-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("bad.toml").path
        try "[[bus]]\nname = \"i2c-1\"\nkind = \"sim-i2c\"\n\n[[device]]\nname = \"env\"\ndriver = \"bme280\"\nbus = \"i2c-1\"\naddress = 0x76\nshunt = 3\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        let run = try Self.iostd(["probe", "--config", path])
        #expect(run.status == 78)
        #expect(run.stderr.contains("\(path):10: device \"env\": key \"shunt\": unknown key"), "\(run.stderr)")
        #expect(run.stdout.isEmpty)

        let missing = try Self.iostd(["probe", "--config", directory.appendingPathComponent("none.toml").path])
        #expect(missing.status == 78)
        #expect(missing.stderr.contains("cannot read the file"))
    }

    @Test func aBadDriverValueOnASimulatedBusIsAConfigurationErrorNotACrash() throws {
        let shipped = try String(contentsOf: PeerEnvironment.repository.appendingPathComponent("config/sim.toml"), encoding: .utf8)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("iostd-shunt-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("zero-shunt.toml").path
        try shipped.replacingOccurrences(of: "shunt_ohms = 0.001 ", with: "shunt_ohms = 0.0 ").write(toFile: path, atomically: true, encoding: .utf8)
        let run = try Self.iostd(["probe", "--config", path])
        #expect(run.status == 78)
        #expect(run.stderr.contains("key \"shunt_ohms\": expected a number in"), "\(run.stderr)")
    }

    @Test func anAbsentI2CDeviceIsReportedAsNoAcknowledge() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("iostd-nack-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("nack.toml").path
        // A real Linux bus that does not exist on this machine: the device is reported, not a crash.
        try "[[bus]]\nname = \"i2c-9\"\nkind = \"i2c\"\ndevice = \"/dev/i2c-239\"\n\n[[device]]\nname = \"env\"\ndriver = \"bme280\"\nbus = \"i2c-9\"\naddress = 0x76\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        let run = try Self.iostd(["probe", "--json", "--config", path])
        #expect(run.status == 1)
        let object = try #require(run.lines.first.flatMap(Self.object))
        #expect(object["ok"] as? Bool == false)
        #expect((object["error"] as? String)?.contains("/dev/i2c-239") == true)
    }

    /// The issue's "done" check: `iostd probe` against a pymodbus server holding the SCD30 register
    /// map reads the values that server holds.
    @Test func probeReadsTheValuesAPymodbusSCD30Holds() throws {
        let peer = try ModbusPeer.tcp(device: "scd30", values: #"{"co2_ppm": 812.5, "temperature_c": 21.2, "humidity_pct": 40.1}"#)
        defer { peer.stop() }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("iostd-scd30-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("scd30.toml").path
        try """
        [[bus]]
        name = "rs485-1"
        kind = "modbus-tcp"
        host = "127.0.0.1"
        port = \(peer.port)

        [[device]]
        name = "cabin-co2"
        driver = "scd30"
        bus = "rs485-1"
        unit = 97
        sample_period = "2s"          # keys every device may carry are accepted on a real bus too
        """.write(toFile: path, atomically: true, encoding: .utf8)
        let run = try Self.iostd(["probe", "--json", "--config", path])
        #expect(run.status == 0, "\(run.stdout) \(run.stderr)")
        let object = try #require(run.lines.first.flatMap(Self.object))
        let values = try #require(object["values"] as? [String: Double])
        #expect(values["co2_ppm"] == 812.5)
        #expect(abs((values["temperature_c"] ?? 0) - 21.2) < 1e-4)
        #expect(abs((values["humidity_pct"] ?? 0) - 40.1) < 1e-4)
    }
}
