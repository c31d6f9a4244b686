/// What happened to one real-time setting.
public enum RealtimeOutcome: Sendable, Equatable {
    case applied
    /// The kernel refused for lack of privilege (`EPERM`; `CAP_SYS_NICE`, `CAP_IPC_LOCK` or
    /// `RLIMIT_RTPRIO`/`RLIMIT_MEMLOCK` missing). The thread keeps running with the default policy.
    case notPermitted(errno: Int32)
    /// Any other failure (`EINVAL` for a CPU that does not exist, `ENOMEM`, `ENOENT` for a
    /// missing `/dev/cpu_dma_latency`…).
    case failed(errno: Int32)

    public var errno: Int32 {
        switch self {
        case .applied: return 0
        case .notPermitted(let code), .failed(let code): return code
        }
    }
}

/// The operating-system calls the executive needs to run as a real-time thread: a HAL contract,
/// like ``MonotonicClock``.
///
/// FlightCore does no system calls of its own; LinuxHAL's `LinuxRealtimeScheduler` implements
/// this (`pthread_setschedparam(SCHED_FIFO)`, `mlockall`, `sched_setaffinity`,
/// `/dev/cpu_dma_latency`) for `iostd` and `iost-bench` alike. Each call acts on the calling
/// thread (memory locking and the latency request on the process) and reports instead of
/// throwing: a refused setting is a degraded start, not a crash.
public protocol RealtimeScheduling: AnyObject, Sendable {
    /// Puts the calling thread under SCHED_FIFO at `priority` (1...99).
    func setFIFOPriority(_ priority: Int32) -> RealtimeOutcome
    /// Locks the process's current and future pages in memory.
    func lockAllMemory() -> RealtimeOutcome
    /// Pins the calling thread to `cpus` (zero-based CPU numbers).
    func setAffinity(cpus: [Int]) -> RealtimeOutcome
    /// Asks the kernel to keep every CPU out of idle states with any exit latency (the PM QoS
    /// request `/dev/cpu_dma_latency` = 0), for the rest of the process's life.
    func holdZeroCPULatency() -> RealtimeOutcome
}
