#if canImport(Glibc)
    import Glibc
#endif
import PacketStore
import SpaceLink
import Systems

/// `iost-bench store`: the onboard packet store on this machine's disk (bench/README.md).
///
/// A store of `--capacity-mib` (128) with 8 MiB segments in a scratch directory under `--dir`
/// (/var/tmp) is filled with `--hours` (24) of the simulated vehicle's telemetry at `--rate`
/// packets/s (10: the shipped config's housekeeping, events and verification), sizes from the
/// vehicle's mix (housekeeping 60–220 octets, events 40–60), in simulated time (a flush every
/// simulated second, as the telemetry thread does). Reported: append cost per packet (p50/p99,
/// µs, measured around each append), `fdatasync` cost per batch (p50/p99, ms), octets written per
/// octet of telemetry, then the time to reopen (recover) the full store, and reading it back with
/// framing into 1024-octet TM frames on VC 1 as a multiple of a 64 kbit/s downlink.
enum StoreBenchmark {
    static func run(_ options: Options) -> JSONObject {
        let hours = options.double("hours", default: 24)
        let rate = options.double("rate", default: 10)
        let capacity = options.int("capacity-mib", default: 128) << 20
        let base = options.string("dir", default: "/var/tmp")
        let directory = base + "/iost-bench-store-\(getpid())"
        defer { removeTree(directory) }
        let configuration = PacketStoreConfiguration(name: "bench", segmentBytes: 8 << 20, capacityBytes: capacity, policy: .circular)
        let packets = Int(hours * 3600 * rate)
        var appendNanoseconds: [Double] = []
        appendNanoseconds.reserveCapacity(min(packets, 2_000_000))
        var syncMilliseconds: [Double] = []
        var telemetryOctets = 0
        var generator = SplitMix(seed: 42)
        let payloads = (0..<64).map { index in (0..<300).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ index) } }
        do {
            let store = try PacketStore(directory: directory, configuration: configuration, now: 0)
            let perSecond = max(1, Int(rate))
            var second: UInt64 = 0
            var appended = 0
            while appended < packets {
                for _ in 0..<perSecond where appended < packets {
                    let isHousekeeping = generator.next() % 10 < 6
                    let length = isHousekeeping ? 60 + Int(generator.next() % 161) : 40 + Int(generator.next() % 21)
                    let record = StoredPacket(
                        time: (2_174_985_000 + second) << 16 | UInt64(appended % 65_536), apid: 0x123,
                        sequenceCount: UInt16(appended & 0x3FFF), packet: Array(payloads[appended % 64].prefix(length)))
                    let start = MonotonicTime.nanoseconds
                    _ = store.append(record, now: second * 1_000_000_000)
                    if appendNanoseconds.count < 2_000_000 { appendNanoseconds.append(Double(MonotonicTime.nanoseconds - start)) }
                    telemetryOctets += length
                    appended += 1
                }
                second += 1
                let start = MonotonicTime.nanoseconds
                store.flushIfDue(now: second * 1_000_000_000)
                syncMilliseconds.append(Double(MonotonicTime.nanoseconds - start) / 1e6)
            }
            try store.flush()
        } catch {
            IostBench.fail("store: \(error)")
        }
        let diskOctets = directoryOctets(directory)

        // Recovery of the full store (the scan of every segment at start-up).
        var recoveryMilliseconds: [Double] = []
        var recovered = 0
        for _ in 0..<3 {
            let start = MonotonicTime.nanoseconds
            do {
                let store = try PacketStore(directory: directory, configuration: configuration, now: 0)
                recovered = store.recovery.records
            } catch {
                IostBench.fail("store reopen: \(error)")
            }
            recoveryMilliseconds.append(Double(MonotonicTime.nanoseconds - start) / 1e6)
        }

        // Read everything back and frame it for VC 1.
        var readRates: [Double] = []
        var checksum: UInt64 = 0
        for _ in 0..<3 {
            do {
                let store = try PacketStore(directory: directory, configuration: configuration, now: 0)
                var master = TMMasterChannel(configuration: TMFrameConfiguration(spacecraftID: 42, frameLength: 1024))
                let reader = store.reader(from: 0, to: .max)
                var octets = 0
                let start = MonotonicTime.nanoseconds
                while !reader.isFinished {
                    for record in reader.next(limit: 64) {
                        // The records are not space packets here; frame a packet of the same length.
                        var packet = [UInt8](repeating: 0, count: max(7, record.packet.count))
                        packet[0] = 0x08
                        packet[1] = 0x23
                        packet[2] = 0xC0
                        packet[4] = UInt8((packet.count - 7) >> 8)
                        packet[5] = UInt8((packet.count - 7) & 0xFF)
                        try? master.enqueue(packet, virtualChannel: 1)
                        while master.hasQueuedFrame { checksum &+= UInt64(master.nextFrame()[10]) }
                        octets += record.packet.count
                    }
                }
                let seconds = Double(MonotonicTime.nanoseconds - start) / 1e9
                readRates.append(Double(octets) / seconds)
            } catch {
                IostBench.fail("store read: \(error)")
            }
        }

        var object = JSONObject()
        object.add("hours", hours, digits: 1)
        object.add("packets", packets)
        object.add("telemetry_mb", Double(telemetryOctets) / 1e6, digits: 1)
        Distribution(appendNanoseconds).summary(into: &object, prefix: "append_", suffix: "_us", scale: 1e-3, digits: 2)
        let syncs = syncMilliseconds.filter { $0 > 0.001 }
        object.add("fsync_batches", syncs.count)
        object.add("fsync_p50_ms", Distribution(syncs).percentile(0.5), digits: 3)
        object.add("fsync_p99_ms", Distribution(syncs).percentile(0.99), digits: 3)
        object.add("written_per_telemetry_octet", Double(diskOctets) / Double(max(1, telemetryOctets)), digits: 3)
        object.add("store_mb", Double(diskOctets) / 1e6, digits: 1)
        object.add("recovered_records", recovered)
        object.add("recovery_ms", median(recoveryMilliseconds), digits: 1)
        object.add("read_frame_mb_per_s", median(readRates) / 1e6, digits: 2)
        object.add("read_vs_64kbps", median(readRates) / 8000, digits: 0)
        object.add("checksum", Int(checksum & 0xFFFF))
        return object
    }

    /// Octets of the regular files in `directory`.
    static func directoryOctets(_ directory: String) -> Int {
        guard let handle = opendir(directory) else { return 0 }
        defer { closedir(handle) }
        var total = 0
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            var status = stat()
            if name != ".", name != "..", stat(directory + "/" + name, &status) == 0 { total += Int(status.st_size) }
        }
        return total
    }

    static func removeTree(_ directory: String) {
        guard let handle = opendir(directory) else { return }
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != ".", name != ".." { unlink(directory + "/" + name) }
        }
        closedir(handle)
        rmdir(directory)
    }
}

/// A small deterministic generator (SplitMix64) for the packet mix.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
