import Assembly
import FlightCore
import Foundation
import HAL
import Simulation
import SpaceLink
import Testing

/// `[telemetry]`, `[[housekeeping]]` and the mission database.
@Suite struct ServicesConfigurationTests {
    static func shipped() throws -> String {
        try shippedVehicleWithoutServices()
    }

    /// Builds the services over the shipped vehicle plus `extra`; the error if any.
    static func build(_ extra: String) throws -> ConfigurationError? {
        let configuration = try VehicleConfiguration.parse(text: try shipped() + extra, path: "test.toml")
        do {
            _ = try VehicleSimulation(configuration: configuration, utc: .fixedEpoch(vectorEpoch))
            return nil
        } catch AssemblyError.configuration(let error) {
            return error
        }
    }

    @Test func anUnknownParameterIsReportedAtItsLine() throws {
        let lines = try Self.shipped().filter { $0 == "\n" }.count
        let error = try #require(try Self.build("\n[[housekeeping]]\nid = 9\nname = \"cabin\"\nparameters = [\"ls.ppo2_kpa\", \"ls.ppo2_kpaa\"]\n"))
        #expect(error.line == lines + 5)
        #expect(error.context == "housekeeping \"cabin\"")
        #expect(error.key == "parameters")
        #expect(error.message == "unknown parameter \"ls.ppo2_kpaa\" (did you mean \"ls.ppo2_kpa\"?)")
        #expect(error.description.hasPrefix("test.toml:\(lines + 5): housekeeping \"cabin\": key \"parameters\": unknown parameter"))
    }

    @Test func badHousekeepingTablesAreRefused() throws {
        let fraction = try #require(try Self.build("\n[[housekeeping]]\nid = 1\nname = \"a\"\ninterval = \"1500ms\"\nparameters = [\"ls.ppo2_kpa\"]\n"))
        #expect(fraction.key == "interval")
        #expect(fraction.message.contains("not a whole multiple"))

        let twice = try #require(
            try Self.build(
                """

                [[housekeeping]]
                id = 1
                name = "a"
                parameters = ["ls.ppo2_kpa"]
                [[housekeeping]]
                id = 1
                name = "b"
                parameters = ["ls.ppo2_kpa"]

                """))
        #expect(twice.key == "id" && twice.message == "structure ID 1 is used twice")

        let empty = try #require(try Self.build("\n[[housekeeping]]\nid = 1\nname = \"a\"\n"))
        #expect(empty.key == "parameters")

        let misspelt = try #require(try Self.build("\n[[housekeeping]]\nid = 1\nname = \"a\"\nparameters = [\"ls.ppo2_kpa\"]\nenable = true\n"))
        #expect(misspelt.message == "unknown key (did you mean \"enabled\"?)")

        let tooMany = Array(repeating: "\"ls.ppo2_kpa\"", count: 64).joined(separator: ", ")
        let full = try #require(try Self.build("\n[[housekeeping]]\nid = 1\nname = \"a\"\nparameters = [\(tooMany)]\n"))
        #expect(full.message == "65 parameters with fdir.mode; a structure holds at most 64")
    }

    @Test func telemetryKeysAndDefaults() throws {
        let misspelt = try #require(try Self.build("\n[telemetry]\napd = 0x124\n"))
        #expect(misspelt.message == "unknown key (did you mean \"apid\"?)")
        let idle = try #require(try Self.build("\n[telemetry]\napid = 0x7FF\n"))
        #expect(idle.key == "apid")

        let defaults = try ServicesConfiguration(root: try VehicleConfiguration.parse(text: try Self.shipped(), path: "t.toml").root)
        #expect(defaults.telemetry == TelemetryConfiguration())
        #expect(defaults.telemetry.apid == 0x123 && defaults.telemetry.spacecraftID == 42 && defaults.telemetry.utcToTAIOffset == 37)
        #expect(defaults.housekeeping.isEmpty)

        let custom = try ServicesConfiguration(
            root: try VehicleConfiguration.parse(
                text: try Self.shipped() + """

                    [telemetry]
                    apid = 0x42
                    time_p_field = false
                    hk_default_interval = "30s"
                    [[housekeeping]]
                    id = 7
                    name = "slow"
                    enabled = false
                    parameters = ["ls.ppo2_kpa"]

                    """, path: "t.toml"
            ).root)
        #expect(custom.telemetry.apid == 0x42 && custom.telemetry.timeFormat == .cucImplicit)
        #expect(custom.housekeeping.map(\.interval) == [.seconds(30)])
        #expect(custom.housekeeping.map(\.enabled) == [false])
    }

    @Test func implicitTimeFieldAndAnotherAPID() throws {
        let harness = try ServicesHarness(extra: "\n[telemetry]\napid = 0x042\ntime_p_field = false\n")
        let tc = PUSTelecommand(apid: 0x042, sequenceCount: 5, messageType: .areYouAlive, acknowledgementFlags: []).encoded
        #expect(harness.send(tc) == .accepted(.of(tc)))
        let other = PUSTelecommand(apid: 0x123, sequenceCount: 6, messageType: .areYouAlive).encoded
        #expect(harness.send(other) == .rejected(.of(other), FailureNotice(.badAPID)))
        harness.runCycles(1)
        let answer = try #require(harness.packets.first { $0.messageType == .areYouAliveReport })
        let decoded = try PUSTelemetry.decode(answer.bytes, timeFormat: .cucImplicit, expectedAPID: 0x042)
        #expect(decoded.time == CUCTime(coarse: 2_114_380_800, fine: 0))
        #expect(answer.bytes.count == 6 + 7 + 6 + 2)
    }

    // MARK: Mission database

    @Test func theMissionDatabaseDescribesTheVehicle() throws {
        let harness = try ServicesHarness()
        let text = harness.services.missionDatabase.json
        let root = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(root["schema"] as? String == "iost-mission-database")
        #expect(root["schema_version"] as? Int == 1)
        #expect(root["apid"] as? Int == 0x123)
        #expect(root["spacecraft_id"] as? Int == 42)
        let time = try #require(root["time"] as? [String: Any])
        #expect(time["p_field"] as? Int == 0x1E && time["utc_tai_offset_s"] as? Int == 37)

        let parameters = try #require(root["parameters"] as? [[String: Any]])
        #expect(parameters.count == harness.topology.pool.count)
        let ppo2Low = try #require(parameters.first { $0["name"] as? String == "ls.ppo2_low_kpa" })
        #expect(ppo2Low["id"] as? Int == 0x0220 && ppo2Low["type"] as? String == "f32" && ppo2Low["tag"] as? Int == 6)
        #expect(ppo2Low["tunable"] as? Bool == true && ppo2Low["range"] as? [Double] == [17, 23])
        #expect(parameters.contains { $0["name"] as? String == "tc.accepted" && $0["id"] as? Int == 0x0900 })

        let housekeeping = try #require(root["housekeeping"] as? [[String: Any]])
        #expect(housekeeping.map { $0["id"] as? Int } == [1, 2, 3, 4, 5, 6, 7])
        #expect(housekeeping.allSatisfy { ($0["parameters"] as? [Int])?.first == 0x0500 })
        #expect(housekeeping.first?["interval_ms"] as? Int == 2_000)
        #expect((housekeeping.first?["parameters"] as? [Int])?.count == 12)

        let events = try #require(root["events"] as? [[String: Any]])
        let safe = try #require(events.first { $0["id"] as? Int == 0x0503 })
        #expect(safe["name"] as? String == "mode_safe" && safe["subtype"] as? Int == 3)
        #expect(safe["arguments"] as? [String] == ["from mode", "to mode", "reason", "detail"])

        let functions = try #require(root["functions"] as? [[String: Any]])
        #expect(
            functions.map { $0["name"] as? String } == [
                "set_mode", "actuator_command", "load_switch", "device_reset", "monitor_enable",
                "event_action_enable", "release_safing_latches", "reset_executive_statistics",
            ])
        let channels = try #require(root["channels"] as? [[String: Any]])
        #expect(
            channels.map { $0["name"] as? String } == [
                "o2-valve", "scrubber-fan-stage1", "scrubber-fan-stage2", "cabin-heater",
                "payload-switch", "radio-switch", "heaters-switch", "crew-alarm",
            ])
        #expect(channels.map { $0["load_switch"] as? Bool } == [false, false, false, false, true, true, true, false])
        #expect(channels[1]["device"] as? String == "scrubber-fan")
        let devices = try #require(root["devices"] as? [[String: Any]])
        #expect(devices.count == 17)
        #expect(devices[0]["name"] as? String == "cabin-env" && devices[0]["driver"] as? String == "bme280" && devices[0]["resettable"] as? Bool == true)
        #expect(devices[10]["name"] as? String == "o2-valve" && devices[10]["resettable"] as? Bool == false)
        let monitors = try #require(root["monitors"] as? [[String: Any]])
        #expect(monitors.count == 9 && monitors[0]["name"] as? String == "ppo2" && monitors[0]["parameter"] as? String == "ls.ppo2_kpa")
        let actions = try #require(root["event_actions"] as? [[String: Any]])
        #expect(actions.map { $0["action"] as? String } == ["recover_device (event argument)", "scrubber_max", "crew_alarm"])
        #expect((root["modes"] as? [[String: Any]])?.map { $0["name"] as? String } == ["BOOT", "NOMINAL", "DEGRADED", "SAFE", "EMERGENCY"])
        #expect((root["failure_codes"] as? [[String: Any]])?.count == 12 + 6)
        #expect((root["failure_codes"] as? [[String: Any]])?[11]["name"] as? String == "constraint_violated")
        // Service 11's own codes (0x1101…).
        #expect((root["failure_codes"] as? [[String: Any]])?.last?["code"] as? Int == 0x1106)
        // Names the ground shows instead of numbers.
        #expect((root["mode_reasons"] as? [[String: Any]])?.first { $0["value"] as? Int == 5 }?["name"] as? String == "battery_critical")
        #expect((root["monitor_states"] as? [[String: Any]])?.first { $0["value"] as? Int == 5 }?["name"] as? String == "alarm_high")
        let modeSafe = (root["events"] as? [[String: Any]])?.first { $0["name"] as? String == "mode_safe" }
        #expect((modeSafe?["argument_kinds"] as? [Any])?.map { $0 as? String } == ["mode", "mode", "mode_reason", nil])

        // Deterministic: the same vehicle gives the same octets.
        #expect(try ServicesHarness().services.missionDatabase.json == text)
    }

    @Test func jsonTextEscapesAndNumbers() {
        #expect(JSONText.string("a\"b\\c\n\u{01}é").rendered(pretty: false) == "\"a\\\"b\\\\c\\n\\u0001é\"")
        #expect(
            JSONText.array([.number(0.1), .number(.nan), .number(-3), .integer(7), .null, .bool(false)]).rendered(pretty: false)
                == "[0.1,null,-3,7,null,false]")
        #expect(JSONText.object([("b", .int(1)), ("a", .object([]))]).rendered() == "{\n  \"b\": 1,\n  \"a\": {}\n}\n")
    }
}
