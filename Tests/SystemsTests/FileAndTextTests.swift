#if canImport(Glibc)
    import Glibc
#endif
import Systems
import Testing

/// A file with `bytes` in the temporary directory, removed by the caller.
private func temporaryFile(_ bytes: [UInt8]) throws -> String {
    var template = Array("/tmp/iost-systems-XXXXXX".utf8CString)
    let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
    try #require(descriptor >= 0)
    defer { close(descriptor) }
    try bytes.withUnsafeBytes { try writeAll($0, to: descriptor) }
    return String(cString: template)
}

@Suite("Whole-file read")
struct FileReadTests {
    @Test func missingFileIsATypedError() {
        let path = "/nonexistent/iost/vehicle.toml"
        #expect(throws: FileReadError(path: path, reason: .system(SystemCallError(call: "open", errno: ENOENT)))) {
            try readFile(atPath: path)
        }
        do {
            _ = try readTextFile(atPath: path)
            Issue.record("a missing file was read")
        } catch {
            #expect(error.message == "No such file or directory")
            #expect(error.description == "\(path): open: No such file or directory (errno 2)")
        }
    }

    @Test func readsEveryByteOfALargeFile() throws {
        // Larger than one read chunk (64 KiB), with every byte value.
        let bytes = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let path = try temporaryFile(bytes)
        defer { unlink(path) }
        #expect(try readFile(atPath: path) == bytes)
        #expect(throws: FileReadError(path: path, reason: .tooLarge(limit: 100_000))) {
            try readFile(atPath: path, limit: 100_000)
        }
        #expect(throws: FileReadError(path: path, reason: .notUTF8)) { try readTextFile(atPath: path) }
    }

    @Test func readsText() throws {
        let path = try temporaryFile(Array("[vehicle]\nname = \"ø\"\n".utf8))
        defer { unlink(path) }
        #expect(try readTextFile(atPath: path) == "[vehicle]\nname = \"ø\"\n")
        let empty = try temporaryFile([])
        defer { unlink(empty) }
        #expect(try readTextFile(atPath: empty) == "")
    }
}

@Suite("JSON string quoting and edit distance")
struct TextTests {
    @Test func jsonQuotingEscapesWhatRFC8259Requires() {
        #expect(jsonQuoted("plain") == #""plain""#)
        #expect(jsonQuoted(#"a "b" \c"#) == #""a \"b\" \\c""#)
        #expect(jsonQuoted("l1\nl2\r\t") == #""l1\nl2\r\t""#)
        #expect(jsonQuoted("\u{0}\u{1F}") == #""\u0000\u001f""#)
        #expect(jsonQuoted("°C ✓ /") == "\"°C ✓ /\"")
        var out = "{"
        appendJSONQuoted("k", to: &out)
        #expect(out == #"{"k""#)
    }

    @Test func editDistanceIsLevenshtein() {
        #expect(editDistance("", "") == 0)
        #expect(editDistance("", "abc") == 3)
        #expect(editDistance("abc", "") == 3)
        #expect(editDistance("address", "address") == 0)
        #expect(editDistance("adress", "address") == 1) // insertion
        #expect(editDistance("adddress", "address") == 1) // deletion
        #expect(editDistance("kitten", "sitting") == 3) // the textbook example
        #expect(editDistance("flaw", "lawn") == 2)
        #expect(editDistance("ab", "ba") == 2) // no transposition in Levenshtein
    }
}
