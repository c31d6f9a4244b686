import Testing

/// The discipline both scripted buses share (embedded-hal-mock's `done()`): expected steps taken
/// in order, leftovers fail at ``finish(sourceLocation:)``, and a script dropped unfinished records
/// an issue at the place it was made.
struct TransactionScript<Step> {
    let steps: [Step]
    /// What one step is, for messages (`Modbus transaction`, `call`).
    let noun: String
    let sourceLocation: SourceLocation
    private(set) var position = 0
    private var finished = false

    init(_ steps: [Step], noun: String, sourceLocation: SourceLocation) {
        self.steps = steps
        self.noun = noun
        self.sourceLocation = sourceLocation
    }

    var isComplete: Bool { position == steps.count }

    /// The next expected step, or `nil` (and no issue: the caller names what was unexpected).
    mutating func next() -> Step? {
        guard position < steps.count else { return nil }
        defer { position += 1 }
        return steps[position]
    }

    /// Fails the test if expected steps were not taken.
    mutating func finish(sourceLocation: SourceLocation) {
        finished = true
        if position < steps.count {
            Issue.record("\(steps.count - position) expected \(noun)(s) not made; next: \(steps[position])", sourceLocation: sourceLocation)
        }
    }

    /// For the owner's `deinit`: a script dropped with steps left and without `finish()` fails.
    func checkDropped(by owner: String) {
        if !finished, position < steps.count {
            Issue.record(
                "\(owner) dropped with \(steps.count - position) expected \(noun)(s) not made (next: \(steps[position])) and without finish()",
                sourceLocation: sourceLocation)
        }
    }
}
