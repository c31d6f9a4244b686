import FlightCore
import HAL
import Link

/// The `[link.contact]` section: how the link knows whether a ground station hears the vehicle.
///
/// ```toml
/// [link.contact]
/// mode = "always"        # default: plain UDP, always in contact
///
/// [link.contact]
/// mode = "schedule"      # simulated passes
/// period_s = 5700        # from one acquisition of signal to the next
/// contact_s = 600        # length of a pass
/// first_aos_s = 0        # first acquisition after start
///
/// [link.contact]
/// mode = "gpio"          # the radio's carrier-detect output
/// chip = "gpiochip0"     # a [[bus]] of kind "gpio" (or "sim-gpio")
/// line = 12              # or line_name = "CARRIER_DETECT"
/// active_low = false
/// debounce_ms = 50
/// ```
///
/// Keys of another mode are refused as unknown.
public struct ContactSettings: Sendable, Equatable {
    /// The carrier-detect line of `mode = "gpio"`.
    public struct CarrierDetect: Sendable, Equatable {
        /// The `[[bus]]` the line is on.
        public var bus: String
        public var line: GPIOLineID
        public var activeLow: Bool
        public var debounce: Duration
    }

    public enum Mode: Sendable, Equatable {
        /// Always in contact (today's plain UDP link).
        case always
        /// Passes from the carrier-detect line.
        case gpio(CarrierDetect)
        /// Simulated passes.
        case schedule(PassSchedule)
    }

    public var mode: Mode

    public init(mode: Mode = .always) {
        self.mode = mode
    }

    /// Reads `[link.contact]` (missing: always in contact), rejecting unknown keys.
    /// - Throws: ``ConfigurationError`` naming the line.
    public init(table: ConfigTable) throws(ConfigurationError) {
        let name = try table.string("mode", default: "always")
        switch name {
        case "always":
            mode = .always
        case "schedule":
            let period = try table.double("period_s", in: 1...1_000_000)
            let contact = try table.double("contact_s", in: 0.1...1_000_000)
            let first = try table.double("first_aos_s", default: 0, in: 0...1_000_000)
            guard contact <= period else {
                throw table.error("contact_s", "a pass (\(contact) s) cannot be longer than the period (\(period) s)")
            }
            mode = .schedule(PassSchedule(period: Self.seconds(period), contact: Self.seconds(contact), firstAcquisition: Self.seconds(first)))
        case "gpio":
            let bus = try table.string("chip")
            let line: GPIOLineID
            if table.has("line_name") {
                line = .name(try table.string("line_name"))
            } else {
                line = .offset(UInt32(try table.int("line", in: 0...1023)))
            }
            let activeLow = try table.bool("active_low", default: false)
            let debounce = try table.int("debounce_ms", default: 50, in: 0...10_000)
            mode = .gpio(CarrierDetect(bus: bus, line: line, activeLow: activeLow, debounce: .milliseconds(debounce)))
        default:
            throw table.error("mode", "expected \"always\", \"schedule\" or \"gpio\", found \"\(name)\"")
        }
        try table.rejectUnknownKeys()
    }

    private static func seconds(_ value: Double) -> Duration { .nanoseconds(Int64((value * 1e9).rounded())) }
}
