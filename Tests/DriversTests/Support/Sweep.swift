import Testing

/// The one generic sweep (Zephyr's `generic_test.c` is the model): a simulated sensor channel is
/// driven across its range through its device model's backend API, in physical units, and read
/// back through the real driver; every step must agree within `epsilon`.
///
/// - Parameters:
///   - name: `device.channel`, for failure messages.
///   - range: the sensor's measuring range, in the channel's unit.
///   - steps: how many intervals to cut the range into (steps + 1 points, both ends included).
///   - epsilon: the largest allowed |read − set|, in the channel's unit (the datasheet's resolution
///     or the encoding's quantisation, stated at the call site).
///   - set: drives the model to a physical value.
///   - read: reads the value back through the driver.
func sweep(
    _ name: String,
    over range: ClosedRange<Double>,
    steps: Int = 20,
    epsilon: Double,
    set: (Double) throws -> Void,
    read: () throws -> Double,
    sourceLocation: SourceLocation = #_sourceLocation
) throws {
    precondition(steps > 0)
    var worst = 0.0
    for step in 0...steps {
        let value = range.lowerBound + (range.upperBound - range.lowerBound) * Double(step) / Double(steps)
        try set(value)
        let got = try read()
        worst = max(worst, abs(got - value))
        #expect(abs(got - value) <= epsilon, "\(name): set \(value), read \(got) (epsilon \(epsilon))", sourceLocation: sourceLocation)
    }
    #expect(worst.isFinite, sourceLocation: sourceLocation)
}

@Suite struct SweepHarnessTests {
    @Test func aLossyChannelFailsTheSweep() {
        // The harness itself must be able to fail: a channel that quantises to whole units is
        // caught with an epsilon of 0.1.
        var stored = 0.0
        withKnownIssue {
            try sweep("lossy", over: 0...1, steps: 4, epsilon: 0.1, set: { stored = $0.rounded() }, read: { stored })
        }
        #expect(throws: Never.self) {
            try sweep("exact", over: 0...1, steps: 4, epsilon: 1e-12, set: { stored = $0 }, read: { stored })
        }
    }
}
