import SpaceLink

/// Which SA protects which TC virtual channel, and the SAs themselves.
public struct UplinkSecurityConfiguration: Sendable {
    /// SAs by SPI.
    public var associations: [UInt16: SecurityAssociation]
    /// The SPI every frame of a protected virtual channel must carry (type-AD, -BD and -BC).
    public var virtualChannels: [UInt8: UInt16]

    /// - Precondition: every VC names a configured SPI.
    public init(associations: [SecurityAssociation], virtualChannels: [UInt8: UInt16]) {
        var byIndex: [UInt16: SecurityAssociation] = [:]
        for association in associations { byIndex[association.spi] = association }
        precondition(virtualChannels.values.allSatisfy { byIndex[$0] != nil }, "every protected VC names a configured SA")
        self.associations = byIndex
        self.virtualChannels = virtualChannels
    }

    /// The protected virtual channels.
    public var protectedVirtualChannels: Set<UInt8> { Set(virtualChannels.keys) }
}

/// The receiving end of SDLS on the uplink (CCSDS 355.0-B-2 §3.4.2 "ApplySecurity" reversed),
/// between frame validation and FARM-1:
///
/// 1. the security header is read (too short: refused as a plain frame on a protected VC);
/// 2. the SPI must be configured and be the one of the frame's VC;
/// 3. the SA must be operational;
/// 4. the MAC is verified (and the data decrypted);
/// 5. anti-replay: the counter must exceed the SA's last accepted one by 1 … window (an SA with
///    no stored counter yet takes the first authenticated frame's);
/// 6. the counter is stored (``SecurityCounterFile``) before the frame goes on; a failed write
///    refuses the frame.
///
/// - Warning: not thread-safe; the uplink keeps it under its lock.
public struct UplinkSecurity: Sendable {
    public let configuration: UplinkSecurityConfiguration
    /// The last accepted counter per SPI.
    public private(set) var lastAccepted: [UInt16: SecurityCounter]
    private let file: SecurityCounterFile?

    /// - Parameter counterFile: where counters persist (`nil`: memory only, for tests).
    /// - Throws: ``SecurityCounterFile/LoadError`` when the stored counters cannot be used.
    public init(configuration: UplinkSecurityConfiguration, counterFile: SecurityCounterFile?) throws(SecurityCounterFile.LoadError) {
        self.configuration = configuration
        file = counterFile
        lastAccepted = try counterFile?.load() ?? [:]
    }

    /// Whether frames of `virtualChannel` must be secured.
    public func protects(virtualChannel: UInt8) -> Bool { configuration.virtualChannels[virtualChannel] != nil }

    /// Checks one whole frame (with its FECF, already validated by the frame decoder) of a
    /// protected VC and returns its plain data field.
    /// - Throws: ``FrameSecurityError`` naming the first check that failed; nothing changes then.
    public mutating func process(_ frame: ArraySlice<UInt8>, type: TCFrameType, virtualChannel: UInt8) throws(FrameSecurityError) -> [UInt8] {
        let envelope = try TCFrameSecurity.envelope(of: frame, type: type)
        guard let association = configuration.associations[envelope.spi] else { throw .unknownSPI(envelope.spi) }
        guard configuration.virtualChannels[virtualChannel] == envelope.spi else {
            throw .spiNotForVirtualChannel(spi: envelope.spi, virtualChannel: virtualChannel)
        }
        guard association.isOperational else { throw .notOperational(spi: envelope.spi) }
        let data = try TCFrameSecurity.open(envelope, association: association)
        if let last = lastAccepted[envelope.spi] {
            guard last < .maximum else { throw .counterExhausted(spi: envelope.spi) }
            guard envelope.counter > last else { throw .replayed(spi: envelope.spi, counter: envelope.counter) }
            if let limit = last.advanced(by: association.replayWindow), envelope.counter > limit {
                throw .outsideWindow(spi: envelope.spi, counter: envelope.counter)
            }
        }
        var updated = lastAccepted
        updated[envelope.spi] = envelope.counter
        if let file {
            do {
                try file.store(updated)
            } catch {
                throw .counterNotPersisted(spi: envelope.spi, reason: error.description)
            }
        }
        lastAccepted = updated
        return data
    }
}
