import ArgumentParser
import FlightCore
import HAL
import Simulation

/// `iostd sim`: fly a scenario on the simulated vehicle as fast as the CPU allows and print the
/// timeline.
struct SimCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sim",
        abstract: "Run a simulated scenario (scenarios/*.toml) and print its timeline.",
        discussion: """
            Events, mode changes and scenario actions are printed as they happen, the key parameters \
            every sample interval, then a summary. With --json, one object per line with a "type" \
            field: action, event, mode, sample, summary. Exit status 0; 78 for an unusable scenario \
            or configuration (the message names the file and line).
            """
    )

    @Option(name: .long, help: "The scenario file (TOML; format: scenarios/README.md).")
    var scenario: String

    @Option(name: .long, help: "Simulated time to run instead of the scenario's duration (e.g. 2h, 90min, 600).")
    var duration: String?

    @Option(name: .long, help: "Vehicle configuration instead of the scenario's `config`.")
    var config: String?

    @Flag(name: .long, help: "One JSON object per line.")
    var json = false

    @Flag(name: .long, help: "Only the summary (and errors).")
    var quiet = false

    func run() throws {
        let scenario: Scenario
        do {
            scenario = try Scenario.load(path: self.scenario)
        } catch {
            Terminal.error("iostd: scenario error: \(error)")
            throw ExitCode(ExitStatus.configuration)
        }
        var length: Duration?
        if let duration {
            guard let parsed = DurationText.parse(duration), parsed > .zero else {
                Terminal.error("iostd: --duration: expected a duration such as 2h, 90min or 600, found \"\(duration)\"")
                throw ExitCode.validationFailure
            }
            length = parsed
        }
        let runner: ScenarioRunner
        do {
            runner = try ScenarioRunner(scenario: scenario, configurationPath: config)
        } catch {
            Terminal.error("iostd: configuration error: \(error)")
            throw ExitCode(ExitStatus.configuration)
        }
        let columns = runner.columns
        if !json && !quiet {
            Terminal.out("scenario \(scenario.name): \(scenario.description)")
            Terminal.out("vehicle \(runner.simulation.configuration.path), seed \(scenario.seed ?? runner.simulation.configuration.seed)")
        }
        let result = runner.run(for: length) { entry in
            guard !quiet else { return }
            Terminal.out(json ? Self.jsonLine(entry, columns: columns) : entry.text(columns: columns))
        }
        Terminal.out(json ? Self.jsonLine(result.summary) : Self.textLine(result.summary))
    }

    // MARK: Output

    static func jsonLine(_ entry: TimelineEntry, columns: [TimelineColumn]) -> String {
        var object = JSONObject()
        switch entry {
        case .action(let action):
            object.add("type", "action")
            object.add("t", action.time.secondsDouble)
            object.add("action", action.action.summary)
            if action.line > 0 { object.add("line", action.line) }
        case .event(let event):
            object.add("type", "event")
            object.add("t", event.time.secondsDouble)
            object.add("id", Int(event.id.rawValue))
            object.add("name", event.name)
            object.add("severity", event.severity.description)
            object.add("args", raw: JSON.array(event.arguments.map(JSON.number)))
            object.add("text", event.text)
        case .mode(let change):
            object.add("type", "mode")
            object.add("t", change.time.secondsDouble)
            object.add("from", change.from.description)
            object.add("to", change.to.description)
            if let reason = change.reason { object.add("reason", reason.description) }
            object.add("detail", change.detail)
            if !change.detailText.isEmpty { object.add("detail_text", change.detailText) }
        case .sample(let sample):
            object.add("type", "sample")
            object.add("t", sample.time.secondsDouble)
            for (column, value) in zip(columns, sample.values) {
                if column.label == "mode", let value, let mode = VehicleMode(rawValue: UInt8(clamping: Int(value))) {
                    object.add(column.label, mode.description)
                } else {
                    object.add(column.label, raw: value.map(JSON.number) ?? "null")
                }
            }
        }
        return object.text
    }

    static func jsonLine(_ summary: ScenarioSummary) -> String {
        var object = JSONObject()
        object.add("type", "summary")
        object.add("scenario", summary.scenario)
        object.add("simulated_s", summary.simulated.secondsDouble)
        object.add("wall_s", (summary.wallSeconds * 1000).rounded() / 1000)
        object.add("speedup", summary.speedUp.rounded())
        var counts = JSONObject()
        for severity in EventSeverity.allCases { counts.add(severity.description, summary.eventCounts[severity] ?? 0) }
        object.add("events", counts)
        object.add("events_dropped", summary.eventsDropped)
        object.add("final_mode", summary.finalMode.description)
        return object.text
    }

    static func textLine(_ summary: ScenarioSummary) -> String {
        let counts = EventSeverity.allCases.map { "\($0.description) \(summary.eventCounts[$0] ?? 0)" }.joined(separator: ", ")
        let wall = (summary.wallSeconds * 100).rounded() / 100
        return "summary: \(summary.scenario): simulated \(Int(summary.simulated.secondsDouble.rounded())) s in \(wall) s wall "
            + "(×\(Int(summary.speedUp.rounded()))); events: \(counts)"
            + (summary.eventsDropped > 0 ? "; \(summary.eventsDropped) dropped" : "")
            + "; final mode \(summary.finalMode)"
    }
}
