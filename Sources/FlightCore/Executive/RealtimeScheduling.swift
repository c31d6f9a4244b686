import HAL

/// Which real-time settings a thread asks for (configuration section `[executive.realtime]`).
public struct RealtimeSettings: Sendable, Equatable {
    /// SCHED_FIFO priority 1...99; `nil` keeps SCHED_OTHER. Key `priority`, default none.
    public var priority: Int?
    /// Lock all memory (mlockall). Key `lock_memory`, default `false`.
    public var lockMemory: Bool
    /// CPUs to pin the thread to; empty = any. Key `cpu_affinity`, default `[]`.
    public var cpuAffinity: [Int]
    /// Whether a real-time start also holds `/dev/cpu_dma_latency` at 0 for the process's life
    /// (as cyclictest does). Not a key: on whenever anything above is configured; `iost-bench
    /// loop --no-pm-qos` turns it off to measure without it.
    public var holdsZeroCPULatency: Bool

    public init(priority: Int? = nil, lockMemory: Bool = false, cpuAffinity: [Int] = [], holdsZeroCPULatency: Bool = true) {
        self.priority = priority
        self.lockMemory = lockMemory
        self.cpuAffinity = cpuAffinity
        self.holdsZeroCPULatency = holdsZeroCPULatency
    }

    /// Whether anything is requested at all (the CPU latency request follows the others).
    public var isRequested: Bool { priority != nil || lockMemory || !cpuAffinity.isEmpty }

    /// Applies every requested setting through `scheduler` on the calling thread.
    public func apply(using scheduler: (any RealtimeScheduling)?) -> RealtimeReport {
        var report = RealtimeReport()
        guard isRequested else { return report }
        guard let scheduler else {
            report.unavailable = true
            return report
        }
        if lockMemory { report.memoryLock = scheduler.lockAllMemory() }
        if !cpuAffinity.isEmpty { report.affinity = scheduler.setAffinity(cpus: cpuAffinity) }
        if let priority { report.priority = scheduler.setFIFOPriority(Int32(priority)) }
        if holdsZeroCPULatency { report.cpuLatency = scheduler.holdZeroCPULatency() }
        return report
    }
}

/// Which real-time setting an event refers to (an event argument).
public enum RealtimeSettingCode: Int, Sendable {
    case priority = 1
    case memoryLock = 2
    case affinity = 3
    /// `/dev/cpu_dma_latency` held at 0.
    case cpuLatency = 4

    /// The setting as the log names it.
    public var name: String {
        switch self {
        case .priority: "SCHED_FIFO priority"
        case .memoryLock: "memory lock"
        case .affinity: "CPU affinity"
        case .cpuLatency: "/dev/cpu_dma_latency = 0"
        }
    }
}

/// The outcome of applying ``RealtimeSettings``: reported once by event and continuously as the
/// parameter `exec.rt_applied` (``status``).
public struct RealtimeReport: Sendable, Equatable {
    public var priority: RealtimeOutcome?
    public var memoryLock: RealtimeOutcome?
    public var affinity: RealtimeOutcome?
    /// The CPU latency request. A refusal is a warning (an event and a worse wake-up tail), not
    /// part of ``status``: the thread's own scheduling is what `exec.rt_applied` reports.
    public var cpuLatency: RealtimeOutcome?
    /// Settings were requested but no ``RealtimeScheduling`` was provided (simulation).
    public var unavailable = false

    public init() {}

    /// Each requested setting with its outcome.
    public var outcomes: [(RealtimeSettingCode, RealtimeOutcome)] {
        var list: [(RealtimeSettingCode, RealtimeOutcome)] = []
        if let priority { list.append((.priority, priority)) }
        if let memoryLock { list.append((.memoryLock, memoryLock)) }
        if let affinity { list.append((.affinity, affinity)) }
        if let cpuLatency { list.append((.cpuLatency, cpuLatency)) }
        return list
    }

    /// The summary for telemetry.
    public var status: RealtimeStatus {
        if unavailable { return .notPermitted }
        let all = outcomes.filter { $0.0 != .cpuLatency }
        if all.isEmpty { return .notRequested }
        if all.contains(where: { if case .failed = $0.1 { return true } else { return false } }) { return .failed }
        if all.contains(where: { if case .notPermitted = $0.1 { return true } else { return false } }) { return .notPermitted }
        return .applied
    }
}

/// The value of the parameter `exec.rt_applied`.
public enum RealtimeStatus: UInt8, Sendable {
    /// No real-time setting configured (SCHED_OTHER by choice).
    case notRequested = 0
    /// Every configured setting is in effect.
    case applied = 1
    /// At least one setting was refused for lack of privilege (or no scheduler was available):
    /// running with the default policy.
    case notPermitted = 2
    /// At least one setting failed for another reason.
    case failed = 3
}
