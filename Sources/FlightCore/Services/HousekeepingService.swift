import HAL
import SpaceLink
import Synchronization

/// PUS service 3 on the executive's side: the periodic generation state of every structure and
/// the snapshots of their values, run in the hk rate group.
///
/// A structure is due when `interval` hk cycles have passed since its last report; enabling it
/// makes it due at the next hk cycle. The member copies the values (and whether each is usable:
/// valid or stale) into a fixed-size ``ServiceReport`` in the report ring; the telemetry thread
/// encodes it. Intervals are whole multiples of the hk group's period (1 s in the shipped
/// configurations); run the member in a faster group for finer intervals.
///
/// - Warning: Executive thread only (``run(_:)`` and the command entry points).
final class HousekeepingService: RateGroupMember {
    /// Parameters in one structure at most, `fdir.mode` included.
    static let maximumParameters = 64
    /// The longest collection interval TC[3,31] may set (24 h).
    static let maximumIntervalMilliseconds: Int64 = 86_400_000

    let name = "housekeeping"
    private let directory: ServiceDirectory
    private let pool: ParameterPool
    private let reports: SPSCRing<ServiceReport>
    private let handles: [[ParameterHandle]]
    private var enabled: [Bool]
    private var intervalCycles: [Int]
    /// hk cycles since the last periodic report, this one included.
    private var elapsed: [Int]
    private let statistics: ServiceStatistics
    private let budget: ReportBudget
    /// Periodic snapshots not made because the housekeeping share of the report ring was full
    /// (the telemetry thread is behind).
    private(set) var skipped: UInt64 = 0

    init(directory: ServiceDirectory, pool: ParameterPool, reports: SPSCRing<ServiceReport>, budget: ReportBudget, statistics: ServiceStatistics) {
        self.directory = directory
        self.budget = budget
        self.pool = pool
        self.reports = reports
        self.statistics = statistics
        handles = directory.structures.map { structure in
            zip(structure.parameterIndices, structure.parameterIDs).map { ParameterHandle(index: $0, id: $1) }
        }
        enabled = directory.structures.map(\.enabled)
        intervalCycles = directory.structures.map(\.intervalCycles)
        elapsed = Array(repeating: Int.max / 2, count: directory.structures.count)
    }

    func run(_ cycle: CycleContext) {
        for index in enabled.indices where enabled[index] {
            elapsed[index] &+= 1
            if elapsed[index] >= intervalCycles[index] {
                elapsed[index] = 0
                if budget.reserveHousekeeping() {
                    if !snapshot(index, request: RequestID(packetID: 0, sequenceControl: 0), at: cycle.time, periodic: true) {
                        budget.releaseHousekeeping()
                    }
                } else {
                    skipped &+= 1
                }
            }
        }
        statistics.publish(pool: pool, reportsDropped: UInt64(reports.droppedCount) &+ skipped, at: cycle.time)
    }

    // MARK: Commands (cycle boundary)

    /// TC[3,5] / TC[3,6]. Enabling makes the structure due at the next hk cycle.
    func setEnabled(_ index: Int, _ isEnabled: Bool) {
        if isEnabled && !enabled[index] { elapsed[index] = Int.max / 2 }
        enabled[index] = isEnabled
    }

    /// TC[3,31]: the next periodic report comes once `cycles` hk cycles have passed since the last.
    func setInterval(_ index: Int, cycles: Int) {
        intervalCycles[index] = max(1, cycles)
    }

    func isEnabled(_ index: Int) -> Bool { enabled[index] }
    func interval(_ index: Int) -> Int { intervalCycles[index] }

    /// Copies the values of structure `index` into a report record (TC[3,27] and periodic).
    /// - Returns: `false` when the report ring is full (the drop is counted by the ring).
    @discardableResult
    func snapshot(_ index: Int, request: RequestID, at time: MonotonicInstant, periodic: Bool = false) -> Bool {
        var report = ServiceReport(.housekeeping, request: request, time: time)
        report.structure = index
        report.isPeriodic = periodic
        let structureHandles = handles[index]
        report.count = structureHandles.count
        var usable: UInt64 = 0
        for position in structureHandles.indices {
            let sample = pool[structureHandles[position]]
            report.values[position] = sample.value
            if sample.validity == .valid || sample.validity == .stale { usable |= 1 << UInt64(position) }
        }
        report.usable = usable
        guard reports.push(report) else { return false }
        statistics.housekeepingGenerated &+= 1
        return true
    }
}

/// The services' counters, published into the pool by the hk member (executive thread).
///
/// `accepted` and `rejected` are counted by the link thread (atomics); the rest on the
/// executive's thread.
final class ServiceStatistics: @unchecked Sendable {
    let accepted = Atomic<UInt64>(0)
    let rejected = Atomic<UInt64>(0)
    let acceptanceDropped = Atomic<UInt64>(0)
    /// Acceptance failure reports not sent because their code's rate limit was reached.
    let failuresSuppressed = Atomic<UInt64>(0)
    /// TM packets dropped outside the services after they were made (set by the link side).
    let link = LinkCounters()
    /// The contact state and counters (set by the link side), parameters 0x0D00….
    let contact = ContactTelemetry()
    /// Executive thread only.
    var executed: UInt64 = 0
    var failed: UInt64 = 0
    var housekeepingGenerated: UInt64 = 0

    struct Handles {
        var accepted, rejected, executed, failed, dropped, housekeeping, suppressed: ParameterHandle
        var link: [ParameterHandle]
        var contact: [ParameterHandle] = []
    }
    private let handles: Handles

    /// Registers `tc.accepted`, `tc.rejected`, `tc.executed`, `tc.failed`, `tm.records_dropped`,
    /// `tm.hk_generated`, `tm.failures_suppressed` (u32) from `base`, and the link counters
    /// (``LinkCounters``) from `base + 0x10` (64 IDs in all).
    init(pool: ParameterPool, base: UInt16) throws(RegistrationError) {
        var ids = ParameterIDSequence(first: base, last: base &+ 0x0F)
        func add(_ name: String) throws(RegistrationError) -> ParameterHandle {
            try pool.register(&ids, first: base, component: "services", name: name, unit: "", type: .u32)
        }
        let accepted = try add("tc.accepted"), rejected = try add("tc.rejected"), executed = try add("tc.executed")
        let failed = try add("tc.failed"), dropped = try add("tm.records_dropped"), housekeeping = try add("tm.hk_generated")
        let suppressed = try add("tm.failures_suppressed")
        var linkIDs = ParameterIDSequence(first: base &+ 0x10, last: base &+ 0x3F)
        let linkHandles = try link.register(in: pool, ids: &linkIDs, first: base &+ 0x10)
        handles = Handles(
            accepted: accepted, rejected: rejected, executed: executed, failed: failed, dropped: dropped,
            housekeeping: housekeeping, suppressed: suppressed, link: linkHandles, contact: try contact.register(in: pool))
    }

    func publish(pool: ParameterPool, reportsDropped: UInt64, at time: MonotonicInstant) {
        pool.set(handles.accepted, Double(accepted.load(ordering: .relaxed)), at: time)
        pool.set(handles.rejected, Double(rejected.load(ordering: .relaxed)), at: time)
        pool.set(handles.executed, Double(executed), at: time)
        pool.set(handles.failed, Double(failed), at: time)
        pool.set(handles.dropped, Double(reportsDropped &+ acceptanceDropped.load(ordering: .relaxed)), at: time)
        pool.set(handles.housekeeping, Double(housekeepingGenerated), at: time)
        pool.set(handles.suppressed, Double(failuresSuppressed.load(ordering: .relaxed)), at: time)
        link.publish(pool: pool, handles: handles.link, at: time)
        contact.publish(pool: pool, handles: handles.contact, at: time)
    }
}
