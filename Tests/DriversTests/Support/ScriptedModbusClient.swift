import HAL
import Testing

/// A Modbus client that plays a script of expected transactions with canned responses
/// (embedded-hal-mock style, like ``ScriptedI2CBus``): a request that is not the next expected
/// one — other unit, function, address, count or written values — records a test failure and
/// throws; ``finish()`` fails if expected transactions are left over, and so does dropping the
/// client without calling it.
///
/// Scripts are written in the bus's own terms, so a test reads like the device's register map:
/// `.read(unit: 0x61, .holding, 0x0027, count: 1, returns: [1])` is the SCD30's data-ready poll.
final class ScriptedModbusClient: ModbusClient {
    /// The register or bit table a read addresses.
    enum Table: String {
        case coils, discreteInputs, holding, input
    }

    /// One expected transaction.
    enum Step: CustomStringConvertible {
        /// Function 0x03 or 0x04, answered with `returns` (its count is the request's count).
        case read(unit: UInt8, Table, UInt16, count: UInt16, returns: [UInt16])
        /// Function 0x01 or 0x02, answered with `returns`.
        case readBits(unit: UInt8, Table, UInt16, returns: [Bool])
        /// Function 0x06, acknowledged.
        case writeRegister(unit: UInt8, UInt16, value: UInt16)
        /// Function 0x10, acknowledged.
        case writeRegisters(unit: UInt8, UInt16, values: [UInt16])
        /// Function 0x05, acknowledged.
        case writeCoil(unit: UInt8, UInt16, value: Bool)
        /// The request `expected` fails with `error` (an exception, a timeout, a lost connection).
        case fail(unit: UInt8, ModbusRequest, ModbusError)

        var description: String {
            func hex(_ value: UInt16) -> String { "0x" + String(value, radix: 16) }
            switch self {
            case .read(let unit, let table, let address, let count, _): return "unit \(unit): read \(table.rawValue) \(hex(address)) ×\(count)"
            case .readBits(let unit, let table, let address, let bits): return "unit \(unit): read \(table.rawValue) \(hex(address)) ×\(bits.count)"
            case .writeRegister(let unit, let address, let value): return "unit \(unit): write register \(hex(address)) = \(hex(value))"
            case .writeRegisters(let unit, let address, let values): return "unit \(unit): write registers \(hex(address)) = \(values.map(hex))"
            case .writeCoil(let unit, let address, let value): return "unit \(unit): write coil \(hex(address)) = \(value)"
            case .fail(let unit, let request, let error): return "unit \(unit): \(request) fails with \(error)"
            }
        }

        /// The request this step expects, and what answers it.
        var expectation: (unit: UInt8, request: ModbusRequest, answer: Result<ModbusResponse, ModbusError>) {
            switch self {
            case .read(let unit, let table, let address, let count, let values):
                let request: ModbusRequest =
                    table == .input
                    ? .readInputRegisters(address: address, count: count)
                    : .readHoldingRegisters(address: address, count: count)
                return (unit, request, .success(.registers(values)))
            case .readBits(let unit, let table, let address, let bits):
                let count = UInt16(bits.count)
                let request: ModbusRequest =
                    table == .discreteInputs
                    ? .readDiscreteInputs(address: address, count: count)
                    : .readCoils(address: address, count: count)
                return (unit, request, .success(.bits(bits)))
            case .writeRegister(let unit, let address, let value):
                return (unit, .writeSingleRegister(address: address, value: value), .success(.written))
            case .writeRegisters(let unit, let address, let values):
                return (unit, .writeMultipleRegisters(address: address, values: values), .success(.written))
            case .writeCoil(let unit, let address, let value):
                return (unit, .writeSingleCoil(address: address, value: value), .success(.written))
            case .fail(let unit, let request, let error):
                return (unit, request, .failure(error))
            }
        }
    }

    let name = "scripted-modbus"
    private var script: TransactionScript<Step>
    private var sourceLocation: SourceLocation { script.sourceLocation }

    init(_ steps: [Step], sourceLocation: SourceLocation = #_sourceLocation) {
        script = TransactionScript(steps, noun: "Modbus transaction", sourceLocation: sourceLocation)
    }

    /// Whether every expected transaction was made.
    var isComplete: Bool { script.isComplete }

    /// Fails the test if expected transactions were not made.
    func finish(sourceLocation: SourceLocation = #_sourceLocation) {
        script.finish(sourceLocation: sourceLocation)
    }

    deinit {
        script.checkDropped(by: "ScriptedModbusClient")
    }

    // MARK: ModbusClient

    func perform(_ request: ModbusRequest, unit: UInt8, timeout: Duration?) throws(ModbusError) -> ModbusResponse {
        guard let step = script.next() else {
            Issue.record("unexpected Modbus request to unit \(unit) after the script ended: \(request)", sourceLocation: sourceLocation)
            throw .invalidRequest("not in the script")
        }
        let expected = step.expectation
        guard expected.unit == unit, expected.request == request else {
            Issue.record("expected \(step), got unit \(unit): \(request)", sourceLocation: sourceLocation)
            throw .invalidRequest("not the scripted request")
        }
        switch expected.answer {
        case .success(let response): return response
        case .failure(let error): throw error
        }
    }
}

@Suite struct ScriptedModbusClientTests {
    @Test func aCompleteScriptPasses() throws {
        let client = ScriptedModbusClient([
            .read(unit: 1, .input, 0x3100, count: 2, returns: [7, 8]),
            .writeRegister(unit: 1, 0x0025, value: 5),
            .fail(unit: 1, .readHoldingRegisters(address: 0x0027, count: 1), .timeout(unit: 1)),
        ])
        #expect(try client.readInputRegisters(unit: 1, address: 0x3100, count: 2) == [7, 8])
        try client.writeSingleRegister(unit: 1, address: 0x0025, value: 5)
        #expect(throws: ModbusError.timeout(unit: 1)) { try client.readHoldingRegisters(unit: 1, address: 0x0027, count: 1) }
        #expect(client.isComplete)
        client.finish()
    }

    // The client must be able to fail: each of these records an issue (known here).

    @Test func leftoversFailFinish() {
        let client = ScriptedModbusClient([.read(unit: 1, .holding, 0x0020, count: 1, returns: [0x0342])])
        withKnownIssue { client.finish() }
    }

    @Test func leftoversFailWhenDroppedUnfinished() {
        withKnownIssue {
            _ = ScriptedModbusClient([.writeRegister(unit: 1, 0x0036, value: 0)])
        }
    }

    @Test func anUnexpectedRequestFailsAndThrows() {
        let client = ScriptedModbusClient([.read(unit: 0x61, .holding, 0x0027, count: 1, returns: [1])])
        withKnownIssue {
            // The wrong table (function 0x04 for 0x03), then the wrong unit, then past the end.
            #expect(throws: ModbusError.self) { try client.readInputRegisters(unit: 0x61, address: 0x0027, count: 1) }
        }
        let other = ScriptedModbusClient([.read(unit: 0x61, .holding, 0x0027, count: 1, returns: [1])])
        withKnownIssue {
            #expect(throws: ModbusError.self) { try other.readHoldingRegisters(unit: 0x62, address: 0x0027, count: 1) }
            #expect(throws: ModbusError.self) { try other.readHoldingRegisters(unit: 0x61, address: 0x0027, count: 1) }
        }
        client.finish()
        other.finish()
    }
}
