import FlightCore
import HAL
import Link
import PacketStore
import SpaceLink

/// ST[15] on the telemetry thread: storage enable/disable, by-time-range and open retrieval,
/// delete, and the reports; and the replay itself, on VC 1 at the downlink's playback priority
/// with the capacity real time leaves (``replay(into:)``, once per telemetry poll).
///
/// Times on the wire are Unix milliseconds (UTC); in the stores they are the packets' CUC
/// generation times, converted with the mission's TAI − UTC offset.
extension OnboardStorage: PacketStorageService {
    /// Packets replayed per poll at most (the downlink's playback room limits it first).
    static let replayBatch = 64

    func perform(_ request: StorageRequestMessage, at time: MonotonicInstant) -> StorageOutcome {
        let targets: [Int]
        let named = request.stores
        if named.isEmpty {
            targets = Array(stores.indices)
        } else {
            var found: [Int] = []
            for id in named {
                guard let position = stores.firstIndex(where: { $0.index + 1 == Int(id) }) else {
                    // Configured but not open (it failed at start): nothing to do it with.
                    return StorageOutcome(failure: (.executionFailed, id))
                }
                found.append(position)
            }
            targets = found
        }
        switch request {
        case .enable, .disable:
            let enabled = if case .enable = request { true } else { false }
            for position in targets { stores[position].store.isEnabled = enabled }
        case .retrieveByTime(let ranges):
            // All or nothing: a store already retrieving by time refuses the whole request.
            for (position, range) in zip(targets, ranges) where stores[position].byTime != nil {
                return StorageOutcome(failure: (.busy, range.storeID))
            }
            for (position, range) in zip(targets, ranges) {
                stores[position].byTime = stores[position].store.reader(from: cuc(range.start), to: cucEnd(range.end))
                stores[position].byTimeSent = 0
            }
        case .abortRetrieveByTime:
            for position in targets where stores[position].byTime != nil {
                events.raise(
                    FlightEvent(
                        id: StorageEvents.retrievalAborted, severity: .informative, time: time, Double(stores[position].index + 1),
                        Double(stores[position].byTimeSent)))
                stores[position].byTime = nil
            }
        case .deleteUpTo(let limit, _):
            for position in targets { stores[position].store.delete(upTo: cucEnd(limit)) }
        case .setOpenRetrievalStart(let start, _):
            for position in targets where stores[position].openInProgress {
                return StorageOutcome(failure: (.busy, UInt16(stores[position].index + 1)))
            }
            for position in targets {
                stores[position].openStart = start
                stores[position].open = nil
            }
        case .resumeOpenRetrieval:
            for position in targets { resumeOpenRetrieval(position) }
        case .suspendOpenRetrieval:
            for position in targets { stores[position].openInProgress = false }
        case .summary:
            return StorageOutcome(reports: [.summary(targets.map(summary))])
        case .status:
            return StorageOutcome(
                reports: [
                    .status(
                        stores.map { entry in
                            StoreStatusEntry(
                                storeID: UInt16(entry.index + 1), storageEnabled: entry.store.isEnabled, openRetrievalInProgress: entry.openInProgress,
                                byTimeRangeRetrievalInProgress: entry.byTime != nil)
                        })
                ])
        case .configuration:
            return StorageOutcome(
                reports: [
                    .configuration(
                        stores.map { entry in
                            StoreConfigurationEntry(
                                storeID: UInt16(entry.index + 1), sizeBytes: UInt32(clamping: entry.store.configuration.capacityBytes),
                                bounded: entry.store.configuration.policy == .bounded, virtualChannel: 1)
                        })
                ])
        }
        return StorageOutcome()
    }

    private func resumeOpenRetrieval(_ position: Int) {
        if stores[position].open == nil {
            stores[position].open = stores[position].store.reader(from: cuc(stores[position].openStart), to: .max)
        }
        stores[position].openInProgress = true
    }

    private func summary(_ position: Int) -> StoreSummary {
        let entry = stores[position]
        let status = entry.store.status
        let oldest = status.oldestTime.map(milliseconds) ?? 0
        let newest = status.newestTime.map(milliseconds) ?? 0
        // The share of the store newer than the open retrieval's start, by time (records are
        // appended in time order).
        var fromStart = status.fillPercent
        if newest > oldest, entry.openStart > oldest {
            let remaining = Double(newest - min(newest, entry.openStart)) / Double(newest - oldest)
            fromStart = Int((Double(status.fillPercent) * remaining).rounded())
        }
        return StoreSummary(
            storeID: UInt16(entry.index + 1), oldest: oldest, newest: newest, openRetrievalStart: entry.openStart,
            fillPercent: UInt8(clamping: status.fillPercent), fillPercentFromOpenRetrievalStart: UInt8(clamping: fromStart))
    }

    // MARK: Replay

    /// Offers the downlink replayed packets for VC 1 while it has playback room: by-time-range
    /// retrievals first, then open retrievals, store by store. A finished by-time-range
    /// retrieval raises `retrieval_completed`.
    func replay(into downlink: Downlink) {
        while let pending = pendingPlayback.first {
            guard downlink.enqueue(pending, priority: .playback) else { return }
            pendingPlayback.removeFirst()
        }
        var room = min(Self.replayBatch, downlink.room(.playback))
        let now = clock.now
        for position in stores.indices where room > 0 {
            guard let reader = stores[position].byTime else { continue }
            let packets = reader.next(limit: room)
            room -= offer(packets, to: downlink)
            stores[position].byTimeSent += packets.count
            if reader.isFinished {
                events.raise(
                    FlightEvent(
                        id: StorageEvents.retrievalCompleted, severity: .informative, time: now, Double(stores[position].index + 1),
                        Double(stores[position].byTimeSent)))
                stores[position].byTime = nil
            }
        }
        for position in stores.indices where room > 0 && stores[position].openInProgress {
            guard let reader = stores[position].open else { continue }
            reader.resume()
            let packets = reader.next(limit: room)
            room -= offer(packets, to: downlink)
            if let last = packets.last { stores[position].openStart = milliseconds(last.time) }
        }
    }

    /// Enqueues `packets` on the playback queue; from the first one refused on, they wait in
    /// ``pendingPlayback`` for the next poll (the reader does not go back).
    /// - Returns: how many were offered.
    private func offer(_ packets: [StoredPacket], to downlink: Downlink) -> Int {
        for packet in packets {
            if !pendingPlayback.isEmpty || !downlink.enqueue(packet.packet, priority: .playback) { pendingPlayback.append(packet.packet) }
        }
        return packets.count
    }

    // MARK: Time

    /// Unix milliseconds (UTC) as a stored time (CUC coarse << 16 | fine).
    func cuc(_ milliseconds: UInt64) -> UInt64 {
        let time = CUCTime(
            unixSeconds: Int64(clamping: milliseconds / 1000), nanoseconds: UInt32(milliseconds % 1000) * 1_000_000,
            utcToTAIOffset: utcToTAIOffset)
        return UInt64(time.coarse) << 16 | UInt64(time.fine)
    }

    /// The end of a millisecond as a stored time: every packet stamped within it is included.
    func cucEnd(_ milliseconds: UInt64) -> UInt64 {
        milliseconds >= UInt64.max - 1 ? .max : cuc(milliseconds + 1) &- 1
    }

    /// A stored time as Unix milliseconds (UTC), 0 before 1970.
    func milliseconds(_ stored: UInt64) -> UInt64 {
        let coarse = Int64(stored >> 16)
        let unix = coarse - CUCTime.epochOffsetFrom1958To1970 - utcToTAIOffset
        guard unix >= 0 else { return 0 }
        return UInt64(unix) * 1000 + (stored & 0xFFFF) * 1000 / 65_536
    }
}
