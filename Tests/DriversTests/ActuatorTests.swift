import Drivers
import HAL
import SimHardware
import Testing

/// An output whose driver stage is stuck: it accepts every `set` and always reads back `level`.
private final class StuckOutputLine: GPIOOutputLine {
    let level: Bool
    init(level: Bool) { self.level = level }
    func set(_ value: Bool) throws(GPIOError) {}
    func get() throws(GPIOError) -> Bool { level }
    func release() {}
}

@Suite struct ActuatorTests {
    private let lines = ["o2-valve", "heater", "payload", "fan-low", "fan-high"]

    @Test func safeStatesByRole() {
        #expect(ActuatorConfiguration(role: .oxygenInjectionValve).safeState == false)
        #expect(ActuatorConfiguration(role: .cabinHeater).safeState == false)
        #expect(ActuatorConfiguration(role: .loadSwitch).safeState == false)
        #expect(ActuatorConfiguration(role: .crewAlarm).safeState == false)
        #expect(ActuatorConfiguration(role: .radioSwitch).safeState == true)
        #expect(ActuatorConfiguration(role: .scrubberFan).safeState == true)
        #expect(ActuatorConfiguration(role: .loadSwitch, safeState: true).safeState == true)
    }

    @Test func commandReadbackAndSafeState() throws {
        let chip = SimGPIOChip(lineNames: lines)
        let configuration = ActuatorConfiguration(role: .oxygenInjectionValve)
        let line = try configuration.requestLine(.name("o2-valve"), on: chip)
        #expect(chip.outputValue(.name("o2-valve")) == false) // requested already closed
        let valve = makeGPIOActuator(name: "o2-valve", line: line, configuration: configuration)
        #expect(try valve.start().contains("safe state off"))
        try valve.command(true)
        #expect(chip.outputValue(.name("o2-valve")) == true)
        #expect(try valve.readBack() == true)
        #expect(try valve.readSample() == [Reading("state", 1)])
        try valve.applySafeState()
        #expect(chip.outputValue(.name("o2-valve")) == false)
        #expect(try valve.readSample() == [Reading("state", 0)])
        #expect(valve.statistics == ActuatorStatistics(commands: 3, readbackMismatches: 0, busErrors: 0))
    }

    @Test func activeLowIsAppliedByTheLine() throws {
        let chip = SimGPIOChip(lineNames: lines)
        let configuration = ActuatorConfiguration(role: .cabinHeater, activeLow: true)
        let line = try configuration.requestLine(.name("heater"), on: chip)
        #expect(chip.outputValue(.name("heater")) == true) // off = electrical high
        let heater = makeGPIOActuator(name: "heater", line: line, configuration: configuration)
        _ = try heater.start()
        try heater.command(true)
        #expect(chip.outputValue(.name("heater")) == false) // on = electrical low
        #expect(try heater.readSample() == [Reading("state", 1)])
    }

    @Test func disconnectedLineIsABusError() throws {
        let clock = SimClock()
        let faults = FaultInjector(clock: clock)
        let chip = SimGPIOChip(lineNames: lines, faults: faults)
        chip.assign(.name("payload"), toDevice: "payload-switch")
        let configuration = ActuatorConfiguration(role: .loadSwitch)
        let line = try configuration.requestLine(.name("payload"), on: chip)
        let payload = makeGPIOActuator(name: "payload-switch", line: line, configuration: configuration)
        faults.inject(.disconnect, device: "payload-switch")
        do {
            try payload.command(true)
            Issue.record("a disconnected line must fail the command")
        } catch {
            #expect(error.category == .bus)
            #expect(error.device == "payload-switch")
            guard case .bus(let gpio)? = error.underlying as? ActuatorError else {
                Issue.record("expected ActuatorError.bus, got \(String(describing: error.underlying))")
                return
            }
            #expect(gpio.kind == .io)
        }
        #expect(payload.statistics.busErrors == 1)
        faults.clear(device: "payload-switch")
        try payload.command(true)
    }

    @Test func stuckOutputIsAReadbackMismatch() throws {
        let valve = GPIOActuator(name: "o2-valve", line: StuckOutputLine(level: false), configuration: ActuatorConfiguration(role: .oxygenInjectionValve))
        try valve.command(false)
        do {
            try valve.command(true)
            Issue.record("a stuck line must fail the command")
        } catch {
            #expect(error.category == .data)
            #expect(error.underlying as? ActuatorError == .readbackMismatch(commanded: true, readBack: false))
        }
        #expect(valve.statistics == ActuatorStatistics(commands: 2, readbackMismatches: 1, busErrors: 0))
    }

    @Test func outputOverriddenAfterTheCommandFailsTheSample() throws {
        let chip = SimGPIOChip(lineNames: lines)
        let configuration = ActuatorConfiguration(role: .loadSwitch)
        let line = try configuration.requestLine(.name("payload"), on: chip)
        let payload = makeGPIOActuator(name: "payload-switch", line: line, configuration: configuration)
        try payload.command(true)
        chip.setInput(.name("payload"), level: false) // something else pulls it low
        #expect(throws: DeviceError.self) { _ = try payload.readSample() }
        #expect(payload.statistics.readbackMismatches == 1)
    }

    @Test func exclusiveFanStagesBreakBeforeMake() throws {
        let chip = SimGPIOChip(lineNames: lines)
        let low = try chip.requestOutput(.name("fan-low"), initialValue: true, options: GPIOLineOptions())
        let high = try chip.requestOutput(.name("fan-high"), initialValue: false, options: GPIOLineOptions())
        let fan = FanStages(name: "scrubber-fan", lines: [low, high], wiring: .exclusive, safeStage: 1)
        #expect(try fan.start().contains("safe stage 1"))
        #expect(chip.outputValue(.name("fan-low")) == true && chip.outputValue(.name("fan-high")) == false)
        try fan.command(stage: 2)
        #expect(chip.outputValue(.name("fan-low")) == false && chip.outputValue(.name("fan-high")) == true)
        #expect(try fan.readSample() == [Reading("stage", 2), Reading("state", 1)])
        try fan.command(stage: 0)
        #expect(try fan.readSample() == [Reading("stage", 0), Reading("state", 0)])

        do {
            try fan.command(stage: 3)
            Issue.record("stage 3 of a 2-stage fan must be refused")
        } catch {
            #expect(error.category == .configuration)
        }
        // Both windings on is no stage of an exclusive fan.
        chip.setInput(.name("fan-low"), level: true)
        chip.setInput(.name("fan-high"), level: true)
        do {
            _ = try fan.readBackStage()
            Issue.record("low and high together must be reported")
        } catch {
            #expect(error.category == .data)
            #expect(error.underlying as? ActuatorError == .invalidStageReadback([true, true]))
        }
        try fan.applySafeState()
        #expect(try fan.readBackStage() == 1)
    }

    @Test func cumulativeFanStages() throws {
        let chip = SimGPIOChip(lineNames: lines)
        let low = try chip.requestOutput(.name("fan-low"), initialValue: false, options: GPIOLineOptions(activeLow: true))
        let high = try chip.requestOutput(.name("fan-high"), initialValue: false, options: GPIOLineOptions(activeLow: true))
        let fan = FanStages(name: "scrubber-fan", lines: [low, high], wiring: .cumulative, safeStage: 1)
        #expect(fan.levels(forStage: 2) == [true, true])
        try fan.command(stage: 2)
        #expect(chip.outputValue(.name("fan-low")) == false && chip.outputValue(.name("fan-high")) == false) // active-low: on = low
        #expect(try fan.readBackStage() == 2)
        #expect(fan.statistics.commands == 1)
    }
}
