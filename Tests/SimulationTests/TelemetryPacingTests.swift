import Assembly
import Testing

@Suite("TelemetryPacing")
struct TelemetryPacingTests {
    @Test("A quarter of the downlink frame time, between 10 and 100 ms")
    func quarterFrame() {
        // 1024 octets at 64 kbit/s: 128 ms per frame → 32 ms.
        #expect(TelemetryPacing.pollInterval(bitRate: 64_000, frameLength: 1024) == .milliseconds(32))
        // 2 Mbit/s: 4.1 ms per frame → the 10 ms floor; 9600 bit/s: 853 ms → the 100 ms ceiling.
        #expect(TelemetryPacing.pollInterval(bitRate: 2_000_000, frameLength: 1024) == .milliseconds(10))
        #expect(TelemetryPacing.pollInterval(bitRate: 9600, frameLength: 1024) == .milliseconds(100))
        #expect(TelemetryPacing.pollInterval(bitRate: 0, frameLength: 1024) == .milliseconds(10))
    }
}
