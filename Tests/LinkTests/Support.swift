#if canImport(Glibc)
    import Glibc
#endif
import HAL
import SpaceLink

/// CLOCK_MONOTONIC with absolute sleeps (LinuxHAL's clock is not a dependency of this target).
final class TestSystemClock: MonotonicClock {
    var now: MonotonicInstant {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return MonotonicInstant(nanoseconds: UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec))
    }

    func sleep(until deadline: MonotonicInstant) {
        var time = timespec(tv_sec: Int(deadline.nanoseconds / 1_000_000_000), tv_nsec: Int(deadline.nanoseconds % 1_000_000_000))
        while clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &time, nil) == EINTR {}
    }
}

/// Polls `condition` every millisecond for at most `timeout`; returns its last value.
func waitUntil(timeout: Duration = .seconds(3), _ condition: () -> Bool) -> Bool {
    let clock = TestSystemClock()
    let deadline = clock.now.advanced(by: timeout)
    while !condition() {
        if clock.now >= deadline { return false }
        clock.sleep(until: clock.now.advanced(by: .milliseconds(1)))
    }
    return true
}

/// A telemetry space packet of `length` octets whose data field is `tag` repeated.
func telemetryPacket(apid: UInt16, sequenceCount: UInt16, length: Int, tag: UInt8) -> [UInt8] {
    SpacePacket(type: .telemetry, apid: apid, sequenceCount: sequenceCount, dataField: [UInt8](repeating: tag, count: length - 6)).encoded
}

let spacecraftID: UInt16 = 0x2A
let tmConfiguration = TMFrameConfiguration(spacecraftID: spacecraftID) // 1024 octets, OCF, FECF

/// An instant far from zero, so arithmetic below it would show.
let t0 = MonotonicInstant(nanoseconds: 1_000_000_000_000)

func ms(_ value: Int64) -> Duration { .milliseconds(value) }
