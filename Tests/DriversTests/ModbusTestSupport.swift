import Drivers
import HAL
import SimHardware
import Testing

/// A simulated Modbus bus with a fault injector, for the Modbus driver tests.
struct ModbusBench {
    let clock = SimClock()
    let faults: FaultInjector
    let bus: SimModbusBus

    init() {
        faults = FaultInjector(clock: clock)
        bus = SimModbusBus(name: "rs485-test", faults: faults)
    }
}

/// The value of `key` in `readings`, or `nil`.
func value(_ readings: [Reading], _ key: String) -> Double? {
    readings.first { $0.key == key }?.value
}

/// Runs `body`, expecting a `DeviceError` of `category`; returns it.
@discardableResult
func expectDeviceError(
    _ category: DeviceFaultCategory,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> Void
) -> DeviceError? {
    do {
        try body()
        Issue.record("expected a \(category) error, got success", sourceLocation: sourceLocation)
        return nil
    } catch let error as DeviceError {
        #expect(error.category == category, "\(error)", sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("expected a DeviceError, got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}
