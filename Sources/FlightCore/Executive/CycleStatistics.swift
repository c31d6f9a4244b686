import HAL

/// A preallocated log-linear histogram of microsecond values, for latency percentiles without
/// keeping samples or allocating per cycle.
///
/// Values below 32 µs have exact buckets; above, each power of two is split into 16 buckets
/// (≤ 6.25 % relative error). Percentiles report a bucket's upper edge (a conservative figure),
/// never more than the exact maximum.
public struct LatencyHistogram: Sendable {
    static let exactBuckets = 32
    static let subBuckets = 16
    static let bucketCount = exactBuckets + (64 - 5) * subBuckets

    private var buckets: [UInt32]
    public private(set) var count: UInt64 = 0
    public private(set) var maximum: UInt64 = 0

    public init() {
        buckets = Array(repeating: 0, count: Self.bucketCount)
    }

    @inline(__always)
    static func bucket(of value: UInt64) -> Int {
        if value < UInt64(exactBuckets) { return Int(value) }
        let exponent = 63 - value.leadingZeroBitCount // ≥ 5
        let sub = Int((value >> UInt64(exponent - 4)) & 15)
        return exactBuckets + (exponent - 5) * subBuckets + sub
    }

    /// The largest value that falls in `bucket`.
    static func upperEdge(of bucket: Int) -> UInt64 {
        if bucket < exactBuckets { return UInt64(bucket) }
        let exponent = (bucket - exactBuckets) / subBuckets + 5
        let sub = UInt64((bucket - exactBuckets) % subBuckets)
        let width = UInt64(1) << UInt64(exponent - 4)
        return (UInt64(1) << UInt64(exponent)) + (sub + 1) * width - 1
    }

    /// Records one value (µs).
    @inline(__always)
    public mutating func record(_ microseconds: UInt64) {
        let index = Self.bucket(of: microseconds)
        if buckets[index] < .max { buckets[index] += 1 }
        count &+= 1
        if microseconds > maximum { maximum = microseconds }
    }

    /// The value at quantile `q` (0...1) in µs; 0 when empty. Walks the buckets; no allocation.
    public func percentile(_ q: Double) -> UInt64 {
        guard count > 0 else { return 0 }
        let rank = max(1, UInt64((q * Double(count)).rounded(.up)))
        var seen: UInt64 = 0
        for index in 0..<buckets.count {
            seen += UInt64(buckets[index])
            if seen >= rank { return min(Self.upperEdge(of: index), maximum) }
        }
        return maximum
    }

    public mutating func reset() {
        for index in buckets.indices { buckets[index] = 0 }
        count = 0
        maximum = 0
    }
}

/// One rate group's self-measurement (F Prime ActiveRateGroup model): execution time, wake-up
/// latency, slips and overruns.
public struct RateGroupStatistics: Sendable {
    /// Runs of the group.
    public internal(set) var cycles: UInt64 = 0
    /// Longest execution time of all members together.
    public internal(set) var executionMax: Duration = .zero
    var executionTotalNanoseconds: UInt64 = 0
    /// Start of the group's members − its scheduled time: the thread's wake-up latency plus the
    /// groups that ran before it in the same base tick.
    public internal(set) var latency = LatencyHistogram()
    /// Runs whose work did not finish before the group's next deadline.
    public internal(set) var slips: UInt64 = 0
    /// Runs whose execution time exceeded the group's budget.
    public internal(set) var overruns: UInt64 = 0

    public init() {}

    /// Mean execution time.
    public var executionMean: Duration {
        cycles == 0 ? .zero : .nanoseconds(Int64(clamping: executionTotalNanoseconds / cycles))
    }

    mutating func record(execution: Duration, latency wake: Duration, slipped: Bool, overran: Bool) {
        cycles &+= 1
        let executionNanoseconds = UInt64(max(0, execution.nanoseconds))
        executionTotalNanoseconds &+= executionNanoseconds
        if execution > executionMax { executionMax = execution }
        latency.record(UInt64(max(0, wake.nanoseconds)) / 1_000)
        if slipped { slips &+= 1 }
        if overran { overruns &+= 1 }
    }

    mutating func reset() {
        self = RateGroupStatistics()
    }
}

/// At most one report per interval, counting what it held back.
public struct EventThrottle: Sendable {
    public var interval: Duration
    private var lastReport: MonotonicInstant?
    /// Occurrences not reported since the last report.
    public private(set) var suppressed: UInt64 = 0

    public init(interval: Duration) {
        self.interval = interval
    }

    /// Whether an occurrence at `time` may be reported; if so, returns how many were suppressed
    /// before it (and resets that count), else counts it.
    @inline(__always)
    public mutating func admit(at time: MonotonicInstant) -> UInt64? {
        if let lastReport, time < lastReport + interval {
            suppressed &+= 1
            return nil
        }
        lastReport = time
        defer { suppressed = 0 }
        return suppressed
    }
}
