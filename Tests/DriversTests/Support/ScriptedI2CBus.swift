import HAL
import Testing

/// A bus that plays a script of expected SMBus calls with canned responses (embedded-hal-mock
/// style): a call that is not the next expected one records a test failure and throws, and
/// ``finish()`` fails if expected calls are left over. Raw ``transaction(_:_:)`` is always a
/// failure: the drivers must run on SMBus-only adapters (Linux i2c-stub). Dropping the bus with
/// expected calls left and without ``finish()`` is a failure too.
///
/// Word responses and writes are given as the bytes on the wire, in wire order, so a script reads
/// like the datasheet: the INA226 manufacturer ID is `wire: [0x54, 0x49]`.
final class ScriptedI2CBus: I2CBus {
    /// One expected call.
    enum Step: CustomStringConvertible {
        case readByte(UInt8, register: UInt8, returns: UInt8)
        case writeByte(UInt8, register: UInt8, value: UInt8)
        /// SMBus read word data; `wire` is the two bytes as the device sends them.
        case readWord(UInt8, register: UInt8, wire: [UInt8])
        /// SMBus write word data; `wire` is the two data bytes as they go out after the register.
        case writeWord(UInt8, register: UInt8, wire: [UInt8])
        case readBlock(UInt8, register: UInt8, returns: [UInt8])
        case writeBlock(UInt8, register: UInt8, bytes: [UInt8])
        /// Any call to `address`/`register` of the given kind fails with `kind`.
        case fail(UInt8, register: UInt8, operation: I2COperationName, kind: I2CError.Kind)

        var description: String {
            func hex(_ value: UInt8) -> String { "0x" + String(value, radix: 16) }
            switch self {
            case .readByte(let a, let r, let v): return "readByteData(\(hex(a)), \(hex(r))) -> \(hex(v))"
            case .writeByte(let a, let r, let v): return "writeByteData(\(hex(a)), \(hex(r)), \(hex(v)))"
            case .readWord(let a, let r, let w): return "readWordData(\(hex(a)), \(hex(r))) -> wire \(w.map(hex))"
            case .writeWord(let a, let r, let w): return "writeWordData(\(hex(a)), \(hex(r)), wire \(w.map(hex)))"
            case .readBlock(let a, let r, let b): return "readBlockData(\(hex(a)), \(hex(r)), count \(b.count))"
            case .writeBlock(let a, let r, let b): return "writeBlockData(\(hex(a)), \(hex(r)), \(b.map(hex)))"
            case .fail(let a, let r, let op, let kind): return "\(op.rawValue)(\(hex(a)), \(hex(r))) fails \(kind)"
            }
        }
    }

    let name = "scripted-i2c"
    private var script: TransactionScript<Step>
    private var sourceLocation: SourceLocation { script.sourceLocation }

    init(_ steps: [Step], sourceLocation: SourceLocation = #_sourceLocation) {
        script = TransactionScript(steps, noun: "call", sourceLocation: sourceLocation)
    }

    /// Fails the test if expected calls were not made.
    func finish(sourceLocation: SourceLocation = #_sourceLocation) {
        script.finish(sourceLocation: sourceLocation)
    }

    deinit {
        script.checkDropped(by: "ScriptedI2CBus")
    }

    // MARK: I2CBus

    func transaction(_ address: I2CAddress, _ operations: [I2COperation]) throws(I2CError) -> [[UInt8]] {
        Issue.record("raw I2C transaction to \(address): drivers must use SMBus calls only", sourceLocation: sourceLocation)
        throw I2CError(.unsupported, operation: .transaction, address: address, bus: name)
    }

    func readByteData(_ address: I2CAddress, register: UInt8) throws(I2CError) -> UInt8 {
        let step = try next(address, register, .readByteData, "readByteData")
        if case .readByte(address.rawValue, register, let value) = step { return value }
        throw mismatch(step, "readByteData(\(address), 0x\(String(register, radix: 16)))", address, .readByteData)
    }

    func writeByteData(_ address: I2CAddress, register: UInt8, value: UInt8) throws(I2CError) {
        let step = try next(address, register, .writeByteData, "writeByteData")
        if case .writeByte(address.rawValue, register, value) = step { return }
        throw mismatch(step, "writeByteData(\(address), 0x\(String(register, radix: 16)), 0x\(String(value, radix: 16)))", address, .writeByteData)
    }

    func readWordData(_ address: I2CAddress, register: UInt8) throws(I2CError) -> UInt16 {
        let step = try next(address, register, .readWordData, "readWordData")
        if case .readWord(address.rawValue, register, let wire) = step, wire.count == 2 {
            return UInt16(wire[0]) | UInt16(wire[1]) << 8 // SMBus: first byte on the wire is the low byte
        }
        throw mismatch(step, "readWordData(\(address), 0x\(String(register, radix: 16)))", address, .readWordData)
    }

    func writeWordData(_ address: I2CAddress, register: UInt8, value: UInt16) throws(I2CError) {
        let step = try next(address, register, .writeWordData, "writeWordData")
        let wire = [UInt8(value & 0xFF), UInt8(value >> 8)] // SMBus: low byte goes out first
        if case .writeWord(address.rawValue, register, wire) = step { return }
        throw mismatch(step, "writeWordData(\(address), 0x\(String(register, radix: 16)), wire \(wire))", address, .writeWordData)
    }

    func readBlockData(_ address: I2CAddress, register: UInt8, count: Int) throws(I2CError) -> [UInt8] {
        if count > 32 { Issue.record("I2C block read of \(count) bytes exceeds the SMBus limit of 32", sourceLocation: sourceLocation) }
        let step = try next(address, register, .readBlockData, "readBlockData")
        if case .readBlock(address.rawValue, register, let bytes) = step, bytes.count == count { return bytes }
        throw mismatch(step, "readBlockData(\(address), 0x\(String(register, radix: 16)), count \(count))", address, .readBlockData)
    }

    func writeBlockData(_ address: I2CAddress, register: UInt8, bytes: [UInt8]) throws(I2CError) {
        if bytes.count > 32 { Issue.record("I2C block write of \(bytes.count) bytes exceeds the SMBus limit of 32", sourceLocation: sourceLocation) }
        let step = try next(address, register, .writeBlockData, "writeBlockData")
        if case .writeBlock(address.rawValue, register, bytes) = step { return }
        throw mismatch(step, "writeBlockData(\(address), 0x\(String(register, radix: 16)), \(bytes))", address, .writeBlockData)
    }

    // MARK: Script

    private func next(_ address: I2CAddress, _ register: UInt8, _ operation: I2COperationName, _ call: String) throws(I2CError) -> Step {
        guard let step = script.next() else {
            Issue.record("unexpected call \(call)(\(address), 0x\(String(register, radix: 16))) after the script ended", sourceLocation: sourceLocation)
            throw I2CError(.other, operation: operation, address: address, bus: name)
        }
        if case .fail(address.rawValue, register, operation, let kind) = step {
            throw I2CError(kind, operation: operation, address: address, bus: name)
        }
        return step
    }

    private func mismatch(_ expected: Step, _ got: String, _ address: I2CAddress, _ operation: I2COperationName) -> I2CError {
        Issue.record("expected \(expected), got \(got)", sourceLocation: sourceLocation)
        return I2CError(.other, operation: operation, address: address, bus: name)
    }
}

@Suite struct ScriptedI2CBusTests {
    @Test func leftoversFailWhenDroppedUnfinished() {
        withKnownIssue {
            _ = ScriptedI2CBus([.readByte(0x76, register: 0xD0, returns: 0x60)])
        }
    }

    @Test func aFinishedOrEmptyScriptIsSilentWhenDropped() throws {
        let bus = ScriptedI2CBus([.readByte(0x76, register: 0xD0, returns: 0x60)])
        #expect(try bus.readByteData(I2CAddress(0x76), register: 0xD0) == 0x60)
        bus.finish()
        _ = ScriptedI2CBus([])
    }
}
