#if canImport(Glibc)
    import Glibc
#endif
import Synchronization

/// Which thread owns a piece of state, checked in debug builds (swift-nio's
/// `preconditionInEventLoop` is the model).
///
/// Unclaimed state may be touched by anyone (building, before the executive starts, and after
/// it stopped). Once a thread has claimed it — the executive's thread when it starts running
/// cycles — ``assertOwned(_:file:line:)`` traps in debug builds when another thread mutates it;
/// release builds compile the check away.
public final class ThreadOwnership: Sendable {
    /// The owner's `pthread_t` (an integer on Linux); 0: nobody.
    private let owner = Atomic<UInt>(0)

    public init() {}

    private static var currentThread: UInt {
        #if canImport(Glibc)
            return UInt(pthread_self())
        #else
            return 1
        #endif
    }

    /// Makes the calling thread the owner.
    public func claim() {
        owner.store(Self.currentThread, ordering: .releasing)
    }

    /// Leaves the state unowned again (the owning thread is done with it).
    public func release() {
        owner.store(0, ordering: .releasing)
    }

    /// Whether the calling thread may mutate the state: it owns it, or nobody does.
    public var isOwnedByCurrentThread: Bool {
        let current = owner.load(ordering: .acquiring)
        return current == 0 || current == Self.currentThread
    }

    /// Debug builds: traps unless the calling thread owns the state (or nobody does).
    @inlinable
    public func assertOwned(_ what: @autoclosure () -> String, file: StaticString = #fileID, line: UInt = #line) {
        assert(isOwnedByCurrentThread, "\(what()) is mutated off its owning thread", file: file, line: line)
    }
}
