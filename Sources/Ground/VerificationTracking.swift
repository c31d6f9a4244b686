import SpaceLink

/// A verification stage of a telecommand (PUS-C service 1).
public enum VerificationStage: String, Sendable, Hashable {
    case acceptance, start, progress, completion
}

/// What one service 1 report says about a telecommand.
public enum VerificationOutcome: Sendable, Hashable, CustomStringConvertible {
    case accepted
    case started
    case progressed(step: UInt16)
    case completed
    /// A failure report: stage, raw code, the code's name (mission database, else SpaceLink's),
    /// and the failure data.
    case failed(stage: VerificationStage, code: UInt16, name: String?, data: [UInt8])

    /// Whether no further report is to be expected.
    public var isFinal: Bool {
        switch self {
        case .completed, .failed: true
        case .accepted, .started, .progressed: false
        }
    }

    public var isFailure: Bool {
        if case .failed = self { return true }
        return false
    }

    /// `accepted`, `started`, `progress step N`, `completed`, or
    /// `failed: <code name> (<code>)` followed by the stage and any failure data.
    public var description: String {
        switch self {
        case .accepted: return "accepted"
        case .started: return "started"
        case .progressed(let step): return "progress step \(step)"
        case .completed: return "completed"
        case .failed(let stage, let code, let name, let data):
            var text = "failed: \(name ?? "unknown_code") (\(code)) at \(stage.rawValue)"
            if !data.isEmpty { text += ", failure data 0x" + data.map { hexByte($0) }.joined() }
            return text
        }
    }

    /// The outcome a report gives, naming failure codes from `mib`.
    public init(_ report: VerificationReport, mib: MissionInformationBase?) {
        func failed(_ stage: VerificationStage, _ notice: FailureNotice) -> VerificationOutcome {
            let name = mib?.failureCodeName(notice.code) ?? notice.knownCode.map { "\($0)" }
            return .failed(stage: stage, code: notice.code, name: name, data: notice.data)
        }
        switch report {
        case .acceptanceSuccess: self = .accepted
        case .acceptanceFailure(_, let notice): self = failed(.acceptance, notice)
        case .startSuccess: self = .started
        case .startFailure(_, let notice): self = failed(.start, notice)
        case .progressSuccess(_, let step): self = .progressed(step: step)
        case .progressFailure(_, _, let notice): self = failed(.progress, notice)
        case .completionSuccess: self = .completed
        case .completionFailure(_, let notice): self = failed(.completion, notice)
        }
    }
}

func hexByte(_ value: UInt8) -> String {
    let digits = Array("0123456789abcdef")
    return String([digits[Int(value >> 4)], digits[Int(value & 0x0F)]])
}

/// The verification history of telecommands sent by this console, by request ID.
public struct VerificationTracker: Sendable {
    /// One tracked telecommand.
    public struct Request: Sendable, Hashable {
        public var id: RequestID
        /// A label for displays (`ping`, `function set_mode mode=3`…).
        public var label: String
        /// Outcomes in the order received.
        public var outcomes: [VerificationOutcome] = []

        /// The last outcome, if any.
        public var latest: VerificationOutcome? { outcomes.last }
        /// Completed successfully.
        public var isCompleted: Bool { outcomes.contains(.completed) }
        /// The failure, if one was reported.
        public var failure: VerificationOutcome? { outcomes.first { $0.isFailure } }
        /// No further report is expected.
        public var isFinished: Bool { outcomes.contains { $0.isFinal } }
    }

    public let mib: MissionInformationBase?
    private var requests: [RequestID: Request] = [:]
    private var order: [RequestID] = []
    /// Most requests remembered; the oldest are forgotten first.
    public let capacity: Int

    public init(mib: MissionInformationBase?, capacity: Int = 64) {
        self.mib = mib
        self.capacity = max(1, capacity)
    }

    /// Starts tracking `id` (again, if it was tracked: a reused sequence count starts afresh).
    public mutating func track(_ id: RequestID, label: String = "") {
        if requests[id] != nil { order.removeAll { $0 == id } }
        requests[id] = Request(id: id, label: label)
        order.append(id)
        while order.count > capacity { requests[order.removeFirst()] = nil }
    }

    /// Records a report; returns its outcome when it is about a tracked request, else `nil`.
    @discardableResult
    public mutating func apply(_ report: VerificationReport) -> VerificationOutcome? {
        guard requests[report.requestID] != nil else { return nil }
        let outcome = VerificationOutcome(report, mib: mib)
        requests[report.requestID]?.outcomes.append(outcome)
        return outcome
    }

    /// The state of `id`, if tracked.
    public func request(_ id: RequestID) -> Request? { requests[id] }

    /// Tracked requests, oldest first.
    public var all: [Request] { order.compactMap { requests[$0] } }
}
