import Systems

#if canImport(Glibc)
    import Glibc
#endif

/// A crash-safe onboard packet store: an append-only log of segment files in one directory.
///
/// Appends are encoded into a buffer and written with `pwrite` in batches; `fdatasync` runs at
/// the flush interval (``flushIfDue(now:)``), when a segment closes and at ``flush()``. Creating
/// and unlinking a segment is followed by an `fsync` of the directory. Opening the store scans
/// every segment, verifies every record's CRC-32C and cuts a segment at its first torn or bad
/// record, so a crash loses at most what had not been synced, and a damaged segment loses only
/// its tail. docs/packet-store.md describes the bytes and the choices.
///
/// Thread ownership: one owning thread (the vehicle's telemetry thread) calls every method;
/// nothing here locks. Readers (``StoreReader``) belong to the same thread.
public final class PacketStore {
    /// One segment file and what it holds.
    struct Segment {
        var firstIndex: UInt64
        var path: String
        /// Octets in the file and, for the open segment, in the write buffer too.
        var bytes: Int
        var records: Int
        var oldest: UInt64 = .max
        var newest: UInt64 = 0

        mutating func note(time: UInt64) {
            oldest = min(oldest, time)
            newest = max(newest, time)
        }
    }

    public let configuration: PacketStoreConfiguration
    public let directory: String
    /// What opening the store found.
    public let recovery: StoreRecovery
    /// Whether appends are kept (PUS 15 enable/disable storage).
    public var isEnabled = true

    /// Oldest first; the last one is open for appending when `descriptor` is set.
    private(set) var segments: [Segment] = []
    private var descriptor: Int32 = -1
    /// The index the next record gets (segment files are named by their first).
    private var nextIndex: UInt64 = 0
    /// Octets of the open segment already in its file.
    private var written = 0
    private var buffer: [UInt8] = []
    private var unsynced = false
    private var lastSync: UInt64
    private var counters = StoreStatus()
    private var crossings: [StoreFillLevel] = []
    private var reportedHigh = false
    private var reportedFull = false
    /// Write errors not yet taken by ``takeWriteFailures()``.
    private var writeFailures: [PacketStoreError] = []

    /// Octets buffered before they are written out without waiting for the flush interval.
    static let writeBatch = 64 << 10

    /// Opens (creating if needed) the store in `directory` and recovers what it holds.
    /// - Parameter now: the monotonic time in nanoseconds (the flush interval starts here).
    /// - Throws: ``PacketStoreError`` when the configuration is unusable or the directory cannot
    ///   be created, listed or repaired.
    public init(directory: String, configuration: PacketStoreConfiguration, now: UInt64) throws(PacketStoreError) {
        if let problem = configuration.problem { throw .invalidConfiguration(problem) }
        self.configuration = configuration
        self.directory = directory
        self.lastSync = now
        let started = MonotonicTime.nanoseconds
        do {
            try StateDirectory.create(directory)
        } catch {
            throw .system(error)
        }
        var recovery = StoreRecovery()
        segments = try Self.recover(directory: directory, into: &recovery)
        recovery.segments = segments.count
        recovery.records = segments.reduce(0) { $0 + $1.records }
        recovery.durationNanoseconds = MonotonicTime.nanoseconds &- started
        self.recovery = recovery
        counters.capacityBytes = configuration.capacityBytes
        nextIndex = segments.last.map { $0.firstIndex + UInt64($0.records) } ?? 0
        if let last = segments.last, last.bytes < configuration.segmentBytes {
            do {
                descriptor = try retryingOnInterrupt("open(\(last.path))") { open(last.path, O_WRONLY | O_CLOEXEC) }
                written = last.bytes
            } catch {
                throw .system(error)
            }
        }
        reportedHigh = fillPercent >= 80
        if reportedHigh { crossings.append(.eightyPercent) }
    }

    deinit {
        if descriptor >= 0 {
            try? flush()
            close(descriptor)
        }
    }

    // MARK: - Appending

    /// Buffers `packet`; durable at the next flush.
    /// - Parameter now: the monotonic time in nanoseconds.
    public func append(_ packet: StoredPacket, now: UInt64) -> StoreAppendResult {
        guard isEnabled else { return .disabled }
        guard packet.packet.count <= SegmentFormat.maximumPacketLength else {
            counters.failed += 1
            return .failed(.packetTooLong(packet.packet.count))
        }
        let length = SegmentFormat.recordLength(packet: packet.packet.count)
        let rolls = descriptor < 0 || (written + buffer.count + length > configuration.segmentBytes && currentRecords > 0)
        let needed = length + (rolls ? SegmentFormat.headerLength : 0)
        // Capacity is at least two segments, so a circular store always has a closed segment to
        // drop here: the open one is never the oldest when the store is full.
        while bytesUsed + needed > configuration.capacityBytes {
            noteCrossing(.full)
            guard configuration.policy == .circular, segments.count > 1 || (rolls && segments.count == 1 && descriptor < 0) else {
                counters.refused += 1
                return .refusedFull
            }
            do throws(PacketStoreError) {
                try dropOldest(counting: \.overwritten)
            } catch {
                return fail(error)
            }
        }
        if rolls {
            do throws(PacketStoreError) {
                try startSegment()
            } catch {
                return fail(error)
            }
        }
        SegmentFormat.appendRecord(packet, to: &buffer)
        segments[segments.count - 1].bytes += length
        segments[segments.count - 1].records += 1
        segments[segments.count - 1].note(time: packet.time)
        counters.appended += 1
        nextIndex += 1
        unsynced = true
        if fillPercent >= 80 { noteCrossing(.eightyPercent) }
        if buffer.count >= Self.writeBatch {
            do throws(PacketStoreError) {
                try writeBuffer()
            } catch {
                return fail(error)
            }
        }
        _ = now
        return .stored
    }

    /// `fdatasync` when the flush interval has passed since the last one and something is
    /// unsynced. Errors are counted and kept for ``takeWriteFailures()``.
    public func flushIfDue(now: UInt64) {
        guard unsynced, now &- lastSync >= UInt64(clamping: configuration.flushInterval.nanosecondCount) else { return }
        do throws(PacketStoreError) {
            try flush(now: now)
        } catch {
            _ = fail(error)
        }
    }

    /// Writes and syncs everything appended (shutdown).
    public func flush() throws(PacketStoreError) {
        try flush(now: MonotonicTime.nanoseconds)
    }

    private func flush(now: UInt64) throws(PacketStoreError) {
        guard descriptor >= 0 else { return }
        try writeBuffer()
        do {
            _ = try retryingOnInterrupt("fdatasync") { fdatasync(descriptor) }
        } catch {
            throw .system(error)
        }
        unsynced = false
        lastSync = now
        counters.lastSyncNanoseconds = now
    }

    /// Write errors since the last call (for the event `store_write_failed`).
    public func takeWriteFailures() -> [PacketStoreError] {
        defer { writeFailures.removeAll() }
        return writeFailures
    }

    /// Fill levels crossed upward since the last call (each reported once until a delete brings
    /// the store back below it).
    public func takeFillCrossings() -> [StoreFillLevel] {
        defer { crossings.removeAll() }
        return crossings
    }

    // MARK: - Deleting

    /// Drops every whole segment whose newest record is at or before `time` (the open one too,
    /// when it qualifies); nothing is rewritten.
    /// - Returns: the number of records deleted.
    @discardableResult
    public func delete(upTo time: UInt64) -> Int {
        var deleted = 0
        var index = 0
        while index < segments.count {
            let segment = segments[index]
            guard segment.records > 0, segment.newest <= time else {
                index += 1
                continue
            }
            if index == segments.count - 1 && descriptor >= 0 {
                close(descriptor)
                descriptor = -1
                buffer.removeAll(keepingCapacity: true)
                written = 0
                unsynced = false
            }
            do throws(PacketStoreError) {
                try remove(at: index)
                deleted += segment.records
            } catch {
                _ = fail(error)
                index += 1
            }
        }
        counters.deleted += deleted
        if fillPercent < 75 { reportedHigh = false }
        if bytesUsed + SegmentFormat.recordLength(packet: 64) + SegmentFormat.headerLength <= configuration.capacityBytes {
            reportedFull = false
        }
        return deleted
    }

    // MARK: - Reading

    /// Records with `from <= time <= to`, in store order.
    public func reader(from: UInt64, to: UInt64) -> StoreReader {
        StoreReader(store: self, from: from, to: to)
    }

    /// Records appended from now on, whatever their time (open retrieval from the present).
    public func readerOfNewRecords() -> StoreReader {
        makeReadable()
        return StoreReader(followingAppendsTo: self)
    }

    /// The open segment's first index and its end in the file, when one is open.
    var appendPosition: (UInt64, Int)? {
        guard descriptor >= 0, let last = segments.last else { return nil }
        return (last.firstIndex, written + buffer.count)
    }

    /// The first index the next segment will have.
    var nextSegmentIndex: UInt64 { nextIndex }

    /// Writes the buffer out (not synced) so that a reader sees every record appended.
    func makeReadable() {
        do throws(PacketStoreError) {
            try writeBuffer()
        } catch {
            _ = fail(error)
        }
    }

    // MARK: - Status

    public var status: StoreStatus {
        var status = counters
        status.bytesUsed = bytesUsed
        status.fillPercent = fillPercent
        status.records = segments.reduce(0) { $0 + $1.records }
        status.segments = segments.count
        let held = segments.filter { $0.records > 0 }
        status.oldestTime = held.map(\.oldest).min()
        status.newestTime = held.map(\.newest).max()
        status.enabled = isEnabled
        return status
    }

    private var bytesUsed: Int { segments.reduce(0) { $0 + $1.bytes } }
    private var fillPercent: Int { min(100, bytesUsed * 100 / configuration.capacityBytes) }
    private var currentRecords: Int { descriptor >= 0 ? segments.last?.records ?? 0 : 0 }

    // MARK: - Segments

    private func noteCrossing(_ level: StoreFillLevel) {
        switch level {
        case .eightyPercent:
            guard !reportedHigh else { return }
            reportedHigh = true
        case .full:
            guard !reportedFull else { return }
            reportedFull = true
            if !reportedHigh {
                reportedHigh = true
                crossings.append(.eightyPercent)
            }
        }
        crossings.append(level)
    }

    private func fail(_ error: PacketStoreError) -> StoreAppendResult {
        counters.failed += 1
        if writeFailures.count < 16 { writeFailures.append(error) }
        return .failed(error)
    }

    /// Closes the open segment (written and synced) and creates the next one; its header is the
    /// first thing buffered.
    private func startSegment() throws(PacketStoreError) {
        if descriptor >= 0 {
            try flush(now: MonotonicTime.nanoseconds)
            close(descriptor)
            descriptor = -1
        }
        let firstIndex = nextIndex
        let path = directory + "/" + SegmentFormat.fileName(firstIndex: firstIndex)
        do {
            descriptor = try retryingOnInterrupt("open(\(path))") { open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o640) }
            try synchronizeDirectory(containing: path)
        } catch {
            if descriptor >= 0 {
                close(descriptor)
                descriptor = -1
                unlink(path)
            }
            throw .system(error)
        }
        written = 0
        buffer.removeAll(keepingCapacity: true)
        buffer.append(contentsOf: SegmentFormat.header(firstIndex: firstIndex))
        segments.append(Segment(firstIndex: firstIndex, path: path, bytes: SegmentFormat.headerLength, records: 0))
        unsynced = true
    }

    /// `pwrite`s the buffer at the end of the open segment. On failure the segment is cut back to
    /// what was written before, the buffered records are lost (counted) and the next append
    /// starts a new segment.
    private func writeBuffer() throws(PacketStoreError) {
        guard descriptor >= 0, !buffer.isEmpty else { return }
        var offset = 0
        var failure: SystemCallError?
        buffer.withUnsafeBytes { bytes in
            while offset < bytes.count {
                let base = written + offset
                let result = bytes.baseAddress.map { pwrite(descriptor, $0 + offset, bytes.count - offset, off_t(base)) } ?? 0
                if result < 0 {
                    if errno == EINTR { continue }
                    failure = .lastError(of: "pwrite")
                    return
                }
                if result == 0 {
                    failure = SystemCallError(call: "pwrite", errno: EIO)
                    return
                }
                offset += result
            }
        }
        guard let failure else {
            written += buffer.count
            buffer.removeAll(keepingCapacity: true)
            return
        }
        // Keep the records that reached the file only if the whole batch did; otherwise cut back.
        let last = segments.count - 1
        let lostRecords = countRecords(inBufferOf: segments[last])
        _ = ftruncate(descriptor, off_t(written))
        close(descriptor)
        descriptor = -1
        segments[last].bytes = written
        segments[last].records -= lostRecords
        if segments[last].records == 0 && written <= SegmentFormat.headerLength {
            unlink(segments[last].path)
            segments.removeLast()
        }
        counters.failed += max(0, lostRecords - 1)
        buffer.removeAll(keepingCapacity: true)
        throw .system(failure)
    }

    /// Records in the write buffer (they are the newest of `segment`).
    private func countRecords(inBufferOf segment: Segment) -> Int {
        var count = 0
        buffer.withUnsafeBytes { bytes in
            var offset = written == 0 ? SegmentFormat.headerLength : 0
            while case .record(let record) = SegmentFormat.parse(bytes, at: offset) {
                count += 1
                offset += record.length
            }
        }
        return min(count, segment.records)
    }

    private func dropOldest(counting counter: WritableKeyPath<StoreStatus, Int>) throws(PacketStoreError) {
        let records = segments[0].records
        try remove(at: 0)
        counters[keyPath: counter] += records
    }

    private func remove(at index: Int) throws(PacketStoreError) {
        let path = segments[index].path
        guard unlink(path) == 0 || errno == ENOENT else { throw .system(.lastError(of: "unlink(\(path))")) }
        segments.remove(at: index)
        do {
            try synchronizeDirectory(containing: path)
        } catch {
            throw .system(error)
        }
    }

    /// The segment with `firstIndex`, or else the first one after it (readers move on when the
    /// one they were reading was dropped).
    func segment(atOrAfter firstIndex: UInt64) -> Segment? {
        segments.first { $0.firstIndex >= firstIndex }
    }

    /// Whether `segment` is the one open for appending.
    func isOpen(_ segment: Segment) -> Bool {
        descriptor >= 0 && segments.last?.firstIndex == segment.firstIndex
    }

    /// Octets of `segment` that are in its file.
    func readableBytes(of segment: Segment) -> Int {
        isOpen(segment) ? written : segment.bytes
    }
}

extension Duration {
    /// Whole nanoseconds, clamped.
    var nanosecondCount: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        return scaled &+ attoseconds / 1_000_000_000
    }
}
