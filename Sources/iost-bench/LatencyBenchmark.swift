import Assembly
import Drivers
import FlightCore
import HAL
import Link
import LinuxHAL
import SimHardware
import Simulation
import SpaceLink
import Systems

/// Right after the housekeeping member in the `hk` group (same thread, same cycle, nothing in
/// between that writes the pool), copies the sample time stamp of every sensor value the
/// housekeeping structures carry — the values the reports of this cycle were just made from.
///
/// Preallocated: `capacity` hk cycles × every (structure, sensor value) slot.
final class CollectionRecorder: RateGroupMember {
    let name = "latency-recorder"
    private let clock: SystemMonotonicClock
    private let pool: ParameterPool
    /// Per slot: the structure's index in the directory and the parameter's handle.
    let slots: [(structure: Int, handle: ParameterHandle)]
    let capacity: Int
    private(set) var cycleTimes: [UInt64]
    private(set) var collectTimes: [UInt64]
    private(set) var sampleTimes: [UInt64]
    private(set) var count = 0

    init(clock: SystemMonotonicClock, pool: ParameterPool, slots: [(structure: Int, handle: ParameterHandle)], capacity: Int) {
        self.clock = clock
        self.pool = pool
        self.slots = slots
        self.capacity = capacity
        cycleTimes = Array(repeating: 0, count: capacity)
        collectTimes = Array(repeating: 0, count: capacity)
        sampleTimes = Array(repeating: 0, count: capacity * max(1, slots.count))
    }

    func run(_ cycle: CycleContext) {
        guard count < capacity else { return }
        collectTimes[count] = clock.now.nanoseconds
        cycleTimes[count] = cycle.time.nanoseconds
        let base = count * slots.count
        for index in slots.indices {
            sampleTimes[base + index] = pool[slots[index].handle].timestamp.nanoseconds
        }
        count += 1
    }
}

/// What the telemetry thread saw: when each housekeeping packet was handed to the downlink.
final class EnqueueLog: @unchecked Sendable {
    /// Packet sequence count → enqueue time (ns).
    var times: [UInt16: UInt64] = [:]
}

/// What the ground socket saw: each housekeeping packet with the arrival time of the frame that
/// completed it.
final class ArrivalLog: @unchecked Sendable {
    var arrivals: [(sequence: UInt16, structure: UInt32, cuc: CUCTime, time: UInt64)] = []
    var frames = 0
    var firstFrame: UInt64 = 0
}

/// `iost-bench latency`: sensor sample → its TM frame on the wire, on the flight software as
/// `iostd run` assembles it (config/sim.toml: the simulated vehicle in real time, the executive
/// at SCHED_FIFO, the bus samplers, the PUS services, the telemetry thread polling every 10 ms,
/// the paced UDP downlink), in this process, on CLOCK_MONOTONIC throughout.
///
/// For every sensor value (`dev.<device>.<reading>`) in every housekeeping report received:
/// - t_sample: the value's time stamp in the parameter pool — the bus sampler's clock read just
///   before the device transaction that produced it;
/// - t_collect: when the housekeeping member copied it into the report (the hk cycle, read by
///   a recorder member run right after it);
/// - t_enqueue: when the telemetry thread handed the encoded packet to the downlink;
/// - t_wire: when the frame that completed the packet arrived on a UDP socket on the loopback
///   (the downlink's `send` + the loopback, a few µs).
/// Reported: t_wire − t_sample (the figure), and its parts t_collect − t_sample (the value's
/// age when collected: bounded by the device's sample period), t_enqueue − t_collect,
/// t_wire − t_enqueue (frame pacing and queueing at the link's bit rate).
enum LatencyBenchmark {
    static func run(_ options: Options) -> JSONObject {
        let path = options.string("config", default: "config/sim.toml")
        let seconds = options.double("seconds", default: 30)
        let clock = SystemMonotonicClock.shared

        // The ground side: a UDP socket on the loopback, given to the assembly as the downlink.
        let ground: UDPSocket
        let groundAddress: SocketAddress
        do {
            ground = try UDPSocket(family: .ipv4)
            try ground.bind(host: "127.0.0.1", port: 0)
            groundAddress = try ground.localAddress()
        } catch {
            IostBench.fail("ground socket: \(error)")
        }

        // The vehicle exactly as `iostd run` assembles it on simulated buses.
        let configuration: VehicleConfiguration
        let assembly: VehicleAssembly
        do {
            configuration = try VehicleConfiguration.load(path: path)
            guard configuration.buses.allSatisfy({ $0.kind.isSimulated }) else {
                IostBench.fail("\(path): every bus must be simulated for this benchmark")
            }
            assembly = try VehicleAssembly(
                configuration: configuration, mode: .realTimeOnSimulatedBuses,
                options: AssemblyOptions(
                    downlink: [groundAddress.description], uplink: "127.0.0.1:0",
                    scheduler: LinuxRealtimeScheduler(), utc: .fixedEpoch(UTCTime(unixSeconds: 0))))
        } catch {
            IostBench.fail("cannot assemble the vehicle: \(error)")
        }
        let topology = assembly.flight
        let services = assembly.services
        let bitRate = assembly.link.bitRate
        let frameLength = assembly.link.frameLength

        // The sensor values the housekeeping structures carry.
        var slots: [(structure: Int, handle: ParameterHandle)] = []
        for (index, structure) in services.directory.structures.enumerated() {
            for parameterIndex in structure.parameterIndices {
                let name = topology.pool.definitions[parameterIndex].name
                guard name.hasPrefix("dev."), !name.hasSuffix(".health"), !name.hasSuffix(".errors") else { continue }
                do {
                    slots.append((index, try topology.pool.handle(named: name)))
                } catch {
                    IostBench.fail("\(error)")
                }
            }
        }
        let hkRate = 1 / (topology.executive.group(named: RateGroupName.housekeeping)?.period.secondsDouble ?? 1)
        let recorder = CollectionRecorder(clock: clock, pool: topology.pool, slots: slots, capacity: Int(seconds * hkRate) + 16)
        topology.executive.add(recorder, to: RateGroupName.housekeeping)

        let frame = TMFrameConfiguration(spacecraftID: services.configuration.telemetry.spacecraftID, frameLength: frameLength)
        let stop = LockedValue(false)
        let arrivals = ArrivalLog()
        let enqueued = EnqueueLog()
        // The telemetry thread of `iostd run`, recording when each HK packet reached the downlink.
        assembly.observeTelemetry { packet, time in
            if packet.messageType == .housekeepingReport, let decoded = try? PUSTelemetry.decode(packet.bytes) {
                enqueued.times[decoded.sequenceCount] = time.nanoseconds
            }
        }
        let start = clock.now
        let threads: [DedicatedThread]
        do {
            threads = [
                try DedicatedThread(name: .auxiliary("bench-ground")) {
                    var decoder = TMFrameDecoder(configuration: frame)
                    var buffer = [UInt8](repeating: 0, count: 65_536)
                    while !stop.current {
                        guard let datagram = try? ground.receive(into: &buffer, timeout: .milliseconds(100)) else { continue }
                        let time = clock.now.nanoseconds
                        if arrivals.frames == 0 { arrivals.firstFrame = time }
                        arrivals.frames += 1
                        for packet in decoder.receive(buffer[0..<datagram.count]) {
                            guard let telemetry = try? PUSTelemetry.decode(packet), telemetry.messageType == .housekeepingReport,
                                let structure = try? HousekeepingReport.structureID(of: telemetry.sourceData[...])
                            else { continue }
                            arrivals.arrivals.append((telemetry.sequenceCount, structure, telemetry.time, time))
                        }
                    }
                }
            ]
            assembly.applySafeStates()
            try assembly.startThreads()
        } catch {
            IostBench.fail("cannot start a thread: \(error)")
        }

        clock.sleep(until: start.advanced(by: .nanoseconds(Int64(seconds * 1e9))))
        _ = assembly.stopExecutive(timeout: .seconds(1))
        _ = assembly.stopDeviceIO(timeout: .seconds(1))
        // Let what was collected reach the wire, then stop.
        clock.sleep(until: clock.now.advanced(by: .seconds(1)))
        _ = assembly.flushTelemetry(timeout: .seconds(2))
        stop.withLock { $0 = true }
        for thread in threads { _ = thread.join(timeout: .seconds(2)) }
        assembly.closeLink()
        ground.close()

        // Join the three logs.
        let structures = services.directory.structures
        var structureIndex: [UInt32: Int] = [:]
        for (index, structure) in structures.enumerated() { structureIndex[structure.id] = index }
        var total: [Double] = []
        var age: [Double] = []
        var toEnqueue: [Double] = []
        var toWire: [Double] = []
        var packets = 0
        var unmatched = 0
        for arrival in arrivals.arrivals {
            guard let structure = structureIndex[arrival.structure] else { continue }
            let instant = instant(of: arrival.cuc, utcToTAIOffset: services.configuration.telemetry.utcToTAIOffset)
            // The hk cycle whose scheduled time is the report's time (CUC resolution 15 µs).
            guard let cycle = (0..<recorder.count).first(where: { abs(Int64(bitPattern: recorder.cycleTimes[$0] &- instant)) < 1_000_000 }),
                let enqueueTime = enqueued.times[arrival.sequence]
            else {
                unmatched += 1
                continue
            }
            packets += 1
            let collect = recorder.collectTimes[cycle]
            toEnqueue.append(Double(Int64(bitPattern: enqueueTime &- collect)) / 1e6)
            toWire.append(Double(Int64(bitPattern: arrival.time &- enqueueTime)) / 1e6)
            for (slot, entry) in recorder.slots.enumerated() where entry.structure == structure {
                let sampled = recorder.sampleTimes[cycle * recorder.slots.count + slot]
                guard sampled >= start.nanoseconds else { continue } // not sampled yet at that cycle
                total.append(Double(arrival.time - sampled) / 1e6)
                age.append(Double(Int64(bitPattern: collect &- sampled)) / 1e6)
            }
        }

        var object = JSONObject()
        object.add("seconds", seconds)
        object.add("bit_rate", bitRate)
        object.add("frame_length", frameLength)
        object.add("frame_time_ms", Double(frameLength * 8) / Double(bitRate) * 1000)
        object.add("rt_status", topology.executive.realtimeReport.status.name)
        object.add("frames", arrivals.frames)
        object.add("hk_packets", packets)
        object.add("hk_packets_unmatched", unmatched)
        object.add("sensor_values", total.count)
        object.add("sensor_parameters", slots.count)
        var periods: [Double] = []
        for device in topology.devices.slots.map(\.name) {
            if let sampled = topology.sampling.device(named: device) { periods.append(sampled.period.secondsDouble * 1000) }
        }
        object.add("sample_period_max_ms", periods.max() ?? .nan)
        Distribution(total).summary(into: &object, prefix: "sample_to_frame_", suffix: "_ms", digits: 2)
        Distribution(age).summary(into: &object, prefix: "sample_age_at_collection_", suffix: "_ms", digits: 2)
        Distribution(toEnqueue).summary(into: &object, prefix: "collection_to_enqueue_", suffix: "_ms", digits: 2)
        Distribution(toWire).summary(into: &object, prefix: "enqueue_to_wire_", suffix: "_ms", digits: 2)
        let collectToWire = zip(toEnqueue, toWire).map { $0 + $1 }
        Distribution(collectToWire).summary(into: &object, prefix: "collection_to_frame_", suffix: "_ms", digits: 2)
        return object
    }

    /// The monotonic instant a CUC time stands for under `UTCMapping.fixedEpoch(unixSeconds: 0)`.
    static func instant(of time: CUCTime, utcToTAIOffset: Int64) -> UInt64 {
        let seconds = Int64(time.coarse) - CUCTime.epochOffsetFrom1958To1970 - utcToTAIOffset
        let nanoseconds = (UInt64(time.fine) * 1_000_000_000 + 32_768) >> 16
        return UInt64(max(0, seconds)) * 1_000_000_000 + nanoseconds
    }
}
