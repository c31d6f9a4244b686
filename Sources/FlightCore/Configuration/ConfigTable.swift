import TOMLKit
import Systems

/// A strict reader over one TOML table: typed getters that fail with a ``ConfigurationError``
/// naming the file, line and key, and a check that every key was understood.
///
/// Unknown keys are errors, not warnings: a misspelt `adress` must not silently fall back to a
/// default on a flight vehicle.
public final class ConfigTable {
    let table: TOMLTable
    let source: ConfigSource
    /// `device "cabin-env"`, for messages.
    public let context: String?
    /// The line of this table's header, for locating keys.
    let headerLine: Int?
    private var readKeys: Set<String> = []

    init(table: TOMLTable, source: ConfigSource, context: String?, headerLine: Int?) {
        self.table = table
        self.source = source
        self.context = context
        self.headerLine = headerLine
    }

    /// The keys present in the table.
    public var keys: [String] { table.keys }

    public func has(_ key: String) -> Bool { table.contains(key: key) }

    /// An error located at `key` in this table.
    public func error(_ key: String?, _ message: String) -> ConfigurationError {
        ConfigurationError(
            file: source.path, line: key.flatMap { line(of: $0) } ?? headerLine,
            context: context, key: key, message: message)
    }

    /// The line of `key` in this table; at the top level, a `[key]` or `[[key]]` header too.
    private func line(of key: String) -> Int? {
        if let line = source.line(ofKey: key, after: headerLine) { return line }
        guard headerLine == nil, context == nil else { return nil }
        return source.line(ofTableHeader: key) ?? source.lines(ofArrayTableHeader: key).first
    }

    /// A required `key` is absent: the error says so, and names a present key that looks like a
    /// misspelling of it (`adress` for `address`) rather than leaving that for the unknown-key check.
    private func missing(_ key: String, _ expectation: String) -> ConfigurationError {
        let unread = table.keys.filter { !readKeys.contains($0) }
        if let typo = unread.min(by: { editDistance($0, key) < editDistance($1, key) }), editDistance(typo, key) <= 2 {
            return error(typo, "unknown key (did you mean \"\(key)\"?); \"\(key)\" is missing, expected \(expectation)")
        }
        return error(key, "missing; expected \(expectation)")
    }

    private func value(_ key: String) -> TOMLValueConvertible? {
        readKeys.insert(key)
        return table[key]
    }

    private func describe(_ value: TOMLValueConvertible) -> String {
        switch value.type {
        case .string: return "\"\(value.string ?? "")\""
        case .table: return "a table"
        case .array: return "an array"
        default: return value.debugDescription
        }
    }

    // MARK: Typed getters

    public func string(_ key: String) throws(ConfigurationError) -> String {
        guard let raw = value(key) else { throw missing(key, "a string") }
        guard let text = raw.string else { throw error(key, "expected a string, found \(describe(raw))") }
        return text
    }

    public func string(_ key: String, default fallback: String) throws(ConfigurationError) -> String {
        has(key)
            ? try string(key)
            : {
                readKeys.insert(key); return fallback
            }()
    }

    public func optionalString(_ key: String) throws(ConfigurationError) -> String? {
        has(key) ? try string(key) : nil
    }

    /// One of `choices`, reported with the list when it is not.
    public func choice<T>(_ key: String, _ choices: [String: T], default fallback: T? = nil) throws(ConfigurationError) -> T {
        if !has(key), let fallback { readKeys.insert(key); return fallback }
        let text = try string(key)
        guard let chosen = choices[text] else {
            throw error(key, "expected one of \(choices.keys.sorted().map { "\"\($0)\"" }.joined(separator: ", ")), found \"\(text)\"")
        }
        return chosen
    }

    /// One of the integer `choices` (`gyro_range_dps = 500`), reported with the list when it is not.
    public func intChoice<T>(_ key: String, _ choices: [Int: T], default fallback: T) throws(ConfigurationError) -> T {
        guard has(key) else { readKeys.insert(key); return fallback }
        let number = try int(key)
        guard let chosen = choices[number] else {
            throw error(key, "expected one of \(choices.keys.sorted().map(String.init).joined(separator: ", ")), found \(number)")
        }
        return chosen
    }

    public func int(_ key: String, in range: ClosedRange<Int>? = nil) throws(ConfigurationError) -> Int {
        guard let raw = value(key) else { throw missing(key, "an integer" + Self.rangeText(range)) }
        guard let number = raw.int else { throw error(key, "expected an integer" + Self.rangeText(range) + ", found \(describe(raw))") }
        if let range, !range.contains(number) {
            throw error(key, "expected an integer" + Self.rangeText(range) + ", found \(number)")
        }
        return number
    }

    public func int(_ key: String, default fallback: Int, in range: ClosedRange<Int>? = nil) throws(ConfigurationError) -> Int {
        if !has(key) { readKeys.insert(key); return fallback }
        return try int(key, in: range)
    }

    /// A number; integers are accepted where a float is expected.
    public func double(_ key: String, in range: ClosedRange<Double>? = nil) throws(ConfigurationError) -> Double {
        guard let raw = value(key) else { throw missing(key, "a number" + Self.rangeText(range)) }
        guard let number = raw.double ?? raw.int.map(Double.init), number.isFinite else {
            throw error(key, "expected a number" + Self.rangeText(range) + ", found \(describe(raw))")
        }
        if let range, !range.contains(number) {
            throw error(key, "expected a number" + Self.rangeText(range) + ", found \(number)")
        }
        return number
    }

    public func double(_ key: String, default fallback: Double, in range: ClosedRange<Double>? = nil) throws(ConfigurationError) -> Double {
        if !has(key) { readKeys.insert(key); return fallback }
        return try double(key, in: range)
    }

    public func bool(_ key: String, default fallback: Bool) throws(ConfigurationError) -> Bool {
        guard has(key) else { readKeys.insert(key); return fallback }
        guard let raw = value(key), let flag = raw.bool else { throw error(key, "expected true or false") }
        return flag
    }

    /// A duration written as seconds (a number) or as a string with a unit (`"250ms"`, `"2s"`, `"5min"`, `"2h"`).
    public func duration(_ key: String, default fallback: Duration) throws(ConfigurationError) -> Duration {
        guard has(key) else { readKeys.insert(key); return fallback }
        guard let raw = value(key) else { return fallback }
        if let seconds = raw.double ?? raw.int.map(Double.init), seconds.isFinite, seconds >= 0 {
            return .nanoseconds(Int64(seconds * 1e9))
        }
        if let text = raw.string, let parsed = DurationText.parse(text) { return parsed }
        throw error(key, "expected a duration (seconds, or a string such as \"250ms\", \"2s\", \"5min\", \"2h\"), found \(describe(raw))")
    }

    /// A sub-table; missing → an empty table.
    public func table(_ key: String) throws(ConfigurationError) -> ConfigTable {
        guard let raw = value(key) else {
            return ConfigTable(table: TOMLTable(), source: source, context: context.map { "\($0).\(key)" } ?? key, headerLine: nil)
        }
        guard let sub = raw.table else { throw error(key, "expected a table, found \(describe(raw))") }
        return ConfigTable(
            table: sub, source: source, context: context.map { "\($0).\(key)" } ?? key,
            headerLine: source.line(ofTableHeader: key) ?? source.line(ofKey: key, after: headerLine))
    }

    /// An array of tables (`[[device]]`); missing → empty. Each element is named for messages by
    /// `label(index, table)`.
    public func tables(_ key: String, label: (Int, ConfigTable) -> String) throws(ConfigurationError) -> [ConfigTable] {
        guard let raw = value(key) else { return [] }
        guard let array = raw.array else { throw error(key, "expected an array of tables ([[\(key)]]), found \(describe(raw))") }
        var result: [ConfigTable] = []
        let headers = source.lines(ofArrayTableHeader: key)
        for index in 0..<array.count {
            guard let element = array[index].table else { throw error(key, "element \(index + 1) is not a table") }
            let line = index < headers.count ? headers[index] : nil
            let provisional = ConfigTable(table: element, source: source, context: nil, headerLine: line)
            result.append(ConfigTable(table: element, source: source, context: label(index, provisional), headerLine: line))
        }
        return result
    }

    /// An array of numbers.
    public func doubles(_ key: String, default fallback: [Double]) throws(ConfigurationError) -> [Double] {
        guard has(key) else { readKeys.insert(key); return fallback }
        guard let raw = value(key), let array = raw.array else { throw error(key, "expected an array of numbers") }
        var result: [Double] = []
        for index in 0..<array.count {
            guard let number = array[index].double ?? array[index].int.map(Double.init) else {
                throw error(key, "element \(index + 1) is not a number")
            }
            result.append(number)
        }
        return result
    }

    /// An array of strings.
    public func strings(_ key: String, default fallback: [String]) throws(ConfigurationError) -> [String] {
        guard has(key) else { readKeys.insert(key); return fallback }
        guard let raw = value(key), let array = raw.array else { throw error(key, "expected an array of strings") }
        var result: [String] = []
        for index in 0..<array.count {
            guard let text = array[index].string else { throw error(key, "element \(index + 1) is not a string") }
            result.append(text)
        }
        return result
    }

    /// Marks keys as understood without reading them (handled elsewhere).
    public func accept(_ keys: String...) {
        readKeys.formUnion(keys)
    }

    /// Fails on the first key nobody read, suggesting the closest known key.
    public func rejectUnknownKeys(known: [String] = []) throws(ConfigurationError) {
        for key in table.keys.sorted() where !readKeys.contains(key) {
            let candidates = Array(readKeys) + known
            if let suggestion = candidates.min(by: { editDistance($0, key) < editDistance($1, key) }),
                editDistance(suggestion, key) <= 2
            {
                throw error(key, "unknown key (did you mean \"\(suggestion)\"?)")
            }
            throw error(key, "unknown key")
        }
    }

    private static func rangeText<T>(_ range: ClosedRange<T>?) -> String {
        guard let range else { return "" }
        return " in \(range.lowerBound)...\(range.upperBound)"
    }
}

/// Parses `"250ms"`, `"2s"`, `"1.5 min"`, `"2h"`, `"100us"`.
public enum DurationText {
    public static func parse(_ text: String) -> Duration? {
        let trimmed = text.filter { !$0.isWhitespace }
        let digits = trimmed.prefix { $0.isNumber || $0 == "." }
        guard let value = Double(digits), value >= 0, value.isFinite else { return nil }
        let scale: Double
        switch trimmed.dropFirst(digits.count) {
        case "ns": scale = 1e-9
        case "us", "µs": scale = 1e-6
        case "ms": scale = 1e-3
        case "s", "": scale = 1
        case "min", "m": scale = 60
        case "h": scale = 3600
        case "d": scale = 86400
        default: return nil
        }
        return .nanoseconds(Int64(value * scale * 1e9))
    }
}

/// The text of a configuration file, for finding the line of a key.
struct ConfigSource {
    let path: String
    let lines: [Substring]

    init(path: String, text: String) {
        self.path = path
        self.lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    }

    private func stripped(_ line: Substring) -> Substring {
        line.drop { $0 == " " || $0 == "\t" }
    }

    /// 1-based lines of each `[[name]]` header, in order.
    func lines(ofArrayTableHeader name: String) -> [Int] {
        lines.indices.filter { stripped(lines[$0]).hasPrefix("[[\(name)]]") }.map { $0 + 1 }
    }

    /// 1-based line of a `[name]` header.
    func line(ofTableHeader name: String) -> Int? {
        lines.indices.first { stripped(lines[$0]).hasPrefix("[\(name)]") }.map { $0 + 1 }
    }

    /// 1-based line where `key =` is set in the table whose header is at `headerLine` (or at top level).
    func line(ofKey key: String, after headerLine: Int?) -> Int? {
        var index = headerLine ?? 0
        while index < lines.count {
            let line = stripped(lines[index])
            if line.hasPrefix("[") { return nil }
            if line.hasPrefix(key) {
                let rest = line.dropFirst(key.count).drop { $0 == " " || $0 == "\t" }
                if rest.hasPrefix("=") { return index + 1 }
            }
            index += 1
        }
        return nil
    }
}
