#if canImport(Glibc)
    import Glibc
#endif
import HAL
import Systems

/// The real-time scheduler of `iostd` and `iost-bench`: SCHED_FIFO, `mlockall` (on fault where
/// the kernel allows), CPU affinity, and the `/dev/cpu_dma_latency` request, through
/// ``RealtimeSettings`` and ``CPULatencyRequest``.
public final class LinuxRealtimeScheduler: RealtimeScheduling {
    public init() {}

    public func setFIFOPriority(_ priority: Int32) -> RealtimeOutcome {
        RealtimeSettings.setFIFOPriority(priority).outcome
    }

    public func lockAllMemory() -> RealtimeOutcome {
        RealtimeSettings.lockMemory().outcome
    }

    public func setAffinity(cpus: [Int]) -> RealtimeOutcome {
        RealtimeSettings.setAffinity(cpus: Set(cpus)).outcome
    }

    /// Holds `/dev/cpu_dma_latency` at 0 for the rest of the process (see
    /// ``CPULatencyRequest/holdZeroForProcess()``).
    public func holdZeroCPULatency() -> RealtimeOutcome {
        CPULatencyRequest.holdZeroForProcess().outcome
    }
}

extension RealtimeSettingResult {
    /// The HAL's outcome for this result.
    public var outcome: RealtimeOutcome {
        switch self {
        case .applied: return .applied
        case .notPermitted(let code): return .notPermitted(errno: code)
        case .invalid(let code): return .failed(errno: code)
        }
    }
}

/// A PM QoS request on `/dev/cpu_dma_latency`: while it is open, the kernel keeps every CPU out of
/// idle states whose exit latency exceeds the requested microseconds (0: no idle state deeper
/// than polling), so a real-time thread's wake-up does not wait for a CPU to come out of deep
/// idle. cyclictest holds the same request by default; so does tuned's realtime profile.
///
/// The request lasts exactly as long as the descriptor is open: it is closed once, at deinit.
public final class CPULatencyRequest: Sendable {
    /// The PM QoS device.
    public static let devicePath = "/dev/cpu_dma_latency"

    /// The latency asked for, in microseconds.
    public let microseconds: Int32
    private let descriptor: Int32

    /// Opens `path` and writes `microseconds` as a 32-bit binary value.
    ///
    /// - Throws: ``SystemCallError`` — `open` with `EACCES` when not root, `ENOENT` on a kernel
    ///   without PM QoS (or in a container without the device), `write` otherwise.
    public init(microseconds: Int32 = 0, path: String = CPULatencyRequest.devicePath) throws(SystemCallError) {
        let descriptor = try retryingOnInterrupt("open(\(path))") { open(path, O_WRONLY | O_CLOEXEC) }
        var value = microseconds
        do throws(SystemCallError) {
            let written = try retryingOnInterrupt("write(\(path))") {
                withUnsafeBytes(of: &value) { write(descriptor, $0.baseAddress, $0.count) }
            }
            if written != MemoryLayout<Int32>.size { throw SystemCallError(call: "write(\(path))", errno: EIO) }
        } catch {
            close(descriptor)
            throw error
        }
        self.microseconds = microseconds
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    /// The request held for the rest of the process, once made.
    private static let processRequest = LockedValue<CPULatencyRequest?>(nil)

    /// Holds the request at 0 µs until the process exits; calling it again keeps the one request.
    ///
    /// - Returns: `.applied` while held; `.notPermitted` for `EACCES`/`EPERM` (not root),
    ///   `.invalid` for a missing device (`ENOENT`, `ENODEV`). Neither stops a real-time start.
    public static func holdZeroForProcess() -> RealtimeSettingResult {
        processRequest.withLock { held in
            if held != nil { return .applied }
            do throws(SystemCallError) {
                held = try CPULatencyRequest(microseconds: 0)
                return .applied
            } catch {
                return RealtimeSettingResult(errno: error.errno)
            }
        }
    }

    /// Whether ``holdZeroForProcess()`` holds the request.
    public static var isHeldForProcess: Bool { processRequest.withLock { $0 != nil } }
}
