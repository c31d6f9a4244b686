import Systems

/// A JSON value with ordered object members, written deterministically (same value, same
/// octets): for the mission database. No parsing; the ground reads it with its own parser.
public indirect enum JSONText: Sendable, Equatable {
    case null
    case bool(Bool)
    case integer(Int64)
    /// A finite number; NaN and infinities are written as `null` (JSON has no such numbers).
    case number(Double)
    case string(String)
    case array([JSONText])
    /// Members in the order given.
    case object([(String, JSONText)])

    public static func == (lhs: JSONText, rhs: JSONText) -> Bool { lhs.rendered() == rhs.rendered() }

    /// An integer value.
    public static func int<T: BinaryInteger>(_ value: T) -> JSONText { .integer(Int64(value)) }

    /// The text, indented by two spaces per level (`pretty`) or on one line.
    public func rendered(pretty: Bool = true) -> String {
        var out = ""
        write(to: &out, indent: 0, pretty: pretty)
        if pretty { out += "\n" }
        return out
    }

    private func write(to out: inout String, indent: Int, pretty: Bool) {
        switch self {
        case .null: out += "null"
        case .bool(let value): out += value ? "true" : "false"
        case .integer(let value): out += String(value)
        case .number(let value): out += Self.number(value)
        case .string(let value): appendJSONQuoted(value, to: &out)
        case .array(let elements):
            guard !elements.isEmpty else { out += "[]"; return }
            // Arrays of scalars stay on one line: parameter lists read better that way.
            let flat = !pretty || elements.allSatisfy(\.isScalar)
            out += "["
            for (index, element) in elements.enumerated() {
                if index > 0 { out += flat && pretty ? ", " : "," }
                if !flat { Self.newline(&out, indent + 1) }
                element.write(to: &out, indent: indent + 1, pretty: pretty)
            }
            if !flat { Self.newline(&out, indent) }
            out += "]"
        case .object(let members):
            guard !members.isEmpty else { out += "{}"; return }
            out += "{"
            for (index, (key, value)) in members.enumerated() {
                if index > 0 { out += "," }
                if pretty { Self.newline(&out, indent + 1) }
                appendJSONQuoted(key, to: &out)
                out += pretty ? ": " : ":"
                value.write(to: &out, indent: indent + 1, pretty: pretty)
            }
            if pretty { Self.newline(&out, indent) }
            out += "}"
        }
    }

    private var isScalar: Bool {
        switch self {
        case .array, .object: return false
        default: return true
        }
    }

    private static func newline(_ out: inout String, _ indent: Int) {
        out += "\n" + String(repeating: "  ", count: indent)
    }

    /// Shortest text that reads back as the same double; whole numbers without a fraction.
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "null" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }
}
