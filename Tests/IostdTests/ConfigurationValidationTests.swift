import Foundation
import PeerSupport
import Testing

/// `iostd probe` and `iostd run` validate a configuration the same way (one assembly): every
/// malformed file found by trying the project as a new user would is refused by both with exit
/// status 78 and a message naming the file, the line and the key.
@Suite(.serialized) struct ConfigurationValidationTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        /// From the shipped config/sim.toml text to the broken one.
        var edit: @Sendable (String) -> String
        /// What stderr must contain (key, "did you mean", …).
        var expected: [String]
        var testDescription: String { name }
    }

    static func replacing(_ old: String, _ new: String) -> @Sendable (String) -> String {
        { text in text.replacingOccurrences(of: old, with: new) }
    }

    static let cases: [Case] = [
        Case(name: "empty file", edit: { _ in "" }, expected: ["key \"device\"", "no [[device]]"]),
        Case(
            name: "no devices",
            edit: { text in
                text.components(separatedBy: "\n[[device]]").first.map { $0 + "\n" } ?? ""
            }, expected: ["no [[device]]"]),
        Case(name: "base rate as a string", edit: replacing("base_rate_hz = 100 ", "base_rate_hz = \"fast\" "), expected: ["key \"base_rate_hz\""]),
        Case(name: "base rate 0", edit: replacing("base_rate_hz = 100 ", "base_rate_hz = 0 "), expected: ["key \"base_rate_hz\""]),
        Case(name: "base rate 1 MHz", edit: replacing("base_rate_hz = 100 ", "base_rate_hz = 1000000 "), expected: ["key \"base_rate_hz\""]),
        Case(name: "unknown section", edit: { $0 + "\n[telemetri]\napid = 1\n" }, expected: ["key \"telemetri\"", "did you mean \"telemetry\""]),
        Case(name: "negative sample period", edit: replacing("address = 0x76\n", "address = 0x76\nsample_period = \"-1s\"\n"), expected: ["key \"sample_period\""]),
        Case(name: "1 ns sample period", edit: replacing("address = 0x76\n", "address = 0x76\nsample_period = \"1ns\"\n"), expected: ["key \"sample_period\"", "10ms"]),
        Case(name: "empty downlink", edit: replacing("downlink = [\"127.0.0.1:10025\", \"127.0.0.1:10027\"]", "downlink = []"), expected: ["key \"downlink\""]),
        Case(name: "100 Mbit/s", edit: replacing("bit_rate = 64000 ", "bit_rate = 100000000 "), expected: ["key \"bit_rate\""]),
        Case(
            name: "two actuators on one line", edit: replacing("line_name = \"cabin-heater\"", "line_name = \"o2-valve\""),
            expected: ["already used by device \"o2-valve\""]),
        Case(name: "misspelt address", edit: replacing("address = 0x76\n", "adress = 0x76\n"), expected: ["key \"adress\"", "did you mean \"address\""]),
        Case(
            name: "unknown critical device", edit: replacing("critical_devices = [\"cabin-env\", \"cabin-co2\"]", "critical_devices = [\"cabin-env\", \"cabin-c02\"]"),
            expected: ["key \"critical_devices\"", "cabin-c02"]),
        Case(
            name: "monitor in a group that does not exist", edit: { $0 + "\n[[monitor]]\nname = \"x\"\nparameter = \"exec.cycles\"\nkind = \"stale\"\ngroup = \"monitoring\"\n" },
            expected: ["key \"group\"", "no rate group named \"monitoring\""]),
        Case(name: "a role that does not exist", edit: replacing("role = \"crew_alarm\"", "role = \"klaxon\""), expected: ["key \"role\""]),
    ]

    static func write(_ text: String, name: String) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("iostd-validate-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent(name.replacingOccurrences(of: " ", with: "-").replacingOccurrences(of: "/", with: "-") + ".toml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test(arguments: cases) func probeAndRunRefuseItAlike(_ broken: Case) throws {
        let shipped = try String(contentsOf: PeerEnvironment.repository.appendingPathComponent("config/sim.toml"), encoding: .utf8)
        let edited = broken.edit(shipped)
        #expect(edited != shipped, "the edit changed nothing: the case tests the shipped file")
        let path = try Self.write(edited, name: broken.name)
        let probe = try ProbeCommandTests.iostd(["probe", "--config", path])
        let state = PeerEnvironment.scratchStateDirectory()
        defer { PeerEnvironment.removeStateDirectory(state) }
        let run = try ProbeCommandTests.iostd([
            "run", "--config", path, "--duration", "1s", "--downlink", "127.0.0.1:9", "--uplink", "127.0.0.1:0", "--state-dir", state,
        ])
        for (command, result) in [("probe", probe), ("run", run)] {
            #expect(result.status == 78, "\(command): \(result.stderr)")
            #expect(result.stderr.contains(path + ":") || broken.name == "empty file" && result.stderr.contains(path), "\(command): \(result.stderr)")
            for fragment in broken.expected {
                #expect(result.stderr.contains(fragment), "\(command): \(result.stderr)")
            }
        }
    }
}
