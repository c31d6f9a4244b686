import ArgumentParser
import Daemon
import Drivers
import FlightCore
import HAL
import Link
import LinuxHAL
import Logging
import SimHardware
import Simulation
import SpaceLink
import Systems

#if canImport(Glibc)
    import Glibc
#endif

/// `iostd run`: the flight software as a daemon (systemd service on an SBC, the emulated bench,
/// or the simulated vehicle in real time).
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the flight software: executive, control, fault management, telemetry and telecommands.",
        discussion: """
            On a configuration with simulated buses (config/sim.toml, the default in the repository) the
            simulated vehicle runs in real time behind the same drivers. SIGTERM or SIGINT put every
            actuator in its safe state, flush telemetry and exit 0. Under systemd (Type=notify) it sends
            READY=1 after the first complete cycle and pets the watchdog only while every rate group
            meets its deadlines.
            """
    )

    @OptionGroup var options: ConfigOptions

    @Option(name: .long, help: "Send the downlink to HOST:PORT (repeatable; overrides [link] downlink).")
    var downlink: [String] = []

    @Option(name: .long, help: "Receive the uplink on HOST:PORT (overrides [link] uplink).")
    var uplink: String?

    @Option(name: .long, help: "Keep the packet store and persisted state in DIR (default: $STATE_DIRECTORY under systemd, else .cache/state in the repository).")
    var stateDir: String?

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    @Option(name: .long, help: "Fault injection: at AFTER since start, block the monitoring rate group for DURATION (\"3s:2s\"), to see slips, health and the watchdog react.")
    var injectStall: String?

    @Option(name: .long, help: "Stop by itself after this long (\"20s\", \"5min\"), as if SIGTERM had arrived. For tests and benchmarks.")
    var duration: String?

    func run() throws {
        // 1. Signals first, before any thread exists, so every thread inherits the blocked mask.
        let signals: SignalWatcher
        do {
            signals = try SignalWatcher()
        } catch {
            Terminal.error("iostd: cannot block signals: \(error)")
            throw ExitCode(1)
        }
        // 2. Logging.
        guard let level = Logger.Level(rawValue: logLevel) else {
            Terminal.error("iostd: unknown log level \"\(logLevel)\" (trace, debug, info, notice, warning, error, critical)")
            throw ExitCode(ExitStatus.usage)
        }
        DaemonLogging.bootstrap(level: level)
        let log = Logger(label: "iostd")
        let stopAfter: Duration?
        if let duration {
            guard let parsed = DurationText.parse(duration) else {
                Terminal.error("iostd: --duration: expected a duration such as \"20s\" or \"5min\", found \"\(duration)\"")
                throw ExitCode(ExitStatus.usage)
            }
            stopAfter = parsed
        } else {
            stopAfter = nil
        }

        var stall: (after: Duration, length: Duration)?
        if let injectStall {
            let parts = injectStall.split(separator: ":").map(String.init)
            guard parts.count == 2, let after = DurationText.parse(parts[0]), let length = DurationText.parse(parts[1]) else {
                Terminal.error("iostd: --inject-stall: expected AFTER:DURATION such as \"3s:2s\", found \"\(injectStall)\"")
                throw ExitCode(ExitStatus.usage)
            }
            stall = (after, length)
        }

        // 3. Configuration and the vehicle: nothing is started until everything is assembled.
        let configuration = try options.load()
        let daemon: FlightDaemon
        let state = StateDirectory.resolve(
            explicit: stateDir, environment: getenv("STATE_DIRECTORY").map { String(cString: $0) }, repository: ConfigLocator.repositoryRoot())
        // One daemon per state directory: held until the process ends.
        var stateLock: StateDirectoryLock?
        if let state {
            do {
                stateLock = try StateDirectoryLock(directory: state)
            } catch {
                let reason = error.errno == EWOULDBLOCK ? "another iostd is using it" : "\(error)"
                Terminal.error("iostd: state directory \(state): \(reason)")
                throw ExitCode(ExitStatus.stateDirectoryBusy)
            }
        }
        do {
            daemon = try FlightDaemon(
                configuration: configuration, downlinkOverride: downlink, uplinkOverride: uplink, stateDirectory: state, log: log)
        } catch {
            Terminal.error("iostd: \(error)")
            throw ExitCode(error.exitStatus)
        }

        // The boot counter and how the previous run ended (state directory `boot`).
        var bootRecord: BootRecord?
        if let state = daemon.stateDirectory {
            do {
                let record = try BootRecord.begin(in: state)
                bootRecord = record
                switch record.previous {
                case .none, .clean: log.notice("boot \(record.boots): \(record.previous)", metadata: ["state": "\(state)"])
                case .unclean, .unusable: log.warning("boot \(record.boots): \(record.previous)", metadata: ["state": "\(state)"])
                }
            } catch {
                log.error("state directory \(state): cannot write the boot record: \(error); this run is not counted")
            }
        }

        // A start that fails is a clean stop too (the actuators are safed below), not a crash.
        var recordedMode: UInt8?
        let recordCleanShutdown = { (reason: String) in
            guard let bootRecord else { return }
            do {
                try bootRecord.end(reason: reason, mode: recordedMode)
            } catch {
                log.error("cannot record the clean shutdown: \(error)")
            }
        }

        if let stall {
            daemon.injectStall(after: stall.after, length: stall.length)
            log.warning("fault injection: the monitoring rate group will block for \(stall.length) at \(stall.after)")
        }

        // 4. systemd.
        let notifier = SystemdNotifier.fromEnvironment(unsetEnvironment: true)
        let policy = WatchdogPolicy.fromEnvironment(unsetEnvironment: true)
        if let reason = notifier.disabledReason { log.debug("sd_notify disabled: \(reason)") }
        log.info("watchdog: \(policy.description)")

        // After an unexpected restart the vehicle boots toward SAFE (the ground decides when it
        // goes back to NOMINAL); a clean restart boots as usual.
        if let record = bootRecord, record.previous == .unclean {
            log.warning("unclean restart (previous mode \(record.previousMode.map { "\($0)" } ?? "unknown")): booting toward SAFE")
            daemon.bootTowardSafe(previousMode: record.previousMode, boots: record.boots)
        }

        // 5. Start, then READY=1 after the first complete cycle.
        do {
            try daemon.start()
        } catch {
            Terminal.error("iostd: \(error)")
            daemon.shutdown(reason: nil)
            recordCleanShutdown("start_failed")
            throw ExitCode(error.exitStatus)
        }
        if daemon.waitForFirstCycle(timeout: .seconds(5)) {
            notifier.ready(status: daemon.statusLine())
            log.notice("ready", metadata: ["config": "\(configuration.path)", "devices": "\(configuration.devices.count)"])
            // What [executive.realtime] asked for and did not get (applied before the first cycle).
            for (setting, outcome) in daemon.executive.realtimeReport.outcomes where outcome != .applied {
                log.warning(
                    "real time: \(setting.name) not in effect: \(SystemCallError(call: setting.name, errno: outcome.errno).message)",
                    metadata: ["errno": "\(outcome.errno)"])
            }
        } else {
            log.error("the executive did not complete a cycle within 5 s")
        }
        let executive = daemon.executive
        let clock = daemon.clock
        let watchdog = Watchdog(
            policy: policy, notifier: notifier,
            isHealthy: { executive.isHealthy(at: clock.now, maximumSilence: .seconds(1)) },
            onEvent: { event in
                switch event {
                case .withholding: Logger(label: "iostd.watchdog").error("withholding watchdog pings: a rate group missed its deadline")
                case .resumed: Logger(label: "iostd.watchdog").notice("watchdog pings resumed")
                }
            })
        do {
            try watchdog?.start(clock: clock)
        } catch {
            log.error("watchdog thread: \(error)")
        }

        // 6. Park on the signals (and refresh STATUS= every few seconds).
        let started = clock.now
        var lastStatus = started
        var received: ReceivedSignal?
        while true {
            if let signal = signals.wait(timeout: .milliseconds(200)) {
                if signal.signal == .hangup {
                    log.notice("SIGHUP ignored: iostd has no reload; restart the service to apply a new configuration")
                    continue
                }
                received = signal
                log.notice("shutdown requested: \(signal)")
                break
            }
            // The mode, recorded on every change, names what a crash interrupted.
            if let bootRecord, let value = daemon.publishedModeValue, value != recordedMode {
                recordedMode = value
                do {
                    try bootRecord.record(mode: value)
                } catch {
                    log.error("cannot record the mode in the boot record: \(error)")
                }
            }
            let now = clock.now
            if let stopAfter, now - started >= stopAfter {
                log.notice("shutdown: --duration \(duration ?? "") elapsed")
                break
            }
            if now - lastStatus >= .seconds(5) {
                notifier.status(daemon.statusLine())
                lastStatus = now
            }
        }

        // 7. Shutdown: actuators safe, shutdown event, telemetry flushed, exit 0.
        notifier.stopping(status: "stopping")
        watchdog?.stop()
        daemon.shutdown(reason: received)
        recordCleanShutdown(received.map { "\($0.signal)" } ?? "duration")
        signals.stop()
        log.notice("stopped")
        withExtendedLifetime(stateLock) {}
    }
}

extension ExitStatus {
    /// EX_USAGE.
    static let usage: Int32 = 64
    /// EX_SOFTWARE: the vehicle could not be assembled or started.
    static let software: Int32 = 70
    /// EX_UNAVAILABLE: a socket or thread could not be opened.
    static let unavailable: Int32 = 69
}
