/// ADS1115 address-pointer values (TI SBAS444, "Register Map", "Address Pointer Register").
public enum ADS1115Register: UInt8, Sendable {
    /// Conversion result, 16-bit two's complement ("Conversion Register").
    case conversion = 0x00
    /// Config register ("Config Register").
    case config = 0x01
    /// Comparator low threshold ("Lo_thresh and Hi_thresh Registers").
    case lowThreshold = 0x02
    /// Comparator high threshold ("Lo_thresh and Hi_thresh Registers").
    case highThreshold = 0x03
}

/// Input multiplexer, config bits 14:12 `MUX[2:0]` ("Config Register").
public enum ADS1115Multiplexer: UInt16, Sendable, CaseIterable {
    /// AINP = AIN0, AINN = AIN1 (the power-on default).
    case ain0MinusAin1 = 0b000
    case ain0MinusAin3 = 0b001
    case ain1MinusAin3 = 0b010
    case ain2MinusAin3 = 0b011
    case ain0 = 0b100
    case ain1 = 0b101
    case ain2 = 0b110
    case ain3 = 0b111
}

/// Programmable-gain amplifier, config bits 11:9 `PGA[2:0]` ("Full-Scale Range and LSB Size", table 3).
public enum ADS1115Gain: UInt16, Sendable, CaseIterable {
    case fullScale6_144V = 0b000
    case fullScale4_096V = 0b001
    /// ±2.048 V, the power-on default.
    case fullScale2_048V = 0b010
    case fullScale1_024V = 0b011
    case fullScale0_512V = 0b100
    /// ±0.256 V (codes 0b101…0b111 all select it).
    case fullScale0_256V = 0b101

    /// The full-scale range FSR, volts: the input that reads 0x7FFF (+1 LSB).
    public var fullScaleVolts: Double {
        switch self {
        case .fullScale6_144V: return 6.144
        case .fullScale4_096V: return 4.096
        case .fullScale2_048V: return 2.048
        case .fullScale1_024V: return 1.024
        case .fullScale0_512V: return 0.512
        case .fullScale0_256V: return 0.256
        }
    }

    /// The weight of one code, volts: FSR / 2^15 ("Full-Scale Range and LSB Size": 187.5 µV … 7.8125 µV).
    public var voltsPerCode: Double { fullScaleVolts / 32768 }

    /// Decodes the 3-bit field (0b110 and 0b111 are also ±0.256 V).
    public init(field: UInt16) {
        self = ADS1115Gain(rawValue: min(field & 0b111, 0b101)) ?? .fullScale0_256V
    }
}

/// Data rate, config bits 7:5 `DR[2:0]` ("Config Register").
public enum ADS1115DataRate: UInt16, Sendable, CaseIterable {
    case sps8 = 0b000
    case sps16 = 0b001
    case sps32 = 0b010
    case sps64 = 0b011
    /// 128 samples per second, the power-on default.
    case sps128 = 0b100
    case sps250 = 0b101
    case sps475 = 0b110
    case sps860 = 0b111

    /// Nominal samples per second.
    public var samplesPerSecond: Int {
        [8, 16, 32, 64, 128, 250, 475, 860][Int(rawValue)]
    }

    /// The longest single-shot conversion: 1/DR plus the ±10 % internal-oscillator tolerance
    /// (electrical characteristics, "data rate variation") plus 100 µs for wake-up from power-down.
    public var maximumConversionTime: Duration {
        .microseconds(1_100_000 / samplesPerSecond + 100)
    }
}

/// The config register ("Config Register").
public struct ADS1115Config: Sendable, Equatable {
    /// Bit 15 `OS`: written 1, starts a single conversion; read 1, no conversion is running.
    public static let operationalStatus: UInt16 = 1 << 15
    /// Bit 8 `MODE`: 1 = single-shot / power-down, 0 = continuous.
    public static let singleShotMode: UInt16 = 1 << 8
    /// Bits 1:0 `COMP_QUE` = 0b11: comparator disabled, ALERT/RDY high-impedance.
    public static let comparatorDisabled: UInt16 = 0b11
    /// The power-on value, 0x8583.
    public static let powerOnValue: UInt16 = 0x8583

    public var multiplexer: ADS1115Multiplexer
    public var gain: ADS1115Gain
    public var dataRate: ADS1115DataRate

    public init(multiplexer: ADS1115Multiplexer, gain: ADS1115Gain, dataRate: ADS1115DataRate) {
        self.multiplexer = multiplexer
        self.gain = gain
        self.dataRate = dataRate
    }

    /// The register value for single-shot mode with the comparator disabled (traditional
    /// comparator, active-low, non-latching: bits 4:2 = 0), `OS` clear.
    public var rawValue: UInt16 {
        multiplexer.rawValue << 12 | gain.rawValue << 9 | Self.singleShotMode | dataRate.rawValue << 5 | Self.comparatorDisabled
    }
}
