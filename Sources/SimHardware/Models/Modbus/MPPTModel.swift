import HAL

/// A simulated EPEver Tracer-class MPPT charge controller (the register list of EPEver's
/// controller communication instruction, V2.5).
///
/// Rated data 0x3000–0x3008, real-time data 0x3100–0x3107 and 0x311A, status 0x3200–0x3201 and
/// statistics 0x331A–0x331C as input registers; undefined addresses between them answer
/// *illegal data address*, as the controllers do. Values are stored in 0.01 units; values
/// beyond a register's range saturate, as the controller's firmware does. PV and charging power
/// follow from voltage × current unless set explicitly.
public final class MPPTModel: ModbusDeviceModel, @unchecked Sendable {
    /// The register bank, for tests that write raw register values.
    public let bank = ModbusRegisterBank()

    private var pvVoltage = 0.0, pvCurrent = 0.0, batteryVoltage = 0.0, chargeCurrent = 0.0

    /// - Parameters: the rated data the controller reports (identity), in V, A.
    public init(
        ratedPVVoltage: Double = 100, ratedPVCurrent: Double = 30, ratedBatteryVoltage: Double = 24,
        ratedChargeCurrent: Double = 30
    ) {
        bank.supportedFunctions = [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x0F, 0x10]
        let ratedPower = Self.centi(ratedPVVoltage * ratedPVCurrent)
        let rated: [UInt16] = [
            Self.centi(ratedPVVoltage), Self.centi(ratedPVCurrent),
            UInt16(truncatingIfNeeded: ratedPower), UInt16(truncatingIfNeeded: ratedPower >> 16),
            Self.centi(ratedBatteryVoltage), Self.centi(ratedChargeCurrent),
            UInt16(truncatingIfNeeded: ratedPower), UInt16(truncatingIfNeeded: ratedPower >> 16),
            2, // charging mode: MPPT
        ]
        for (offset, word) in rated.enumerated() { bank.inputRegisters[0x3000 + UInt16(offset)] = word }
        for address in UInt16(0x3100)...0x3107 { bank.inputRegisters[address] = 0 }
        bank.inputRegisters[0x311A] = 0
        bank.inputRegisters[0x3200] = 0
        bank.inputRegisters[0x3201] = 0x0001 // running, not charging
        for address in UInt16(0x331A)...0x331C { bank.inputRegisters[address] = 0 }
        // A few of the controller's settings and switches, so writes have somewhere to go.
        bank.holdingRegisters = [0x9000: 0x0000, 0x9001: 200, 0x9002: 300]
        bank.coils = [0x0002: true]
        bank.discreteInputs = [0x2000: false, 0x200C: false]
    }

    /// Sets the measured values given (others keep theirs), in V, A, W, %, and the charging
    /// stage 0...3; powers not given are recomputed from voltage × current.
    public func set(
        pvVoltage: Double? = nil, pvCurrent: Double? = nil, pvPower: Double? = nil,
        batteryVoltage: Double? = nil, chargeCurrent: Double? = nil, chargePower: Double? = nil,
        batterySoC: Double? = nil, chargingState: Int? = nil, batteryCurrent: Double? = nil
    ) {
        bank.update { bank in
            if let pvVoltage { self.pvVoltage = pvVoltage }
            if let pvCurrent { self.pvCurrent = pvCurrent }
            if let batteryVoltage { self.batteryVoltage = batteryVoltage }
            if let chargeCurrent { self.chargeCurrent = chargeCurrent }
            bank.inputRegisters[0x3100] = Self.centi(self.pvVoltage)
            bank.inputRegisters[0x3101] = Self.centi(self.pvCurrent)
            Self.store32(&bank.inputRegisters, 0x3102, Self.centi32(pvPower ?? self.pvVoltage * self.pvCurrent))
            bank.inputRegisters[0x3104] = Self.centi(self.batteryVoltage)
            bank.inputRegisters[0x3105] = Self.centi(self.chargeCurrent)
            Self.store32(&bank.inputRegisters, 0x3106, Self.centi32(chargePower ?? self.batteryVoltage * self.chargeCurrent))
            bank.inputRegisters[0x331A] = Self.centi(self.batteryVoltage)
            if let batterySoC { bank.inputRegisters[0x311A] = UInt16(clamping: Int(batterySoC.rounded())) }
            if let chargingState {
                let status = bank.inputRegisters[0x3201] ?? 0
                bank.inputRegisters[0x3201] = (status & ~0x000C) | UInt16(chargingState & 0x3) << 2
            }
            if let batteryCurrent {
                let raw = Int32(clamping: Int((batteryCurrent * 100).rounded()))
                Self.store32(&bank.inputRegisters, 0x331B, UInt32(bitPattern: raw))
            }
        }
    }

    public func handle(_ request: ModbusRequest) -> Result<ModbusResponse, ModbusExceptionCode> {
        bank.handle(request)
    }

    private static func centi(_ value: Double) -> UInt16 {
        UInt16(clamping: Int((value * 100).rounded()))
    }

    private static func centi32(_ value: Double) -> UInt32 {
        UInt32(clamping: Int((value * 100).rounded()))
    }

    /// Low word at `address`, high word at `address + 1`.
    private static func store32(_ registers: inout [UInt16: UInt16], _ address: UInt16, _ value: UInt32) {
        registers[address] = UInt16(truncatingIfNeeded: value)
        registers[address + 1] = UInt16(truncatingIfNeeded: value >> 16)
    }
}
