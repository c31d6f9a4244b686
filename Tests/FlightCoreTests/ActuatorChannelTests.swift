import FlightCore
import HAL
import Testing

@Suite struct ActuatorChannelTests {
    @Test func theHighestRequestWinsAndNoRequestMeansTheSafeState() {
        let device = RecordingActuator(name: "heater", safeState: false)
        let channel = ActuatorChannel(name: "heater", device: device, safeState: false)
        #expect(channel.demanded == false)
        channel.request(.controller, true)
        #expect(channel.demanded == true && channel.winningSource == .controller)
        channel.request(.loadShedding, false)
        #expect(channel.demanded == false && channel.winningSource == .loadShedding)
        channel.request(.command, true)
        channel.request(.safing, false)
        #expect(channel.demanded == false && channel.winningSource == .safing)
        channel.request(.safing, nil)
        #expect(channel.demanded == true && channel.winningSource == .command)
    }

    @Test func applyWritesOnlyChangesUnlessForced() {
        let device = RecordingActuator(name: "valve", safeState: false)
        let channel = ActuatorChannel(name: "valve", device: device, safeState: false)
        channel.apply(at: .zero)
        channel.apply(at: MonotonicInstant(nanoseconds: 1))
        #expect(device.commands == [false], "an unchanged demand is not written again")
        channel.request(.controller, true)
        channel.apply(at: MonotonicInstant(nanoseconds: 2))
        #expect(device.commands == [false, true])
        channel.request(.controller, nil)
        channel.apply(at: MonotonicInstant(nanoseconds: 3))
        channel.apply(at: MonotonicInstant(nanoseconds: 4), force: true)
        #expect(device.commands == [false, true, false, false], "shutdown and start-up reassert the safe state")
        #expect(channel.applied == false && channel.consecutiveFailures == 0)
    }
}
