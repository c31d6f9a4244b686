import Assembly
import FlightCore
import Foundation
import HAL
import Simulation
import Testing

/// The vehicle's one assembly, checked against the README's diagram: every rate group with its
/// period and its members in run order, the prologue, and the threads a real-time run starts.
@Suite struct AssemblyTests {
    static func shipped(_ name: String) throws -> VehicleConfiguration {
        try VehicleConfiguration.load(path: repositoryRoot() + "/config/\(name)")
    }

    @Test func everyEventHasItsOwnID() throws {
        let assembly = try VehicleAssembly(configuration: try Self.shipped("sim.toml"), mode: .simulatedTime)
        let ids = assembly.flight.eventDefinitions.map(\.id.rawValue)
        let repeated = Dictionary(grouping: ids, by: { $0 }).filter { $0.value.count > 1 }.keys.sorted()
        #expect(repeated.isEmpty, "event IDs defined twice: \(repeated.map { String($0, radix: 16) })")
    }

    @Test func theShippedVehicleIsWiredAsTheREADMEDraws() throws {
        let assembly = try VehicleAssembly(configuration: try Self.shipped("sim.toml"), mode: .simulatedTime)
        let executive = assembly.flight.executive
        let groups = executive.groups.map { group in
            "\(group.name) \(Int(group.rate.rounded())) Hz: " + group.members.map(\.name).joined(separator: ", ")
        }
        #expect(
            groups == [
                "att 50 Hz: sample-ingest, attitude-filter",
                "lsp 10 Hz: pressure-feed, life-support, output-stage",
                "pwr 10 Hz: power, soc-keeper, output-stage",
                "hk 1 Hz: store-parameters, housekeeping",
                "mon 1 Hz: monitors-mon, event-action, mode-machine, pmon-transitions, output-stage",
            ])
        #expect(executive.prologueMemberNames == ["sample-poll", "edge-event-pump", "thread-events", "schedule-release"])
        #expect(assembly.rateGroups.map(\.group) == ["att", "lsp", "pwr", "hk", "mon"])
    }

    @Test func realTimeOnSimulatedBusesFollowsTheWallClockAndNamesItsThreads() throws {
        let assembly = try VehicleAssembly(configuration: try Self.shipped("sim.toml"), mode: .realTimeOnSimulatedBuses)
        #expect(assembly.flight.executive.prologueMemberNames == ["simulation-clock", "edge-event-pump", "thread-events", "schedule-release"])
        #expect(assembly.downlink != nil && assembly.uplink != nil)
        let threads = assembly.threadNames
        #expect(threads.first == "downlink")
        #expect(threads.contains("executive") && threads.contains("telemetry"))
        #expect(threads.filter { $0.hasPrefix("bus-") }.count == assembly.configuration.buses.count)
    }

    @Test func eventsOfOtherThreadsReachTheRouterAtTheNextBaseTick() throws {
        let assembly = try VehicleAssembly(configuration: try Self.shipped("sim.toml"), mode: .simulatedTime)
        let event = FlightEvent(id: EventID(0x0801), severity: .informative, time: .zero, 7)
        assembly.threadEvents.telemetry.raise(event)
        assembly.threadEvents.uplink.raise(event)
        var seen: [FlightEvent] = []
        assembly.flight.eventLog.drain { seen.append($0) }
        #expect(!seen.contains(event))
        assembly.run(until: MonotonicInstant.zero.advanced(by: .milliseconds(10)))
        assembly.flight.eventLog.drain { seen.append($0) }
        #expect(seen.filter { $0 == event }.count == 2)
        #expect(assembly.threadEvents.droppedCount == 0)
    }

    @Test func aMonitorInAnUnknownGroupIsAConfigurationErrorAtItsLine() throws {
        let text =
            try String(contentsOfFile: repositoryRoot() + "/config/sim.toml", encoding: .utf8)
            + "\n[[monitor]]\nname = \"lost\"\nparameter = \"exec.cycles\"\nkind = \"stale\"\ngroup = \"monitoring\"\n"
        let configuration = try VehicleConfiguration.parse(text: text, path: "sim+lost.toml")
        #expect {
            _ = try VehicleAssembly(configuration: configuration, mode: .simulatedTime)
        } throws: { error in
            guard case AssemblyError.configuration(let inner) = error else { return false }
            return inner.key == "group" && inner.message.contains("no rate group named \"monitoring\"")
                && inner.line == text.split(separator: "\n", omittingEmptySubsequences: false).count - 1
        }
    }

    @Test func aMonitorInAFasterGroupRunsLastInThatGroup() throws {
        let text =
            try String(contentsOfFile: repositoryRoot() + "/config/sim.toml", encoding: .utf8)
            + "\n[[monitor]]\nname = \"fast\"\nparameter = \"exec.cycles\"\nkind = \"stale\"\ngroup = \"att\"\n"
        let assembly = try VehicleAssembly(configuration: try VehicleConfiguration.parse(text: text, path: "fast.toml"), mode: .simulatedTime)
        #expect(assembly.flight.executive.group(named: "att")?.members.map(\.name) == ["sample-ingest", "attitude-filter", "monitors-att"])
    }
}
