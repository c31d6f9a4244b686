/// A configuration file that cannot be used, with where and why.
///
/// The description names the file, the line (when it can be found), the key and what was
/// expected, e.g. `config/sim.toml:14: device "cabin-env": key "address": expected an integer
/// in 0x03...0x77, found "0x76"`. `iostd` exits with status 78 (EX_CONFIG) on it, before
/// starting anything.
public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    /// Where in the document: `device "cabin-env"`, `bus "i2c-1"`, `executive`.
    public var context: String?
    public var key: String?
    public var message: String

    public init(file: String, line: Int? = nil, context: String? = nil, key: String? = nil, message: String) {
        self.file = file
        self.line = line
        self.context = context
        self.key = key
        self.message = message
    }

    public var description: String {
        var text = file
        if let line { text += ":\(line)" }
        text += ": "
        if let context { text += context + ": " }
        if let key { text += "key \"\(key)\": " }
        return text + message
    }
}
