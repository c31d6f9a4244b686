import FlightCore
import Glibc
import HAL
import Logging
import Testing
@testable import Daemon

@Suite("EventJournal")
struct EventJournalTests {
    static let definitions = [
        EventDefinition(
            EventID(0x0600), "device_failed", .medium,
            arguments: ["health parameter ID", "consecutive errors", "fault category (1 bus, 2 identity)"],
            "A device failed."),
        EventDefinition(EventID(0x0601), "device_recovered", .informative, arguments: ["health parameter ID"], "A device recovered."),
        EventDefinition(EventID(0x0503), "mode_safe", .high, arguments: ["from mode", "to mode"], "SAFE entered."),
    ]
    static let parameters = [ParameterDefinition(id: ParameterID(0x1000), name: "dev.o2-a.health", unit: "", type: .u8)]

    /// The lines a journal writes through a `JournalLogHandler` in journal style, read from a pipe.
    static func written(_ events: [FlightEvent]) throws -> [String] {
        var fds: [Int32] = [0, 0]
        try #require(pipe(&fds) == 0)
        defer { close(fds[0]) }
        let logger = Logger(label: "iostd.events") { label in JournalLogHandler(label: label, style: .journal, logLevel: .info, fileDescriptor: fds[1]) }
        let journal = EventJournal(definitions: definitions, parameters: parameters, logger: logger)
        for event in events { journal.record(event) }
        close(fds[1])
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(fds[0], &buffer, buffer.count)
            if count <= 0 { break }
            bytes += buffer[0..<count]
        }
        return String(decoding: bytes, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    @Test("Medium and high events become journal lines with the syslog priority, the event name and named arguments")
    func severeEventsAreLogged() throws {
        let lines = try Self.written([
            FlightEvent(id: EventID(0x0600), severity: .medium, time: .zero, a: 0x1000, b: 3, c: 1, count: 3),
            FlightEvent(id: EventID(0x0601), severity: .informative, time: .zero, a: 0x1000, count: 1),
            FlightEvent(id: EventID(0x0503), severity: .high, time: .zero, a: 1, b: 3, count: 2),
        ])
        #expect(
            lines == [
                "<4>iostd.events: device_failed: A device failed. consecutive_errors=3 fault_category=1 health_parameter_id=dev.o2-a.health",
                "<6>iostd.events: device_recovered: A device recovered. health_parameter_id=dev.o2-a.health",
                "<3>iostd.events: mode_safe: SAFE entered. from_mode=1 to_mode=3",
            ])
    }

    @Test("Below medium only the operator events (mode changes, recoveries) are logged")
    func operatorEvents() {
        let journal = EventJournal(definitions: Self.definitions, logger: Logger(label: "x"))
        #expect(journal.line(for: FlightEvent(id: ModeEvents.enteredDegraded, severity: .low, time: .zero, a: 1, b: 2, count: 2))?.level == .notice)
        #expect(journal.line(for: FlightEvent(id: DeviceHealthEvents.recovered, severity: .informative, time: .zero, a: 1, count: 1))?.level == .info)
        #expect(journal.line(for: FlightEvent(id: EventID(0x0602), severity: .low, time: .zero, a: 1, count: 1)) == nil)
        let quiet = EventJournal(definitions: Self.definitions, logger: Logger(label: "x"), alsoLogged: [])
        #expect(quiet.line(for: FlightEvent(id: DeviceHealthEvents.recovered, severity: .informative, time: .zero, a: 1, count: 1)) == nil)
    }

    @Test("Severity to level: high error, medium warning, low notice, informative info")
    func levels() {
        #expect(EventJournal.level(for: .high) == .error)
        #expect(EventJournal.level(for: .medium) == .warning)
        #expect(EventJournal.level(for: .low) == .notice)
        #expect(EventJournal.level(for: .informative) == .info)
        #expect(JournalLogHandler.syslogPriority(EventJournal.level(for: .medium)) == 4)
    }

    @Test("An unknown event and extra arguments still make a line; numbers print plainly")
    func unknownEvent() {
        let journal = EventJournal(definitions: [], logger: Logger(label: "x"))
        let line = journal.line(for: FlightEvent(id: EventID(0x0999), severity: .high, time: .zero, a: 2.5, b: .nan, count: 2))
        #expect(line?.message == "event 0x999")
        #expect(line?.arguments.map(\.name) == ["arg1", "arg2"])
        #expect(line?.arguments.map(\.value) == ["2.5", "nan"])
        #expect(journal.line(for: FlightEvent(id: EventID(0x0999), severity: .low, time: .zero, count: 0)) == nil)
    }
}
