import HAL

/// One SCD30 measurement in physical units.
public struct SCD30Measurement: Sendable, Equatable {
    /// CO2 concentration, ppm.
    public var co2Ppm: Float
    /// Temperature, °C.
    public var temperatureC: Float
    /// Relative humidity, %.
    public var humidityPct: Float

    public init(co2Ppm: Float, temperatureC: Float, humidityPct: Float) {
        self.co2Ppm = co2Ppm
        self.temperatureC = temperatureC
        self.humidityPct = humidityPct
    }
}

/// Pure conversions between SCD30 register contents and physical values.
public enum SCD30Conversion {
    /// The CO2 values the sensor can report (datasheet: measurement range 0–40 000 ppm).
    public static let co2Range: ClosedRange<Float> = 0...40_000
    /// The temperatures the sensor can report (datasheet: operating range −40…70 °C).
    public static let temperatureRange: ClosedRange<Float> = -40...70
    /// Relative humidity, %.
    public static let humidityRange: ClosedRange<Float> = 0...100
    /// Ambient pressures the compensation accepts, mbar (§1.4.1).
    public static let pressureRange: ClosedRange<UInt16> = 700...1400
    /// Measurement intervals the sensor accepts, s (§1.4.3).
    public static let intervalRange: ClosedRange<UInt16> = 2...1800

    /// Decodes the six registers of *read measurement* (§1.4.5): three big-endian floats.
    /// Worked example of §1.4.5: 0x43DB 0x8C2E → 439.09 ppm.
    /// - Throws: ``SCD30Error/malformed(_:)`` for a wrong register count,
    ///   ``SCD30Error/implausible(_:_:)`` for NaN, infinite or out-of-range values.
    public static func measurement(_ registers: [UInt16]) throws(SCD30Error) -> SCD30Measurement {
        guard registers.count == Int(SCD30Register.measurementCount) else {
            throw .malformed("measurement has \(registers.count) registers, expected 6")
        }
        let words = registers[...]
        let co2 = try value(words.dropFirst(0).prefix(2), "co2_ppm", co2Range)
        let temperature = try value(words.dropFirst(2).prefix(2), "temperature_c", temperatureRange)
        let humidity = try value(words.dropFirst(4).prefix(2), "humidity_pct", humidityRange)
        return SCD30Measurement(co2Ppm: co2, temperatureC: temperature, humidityPct: humidity)
    }

    /// Splits the firmware version register into major and minor (§1.4.10: 0x0342 is 3.66).
    public static func firmwareVersion(_ raw: UInt16) -> (major: UInt8, minor: UInt8) {
        (UInt8(raw >> 8), UInt8(raw & 0xFF))
    }

    /// The argument of *trigger continuous measurement* for an ambient pressure in mbar, or
    /// `nil` for no compensation (argument 0).
    /// - Throws: ``SCD30Error/configuration(_:)`` outside 700...1400 mbar.
    public static func pressureArgument(_ mbar: UInt16?) throws(SCD30Error) -> UInt16 {
        guard let mbar else { return 0 }
        guard pressureRange.contains(mbar) else {
            throw .configuration("ambient pressure \(mbar) mbar outside 700...1400 (or unset for none)")
        }
        return mbar
    }

    private static func value(_ words: ArraySlice<UInt16>, _ key: String, _ range: ClosedRange<Float>) throws(SCD30Error) -> Float {
        guard let value = ModbusFloat.decode(words, order: .highWordFirst) else {
            throw .malformed("\(key): expected two registers")
        }
        guard value.isFinite, range.contains(value) else {
            throw .implausible(key, Double(value))
        }
        return value
    }
}
