import FlightCore
import Link
import SpaceLink

/// The `[link]` section: where frames go and come from, and the downlink's shape.
///
/// ```toml
/// [link]
/// downlink = ["127.0.0.1:10025", "127.0.0.1:10027"]   # one address or several (each gets every frame)
/// uplink = "127.0.0.1:10026"
/// bit_rate = 64000            # downlink, bit/s; frames are paced to it
/// frame_length = 1024         # TM transfer frame, octets
/// idle_fill = true            # idle frames on VC 7 keep a constant frame rate
///
/// [link.contact]              # passes: see ``ContactSettings`` (default: always in contact)
/// mode = "schedule"
///
/// [[link.sdls]]                # SDLS on TC virtual channels: see ``SecurityAssociationSettings``
/// spi = 1
/// virtual_channels = [0, 1]
/// key_file = "/etc/iost/keys/tc-spi1.key"
/// ```
public struct LinkSettings: Sendable {
    public var downlink: [SocketAddress]
    public var uplink: SocketAddress
    public var bitRate: Int
    public var frameLength: Int
    public var idleFill: Bool
    /// `[link.contact]`: always in contact, simulated passes, or the carrier-detect line.
    public var contact: ContactSettings
    /// `[[link.sdls]]`: the security associations of the TC uplink (empty: every VC plain).
    public var security: [SecurityAssociationSettings]

    /// The fastest downlink the daemon paces: 2 Mbit/s (an S-band testbed link). Faster rates only
    /// spend CPU on idle frames (100 Mbit/s took 70 % of a core).
    public static let maximumBitRate = 2_000_000

    /// Reads `[link]`, rejecting unknown keys.
    /// - Throws: ``ConfigurationError`` naming the line.
    public init(root: ConfigTable) throws(ConfigurationError) {
        let table = try root.table("link")
        func address(_ text: String, key: String) throws(ConfigurationError) -> SocketAddress {
            do {
                return try SocketAddress(parsing: text)
            } catch {
                throw table.error(key, "expected HOST:PORT, found \"\(text)\" (\(error))")
            }
        }
        var downlinks: [SocketAddress] = []
        if let single = try? table.optionalString("downlink") {
            downlinks = [try address(single, key: "downlink")]
        } else if table.has("downlink") {
            for text in try table.strings("downlink", default: []) { downlinks.append(try address(text, key: "downlink")) }
            guard !downlinks.isEmpty else {
                throw table.error("downlink", "expected at least one HOST:PORT (an empty list sends the telemetry nowhere)")
            }
        } else {
            downlinks = [try address("127.0.0.1:10025", key: "downlink")]
        }
        downlink = downlinks
        uplink = try address(try table.string("uplink", default: "127.0.0.1:10026"), key: "uplink")
        bitRate = try table.int("bit_rate", default: 64_000, in: 1_200...Self.maximumBitRate)
        frameLength = try table.int("frame_length", default: 1024, in: 64...2048)
        idleFill = try table.bool("idle_fill", default: true)
        contact = try ContactSettings(table: try table.table("contact"))
        security = try SecurityAssociationSettings.all(in: table)
        try table.rejectUnknownKeys()
    }
}
