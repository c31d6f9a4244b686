import HAL

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A fault that can be injected over a simulated device.
///
/// Bus faults act between the bus and the device model (the model never sees the request);
/// value faults act between the physics world and the model's backend API.
public enum InjectedFault: Sendable, Equatable {
    // Bus faults
    /// I2C: the device does not acknowledge its address.
    case noAcknowledge
    /// I2C or Modbus: the transfer times out.
    case timeout
    /// The device is gone: I2C NACKs, GPIO lines fail, Modbus loses its connection.
    case disconnect
    /// Modbus: the device answers every request with this exception code.
    case modbusException(ModbusExceptionCode)
    /// Modbus: the device does not answer at all (the client times out).
    case modbusSilence

    // Value faults (applied to physical values fed to the model)
    /// The value freezes at the first value seen while the fault is active.
    case stuck
    /// Gaussian noise of this standard deviation, in the channel's unit, is added.
    case noise(standardDeviation: Double)
    /// A drift of this many units per second since the fault started is added.
    case drift(perSecond: Double)

    /// Whether the fault acts on the bus (as opposed to on values).
    public var isBusFault: Bool {
        switch self {
        case .noAcknowledge, .timeout, .disconnect, .modbusException, .modbusSilence: return true
        case .stuck, .noise, .drift: return false
        }
    }
}

/// How long an injected fault lasts.
public enum FaultExtent: Sendable, Equatable {
    /// Until cleared.
    case indefinite
    /// For this many bus transactions (bus faults) or value updates (value faults).
    case count(Int)
    /// From its start for this long, on the simulated clock.
    case window(Duration)
}

/// Holds the faults injected over simulated devices, per device name, for a count or a time window.
///
/// The layer sits *over* the device models: simulated buses consult it before routing a request to
/// a model, and the physics binding passes every value through it before it reaches a model's
/// backend API. Deterministic: noise comes from a seeded generator.
public final class FaultInjector: @unchecked Sendable {
    private struct Active {
        var fault: InjectedFault
        var extent: FaultExtent
        var start: MonotonicInstant
        var remaining: Int
        var stuckValues: [String: Double] = [:]
    }

    private let clock: any MonotonicClock
    private let state: LockedValue<(faults: [String: [Active]], rng: SplitMix64)>

    public init(clock: any MonotonicClock, seed: UInt64 = 0x10_57_F1_16) {
        self.clock = clock
        self.state = LockedValue((faults: [:], rng: SplitMix64(seed: seed)))
    }

    /// Injects `fault` over `device`, starting now.
    public func inject(_ fault: InjectedFault, device: String, extent: FaultExtent = .indefinite) {
        let now = clock.now
        let remaining: Int
        if case .count(let count) = extent { remaining = count } else { remaining = .max }
        state.withLock { state in
            state.faults[device, default: []].append(Active(fault: fault, extent: extent, start: now, remaining: remaining))
        }
    }

    /// Removes every fault over `device`.
    public func clear(device: String) {
        state.withLock { _ = $0.faults.removeValue(forKey: device) }
    }

    /// Removes every fault.
    public func clearAll() {
        state.withLock { $0.faults.removeAll() }
    }

    /// The faults active over `device` now.
    public func activeFaults(device: String) -> [InjectedFault] {
        let now = clock.now
        return state.withLock { state in
            Self.prune(&state.faults, device: device, now: now)
            return state.faults[device, default: []].map(\.fault)
        }
    }

    /// The bus fault to apply to one transaction with `device`, if any; consumes one count.
    public func busFault(device: String) -> InjectedFault? {
        let now = clock.now
        return state.withLock { state -> InjectedFault? in
            Self.prune(&state.faults, device: device, now: now)
            guard var list = state.faults[device],
                let index = list.firstIndex(where: { $0.fault.isBusFault })
            else { return nil }
            let fault = list[index].fault
            list[index].remaining -= 1
            state.faults[device] = list
            return fault
        }
    }

    /// Passes a physical value for `channel` of `device` through the active value faults.
    public func apply(device: String, channel: String, value: Double) -> Double {
        let now = clock.now
        return state.withLock { state -> Double in
            Self.prune(&state.faults, device: device, now: now)
            guard var list = state.faults[device], !list.isEmpty else { return value }
            var result = value
            for index in list.indices where !list[index].fault.isBusFault {
                switch list[index].fault {
                case .stuck:
                    if let held = list[index].stuckValues[channel] {
                        result = held
                    } else {
                        list[index].stuckValues[channel] = result
                    }
                case .noise(let sigma):
                    result += sigma * state.rng.nextGaussian()
                case .drift(let perSecond):
                    result += perSecond * now.duration(since: list[index].start).secondsDouble
                default:
                    break
                }
                list[index].remaining -= 1
            }
            state.faults[device] = list
            return result
        }
    }

    private static func prune(_ faults: inout [String: [Active]], device: String, now: MonotonicInstant) {
        guard let list = faults[device] else { return }
        let kept = list.filter { active in
            switch active.extent {
            case .indefinite: return true
            case .count: return active.remaining > 0
            case .window(let length): return now < active.start.advanced(by: length)
            }
        }
        faults[device] = kept.isEmpty ? nil : kept
    }
}

/// A small, fast, seedable generator (SplitMix64) so simulations are reproducible for a seed.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform value in [0, 1).
    public mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A standard normal value (Box–Muller).
    public mutating func nextGaussian() -> Double {
        let u1 = max(nextUnit(), .leastNonzeroMagnitude)
        let u2 = nextUnit()
        return (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
    }

    /// A Poisson-distributed count with mean `lambda` (Knuth for small means, normal approximation above 30).
    public mutating func nextPoisson(mean lambda: Double) -> Int {
        guard lambda > 0 else { return 0 }
        if lambda > 30 {
            return max(0, Int((lambda + lambda.squareRoot() * nextGaussian()).rounded()))
        }
        let limit = exp(-lambda)
        var product = nextUnit()
        var count = 0
        while product > limit {
            count += 1
            product *= nextUnit()
        }
        return count
    }
}
