import Systems

/// A minimal JSON writer that keeps key order (probe lines read like the README's examples).
struct JSONObject {
    private var members: [String] = []

    mutating func add(_ key: String, _ value: String) { members.append(JSON.string(key) + ":" + JSON.string(value)) }
    mutating func add(_ key: String, _ value: Bool) { members.append(JSON.string(key) + ":" + (value ? "true" : "false")) }
    mutating func add(_ key: String, _ value: Int) { members.append(JSON.string(key) + ":" + String(value)) }
    mutating func add(_ key: String, _ value: Double) { members.append(JSON.string(key) + ":" + JSON.number(value)) }
    mutating func add(_ key: String, _ value: JSONObject) { members.append(JSON.string(key) + ":" + value.text) }
    mutating func add(_ key: String, raw: String) { members.append(JSON.string(key) + ":" + raw) }

    var text: String { "{" + members.joined(separator: ",") + "}" }
}

enum JSON {
    /// `value` as a JSON string literal (Systems' one escaper).
    static func string(_ value: String) -> String { jsonQuoted(value) }

    /// A number; NaN and infinities (not JSON) become `null`. Whole values print without a fraction.
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "null" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }

    static func array(_ elements: [String]) -> String { "[" + elements.joined(separator: ",") + "]" }
}
