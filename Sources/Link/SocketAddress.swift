#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Why a `"HOST:PORT"` endpoint could not be parsed.
public enum SocketAddressError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The text is empty.
    case empty
    /// No `:PORT` after the host (or, for IPv6, after the closing bracket).
    case missingPort(String)
    /// The port is not a decimal number in 0…65535.
    case invalidPort(String)
    /// The host is neither an IPv4 literal, a bracketed IPv6 literal, nor `localhost`.
    case invalidHost(String)

    public var description: String {
        switch self {
        case .empty: "empty address"
        case .missingPort(let text): "missing port in \"\(text)\" (expected HOST:PORT or [IPV6]:PORT)"
        case .invalidPort(let text): "invalid port \"\(text)\" (expected 0...65535)"
        case .invalidHost(let text): "invalid host \"\(text)\" (expected an IPv4 literal, [IPv6 literal] or localhost)"
        }
    }
}

/// A UDP endpoint: an IPv4 or IPv6 address literal and a port.
///
/// No name resolution: onboard software must not depend on DNS. `localhost` is the one name
/// understood, as 127.0.0.1.
public struct SocketAddress: Sendable, Hashable, CustomStringConvertible {
    /// Address family.
    public enum Family: Sendable, Hashable {
        case ipv4
        case ipv6
    }

    public let family: Family
    /// The address in network byte order: 4 octets (IPv4) or 16 (IPv6).
    public let octets: [UInt8]
    public let port: UInt16

    /// An IPv4 endpoint from its four octets.
    public init(ipv4 a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8, port: UInt16) {
        family = .ipv4
        octets = [a, b, c, d]
        self.port = port
    }

    /// The IPv4 loopback endpoint 127.0.0.1:`port`.
    public static func loopback(port: UInt16) -> SocketAddress { SocketAddress(ipv4: 127, 0, 0, 1, port: port) }

    private init(family: Family, octets: [UInt8], port: UInt16) {
        self.family = family
        self.octets = octets
        self.port = port
    }

    /// An endpoint from a host literal (`127.0.0.1`, `::1` with or without brackets, `localhost`)
    /// and a port.
    /// - Throws: ``SocketAddressError/invalidHost(_:)``.
    public init(host: String, port: UInt16) throws(SocketAddressError) {
        var literal = Substring(host)
        if literal.hasPrefix("["), literal.hasSuffix("]") { literal = literal.dropFirst().dropLast() }
        if literal == "localhost" {
            self.init(ipv4: 127, 0, 0, 1, port: port)
        } else if let octets = Self.presentationToNetwork(AF_INET, String(literal), count: 4) {
            self.init(family: .ipv4, octets: octets, port: port)
        } else if literal.contains(":"), let octets = Self.presentationToNetwork(AF_INET6, String(literal), count: 16) {
            self.init(family: .ipv6, octets: octets, port: port)
        } else {
            throw .invalidHost(host)
        }
    }

    /// Parses `"HOST:PORT"` or `"[IPV6]:PORT"` (config `[link] downlink = "127.0.0.1:10025"`,
    /// CLI `--downlink HOST:PORT`).
    ///
    /// An IPv6 literal must be in brackets; scope IDs (`%eth0`) are not supported.
    /// - Throws: ``SocketAddressError`` naming what is wrong.
    public init(parsing text: String) throws(SocketAddressError) {
        guard !text.isEmpty else { throw .empty }
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw .invalidHost(text) }
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else {
                if rest.isEmpty { throw .missingPort(text) }
                throw .invalidHost(text)
            }
            portText = rest.dropFirst()
            guard host.contains(":") else { throw .invalidHost(String(host)) }
        } else {
            guard let colon = text.lastIndex(of: ":") else { throw .missingPort(text) }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
            // "::1:10025" is ambiguous: an IPv6 literal needs brackets.
            guard !host.contains(":") else { throw .invalidHost(String(host)) }
        }
        guard !host.isEmpty else { throw .invalidHost(text) }
        guard !portText.isEmpty else { throw .missingPort(text) }
        guard portText.count <= 5, portText.allSatisfy({ $0 >= "0" && $0 <= "9" }),
            let value = UInt32(portText), value <= UInt32(UInt16.max)
        else {
            throw .invalidPort(String(portText))
        }
        try self.init(host: String(host), port: UInt16(value))
    }

    /// The endpoint as `HOST:PORT`, IPv6 hosts in brackets (the form ``init(parsing:)`` reads).
    public var description: String {
        switch family {
        case .ipv4: "\(octets.map(String.init).joined(separator: ".")):\(port)"
        case .ipv6: "[\(Self.networkToPresentation(AF_INET6, octets))]:\(port)"
        }
    }

    private static func presentationToNetwork(_ family: Int32, _ text: String, count: Int) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: 16)
        let result = buffer.withUnsafeMutableBytes { inet_pton(family, text, $0.baseAddress) }
        return result == 1 ? Array(buffer.prefix(count)) : nil
    }

    private static func networkToPresentation(_ family: Int32, _ octets: [UInt8]) -> String {
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        let ok = octets.withUnsafeBytes { raw in
            text.withUnsafeMutableBufferPointer { inet_ntop(family, raw.baseAddress, $0.baseAddress, socklen_t($0.count)) != nil }
        }
        guard ok else { return "?" }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    // MARK: sockaddr conversion

    /// Runs `body` with this endpoint as a `sockaddr` and its length.
    func withSockaddr<Result>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> Result) -> Result {
        switch family {
        case .ipv4:
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = port.bigEndian
            withUnsafeMutableBytes(of: &address.sin_addr) { $0.copyBytes(from: octets.prefix(4)) }
            return withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        case .ipv6:
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = port.bigEndian
            withUnsafeMutableBytes(of: &address.sin6_addr) { $0.copyBytes(from: octets.prefix(16)) }
            return withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        }
    }

    /// The endpoint in a `sockaddr_storage` filled by the kernel, `nil` for other families.
    init?(storage: sockaddr_storage) {
        var storage = storage
        switch Int32(storage.ss_family) {
        case AF_INET:
            let address = withUnsafeBytes(of: &storage) { $0.load(as: sockaddr_in.self) }
            let octets = withUnsafeBytes(of: address.sin_addr) { Array($0.prefix(4)) }
            self.init(family: .ipv4, octets: octets, port: UInt16(bigEndian: address.sin_port))
        case AF_INET6:
            let address = withUnsafeBytes(of: &storage) { $0.load(as: sockaddr_in6.self) }
            let octets = withUnsafeBytes(of: address.sin6_addr) { Array($0.prefix(16)) }
            self.init(family: .ipv6, octets: octets, port: UInt16(bigEndian: address.sin6_port))
        default:
            return nil
        }
    }

    var domain: Int32 { family == .ipv4 ? AF_INET : AF_INET6 }
}
