#if canImport(Glibc)
    import Glibc
#endif
import Synchronization

/// A one-way flag that threads can wait for, with deadlines on `CLOCK_MONOTONIC`.
///
/// Once set it stays set. Used to ask a thread to stop and to learn that it has finished,
/// without polling: a waiter wakes as soon as the flag is set, or at its deadline. Reading
/// ``isSet`` is a single atomic load (no lock), so a fixed-rate loop may test it every cycle.
public final class Latch: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>
    /// Written under `mutex` (so a waiter cannot miss the broadcast); read anywhere.
    private let raised = Atomic<Bool>(false)

    public init() {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        condition = .allocate(capacity: 1)
        condition.initialize(to: pthread_cond_t())
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        // Deadlines on the monotonic clock: a wall-clock step (NTP, GPS time) must not stretch a wait.
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    /// Sets the flag and wakes every waiter. Setting it again does nothing more.
    public func set() {
        pthread_mutex_lock(mutex)
        raised.store(true, ordering: .releasing)
        pthread_cond_broadcast(condition)
        pthread_mutex_unlock(mutex)
    }

    /// Whether the flag is set.
    @inline(__always)
    public var isSet: Bool { raised.load(ordering: .acquiring) }

    /// Blocks until the flag is set or `CLOCK_MONOTONIC` reaches `deadline` (nanoseconds, as
    /// ``MonotonicTime/nanoseconds``).
    ///
    /// - Returns: whether the flag is set.
    @discardableResult
    public func wait(untilNanoseconds deadline: UInt64) -> Bool {
        if isSet { return true }
        var limit = timespec(deadlineNanoseconds: deadline)
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while !raised.load(ordering: .acquiring) {
            // Spurious wake-ups loop; ETIMEDOUT ends the wait (EINVAL too, rather than spin).
            let code = pthread_cond_timedwait(condition, mutex, &limit)
            if code == ETIMEDOUT || code == EINVAL { break }
        }
        return raised.load(ordering: .acquiring)
    }

    /// Blocks until the flag is set or `timeout` has passed on `CLOCK_MONOTONIC`.
    ///
    /// - Returns: whether the flag is set.
    @discardableResult
    public func wait(timeout: Duration) -> Bool {
        wait(untilNanoseconds: MonotonicTime.deadline(after: timeout))
    }

    /// Blocks until the flag is set, however long that takes.
    public func wait() {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while !raised.load(ordering: .acquiring) {
            pthread_cond_wait(condition, mutex)
        }
    }
}
