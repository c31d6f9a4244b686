import Systems

#if canImport(Glibc)
    import Glibc
#endif

extension PacketStore {
    /// Lists, validates and repairs the segments in `directory`, oldest first.
    ///
    /// - A file shorter than a header (a crash between creating a segment and its first write)
    ///   is removed.
    /// - A header that is not a store's, or names another index than the file, sets the file
    ///   aside as `<name>.damaged` (kept for analysis, never read again).
    /// - Records are checked in order; the first torn record, bad length or CRC mismatch cuts the
    ///   segment there (`ftruncate` + `fdatasync`). A segment left without records is removed,
    ///   unless it is the newest (appends continue in it).
    static func recover(directory: String, into recovery: inout StoreRecovery) throws(PacketStoreError) -> [Segment] {
        var names: [(UInt64, String)] = []
        guard let handle = opendir(directory) else { throw .system(.lastError(of: "opendir(\(directory))")) }
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if let index = SegmentFormat.firstIndex(ofFileName: name) { names.append((index, name)) }
        }
        closedir(handle)
        names.sort { $0.0 < $1.0 }

        var segments: [Segment] = []
        var changed = false
        for (position, (index, name)) in names.enumerated() {
            let path = directory + "/" + name
            let bytes: [UInt8]
            do {
                bytes = try readFile(atPath: path, limit: 64 << 20)
            } catch {
                if case .system(let failure) = error.reason { throw .system(failure) }
                recovery.damagedSegments += 1
                rename(path, path + ".damaged")
                changed = true
                continue
            }
            if bytes.count < SegmentFormat.headerLength {
                recovery.bytesTruncated += bytes.count
                if bytes.count > 0 { recovery.truncatedSegments += 1 }
                unlink(path)
                changed = true
                continue
            }
            let headerIndex = bytes.withUnsafeBytes { SegmentFormat.firstIndex(ofHeader: $0) }
            guard headerIndex == index else {
                recovery.damagedSegments += 1
                rename(path, path + ".damaged")
                changed = true
                continue
            }
            var segment = Segment(firstIndex: index, path: path, bytes: SegmentFormat.headerLength, records: 0)
            var counts = recovery.lastSequenceCounts
            bytes.withUnsafeBytes { raw in
                var offset = SegmentFormat.headerLength
                while offset < raw.count, case .record(let record) = SegmentFormat.parse(raw, at: offset) {
                    segment.records += 1
                    segment.note(time: record.time)
                    counts[record.apid] = record.sequenceCount
                    offset += record.length
                }
                segment.bytes = offset
            }
            recovery.lastSequenceCounts = counts
            if segment.bytes < bytes.count {
                recovery.bytesTruncated += bytes.count - segment.bytes
                recovery.truncatedSegments += 1
                try cut(path, at: segment.bytes)
            }
            if segment.records == 0 && position < names.count - 1 {
                unlink(path)
                changed = true
                continue
            }
            segments.append(segment)
        }
        if changed {
            do {
                try synchronizeDirectory(containing: directory + "/.")
            } catch {
                throw .system(error)
            }
        }
        return segments
    }

    private static func cut(_ path: String, at length: Int) throws(PacketStoreError) {
        do {
            let descriptor = try retryingOnInterrupt("open(\(path))") { open(path, O_WRONLY | O_CLOEXEC) }
            defer { close(descriptor) }
            _ = try retryingOnInterrupt("ftruncate(\(path))") { ftruncate(descriptor, off_t(length)) }
            _ = try retryingOnInterrupt("fdatasync(\(path))") { fdatasync(descriptor) }
        } catch {
            throw .system(error)
        }
    }
}
