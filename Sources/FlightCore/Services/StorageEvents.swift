/// The onboard packet stores' events (0x0900–0x093F) and those of storage and retrieval (ST[15],
/// 0x0940–0x097F), raised on the telemetry thread (which owns the stores) through its own event
/// log. A store is named by its ST[15] store ID: the position of its `[[store]]` table, from 1
/// (1 for the default store `all`).
public enum StorageEvents: EventDefinitionProvider {
    public static let recovered = EventID(0x0900)
    public static let fillHigh = EventID(0x0901)
    public static let full = EventID(0x0902)
    public static let writeFailed = EventID(0x0903)
    public static let openFailed = EventID(0x0904)
    public static let sequenceCountsFallback = EventID(0x0905)
    public static let sequenceCountsWriteFailed = EventID(0x0906)
    public static let retrievalCompleted = EventID(0x0940)
    public static let retrievalAborted = EventID(0x0941)

    public static var eventDefinitions: [EventDefinition] {
        [
            EventDefinition(
                recovered, "store_recovered", .informative,
                arguments: ["store ID", "records recovered", "octets truncated (torn or corrupt tail)", "segments set aside as damaged"],
                "A packet store was opened and scanned at start; a nonzero truncation is the unsynced tail of a crash."),
            EventDefinition(
                fillHigh, "store_fill_high", .low, arguments: ["store ID", "fill (%)"],
                "A packet store reached 80 % of its capacity."),
            EventDefinition(
                full, "store_full", .medium, arguments: ["store ID", "policy (0 circular: overwriting the oldest, 1 bounded: refusing)"],
                "A packet store is full."),
            EventDefinition(
                writeFailed, "store_write_failed", .medium, arguments: ["store ID", "errno", "records lost so far"],
                "Writing or syncing a packet store failed; the records not yet written are lost and counted."),
            EventDefinition(
                openFailed, "store_open_failed", .high, arguments: ["store ID", "errno"],
                "A packet store could not be opened; the vehicle runs without it (real-time downlink only)."),
            EventDefinition(
                sequenceCountsFallback, "sequence_counts_fallback", .low,
                arguments: ["reason (1 missing, 2 unreadable or foreign)", "APIDs continued from the stores"],
                "The persisted sequence-count reservation was not usable; counts continue after the newest stored ones."),
            EventDefinition(
                sequenceCountsWriteFailed, "sequence_counts_write_failed", .medium, arguments: ["errno"],
                "The sequence-count reservation could not be persisted; counts may repeat after a crash."),
            EventDefinition(
                retrievalCompleted, "retrieval_completed", .informative, arguments: ["store ID", "packets replayed on VC 1"],
                "A by-time-range retrieval (TC[15,9]) sent its last packet to the downlink."),
            EventDefinition(
                retrievalAborted, "retrieval_aborted", .informative, arguments: ["store ID", "packets replayed on VC 1 before the abort"],
                "A by-time-range retrieval was aborted (TC[15,17]) before its end."),
        ]
    }
}
