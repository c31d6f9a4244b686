import Drivers
import HAL
import Synchronization

/// How a read attempt ended.
public enum SampleOutcome: Sendable, Equatable {
    /// Nothing published yet.
    case none
    case ok
    case failed(DeviceFaultCategory)
}

/// What accompanies a sample's values: when it was taken, how the read went, and the device's
/// health at that moment.
public struct SampleHeader: Sendable, Equatable {
    /// Publications of the slot so far (0: nothing published yet).
    public var sequence: UInt64
    /// When the read started (on the HAL clock).
    public var time: MonotonicInstant
    public var outcome: SampleOutcome
    public var health: DeviceHealthState
    public var consecutiveErrors: UInt32
    public var totalErrors: UInt32

    public static let empty = SampleHeader(sequence: 0, time: .zero, outcome: .none, health: .ok, consecutiveErrors: 0, totalErrors: 0)
}

/// The latest sample of one device, handed from its I/O thread to the executive without locks
/// or allocation: a triple buffer.
///
/// The writer fills its private back buffer and publishes it with one atomic exchange against the
/// shared middle buffer (marking it fresh); the reader, when the middle is fresh, exchanges it
/// with its private front buffer. Each buffer belongs to exactly one side at a time, so neither
/// side ever waits, nothing tears, and the reader always sees the newest complete sample
/// (intermediate ones may be skipped — only the latest matters to the cycle).
///
/// - Warning: One writer thread (the device's bus sampler) and one reader thread (the executive)
///   at a time.
public final class SampleSlot: @unchecked Sendable {
    /// Values per sample (the device's declared reading keys).
    public let capacity: Int
    private let values: UnsafeMutablePointer<Double>
    private let headers: UnsafeMutablePointer<SampleHeader>
    private static let fresh = 4
    /// The middle buffer's index, with ``fresh`` set when the writer published it and the reader
    /// has not taken it yet.
    private let middle = Atomic<Int>(1)
    /// Writer-owned.
    private var back = 0
    private var published: UInt64 = 0
    /// Reader-owned.
    private var front = 2

    public init(capacity: Int) {
        self.capacity = capacity
        values = .allocate(capacity: max(1, 3 * capacity))
        values.initialize(repeating: .nan, count: max(1, 3 * capacity))
        headers = .allocate(capacity: 3)
        headers.initialize(repeating: .empty, count: 3)
    }

    deinit {
        values.deallocate()
        headers.deallocate()
    }

    // MARK: Writer side

    /// The writer's buffer, to fill before ``publish(_:)`` (starts with the values of an older sample).
    public var writeBuffer: UnsafeMutableBufferPointer<Double> {
        UnsafeMutableBufferPointer(start: values + back * capacity, count: capacity)
    }

    /// Publishes the write buffer with `header` (its sequence number is assigned here).
    public func publish(_ header: SampleHeader) {
        published &+= 1
        var stamped = header
        stamped.sequence = published
        headers[back] = stamped
        let previous = middle.exchange(back | Self.fresh, ordering: .acquiringAndReleasing)
        back = previous & 3
    }

    // MARK: Reader side

    /// Takes the newest published sample if there is one the reader has not seen.
    /// - Returns: `true` when ``header`` and the values changed.
    @inline(__always)
    @discardableResult
    public func refresh() -> Bool {
        guard middle.load(ordering: .relaxed) & Self.fresh != 0 else { return false }
        let previous = middle.exchange(front, ordering: .acquiringAndReleasing)
        front = previous & 3
        return true
    }

    /// The header of the sample the reader holds.
    @inline(__always)
    public var header: SampleHeader { headers[front] }

    /// Value `index` of the sample the reader holds (NaN when the reading was missing).
    @inline(__always)
    public func value(at index: Int) -> Double { values[front * capacity + index] }
}
