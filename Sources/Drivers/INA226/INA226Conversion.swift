/// INA226 scaling (SBOS547C §6.5.1 "Programming the Calibration Register", equations 1–4).
public enum INA226Conversion {
    /// The calibration register value and the current LSB it gives.
    public struct Calibration: Sendable, Equatable {
        /// The value for register 0x05.
        public var register: UInt16
        /// The current LSB the device actually applies, A: 0.00512 / (CAL × R_shunt) for the
        /// integer CAL written (equal to max_current / 2^15 when CAL comes out whole).
        public var currentLSB: Double
        /// The power LSB, W: 25 × current LSB.
        public var powerLSB: Double { 25 * currentLSB }
    }

    /// Why a calibration cannot be computed.
    public enum CalibrationProblem: Error, Equatable, Sendable {
        case shuntNotPositive
        case maximumCurrentNotPositive
        /// CAL > 0x7FFF: the shunt is too small for the requested resolution.
        case overflow(Double)
        /// CAL rounds to zero: the shunt is too large (or the current too high) to measure.
        case underflow(Double)
    }

    /// CAL = trunc(0.00512 / (Current_LSB × R_shunt)) with Current_LSB = max_current / 2^15
    /// (equations 1 and 2).
    public static func calibration(shuntOhms: Double, maxCurrentA: Double) -> Result<Calibration, CalibrationProblem> {
        guard shuntOhms.isFinite, shuntOhms > 0 else { return .failure(.shuntNotPositive) }
        guard maxCurrentA.isFinite, maxCurrentA > 0 else { return .failure(.maximumCurrentNotPositive) }
        let currentLSB = maxCurrentA / 32768
        let exact = INA226Constant.calibrationScale / (currentLSB * shuntOhms)
        // A hair of tolerance so 2560.0000000001 and 2559.9999999999 both give 2560.
        let value = (exact + 1e-9).rounded(.down)
        guard value <= 0x7FFF else { return .failure(.overflow(exact)) }
        guard value >= 1 else { return .failure(.underflow(exact)) }
        let register = UInt16(value)
        return .success(Calibration(register: register, currentLSB: INA226Constant.calibrationScale / (value * shuntOhms)))
    }

    /// Shunt voltage, V, for the signed register value (2.5 µV/LSB).
    public static func shuntVolts(_ raw: Int16) -> Double { Double(raw) * INA226Constant.shuntVoltsPerLSB }
    /// Bus voltage, V, for the register value (1.25 mV/LSB).
    public static func busVolts(_ raw: UInt16) -> Double { Double(raw) * INA226Constant.busVoltsPerLSB }
    /// Current, A, for the signed register value.
    public static func amperes(_ raw: Int16, currentLSB: Double) -> Double { Double(raw) * currentLSB }
    /// Power, W, for the register value (25 × current LSB).
    public static func watts(_ raw: UInt16, currentLSB: Double) -> Double { Double(raw) * 25 * currentLSB }
}
