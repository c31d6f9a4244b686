@testable import FlightCore
import HAL
import SimHardware
import Testing
#if canImport(Glibc)
    import Glibc
#endif

/// The pool belongs to the executive's thread while it runs; other threads read what it publishes.
@Suite struct OwnershipTests {
    static func executive(clock: any MonotonicClock) throws -> (Executive, ParameterPool, ParameterHandle) {
        let pool = ParameterPool()
        let mode = try pool.register(ParameterDefinition(id: ParameterID(0x0F00), name: "fdir.mode", unit: "", type: .u8, initialValue: 0))
        let executive = try Executive(
            configuration: ExecutiveConfiguration(baseRate: 100, groups: [RateGroupConfiguration(name: "g", divisor: 1)]),
            clock: clock, pool: pool, events: RecordingSink())
        return (executive, pool, mode)
    }

    @Test func ownershipIsTheClaimingThreadsOrNobodys() throws {
        let ownership = ThreadOwnership()
        #expect(ownership.isOwnedByCurrentThread) // unclaimed: anyone may build
        let claimedElsewhere = Latch()
        let release = Latch()
        let thread = try DetachedTestThread {
            ownership.claim()
            claimedElsewhere.set()
            release.wait()
            ownership.release()
        }
        claimedElsewhere.wait()
        #expect(!ownership.isOwnedByCurrentThread)
        release.set()
        thread.join()
        #expect(ownership.isOwnedByCurrentThread)
        ownership.claim()
        #expect(ownership.isOwnedByCurrentThread)
    }

    @Test func theRunningExecutiveOwnsThePoolAndPublishesTheMode() throws {
        let (executive, pool, mode) = try Self.executive(clock: WallClock())
        let published = executive.publish(mode)
        let writer = ClosureMember("writer") { _, cycle in pool.set(mode, 3, at: cycle.time) }
        executive.add(writer, to: "g")
        #expect(published.value == nil) // nothing published before the first cycle
        try executive.start()
        let deadline = WallClock().now.advanced(by: .seconds(5))
        while executive.completedCycles < 3, WallClock().now < deadline { usleep(1000) }
        // Read from this (another) thread without touching the pool.
        #expect(published.value == 3)
        #expect(!pool.ownership.isOwnedByCurrentThread)
        #expect(executive.stop(timeout: .seconds(2)))
        #expect(pool.ownership.isOwnedByCurrentThread) // released when the loop ended
    }

    #if DEBUG
        @Test func aMutationOffTheOwningThreadTrapsInDebugBuilds() async {
            await #expect(processExitsWith: .failure) {
                let pool = ParameterPool()
                let handle = try pool.register(ParameterDefinition(id: ParameterID(1), name: "x", unit: "", type: .f64))
                let claimed = Latch()
                let thread = try DetachedTestThread {
                    pool.ownership.claim()
                    claimed.set()
                    Latch().wait() // holds the claim
                }
                _ = thread
                claimed.wait()
                pool.set(handle, 1, at: .zero) // traps
            }
        }
    #endif
}

/// A plain pthread for the tests above (FlightCoreTests links no thread toolkit).
final class DetachedTestThread: @unchecked Sendable {
    private var thread = pthread_t()
    private let body: () -> Void

    init(_ body: @escaping () -> Void) throws {
        self.body = body
        let unmanaged = Unmanaged.passRetained(self)
        guard
            pthread_create(
                &thread, nil,
                { context in
                    guard let context else { return nil }
                    let me = Unmanaged<DetachedTestThread>.fromOpaque(context).takeRetainedValue()
                    me.body()
                    return nil
                }, unmanaged.toOpaque()) == 0
        else {
            unmanaged.release()
            throw ThreadFailure()
        }
    }

    func join() { pthread_join(thread, nil) }

    struct ThreadFailure: Error {}
}

/// A one-shot latch on a condition variable (tests only).
final class Latch: @unchecked Sendable {
    private let state = LockedValue(false)
    func set() { state.withLock { $0 = true } }
    func wait() { while !state.current { usleep(200) } }
}
