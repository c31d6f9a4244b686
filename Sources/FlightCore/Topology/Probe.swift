import Drivers
import HAL

/// One device's probe result: what `iostd probe` prints a line for.
public struct ProbeResult: Sendable {
    public var device: String
    public var driver: String
    public var ok: Bool
    /// The identity the device reported (`chip id 0x60`), when it answered.
    public var identity: String?
    public var values: [Reading]
    public var error: String?
    /// The failure's category, when it failed at the device (nil when it was unavailable).
    public var category: DeviceFaultCategory?
    public var elapsed: Duration
}

/// Opens, identifies and reads every configured device once, like `i2cget` or `sensors` would.
public struct Probe {
    /// How long a device that reports "no data yet" is retried (an SCD30's first measurement
    /// takes one measurement interval).
    public var notReadyPatience: Duration
    /// Time between retries of a not-ready device.
    public var retryInterval: Duration

    public init(notReadyPatience: Duration = .seconds(5), retryInterval: Duration = .milliseconds(100)) {
        self.notReadyPatience = notReadyPatience
        self.retryInterval = retryInterval
    }

    /// Probes each slot in order on `clock` (a SimClock makes the waits instant).
    public func run(_ devices: DeviceSet, clock: any MonotonicClock) -> [ProbeResult] {
        devices.slots.map { slot in probe(slot, clock: clock) }
    }

    public func probe(_ slot: DeviceSlot, clock: any MonotonicClock) -> ProbeResult {
        let start = clock.now
        switch slot {
        case .unavailable(let name, let driver, let reason):
            return ProbeResult(device: name, driver: driver, ok: false, identity: nil, values: [], error: reason, category: nil, elapsed: .zero)
        case .ready(let device):
            let identity: String
            do {
                identity = try device.start()
            } catch {
                return ProbeResult(
                    device: device.name, driver: device.driver, ok: false, identity: nil, values: [],
                    error: error.message, category: error.category, elapsed: clock.now - start)
            }
            let deadline = clock.now.advanced(by: notReadyPatience)
            while true {
                do {
                    let values = try device.readSample()
                    return ProbeResult(
                        device: device.name, driver: device.driver, ok: true, identity: identity, values: values,
                        error: nil, category: nil, elapsed: clock.now - start)
                } catch {
                    if error.category == .notReady, clock.now < deadline {
                        clock.sleep(until: clock.now.advanced(by: retryInterval))
                        continue
                    }
                    return ProbeResult(
                        device: device.name, driver: device.driver, ok: false, identity: identity, values: [],
                        error: error.message, category: error.category, elapsed: clock.now - start)
                }
            }
        }
    }
}
