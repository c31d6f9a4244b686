import HAL
import Synchronization

/// A bounded, preallocated single-producer single-consumer ring: the executive's way of handing
/// values between threads without locks or allocation.
///
/// Storage is allocated once in ``init(capacity:)``. ``push(_:)`` never blocks: on a full ring it
/// returns `false` and increments ``droppedCount``, so nothing is lost silently. ``pop()`` returns
/// `nil` on an empty ring. The indices are monotonically increasing counters (a 64-bit counter
/// does not wrap in the life of a vehicle); the producer publishes a slot with a releasing store
/// of `tail` and the consumer frees it with a releasing store of `head` (Lamport's ring, with
/// acquire/release orderings).
///
/// - Warning: Exactly one thread may push and exactly one thread may pop at any time. For several
///   producers use ``CommandQueue``.
public final class SPSCRing<Element: Sendable>: @unchecked Sendable {
    /// How many elements the ring holds.
    public let capacity: Int
    private let storage: UnsafeMutablePointer<Element>
    /// Next index to read; written by the consumer only.
    private let head = Atomic<Int>(0)
    /// Next index to write; written by the producer only.
    private let tail = Atomic<Int>(0)
    private let drops = Atomic<Int>(0)
    private let pushes = Atomic<Int>(0)

    /// Allocates storage for `capacity` elements (the only allocation the ring makes).
    /// - Parameter capacity: at least 1.
    public init(capacity: Int) {
        precondition(capacity > 0, "an SPSC ring needs a capacity of at least 1")
        self.capacity = capacity
        storage = .allocate(capacity: capacity)
    }

    deinit {
        var index = head.load(ordering: .relaxed)
        let end = tail.load(ordering: .relaxed)
        while index != end {
            (storage + index % capacity).deinitialize(count: 1)
            index &+= 1
        }
        storage.deallocate()
    }

    /// Appends `element` if there is room. Producer side.
    /// - Returns: `false` (and counts a drop) when the ring is full.
    @inline(__always)
    @discardableResult
    public func push(_ element: Element) -> Bool {
        let write = tail.load(ordering: .relaxed)
        let read = head.load(ordering: .acquiring)
        guard write &- read < capacity else {
            drops.wrappingAdd(1, ordering: .relaxed)
            return false
        }
        (storage + write % capacity).initialize(to: element)
        tail.store(write &+ 1, ordering: .releasing)
        pushes.wrappingAdd(1, ordering: .relaxed)
        return true
    }

    /// Removes the oldest element. Consumer side.
    @inline(__always)
    public func pop() -> Element? {
        let read = head.load(ordering: .relaxed)
        let write = tail.load(ordering: .acquiring)
        guard read != write else { return nil }
        let element = (storage + read % capacity).move()
        head.store(read &+ 1, ordering: .releasing)
        return element
    }

    /// Pops up to `limit` elements into `body`, oldest first. Consumer side.
    /// - Returns: how many elements were handed to `body`.
    @discardableResult
    public func drain(limit: Int = .max, _ body: (Element) throws -> Void) rethrows -> Int {
        var count = 0
        while count < limit, let element = pop() {
            try body(element)
            count += 1
        }
        return count
    }

    /// Elements waiting (a snapshot; exact only on the consumer's or producer's own thread).
    public var count: Int {
        let write = tail.load(ordering: .acquiring)
        let read = head.load(ordering: .acquiring)
        return max(0, write &- read)
    }

    public var isEmpty: Bool { count == 0 }

    /// Pushes refused because the ring was full, since creation.
    public var droppedCount: Int { drops.load(ordering: .relaxed) }

    /// Pushes accepted since creation.
    public var acceptedCount: Int { pushes.load(ordering: .relaxed) }
}

/// A bounded queue of telecommands (or any requests) from several producer threads to the
/// executive: an ``SPSCRing`` whose producer side is serialized by a lock.
///
/// Commands come from the link thread and, rarely, from the daemon's own threads (shutdown,
/// watchdog); the consumer is the executive, which drains the queue at the start of each base
/// cycle without locking. Only producers contend for the lock, and they are never on the
/// control path.
///
/// - Warning: ``push(_:)`` takes a lock (never held across I/O); ``pop()`` must only be called
///   from the executive's thread.
public final class CommandQueue<Command: Sendable>: @unchecked Sendable {
    private let ring: SPSCRing<Command>
    /// Serializes producers only (HAL's pthread-mutex lock).
    private let producers = LockedValue<Void>(())

    public init(capacity: Int) {
        ring = SPSCRing(capacity: capacity)
    }

    public var capacity: Int { ring.capacity }

    /// Enqueues `command` from any thread.
    /// - Returns: `false` (and counts a drop) when the queue is full; it never blocks on the consumer.
    @discardableResult
    public func push(_ command: Command) -> Bool {
        producers.withLock { _ in ring.push(command) }
    }

    /// Dequeues the oldest command. Executive thread only.
    public func pop() -> Command? { ring.pop() }

    /// Commands refused because the queue was full.
    public var droppedCount: Int { ring.droppedCount }

    /// Commands accepted.
    public var acceptedCount: Int { ring.acceptedCount }

    public var count: Int { ring.count }
}
