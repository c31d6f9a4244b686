import HAL
import SpaceLink

/// Keeps the battery's state-of-charge estimate across a restart: every ``interval`` it hands
/// the estimate to the telemetry thread, which writes it with its UTC time into
/// `<state>/commanded-state` (``PersistedCommanding``, line `battery-soc PERCENT UNIX_SECONDS`).
/// At start an estimate no older than ``maximumAge`` replaces the configured or open-circuit
/// starting point, so a restart does not throw away the coulomb count (event
/// `battery_soc_restored`); an older one is reported and not used (`battery_soc_not_restored`).
///
/// Runs in the power rate group after the power controller. Its records take the housekeeping
/// share of the report ring; when that is full it tries again next cycle.
///
/// - Warning: Executive thread only (``attach(read:)`` before the executive starts).
final class BatteryChargeKeeper: RateGroupMember {
    let name = "soc-keeper"
    /// How often the estimate is written (one short file rewrite per interval).
    static let interval: Duration = .seconds(60)
    /// The oldest estimate a start accepts: beyond it the coulomb count of the gap is too uncertain.
    static let maximumAge: Duration = .seconds(3600)

    private let reports: SPSCRing<ServiceReport>
    private let budget: ReportBudget
    private var read: (() -> Double?)?
    private var due: MonotonicInstant?

    init(reports: SPSCRing<ServiceReport>, budget: ReportBudget) {
        self.reports = reports
        self.budget = budget
    }

    /// Starts keeping the estimate `read` returns (nothing is kept without a state directory).
    func attach(read: @escaping () -> Double?) { self.read = read }

    func run(_ cycle: CycleContext) {
        guard let read else { return }
        if let due, cycle.time < due { return }
        guard let percent = read(), percent.isFinite else { return }
        guard budget.reserveHousekeeping() else { return }
        var record = ServiceReport(.commandedState, request: RequestID(packetID: 0, sequenceControl: 0), time: cycle.time)
        record.structure = PersistedCommanding.Change.batteryCharge.rawValue
        record.isPeriodic = true
        record.values[0] = percent
        guard reports.push(record) else {
            budget.releaseHousekeeping()
            return
        }
        due = cycle.time.advanced(by: Self.interval)
    }
}
