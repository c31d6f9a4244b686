import Testing
@testable import Link

@Suite struct SocketAddressTests {
    @Test func parsesIPv4() throws {
        let address = try SocketAddress(parsing: "127.0.0.1:10025")
        #expect(address.family == .ipv4)
        #expect(address.octets == [127, 0, 0, 1])
        #expect(address.port == 10025)
        #expect(address.description == "127.0.0.1:10025")
        #expect(try SocketAddress(parsing: "192.168.7.2:65535").octets == [192, 168, 7, 2])
        #expect(try SocketAddress(parsing: "0.0.0.0:0").port == 0)
    }

    @Test func parsesLocalhostAsIPv4Loopback() throws {
        #expect(try SocketAddress(parsing: "localhost:10026") == SocketAddress(ipv4: 127, 0, 0, 1, port: 10026))
        #expect(SocketAddress.loopback(port: 9) == SocketAddress(ipv4: 127, 0, 0, 1, port: 9))
    }

    @Test func parsesBracketedIPv6() throws {
        let loopback = try SocketAddress(parsing: "[::1]:10026")
        #expect(loopback.family == .ipv6)
        #expect(loopback.octets == [UInt8](repeating: 0, count: 15) + [1])
        #expect(loopback.port == 10026)
        #expect(loopback.description == "[::1]:10026")
        let full = try SocketAddress(parsing: "[2001:db8::42]:80")
        #expect(full.octets == [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [0x42])
        #expect(full.description == "[2001:db8::42]:80")
    }

    @Test func hostAndPortInitialiser() throws {
        #expect(try SocketAddress(host: "::1", port: 5).family == .ipv6)
        #expect(try SocketAddress(host: "[::1]", port: 5).family == .ipv6)
        #expect(throws: SocketAddressError.invalidHost("ground")) { try SocketAddress(host: "ground", port: 5) }
    }

    @Test(arguments: [
        ("", SocketAddressError.empty),
        ("127.0.0.1", .missingPort("127.0.0.1")),
        ("127.0.0.1:", .missingPort("127.0.0.1:")),
        ("[::1]", .missingPort("[::1]")),
        ("[::1]:", .missingPort("[::1]:")),
        ("127.0.0.1:65536", .invalidPort("65536")),
        ("127.0.0.1:-1", .invalidPort("-1")),
        ("127.0.0.1:+80", .invalidPort("+80")),
        ("127.0.0.1:80a", .invalidPort("80a")),
        ("127.0.0.1:000080", .invalidPort("000080")),
        ("127.0.0.1: 80", .invalidPort(" 80")),
        (":80", .invalidHost(":80")),
        ("256.0.0.1:80", .invalidHost("256.0.0.1")),
        ("127.1:80", .invalidHost("127.1")),
        ("ground.example:80", .invalidHost("ground.example")),
        ("::1:10026", .invalidHost("::1")),
        ("[::1:10026", .invalidHost("[::1:10026")),
        ("[::1]x:80", .invalidHost("[::1]x:80")),
        ("[127.0.0.1]:80", .invalidHost("127.0.0.1")),
        ("[fe80::1%eth0]:80", .invalidHost("fe80::1%eth0")),
    ])
    func rejectsBadInput(text: String, expected: SocketAddressError) {
        #expect(throws: expected) { try SocketAddress(parsing: text) }
    }
}

@Suite struct UDPSocketTests {
    @Test func loopbackRoundTripWithTimeouts() throws {
        let receiver = try UDPSocket(boundTo: .loopback(port: 0))
        let address = try receiver.localAddress()
        #expect(address.port != 0)
        var buffer = [UInt8](repeating: 0, count: 8)
        #expect(try receiver.receive(into: &buffer, timeout: .milliseconds(20)) == nil)

        let sender = try UDPSocket(family: .ipv4)
        try sender.send([1, 2, 3], to: address)
        let datagram = try #require(try receiver.receive(into: &buffer, timeout: .seconds(2)))
        #expect(datagram.count == 3 && !datagram.isTruncated)
        #expect(Array(buffer[0..<3]) == [1, 2, 3])
        #expect(datagram.sender?.octets == [127, 0, 0, 1])

        try sender.send([UInt8](repeating: 9, count: 20), to: address)
        let long = try #require(try receiver.receive(into: &buffer, timeout: .seconds(2)))
        #expect(long.count == 8 && long.originalLength == 20 && long.isTruncated)
    }

    @Test func ipv6Loopback() throws {
        let receiver: UDPSocket
        do { receiver = try UDPSocket(boundTo: try SocketAddress(parsing: "[::1]:0")) } catch { return } // no IPv6 here
        let address = try receiver.localAddress()
        let sender = try UDPSocket(family: .ipv6)
        try sender.send([7], to: address)
        var buffer = [UInt8](repeating: 0, count: 4)
        #expect(try receiver.receive(into: &buffer, timeout: .seconds(2))?.count == 1)
    }

    @Test func bindConflictFamilyMismatchAndCloseAreTypedErrors() throws {
        let first = try UDPSocket(boundTo: .loopback(port: 0))
        let taken = try first.localAddress()
        let second = try UDPSocket(family: .ipv4)
        #expect(throws: SocketError.bind(taken, errno: EADDRINUSE)) { try second.bind(to: taken) }
        #expect(throws: SocketError.invalidAddress(.invalidHost("nowhere"))) { try second.bind(host: "nowhere", port: 1) }
        let v6 = try SocketAddress(parsing: "[::1]:9")
        #expect(throws: SocketError.familyMismatch(v6)) { try second.send([1], to: v6) }
        second.close()
        second.close() // idempotent
        #expect(throws: SocketError.closed) { try second.send([1], to: taken) }
        var buffer = [UInt8](repeating: 0, count: 1)
        #expect(throws: SocketError.closed) { try second.receive(into: &buffer, timeout: .zero) }
        #expect(SocketError.send(errno: ECONNREFUSED).errno == ECONNREFUSED)
        #expect(SocketError.send(errno: ECONNREFUSED).description == "send: Connection refused")
    }
}

#if canImport(Glibc)
    import Glibc
#endif
