import HAL
import Synchronization

/// Where the link learns whether a ground station hears the vehicle: a simulated pass schedule
/// (``ScheduledPasses``) or the radio's carrier-detect line (``CarrierDetectLine``). Without a
/// source the link is always in contact (plain UDP).
///
/// - Warning: ``isInContact(at:)`` is called from one thread only, the one that detects contact
///   changes (the downlink's sender thread, or the caller of ``Downlink/pump(now:)``).
public protocol ContactSource: AnyObject {
    /// Whether the vehicle is in contact at `now` (on the downlink's clock).
    /// - Returns: `nil` when the source could not be read (a GPIO error): the last state is held
    ///   and the failure counted (``ContactStatistics/sourceReadErrors``).
    func isInContact(at now: MonotonicInstant) -> Bool?
}

/// Simulated passes: `contact` of contact every `period`, the first acquisition of signal
/// `firstAcquisition` after the schedule's epoch (config `[link.contact] mode = "schedule"`).
///
/// Worked example: `period = 5700 s`, `contact = 600 s`, `firstAcquisition = 0` is a 10-minute pass
/// every 95 minutes, starting at once; the vehicle is in contact for elapsed times in
/// [0, 600 s), [5700 s, 6300 s), …
public struct PassSchedule: Sendable, Hashable {
    /// Time from one acquisition of signal to the next.
    public var period: Duration
    /// Length of each pass.
    public var contact: Duration
    /// Time from the epoch to the first acquisition of signal.
    public var firstAcquisition: Duration

    /// - Precondition: `0 < contact ≤ period` and `firstAcquisition ≥ 0` (validate configuration first).
    public init(period: Duration, contact: Duration, firstAcquisition: Duration = .zero) {
        precondition(contact > .zero && contact <= period && firstAcquisition >= .zero, "a pass schedule needs 0 < contact <= period, first AOS >= 0")
        self.period = period
        self.contact = contact
        self.firstAcquisition = firstAcquisition
    }

    /// Whether the vehicle is in contact `elapsed` after the epoch.
    public func isInContact(elapsed: Duration) -> Bool {
        guard elapsed >= firstAcquisition else { return false }
        let phase = (elapsed - firstAcquisition).nanoseconds % period.nanoseconds
        return phase < contact.nanoseconds
    }
}

/// A ``PassSchedule`` on a clock: in contact as the schedule says, counted from `epoch`.
///
/// - Warning: ``isInContact(at:)``: the detecting thread only (see ``ContactSource``).
public final class ScheduledPasses: ContactSource {
    public let schedule: PassSchedule
    /// The instant the schedule's elapsed time is counted from.
    public let epoch: MonotonicInstant

    public init(schedule: PassSchedule, epoch: MonotonicInstant) {
        self.schedule = schedule
        self.epoch = epoch
    }

    public func isInContact(at now: MonotonicInstant) -> Bool? {
        guard now >= epoch else { return schedule.isInContact(elapsed: .zero) }
        return schedule.isInContact(elapsed: now.duration(since: epoch))
    }
}

/// The radio's carrier-detect output on a GPIO input line, debounced (config `[link.contact]
/// mode = "gpio"`). The line is read through the HAL (`/dev/gpiochipN` through libgpiod, or a
/// simulated chip); its logical value (after `active_low`) is "carrier present".
///
/// The first reading is taken as it is; after that the line must hold a new level for `debounce`
/// (sampled at every call, so at least as often as the link's contact poll interval) before the
/// state changes, so a chattering squelch makes no pass of a few milliseconds.
///
/// - Warning: ``isInContact(at:)``: the detecting thread only (see ``ContactSource``).
public final class CarrierDetectLine: ContactSource {
    private let line: any GPIOInputLine
    public let debounce: Duration
    private var stable: Bool?
    private var candidate: (level: Bool, since: MonotonicInstant)?
    /// The last read failure (detecting thread only).
    public private(set) var lastError: GPIOError?

    public init(line: any GPIOInputLine, debounce: Duration) {
        self.line = line
        self.debounce = debounce
    }

    deinit { line.release() }

    public func isInContact(at now: MonotonicInstant) -> Bool? {
        let level: Bool
        do {
            level = try line.get()
        } catch {
            lastError = error
            return nil
        }
        guard let current = stable else {
            stable = level
            return level
        }
        if level == current {
            candidate = nil
            return current
        }
        if let pending = candidate, pending.level == level {
            if now.duration(since: pending.since) >= debounce {
                stable = level
                candidate = nil
                return level
            }
        } else {
            candidate = (level, now)
            if debounce <= .zero {
                stable = level
                candidate = nil
                return level
            }
        }
        return current
    }
}

/// An acquisition or a loss of signal, as the contact monitor saw it.
public enum ContactTransition: Sendable, Hashable {
    /// Acquisition of signal: pass number `pass` (from 1) began at `time`.
    case acquisition(pass: UInt64, time: MonotonicInstant)
    /// Loss of signal: pass `pass` ended at `time` after `duration` of contact.
    case loss(pass: UInt64, duration: Duration, time: MonotonicInstant)
}

/// One of the contact monitor's values, as a ``ContactCounterSink`` receives it.
public enum ContactCounter: Sendable, Hashable, CaseIterable {
    /// 1 in contact, 0 not (detecting thread).
    case inContact
    /// Passes begun (detecting thread).
    case passes
    /// Real-time packets discarded out of contact (the producer's or the detecting thread).
    case realTimeDiscarded
    /// TC frames discarded out of contact (the uplink's thread).
    case uplinkDiscarded
    /// Failed source readings (detecting thread).
    case sourceReadErrors
}

/// Receives the contact monitor's values as they change (housekeeping parameters), on the thread
/// that changed them (see ``ContactCounter``). Must not block or allocate.
public protocol ContactCounterSink: AnyObject, Sendable {
    func contactCounter(_ counter: ContactCounter, is value: UInt64)
}

/// The contact monitor's counters.
public struct ContactStatistics: Sendable, Hashable {
    /// Whether the link is in contact now.
    public var inContact: Bool
    /// Passes begun (acquisitions of signal) since start.
    public var passes: UInt64
    /// Real-time (VC 0) packets the downlink accepted and discarded out of contact (they are in
    /// the packet store, appended before the downlink).
    public var realTimeDiscarded: UInt64
    /// TC frames the uplink received and discarded out of contact.
    public var uplinkDiscarded: UInt64
    /// Readings of the contact source that failed (the state was held).
    public var sourceReadErrors: UInt64
}

/// Whether the link is in contact, published for every thread: one detecting thread samples the
/// ``ContactSource`` (``update(now:)``), the others read ``isInContact`` (an atomic) and the
/// counters.
///
/// The state starts as *no contact* with no pass; the first sample that finds contact is the
/// acquisition of pass 1. Observers (``observe(_:)``) see each ``ContactTransition`` on the
/// detecting thread: the assembly raises `acquisition_of_signal` / `loss_of_signal` from there,
/// and the retrieval of stored telemetry can start on acquisition. A thread that prefers to poll
/// keeps a ``ContactEdge`` and asks it for new passes.
///
/// - Warning: ``update(now:)``: the detecting thread only (the downlink's sender thread, or the
///   single caller of ``Downlink/pump(now:)``). ``observe(_:)``: before that thread starts.
///   Everything else: any thread.
public final class ContactMonitor: @unchecked Sendable {
    /// Most time between two samples of the source: the sender thread wakes at least this often
    /// out of contact, and AOS/LOS are seen within about this much.
    public let pollInterval: Duration

    private let source: any ContactSource
    private let contact = Atomic<Bool>(false)
    private let passCount = Atomic<UInt64>(0)
    private let realTimeDiscardCount = Atomic<UInt64>(0)
    private let uplinkDiscardCount = Atomic<UInt64>(0)
    private let readErrorCount = Atomic<UInt64>(0)
    private let observers = LockedValue<[@Sendable (ContactTransition) -> Void]>([])
    /// Detecting thread only.
    private var lastSample: MonotonicInstant?
    private var acquiredAt: MonotonicInstant?

    private let sink: (any ContactCounterSink)?

    /// - Parameters:
    ///   - pollInterval: the longest time between samples (default 20 ms).
    ///   - sink: receives every counter as it changes (the `link.*` contact parameters).
    /// - Precondition: `pollInterval` is positive.
    public init(source: any ContactSource, pollInterval: Duration = .milliseconds(20), sink: (any ContactCounterSink)? = nil) {
        precondition(pollInterval > .zero, "the contact poll interval must be positive")
        self.source = source
        self.pollInterval = pollInterval
        self.sink = sink
        sink?.contactCounter(.inContact, is: 0)
    }

    /// Whether the link is in contact now (any thread).
    public var isInContact: Bool { contact.load(ordering: .acquiring) }

    /// Passes begun since start; a thread that sees it grow has seen an acquisition of signal.
    public var passes: UInt64 { passCount.load(ordering: .acquiring) }

    /// A snapshot of the counters (any thread).
    public var statistics: ContactStatistics {
        ContactStatistics(
            inContact: isInContact, passes: passes, realTimeDiscarded: realTimeDiscardCount.load(ordering: .relaxed),
            uplinkDiscarded: uplinkDiscardCount.load(ordering: .relaxed), sourceReadErrors: readErrorCount.load(ordering: .relaxed))
    }

    /// Calls `observer` on the detecting thread with every transition. It must not block (it runs
    /// on the downlink's sender thread between frames).
    /// - Warning: register before the detecting thread starts.
    public func observe(_ observer: @escaping @Sendable (ContactTransition) -> Void) {
        observers.withLock { $0.append(observer) }
    }

    /// Samples the source and publishes a change. Detecting thread only.
    /// - Returns: the transition, if the state changed (observers have been called).
    @discardableResult
    public func update(now: MonotonicInstant) -> ContactTransition? {
        lastSample = now
        guard let sampled = source.isInContact(at: now) else {
            let errors = readErrorCount.add(1, ordering: .relaxed).newValue
            sink?.contactCounter(.sourceReadErrors, is: errors)
            return nil
        }
        let was = contact.load(ordering: .relaxed)
        guard sampled != was else { return nil }
        let transition: ContactTransition
        if sampled {
            let pass = passCount.add(1, ordering: .releasing).newValue
            acquiredAt = now
            transition = .acquisition(pass: pass, time: now)
        } else {
            let duration = acquiredAt.map { now.duration(since: $0) } ?? .zero
            transition = .loss(pass: passCount.load(ordering: .relaxed), duration: duration, time: now)
        }
        contact.store(sampled, ordering: .releasing)
        sink?.contactCounter(.inContact, is: sampled ? 1 : 0)
        sink?.contactCounter(.passes, is: passCount.load(ordering: .relaxed))
        for observer in observers.withLock({ $0 }) { observer(transition) }
        return transition
    }

    /// Whether ``update(now:)`` is due (``pollInterval`` since the last sample). Detecting thread only.
    public func isSampleDue(now: MonotonicInstant) -> Bool {
        guard let lastSample else { return true }
        return now.duration(since: lastSample) >= pollInterval || now < lastSample
    }

    /// Counts real-time packets discarded out of contact: offered during LOS (the producer's
    /// thread) or dropped from the queues at loss of signal (the detecting thread).
    func countRealTimeDiscarded(_ count: Int = 1) {
        let total = realTimeDiscardCount.add(UInt64(count), ordering: .relaxed).newValue
        sink?.contactCounter(.realTimeDiscarded, is: total)
    }

    /// Counts a TC frame discarded out of contact (the uplink's thread).
    func countUplinkDiscarded() {
        let total = uplinkDiscardCount.add(1, ordering: .relaxed).newValue
        sink?.contactCounter(.uplinkDiscarded, is: total)
    }
}

/// A poller's view of the passes: tells a thread other than the detecting one (the telemetry
/// thread, to start a retrieval on AOS) when a new pass has begun since it last asked.
///
/// - Warning: one per polling thread.
public struct ContactEdge: Sendable {
    private var seen: UInt64 = 0

    public init() {}

    /// Whether a pass has begun since the last call and the link is in contact now. The passes
    /// already begun when the edge was made count on the first call.
    public mutating func acquired(_ monitor: ContactMonitor) -> Bool {
        let passes = monitor.passes
        guard passes != seen else { return false }
        seen = passes
        return monitor.isInContact
    }
}
