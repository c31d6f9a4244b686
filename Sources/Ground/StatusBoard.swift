import SpaceLink

/// Renders a ``VehicleStatus`` as text: the full-screen board for a terminal, and one-line
/// summaries for logs. Pure: the caller writes the text.
public struct StatusBoard: Sendable {
    /// Whether to use ANSI colours.
    public var colour: Bool
    public var utcToTAIOffset: Int64

    public init(colour: Bool, utcToTAIOffset: Int64 = CUCTime.defaultUTCToTAIOffset) {
        self.colour = colour
        self.utcToTAIOffset = utcToTAIOffset
    }

    /// ANSI: clear the screen and move home.
    public static let clearScreen = "\u{1B}[H\u{1B}[2J"
    /// ANSI: switch to the alternate screen and hide the cursor.
    public static let enterFullScreen = "\u{1B}[?1049h\u{1B}[?25l"
    /// ANSI: show the cursor and return to the normal screen.
    public static let leaveFullScreen = "\u{1B}[?25h\u{1B}[?1049l"

    private enum Colour: String {
        case red = "31", green = "32", yellow = "33", blue = "34", magenta = "35", cyan = "36", bold = "1", dim = "2"
    }

    private func paint(_ text: String, _ colour: Colour?) -> String {
        guard self.colour, let colour else { return text }
        return "\u{1B}[\(colour.rawValue)m\(text)\u{1B}[0m"
    }

    // MARK: Board

    /// The whole board (without the clear-screen prefix), lines joined by `\n`.
    ///
    /// - Parameter header: text for the first line after the title (listen address, MIB source).
    public func render(_ status: VehicleStatus, header: String = "") -> String {
        var lines: [String] = []
        let last = status.lastPacketTime.map { UTCText.iso8601($0, utcToTAIOffset: utcToTAIOffset) } ?? "no telemetry yet"
        let vehicle = status.mib.vehicle.isEmpty ? "" : "  \(status.mib.vehicle)"
        lines.append(paint("iost-ground", .bold) + vehicle + "  APID 0x\(String(status.mib.apid, radix: 16))  SCID \(status.mib.spacecraftID)  last TM \(last)")
        if !header.isEmpty { lines.append(paint(header, .dim)) }
        lines.append("")

        let mode = status.modeName ?? "—"
        lines.append(label("MODE") + paint(mode, modeColour(status.modeValue)))

        let ls = status.lifeSupport
        lines.append(
            label("LIFE SUPPORT")
                + [
                    "ppO2 " + Self.format(ls.ppO2kPa, 1, "kPa"),
                    "O2 " + Self.format(ls.o2Percent, 1, "%"),
                    "CO2 " + Self.format(ls.co2ppm, 0, "ppm"),
                    "ppCO2 " + Self.format(ls.ppCO2mmHg, 1, "mmHg"),
                    "T " + Self.format(ls.temperatureC, 1, "°C"),
                    "P " + Self.format(ls.pressurekPa, 1, "kPa"),
                    "RH " + Self.format(ls.humidityPercent, 0, "%"),
                ].joined(separator: "  "))
        lines.append(
            label("")
                + [
                    "scrubber stage " + Self.format(ls.scrubberStage, 0, ""),
                    "O2 valve " + Self.onOff(ls.o2Valve),
                    "heater " + Self.heater(ls.heater),
                ].joined(separator: "  "))

        let power = status.power
        lines.append(
            label("POWER")
                + [
                    "SoC " + Self.format(power.socPercent, 1, "%"),
                    "battery " + Self.format(power.batteryVoltage, 2, "V") + " " + Self.format(power.batteryCurrent, 2, "A", signed: true),
                    "array " + Self.format(power.arrayPowerW, 0, "W"),
                    power.eclipse.map { $0 ? paint("ECLIPSE", .blue) : "sunlit" } ?? "eclipse —",
                    "shed level " + Self.format(power.shedLevel, 0, ""),
                ].joined(separator: "  "))

        let attitude = status.attitude
        let quaternion = attitude.quaternion.map { Self.format($0, 4, "", signed: true) }.joined(separator: " ")
        let rates = attitude.rates.map { Self.format($0.map { $0 * 1000 }, 2, "", signed: true) }.joined(separator: " ")
        let tracking = attitude.tracking.map { $0 ? paint("tracking", .green) : paint("NOT TRACKING", .yellow) } ?? "tracking —"
        let stars = attitude.starsTracked.map { $0.isFinite ? " (\(Int($0)) stars)" : "" } ?? ""
        lines.append(label("ATTITUDE") + "q [\(quaternion)]  \(tracking)\(stars)  rates [\(rates)] mrad/s")

        let radiation = status.radiation
        lines.append(label("RADIATION") + "count rate " + Self.format(radiation.countsPerMinute, 0, "CPM") + "  dose rate " + Self.format(radiation.doseRateMicrosievertPerHour, 3, "µSv/h"))

        let executive = status.executive
        let healthy = executive.healthy.map { $0 ? paint("healthy", .green) : paint("UNHEALTHY", .red) } ?? "health —"
        lines.append(label("EXECUTIVE") + "p99 latency " + Self.format(executive.latencyP99Microseconds, 0, "µs") + "  slips " + Self.format(executive.slips, 0, "") + "  " + healthy)

        lines.append("")
        lines.append(label("EVENTS") + (status.events.isEmpty ? "none yet" : "last \(status.events.count)"))
        for entry in status.events.reversed() {
            lines.append("  " + eventText(entry))
        }

        lines.append("")
        lines.append(label("COMMANDS") + (status.verifications.isEmpty ? "no verification reports yet" : "last \(status.verifications.count) reports"))
        for entry in status.verifications.reversed() {
            let outcome = "\(entry.outcome)"
            lines.append(
                "  " + UTCText.timeOfDay(entry.time, utcToTAIOffset: utcToTAIOffset) + "  APID 0x\(String(entry.request.apid, radix: 16)) seq \(entry.request.sequenceCount)  "
                    + paint(outcome, entry.outcome.isFailure ? .red : (entry.outcome == .completed ? .green : nil)))
        }

        lines.append("")
        let link = status.link
        let frames = link.frames
        let rate = status.frameRate.map { " (" + Self.fixed($0, 1) + "/s)" } ?? ""
        let gaps = frames.masterChannelFramesLost
        lines.append(
            label("LINK")
                + [
                    "frames \(frames.framesAccepted)\(rate)",
                    "gaps " + (gaps > 0 ? paint("\(gaps)", .yellow) : "0"),
                    "FECF errors " + (frames.badCRC > 0 ? paint("\(frames.badCRC)", .red) : "0"),
                    "rejected \(frames.framesRejected)",
                    "idle \(frames.idleFrames)",
                    "packets \(link.packets)",
                    "packet errors \(link.packetErrorCount)",
                ].joined(separator: "  "))
        let services = link.servicePackets.keys.sorted().map { "\($0):\(link.servicePackets[$0] ?? 0)" }.joined(separator: " ")
        lines.append(label("") + "per service " + (services.isEmpty ? "—" : services) + "  dropped on gap \(frames.packetsDroppedOnGap)")
        if link.clcwByVirtualChannel.isEmpty {
            lines.append(label("CLCW") + "none received")
        } else {
            for vc in link.clcwByVirtualChannel.keys.sorted() {
                guard let clcw = link.clcwByVirtualChannel[vc] else { continue }
                lines.append(label(vc == link.clcwByVirtualChannel.keys.min() ? "CLCW" : "") + clcwText(clcw))
            }
        }
        return lines.joined(separator: "\n")
    }

    /// One CLCW: `VC 0  lockout no  wait no  retransmit no  V(R) 12`.
    public func clcwText(_ clcw: CLCW) -> String {
        func flag(_ name: String, _ set: Bool, _ colour: Colour) -> String { name + " " + (set ? paint("YES", colour) : "no") }
        return "VC \(clcw.virtualChannel)  "
            + [
                flag("lockout", clcw.lockout, .red), flag("wait", clcw.wait, .yellow), flag("retransmit", clcw.retransmit, .yellow),
                "V(R) \(clcw.reportValue)", "FARM-B \(clcw.farmBCounter)",
            ].joined(separator: "  ") + (clcw.noRFAvailable || clcw.noBitLock ? "  " + paint("no RF/bit lock", .red) : "")
    }

    /// One event: `12:00:01  high    co2_alarm  co2_ppm=5012 limit=5000`.
    public func eventText(_ entry: EventEntry) -> String {
        let event = entry.event
        let severity = Self.padded(event.severityName, 6)
        let name = event.name ?? "event 0x" + String(event.id, radix: 16)
        var text = UTCText.timeOfDay(entry.time, utcToTAIOffset: utcToTAIOffset) + "  " + paint(severity, severityColour(event.severity)) + "  " + name
        let arguments = event.arguments.enumerated().map { "\($1.name)=\(event.valueText($0, number: Self.number))" }.joined(separator: ", ")
        if !arguments.isEmpty { text += "  " + arguments }
        if !event.undecodedAuxiliaryData.isEmpty { text += "  data 0x" + PacketJSON.hex(event.undecodedAuxiliaryData) }
        return text
    }

    // MARK: Lines for logs

    /// One line for an event, prefixed with its UTC time.
    public func eventLine(_ entry: EventEntry) -> String {
        let event = entry.event
        let name = event.name ?? "event 0x" + String(event.id, radix: 16)
        var text = UTCText.iso8601(entry.time, utcToTAIOffset: utcToTAIOffset) + " EVENT \(event.severityName) \(name)"
        let arguments = event.arguments.enumerated().map { "\($1.name)=\(event.valueText($0, number: Self.number))" }.joined(separator: ", ")
        if !arguments.isEmpty { text += " " + arguments }
        return text
    }

    /// A one-line status summary.
    public func statusLine(_ status: VehicleStatus) -> String {
        let time = status.lastPacketTime.map { UTCText.iso8601($0, utcToTAIOffset: utcToTAIOffset) } ?? "-"
        let ls = status.lifeSupport
        let power = status.power
        let frames = status.link.frames
        let rate = status.frameRate.map { Self.fixed($0, 1) + "/s" } ?? "-"
        let vr = status.link.clcwByVirtualChannel[0].map { "\($0.reportValue)" } ?? "-"
        return "\(time) STATUS mode \(status.modeName ?? "-")"
            + " ppO2 \(Self.format(ls.ppO2kPa, 1, "kPa")) CO2 \(Self.format(ls.co2ppm, 0, "ppm")) ppCO2 \(Self.format(ls.ppCO2mmHg, 1, "mmHg")) SoC \(Self.format(power.socPercent, 1, "%"))"
            + " frames \(frames.framesAccepted) (\(rate)) gaps \(frames.masterChannelFramesLost) fecf_errors \(frames.badCRC) idle \(frames.idleFrames)"
            + " packets \(status.link.packets) V(R) \(vr)"
    }

    // MARK: Formatting

    private func label(_ text: String) -> String {
        paint(Self.padded(text, 14), .bold)
    }

    private func modeColour(_ value: Int?) -> Colour? {
        switch value {
        case 0: .cyan // BOOT
        case 1: .green // NOMINAL
        case 2: .yellow // DEGRADED
        case 3: .magenta // SAFE
        case 4: .red // EMERGENCY
        default: nil
        }
    }

    private func severityColour(_ severity: EventSeverity) -> Colour? {
        switch severity {
        case .informative: nil
        case .low: .cyan
        case .medium: .yellow
        case .high: .red
        }
    }

    /// `—` when never reported, `n/a` when reported unusable (NaN), else the value with `digits`
    /// decimals and the unit.
    static func format(_ value: Double?, _ digits: Int, _ unit: String, signed: Bool = false) -> String {
        guard let value else { return "—" }
        guard value.isFinite else { return "n/a" }
        let text = (signed && value >= 0 ? "+" : "") + fixed(value, digits)
        return unit.isEmpty ? text : text + " " + unit
    }

    static func padded(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    static func onOff(_ value: Double?) -> String {
        guard let value else { return "—" }
        guard value.isFinite else { return "n/a" }
        return value != 0 ? "open" : "closed"
    }

    static func heater(_ value: Double?) -> String {
        guard let value else { return "—" }
        guard value.isFinite else { return "n/a" }
        if value == 0 { return "off" }
        return value == 1 ? "on" : fixed(value * 100, 0) + " %"
    }

    /// A number without needless decimals (integers as integers, others with up to 4 significant decimals).
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return value.isNaN ? "nan" : (value > 0 ? "inf" : "-inf") }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        var text = fixed(value, 4)
        while text.hasSuffix("0") { text.removeLast() }
        return text
    }

    /// `value` with exactly `digits` decimals, rounded half away from zero.
    static func fixed(_ value: Double, _ digits: Int) -> String {
        guard value.isFinite else { return "n/a" }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let scaled = (abs(value) * scale).rounded()
        guard scaled < 9e15 else { return String(value) }
        let integer = Int64(scaled)
        let whole = integer / Int64(scale)
        let fraction = integer % Int64(scale)
        let sign = value < 0 && integer != 0 ? "-" : ""
        guard digits > 0 else { return sign + String(whole) }
        let fractionText = String(fraction)
        return sign + String(whole) + "." + String(repeating: "0", count: digits - fractionText.count) + fractionText
    }
}
