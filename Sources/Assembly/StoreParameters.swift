import FlightCore
import HAL
import Synchronization

/// The packet stores' housekeeping parameters: `store.<name>.fill_pct` (u8),
/// `store.<name>.records`, `store.<name>.refused` and `store.<name>.write_errors` (u32), four IDs
/// per store from 0x0B00 in `[[store]]` order.
///
/// The telemetry thread (which owns the stores) sets them with ``set(store:fillPercent:records:refused:writeErrors:)``
/// (atomics); as a member of the hk group, ahead of housekeeping, ``run(_:)`` copies them into
/// the pool on the executive's thread. The parameters exist in every run mode, so housekeeping
/// structures may name them; without open stores (simulated time, no state directory) they stay 0.
///
/// - Warning: ``set(store:fillPercent:records:refused:writeErrors:)``: telemetry thread.
///   ``run(_:)``: executive thread.
public final class StoreParameters: RateGroupMember, @unchecked Sendable {
    public let name = "store-parameters"
    /// The first parameter ID.
    public static let firstID: UInt16 = 0x0B00
    /// Parameters per store.
    static let perStore = 4

    private final class Slot: Sendable {
        let value = Atomic<UInt64>(0)
    }
    private let slots: [Slot]
    private let handles: [ParameterHandle]
    private let pool: ParameterPool

    /// Registers the parameters of `stores` (names as configured) in `pool`.
    /// - Throws: ``ParameterError`` on a clash with another parameter.
    init(stores: [String], pool: ParameterPool) throws(ParameterError) {
        self.pool = pool
        var handles: [ParameterHandle] = []
        for (index, store) in stores.enumerated() {
            let base = Self.firstID + UInt16(index * Self.perStore)
            handles.append(try pool.register(ParameterDefinition(id: ParameterID(base), name: "store.\(store).fill_pct", unit: "%", type: .u8)))
            handles.append(try pool.register(ParameterDefinition(id: ParameterID(base + 1), name: "store.\(store).records", unit: "", type: .u32)))
            handles.append(try pool.register(ParameterDefinition(id: ParameterID(base + 2), name: "store.\(store).refused", unit: "", type: .u32)))
            handles.append(
                try pool.register(ParameterDefinition(id: ParameterID(base + 3), name: "store.\(store).write_errors", unit: "", type: .u32)))
        }
        self.handles = handles
        slots = handles.map { _ in Slot() }
    }

    /// Telemetry thread: the store's current figures (a store beyond those registered is ignored).
    func set(store index: Int, fillPercent: Int, records: Int, refused: Int, writeErrors: Int) {
        let base = index * Self.perStore
        guard base + 3 < slots.count else { return }
        slots[base].value.store(UInt64(clamping: fillPercent), ordering: .relaxed)
        slots[base + 1].value.store(UInt64(clamping: records), ordering: .relaxed)
        slots[base + 2].value.store(UInt64(clamping: refused), ordering: .relaxed)
        slots[base + 3].value.store(UInt64(clamping: writeErrors), ordering: .relaxed)
    }

    public func run(_ cycle: CycleContext) {
        for (slot, handle) in zip(slots, handles) {
            pool.set(handle, Double(slot.value.load(ordering: .relaxed)), at: cycle.time)
        }
    }
}
