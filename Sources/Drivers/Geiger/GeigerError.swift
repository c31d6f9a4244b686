import HAL

/// Failures of the Geiger counter driver.
public enum GeigerError: DriverError, Equatable {
    /// Waiting for edge events on the line failed.
    case bus(GPIOError)
    /// The measured rate keeps the tube dead all the time (`m·τ ≥ 1`): the tube is saturated or
    /// the configured dead time is wrong, and no dose rate can be derived.
    case saturated(measuredCPM: Double, deadTimeSeconds: Double)
    /// A count rate that cannot be a rate (negative or not finite).
    case invalidRate(Double)
    /// A sampling window of zero or negative length (sampled twice at the same instant).
    case emptyWindow(seconds: Double)
    /// ``GeigerCounter/sample(windowEnd:)`` before ``GeigerCounter/start()``.
    case notStarted
    /// A configuration value is unusable.
    case invalidConfiguration(String)

    public var category: DeviceFaultCategory {
        switch self {
        case .bus: return .bus
        case .saturated, .invalidRate: return .data
        case .emptyWindow, .notStarted: return .notReady
        case .invalidConfiguration: return .configuration
        }
    }

    public var description: String {
        switch self {
        case .bus(let error): return "geiger: \(error)"
        case .saturated(let cpm, let tau):
            return "geiger: tube saturated (\(cpm) CPM with dead time \(tau * 1e6) µs gives m·τ ≥ 1)"
        case .invalidRate(let rate): return "geiger: invalid count rate \(rate)"
        case .emptyWindow(let seconds): return "geiger: empty sampling window (\(seconds) s)"
        case .notStarted: return "geiger: sampled before start"
        case .invalidConfiguration(let text): return "geiger: \(text)"
        }
    }
}
