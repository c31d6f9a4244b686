import Systems
import TOMLKit

extension ConfigTable {
    /// Parses TOML `text` (as if read from `path`) into a strict root table, for documents other
    /// than the vehicle configuration (simulation scenarios).
    /// - Throws: ``ConfigurationError`` with the line of a TOML syntax error.
    public static func parse(text: String, path: String) throws(ConfigurationError) -> ConfigTable {
        let document: TOMLTable
        do {
            document = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigurationError(file: path, line: error.source.begin.line, message: "not valid TOML: \(error.description)")
        } catch {
            throw ConfigurationError(file: path, message: "not valid TOML: \(error)")
        }
        return ConfigTable(table: document, source: ConfigSource(path: path, text: text), context: nil, headerLine: nil)
    }

    /// Reads and parses the TOML file at `path` into a strict root table.
    /// - Throws: ``ConfigurationError`` when the file cannot be read or is not valid TOML.
    public static func load(path: String) throws(ConfigurationError) -> ConfigTable {
        let text: String
        do {
            text = try readTextFile(atPath: path, limit: 4 << 20)
        } catch {
            throw ConfigurationError(file: path, message: "cannot read the file: \(error.message)")
        }
        return try parse(text: text, path: path)
    }
}
