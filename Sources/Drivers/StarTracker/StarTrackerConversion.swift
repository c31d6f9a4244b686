import HAL

/// One attitude solution in physical units.
public struct StarTrackerSolution: Sendable, Equatable {
    public var status: StarTrackerStatus
    public var starsTracked: Int
    /// Attitude quaternion, scalar first (w, x, y, z); `nil` when the device flags it invalid.
    public var quaternion: (w: Double, x: Double, y: Double, z: Double)?
    /// Time tag, seconds of the tracker's clock.
    public var timeTagSeconds: Double

    public static func == (lhs: StarTrackerSolution, rhs: StarTrackerSolution) -> Bool {
        lhs.status == rhs.status && lhs.starsTracked == rhs.starsTracked && lhs.timeTagSeconds == rhs.timeTagSeconds
            && lhs.quaternion.map { [$0.w, $0.x, $0.y, $0.z] } == rhs.quaternion.map { [$0.w, $0.x, $0.y, $0.z] }
    }
}

/// Pure conversions of star tracker register contents.
public enum StarTrackerConversion {
    /// The largest allowed |‖q‖ − 1| (float32 quantisation of a unit quaternion is ~1e-7; the
    /// device normalises before publishing, so anything beyond this is corruption).
    public static let normTolerance = 1e-3

    /// Decodes the solution block 0x0002...0x000F.
    /// - Throws: ``StarTrackerError/malformed(_:)`` for a wrong count,
    ///   ``StarTrackerError/implausible(_:)`` for a non-unit or non-finite quaternion, tracking
    ///   with no stars, or a validity flag other than 0/1.
    public static func solution(_ r: [UInt16]) throws(StarTrackerError) -> StarTrackerSolution {
        guard r.count == Int(StarTrackerRegister.solutionCount) else {
            throw .malformed("solution block has \(r.count) registers, expected 14")
        }
        let status = StarTrackerStatus(rawValue: r[0])
        let stars = Int(r[1])
        if status.contains(.tracking) && stars == 0 {
            throw .implausible("tracking with 0 stars")
        }
        let words = r[...]
        var components: [Double] = []
        for index in 0..<4 {
            let start = 2 + 2 * index
            guard let value = ModbusFloat.decode(words[start..<(start + 2)], order: .highWordFirst) else {
                throw .malformed("quaternion component \(index)")
            }
            components.append(Double(value))
        }
        let seconds = UInt32(r[10]) << 16 | UInt32(r[11])
        let time = Double(seconds) + Double(r[12]) / 65536
        let quaternion: (w: Double, x: Double, y: Double, z: Double)?
        switch r[13] {
        case 0:
            quaternion = nil
        case 1:
            guard components.allSatisfy(\.isFinite) else { throw .implausible("quaternion \(components) not finite") }
            let norm = components.reduce(0) { $0 + $1 * $1 }.squareRoot()
            guard abs(norm - 1) <= normTolerance else {
                throw .implausible("quaternion norm \(norm) is not 1 within \(normTolerance)")
            }
            quaternion = (components[0], components[1], components[2], components[3])
        default:
            throw .implausible("attitude validity \(r[13]) is neither 0 nor 1")
        }
        return StarTrackerSolution(status: status, starsTracked: stars, quaternion: quaternion, timeTagSeconds: time)
    }

    /// Checks the identity block 0x0000...0x0001.
    /// - Returns: the protocol version.
    /// - Throws: ``StarTrackerError/identity(_:)`` for a wrong magic or major version.
    public static func identity(_ r: [UInt16]) throws(StarTrackerError) -> (major: UInt8, minor: UInt8) {
        guard r.count == 2 else { throw .malformed("identity block has \(r.count) registers, expected 2") }
        guard r[0] == StarTrackerRegister.magicValue else {
            throw .identity("magic 0x" + String(r[0], radix: 16) + ", expected 0x5354")
        }
        let version = (major: UInt8(r[1] >> 8), minor: UInt8(r[1] & 0xFF))
        guard version.major == StarTrackerRegister.supportedMajorVersion else {
            throw .identity("protocol \(version.major).\(version.minor), this driver speaks 1.x")
        }
        return version
    }
}
