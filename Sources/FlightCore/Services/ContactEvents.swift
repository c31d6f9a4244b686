/// Events of passes and of the downlink's frame counts (range 0x0B00–0x0B3F), raised on the
/// downlink's thread (``EventLog`` of the assembly's thread events) or at start-up.
public enum ContactEvents: EventDefinitionProvider {
    public static let acquisitionOfSignal = EventID(0x0B00)
    public static let lossOfSignal = EventID(0x0B01)
    public static let frameCountsRestored = EventID(0x0B02)
    public static let frameCountsMissing = EventID(0x0B03)
    public static let frameCountsInvalid = EventID(0x0B04)
    public static let frameCountsWriteFailed = EventID(0x0B05)
    public static let frameCountsWriteRecovered = EventID(0x0B06)
    public static let contactSourceFailed = EventID(0x0B07)

    public static var eventDefinitions: [EventDefinition] {
        [
            EventDefinition(
                acquisitionOfSignal, "acquisition_of_signal", .informative, arguments: ["pass number"],
                "a ground station hears the vehicle: the downlink transmits and the uplink listens"),
            EventDefinition(
                lossOfSignal, "loss_of_signal", .informative, arguments: ["pass number", "pass duration s"],
                "the pass ended: no frames go down, received TC frames are discarded, real-time TM is only stored"),
            EventDefinition(
                frameCountsRestored, "frame_counts_restored", .informative, arguments: ["master channel count", "VC 0 count", "VC 1 count"],
                "the downlink's frame counts continue from the state directory's reservation"),
            EventDefinition(
                frameCountsMissing, "frame_counts_missing", .low,
                "no frame-counts file in the state directory (a first start): frame counts start at 0"),
            EventDefinition(
                frameCountsInvalid, "frame_counts_invalid", .low, arguments: ["reason (1 size, 2 magic, 3 version, 4 CRC, 5 unreadable)", "errno"],
                "the frame-counts file is damaged, foreign or unreadable: frame counts start at 0"),
            EventDefinition(
                frameCountsWriteFailed, "frame_counts_write_failed", .medium, arguments: ["errno"],
                "the frame-count reservation could not be written; frames go on, retried every second"),
            EventDefinition(
                frameCountsWriteRecovered, "frame_counts_write_recovered", .informative,
                "the frame-count reservation was written again"),
            EventDefinition(
                contactSourceFailed, "contact_source_failed", .low, arguments: ["read errors"],
                "the carrier-detect line could not be read; the contact state is held"),
        ]
    }
}
