import Crypto
import SpaceLink

/// Why a TC frame on a protected virtual channel was refused by the security layer
/// (CCSDS 355.0-B-2 §3.4.2). Nothing of such a frame reaches FARM-1.
public enum FrameSecurityError: Error, Sendable, Hashable {
    /// Too short for a security header and trailer (a plain frame on a protected VC).
    case truncated(available: Int)
    /// The SPI is not a configured SA (a plain frame's data read as an SPI, most often).
    case unknownSPI(UInt16)
    /// A configured SA, but not the one this virtual channel requires.
    case spiNotForVirtualChannel(spi: UInt16, virtualChannel: UInt8)
    /// The SA is not operational.
    case notOperational(spi: UInt16)
    /// The GCM tag does not verify: wrong key, or a frame changed anywhere the MAC covers.
    case authenticationFailed(spi: UInt16)
    /// The counter is not greater than the last one accepted (a replay).
    case replayed(spi: UInt16, counter: SecurityCounter)
    /// The counter is ahead of the last accepted by more than the anti-replay window.
    case outsideWindow(spi: UInt16, counter: SecurityCounter)
    /// The SA accepted counter 2^96 − 1: it takes no more frames (a counter never wraps).
    case counterExhausted(spi: UInt16)
    /// The new counter could not be stored, so the frame is refused (it could be replayed after
    /// a restart otherwise).
    case counterNotPersisted(spi: UInt16, reason: String)
}

/// The byte layout of SDLS on a TC transfer frame, as Yamcs's `SecurityAssociationAes256Gcm128`
/// and `StandardAuthMask` build it:
///
/// | part | octets |
/// |---|---|
/// | primary header | 5 |
/// | segment header (data frames) | 1 |
/// | security header: SPI | 2 |
/// | security header: IV (big-endian counter) | 12 |
/// | data field (ciphertext, or clear text when authentication only) | n |
/// | security trailer: MAC (GCM tag) | 16 |
/// | FECF (CRC-16 over all of the above) | 2 |
///
/// The additional authenticated data is the frame from its first octet to the end of the
/// security header, ANDed with the mask `00 00 FC 00 00` (only the VCID of the primary header),
/// `FF` (the segment header), `FF FF` (the SPI) and twelve `00` (the IV, which is the GCM nonce
/// instead); in authentication-only mode the clear data field follows it. The GCM nonce is the IV.
public enum TCFrameSecurity {
    /// SPI + IV.
    public static let headerLength = 2 + SecurityCounter.length
    /// The GCM tag.
    public static let trailerLength = 16
    /// Octets SDLS adds to a frame.
    public static let overhead = headerLength + trailerLength

    /// The AAD mask over the primary header.
    static let primaryHeaderMask: [UInt8] = [0x00, 0x00, 0xFC, 0x00, 0x00]

    /// The additional authenticated data for a frame whose first octets are `prefix`
    /// (primary header, segment header if any, security header).
    static func additionalData<Bytes: Collection>(prefix: Bytes, hasSegmentHeader: Bool) -> [UInt8] where Bytes.Element == UInt8 {
        let mask = primaryHeaderMask + (hasSegmentHeader ? [0xFF] : []) + [0xFF, 0xFF] + [UInt8](repeating: 0, count: SecurityCounter.length)
        return zip(prefix, mask).map { $0 & $1 }
    }

    /// Offset of the security header in a frame of `type`.
    static func headerOffset(_ type: TCFrameType) -> Int { TCFrame.primaryHeaderLength + (type == .bc ? 0 : 1) }

    /// Encodes `frame` with SDLS: its `data` becomes the protected data field.
    /// - Parameters:
    ///   - association: the SA (its SPI goes into the header).
    ///   - counter: the IV; the caller keeps it increasing and never reuses one with the key.
    /// - Returns: the whole frame with its FECF.
    /// - Precondition: the secured frame is no longer than 1024 octets (``TCFrame/encoded``).
    public static func protect(_ frame: TCFrame, association: SecurityAssociation, counter: SecurityCounter) -> [UInt8] {
        let plain = frame.data
        var shaped = frame
        shaped.data = [UInt8](repeating: 0, count: plain.count + overhead)
        var bytes = Array(shaped.encoded.dropLast(2))
        let offset = headerOffset(frame.type)
        let securityHeader = [UInt8(association.spi >> 8), UInt8(truncatingIfNeeded: association.spi)] + counter.bytes
        bytes.replaceSubrange(offset..<offset + headerLength, with: securityHeader)
        let header = bytes[0..<offset + headerLength]
        var aad = additionalData(prefix: header, hasSegmentHeader: frame.type != .bc)
        let dataStart = offset + headerLength
        do {
            let nonce = try AES.GCM.Nonce(data: counter.bytes)
            let sealed: AES.GCM.SealedBox
            switch association.service {
            case .authenticatedEncryption:
                sealed = try AES.GCM.seal(plain, using: association.key, nonce: nonce, authenticating: aad)
                bytes.replaceSubrange(dataStart..<dataStart + plain.count, with: sealed.ciphertext)
            case .authentication:
                aad += plain
                sealed = try AES.GCM.seal([UInt8](), using: association.key, nonce: nonce, authenticating: aad)
                bytes.replaceSubrange(dataStart..<dataStart + plain.count, with: plain)
            }
            bytes.replaceSubrange(dataStart + plain.count..<dataStart + plain.count + trailerLength, with: sealed.tag)
        } catch {
            // A 12-octet nonce and a 256-bit key cannot fail; a crypto backend that does is a bug.
            preconditionFailure("AES-GCM seal failed: \(error)")
        }
        let crc = CRC16.compute(bytes)
        bytes += [UInt8(crc >> 8), UInt8(truncatingIfNeeded: crc)]
        return bytes
    }

    /// The parts of a secured frame, before any check of its MAC.
    public struct Envelope: Sendable, Hashable {
        public var spi: UInt16
        public var counter: SecurityCounter
        /// Frame octets from the start to the end of the security header.
        public var header: [UInt8]
        /// The data field as received (ciphertext or clear text).
        public var dataField: [UInt8]
        public var mac: [UInt8]
        public var hasSegmentHeader: Bool
    }

    /// Splits a whole received frame (with its FECF, already validated) of `type`.
    /// - Throws: ``FrameSecurityError/truncated(available:)`` when there is no room for the
    ///   security header and trailer.
    public static func envelope(of frame: ArraySlice<UInt8>, type: TCFrameType) throws(FrameSecurityError) -> Envelope {
        let offset = headerOffset(type)
        let bytes = Array(frame)
        guard bytes.count >= offset + overhead + 2 else { throw .truncated(available: bytes.count) }
        let spi = UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
        let counter = SecurityCounter(bytes: bytes[offset + 2..<offset + headerLength]) ?? .zero
        let dataEnd = bytes.count - 2 - trailerLength
        return Envelope(
            spi: spi, counter: counter, header: Array(bytes[0..<offset + headerLength]), dataField: Array(bytes[offset + headerLength..<dataEnd]),
            mac: Array(bytes[dataEnd..<bytes.count - 2]), hasSegmentHeader: type != .bc)
    }

    /// Verifies the MAC of `envelope` with `association` and returns the plain data field.
    /// - Throws: ``FrameSecurityError/authenticationFailed(spi:)``.
    public static func open(_ envelope: Envelope, association: SecurityAssociation) throws(FrameSecurityError) -> [UInt8] {
        var aad = additionalData(prefix: envelope.header, hasSegmentHeader: envelope.hasSegmentHeader)
        do {
            let nonce = try AES.GCM.Nonce(data: envelope.counter.bytes)
            switch association.service {
            case .authenticatedEncryption:
                let box = try AES.GCM.SealedBox(nonce: nonce, ciphertext: envelope.dataField, tag: envelope.mac)
                return Array(try AES.GCM.open(box, using: association.key, authenticating: aad))
            case .authentication:
                aad += envelope.dataField
                let box = try AES.GCM.SealedBox(nonce: nonce, ciphertext: [UInt8](), tag: envelope.mac)
                _ = try AES.GCM.open(box, using: association.key, authenticating: aad)
                return envelope.dataField
            }
        } catch {
            throw .authenticationFailed(spi: envelope.spi)
        }
    }
}
