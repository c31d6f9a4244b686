#if canImport(Glibc)
    import Glibc
#endif
import Daemon
import Systems
import Testing

@Suite("Boot record")
struct BootRecordTests {
    private func directory() throws -> String {
        var template = Array("/tmp/iost-boot-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        try #require(made != nil)
        // A directory below the temporary one: begin(in:) creates it.
        return String(cString: template) + "/state"
    }

    private func remove(_ state: String) {
        unlink(state + "/" + BootRecord.fileName)
        rmdir(state)
        if let slash = state.lastIndex(of: "/") { rmdir(String(state[..<slash])) }
    }

    @Test func countsBootsAndTellsACleanShutdownFromAKill() throws {
        let state = try directory()
        defer { remove(state) }
        let first = try BootRecord.begin(in: state)
        #expect(first.boots == 1)
        #expect(first.previous == .none)
        try first.end(reason: "SIGTERM")

        let second = try BootRecord.begin(in: state)
        #expect(second.boots == 2)
        #expect(second.previous == .clean(reason: "SIGTERM"))
        // No end(reason:): the process was killed.

        let third = try BootRecord.begin(in: state)
        #expect(third.boots == 3)
        #expect(third.previous == .unclean)
        #expect(try readTextFile(atPath: state + "/boot") == "iost-boot 1\nboots 3\nclean 0\nreason running\n")
    }

    @Test(arguments: [
        ("", "not a boot record"),
        ("iost-boot 1\nboots 4\n", "truncated or incomplete"),
        ("iost-boot 1\nboots 4\nclean 1\nreas", "malformed line \"reas\""),
        ("iost-boot 2\nboots 4\nclean 1\nreason SIGTERM\n", "format 2, this version reads 1"),
        ("iost-boot 1\nboots many\nclean 1\nreason SIGTERM\n", "truncated or incomplete"),
    ])
    func aDamagedRecordIsReportedAndCountingStartsAgain(text: String, reason: String) throws {
        let state = try directory()
        defer { remove(state) }
        try StateDirectory.create(state)
        try writeFileAtomically(Array(text.utf8), toPath: state + "/boot")
        let record = try BootRecord.begin(in: state)
        #expect(record.previous == .unusable(reason: reason))
        #expect(record.boots == 1)
        // The damaged record has been replaced by a good one.
        #expect(try BootRecord.begin(in: state).previous == .unclean)
    }
}
