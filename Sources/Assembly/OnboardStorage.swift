import FlightCore
import HAL
import Link
import PacketStore
import SpaceLink
import Systems

/// The telemetry thread's side of store and forward: every TM packet the services make gets its
/// final per-APID sequence count (and message type counter and PEC, ``PacketSequencer``) here,
/// then goes into every store whose filter matches, then on to the real-time downlink. Counts
/// are stamped before storing so that a replayed packet carries exactly the count it had (or
/// would have had) in real time, and they continue across restarts (``SequenceCountReservation``).
///
/// Stores open at assembly in real time with a state directory (`<state>/store/<name>`); a store
/// that cannot be opened is an event (`store_open_failed`) and the vehicle runs without it.
///
/// - Warning: telemetry thread only (then the shutdown sequence, after that thread stopped).
final class OnboardStorage {
    struct Store {
        let store: PacketStore
        let filter: StoreFilter
        let index: Int
        /// A by-time-range retrieval in progress (TC[15,9]) and the packets it has replayed.
        var byTime: StoreReader?
        var byTimeSent = 0
        /// The open retrieval: its reader keeps its position while suspended; `nil` until the
        /// first resume, or after TC[15,14] moved the start.
        var open: StoreReader?
        var openInProgress = false
        /// TC[15,14]'s start, then the generation time of the last packet the open retrieval sent (Unix ms).
        var openStart: UInt64 = 0
        /// `<state>/store/NAME/retrieval` and what it holds now (``RetrievalState``).
        var retrievalPath: String?
        var savedRetrieval = RetrievalState()
        var retrievalSavedAt = MonotonicInstant.zero
    }

    /// The open retrieval's position is written at most this often while it moves (a restart
    /// replays at most this much again; the ground merges duplicates). Other changes are written
    /// at the next poll.
    static let retrievalSaveInterval: Duration = .seconds(5)

    var stores: [Store]
    private var sequencer: PacketSequencer
    private var reservation: SequenceCountReservation
    private let parameters: StoreParameters?
    let events: EventLog
    private let timeOffset: Int
    let utcToTAIOffset: Int64
    let clock: any MonotonicClock
    /// Replayed packets the downlink refused, offered again first.
    var pendingPlayback: [[UInt8]] = []
    /// Passes, and whether each acquisition of signal resumes every open retrieval.
    private let contact: ContactMonitor?
    private let retrieveOnAOS: Bool
    private var contactEdge = ContactEdge()
    private var wasInContact = true
    /// Per store: the newest generation time stored when the signal was lost.
    private var lossMarks: [Int: UInt64] = [:]
    /// How far before the loss of signal a pass replay starts: packets stored then may still have
    /// been waiting in the downlink's real-time queues (discarded at LOS). Replaying them again
    /// costs a few duplicates, which the ground merges.
    static let lossMargin: UInt64 = 10 << 16

    /// - Parameters:
    ///   - settings: the configured stores.
    ///   - stateDirectory: `nil`: nothing is stored and counts start at 0 at every start.
    ///   - timeFormat: where the generation time sits in a PUS-C TM secondary header.
    init(
        settings: [StoreSettings], stateDirectory: String?, timeFormat: TimeFieldFormat, utcToTAIOffset: Int64 = CUCTime.defaultUTCToTAIOffset,
        parameters: StoreParameters?, events: EventLog, clock: any MonotonicClock, contact: ContactMonitor? = nil, retrieveOnAOS: Bool = false
    ) {
        self.contact = contact
        self.retrieveOnAOS = retrieveOnAOS
        self.parameters = parameters
        self.utcToTAIOffset = utcToTAIOffset
        self.events = events
        self.clock = clock
        // Primary header (6), PUS version (1), service, subtype, message type counter (2),
        // destination (2), then the time field, whose P-field (if any) precedes coarse and fine.
        timeOffset = 13 + (timeFormat == .cucWithPField ? 1 : 0)
        let now = clock.now
        var stores: [Store] = []
        var lastCounts: [UInt16: UInt16] = [:]
        if let stateDirectory {
            for (index, setting) in settings.enumerated() {
                let directory = stateDirectory + "/store/" + setting.configuration.name
                do {
                    let store = try PacketStore(directory: directory, configuration: setting.configuration, now: now.nanoseconds)
                    let recovery = store.recovery
                    events.raise(
                        FlightEvent(
                            id: StorageEvents.recovered, severity: recovery.repaired ? .low : .informative, time: now, Double(index + 1),
                            Double(recovery.records), Double(recovery.bytesTruncated), Double(recovery.damagedSegments)))
                    lastCounts.merge(recovery.lastSequenceCounts) { first, _ in first }
                    var entry = Store(store: store, filter: setting.filter, index: index)
                    entry.retrievalPath = directory + "/" + RetrievalState.fileName
                    if let kept = entry.retrievalPath.flatMap(RetrievalState.read(atPath:)) {
                        entry.savedRetrieval = kept
                        store.isEnabled = kept.storageEnabled
                        entry.openStart = kept.openStart
                        entry.openInProgress = kept.openInProgress
                        if let mark = kept.lossMark { lossMarks[stores.count] = mark } // keyed by position
                    }
                    // The open retrieval goes on from where it was; the first time, from the
                    // present (what this run stores).
                    if entry.openStart == 0 { entry.open = store.readerOfNewRecords() }
                    stores.append(entry)
                } catch {
                    let code: Int32 = if case .system(let failure) = error { failure.errno } else { 0 }
                    events.raise(FlightEvent(id: StorageEvents.openFailed, severity: .high, time: now, Double(index + 1), Double(code)))
                }
            }
        }
        self.stores = stores
        // A loss of signal noted before the restart still asks for its replay at the next pass.
        wasInContact = lossMarks.isEmpty
        reservation = SequenceCountReservation(
            path: stateDirectory.map { $0 + "/sequence-counts" }, stored: lastCounts, events: events, now: now)
        sequencer = PacketSequencer(startingAt: reservation.start)
        for position in self.stores.indices where self.stores[position].open == nil {
            self.stores[position].open = self.stores[position].store.reader(from: cuc(self.stores[position].openStart), to: .max)
        }
        publish()
    }

    /// The packet with its final counts, after it has been offered to every matching store.
    func process(_ packet: [UInt8]) -> [UInt8] {
        guard packet.count >= SpacePacketHeader.size else { return packet }
        let apid = UInt16(packet[0] & 0x07) << 8 | UInt16(packet[1])
        guard apid != SpacePacketHeader.idleAPID else { return packet }
        let now = clock.now
        reservation.willUse(apid: apid, count: sequencer.nextSequenceCount(apid: apid), now: now)
        let stamped = sequencer.stamp(packet)
        guard !stores.isEmpty else { return stamped }
        let sequenceCount = UInt16(stamped[2] & 0x3F) << 8 | UInt16(stamped[3])
        let hasPUSHeader = stamped[0] & 0x18 == 0x08 && stamped.count >= timeOffset + 6
        let type = hasPUSHeader ? MessageType(stamped[7], stamped[8]) : nil
        var time: UInt64 = 0
        if hasPUSHeader {
            for index in timeOffset..<(timeOffset + 6) { time = time << 8 | UInt64(stamped[index]) }
        }
        let record = StoredPacket(time: time, apid: apid, sequenceCount: sequenceCount, packet: stamped)
        var kept = false
        for store in stores where !store.filter.rest && store.filter.matches(apid: apid, type: type) {
            _ = store.store.append(record, now: now.nanoseconds)
            kept = true
        }
        if !kept {
            for store in stores where store.filter.rest { _ = store.store.append(record, now: now.nanoseconds) }
        }
        return stamped
    }

    /// Once per telemetry poll: syncs what is due, raises fill and write-failure events, and
    /// updates the stores' parameters.
    func poll() {
        let now = clock.now
        if retrieveOnAOS, let contact { replayPasses(contact, now: now) }
        for position in stores.indices {
            let store = stores[position].store
            store.flushIfDue(now: now.nanoseconds)
            saveRetrieval(position, now: now, force: false)
            report(position, now: now)
        }
        publish()
    }

    /// The store's retrieval state as it is now.
    private func retrievalState(_ position: Int) -> RetrievalState {
        var state = RetrievalState()
        state.storageEnabled = stores[position].store.isEnabled
        state.openStart = stores[position].openStart
        state.openInProgress = stores[position].openInProgress
        state.lossMark = lossMarks[position]
        return state
    }

    /// Writes the retrieval state when it changed (the position alone: at most every
    /// ``retrievalSaveInterval``; `force`: now). A failed write is a `store_write_failed` event.
    private func saveRetrieval(_ position: Int, now: MonotonicInstant, force: Bool) {
        guard let path = stores[position].retrievalPath else { return }
        let state = retrievalState(position)
        let saved = stores[position].savedRetrieval
        guard state != saved else { return }
        guard force || state.differsBeyondPosition(from: saved) || now - stores[position].retrievalSavedAt >= Self.retrievalSaveInterval else { return }
        stores[position].retrievalSavedAt = now
        do {
            try writeFileAtomically(Array(state.text.utf8), toPath: path)
            stores[position].savedRetrieval = state
        } catch {
            events.raise(
                FlightEvent(
                    id: StorageEvents.writeFailed, severity: .medium, time: now, Double(stores[position].index + 1), Double(error.errno),
                    Double(stores[position].store.status.failed)))
        }
    }

    /// `[storage] retrieve_on_aos`: at loss of signal each store notes its newest time; at the
    /// next acquisition a by-time-range retrieval replays from that time (less ``lossMargin``)
    /// to the newest packet, so a ground that only listens receives what it missed. A store
    /// already retrieving by time keeps its retrieval (the ground asked for it).
    private func replayPasses(_ contact: ContactMonitor, now: MonotonicInstant) {
        let inContact = contact.isInContact
        if wasInContact && !inContact {
            for position in stores.indices { lossMarks[position] = stores[position].store.status.newestTime ?? 0 }
        }
        wasInContact = inContact
        guard contactEdge.acquired(contact) else { return }
        for (position, mark) in lossMarks where stores[position].byTime == nil {
            let newest = stores[position].store.status.newestTime ?? 0
            stores[position].byTime = stores[position].store.reader(from: mark > Self.lossMargin ? mark - Self.lossMargin : 0, to: newest)
            stores[position].byTimeSent = 0
        }
        lossMarks.removeAll()
    }

    /// Shutdown: everything appended written and synced.
    func close() {
        let now = clock.now
        for position in stores.indices {
            do {
                try stores[position].store.flush()
            } catch {
                // Reported like any write failure: what was not synced may be lost.
                let code: Int32 = if case .system(let failure) = error { failure.errno } else { 0 }
                events.raise(
                    FlightEvent(
                        id: StorageEvents.writeFailed, severity: .medium, time: now, Double(stores[position].index + 1), Double(code),
                        Double(stores[position].store.status.failed)))
            }
            saveRetrieval(position, now: now, force: true)
            report(position, now: now)
        }
        publish()
    }

    private func report(_ position: Int, now: MonotonicInstant) {
        let store = stores[position].store
        let index = Double(stores[position].index + 1)
        for level in store.takeFillCrossings() {
            switch level {
            case .eightyPercent:
                events.raise(FlightEvent(id: StorageEvents.fillHigh, severity: .low, time: now, index, Double(store.status.fillPercent)))
            case .full:
                events.raise(
                    FlightEvent(
                        id: StorageEvents.full, severity: .medium, time: now, index, store.configuration.policy == .circular ? 0 : 1))
            }
        }
        for failure in store.takeWriteFailures() {
            let code: Int32 = if case .system(let error) = failure { error.errno } else { 0 }
            events.raise(
                FlightEvent(id: StorageEvents.writeFailed, severity: .medium, time: now, index, Double(code), Double(store.status.failed)))
        }
    }

    private func publish() {
        guard let parameters else { return }
        for entry in stores {
            let status = entry.store.status
            parameters.set(
                store: entry.index, fillPercent: status.fillPercent, records: status.records, refused: status.refused,
                writeErrors: status.failed)
        }
    }
}
