import FlightCore
import HAL
import Link
import SpaceLink
import Systems

/// How the assembly builds the link's contact monitor and frame-count persistence, and turns
/// what they report into events (`ContactEvents`, raised into the downlink thread's event log)
/// and `link.*` contact parameters (``ContactTelemetry``).
enum ContactWiring {
    /// The contact monitor `[link.contact]` asks for (`nil` for `mode = "always"`).
    ///
    /// - Parameters:
    ///   - provider: opens the carrier-detect line's chip (LinuxHAL, or the simulated vehicle).
    ///   - clock: the downlink's clock (the schedule's epoch is its `now`).
    ///   - events: the downlink thread's event log: AOS and LOS are raised from that thread.
    /// - Throws: ``AssemblyError``: an unknown or non-GPIO chip, or a line that cannot be requested.
    static func monitor(
        for settings: ContactSettings, configuration: VehicleConfiguration, provider: any BusProvider, clock: any MonotonicClock,
        telemetry: ContactTelemetry, events: EventLog
    ) throws(AssemblyError) -> ContactMonitor? {
        let source: any ContactSource
        switch settings.mode {
        case .always:
            telemetry.set(.inContact, 1)
            return nil
        case .schedule(let schedule):
            source = ScheduledPasses(schedule: schedule, epoch: clock.now)
        case .gpio(let carrier):
            guard let bus = configuration.buses.first(where: { $0.name == carrier.bus }) else {
                let names = configuration.buses.map { "\"\($0.name)\"" }.joined(separator: ", ")
                throw .configuration(configuration.root.error("link", "[link.contact] chip: no [[bus]] named \"\(carrier.bus)\" (buses: \(names))"))
            }
            guard bus.kind.family == .gpio else {
                throw .configuration(configuration.root.error("link", "[link.contact] chip: bus \"\(carrier.bus)\" is \(bus.kind.kindName), not a GPIO chip"))
            }
            do {
                let chip = try provider.gpioChip(for: bus)
                let line = try chip.requestInput(carrier.line, options: GPIOLineOptions(activeLow: carrier.activeLow))
                source = CarrierDetectLine(line: line, debounce: carrier.debounce)
            } catch let error as BusUnavailable {
                throw .assembly("carrier-detect line: \(error)")
            } catch {
                throw .assembly("carrier-detect line \(carrier.line) on \(carrier.bus): \(error)")
            }
        }
        let monitor = ContactMonitor(source: source, sink: ContactTelemetrySink(telemetry: telemetry, events: events, clock: clock))
        monitor.observe { transition in
            switch transition {
            case .acquisition(let pass, let time):
                events.raise(FlightEvent(id: ContactEvents.acquisitionOfSignal, severity: .informative, time: time, a: Double(pass), count: 1))
            case .loss(let pass, let duration, let time):
                let seconds = Double(duration.nanoseconds) / 1e9
                events.raise(FlightEvent(id: ContactEvents.lossOfSignal, severity: .informative, time: time, a: Double(pass), b: seconds, count: 2))
            }
        }
        return monitor
    }

    /// The counts the downlink starts from and the file it keeps them in (`nil` without a state
    /// directory). What the load found is raised as an event now, before the downlink's thread
    /// (that log's producer) starts.
    static func frameCounts(stateDirectory: String?, events: EventLog, clock: any MonotonicClock) -> (counts: TMFrameCounts, file: FrameCountFile?) {
        guard let stateDirectory else { return (.zero, nil) }
        // A directory that cannot be made shows as a failed reservation (an event) once the link runs.
        try? StateDirectory.create(stateDirectory)
        let file = FrameCountFile(stateDirectory: stateDirectory)
        let (counts, restored) = FrameCountFile.load(path: file.path)
        let now = clock.now
        switch restored {
        case .restored(let counts):
            events.raise(
                FlightEvent(
                    id: ContactEvents.frameCountsRestored, severity: .informative, time: now, a: Double(counts.master),
                    b: Double(counts[virtualChannel: 0]), c: Double(counts[virtualChannel: 1]), count: 3))
        case .missing:
            events.raise(FlightEvent(id: ContactEvents.frameCountsMissing, severity: .low, time: now, count: 0))
        case .invalid(let invalidity):
            events.raise(FlightEvent(id: ContactEvents.frameCountsInvalid, severity: .low, time: now, a: Double(invalidity.rawValue), b: 0, count: 2))
        case .unreadable(let code):
            events.raise(FlightEvent(id: ContactEvents.frameCountsInvalid, severity: .low, time: now, a: 5, b: Double(code), count: 2))
        }
        return (counts, file)
    }

    /// Raises the downlink's notices (frame-count write failures) and counts them.
    static func noticeHandler(telemetry: ContactTelemetry, events: EventLog, clock: any MonotonicClock) -> @Sendable (DownlinkNotice) -> Void {
        nonisolated(unsafe) let clock = clock
        return { notice in
            switch notice {
            case .frameCountWriteFailed(let error):
                telemetry.add(.frameCountWriteFailures)
                events.raise(FlightEvent(id: ContactEvents.frameCountsWriteFailed, severity: .medium, time: clock.now, a: Double(error.errno), count: 1))
            case .frameCountWriteRecovered:
                events.raise(FlightEvent(id: ContactEvents.frameCountsWriteRecovered, severity: .informative, time: clock.now, count: 0))
            }
        }
    }
}

/// The contact monitor's counters into the `link.*` contact parameters.
///
/// `sourceReadErrors` is set on the detecting (downlink) thread only, so the throttled
/// `contact_source_failed` event (at the 1st, 2nd, 4th, 8th, … failure) is raised from there.
final class ContactTelemetrySink: ContactCounterSink, @unchecked Sendable {
    private let telemetry: ContactTelemetry
    private let events: EventLog
    private let clock: any MonotonicClock

    init(telemetry: ContactTelemetry, events: EventLog, clock: any MonotonicClock) {
        self.telemetry = telemetry
        self.events = events
        self.clock = clock
    }

    func contactCounter(_ counter: ContactCounter, is value: UInt64) {
        switch counter {
        case .inContact: telemetry.set(.inContact, value)
        case .passes: telemetry.set(.passes, value)
        case .realTimeDiscarded: telemetry.set(.realTimeDiscardedLOS, value)
        case .uplinkDiscarded: telemetry.set(.uplinkNoContact, value)
        case .sourceReadErrors:
            telemetry.set(.sourceReadErrors, value)
            if value & (value &- 1) == 0 {
                events.raise(FlightEvent(id: ContactEvents.contactSourceFailed, severity: .low, time: clock.now, a: Double(value), count: 1))
            }
        }
    }
}
