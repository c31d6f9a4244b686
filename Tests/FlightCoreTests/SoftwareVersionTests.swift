import FlightCore
import HAL
import Testing

/// The version text of scripts/deb-version.sh, as the `sw.*` housekeeping parameters carry it.
@Suite struct SoftwareVersionTests {
    @Test func aTaggedBuildAfterCommitsWithChanges() {
        let version = SoftwareVersion(parsing: "1.4.2+3.g1a2b3c4d.dirty")
        #expect([version.major, version.minor, version.patch, version.commitsSinceTag] == [1, 4, 2, 3])
        #expect(version.commit == 0x1A2B_3C4D)
        #expect(version.dirty)
    }

    @Test func untaggedAndUnknownBuilds() {
        let untagged = SoftwareVersion(parsing: "0.0.0+g4321418")
        #expect([untagged.major, untagged.minor, untagged.patch, untagged.commitsSinceTag] == [0, 0, 0, 0])
        #expect(untagged.commit == 0x432_1418 && !untagged.dirty)
        let tag = SoftwareVersion(parsing: "2.0")
        #expect([tag.major, tag.minor, tag.patch] == [2, 0, 0] && tag.commit == 0)
        let unknown = SoftwareVersion(parsing: "0.0.0+unknown")
        #expect(unknown.commit == 0 && !unknown.dirty && unknown.text == "0.0.0+unknown")
    }

    @Test func anUnstampedBinaryIsUnknown() {
        #expect(SoftwareVersion.build.text == "0.0.0+unknown")
    }

    @Test func theParametersAreRegisteredAndSet() throws {
        let pool = ParameterPool()
        try SoftwareVersion(parsing: "1.4.2+3.g1a2b3c4d.dirty").register(in: pool)
        let values = try ["sw.version_major", "sw.version_minor", "sw.version_patch", "sw.commits_since_tag", "sw.commit", "sw.dirty"]
            .map { pool.value(try pool.handle(named: $0)) }
        #expect(values == [1, 4, 2, 3, Double(0x1A2B_3C4D), 1])
        #expect(try pool.handle(named: "sw.version_major") == pool.handle(id: ParameterID(0x0A00)))
    }
}
