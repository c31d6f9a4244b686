// Daemon plumbing for iostd: systemd supervision without libsystemd, signals turned into ordinary
// calls, journald-friendly logging. Glibc only.
//
// The order `iostd run` wires them in (each step's reason is in the type's documentation):
//
//   1. let signals = try SignalWatcher()            // FIRST, on the main thread: blocks SIGTERM,
//                                                   // SIGINT, SIGHUP before any thread exists
//   2. DaemonLogging.bootstrap(level: .info)        // once, before any Logger is made
//   3. let notifier = SystemdNotifier.fromEnvironment(unsetEnvironment: true)
//      let policy = WatchdogPolicy.fromEnvironment(unsetEnvironment: true)
//      log notifier.disabledReason and policy.description once
//   4. open devices, start the executive and the link (their threads inherit the blocked mask)
//   5. notifier.ready(status: "mode=… link=…")
//   6. let watchdog = Watchdog(policy: policy, notifier: notifier,
//                              isHealthy: { executive.allRateGroupsMetDeadlines })
//      try watchdog?.start(clock: clock)           // or call watchdog.tick(now:) from a thread
//                                                   // the daemon already runs
//   7. park the main thread on a shutdown latch; try signals.start { signal in
//          log "shutdown requested: \(signal)"; open the latch }
//   8. after the latch: notifier.stopping(); watchdog?.stop()
//      let report = shutdown.run { step, outcome in log it }  // ShutdownSequence: actuators safe,
//                                                   // shutdown event, telemetry flush
//      signals.stop(); return (exit status 0)
//
// A second SIGTERM or SIGINT during shutdown arrives as a second handler call; systemd's
// TimeoutStopSec= (15 s in systemd/iostd.service) bounds the whole sequence with SIGKILL.
