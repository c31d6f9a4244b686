import Foundation
import Logging
import Testing
@testable import Daemon

@Suite("JournalLogHandler")
struct JournalLogHandlerTests {
    @Test("swift-log levels map to syslog priorities (sd-daemon.h)")
    func priorities() {
        let expected: [(Logger.Level, Int)] = [
            (.critical, 2), (.error, 3), (.warning, 4), (.notice, 5), (.info, 6), (.debug, 7), (.trace, 7),
        ]
        for (level, priority) in expected {
            #expect(JournalLogHandler.syslogPriority(level) == priority, "\(level)")
        }
    }

    @Test("Journal style: <N> prefix, label, message, sorted key=value, quoted when needed")
    func journalLine() {
        let line = JournalLogHandler.format(
            level: .error, label: "iostd.link", message: "link down",
            metadata: ["reason": "no frames for 5 s", "peer": "10.0.0.2:10025", "vc": .stringConvertible(1)],
            style: .journal
        )
        #expect(line == "<3>iostd.link: link down peer=10.0.0.2:10025 reason=\"no frames for 5 s\" vc=1\n")
        #expect(JournalLogHandler.format(level: .warning, label: "x", message: "m", metadata: [:], style: .journal) == "<4>x: m\n")
        #expect(JournalLogHandler.format(level: .trace, label: "x", message: "m", metadata: [:], style: .journal) == "<7>x: m\n")
    }

    @Test("Terminal style: a short level word instead of the priority")
    func terminalLine() {
        #expect(
            JournalLogHandler.format(level: .info, label: "iostd", message: "ready", metadata: ["mode": "nominal"], style: .terminal)
                == "info   iostd: ready mode=nominal\n")
        #expect(
            JournalLogHandler.format(level: .critical, label: "iostd", message: "m", metadata: [:], style: .terminal)
                == "crit   iostd: m\n")
        #expect(
            JournalLogHandler.format(level: .notice, label: "iostd", message: "m", metadata: [:], style: .terminal)
                == "notice iostd: m\n")
    }

    @Test("An event stays one line: newlines escaped in the message and in values")
    func oneLine() {
        let line = JournalLogHandler.format(
            level: .error, label: "cfg", message: "bad config\nline 3",
            metadata: ["detail": "a\"b\\c\nd", "empty": "", "list": .array(["a", "b"])], style: .journal
        )
        #expect(line == #"<3>cfg: bad config\nline 3 detail="a\"b\\c\nd" empty="" list=[a,b]"# + "\n")
        #expect(line.filter { $0 == "\n" }.count == 1)
    }

    @Test("Through a Logger into a pipe: handler, provider and call metadata merged, one write per line")
    func throughPipe() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]) }
        #expect(JournalLogHandler.Style.detect(fileDescriptor: fds[1]) == .journal)

        let provider = Logger.MetadataProvider { ["mode": "safe"] }
        var logger = Logger(label: "iostd.test") { label in
            JournalLogHandler(label: label, style: .journal, logLevel: .info, fileDescriptor: fds[1], metadataProvider: provider)
        }
        logger[metadataKey: "unit"] = "exec"
        logger.debug("not written: below the level")
        logger.warning("deadline missed", metadata: ["group": "10Hz", "mode": "nominal"])
        logger.info("second")
        close(fds[1])

        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1024)
        while true {
            let count = read(fds[0], &buffer, buffer.count)
            if count <= 0 { break }
            bytes += buffer[..<count]
        }
        let text = String(decoding: bytes, as: UTF8.self)
        // The call's metadata wins over the provider's.
        #expect(text == "<4>iostd.test: deadline missed group=10Hz mode=nominal unit=exec\n<6>iostd.test: second mode=safe unit=exec\n")
    }

    @Test("A terminal is detected as one (a pseudo-terminal master)")
    func detectTerminal() throws {
        let master = open("/dev/ptmx", O_RDWR | O_NOCTTY)
        try #require(master >= 0, "/dev/ptmx: errno \(errno)")
        defer { close(master) }
        #expect(JournalLogHandler.Style.detect(fileDescriptor: master) == .terminal)
    }
}
