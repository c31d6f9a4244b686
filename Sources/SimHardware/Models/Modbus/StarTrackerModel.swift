import HAL

/// A simulated iost star tracker (`docs/star-tracker-modbus.md`, protocol 1.0).
///
/// The backend API takes the attitude the physics world knows; the model publishes it only in
/// mode *track* (in *standby* status, stars and validity read 0). Writes outside a register's
/// range answer *illegal data value*; function codes other than 0x03/0x04/0x06/0x10 answer
/// *illegal function*.
public final class StarTrackerModel: ModbusDeviceModel, @unchecked Sendable {
    /// The register bank, for tests that write raw register values.
    public let bank = ModbusRegisterBank()

    private var attitude: (w: Double, x: Double, y: Double, z: Double) = (1, 0, 0, 0)
    private var stars = 0
    private var tracking = false
    private var flags: UInt16 = 0
    private var timeTag = 0.0

    public init() {
        bank.supportedFunctions = [0x03, 0x04, 0x06, 0x10]
        bank.inputRegisters[0x0000] = 0x5354
        bank.inputRegisters[0x0001] = 0x0100
        for address in UInt16(0x0002)...0x000F { bank.inputRegisters[address] = 0 }
        bank.holdingRegisters = [0x0100: 0, 0x0101: 50]
        bank.onHoldingWrite = { [unowned self] address, value in
            switch address {
            case 0x0100:
                guard value <= 1 else { return .illegalDataValue }
                self.publish(mode: value)
            case 0x0101:
                guard (1...1000).contains(value) else { return .illegalDataValue }
            default:
                break
            }
            return nil
        }
        publish(mode: 0)
    }

    /// The commanded mode (0 standby, 1 track).
    public var mode: UInt16 { bank.update { $0.holdingRegisters[0x0100] ?? 0 } }
    /// The commanded exposure, ms.
    public var exposureMs: UInt16 { bank.update { $0.holdingRegisters[0x0101] ?? 0 } }

    /// Sets the solution the tracker would compute: attitude (scalar first, published as given —
    /// tests may pass a non-unit quaternion), stars matched, whether it is tracking, the time tag
    /// (s) and the lost-in-space / rate / stray-light flags.
    public func set(
        attitude: (w: Double, x: Double, y: Double, z: Double), stars: Int, tracking: Bool,
        timeTag: Double? = nil, lostInSpace: Bool = false, rateTooHigh: Bool = false, strayLight: Bool = false
    ) {
        bank.update { bank in
            self.attitude = attitude
            self.stars = stars
            self.tracking = tracking
            if let timeTag { self.timeTag = timeTag }
            self.flags = (lostInSpace ? 1 << 1 : 0) | (rateTooHigh ? 1 << 2 : 0) | (strayLight ? 1 << 3 : 0)
            self.publish(mode: bank.holdingRegisters[0x0100] ?? 0)
        }
    }

    public func handle(_ request: ModbusRequest) -> Result<ModbusResponse, ModbusExceptionCode> {
        bank.handle(request)
    }

    /// Writes the solution registers for `mode`; runs with the bank locked.
    private func publish(mode: UInt16) {
        let track = mode == 1
        let status: UInt16 = track ? ((tracking ? 1 : 0) | flags) : 0
        let words = [Float(attitude.w), Float(attitude.x), Float(attitude.y), Float(attitude.z)].flatMap { ModbusFloat.encode($0) }
        let clampedTime = min(max(timeTag, 0), Double(UInt32.max))
        let seconds = UInt32(clampedTime.rounded(.down))
        let fraction = UInt16(min(65535, ((clampedTime - Double(seconds)) * 65536).rounded()))
        var block: [UInt16] = [status, track ? UInt16(clamping: stars) : 0]
        block += words
        block += [UInt16(seconds >> 16), UInt16(truncatingIfNeeded: seconds), fraction, track && tracking ? 1 : 0]
        for (offset, word) in block.enumerated() { bank.inputRegisters[0x0002 + UInt16(offset)] = word }
    }
}
