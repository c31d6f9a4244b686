import HAL

/// One EPEver real-time sample in physical units.
public struct EPEverSample: Sendable, Equatable {
    public var pvVoltageV: Double
    public var pvCurrentA: Double
    public var pvPowerW: Double
    public var batteryVoltageV: Double
    public var chargeCurrentA: Double
    public var chargePowerW: Double
    public var batterySoCPct: Double
    public var chargingState: EPEverChargingState
    public var batteryCurrentA: Double
}

/// The rated data of an EPEver controller (its identity).
public struct EPEverRating: Sendable, Equatable {
    public var pvVoltageV: Double
    public var pvCurrentA: Double
    public var batteryVoltageV: Double
    public var chargeCurrentA: Double
    /// 0 connect/disconnect, 1 PWM, 2 MPPT.
    public var chargingMode: UInt16
}

/// Pure conversions of EPEver register contents to physical values.
public enum EPEverConversion {
    /// A 0.01-unit register as a value.
    public static func centi(_ raw: UInt16) -> Double { Double(raw) / 100 }

    /// An unsigned 32-bit value in 0.01 units from its low and high words.
    public static func centi(low: UInt16, high: UInt16) -> Double {
        Double(UInt32(high) << 16 | UInt32(low)) / 100
    }

    /// A signed 32-bit value in 0.01 units from its low and high words (two's complement).
    public static func signedCenti(low: UInt16, high: UInt16) -> Double {
        Double(Int32(bitPattern: UInt32(high) << 16 | UInt32(low))) / 100
    }

    /// Decodes the real-time block 0x3100...0x3107.
    /// - Throws: ``EPEverTracerError/malformed(_:)`` for a wrong register count.
    public static func realTime(_ r: [UInt16]) throws(EPEverTracerError) -> (pvV: Double, pvA: Double, pvW: Double, batV: Double, chgA: Double, chgW: Double) {
        guard r.count == Int(EPEverRegister.realTimeBlockCount) else {
            throw .malformed("real-time block has \(r.count) registers, expected 8")
        }
        return (centi(r[0]), centi(r[1]), centi(low: r[2], high: r[3]), centi(r[4]), centi(r[5]), centi(low: r[6], high: r[7]))
    }

    /// Checks the state of charge register (0...100 %).
    /// - Throws: ``EPEverTracerError/implausible(_:_:)`` above 100 %.
    public static func stateOfCharge(_ raw: UInt16) throws(EPEverTracerError) -> Double {
        guard raw <= 100 else { throw .implausible("battery_soc_pct", Double(raw)) }
        return Double(raw)
    }

    /// Decodes the rated-data block 0x3000...0x3008.
    /// - Throws: ``EPEverTracerError/identity(_:)`` if the block does not describe a charge
    ///   controller (zero rated PV or battery voltage, unknown charging mode).
    public static func rating(_ r: [UInt16]) throws(EPEverTracerError) -> EPEverRating {
        guard r.count == Int(EPEverRegister.ratedBlockCount) else {
            throw .malformed("rated block has \(r.count) registers, expected 9")
        }
        let rating = EPEverRating(
            pvVoltageV: centi(r[0]), pvCurrentA: centi(r[1]), batteryVoltageV: centi(r[4]),
            chargeCurrentA: centi(r[5]), chargingMode: r[8])
        guard r[0] > 0, r[4] > 0, rating.chargingMode <= 2 else {
            throw .identity("rated data 0x3000 = \(r[0]), 0x3004 = \(r[4]), 0x3008 = \(r[8]) is not a charge controller's")
        }
        return rating
    }
}
