/// The executive's events (range 0x0100–0x01FF).
public enum ExecutiveEvents: EventDefinitionProvider {
    public static let started = EventID(0x0100)
    public static let rateGroupSlip = EventID(0x0101)
    public static let realtimeNotPermitted = EventID(0x0102)
    public static let realtimeFailed = EventID(0x0103)
    public static let stopped = EventID(0x0104)

    public static var eventDefinitions: [EventDefinition] {
        [
            EventDefinition(
                started, "executive_started", .informative,
                arguments: ["base rate (Hz)", "rate groups", "real-time status (exec.rt_applied)"],
                "The executive started its fixed-rate loop."),
            EventDefinition(
                rateGroupSlip, "rate_group_slip", .low,
                arguments: [
                    "parameter ID of the group's slip counter", "execution time (µs)",
                    "finish past the group's next deadline (µs)", "slips suppressed since the last report",
                ],
                "A rate group's work did not finish before its next deadline (at most one report per group per throttle interval)."),
            EventDefinition(
                realtimeNotPermitted, "realtime_not_permitted", .medium,
                arguments: ["setting (1 priority, 2 memory lock, 3 affinity, 4 cpu_dma_latency)", "errno", "requested SCHED_FIFO priority (0 none)"],
                "A configured real-time setting was refused; the loop runs with the default policy and a worse latency tail."),
            EventDefinition(
                realtimeFailed, "realtime_failed", .medium,
                arguments: ["setting (1 priority, 2 memory lock, 3 affinity, 4 cpu_dma_latency)", "errno"],
                "A configured real-time setting failed for a reason other than privilege."),
            EventDefinition(
                stopped, "executive_stopped", .informative,
                arguments: ["base cycles run", "total slips"],
                "The executive's thread left its loop."),
        ]
    }
}
