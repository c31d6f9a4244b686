import HAL

/// A battery's open-circuit voltage (OCV) against state of charge, per cell, interpolated linearly.
///
/// The default is a typical Li-ion NMC cell at room temperature after rest (3.0 V empty, 4.2 V
/// full); a flight battery's own characterisation replaces it through configuration. Both columns
/// must increase strictly, so the curve can be read in both directions.
public struct OpenCircuitVoltageCurve: Sendable, Equatable {
    /// State of charge points (%), increasing, from 0 to 100.
    public let socPercent: [Double]
    /// Cell voltage at each point (V), increasing.
    public let cellVolts: [Double]

    /// A typical NMC cell.
    public static let nmcCell = OpenCircuitVoltageCurve(
        unchecked: [0, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100],
        [3.00, 3.30, 3.45, 3.55, 3.62, 3.67, 3.72, 3.79, 3.87, 3.95, 4.05, 4.20]
    )

    /// Why a table is not a usable curve, or `nil`.
    public static func issue(socPercent: [Double], cellVolts: [Double]) -> String? {
        guard socPercent.count == cellVolts.count else { return "the SoC and voltage columns differ in length" }
        guard socPercent.count >= 2 else { return "at least two points are needed" }
        guard socPercent.first == 0, socPercent.last == 100 else { return "the SoC column must run from 0 to 100" }
        for index in 1..<socPercent.count {
            if !(socPercent[index] > socPercent[index - 1]) { return "the SoC column must increase strictly" }
            if !(cellVolts[index] > cellVolts[index - 1]) { return "the voltage column must increase strictly" }
        }
        if !(cellVolts[0] > 0) { return "voltages must be positive" }
        return nil
    }

    /// A curve from a checked table.
    public init?(socPercent: [Double], cellVolts: [Double]) {
        guard Self.issue(socPercent: socPercent, cellVolts: cellVolts) == nil else { return nil }
        self.init(unchecked: socPercent, cellVolts)
    }

    private init(unchecked socPercent: [Double], _ cellVolts: [Double]) {
        self.socPercent = socPercent
        self.cellVolts = cellVolts
    }

    /// The SoC (%) at cell voltage `volts`, clamped to 0…100 outside the table.
    public func soc(cellVolts volts: Double) -> Double {
        Self.interpolate(volts, from: cellVolts, to: socPercent)
    }

    /// The cell voltage at `soc` (%).
    public func cellVolts(soc: Double) -> Double {
        Self.interpolate(soc, from: socPercent, to: cellVolts)
    }

    private static func interpolate(_ x: Double, from xs: [Double], to ys: [Double]) -> Double {
        guard let first = xs.first, let last = xs.last else { return .nan }
        if x <= first { return ys[0] }
        if x >= last { return ys[ys.count - 1] }
        var index = 1
        while index < xs.count - 1, xs[index] < x { index += 1 }
        let fraction = (x - xs[index - 1]) / (xs[index] - xs[index - 1])
        return ys[index - 1] + fraction * (ys[index] - ys[index - 1])
    }
}

/// Battery state of charge by coulomb counting, re-anchored on the OCV curve after a rest.
///
/// Sign convention: **positive current charges the battery**. Charge into the battery counts at
/// ``chargeEfficiency``; charge out counts fully. The estimate is kept within 0…100 %.
///
/// Rest correction: once |I| has stayed below ``restCurrent`` for ``restDuration`` (the cell
/// voltage has relaxed to its open-circuit value), the SoC is replaced by the OCV curve's reading
/// of the pack voltage — once per rest period.
///
/// With no valid current the estimate is held (not integrated) and the rest timer restarts.
public struct StateOfChargeEstimator: Sendable {
    public var capacityAh: Double
    public var chargeEfficiency: Double
    public var curve: OpenCircuitVoltageCurve
    public var cellsInSeries: Int
    public var restCurrent: Double
    public var restDuration: Duration
    /// The estimate (%), `nil` until initialised.
    public private(set) var socPercent: Double?
    /// Since when the battery has been at rest, if it is.
    public private(set) var restingSince: MonotonicInstant?
    private var correctedThisRest = false

    /// What an update did beyond integrating.
    public enum Outcome: Sendable, Equatable {
        /// Integrated (or waiting for a first voltage).
        case counted
        /// First estimate, from the OCV curve.
        case initialized(soc: Double)
        /// Replaced by the OCV reading after a rest.
        case restCorrected(from: Double, to: Double)
        /// Current not valid: held.
        case held
    }

    public init(
        capacityAh: Double, chargeEfficiency: Double, curve: OpenCircuitVoltageCurve, cellsInSeries: Int,
        restCurrent: Double, restDuration: Duration, initialSoC: Double?
    ) {
        self.capacityAh = capacityAh
        self.chargeEfficiency = chargeEfficiency
        self.curve = curve
        self.cellsInSeries = cellsInSeries
        self.restCurrent = restCurrent
        self.restDuration = restDuration
        self.socPercent = initialSoC.map { min(max($0, 0), 100) }
    }

    /// Replaces the estimate with a kept one (a restart); clamped to 0…100 %.
    public mutating func restore(soc: Double) {
        guard soc.isFinite else { return }
        socPercent = min(max(soc, 0), 100)
    }

    /// The SoC the OCV curve gives for pack voltage `volts`.
    public func socFromOpenCircuit(packVolts volts: Double) -> Double {
        curve.soc(cellVolts: volts / Double(cellsInSeries))
    }

    /// One step of `dt` seconds with battery `current` (A, + charging) and pack `voltage` (V);
    /// `nil` = not valid.
    public mutating func update(current: Double?, voltage: Double?, dt: Double, at time: MonotonicInstant) -> Outcome {
        guard let soc = socPercent else {
            // Not initialised: the first valid voltage gives a (possibly loaded) OCV estimate,
            // corrected properly at the first rest.
            guard let voltage else { return .counted }
            let estimate = socFromOpenCircuit(packVolts: voltage)
            socPercent = estimate
            return .initialized(soc: estimate)
        }
        guard let current else {
            restingSince = nil
            correctedThisRest = false
            return .held
        }
        let ampereHours = current * dt / 3600 * (current > 0 ? chargeEfficiency : 1)
        let counted = min(max(soc + 100 * ampereHours / capacityAh, 0), 100)
        socPercent = counted

        guard abs(current) < restCurrent else {
            restingSince = nil
            correctedThisRest = false
            return .counted
        }
        let since = restingSince ?? time
        restingSince = since
        if !correctedThisRest, time - since >= restDuration, let voltage {
            correctedThisRest = true
            let corrected = socFromOpenCircuit(packVolts: voltage)
            socPercent = corrected
            return .restCorrected(from: counted, to: corrected)
        }
        return .counted
    }

    /// Whether the battery is at rest (below the rest current, for any time so far).
    public var atRest: Bool { restingSince != nil }
}
