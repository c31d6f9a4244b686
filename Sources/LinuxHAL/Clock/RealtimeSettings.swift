#if canImport(Glibc)
    import Glibc
#endif
import CGPIODCompat

/// What became of one real-time setting.
public enum RealtimeSettingResult: Sendable, Equatable, CustomStringConvertible {
    /// The setting is in effect.
    case applied
    /// The kernel refused for lack of privilege (`EPERM`, or `ENOMEM`/`EAGAIN` for `mlockall`
    /// over `RLIMIT_MEMLOCK`): run with `CAP_SYS_NICE` / `CAP_IPC_LOCK`, or raise `RLIMIT_RTPRIO`
    /// and `RLIMIT_MEMLOCK` (systemd: `LimitRTPRIO=`, `LimitMEMLOCK=`).
    case notPermitted(errno: Int32)
    /// The request was invalid here (`EINVAL`: a priority outside the policy's range, a CPU the
    /// machine does not have).
    case invalid(errno: Int32)

    /// Whether the setting is in effect.
    public var isApplied: Bool { self == .applied }

    public var description: String {
        switch self {
        case .applied: return "applied"
        case .notPermitted(let code): return "not permitted (errno \(code): \(String(cString: strerror(code))))"
        case .invalid(let code): return "invalid (errno \(code): \(String(cString: strerror(code))))"
        }
    }

    init(errno code: Int32) {
        switch code {
        case EPERM, EACCES, ENOMEM, EAGAIN: self = .notPermitted(errno: code)
        default: self = .invalid(errno: code)
        }
    }
}

/// Real-time settings for the executive's threads and process, each reporting its result
/// instead of failing: a bench machine without privileges still runs, and says why it is not
/// real-time.
///
/// The thread settings apply to the calling thread: call them first thing in the thread that
/// runs the rate groups.
public enum RealtimeSettings {
    /// The `SCHED_FIFO` priorities this kernel accepts (1...99 on Linux).
    public static var fifoPriorityRange: ClosedRange<Int32> {
        sched_get_priority_min(Int32(SCHED_FIFO))...sched_get_priority_max(Int32(SCHED_FIFO))
    }

    /// Puts the calling thread under `SCHED_FIFO` at `priority`.
    ///
    /// Without `CAP_SYS_NICE` and with `RLIMIT_RTPRIO` below `priority` the result is
    /// `.notPermitted(EPERM)`.
    public static func setFIFOPriority(_ priority: Int32) -> RealtimeSettingResult {
        guard fifoPriorityRange.contains(priority) else { return .invalid(errno: EINVAL) }
        var parameters = sched_param()
        parameters.sched_priority = priority
        switch retryingOnInterruptReturningErrorNumber({ pthread_setschedparam(pthread_self(), Int32(SCHED_FIFO), &parameters) }) {
        case .success: return .applied
        case .failure(let failure): return RealtimeSettingResult(errno: failure.errno)
        }
    }

    /// The calling thread's scheduling policy (`SCHED_OTHER`, `SCHED_FIFO`, …) and priority.
    public static func currentScheduling() -> (policy: Int32, priority: Int32) {
        var policy: Int32 = 0
        var parameters = sched_param()
        pthread_getschedparam(pthread_self(), &policy, &parameters)
        return (policy, parameters.sched_priority)
    }

    /// `MCL_ONFAULT` (Linux 4.4, `<sys/mman.h>`): lock pages as they are touched instead of
    /// faulting in every mapped page at once.
    static let lockOnFault: Int32 = 4

    /// Locks the process's current and future pages in RAM, so no page fault stalls a rate group
    /// once it runs.
    ///
    /// With `onFault` (the default) this is `mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT)`:
    /// pages are locked as they are first touched, so the 8 MiB default stack of every thread and
    /// the unused parts of shared libraries do not become resident; the executive's working set
    /// is touched during its first cycles, before steady state. Without it (or on a kernel older
    /// than 4.4, which refuses the flag with `EINVAL`), every mapped page is faulted in and locked.
    public static func lockMemory(onFault: Bool = true) -> RealtimeSettingResult {
        if onFault {
            switch retryingOnInterrupt({ mlockall(Int32(MCL_CURRENT | MCL_FUTURE) | lockOnFault) }) {
            case .success: return .applied
            case .failure(let failure) where failure.errno != EINVAL: return RealtimeSettingResult(errno: failure.errno)
            case .failure: break
            }
        }
        switch retryingOnInterrupt({ mlockall(Int32(MCL_CURRENT | MCL_FUTURE)) }) {
        case .success: return .applied
        case .failure(let failure): return RealtimeSettingResult(errno: failure.errno)
        }
    }

    /// Undoes ``lockMemory()`` (`munlockall`).
    public static func unlockMemory() -> RealtimeSettingResult {
        switch retryingOnInterrupt({ munlockall() }) {
        case .success: return .applied
        case .failure(let failure): return RealtimeSettingResult(errno: failure.errno)
        }
    }

    /// The most CPUs an affinity set names (glibc's `CPU_SETSIZE`).
    public static var maximumCPUs: Int { Int(iost_max_cpus()) }

    /// Restricts the calling thread to `cpus` (CPU numbers from 0).
    ///
    /// - Returns: `.invalid(EINVAL)` for an empty set, a number outside `0..<maximumCPUs`, or
    ///   CPUs none of which are online.
    public static func setAffinity(cpus: Set<Int>) -> RealtimeSettingResult {
        guard !cpus.isEmpty, cpus.allSatisfy({ (0..<maximumCPUs).contains($0) }) else { return .invalid(errno: EINVAL) }
        let list = cpus.sorted().map { Int32($0) }
        let outcome = list.withUnsafeBufferPointer { buffer in
            retryingOnInterrupt { iost_set_thread_affinity(buffer.baseAddress, buffer.count) }
        }
        switch outcome {
        case .success: return .applied
        case .failure(let failure): return RealtimeSettingResult(errno: failure.errno)
        }
    }

    /// The CPUs the calling thread may run on, or `nil` if the kernel does not say.
    public static func currentAffinity() -> Set<Int>? {
        var list = [Int32](repeating: 0, count: maximumCPUs)
        let count = list.withUnsafeMutableBufferPointer { buffer in
            iost_thread_affinity(buffer.baseAddress, buffer.count)
        }
        guard count >= 0 else { return nil }
        return Set(list.prefix(Int(count)).map { Int($0) })
    }

    /// Sets the calling thread's timer slack (`PR_SET_TIMERSLACK`): how late the kernel may
    /// wake the thread from a sleep in order to coalesce wake-ups. The default is 50 µs; rate
    /// groups want 1 ns. Recent kernels give real-time (`SCHED_FIFO`) threads no slack whatever
    /// this says (and report 0).
    public static func setTimerSlack(nanoseconds: UInt) -> RealtimeSettingResult {
        switch retryingOnInterrupt({ iost_set_timer_slack_ns(nanoseconds) }) {
        case .success: return .applied
        case .failure(let failure): return RealtimeSettingResult(errno: failure.errno)
        }
    }

    /// The calling thread's timer slack in nanoseconds, or `nil` if the kernel does not say.
    public static func currentTimerSlack() -> Int? {
        let slack = iost_timer_slack_ns()
        return slack < 0 ? nil : slack
    }
}
