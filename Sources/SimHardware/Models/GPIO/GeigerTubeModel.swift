import HAL

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A Geiger–Müller tube with a pulse board, driving a line of a ``SimGPIOChip``.
///
/// Ionising events arrive as a Poisson process at the true count rate (exponential gaps drawn from
/// a seeded ``SplitMix64``). Each event the tube is alive for becomes a pulse: a falling edge at the
/// event's instant and a rising edge `pulseWidth` later, injected with their timestamps. An event
/// within the dead time τ of the previous *registered* pulse is lost, as in a real tube (the
/// non-paralyzable model the driver corrects for). The same seed and the same sequence of steps give
/// the same pulses, to the nanosecond.
///
/// Bind it to the clock with ``attach(to:)``, or call ``advance(from:to:)`` from the physics binding.
/// The rate is set in counts per second or as a dose rate through the tube's factor.
public final class GeigerTubeModel: @unchecked Sendable {
    /// The tube's parameters.
    public struct Configuration: Sendable, Equatable {
        /// Dead time τ, seconds (SBM-20: 190 µs, see the driver's `GeigerConfiguration`).
        public var deadTimeSeconds: Double
        /// µSv/h per CPM, used by ``GeigerTubeModel/setDoseRate(microsievertsPerHour:)``.
        public var microsievertsPerHourPerCPM: Double
        /// How long the pulse output stays low, seconds (shorter than the dead time).
        public var pulseWidthSeconds: Double

        public init(deadTimeSeconds: Double = 190e-6, microsievertsPerHourPerCPM: Double = 0.0057, pulseWidthSeconds: Double = 100e-6) {
            self.deadTimeSeconds = deadTimeSeconds
            self.microsievertsPerHourPerCPM = microsievertsPerHourPerCPM
            self.pulseWidthSeconds = pulseWidthSeconds
        }
    }

    /// Totals since creation.
    public struct Statistics: Sendable, Equatable {
        /// Ionising events that reached the tube (the true count).
        public var events: Int = 0
        /// Events turned into pulses on the line.
        public var pulses: Int = 0
        /// Events lost in the dead time after a pulse.
        public var lostToDeadTime: Int = 0
    }

    private struct State {
        var rng: SplitMix64
        var rate: Double = 0
        var lastPulse: UInt64?
        var statistics = Statistics()
    }

    public let configuration: Configuration
    private let chip: SimGPIOChip
    private let line: GPIOLineID
    private let state: LockedValue<State>

    /// - Parameters:
    ///   - chip: the simulated chip the pulse line is on.
    ///   - line: the pulse line.
    ///   - seed: the seed of the event process.
    public init(chip: SimGPIOChip, line: GPIOLineID, seed: UInt64, configuration: Configuration = Configuration()) {
        precondition(
            configuration.pulseWidthSeconds >= 0
                && (configuration.deadTimeSeconds == 0 || configuration.pulseWidthSeconds <= configuration.deadTimeSeconds),
            "a pulse longer than the dead time would overlap the next one")
        self.chip = chip
        self.line = line
        self.configuration = configuration
        self.state = LockedValue(State(rng: SplitMix64(seed: seed)))
        chip.setInput(line, level: true) // idle high
    }

    /// The true count rate, counts per second.
    public var trueCountRate: Double {
        get { state.withLock { $0.rate } }
        set {
            precondition(newValue.isFinite && newValue >= 0, "count rate must be finite and non-negative")
            state.withLock { $0.rate = newValue }
        }
    }

    /// Sets the true count rate from a dose rate (µSv/h) through the tube's factor.
    public func setDoseRate(microsievertsPerHour: Double) {
        trueCountRate = max(0, microsievertsPerHour) / configuration.microsievertsPerHourPerCPM / 60
    }

    /// Totals since creation.
    public var statistics: Statistics { state.withLock { $0.statistics } }

    /// Advances the model from every step of `clock`.
    public func attach(to clock: SimClock) {
        clock.onAdvance { [self] from, to in advance(from: from, to: to) }
    }

    /// Generates the events of `[from, to)` and injects the registered pulses on the line.
    ///
    /// The Poisson process is memoryless, so drawing the first gap afresh from `from` at each step is
    /// exact, and a rate change takes effect at the next step.
    public func advance(from: MonotonicInstant, to: MonotonicInstant) {
        guard to > from else { return }
        let pulses: [UInt64] = state.withLock { state in
            guard state.rate > 0 else { return [] }
            let deadNanoseconds = UInt64((configuration.deadTimeSeconds * 1e9).rounded())
            var registered: [UInt64] = []
            var t = Double(from.nanoseconds)
            let end = Double(to.nanoseconds)
            let meanGapNanoseconds = 1e9 / state.rate
            while true {
                // Exponential gap by inversion; 1 − U is in (0, 1], so the log is finite.
                t += -log(1 - state.rng.nextUnit()) * meanGapNanoseconds
                guard t < end else { break }
                let instant = UInt64(t)
                state.statistics.events += 1
                if let last = state.lastPulse, instant < last &+ deadNanoseconds {
                    state.statistics.lostToDeadTime += 1
                    continue
                }
                state.lastPulse = instant
                state.statistics.pulses += 1
                registered.append(instant)
            }
            return registered
        }
        let width = UInt64((configuration.pulseWidthSeconds * 1e9).rounded())
        for instant in pulses {
            chip.injectEdge(line, kind: .falling, at: MonotonicInstant(nanoseconds: instant))
            chip.injectEdge(line, kind: .rising, at: MonotonicInstant(nanoseconds: instant + width))
        }
    }
}
