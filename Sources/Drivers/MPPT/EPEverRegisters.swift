import HAL

/// EPEver Tracer-class solar charge controller register map (input registers, function 0x04).
///
/// From EPEver's "LS-B / VS-B / Tracer-B / Tracer-A / iTracer / eTracer Series Controller
/// Communication Instruction" (Modbus register address list, V2.5), §"Rated data" (0x30xx),
/// §"Real-time data" (0x31xx), §"Real-time status" (0x32xx), §"Statistical parameter" (0x33xx).
/// Voltages, currents and powers are unsigned 16-bit values in units of 0.01 (V, A, W); 32-bit
/// values occupy two registers, the **low word at the lower address** (the document's "L"/"H").
/// Serial defaults: unit 1, 115200 baud 8N1.
public enum EPEverRegister {
    // Rated data, read-only.
    /// PV array rated voltage (charging equipment rated input voltage), V × 100.
    public static let ratedPVVoltage: UInt16 = 0x3000
    /// PV array rated current, A × 100.
    public static let ratedPVCurrent: UInt16 = 0x3001
    /// Battery rated voltage (charging equipment rated output voltage), V × 100.
    public static let ratedBatteryVoltage: UInt16 = 0x3004
    /// Rated charging current, A × 100.
    public static let ratedChargeCurrent: UInt16 = 0x3005
    /// Charging mode: 0 connect/disconnect, 1 PWM, 2 MPPT.
    public static let chargingMode: UInt16 = 0x3008
    /// The rated-data block ``start()`` reads for identity: 0x3000...0x3008.
    public static let ratedBlockCount: UInt16 = 9

    // Real-time data, read-only.
    /// PV array input voltage, V × 100.
    public static let pvVoltage: UInt16 = 0x3100
    /// PV array input current, A × 100.
    public static let pvCurrent: UInt16 = 0x3101
    /// PV array input power, W × 100, low word (high word at 0x3103).
    public static let pvPowerLow: UInt16 = 0x3102
    /// Battery voltage (charging equipment output voltage), V × 100.
    public static let batteryVoltage: UInt16 = 0x3104
    /// Battery charging current, A × 100.
    public static let chargeCurrent: UInt16 = 0x3105
    /// Battery charging power, W × 100, low word (high word at 0x3107).
    public static let chargePowerLow: UInt16 = 0x3106
    /// The real-time block read in one request: 0x3100...0x3107.
    public static let realTimeBlockCount: UInt16 = 8
    /// Battery state of charge, % (0...100).
    public static let batterySoC: UInt16 = 0x311A

    // Real-time status, read-only.
    /// Battery status (D3–D0 voltage state, D7–D4 temperature state).
    public static let batteryStatus: UInt16 = 0x3200
    /// Charging equipment status, see ``EPEverChargingStatus``.
    public static let chargingStatus: UInt16 = 0x3201

    // Statistical parameters, read-only.
    /// Battery voltage, V × 100.
    public static let statisticsBatteryVoltage: UInt16 = 0x331A
    /// Net battery current, A × 100, **signed** 32-bit, low word (high word at 0x331C);
    /// positive while charging.
    public static let batteryCurrentLow: UInt16 = 0x331B

    /// The controller's default unit id.
    public static let defaultUnit: UInt8 = 1
}

/// Charging equipment status, register 0x3201.
public struct EPEverChargingStatus: OptionSet, Sendable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// D0: 1 running, 0 standby.
    public static let running = EPEverChargingStatus(rawValue: 1 << 0)
    /// D1: 1 fault.
    public static let fault = EPEverChargingStatus(rawValue: 1 << 1)
    /// D4: PV input short circuit.
    public static let pvInputShort = EPEverChargingStatus(rawValue: 1 << 4)

    /// D3–D2: 0 no charging, 1 float, 2 boost, 3 equalisation.
    public var chargingState: EPEverChargingState {
        EPEverChargingState(rawValue: UInt8((rawValue >> 2) & 0x3)) ?? .notCharging
    }
}

/// The charging stage, bits D3–D2 of register 0x3201.
public enum EPEverChargingState: UInt8, Sendable, CaseIterable {
    case notCharging = 0
    case float = 1
    case boost = 2
    case equalisation = 3
}
