/// What happened to one real-time setting.
public enum RealtimeOutcome: Sendable, Equatable {
    case applied
    /// The kernel refused for lack of privilege (`EPERM`; `CAP_SYS_NICE`, `CAP_IPC_LOCK` or
    /// `RLIMIT_RTPRIO`/`RLIMIT_MEMLOCK` missing). The thread keeps running with the default policy.
    case notPermitted(errno: Int32)
    /// Any other failure (`EINVAL` for a CPU that does not exist, `ENOMEM`…).
    case failed(errno: Int32)

    public var errno: Int32 {
        switch self {
        case .applied: return 0
        case .notPermitted(let code), .failed(let code): return code
        }
    }
}

/// The operating-system calls the executive needs to run as a real-time thread.
///
/// FlightCore does no system calls of its own; `iostd` implements this with LinuxHAL
/// (`pthread_setschedparam(SCHED_FIFO)`, `mlockall(MCL_CURRENT | MCL_FUTURE)`,
/// `pthread_setaffinity_np`). Each call acts on the calling thread (memory locking on the
/// process) and reports instead of throwing: a refused setting is a degraded start, not a crash.
public protocol RealtimeScheduling: AnyObject, Sendable {
    /// Puts the calling thread under SCHED_FIFO at `priority` (1...99).
    func setFIFOPriority(_ priority: Int32) -> RealtimeOutcome
    /// Locks the process's current and future pages in memory.
    func lockAllMemory() -> RealtimeOutcome
    /// Pins the calling thread to `cpus` (zero-based CPU numbers).
    func setAffinity(cpus: [Int]) -> RealtimeOutcome
}

/// Which real-time settings a thread asks for (configuration section `[executive.realtime]`).
public struct RealtimeSettings: Sendable, Equatable {
    /// SCHED_FIFO priority 1...99; `nil` keeps SCHED_OTHER. Key `priority`, default none.
    public var priority: Int?
    /// Lock all memory (mlockall). Key `lock_memory`, default `false`.
    public var lockMemory: Bool
    /// CPUs to pin the thread to; empty = any. Key `cpu_affinity`, default `[]`.
    public var cpuAffinity: [Int]

    public init(priority: Int? = nil, lockMemory: Bool = false, cpuAffinity: [Int] = []) {
        self.priority = priority
        self.lockMemory = lockMemory
        self.cpuAffinity = cpuAffinity
    }

    /// Whether anything is requested at all.
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
        return report
    }
}

/// Which real-time setting an event refers to (an event argument).
public enum RealtimeSettingCode: Int, Sendable {
    case priority = 1
    case memoryLock = 2
    case affinity = 3
}

/// The outcome of applying ``RealtimeSettings``: reported once by event and continuously as the
/// parameter `exec.rt_applied` (``status``).
public struct RealtimeReport: Sendable, Equatable {
    public var priority: RealtimeOutcome?
    public var memoryLock: RealtimeOutcome?
    public var affinity: RealtimeOutcome?
    /// Settings were requested but no ``RealtimeScheduling`` was provided (simulation).
    public var unavailable = false

    public init() {}

    /// Each requested setting with its outcome.
    public var outcomes: [(RealtimeSettingCode, RealtimeOutcome)] {
        var list: [(RealtimeSettingCode, RealtimeOutcome)] = []
        if let priority { list.append((.priority, priority)) }
        if let memoryLock { list.append((.memoryLock, memoryLock)) }
        if let affinity { list.append((.affinity, affinity)) }
        return list
    }

    /// The summary for telemetry.
    public var status: RealtimeStatus {
        if unavailable { return .notPermitted }
        let all = outcomes
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
