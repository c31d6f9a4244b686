import Drivers
import HAL
import Synchronization
import Systems

/// One device as its bus sampler sees it: the driver, its period, its declared reading keys and
/// the slot it publishes into.
public final class SampledDevice: @unchecked Sendable {
    public let device: any SensorDevice
    public let period: Duration
    /// The reading keys, in the order of the slot's values and of the device's parameters.
    public let keys: [String]
    public let slot: SampleSlot
    /// The ID of `dev.<device>.health`, which names the device in events.
    public let healthParameter: ParameterID

    // Sampler-owned state.
    var health: DeviceHealth
    var started: Bool
    var nextDue: MonotonicInstant?
    var reportedUnexpected = false
    /// Set by any thread, taken by the sampler.
    let recoveryRequested = Atomic<Bool>(false)

    init(device: any SensorDevice, period: Duration, keys: [String], healthParameter: ParameterID, policy: DeviceHealthPolicy, started: Bool) {
        self.device = device
        self.period = period
        self.keys = keys
        slot = SampleSlot(capacity: keys.count)
        self.healthParameter = healthParameter
        health = DeviceHealth(policy: policy)
        self.started = started
    }

    public var name: String { device.name }

    /// The device's health as the sampler last recorded it.
    /// - Warning: Sampler thread (or after it stopped) only; the executive reads health from the slot.
    public var currentHealth: DeviceHealth { health }
}

/// The I/O worker of one physical bus: reads each of its devices at its sample period, publishes
/// timestamped samples into their ``SampleSlot``s, tracks their health and restarts failed ones
/// with back-off.
///
/// Buses serialize transfers anyway (a Modbus RTU read takes ≈ 20 ms), so one thread per bus
/// keeps slow devices from delaying the control loop or each other's buses. The same
/// ``pollOnce(now:)`` runs on the sampler's own thread (``start()``) or synchronously from the
/// executive's prologue on a `SimClock` (deterministic simulation and tests).
///
/// Events go to the sampler's own ``events`` log (this thread is its only producer); the
/// ``SampleIngest`` member forwards them to the main log.
public final class BusSampler: @unchecked Sendable {
    public let bus: String
    public let devices: [SampledDevice]
    public let clock: any MonotonicClock
    public let events: EventLog
    /// The longest sleep of the thread, so ``stop(timeout:)`` is answered promptly.
    public let maximumSleep: Duration
    private var thread: DedicatedThread?

    init(bus: String, devices: [SampledDevice], clock: any MonotonicClock, eventCapacity: Int, maximumSleep: Duration) {
        self.bus = bus
        self.devices = devices
        self.clock = clock
        events = EventLog(capacity: eventCapacity)
        self.maximumSleep = maximumSleep
    }

    /// Reads every device that is due at `now` (or tries to recover it), once.
    ///
    /// - Returns: when the next device is due.
    /// - Warning: Performs blocking device I/O. Call from one thread only: the sampler's own
    ///   thread, or the executive's when the sampler is not started.
    @discardableResult
    public func pollOnce(now: MonotonicInstant) -> MonotonicInstant {
        var next = MonotonicInstant(nanoseconds: .max)
        for device in devices {
            if device.recoveryRequested.exchange(false, ordering: .acquiringAndReleasing) {
                events.raise(
                    FlightEvent(
                        id: DeviceHealthEvents.recoveryRequested, severity: .informative, time: now,
                        a: Double(device.healthParameter.rawValue), count: 1))
                if device.health.state == .failed {
                    device.health.requestRecovery(at: now)
                } else {
                    device.started = false
                    device.nextDue = now
                }
            }
            if device.health.state == .failed {
                if device.health.isRecoveryDue(at: now) { recover(device) }
            } else if now >= device.nextDue ?? now {
                sample(device, scheduled: device.nextDue ?? now, now: now)
            }
            let due = device.health.state == .failed ? device.health.nextRecovery : device.nextDue
            if let due, due < next { next = due }
        }
        return next
    }

    private func sample(_ device: SampledDevice, scheduled: MonotonicInstant, now: MonotonicInstant) {
        // The next due time keeps the absolute schedule; whole periods missed are skipped.
        var due = scheduled + device.period
        if due <= now {
            let period = UInt64(max(1, device.period.nanoseconds))
            let behind = (now.nanoseconds - due.nanoseconds) / period + 1
            due = MonotonicInstant(nanoseconds: due.nanoseconds &+ behind &* period)
        }
        device.nextDue = due

        let time = clock.now
        do {
            if !device.started {
                _ = try device.device.start()
                device.started = true
            }
            let readings = try device.device.readSample()
            device.health.recordSuccess()
            store(readings, of: device, time: time)
        } catch {
            let transition = device.health.recordError(error.category, at: time)
            if error.category != .notReady { publishFailure(of: device, category: error.category, time: time) }
            if case .failed = transition {
                device.started = false
            }
            report(transition, of: device, time: time)
        }
    }

    private func recover(_ device: SampledDevice) {
        let time = clock.now
        do {
            _ = try device.device.start()
            device.started = true
            let readings = try device.device.readSample()
            let transition = device.health.recordRecovery(failure: nil, at: time)
            device.nextDue = time + device.period
            store(readings, of: device, time: time)
            report(transition, of: device, time: time)
        } catch {
            device.started = false
            let transition = device.health.recordRecovery(failure: error.category, at: time)
            publishFailure(of: device, category: error.category, time: time)
            report(transition, of: device, time: time)
        }
    }

    /// Maps readings to the slot's fixed indexes (same order as declared: one comparison each).
    private func store(_ readings: [Reading], of device: SampledDevice, time: MonotonicInstant) {
        let buffer = device.slot.writeBuffer
        for index in 0..<buffer.count { buffer[index] = .nan }
        var unexpected = false
        for (position, reading) in readings.enumerated() {
            if position < device.keys.count, device.keys[position] == reading.key {
                buffer[position] = reading.value
            } else if let index = device.keys.firstIndex(of: reading.key) {
                buffer[index] = reading.value
            } else {
                unexpected = true
            }
        }
        if unexpected, !device.reportedUnexpected {
            device.reportedUnexpected = true
            events.raise(
                FlightEvent(
                    id: DeviceHealthEvents.unexpectedReading, severity: .low, time: time,
                    a: Double(device.healthParameter.rawValue), b: Double(readings.count), count: 2))
        }
        device.slot.publish(header(device, time: time, outcome: .ok))
    }

    private func publishFailure(of device: SampledDevice, category: DeviceFaultCategory, time: MonotonicInstant) {
        let buffer = device.slot.writeBuffer
        for index in 0..<buffer.count { buffer[index] = .nan }
        device.slot.publish(header(device, time: time, outcome: .failed(category)))
    }

    private func header(_ device: SampledDevice, time: MonotonicInstant, outcome: SampleOutcome) -> SampleHeader {
        SampleHeader(
            sequence: 0, time: time, outcome: outcome, health: device.health.state,
            consecutiveErrors: UInt32(clamping: device.health.consecutiveErrors),
            totalErrors: UInt32(clamping: device.health.totalErrors))
    }

    private func report(_ transition: DeviceHealth.Transition, of device: SampledDevice, time: MonotonicInstant) {
        let id = Double(device.healthParameter.rawValue)
        switch transition {
        case .none:
            break
        case .failed(let errors, let category):
            events.raise(
                FlightEvent(
                    id: DeviceHealthEvents.failed, severity: .medium, time: time,
                    a: id, b: Double(errors), c: category.eventCode, count: 3))
        case .recovered(let attempts, let downtime):
            events.raise(
                FlightEvent(
                    id: DeviceHealthEvents.recovered, severity: .informative, time: time,
                    a: id, b: Double(attempts), c: downtime.secondsDouble, count: 3))
        case .recoveryFailed(let attempt, let delay, let category):
            events.raise(
                FlightEvent(
                    id: DeviceHealthEvents.recoveryFailed, severity: .low, time: time,
                    a: id, b: Double(attempt), c: delay.secondsDouble, d: category.eventCode, count: 4))
        }
    }

    // MARK: Own thread

    /// Starts the sampler's thread: poll, then sleep on the clock until the next device is due
    /// (at most ``maximumSleep``).
    /// - Throws: ``ThreadStartError`` when the thread cannot be created.
    public func start() throws(ThreadStartError) {
        precondition(thread == nil, "bus sampler \(bus) is already running")
        thread = try DedicatedThread(name: .bus(bus)) { [self] thread in
            while !thread.isStopRequested {
                let next = pollOnce(now: clock.now)
                let limit = clock.now + maximumSleep
                clock.sleep(until: min(next, limit))
            }
        }
    }

    /// Stops the thread and waits up to `timeout` of wall time (a read in progress finishes first).
    /// - Returns: `true` when the thread has ended (or was not running).
    @discardableResult
    public func stop(timeout: Duration) -> Bool {
        guard let thread else { return true }
        guard thread.stop(timeout: timeout) else { return false }
        self.thread = nil
        return true
    }

    public var isRunning: Bool { thread != nil }
}
