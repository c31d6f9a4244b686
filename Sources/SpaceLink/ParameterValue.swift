/// Why the application data of a PUS service message could not be decoded.
public enum ServiceDataError: Error, Sendable, Hashable {
    /// The data ends before a field (`needed` octets in total, `available` given).
    case truncated(needed: Int, available: Int)
    /// Octets left over after the last field.
    case trailingOctets(Int)
    /// A parameter value carries a type tag this codec does not know.
    case unknownTypeTag(UInt8)
    /// A boolean octet other than 0 or 1.
    case invalidBool(UInt8)
    /// The codec was given a message type it does not decode.
    case wrongMessageType(MessageType)
}

/// Type of a parameter value: its tag in self-describing encodings and its packed width.
///
/// | tag | type | octets |
/// |---|---|---|
/// | 1 | u8 | 1 |
/// | 2 | u16 | 2 |
/// | 3 | u32 | 4 |
/// | 4 | i16 | 2 |
/// | 5 | i32 | 4 |
/// | 6 | f32 (IEEE 754 binary32) | 4 |
/// | 7 | f64 (IEEE 754 binary64) | 8 |
/// | 8 | bool (0 or 1) | 1 |
public enum ParameterType: UInt8, Sendable, Hashable, CaseIterable {
    case u8 = 1, u16 = 2, u32 = 3, i16 = 4, i32 = 5, f32 = 6, f64 = 7, bool = 8

    /// Packed width in octets.
    public var width: Int {
        switch self {
        case .u8, .bool: 1
        case .u16, .i16: 2
        case .u32, .i32, .f32: 4
        case .f64: 8
        }
    }
}

/// A typed parameter value, encoded big-endian, shared by housekeeping (service 3, packed
/// without tags: the structure definition gives the types) and parameter management
/// (service 20, tagged: tag octet + value, so a receiver needs no parameter database to parse).
public enum ParameterValue: Sendable, Hashable {
    case u8(UInt8)
    case u16(UInt16)
    case u32(UInt32)
    case i16(Int16)
    case i32(Int32)
    case f32(Float)
    case f64(Double)
    case bool(Bool)

    public var type: ParameterType {
        switch self {
        case .u8: .u8
        case .u16: .u16
        case .u32: .u32
        case .i16: .i16
        case .i32: .i32
        case .f32: .f32
        case .f64: .f64
        case .bool: .bool
        }
    }

    /// The value as a Double, for display and limit checks.
    public var doubleValue: Double {
        switch self {
        case .u8(let v): Double(v)
        case .u16(let v): Double(v)
        case .u32(let v): Double(v)
        case .i16(let v): Double(v)
        case .i32(let v): Double(v)
        case .f32(let v): Double(v)
        case .f64(let v): v
        case .bool(let v): v ? 1 : 0
        }
    }

    /// The value's octets without a tag (packed form).
    public var packed: [UInt8] {
        var writer = ByteWriter(capacity: 8)
        writePacked(to: &writer)
        return writer.bytes
    }

    /// Tag octet followed by the packed value.
    public var tagged: [UInt8] {
        var writer = ByteWriter(capacity: 9)
        writeTagged(to: &writer)
        return writer.bytes
    }

    func writePacked(to writer: inout ByteWriter) {
        switch self {
        case .u8(let v): writer.u8(v)
        case .u16(let v): writer.u16(v)
        case .u32(let v): writer.u32(v)
        case .i16(let v): writer.u16(UInt16(bitPattern: v))
        case .i32(let v): writer.u32(UInt32(bitPattern: v))
        case .f32(let v): writer.u32(v.bitPattern)
        case .f64(let v): writer.u64(v.bitPattern)
        case .bool(let v): writer.u8(v ? 1 : 0)
        }
    }

    func writeTagged(to writer: inout ByteWriter) {
        writer.u8(type.rawValue)
        writePacked(to: &writer)
    }

    static func readPacked(_ type: ParameterType, from reader: inout ByteReader) throws(ServiceDataError) -> ParameterValue {
        let start = reader.bytes.count - reader.remaining
        func short() -> ServiceDataError { .truncated(needed: start + type.width, available: reader.bytes.count) }
        switch type {
        case .u8:
            guard let v = reader.u8() else { throw short() }
            return .u8(v)
        case .bool:
            guard let v = reader.u8() else { throw short() }
            guard v <= 1 else { throw .invalidBool(v) }
            return .bool(v == 1)
        case .u16:
            guard let v = reader.u16() else { throw short() }
            return .u16(v)
        case .i16:
            guard let v = reader.u16() else { throw short() }
            return .i16(Int16(bitPattern: v))
        case .u32:
            guard let v = reader.u32() else { throw short() }
            return .u32(v)
        case .i32:
            guard let v = reader.u32() else { throw short() }
            return .i32(Int32(bitPattern: v))
        case .f32:
            guard let v = reader.u32() else { throw short() }
            return .f32(Float(bitPattern: v))
        case .f64:
            guard let v = reader.u64() else { throw short() }
            return .f64(Double(bitPattern: v))
        }
    }

    static func readTagged(from reader: inout ByteReader) throws(ServiceDataError) -> ParameterValue {
        guard let tag = reader.u8() else {
            throw .truncated(needed: reader.bytes.count + 1, available: reader.bytes.count)
        }
        guard let type = ParameterType(rawValue: tag) else { throw .unknownTypeTag(tag) }
        return try readPacked(type, from: &reader)
    }
}
