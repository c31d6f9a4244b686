import Drivers
import HAL

/// The rate-group member that brings device samples into the parameter pool.
///
/// Every run, for each device: takes the latest sample from its ``SampleSlot`` (no lock, no
/// allocation), and if it is new, copies its values into `dev.<device>.<key>` with the sample's
/// timestamp, and its health into `dev.<device>.health` and `dev.<device>.errors`. Then:
/// - a value older than ``SamplingConfiguration/staleAfterPeriods`` sample periods is marked
///   stale;
/// - a FAILED device's values are invalid (not stale-but-trusted), as are those of a sample that
///   failed with bad data (`data`, `identity` after the threshold, `configuration`);
/// - a bus error below the failure threshold leaves the last values in place (they go stale by age).
/// It also forwards the bus samplers' events to the main event sink.
///
/// Put it first in the fastest rate group that uses device values.
public final class SampleIngest: RateGroupMember {
    public let name = "sample-ingest"
    private let pool: ParameterPool
    private let events: any EventSink
    private let samplers: [BusSampler]
    private var channels: [Channel]

    struct Channel {
        let device: SampledDevice
        let values: [ParameterHandle]
        let health: ParameterHandle
        let errors: ParameterHandle
        let staleAfter: Duration
        var lastSequence: UInt64 = 0
        var lastValueTime: MonotonicInstant?
        var stale = false
    }

    init(pool: ParameterPool, events: any EventSink, samplers: [BusSampler], channels: [Channel]) {
        self.pool = pool
        self.events = events
        self.samplers = samplers
        self.channels = channels
    }

    public func run(_ cycle: CycleContext) {
        for sampler in samplers { sampler.events.forward(to: events) }
        for index in channels.indices {
            ingest(&channels[index], at: cycle.time)
        }
    }

    private func ingest(_ channel: inout Channel, at now: MonotonicInstant) {
        let slot = channel.device.slot
        slot.refresh()
        let header = slot.header
        if header.sequence != channel.lastSequence {
            channel.lastSequence = header.sequence
            pool.set(channel.health, Double(header.health.rawValue), at: header.time)
            pool.set(channel.errors, Double(header.totalErrors), at: header.time)
            switch header.outcome {
            case .none:
                break
            case .ok:
                for (index, handle) in channel.values.enumerated() {
                    pool.set(handle, slot.value(at: index), at: header.time)
                }
                channel.lastValueTime = header.time
                channel.stale = false
            case .failed(let category):
                if header.health == .failed || category == .data || category == .configuration {
                    for handle in channel.values { pool.invalidate(handle, at: header.time) }
                    channel.lastValueTime = nil
                }
            }
        }
        if !channel.stale, let last = channel.lastValueTime, now - last > channel.staleAfter {
            channel.stale = true
            for handle in channel.values { pool.markStale(handle) }
        }
    }
}
