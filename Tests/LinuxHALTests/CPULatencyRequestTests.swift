#if canImport(Glibc)
    import Glibc
#endif
import HAL
import LinuxHAL
import Systems
import Testing

@Suite("CPULatencyRequest and LinuxRealtimeScheduler")
struct CPULatencyRequestTests {
    @Test func aMissingDeviceIsATypedErrorNamingThePath() {
        let path = "/nonexistent/cpu_dma_latency"
        #expect(throws: SystemCallError(call: "open(\(path))", errno: ENOENT)) {
            _ = try CPULatencyRequest(path: path)
        }
    }

    /// The request is the 32-bit binary value the kernel's PM QoS device expects (not text).
    @Test func writesTheLatencyAsA32BitValue() throws {
        var template = Array("/tmp/iost-pmqos-XXXXXX".utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        try #require(descriptor >= 0)
        close(descriptor)
        let path = String(cString: template)
        defer { unlink(path) }
        do {
            let request = try CPULatencyRequest(microseconds: 0, path: path)
            #expect(request.microseconds == 0)
            #expect(try readFile(atPath: path) == [0, 0, 0, 0])
        }
        do {
            _ = try CPULatencyRequest(microseconds: 0x0102_0304, path: path)
            let value = try readFile(atPath: path).withUnsafeBytes { $0.loadUnaligned(as: Int32.self) }
            #expect(value == 0x0102_0304)
        }
    }

    @Test func settingResultsMapToTheHALOutcome() {
        #expect(RealtimeSettingResult.applied.outcome == .applied)
        #expect(RealtimeSettingResult.notPermitted(errno: EACCES).outcome == .notPermitted(errno: EACCES))
        #expect(RealtimeSettingResult.invalid(errno: ENOENT).outcome == .failed(errno: ENOENT))
    }
}
