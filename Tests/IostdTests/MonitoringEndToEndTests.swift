import Foundation
import Link
import PeerSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

extension DaemonEndToEndTests {
    /// `iost-ground send pmon …` / `ea …` against `iostd run`: a monitor and an event-action
    /// added from the ground, reported back, tripped by a tunable, and the transition seen.
    @Test(.timeLimit(.minutes(2))) func aMonitorAndAnEventActionAddedFromTheGroundTrip() throws {
        let ground = try GroundToolSession("pmon", run: run)
        defer { ground.remove() }
        let daemon = try RunningDaemon(arguments: ["--duration", "60s", "--downlink", ground.downlink])
        defer { if daemon.process.isRunning { daemon.process.terminate() } }
        try daemon.listen(for: .seconds(2))

        var sequence = 4000
        func send(_ words: [String]) throws -> (status: Int32, output: String) {
            sequence += 1
            return try ground.send(words, to: daemon, sequence: sequence)
        }
        for words in [
            ["pmon", "add", "0x41", "ls.temp_setpoint_c", "limit", "18", "25", "--high-event", "0x04F2"], ["pmon", "enable", "0x41"],
            ["ea", "add", "0x04F2", "ping"], ["ea", "enable", "0x04F2"],
        ] {
            let result = try send(words)
            #expect(result.status == 0, "\(words): \(result.output)")
        }
        let listed = try send(["pmon", "list", "0x41"])
        #expect(listed.output.contains("PMON 65 on ls.temp_setpoint_c: enabled, repeat 1, limit 18.0 (-) … 25.0 (0x04f2)"), "\(listed.output)")
        let actions = try send(["ea", "status"])
        #expect(actions.output.contains("(0x04f2): enabled"), "\(actions.output)")

        #expect(try send(["param", "set", "ls.temp_setpoint_c", "27"]).status == 0)
        Thread.sleep(forTimeInterval: 2.5) // two checks of the 1 Hz monitoring group
        // The vehicle also sends TM[12,12] by itself: the first one after the request may be that
        // one, about another monitor. Ask again (at most three times) for the report that has it.
        var transitions = try send(["pmon", "transitions"])
        for _ in 0..<2 where !transitions.output.contains("PMON 65: good → high") { transitions = try send(["pmon", "transitions"]) }
        #expect(transitions.output.contains("PMON 65: good → high"), "\(transitions.output)")
        let bad = try send(["pmon", "delete", "0x41"]) // still enabled: refused at completion
        #expect(bad.status != 0 && bad.output.contains("execution_failed"), "\(bad.output)")
        daemon.process.terminate()
        #expect(daemon.waitForExit(timeout: .seconds(10)) == 0)
    }
}
