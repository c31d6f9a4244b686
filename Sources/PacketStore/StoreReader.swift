import Systems

#if canImport(Glibc)
    import Glibc
#endif

/// Reads the records of a store whose generation time is in a range, oldest segment first, in
/// the order they were stored.
///
/// Appends and deletes may happen between calls: a reader whose segment was dropped goes on
/// with the next one; records appended behind the reader's position are read when it gets there.
/// A record that fails its CRC on reading ends that segment for this reader (counted in
/// ``corruptRecords``).
///
/// Thread ownership: the store's owning thread.
public final class StoreReader {
    private let store: PacketStore
    public let from: UInt64
    public let to: UInt64
    private var segmentIndex: UInt64 = 0
    private var offset = SegmentFormat.headerLength
    private var descriptor: Int32 = -1
    private var openPath = ""
    private var chunk = [UInt8](repeating: 0, count: 256 << 10)
    /// Whether every record in range has been returned.
    public private(set) var isFinished = false
    /// Records in range returned so far.
    public private(set) var delivered = 0
    /// Records that failed their CRC (or a read that failed) on the way.
    public private(set) var corruptRecords = 0

    init(store: PacketStore, from: UInt64, to: UInt64) {
        self.store = store
        self.from = from
        self.to = to
        if from > to { isFinished = true }
    }

    /// A reader of what is appended from now on (every time).
    init(followingAppendsTo store: PacketStore) {
        self.store = store
        from = 0
        to = .max
        if let (index, end) = store.appendPosition {
            segmentIndex = index
            offset = end
        } else {
            segmentIndex = store.nextSegmentIndex
        }
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
    }

    /// After ``isFinished``: looks again from where the reader stopped (records appended since).
    public func resume() {
        if from <= to { isFinished = false }
    }

    /// Up to `limit` more records in range; empty once ``isFinished``.
    public func next(limit: Int) -> [StoredPacket] {
        var out: [StoredPacket] = []
        while out.count < limit && !isFinished {
            guard let segment = store.segment(atOrAfter: segmentIndex) else {
                isFinished = true
                break
            }
            if segment.firstIndex != segmentIndex {
                segmentIndex = segment.firstIndex
                offset = SegmentFormat.headerLength
            }
            if segment.records == 0 || segment.newest < from || segment.oldest > to {
                moveOn()
                continue
            }
            if store.isOpen(segment) { store.makeReadable() }
            let end = store.readableBytes(of: segment)
            if offset >= end {
                // At the end of the segment being appended to: caught up. The position is kept,
                // so ``resume()`` reads what is appended later (open retrieval).
                if store.isOpen(segment) {
                    isFinished = true
                    break
                }
                moveOn()
                continue
            }
            guard openSegment(segment.path) else {
                corruptRecords += 1
                moveOn()
                continue
            }
            let want = min(chunk.count, end - offset)
            let got = chunk.withUnsafeMutableBytes { buffer in
                pread(descriptor, buffer.baseAddress, want, off_t(offset))
            }
            if got <= 0 {
                if got < 0 && errno == EINTR { continue }
                corruptRecords += 1
                moveOn()
                continue
            }
            var consumed = 0
            var corrupt = false
            var grow = 0
            chunk.withUnsafeBytes { whole in
                let bytes = UnsafeRawBufferPointer(rebasing: whole[0..<got])
                while out.count < limit {
                    switch SegmentFormat.parse(bytes, at: consumed) {
                    case .record(let record):
                        if record.time >= from && record.time <= to {
                            out.append(
                                StoredPacket(
                                    time: record.time, apid: record.apid, sequenceCount: record.sequenceCount,
                                    packet: Array(bytes[record.packet])))
                        }
                        consumed += record.length
                        continue
                    case .incomplete(let needed):
                        // The chunk ends inside a record: read on from it, with a larger chunk if
                        // the record alone is larger; a record running past the file is torn.
                        if consumed == 0 {
                            if needed > end - offset { corrupt = true } else if needed > chunk.count { grow = needed }
                        }
                    case .corrupt:
                        corrupt = true
                    }
                    break
                }
            }
            if grow > 0 { chunk = [UInt8](repeating: 0, count: max(grow, chunk.count * 2)) }
            offset += consumed
            if corrupt {
                corruptRecords += 1
                moveOn()
            }
        }
        delivered += out.count
        return out
    }

    private func moveOn() {
        segmentIndex += 1
        offset = SegmentFormat.headerLength
        if descriptor >= 0 {
            close(descriptor)
            descriptor = -1
        }
    }

    private func openSegment(_ path: String) -> Bool {
        if descriptor >= 0 && openPath == path { return true }
        if descriptor >= 0 { close(descriptor) }
        descriptor = open(path, O_RDONLY | O_CLOEXEC)
        openPath = path
        return descriptor >= 0
    }
}
