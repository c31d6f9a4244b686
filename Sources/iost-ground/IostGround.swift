import ArgumentParser
import Foundation
import Ground
import HAL
import Link
import SpaceLink

/// The operator's console for iost-flight.
@main
struct IostGround: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "iost-ground",
        abstract: "Operator's console for iost-flight: live telemetry board and telecommands.",
        discussion: """
            Without a subcommand, runs the live console. Exit status of `send` and `farm`: 0 completed \
            (confirmed), 1 failure report, 2 timeout (also: no CLCW to number a type-AD frame), \
            3 FARM-1 in lockout (run `iost-ground farm unlock`); 64 usage error, 69 socket error \
            (port busy), 78 no mission database.
            """,
        subcommands: [Console.self, Send.self, Farm.self],
        defaultSubcommand: Console.self
    )
}

/// Exit statuses besides the outcome codes of `send`.
enum Status {
    /// Timed out (no final report, or no CLCW).
    static let timeout: Int32 = 2
    /// FARM-1 of the virtual channel is in Lockout.
    static let lockout: Int32 = 3
    static let usage: Int32 = 64
    static let unavailable: Int32 = 69
    static let config: Int32 = 78
}

/// Where the mission database comes from.
struct MIBOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Mission database (JSON). Default: the output of `iostd mib --config <config>`.", valueName: "file"))
    var mib: String?

    @Option(name: .long, help: ArgumentHelp("Vehicle configuration given to `iostd mib`. Default: config/sim.toml of the repository when run inside it.", valueName: "file"))
    var config: String?

    /// The database and a description of where it came from.
    func load() throws -> (MissionInformationBase, String) {
        do {
            if let mib {
                return (try MissionInformationBase(contentsOfFile: mib), mib)
            }
            let source = MIBSource(config: config)
            return try source.load()
        } catch let error as MIBError {
            Output.error("iost-ground: \(error)")
            throw ExitCode(Status.config)
        } catch let error as MIBSource.Failure {
            Output.error("iost-ground: \(error.message)")
            throw ExitCode(Status.config)
        }
    }
}

/// Parses `HOST:PORT`, exiting with a usage error naming the option.
func address(_ text: String, option: String) throws -> SocketAddress {
    do {
        return try SocketAddress(parsing: text)
    } catch {
        Output.error("iost-ground: \(option) \(text): \(error)")
        throw ExitCode(Status.usage)
    }
}

// MARK: - Live console

struct Console: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "console",
        abstract: "Receive the downlink and show the vehicle's status (the default).",
        discussion: """
            On a terminal: a full-screen board redrawn twice a second. Otherwise: one line per \
            event and verification report, and a status line every 10 s. --json: every decoded \
            packet as one JSON object per line.
            """
    )

    @Option(name: .long, help: ArgumentHelp("Downlink address to receive TM frames on.", valueName: "host:port"))
    var listen = "127.0.0.1:10025"

    @OptionGroup var mibOptions: MIBOptions

    @Flag(name: .long, help: "Print decoded packets as JSON, one per line.")
    var json = false

    @Flag(name: .long, help: "Ask the vehicle (TC[15,9], every store) for the packets of each per-APID gap still open after --fill-delay.")
    var fillGaps = false

    @Option(name: .long, help: ArgumentHelp("Uplink address for --fill-gaps requests (type-BD frames).", valueName: "host:port"))
    var uplink = "127.0.0.1:10026"

    @Option(name: .long, help: ArgumentHelp("Seconds a gap may stay open (the vehicle's own pass replay may fill it) before it is asked for.", valueName: "seconds"))
    var fillDelay: Double = 5

    func run() throws {
        let listenAddress = try address(listen, option: "--listen")
        let uplinkAddress = try address(uplink, option: "--uplink")
        var merge = DownlinkMerge()
        let (mib, source) = try mibOptions.load()
        // Only gap filling sends frames from the console (SDLS needs the key then).
        let protection = fillGaps ? try SequenceStore.protection(for: mib) : nil
        let socket: UDPSocket
        do {
            socket = try CommandExchange.listen(on: listenAddress)
        } catch {
            Output.error("iost-ground: \(error)")
            throw ExitCode(Status.unavailable)
        }
        let stop = StopSignal()
        let terminal = !json && isatty(STDOUT_FILENO) == 1
        let board = StatusBoard(colour: terminal && ProcessInfo.processInfo.environment["NO_COLOR"] == nil, utcToTAIOffset: mib.utcToTAIOffset)
        var decoder = DownlinkDecoder(mib: mib)
        var status = VehicleStatus(mib: mib)
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let clock = ContinuousClock()
        let start = clock.now
        let redrawPeriod: Duration = terminal ? .milliseconds(500) : .seconds(10)
        // The board draws at once; the log's first status line comes after one period.
        var nextRedraw = terminal ? start : start.advanced(by: redrawPeriod)
        let header = "listening on \(listenAddress)  MIB \(source)  Ctrl-C to quit"

        if terminal { Output.write(StatusBoard.enterFullScreen) }
        defer { if terminal { Output.write(StatusBoard.leaveFullScreen) } }
        if !terminal && !json { Output.write("iost-ground: \(header)\n") }

        while !stop.isSet {
            let now = clock.now
            if now >= nextRedraw {
                status.update(link: decoder.link, at: Self.seconds(now - start))
                if terminal {
                    Output.write(StatusBoard.clearScreen + board.render(status, header: header) + "\n")
                } else if !json {
                    Output.write(board.statusLine(status) + "\n")
                }
                nextRedraw = now.advanced(by: redrawPeriod)
            }
            let wait = min(nextRedraw - now, .milliseconds(100))
            let datagram: ReceivedDatagram?
            do {
                datagram = try socket.receive(into: &buffer, timeout: max(wait, .zero))
            } catch {
                if stop.isSet { break }
                if terminal { Output.write(StatusBoard.leaveFullScreen) }
                Output.error("iost-ground: \(error)")
                throw ExitCode(Status.unavailable)
            }
            if fillGaps {
                for gap in merge.takeGapsToRequest(now: Self.seconds(clock.now - start), delay: fillDelay) {
                    guard let request = DownlinkMerge.retrieval(for: gap, mib: mib) else { continue }
                    let packet = request.telecommand(apid: mib.apid, sequenceCount: SequenceStore.next()).encoded
                    let plain = TCFrame(type: .bd, spacecraftID: mib.spacecraftID, virtualChannel: 0, data: packet)
                    do {
                        let frame = try protection?.seal(plain) ?? plain.encoded
                        try socket.send(frame, to: uplinkAddress)
                        if !terminal && !json { Output.write("iost-ground: \(request.summary)\n") }
                    } catch {
                        Output.error("iost-ground: --fill-gaps: \(error)")
                    }
                }
            }
            guard let datagram else { continue }
            for packet in decoder.receive(frame: buffer[0..<datagram.count]) {
                // VC 0 and VC 1 merged: a packet replayed from the store after it came in real
                // time is shown once.
                guard merge.admit(packet, now: Self.seconds(clock.now - start)) else { continue }
                status.apply(packet)
                if json {
                    Output.write(PacketJSON.line(packet, mib: mib) + "\n")
                } else if !terminal {
                    switch packet.content {
                    case .event(let event):
                        Output.write(board.eventLine(EventEntry(time: packet.time, event: event)) + "\n")
                    case .verification(let report):
                        let outcome = VerificationOutcome(report, mib: mib)
                        Output.write(
                            UTCText.iso8601(packet.time, utcToTAIOffset: mib.utcToTAIOffset)
                                + " VERIFY apid 0x\(String(report.requestID.apid, radix: 16)) seq \(report.requestID.sequenceCount) \(outcome)\n")
                    default:
                        break
                    }
                }
            }
        }
        socket.close()
        if !terminal && !json {
            status.update(link: decoder.link, at: Self.seconds(clock.now - start))
            Output.write(board.statusLine(status) + "\n")
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

// MARK: - Telecommands

struct Send: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Send one telecommand and report its verification.",
        discussion: """
            Commands:
              ping
              mode NAME                          (BOOT NOMINAL DEGRADED SAFE EMERGENCY)
              function NAME-or-ID [ARG=VALUE…]
              hk-interval STRUCTURE SECONDS
              hk enable|disable|now STRUCTURE
              param set NAME VALUE
              param get NAME…
              event enable|disable NAME
              schedule at ISO COMMAND…          (UTC, e.g. 2026-12-03T10:00:00Z ping)
              schedule list [detail]
              schedule delete SEQ|APID:SEQ|SOURCE:APID:SEQ
              schedule shift SECONDS
              schedule enable|disable|reset
              store retrieve --from ISO --to ISO [STORE…]   (TC[15,9]: replay on VC 1)
              store summary|status|config [STORE…]
              store enable|disable|resume|suspend|abort [STORE…]
              store delete --to ISO [STORE…]
              pmon add PMON PARAM limit LOW HIGH | delta LOW HIGH N | expect VALUE [MASK]
                   [--every MS] [--repeat N] [--low-event EVENT] [--high-event EVENT]   (TC[12,5])
              pmon modify PMON PARAM …           (TC[12,7], as add without --every)
              pmon enable|disable|delete PMON…
              pmon list [PMON…] | pmon status | pmon transitions
              ea add EVENT COMMAND…              (TC[19,1]: the event releases the command)
              ea enable|disable [EVENT…] | ea delete EVENT… | ea delete-all | ea status | ea on|off
            Prints each outcome (accepted, started, completed, or failed: <code name> (<code>)) \
            and any reply (TM[17,2], TM[20,2]). Exit status: 0 completed, 1 failure report, \
            2 timeout (or, with --ad, no CLCW in time), 3 FARM-1 in lockout (a type-AD frame would be \
            discarded: `iost-ground farm unlock`), 69 socket error.
            """
    )

    @Argument(parsing: .allUnrecognized, help: "The command and its arguments.")
    var words: [String] = []

    @OptionGroup var exchange: ExchangeOptions

    @Flag(name: .long, help: "Print the outcomes and replies as JSON lines.")
    var json = false

    @Flag(name: .long, help: "Send a type-AD frame numbered with N(R) of the last CLCW (default: type-BD).")
    var ad = false

    @Option(name: .long, help: "TC virtual channel.")
    var vc: UInt8 = 0

    @Option(name: .long, help: "Packet sequence count (default: the next from ~/.local/state/iost-ground/tc-sequence).")
    var sequence: UInt16?

    @OptionGroup var mibOptions: MIBOptions

    func run() throws {
        let (uplinkAddress, listenAddress, timeoutDuration) = try exchange.resolved()
        let timeout = exchange.timeout
        guard vc <= 63 else {
            Output.error("iost-ground: --vc \(vc): a TC virtual channel is 0…63")
            throw ExitCode(Status.usage)
        }
        if let unknown = words.first(where: { $0.hasPrefix("--") && !CommandParser.commandOptions.contains($0) }) {
            Output.error("iost-ground: unknown option \(unknown)")
            throw ExitCode(Status.usage)
        }
        let (mib, _) = try mibOptions.load()
        let request: ServiceRequest
        do {
            var parser = CommandParser(mib: mib)
            // `schedule at`: the embedded TC takes its own count from the same store.
            // `ea add`: likewise, the telecommand the event releases.
            if (words.first == "schedule" && words.dropFirst().first == "at") || (words.first == "ea" && words.dropFirst().first == "add") {
                parser.embeddedSequenceCount = SequenceStore.next()
            }
            request = try parser.parse(words)
        } catch {
            Output.error("iost-ground: \(error)")
            throw ExitCode(Status.usage)
        }
        let socket: UDPSocket
        do {
            socket = try CommandExchange.listen(on: listenAddress)
        } catch {
            Output.error("iost-ground: \(error)")
            throw ExitCode(Status.unavailable)
        }
        defer { socket.close() }
        var exchange = CommandExchange(
            mib: mib, framing: UplinkFraming(spacecraftID: mib.spacecraftID, virtualChannel: vc, frameType: ad ? .ad : .bd),
            uplink: uplinkAddress, timeout: timeoutDuration)
        exchange.protection = try SequenceStore.protection(for: mib)
        let sequenceCount = sequence ?? SequenceStore.next()
        let json = self.json
        let result: ExchangeResult
        do {
            result = try exchange.run(request, sequenceCount: sequenceCount, socket: socket) { event in
                Output.write(Self.text(event, mib: mib, request: request, json: json) + "\n")
            }
        } catch .farmLockout(let vc) {
            Output.error("iost-ground: \(ExchangeError.farmLockout(virtualChannel: vc))")
            throw ExitCode(Status.lockout)
        } catch .noCLCW(let vc) {
            Output.error("iost-ground: \(ExchangeError.noCLCW(virtualChannel: vc))")
            throw ExitCode(Status.timeout)
        } catch {
            Output.error("iost-ground: \(error)")
            throw ExitCode(Status.unavailable)
        }
        if case .timedOut(let last) = result {
            let seen = last.map { "last outcome: \($0)" } ?? "no verification report"
            if json {
                Output.write("{\"event\":\"timeout\",\"timeout_s\":\(Console.seconds(timeoutDuration))}\n")
            } else {
                Output.write("timeout after \(timeout) (\(seen))\n")
            }
        }
        if result.exitCode != 0 { throw ExitCode(result.exitCode) }
    }

    static func text(_ event: ExchangeEvent, mib: MissionInformationBase, request: ServiceRequest, json: Bool) -> String {
        switch event {
        case .sent(let id, let sequenceNumber, let frame):
            if json {
                return "{\"event\":\"sent\",\"apid\":\(id.apid),\"seq\":\(id.sequenceCount),\"frame_seq\":\(sequenceNumber),\"octets\":\(frame.count)}"
            }
            return "sent \(request.summary)  (APID 0x\(String(id.apid, radix: 16)), seq \(id.sequenceCount), frame N(S) \(sequenceNumber), \(frame.count) octets)"
        case .outcome(let outcome):
            if json {
                var object: [String: Any] = ["event": "outcome", "outcome": "\(outcome)"]
                if case .failed(let stage, let code, let name, _, let detail) = outcome {
                    object["failure_detail"] = detail ?? NSNull()
                    object["outcome"] = "failed"
                    object["stage"] = stage.rawValue
                    object["failure_code"] = Int(code)
                    object["failure_name"] = name ?? NSNull()
                }
                return Output.json(object)
            }
            return "\(outcome)"
        case .reply(let packet):
            if json { return PacketJSON.line(packet, mib: mib) }
            return "reply " + Self.replyText(packet, mib: mib)
        case .replyMissing:
            return json ? "{\"event\":\"reply_missing\"}" : "warning: completed, but the expected reply did not arrive"
        }
    }

    static func replyText(_ packet: DecodedPacket, mib: MissionInformationBase? = nil) -> String {
        let type = "TM[\(packet.messageType.service),\(packet.messageType.subtype)]"
        switch packet.content {
        case .connectionTestReport:
            return "\(type) are-you-alive report"
        case .schedule(let report):
            return type + ScheduleListing.lines(report).map { "\n  " + $0 }.joined()
        case .storage(let report):
            return type + StoreListing.lines(report, mib: mib).map { "\n  " + $0 }.joined()
        case .monitoring(let report):
            return type + MonitoringListing.lines(report, mib: mib).map { "\n  " + $0 }.joined()
        case .eventActionStatus(let entries):
            return type + MonitoringListing.lines(eventActions: entries, mib: mib).map { "\n  " + $0 }.joined()
        case .parameterReport(let values), .housekeeping(_, _, let values):
            return type + values.map { "\n  \($0.name) = \(Self.valueText($0.value))\($0.unit.isEmpty ? "" : " " + $0.unit)" }.joined()
        default:
            return type
        }
    }

    static func valueText(_ value: ParameterValue) -> String {
        switch value {
        case .bool(let flag): "\(flag)"
        case .f32(let v): "\(v)"
        case .f64(let v): "\(v)"
        default: "\(Int64(value.doubleValue))"
        }
    }

    /// `5s`, `500ms`, `2.5` (seconds), `1m`.
    static func duration(_ text: String) -> Duration? {
        let units: [(String, Double)] = [("ms", 1e-3), ("s", 1), ("m", 60)]
        var number = text
        var scale = 1.0
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            number = String(text.dropLast(suffix.count))
            scale = factor
            break
        }
        guard let value = Double(number), value.isFinite, value > 0, value * scale <= 86_400 else { return nil }
        return .milliseconds(Int64((value * scale * 1000).rounded()))
    }
}

// MARK: - Support

/// Standard output and error through FileHandle (no C `stdout` global under Swift 6).
enum Output {
    static func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    static func error(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    static func json(_ object: [String: Any]) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), let text = String(data: data, encoding: .utf8) else { return "{}" }
        return text
    }
}

/// SIGINT / SIGTERM set a flag the console's loop polls (the loop wakes at least every 100 ms).
final class StopSignal: Sendable {
    private let flag = LockedValue(false)
    private let sources: LockedValue<[DispatchSourceSignal]> = LockedValue([])

    init() {
        var made: [DispatchSourceSignal] = []
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            let flag = self.flag
            source.setEventHandler { flag.withLock { $0 = true } }
            source.resume()
            made.append(source)
        }
        sources.withLock { $0 = made }
    }

    var isSet: Bool { flag.current }
}

/// The packet sequence counts of `send`, kept across runs so request IDs differ.
enum SequenceStore {
    /// `$XDG_STATE_HOME/iost-ground`, else `~/.local/state/iost-ground`: the ground's own state.
    static var directory: String { UplinkProtection.defaultStateDirectory(environment: ProcessInfo.processInfo.environment) }

    static var path: String { directory + "/tc-sequence" }

    /// SDLS for the virtual channels the mission database protects (`nil`: none), or exit 78
    /// naming the key file that cannot be used.
    static func protection(for mib: MissionInformationBase) throws -> UplinkProtection? {
        guard !mib.uplinkSecurity.isEmpty else { return nil }
        do {
            return try UplinkProtection(associations: mib.uplinkSecurity, stateDirectory: directory)
        } catch {
            Output.error("iost-ground: \(error)")
            throw ExitCode(Status.config)
        }
    }

    /// The next count (0…16383), advancing the stored one; a time-derived count if the file
    /// cannot be used.
    static func next() -> UInt16 {
        let file = path
        let stored = (try? String(contentsOfFile: file, encoding: .utf8)).flatMap { UInt16($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        let fallback = UInt16(truncatingIfNeeded: Int(Date().timeIntervalSince1970 * 10)) & 0x3FFF
        let value = stored.map { ($0 &+ 1) & 0x3FFF } ?? fallback
        let directory = (file as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try? String(value).write(toFile: file, atomically: true, encoding: .utf8)
        return value
    }
}

/// The mission database from `iostd mib`.
struct MIBSource {
    struct Failure: Error {
        var message: String
    }

    var config: String?

    func load() throws -> (MissionInformationBase, String) {
        guard let iostd = Self.findIostd() else {
            throw Failure(message: "no mission database: give --mib FILE, or put iostd next to iost-ground or on PATH (it prints one with `iostd mib`)")
        }
        var arguments = ["mib"]
        let configPath = config ?? Self.repositoryConfig()
        if let configPath { arguments += ["--config", configPath] }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: iostd)
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        do {
            try process.run()
        } catch {
            throw Failure(message: "cannot run \(iostd): \(error.localizedDescription)")
        }
        // Read both pipes fully before waiting, so a large document cannot block the child.
        let errorReader = PipeReader(err.fileHandleForReading)
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let errorText = errorReader.finish()
        let command = ([iostd] + arguments).joined(separator: " ")
        guard process.terminationStatus == 0 else {
            let reason = errorText.trimmingCharacters(in: .whitespacesAndNewlines)
            throw Failure(message: "`\(command)` failed (status \(process.terminationStatus))\(reason.isEmpty ? "" : ": " + reason); give --mib FILE instead")
        }
        do {
            return (try MissionInformationBase(json: data), "`\(command)`")
        } catch {
            throw Failure(message: "`\(command)` printed no usable mission database: \(error)")
        }
    }

    /// `iostd` next to this executable, then on PATH.
    static func findIostd() -> String? {
        let manager = FileManager.default
        if let executable = executableDirectory() {
            let candidate = executable + "/iostd"
            if manager.isExecutableFile(atPath: candidate) { return candidate }
        }
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let candidate = String(directory) + "/iostd"
            if manager.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// `config/sim.toml` of the repository this runs in (working directory or the executable's
    /// directory and its parents, where a Package.swift sits next to it), like iostd finds it.
    static func repositoryConfig() -> String? {
        let manager = FileManager.default
        var candidates: [String] = []
        var directory = manager.currentDirectoryPath
        for _ in 0..<6 {
            candidates.append(directory)
            directory = (directory as NSString).deletingLastPathComponent
        }
        if var executable = executableDirectory() {
            for _ in 0..<5 {
                candidates.append(executable)
                executable = (executable as NSString).deletingLastPathComponent
            }
        }
        for candidate in candidates {
            let path = candidate + "/config/sim.toml"
            if manager.isReadableFile(atPath: path), manager.isReadableFile(atPath: candidate + "/Package.swift") { return path }
        }
        return nil
    }

    static func executableDirectory() -> String? {
        guard let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else {
            return Bundle.main.executableURL?.deletingLastPathComponent().path
        }
        return (path as NSString).deletingLastPathComponent
    }
}

/// Reads a pipe to its end on another thread.
final class PipeReader: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var data = Data()

    init(_ handle: FileHandle) {
        DispatchQueue.global().async {
            self.data = handle.readDataToEndOfFile()
            self.done.signal()
        }
    }

    func finish() -> String {
        done.wait()
        return String(data: data, encoding: .utf8) ?? ""
    }
}

/// `iost-ground farm unlock|set-vr N`: COP-1 control commands to a TC virtual channel's FARM-1.
struct Farm: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "farm",
        abstract: "Send a FARM-1 control command (Unlock, Set V(R)) and wait for the CLCW to show it.",
        discussion: """
            Commands:
              unlock          leave Lockout (and Wait, Retransmit)
              set-vr N        set V(R) to N (0…255); not executed in Lockout: unlock first
            The command goes in a type-BC frame; its effect is read from the CLCW in the downlink's \
            operational control field. Exit status: 0 confirmed, 2 timeout, 3 FARM-1 in lockout \
            (set-vr refused), 64 usage error, 69 socket error.
            """
    )

    @Argument(help: "unlock, or set-vr followed by the new V(R).")
    var words: [String] = []

    @OptionGroup var exchange: ExchangeOptions

    @Option(name: .long, help: "TC virtual channel.")
    var vc: UInt8 = 0

    @OptionGroup var mibOptions: MIBOptions

    func run() throws {
        let command: ControlCommand
        switch words.first {
        case "unlock" where words.count == 1: command = .unlock
        case "set-vr" where words.count == 2:
            guard let value = UInt8(words[1]) else {
                Output.error("iost-ground: farm set-vr \(words[1]): expected V(R) in 0…255")
                throw ExitCode(Status.usage)
            }
            command = .setVR(value)
        default:
            Output.error("iost-ground: farm: expected `unlock` or `set-vr N`")
            throw ExitCode(Status.usage)
        }
        guard vc <= 63 else {
            Output.error("iost-ground: --vc \(vc): a TC virtual channel is 0…63")
            throw ExitCode(Status.usage)
        }
        let (uplinkAddress, listenAddress, timeoutDuration) = try exchange.resolved()
        let timeout = exchange.timeout
        let (mib, _) = try mibOptions.load()
        let socket: UDPSocket
        do {
            socket = try CommandExchange.listen(on: listenAddress)
        } catch {
            Output.error("iost-ground: \(error)")
            throw ExitCode(Status.unavailable)
        }
        defer { socket.close() }
        var control = FARMControl(mib: mib, virtualChannel: vc, uplink: uplinkAddress, timeout: timeoutDuration)
        control.protection = try SequenceStore.protection(for: mib)
        let result: FARMControlResult
        do {
            result = try control.run(command, socket: socket)
        } catch {
            Output.error("iost-ground: \(error)")
            throw ExitCode(Status.unavailable)
        }
        switch result {
        case .confirmed(let clcw): Output.write("confirmed: VC \(clcw.virtualChannel) lockout no, wait \(clcw.wait ? "yes" : "no"), V(R) \(clcw.reportValue)\n")
        case .lockedOut(let clcw): Output.write("not executed: FARM-1 of VC \(clcw.virtualChannel) is in lockout (run `iost-ground farm unlock` first)\n")
        case .timedOut(let last):
            Output.write(
                "timeout after \(timeout): " + (last.map { "last CLCW of VC \($0.virtualChannel): lockout \($0.lockout ? "yes" : "no"), V(R) \($0.reportValue)" } ?? "no CLCW for VC \(vc)") + "\n")
        }
        if result.exitCode != 0 { throw ExitCode(result.exitCode) }
    }
}

/// The addresses and the wait shared by the commands that talk to the daemon (`send`, `farm`).
struct ExchangeOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Address of the daemon's TC frame receiver.", valueName: "host:port"))
    var uplink = "127.0.0.1:10026"

    @Option(name: .long, help: ArgumentHelp("Downlink address to receive the reports and CLCWs on.", valueName: "host:port"))
    var listen = "127.0.0.1:10027"

    @Option(name: .long, help: ArgumentHelp("How long to wait for completion or a CLCW (5s, 500ms, 2.5).", valueName: "duration"))
    var timeout = "5s"

    /// The three parsed, or a usage error naming the option.
    func resolved() throws -> (uplink: SocketAddress, listen: SocketAddress, timeout: Duration) {
        let uplinkAddress = try address(uplink, option: "--uplink")
        let listenAddress = try address(listen, option: "--listen")
        guard let timeoutDuration = Send.duration(timeout) else {
            Output.error("iost-ground: --timeout \(timeout): expected a duration such as 5s, 500ms or 2.5")
            throw ExitCode(Status.usage)
        }
        return (uplinkAddress, listenAddress, timeoutDuration)
    }
}
