#if canImport(Glibc)
    import Glibc
#endif
import Systems
import Testing

/// A fresh directory under /tmp, removed (one level deep) by the caller with `removeDirectory`.
private func temporaryDirectory() throws -> String {
    var template = Array("/tmp/iost-state-XXXXXX".utf8CString)
    let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
    try #require(made != nil)
    return String(cString: template)
}

private func removeDirectory(_ path: String, files: [String]) {
    for file in files { unlink(path + "/" + file) }
    rmdir(path)
}

@Suite("State directory and atomic state files")
struct StateFileTests {
    @Test func theFlagComesFirstThenSystemdThenTheRepository() {
        #expect(StateDirectory.resolve(explicit: "/srv/state", environment: "/var/lib/iostd", repository: "/repo") == "/srv/state")
        #expect(StateDirectory.resolve(explicit: nil, environment: "/var/lib/iostd:/var/lib/other", repository: "/repo") == "/var/lib/iostd")
        #expect(StateDirectory.resolve(explicit: "", environment: nil, repository: "/repo") == "/repo/.cache/state")
        #expect(StateDirectory.resolve(explicit: nil, environment: nil, repository: nil) == nil)
    }

    @Test func createMakesMissingParentsAndKeepsAnExistingDirectory() throws {
        let root = try temporaryDirectory()
        defer {
            rmdir(root + "/a/b")
            rmdir(root + "/a")
            unlink(root + "/file")
            rmdir(root)
        }
        try StateDirectory.create(root + "/a/b")
        try StateDirectory.create(root + "/a/b")
        var status = stat()
        #expect(stat(root + "/a/b", &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR)
        // A file in the way is an error naming the path, not a silent success.
        try writeFileAtomically([1], toPath: root + "/file")
        #expect(throws: SystemCallError(call: "mkdir(\(root)/file)", errno: EEXIST)) { try StateDirectory.create(root + "/file") }
    }

    @Test func anAtomicWriteReplacesTheWholeFileWithTheModeAskedFor() throws {
        let root = try temporaryDirectory()
        defer { removeDirectory(root, files: ["state"]) }
        let path = root + "/state"
        try writeFileAtomically(Array("first version, longer than the second\n".utf8), toPath: path)
        try writeFileAtomically(Array("second\n".utf8), toPath: path, mode: 0o600)
        #expect(try readTextFile(atPath: path) == "second\n")
        var status = stat()
        #expect(stat(path, &status) == 0)
        #expect(status.st_mode & 0o777 == 0o600)
        // Nothing is left beside it.
        #expect(access(path + ".tmp", F_OK) != 0)
    }

    @Test func aFailedWriteLeavesTheOldFile() throws {
        let root = try temporaryDirectory()
        defer { removeDirectory(root, files: ["state"]) }
        let path = root + "/state"
        try writeFileAtomically(Array("kept\n".utf8), toPath: path)
        // The temporary file cannot be created in a directory that does not exist.
        #expect(throws: SystemCallError.self) { try writeFileAtomically([0], toPath: root + "/missing/state") }
        #expect(try readTextFile(atPath: path) == "kept\n")
    }
}
