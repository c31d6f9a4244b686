#if canImport(Glibc)
    import Glibc
#endif
import Logging
import Systems

/// A swift-log handler writing one line per event to standard error, ready for the journal.
///
/// Under systemd, standard error is a stream to journald, which reads a leading `<N>` on each
/// line as the syslog priority of that line (the `sd-daemon.h` convention: `<3>` error, `<4>`
/// warning, `<6>` info, `<7>` debug). So when standard error is not a terminal each line starts
/// with the priority, and `journalctl -p warning -u iostd` works; on a terminal the line starts
/// with a short level word instead. Metadata follows the message as `key=value`, sorted by key;
/// values with spaces, quotes or `=` are quoted.
///
/// One event is one line: newlines inside a message or a value are escaped (`\n`), so journald
/// never splits an event into entries with no priority. Each line goes out in a single `write(2)`,
/// which the kernel keeps whole on a pipe or socket for lines up to `PIPE_BUF` (4096 bytes) even
/// when several threads log at once.
public struct JournalLogHandler: LogHandler {
    /// How a line starts.
    public enum Style: Equatable, Sendable {
        /// `<N>` syslog priority, for journald (standard error is a pipe, socket or file).
        case journal
        /// A short level word, for a person at a terminal.
        case terminal

        /// `.terminal` when `fileDescriptor` is a terminal, `.journal` otherwise.
        public static func detect(fileDescriptor: Int32 = STDERR_FILENO) -> Style {
            isatty(fileDescriptor) == 1 ? .terminal : .journal
        }
    }

    /// The logger's label, printed before the message (e.g. `iostd.executive`).
    public let label: String
    /// The line style.
    public let style: Style
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let fileDescriptor: Int32

    /// A handler for one logger.
    ///
    /// - Parameters:
    ///   - label: the logger's label.
    ///   - style: the line style (see ``Style/detect(fileDescriptor:)``).
    ///   - logLevel: the least severe level written.
    ///   - fileDescriptor: where lines go; standard error by default.
    ///   - metadataProvider: contributes metadata to every event (e.g. the current mode).
    public init(
        label: String,
        style: Style,
        logLevel: Logger.Level = .info,
        fileDescriptor: Int32 = STDERR_FILENO,
        metadataProvider: Logger.MetadataProvider? = nil
    ) {
        self.label = label
        self.style = style
        self.logLevel = logLevel
        self.fileDescriptor = fileDescriptor
        self.metadataProvider = metadataProvider
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let eventMetadata = event.metadata { merged.merge(eventMetadata) { _, new in new } }
        if let error = event.error { merged["error"] = .string("\(error)") }
        let line = Self.format(level: event.level, label: label, message: event.message.description, metadata: merged, style: style)
        Self.write(line, to: fileDescriptor)
    }

    /// The syslog priority for a swift-log level (`critical` 2 … `debug`/`trace` 7).
    public static func syslogPriority(_ level: Logger.Level) -> Int {
        switch level {
        case .critical: 2
        case .error: 3
        case .warning: 4
        case .notice: 5
        case .info: 6
        case .debug, .trace: 7
        }
    }

    /// The short level word of the terminal style.
    public static func levelWord(_ level: Logger.Level) -> String {
        switch level {
        case .critical: "crit"
        case .error: "error"
        case .warning: "warn"
        case .notice: "notice"
        case .info: "info"
        case .debug: "debug"
        case .trace: "trace"
        }
    }

    /// One log line, with its trailing newline.
    ///
    /// Journal: `<6>iostd.link: link up peer=10.0.0.2:10025`.
    /// Terminal: `info   iostd.link: link up peer=10.0.0.2:10025` (level word padded to 6).
    public static func format(
        level: Logger.Level,
        label: String,
        message: String,
        metadata: Logger.Metadata,
        style: Style
    ) -> String {
        var line: String
        switch style {
        case .journal:
            line = "<\(syslogPriority(level))>"
        case .terminal:
            let word = levelWord(level)
            line = word + String(repeating: " ", count: max(1, 7 - word.count))
        }
        line += label
        line += ": "
        line += escapedMessage(message)
        for key in metadata.keys.sorted() {
            guard let value = metadata[key] else { continue }
            line += " "
            line += key
            line += "="
            line += quotedIfNeeded(render(value))
        }
        line += "\n"
        return line
    }

    private static func render(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let string): string
        case .stringConvertible(let convertible): convertible.description
        case .array(let values): "[" + values.map(render).joined(separator: ",") + "]"
        case .dictionary(let dictionary):
            "{" + dictionary.keys.sorted().map { "\($0):\(dictionary[$0].map(render) ?? "")" }.joined(separator: ",") + "}"
        }
    }

    /// The message with line breaks escaped, so an event stays one line.
    static func escapedMessage(_ message: String) -> String {
        guard message.utf8.contains(where: { $0 == 0x0A || $0 == 0x0D }) else { return message }
        var escaped = ""
        for character in message.unicodeScalars {
            switch character {
            case "\n": escaped += "\\n"
            case "\r": escaped += "\\r"
            default: escaped.unicodeScalars.append(character)
            }
        }
        return escaped
    }

    /// A metadata value as is when it is one plain word, otherwise quoted as a JSON string
    /// (`\"`, `\\`, `\n`, control characters as `\u00XX`).
    static func quotedIfNeeded(_ value: String) -> String {
        let needsQuotes =
            value.isEmpty
            || value.unicodeScalars.contains { scalar in
                scalar == " " || scalar == "=" || scalar == "\"" || scalar == "\\" || scalar.value < 0x20 || scalar.value == 0x7F
            }
        guard needsQuotes else { return value }
        // One escaper for the project: a JSON string literal is a valid quoted logfmt value.
        return jsonQuoted(value)
    }

    /// Writes `line` with one `write(2)` (more only if the kernel takes part of a long line;
    /// interrupted writes are retried by Systems' `writeAll`).
    /// A line that cannot be written is dropped: logging must never stop the daemon.
    static func write(_ line: String, to fileDescriptor: Int32) {
        try? writeAll(line, to: fileDescriptor)
    }
}

/// Process-wide logging setup for the daemon.
public enum DaemonLogging {
    /// Installs ``JournalLogHandler`` as swift-log's handler factory.
    ///
    /// - Parameters:
    ///   - level: the least severe level written, for every logger.
    ///   - style: nil to detect it from standard error (terminal or not).
    ///   - metadataProvider: contributes metadata to every event.
    /// - Warning: swift-log allows one bootstrap per process; call this once, early in `main`,
    ///   before any `Logger` is made (a logger keeps the handler it was made with).
    public static func bootstrap(
        level: Logger.Level = .info,
        style: JournalLogHandler.Style? = nil,
        metadataProvider: Logger.MetadataProvider? = nil
    ) {
        let chosen = style ?? JournalLogHandler.Style.detect()
        LoggingSystem.bootstrap(
            { label, provider in
                JournalLogHandler(label: label, style: chosen, logLevel: level, metadataProvider: provider)
            }, metadataProvider: metadataProvider)
    }
}
