#if canImport(Glibc)
    import Glibc
#endif
@testable import Assembly
import FlightCore
import Foundation
import HAL
import PacketStore
import SimHardware
import SpaceLink
import Testing

/// The telemetry thread's store-and-forward step, on a real state directory: counts stamped
/// before storing, every packet in exactly one store, counts that continue across restarts.
@Suite("Onboard storage")
struct OnboardStorageTests {
    let state = FileManager.default.temporaryDirectory.appendingPathComponent("iost-storage-\(getpid())-\(UInt64.random(in: 0 ... .max))").path
    let clock = SimClock()

    var settings: [StoreSettings] {
        var rest = StoreFilter()
        rest.rest = true
        return [
            StoreSettings(
                configuration: PacketStoreConfiguration(name: "hk", segmentBytes: 8192, capacityBytes: 1 << 20),
                filter: StoreFilter(services: [(3, 25)])),
            StoreSettings(configuration: PacketStoreConfiguration(name: "events", segmentBytes: 8192, capacityBytes: 1 << 20), filter: rest),
        ]
    }

    func storage(_ events: EventLog, directory: String?) -> OnboardStorage {
        OnboardStorage(settings: settings, stateDirectory: directory, timeFormat: .cucWithPField, parameters: nil, events: events, clock: clock)
    }

    /// A mixed stream: HK, events, verification, a ping reply; all with sequence count 0 as the services make them.
    func made(_ count: Int, from second: UInt32 = 1000) -> [[UInt8]] {
        var source = PUSTelemetrySource(apid: 0x123)
        let types = [MessageType(3, 25), MessageType(5, 1), MessageType(1, 1), MessageType(17, 2)]
        return (0..<count).map { index in
            source.encode(types[index % 4], time: CUCTime(coarse: second + UInt32(index), fine: 0x8000), sourceData: [UInt8(index & 0xFF)])
        }
    }

    func everything(in store: PacketStore) -> [StoredPacket] {
        let reader = store.reader(from: 0, to: .max)
        var out: [StoredPacket] = []
        while !reader.isFinished { out += reader.next(limit: 50) }
        return out
    }

    func counts(_ packets: [[UInt8]]) -> [UInt16] { packets.map { UInt16($0[2] & 0x3F) << 8 | UInt16($0[3]) } }

    @Test func countsAreStampedBeforeStoringAndEveryPacketIsKeptOnce() throws {
        defer { try? FileManager.default.removeItem(atPath: state) }
        let events = EventLog()
        let storage = storage(events, directory: state)
        let out = made(40).map { storage.process($0) }
        #expect(counts(out) == Array(0..<40))
        for packet in out {
            #expect(CRC16.compute(packet) == 0, "the PEC is recomputed after stamping")
            let decoded = try PUSTelemetry.decode(packet)
            #expect(decoded.time.fine == 0x8000)
        }
        storage.close()
        let hk = everything(in: storage.stores[0].store)
        let rest = everything(in: storage.stores[1].store)
        #expect(hk.count == 10 && rest.count == 30)
        #expect(hk.allSatisfy { $0.packet[7] == 3 && $0.packet[8] == 25 })
        #expect(Set((hk + rest).map(\.sequenceCount)) == Set(0..<40), "each packet in exactly one store")
        // The stored time is the packet's CUC time (coarse << 16 | fine), the record its bytes.
        let first = try #require(hk.first)
        #expect(first.time == UInt64(1000) << 16 | 0x8000 && first.apid == 0x123 && first.packet == out[0])
        var raised: [EventID] = []
        _ = events.drain { raised.append($0.id) }
        #expect(raised == [StorageEvents.recovered, StorageEvents.recovered], "one store_recovered per store, nothing else")
    }

    @Test func theOpenRetrievalAndStorageFlagsContinueAfterARestart() throws {
        defer { try? FileManager.default.removeItem(atPath: state) }
        // Packet times in 2027 (CUC seconds since 1958), so that they have Unix milliseconds.
        let second: UInt32 = 2_178_691_237
        let first = storage(EventLog(), directory: state)
        let out = made(20, from: second).map { first.process($0) }
        let start = first.milliseconds(UInt64(second + 10) << 16 | 0x8000)
        _ = first.perform(.setOpenRetrievalStart(time: start, stores: [2]), at: clock.now)
        _ = first.perform(.resumeOpenRetrieval(stores: [2]), at: clock.now)
        _ = first.perform(.disable(stores: [1]), at: clock.now)
        first.poll()
        let kept = try String(contentsOfFile: state + "/store/events/retrieval", encoding: .utf8)
        #expect(kept == "iost-retrieval 1\nstorage-enabled 1\nopen-start \(start)\nopen-in-progress 1\n")
        first.close()

        let restarted = storage(EventLog(), directory: state)
        #expect(!restarted.stores[0].store.isEnabled && restarted.stores[1].store.isEnabled)
        #expect(restarted.stores[1].openStart == start && restarted.stores[1].openInProgress)
        let reader = try #require(restarted.stores[1].open)
        reader.resume()
        // The open retrieval goes on from its start: the non-HK packets from the 11th on.
        let expected = (10..<20).filter { $0 % 4 != 0 }.map { counts([out[$0]])[0] }
        #expect(reader.next(limit: 100).map(\.sequenceCount) == expected)
        restarted.close()

        // A damaged file is ignored as a whole: storage on, open retrieval from the present, suspended.
        try "iost-retrieval 1\nopen-start 12x\n".write(toFile: state + "/store/events/retrieval", atomically: true, encoding: .utf8)
        let third = storage(EventLog(), directory: state)
        #expect(third.stores[1].openStart == 0 && !third.stores[1].openInProgress)
        #expect(RetrievalState(text: "iost-retrieval 2\n") == nil && RetrievalState(text: "iost-retrieval 1\nloss-mark 0x10\n")?.lossMark == 16)
        third.close()
    }

    @Test func countsContinueAfterARestartAndNeverRepeat() throws {
        defer { try? FileManager.default.removeItem(atPath: state) }
        var last: UInt16 = 0
        for run in 0..<3 {
            let storage = storage(EventLog(), directory: state)
            let stamped = counts(made(700).map { storage.process($0) })
            if run > 0 {
                #expect(stamped[0] > last, "run \(run): \(stamped[0]) after \(last)")
                #expect(Int(stamped[0]) - Int(last) <= Int(SequenceCountReservation.block), "at most one reservation block skipped")
            }
            #expect(zip(stamped, stamped.dropFirst()).allSatisfy { $1 == $0 + 1 })
            last = stamped[stamped.count - 1]
            // No close(): the restart is a crash; the reservation alone carries the counts.
        }
        #expect(last >= 2 * 700 + 699)
    }

    @Test func anUnreadableReservationFallsBackToTheStoresWithAnEvent() throws {
        defer { try? FileManager.default.removeItem(atPath: state) }
        do {
            let storage = storage(EventLog(), directory: state)
            _ = made(25).map { storage.process($0) }
            storage.close()
        }
        try Data("garbage\n".utf8).write(to: URL(fileURLWithPath: state + "/sequence-counts"))
        let events = EventLog()
        let storage = storage(events, directory: state)
        #expect(counts([storage.process(made(1)[0])]) == [25], "after the newest stored count (24)")
        var raised: [FlightEvent] = []
        _ = events.drain { raised.append($0) }
        let fallback = try #require(raised.first { $0.id == StorageEvents.sequenceCountsFallback })
        #expect(fallback.arguments.0 == 2, "reason: unreadable")
        #expect(raised.filter { $0.id == StorageEvents.recovered }.map(\.arguments.1).reduce(0, +) == 25)
    }

    @Test func withoutAStateDirectoryCountsStillRunAndNothingIsStored() {
        let storage = storage(EventLog(), directory: nil)
        #expect(counts(made(5).map { storage.process($0) }) == [0, 1, 2, 3, 4])
        #expect(storage.stores.isEmpty)
    }

    @Test func storeTablesAreReadStrictly() throws {
        func parse(_ text: String) throws -> [StoreSettings] {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("iost-stores-\(getpid())-\(UInt32.random(in: 0 ... .max)).toml").path
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            defer { try? FileManager.default.removeItem(atPath: path) }
            return try StoreSettings.stores(root: ConfigTable.parse(text: text, path: path))
        }
        #expect(try parse("") == [StoreSettings(configuration: PacketStoreConfiguration(name: "all"), filter: .all)])
        let two = try parse("[[store]]\nname = \"hk\"\nservices = [\"3,25\", \"5\"]\napids = [0x124]\nsegment_mib = 4\ncapacity_mib = 8\npolicy = \"bounded\"\n")
        #expect(two.count == 1)
        #expect(two[0].configuration == PacketStoreConfiguration(name: "hk", segmentBytes: 4 << 20, capacityBytes: 8 << 20, policy: .bounded))
        #expect(two[0].filter.matches(apid: 0x123, type: MessageType(5, 7)) && two[0].filter.matches(apid: 0x124, type: nil))
        #expect(!two[0].filter.matches(apid: 0x123, type: MessageType(3, 26)))
        for broken in [
            "[[store]]\nname = \"a/b\"\n", "[[store]]\nname = \"x\"\nsegment_mib = 32\n", "[[store]]\nname = \"x\"\ncapacity_mib = 4\n",
            "[[store]]\nname = \"x\"\nservices = [\"3,x\"]\n", "[[store]]\nname = \"x\"\nrest = true\napids = [1]\n",
            "[[store]]\nname = \"x\"\nsegmnet_mib = 8\n", "[[store]]\nname = \"x\"\n[[store]]\nname = \"x\"\n",
        ] {
            #expect(throws: ConfigurationError.self, "\(broken)") { try parse(broken) }
        }
    }
}
