import FlightCore
import LinuxHAL

/// The executive's real-time settings through LinuxHAL (what `iostd run` uses), for the
/// benchmarks that run an executive in this process.
final class BenchScheduler: RealtimeScheduling {
    func setFIFOPriority(_ priority: Int32) -> RealtimeOutcome {
        Self.outcome(LinuxHAL.RealtimeSettings.setFIFOPriority(priority))
    }

    func lockAllMemory() -> RealtimeOutcome {
        Self.outcome(LinuxHAL.RealtimeSettings.lockMemory())
    }

    func setAffinity(cpus: [Int]) -> RealtimeOutcome {
        Self.outcome(LinuxHAL.RealtimeSettings.setAffinity(cpus: Set(cpus)))
    }

    private static func outcome(_ result: RealtimeSettingResult) -> RealtimeOutcome {
        switch result {
        case .applied: return .applied
        case .notPermitted(let code): return .notPermitted(errno: code)
        case .invalid(let code): return .failed(errno: code)
        }
    }
}

extension RealtimeStatus {
    var name: String {
        switch self {
        case .notRequested: return "not_requested"
        case .applied: return "applied"
        case .notPermitted: return "not_permitted"
        case .failed: return "failed"
        }
    }
}
