/// ADS1115 code conversion ("Full-Scale Range and LSB Size"; "Conversion Register").
public enum ADS1115Conversion {
    /// The input voltage, volts, for a conversion result: code × FSR / 2^15.
    public static func volts(code: Int16, gain: ADS1115Gain) -> Double {
        Double(code) * gain.voltsPerCode
    }

    /// The conversion result from the two bytes of the conversion register, MSB first.
    public static func code(msb: UInt8, lsb: UInt8) -> Int16 {
        Int16(bitPattern: UInt16(msb) << 8 | UInt16(lsb))
    }
}

/// The calibration of a galvanic oxygen cell: its output is proportional to the oxygen partial
/// pressure, so one point (the cell's millivolts at a known ppO2, usually air) defines it.
public struct GalvanicO2Calibration: Sendable, Equatable {
    /// Cell output at the calibration point, mV; default 10.0 mV (a typical new cell in air:
    /// 9–13 mV).
    public var calibrationMillivolts: Double
    /// ppO2 at the calibration point, kPa; default 21.2 kPa (20.95 % of 101.325 kPa).
    public var calibrationPPO2kPa: Double

    public init(calibrationMillivolts: Double = 10.0, calibrationPPO2kPa: Double = 21.2) {
        self.calibrationMillivolts = calibrationMillivolts
        self.calibrationPPO2kPa = calibrationPPO2kPa
    }

    /// Whether both calibration numbers are finite and positive.
    public var isValid: Bool {
        calibrationMillivolts.isFinite && calibrationMillivolts > 0 && calibrationPPO2kPa.isFinite && calibrationPPO2kPa > 0
    }

    /// ppO2, kPa, for a cell output: mV × cal_ppo2 / cal_mv.
    public func ppO2kPa(cellMillivolts: Double) -> Double {
        cellMillivolts * calibrationPPO2kPa / calibrationMillivolts
    }
}

/// Oxygen conversions that do not depend on the cell.
public enum OxygenConversion {
    /// O2 volume fraction, %, from the partial pressure and the total (cabin) pressure:
    /// ppO2 / p × 100 (Dalton's law).
    public static func percent(ppO2kPa: Double, cabinPressurePa: Double) -> Double {
        ppO2kPa * 1000 / cabinPressurePa * 100
    }
}
