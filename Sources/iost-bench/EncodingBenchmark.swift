import HAL
import LinuxHAL
import SpaceLink

/// `iost-bench encode`: the space-link encoding and decoding paths on one core (this thread).
///
/// - TM: one housekeeping report per packet, as the telemetry thread makes it — the report's
///   source data from 25 `f32` values (the executive structure of config/sim.toml), the PUS-C
///   TM packet with its CUC time and PEC (``PUSTelemetrySource``), then the packet into 1024-octet
///   TM transfer frames with OCF and FECF (``TMMasterChannel``), frames taken as they fill. The
///   rate counts telemetry octets (whole space packets) per second; frame octets are reported too.
/// - TC: type-AD transfer frames of 1024 octets at most carrying one PUS-C TC (TC[17,1] with
///   padding to 64 octets of application data), decoded and checked (header, length, FECF) by
///   ``TCFrameDecoder``.
///
/// Each measurement runs for `--seconds` and is repeated `--repeats` times; the median is reported.
enum EncodingBenchmark {
    static func run(_ options: Options) -> JSONObject {
        let seconds = options.double("seconds", default: 1)
        let repeats = options.int("repeats", default: 5)
        let clock = SystemMonotonicClock.shared

        var packetRates: [Double] = []
        var octetRates: [Double] = []
        var frameOctetRates: [Double] = []
        var packetLength = 0
        var checksum: UInt64 = 0
        for _ in 0..<repeats {
            let run = encodeTelemetry(for: seconds, clock: clock)
            packetRates.append(run.packetsPerSecond)
            octetRates.append(run.octetsPerSecond)
            frameOctetRates.append(run.frameOctetsPerSecond)
            packetLength = run.packetLength
            checksum &+= run.checksum
        }
        var frameRates: [Double] = []
        var tcFrameLength = 0
        for _ in 0..<repeats {
            let run = decodeTelecommands(for: seconds, clock: clock)
            frameRates.append(run.framesPerSecond)
            tcFrameLength = run.frameLength
            checksum &+= run.checksum
        }

        var object = JSONObject()
        object.add("tm_packet_octets", packetLength)
        object.add("tm_packets_per_s", median(packetRates), digits: 0)
        object.add("tm_encode_mb_per_s", median(octetRates) / 1e6, digits: 2)
        object.add("tm_frame_mb_per_s", median(frameOctetRates) / 1e6, digits: 2)
        object.add("tc_frame_octets", tcFrameLength)
        object.add("tc_decode_frames_per_s", median(frameRates), digits: 0)
        object.add("repeats", repeats)
        object.add("seconds_each", seconds)
        object.add("checksum", Int(truncatingIfNeeded: checksum & 0xFFFF))
        return object
    }

    struct TelemetryRun {
        var packetsPerSecond: Double
        var octetsPerSecond: Double
        var frameOctetsPerSecond: Double
        var packetLength: Int
        var checksum: UInt64
    }

    static func encodeTelemetry(for seconds: Double, clock: SystemMonotonicClock) -> TelemetryRun {
        let frame = TMFrameConfiguration(spacecraftID: 42, frameLength: 1024)
        var master = TMMasterChannel(configuration: frame)
        var source = PUSTelemetrySource(apid: 0x123)
        let values: [ParameterValue] = (0..<25).map { .f32(Float($0) * 1.25) }
        var packets = 0
        var octets = 0
        var frameOctets = 0
        var packetLength = 0
        var checksum: UInt64 = 0
        let start = clock.now
        let budget = Int64(seconds * 1e9)
        var elapsed: Int64 = 0
        var coarse: UInt32 = 2_000_000_000
        while elapsed < budget {
            for _ in 0..<1000 {
                coarse &+= 1
                let report = HousekeepingReport(structureID: 5, values: values)
                let packet = source.encode(.housekeepingReport, time: CUCTime(coarse: coarse, fine: 0x8000), sourceData: report.sourceData)
                do {
                    try master.enqueue(packet, virtualChannel: 0)
                } catch {
                    IostBench.fail("TM frame enqueue: \(error)")
                }
                while master.hasQueuedFrame {
                    let bytes = master.nextFrame()
                    frameOctets += bytes.count
                    checksum &+= UInt64(bytes[bytes.count - 1])
                }
                packets += 1
                octets += packet.count
                packetLength = packet.count
            }
            elapsed = (clock.now - start).nanoseconds
        }
        let time = Double(elapsed) / 1e9
        return TelemetryRun(
            packetsPerSecond: Double(packets) / time, octetsPerSecond: Double(octets) / time,
            frameOctetsPerSecond: Double(frameOctets) / time, packetLength: packetLength, checksum: checksum)
    }

    static func decodeTelecommands(for seconds: Double, clock: SystemMonotonicClock) -> (framesPerSecond: Double, frameLength: Int, checksum: UInt64) {
        let telecommand = PUSTelecommand(
            apid: 0x123, sequenceCount: 1, messageType: MessageType(17, 1),
            applicationData: [UInt8](repeating: 0xA5, count: 64))
        let frames: [[UInt8]] = (0..<256).map { number in
            TCFrame(type: .ad, spacecraftID: 42, virtualChannel: 0, sequenceNumber: UInt8(number), data: telecommand.encoded).encoded
        }
        let decoder = TCFrameDecoder(configuration: TCFrameConfiguration(spacecraftID: 42))
        var decoded = 0
        var checksum: UInt64 = 0
        let start = clock.now
        let budget = Int64(seconds * 1e9)
        var elapsed: Int64 = 0
        while elapsed < budget {
            for _ in 0..<4 {
                for bytes in frames {
                    do {
                        let frame = try decoder.decode(bytes)
                        checksum &+= UInt64(frame.sequenceNumber) &+ UInt64(frame.data.count)
                    } catch {
                        IostBench.fail("TC frame decode: \(error)")
                    }
                    decoded += 1
                }
            }
            elapsed = (clock.now - start).nanoseconds
        }
        return (Double(decoded) / (Double(elapsed) / 1e9), frames[0].count, checksum)
    }
}
