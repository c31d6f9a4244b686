import Foundation
import FlightCore
import HAL
import Testing

@Suite struct ConfigurationTests {
    static let minimal = """
        [vehicle]
        name = "t"

        [[bus]]
        name = "i2c-1"
        kind = "i2c"
        device = "/dev/i2c-1"

        [[bus]]
        name = "rs485-1"
        kind = "modbus-tcp"
        host = "127.0.0.1"
        port = 1502

        [[device]]
        name = "cabin-env"
        driver = "bme280"
        bus = "i2c-1"
        address = 0x76

        [[device]]
        name = "cabin-co2"
        driver = "scd30"
        bus = "rs485-1"
        unit = 97
        """

    @Test func parsesBusesAndDevices() throws {
        let config = try VehicleConfiguration.parse(text: Self.minimal, path: "t.toml")
        #expect(config.vehicleName == "t")
        #expect(config.buses.map(\.name) == ["i2c-1", "rs485-1"])
        #expect(config.buses[0].kind == .i2c(device: "/dev/i2c-1"))
        #expect(config.buses[1].kind == .modbusTCP(host: "127.0.0.1", port: 1502))
        #expect(config.buses[1].responseTimeout == .seconds(1))
        #expect(config.devices.map(\.name) == ["cabin-env", "cabin-co2"])
        #expect(config.devices[0].address == .i2c(I2CAddress(0x76)))
        #expect(config.devices[1].address == .modbusUnit(97))
    }

    private func error(_ text: String) -> ConfigurationError? {
        do {
            _ = try VehicleConfiguration.parse(text: text, path: "bad.toml")
            return nil
        } catch {
            return error
        }
    }

    @Test func syntaxErrorNamesTheLine() {
        let error = error("[vehicle]\nname = \"x\"\n[[bus]\nname = 1\n")
        #expect(error?.line == 3)
        #expect(error?.description.hasPrefix("bad.toml:3: not valid TOML") == true)
    }

    @Test func wrongTypeNamesFileLineDeviceKeyAndExpectation() {
        let text = Self.minimal.replacingOccurrences(of: "address = 0x76", with: "address = \"0x76\"")
        let error = error(text)
        #expect(error?.description == "bad.toml:19: device \"cabin-env\": key \"address\": expected an integer in 3...119, found \"0x76\"")
    }

    @Test func outOfRangeAddressAndUnit() {
        #expect(error(Self.minimal.replacingOccurrences(of: "address = 0x76", with: "address = 0x80"))?.key == "address")
        #expect(
            error(Self.minimal.replacingOccurrences(of: "unit = 97", with: "unit = 0"))?.description
                == "bad.toml:25: device \"cabin-co2\": key \"unit\": expected an integer in 1...247, found 0")
    }

    @Test func unknownBusAndKindAreExplained() {
        let unknownBus = error(Self.minimal.replacingOccurrences(of: "bus = \"rs485-1\"", with: "bus = \"rs485-9\""))
        #expect(unknownBus?.description == "bad.toml:24: device \"cabin-co2\": key \"bus\": no bus named \"rs485-9\" (defined: \"i2c-1\", \"rs485-1\")")
        let badKind = error(Self.minimal.replacingOccurrences(of: "kind = \"i2c\"", with: "kind = \"spi\""))
        #expect(badKind?.line == 6)
        #expect(badKind?.description.contains("expected one of \"i2c\"") == true)
    }

    @Test func misspeltKeyIsRejectedWithASuggestion() {
        let text = Self.minimal.replacingOccurrences(of: "port = 1502", with: "port = 1502\nrespons_timeout = 2")
        #expect(error(text)?.description == "bad.toml:14: bus \"rs485-1\": key \"respons_timeout\": unknown key (did you mean \"response_timeout\"?)")
    }

    @Test func duplicateNamesAreRejected() {
        let text = Self.minimal + "\n[[device]]\nname = \"cabin-env\"\ndriver = \"bme280\"\nbus = \"i2c-1\"\naddress = 0x77\n"
        #expect(error(text)?.description.contains("a device named \"cabin-env\" is already defined") == true)
    }

    @Test func missingFileIsAConfigurationError() {
        #expect(throws: ConfigurationError.self) { try VehicleConfiguration.load(path: "/nonexistent/iostd.toml") }
    }

    @Test func modbusRTUDefaultsToNoParity() throws {
        let text = "[[bus]]\nname = \"rs485\"\nkind = \"modbus-rtu\"\ndevice = \"/dev/ttyUSB0\"\n"
        let config = try VehicleConfiguration.parse(text: text, path: "rtu.toml")
        #expect(config.buses[0].kind == .modbusRTU(device: "/dev/ttyUSB0", baud: 19200, parity: .none, dataBits: 8, stopBits: 1, serialMode: nil))
    }

    @Test func durations() {
        #expect(DurationText.parse("250ms") == .milliseconds(250))
        #expect(DurationText.parse("2h") == .seconds(7200))
        #expect(DurationText.parse("1.5 min") == .seconds(90))
        #expect(DurationText.parse("fast") == nil)
        #expect(DurationText.parse("-1s") == nil)
    }

    @Test(arguments: ["config/sim.toml", "config/bench.toml"])
    func shippedConfigurationsParse(path: String) throws {
        let config = try VehicleConfiguration.load(path: repositoryRoot() + "/" + path)
        #expect(config.devices.count >= 17)
        #expect(Set(config.devices.map(\.driver)).isSuperset(of: ["bme280", "ads1115-o2", "ina226", "mpu6050", "geiger", "scd30", "epever-tracer", "star-tracker", "gpio-actuator"]))
    }
}

/// The repository root, from this file's location.
func repositoryRoot(_ file: String = #filePath) -> String {
    var path = file
    for _ in 0..<3 {
        if let slash = path.lastIndex(of: "/") { path = String(path[..<slash]) }
    }
    return path
}
