import Assembly
import FlightCore
import Foundation
import FrameSecurity
import HAL
import Link
import SimHardware
import SpaceLink
import Testing

/// `[link.contact]` through the assembly: the carrier-detect line on the simulated GPIO chip
/// (behind the HAL, as a real chip would be), the schedule's settings, the events and the
/// `link.*` contact parameters, and the frame counts kept in the state directory.
@Suite struct ContactAssemblyTests {
    static let shippedContact = """
        [link.contact]
        mode = "schedule"
        period_s = 300                 # from one acquisition of signal to the next
        contact_s = 120                # length of a pass
        first_aos_s = 0                # the first pass begins at start
        """

    /// config/sim.toml with its `[link.contact]` section replaced by `contact` (and a
    /// `carrier-detect` line on the simulated chip).
    static func vehicle(contact: String) throws -> VehicleConfiguration {
        let shipped = try String(contentsOfFile: repositoryRoot() + "/config/sim.toml", encoding: .utf8)
        #expect(shipped.contains(shippedContact))
        let text = shipped.replacingOccurrences(of: shippedContact, with: contact)
            .replacingOccurrences(of: "\"crew-alarm\", \"geiger\"]", with: "\"crew-alarm\", \"geiger\", \"carrier-detect\"]")
        return try VehicleConfiguration.parse(text: text, path: "contact.toml")
    }

    static func events(_ log: EventLog) -> [FlightEvent] {
        var events: [FlightEvent] = []
        log.drain { events.append($0) }
        return events
    }

    @Test func theShippedScheduleIsShortPasses() throws {
        let assembly = try VehicleAssembly(configuration: try AssemblyTests.shipped("sim.toml"), mode: .realTimeOnSimulatedBuses)
        #expect(assembly.link.contact == ContactSettings(mode: .schedule(PassSchedule(period: .seconds(300), contact: .seconds(120)))))
        let contact = try #require(assembly.contact)
        let downlink = try #require(assembly.downlink)
        // The first pass begins at start.
        #expect(downlink.pump(now: assembly.clock.now).count == 1)
        #expect(contact.isInContact && contact.passes == 1)
        let events = Self.events(assembly.threadEvents.downlink)
        #expect(events.map(\.id) == [ContactEvents.acquisitionOfSignal])
        #expect(events.first?.argumentList == [1])
        #expect(assembly.services.contactTelemetry.value(.inContact) == 1)
        #expect(assembly.services.contactTelemetry.value(.passes) == 1)
    }

    @Test func aCarrierDetectLineOnTheSimulatedChipGatesTheLink() throws {
        let configuration = try Self.vehicle(
            contact: """
                [link.contact]
                mode = "gpio"
                chip = "gpiochip0"
                line_name = "carrier-detect"
                active_low = true
                debounce_ms = 0
                """)
        let assembly = try VehicleAssembly(configuration: configuration, mode: .realTimeOnSimulatedBuses)
        let downlink = try #require(assembly.downlink)
        let uplink = try #require(assembly.uplink)
        let contact = try #require(assembly.contact)
        let chip = try #require(assembly.simulation).gpioChip(named: "gpiochip0", lines: [], devices: [])
        let line = GPIOLineID.name("carrier-detect")
        #expect(chip.isRequested(line))
        let clock = assembly.clock
        let telemetry = assembly.services.contactTelemetry

        // Active low: the electrical level high is no carrier.
        // The monitor samples at most every poll interval (20 ms): the pumps are 100 ms apart.
        let base = clock.now
        chip.setInput(line, level: true)
        #expect(downlink.pump(now: base).isEmpty)
        #expect(!contact.isInContact)
        let tc = PUSTelecommand(apid: 0x10, sequenceCount: 0, messageType: MessageType(17, 1)).encoded
        // The shipped configuration protects VC 0 with SDLS SPI 1 (the key iostd created).
        let sdls = try #require(assembly.link.security.first)
        let key = try KeyFile.load(path: sdls.keyPath(configurationPath: configuration.path, repository: nil))
        let association = SecurityAssociation(spi: sdls.spi, service: sdls.service, key: key, replayWindow: sdls.replayWindow)
        let frame = TCFrameSecurity.protect(
            TCFrame(type: .bd, spacecraftID: spacecraftID, virtualChannel: 0, data: tc), association: association, counter: SecurityCounter(low: 1))
        #expect(uplink.receive(datagram: frame[...]) == .outOfContact)
        #expect(telemetry.value(.uplinkNoContact) == 1)
        #expect(downlink.enqueue(telemetryPacketForTest(), priority: .housekeeping))
        #expect(telemetry.value(.realTimeDiscardedLOS) == 1)

        // Carrier (low level): AOS, frames, the uplink listens.
        chip.setInput(line, level: false)
        let start = base.advanced(by: .milliseconds(100))
        #expect(downlink.pump(now: start).count == 1)
        #expect(contact.isInContact && telemetry.value(.inContact) == 1 && telemetry.value(.passes) == 1)
        #expect(uplink.receive(datagram: frame[...]) == .accepted(packets: 1))

        // Carrier lost: LOS, nothing more goes down.
        chip.setInput(line, level: true)
        let later = start.advanced(by: .seconds(1))
        #expect(downlink.pump(now: later).isEmpty)
        #expect(!contact.isInContact && telemetry.value(.inContact) == 0)
        let events = Self.events(assembly.threadEvents.downlink)
        #expect(events.map(\.id) == [ContactEvents.acquisitionOfSignal, ContactEvents.lossOfSignal])
        #expect(events.last?.argumentList.first == 1)
    }

    @Test func contactSettingsAreCheckedAtTheirLine() throws {
        func error(_ contact: String) throws -> ConfigurationError? {
            do {
                _ = try VehicleAssembly(configuration: try Self.vehicle(contact: contact), mode: .realTimeOnSimulatedBuses)
                return nil
            } catch AssemblyError.configuration(let error) {
                return error
            }
        }
        let longPass = try #require(try error("[link.contact]\nmode = \"schedule\"\nperiod_s = 10\ncontact_s = 20"))
        #expect(longPass.key == "contact_s")
        let wrongKey = try #require(try error("[link.contact]\nmode = \"schedule\"\nperiod_s = 10\ncontact_s = 2\nchip = \"gpiochip0\""))
        #expect(wrongKey.key == "chip")
        let badMode = try #require(try error("[link.contact]\nmode = \"sometimes\""))
        #expect(badMode.key == "mode")
        let noBus = try #require(try error("[link.contact]\nmode = \"gpio\"\nchip = \"gpiochip9\"\nline = 3"))
        #expect(noBus.message.contains("gpiochip9"))
        let notGPIO = try #require(try error("[link.contact]\nmode = \"gpio\"\nchip = \"rs485-1\"\nline = 3"))
        #expect(notGPIO.message.contains("not a GPIO chip"))
        #expect(try error("[link.contact]\nmode = \"always\"") == nil)
    }

    @Test func frameCountsAreKeptInTheStateDirectory() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("iost-contact-assembly-\(getpid())").path
        try? FileManager.default.removeItem(atPath: directory)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let configuration = try Self.vehicle(contact: "[link.contact]\nmode = \"always\"")
        let options = AssemblyOptions(stateDirectory: directory)
        let first = try VehicleAssembly(configuration: configuration, mode: .realTimeOnSimulatedBuses, options: options)
        #expect(Self.events(first.threadEvents.downlink).map(\.id) == [ContactEvents.frameCountsMissing])
        #expect(first.contact == nil && first.services.contactTelemetry.value(.inContact) == 1)
        let downlink = try #require(first.downlink)
        let clock = first.clock
        let start = clock.now
        var sent = 0
        for slot in 0..<5 { sent += downlink.pump(now: start.advanced(by: .milliseconds(128 * slot))).count }
        #expect(sent == 5)
        try downlink.recordFrameCounts()

        let second = try VehicleAssembly(configuration: configuration, mode: .realTimeOnSimulatedBuses, options: options)
        let events = Self.events(second.threadEvents.downlink)
        #expect(events.map(\.id) == [ContactEvents.frameCountsRestored])
        #expect(events.first?.argumentList == [5, 0, 0]) // MC 5 next; VC 0 and 1 unused (idle frames on VC 7)
        let frame = try #require(second.downlink?.pump(now: clock.now).first)
        #expect(try TMFrame.decode(frame[...], configuration: TMFrameConfiguration(spacecraftID: spacecraftID, frameLength: frame.count)).header.masterChannelFrameCount == 5)
    }
}

/// The spacecraft ID of config/sim.toml (`[telemetry] spacecraft_id`, the default).
private let spacecraftID: UInt16 = 42

/// A small valid telemetry space packet.
func telemetryPacketForTest() -> [UInt8] {
    SpacePacket(type: .telemetry, apid: 0x20, sequenceCount: 0, dataField: [UInt8](repeating: 0xAB, count: 20)).encoded
}
