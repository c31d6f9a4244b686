/// How often the daemon's telemetry thread hands the services' packets to the downlink.
///
/// The downlink sends one transfer frame per frame time (1024 octets at 64 kbit/s: 128 ms); a
/// packet handed over sooner than the next frame leaves no earlier. Polling at a quarter of the
/// frame time keeps the added wait under a quarter frame while waking the thread four times per
/// frame rather than a hundred times a second: at 100 Hz this thread alone cost a quarter of the
/// simulated daemon's CPU (bench/RESULTS.md, `perf` profile) for one or two packets a second.
public enum TelemetryPacing {
    /// The shortest and longest poll interval.
    public static let bounds: ClosedRange<Duration> = .milliseconds(10)...(.milliseconds(100))

    /// A quarter of the frame time of `frameLength` octets at `bitRate` bit/s, within ``bounds``.
    public static func pollInterval(bitRate: Int, frameLength: Int) -> Duration {
        guard bitRate > 0, frameLength > 0 else { return bounds.lowerBound }
        let quarterFrameNanoseconds = Double(frameLength) * 8 / Double(bitRate) * 1e9 / 4
        let interval = Duration.nanoseconds(Int64(min(quarterFrameNanoseconds, 1e12)))
        return min(max(interval, bounds.lowerBound), bounds.upperBound)
    }
}
