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
    /// the failure data, and the data in words when the database can name it (modes, reasons,
    /// parameters).
    case failed(stage: VerificationStage, code: UInt16, name: String?, data: [UInt8], detail: String? = nil)

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
        case .failed(let stage, let code, let name, let data, let detail):
            var text = "failed: \(name ?? "unknown_code") (\(code)) at \(stage.rawValue)"
            if let detail {
                text += ": " + detail
            } else if !data.isEmpty {
                text += ", failure data 0x" + data.map { hexByte($0) }.joined()
            }
            return text
        }
    }

    /// The outcome a report gives, naming failure codes from `mib`.
    public init(_ report: VerificationReport, mib: MissionInformationBase?) {
        func failed(_ stage: VerificationStage, _ notice: FailureNotice) -> VerificationOutcome {
            let name = mib?.failureCodeName(notice.code) ?? notice.knownCode.map { "\($0)" }
            return .failed(
                stage: stage, code: notice.code, name: name, data: notice.data,
                detail: mib.flatMap { FailureData.describe(code: notice.code, data: notice.data, mib: $0) })
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

/// Failure data in words, from the mission database: what `not_allowed_in_mode` and
/// `constraint_violated` carry (docs/telecommands.md, failure codes).
public enum FailureData {
    /// The data of a failure with `code` as text, or `nil` when it is not one the database can
    /// name (the caller shows the octets).
    public static func describe(code: UInt16, data: [UInt8], mib: MissionInformationBase) -> String? {
        switch VerificationFailureCode(rawValue: code) {
        case .notAllowedInMode where data.count == 3:
            // Current mode (u8), the mode machine's code (u8), the blocking reason (u8, 0 = none).
            let mode = mib.modeName(Int(data[0])) ?? "mode \(data[0])"
            let refusal: String
            switch data[1] {
            case 1: refusal = "the transition is not commandable"
            case 2: refusal = "a condition of the current mode persists"
            default: refusal = "refusal code \(data[1])"
            }
            var text = "in \(mode), \(refusal)"
            if data[2] != 0 { text += " (reason \(mib.modeReasonName(Int(data[2])) ?? String(data[2])))" }
            return text
        case .constraintViolated where data.count == 4:
            let lower = UInt16(data[0]) << 8 | UInt16(data[1]), upper = UInt16(data[2]) << 8 | UInt16(data[3])
            func name(_ id: UInt16) -> String { mib.parameter(id: id)?.name ?? "parameter 0x" + String(id, radix: 16) }
            return "\(name(lower)) must stay below \(name(upper)); nothing was set"
        default:
            return nil
        }
    }
}
