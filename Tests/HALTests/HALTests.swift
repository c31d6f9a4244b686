import HAL
import Testing

@Suite struct I2CAddressTests {
    @Test func sevenBitRange() {
        #expect(I2CAddress(rawValue: 0x76)?.rawValue == 0x76)
        #expect(I2CAddress(rawValue: 0x7F) != nil)
        #expect(I2CAddress(rawValue: 0x80) == nil)
        #expect(I2CAddress(0x48).description == "0x48")
        #expect(I2CAddress(0x05).description == "0x05")
    }

    @Test func errorDescriptionNamesKindBusAndAddress() {
        let error = I2CError(.noAcknowledge(.address), operation: .readByteData, address: I2CAddress(0x76), bus: "i2c-1", errno: 6)
        #expect(error.description == "no acknowledge (address) on i2c-1 0x76 (read byte data, errno 6)")
    }
}

@Suite struct ModbusTypesTests {
    @Test func exceptionCodesRoundTrip() {
        for code: UInt8 in [1, 2, 3, 4, 5, 6, 8, 0x0A, 0x0B, 0x42] {
            #expect(ModbusExceptionCode(code: code).code == code)
        }
        #expect(ModbusExceptionCode(code: 2) == .illegalDataAddress)
        #expect(ModbusExceptionCode(code: 0x0B) == .gatewayTargetFailedToRespond)
    }

    @Test func functionCodes() {
        #expect(ModbusRequest.readHoldingRegisters(address: 0, count: 1).functionCode == 0x03)
        #expect(ModbusRequest.writeMultipleRegisters(address: 0, values: [1]).functionCode == 0x10)
        #expect(ModbusRequest.writeSingleCoil(address: 0, value: true).functionCode == 0x05)
    }

    @Test func floatWordOrders() {
        // 1.5f = 0x3FC00000
        #expect(ModbusFloat.encode(1.5) == [0x3FC0, 0x0000])
        #expect(ModbusFloat.encode(1.5, order: .lowWordFirst) == [0x0000, 0x3FC0])
        #expect(ModbusFloat.decode([0x43FA, 0x0000][...]) == 500.0)
        #expect(ModbusFloat.decode([0x0000, 0x43FA][...], order: .lowWordFirst) == 500.0)
        #expect(ModbusFloat.decode([0x43FA][...]) == nil)
    }
}

@Suite struct MonotonicInstantTests {
    @Test func arithmeticSaturates() {
        let t = MonotonicInstant(nanoseconds: 1_000)
        #expect(t.advanced(by: .microseconds(1)).nanoseconds == 2_000)
        #expect(t.advanced(by: .microseconds(-5)).nanoseconds == 0)
        #expect(MonotonicInstant(nanoseconds: .max - 1).advanced(by: .seconds(1)).nanoseconds == .max)
        #expect(MonotonicInstant(nanoseconds: 3_000) - t == .nanoseconds(2_000))
        #expect(t - MonotonicInstant(nanoseconds: 3_000) == .nanoseconds(-2_000))
        #expect(Duration.milliseconds(1500).secondsDouble == 1.5)
    }
}
