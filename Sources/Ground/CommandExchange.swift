#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import Link
import SpaceLink

/// Why a command exchange could not run.
public enum ExchangeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The downlink port is taken (another console or command tool listens there).
    case portBusy(SocketAddress)
    /// Any other socket failure.
    case socket(SocketError)
    /// The command could not be framed.
    case command(CommandError)
    /// A type-AD frame needs N(R) from a CLCW, and none arrived for the virtual channel in time.
    case noCLCW(virtualChannel: UInt8)
    /// FARM-1 is in lockout: type-AD frames are discarded until an Unlock (type-BC) frame.
    case farmLockout(virtualChannel: UInt8)

    public var description: String {
        switch self {
        case .portBusy(let address):
            return "cannot listen on \(address): the port is busy (is another iost-ground running there? choose another with --listen, and make the daemon send its downlink there)"
        case .socket(let error): return error.description
        case .command(let error): return error.description
        case .noCLCW(let vc): return "no CLCW for TC virtual channel \(vc) on the downlink: cannot number a type-AD frame (is the daemon sending to this port?)"
        case .farmLockout(let vc): return "FARM-1 of TC virtual channel \(vc) is in lockout: type-AD frames are discarded until an Unlock; use a type-BD frame"
        }
    }
}

/// What happened during a command exchange, reported as it happens.
public enum ExchangeEvent: Sendable, Hashable {
    /// The TC frame went out: request ID, frame sequence number N(S), frame octets.
    case sent(request: RequestID, sequenceNumber: UInt8, frame: [UInt8])
    /// A verification report about the request.
    case outcome(VerificationOutcome)
    /// The report the telecommand asked for (TM[17,2], TM[20,2], TM[3,25]).
    case reply(DecodedPacket)
    /// Completion was reported but the expected reply did not arrive within the grace period.
    case replyMissing
}

/// How a command exchange ended.
public enum ExchangeResult: Sendable, Hashable {
    /// Completion of execution reported successful.
    case completed
    /// A failure report.
    case failed(VerificationOutcome)
    /// No final report before the timeout; the last outcome seen, if any.
    case timedOut(last: VerificationOutcome?)

    /// Process exit status: 0 completed, 1 failed, 2 timed out.
    public var exitCode: Int32 {
        switch self {
        case .completed: 0
        case .failed: 1
        case .timedOut: 2
        }
    }
}

/// Sends one telecommand in a TC frame and follows its verification on the downlink.
///
/// The downlink socket both sends the TC frame to the uplink address and receives the TM
/// frames the daemon sends to it.
public struct CommandExchange: Sendable {
    public var mib: MissionInformationBase
    public var framing: UplinkFraming
    public var uplink: SocketAddress
    /// Longest wait for the final verification report (and, for type-AD, the first CLCW).
    public var timeout: Duration
    /// After successful completion, how long to wait for an expected reply still missing.
    public var replyGrace: Duration
    /// SDLS for the protected virtual channels (`nil`: frames go plain). A retransmission is
    /// secured again with a new IV (the same octets would be refused as a replay).
    public var protection: UplinkProtection?

    public init(mib: MissionInformationBase, framing: UplinkFraming, uplink: SocketAddress, timeout: Duration = .seconds(5), replyGrace: Duration = .milliseconds(500)) {
        self.mib = mib
        self.framing = framing
        self.uplink = uplink
        self.timeout = timeout
        self.replyGrace = replyGrace
    }

    /// Shortest time between two transmissions of a type-AD frame FARM-1 asked to retransmit.
    public static let retransmitInterval: Duration = .milliseconds(200)

    /// Opens the downlink socket on `address`.
    /// - Throws: ``ExchangeError/portBusy(_:)`` when the port is in use, else ``ExchangeError/socket(_:)``.
    public static func listen(on address: SocketAddress) throws(ExchangeError) -> UDPSocket {
        do {
            return try UDPSocket(boundTo: address)
        } catch {
            if case .bind(_, let code) = error, code == EADDRINUSE { throw .portBusy(address) }
            throw .socket(error)
        }
    }

    /// Runs the exchange: (for type-AD) waits for a CLCW to take N(S) from, sends the frame,
    /// then reports each outcome until completion, failure or the timeout.
    ///
    /// - Parameters:
    ///   - request: the service request.
    ///   - sequenceCount: the packet sequence count (with the APID, the request ID).
    ///   - socket: bound to the downlink address.
    ///   - report: called with each event, in order, on the calling thread.
    /// - Throws: ``ExchangeError`` when the frame cannot be built or sent.
    public func run(_ request: ServiceRequest, sequenceCount: UInt16, socket: UDPSocket, report: (ExchangeEvent) -> Void) throws(ExchangeError) -> ExchangeResult {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        var decoder = DownlinkDecoder(mib: mib)
        var buffer = [UInt8](repeating: 0, count: 65_536)

        // Packets queued from before this command must not pass for its reply; their frames
        // still update the link state (the CLCWs a type-AD frame is numbered from).
        do {
            while let datagram = try socket.receive(into: &buffer, timeout: .zero) {
                _ = decoder.receive(frame: buffer[0..<datagram.count])
            }
        } catch {
            throw .socket(error)
        }

        var sequenceNumber: UInt8 = 0
        if framing.frameType == .ad {
            var found = decoder.link.clcwByVirtualChannel[framing.virtualChannel]
            while found == nil {
                let left = deadline - clock.now
                guard left > .zero else { throw .noCLCW(virtualChannel: framing.virtualChannel) }
                do {
                    guard let datagram = try socket.receive(into: &buffer, timeout: left) else { continue }
                    _ = decoder.receive(frame: buffer[0..<datagram.count])
                } catch {
                    throw .socket(error)
                }
                found = decoder.link.clcwByVirtualChannel[framing.virtualChannel]
            }
            if let found {
                guard !found.lockout else { throw .farmLockout(virtualChannel: framing.virtualChannel) }
                sequenceNumber = found.reportValue
            }
        }

        let telecommand = request.telecommand(apid: mib.apid, sequenceCount: sequenceCount)
        let plainFrame: TCFrame
        var frame: [UInt8]
        do {
            plainFrame = try framing.transferFrame(telecommand, sequenceNumber: sequenceNumber)
            frame = try protection?.seal(plainFrame) ?? plainFrame.encoded
        } catch {
            throw .command(error)
        }
        do {
            try socket.send(frame, to: uplink)
        } catch {
            throw .socket(error)
        }
        let id = telecommand.requestID
        report(.sent(request: id, sequenceNumber: sequenceNumber, frame: frame))

        var tracker = VerificationTracker(mib: mib)
        tracker.track(id, label: request.summary)
        var replySeen = request.expectedReply == nil
        var completedAt: ContinuousClock.Instant?
        // Type-AD: follow the CLCW as a FOP-1 would, until the frame is acknowledged (V(R) past
        // its N(S)): while FARM-1 waits (its command queue is full) nothing is sent; once it has
        // left Wait with Retransmit set and V(R) still at our N(S), the frame is sent again (a
        // duplicate of an accepted frame is discarded by FARM-1 as a replay, so this is safe).
        var acknowledged = framing.frameType != .ad
        var lastSent = clock.now
        while true {
            let now = clock.now
            let end = completedAt.map { min(deadline, $0.advanced(by: replyGrace)) } ?? deadline
            let left = end - now
            if left <= .zero {
                if completedAt != nil {
                    report(.replyMissing)
                    return .completed
                }
                return .timedOut(last: tracker.request(id)?.latest)
            }
            let datagram: ReceivedDatagram?
            do {
                datagram = try socket.receive(into: &buffer, timeout: left)
            } catch {
                throw .socket(error)
            }
            guard let datagram else { continue }
            let packets = decoder.receive(frame: buffer[0..<datagram.count])
            if !acknowledged, let clcw = decoder.link.clcwByVirtualChannel[framing.virtualChannel] {
                let ahead = clcw.reportValue &- sequenceNumber
                if ahead >= 1 && ahead <= 127 {
                    acknowledged = true
                } else if clcw.lockout {
                    throw .farmLockout(virtualChannel: framing.virtualChannel)
                } else if !clcw.wait, clcw.retransmit, ahead == 0, clock.now - lastSent >= Self.retransmitInterval {
                    if let protection {
                        do {
                            frame = try protection.seal(plainFrame)
                        } catch {
                            throw .command(error)
                        }
                    }
                    do {
                        try socket.send(frame, to: uplink)
                    } catch {
                        throw .socket(error)
                    }
                    lastSent = clock.now
                }
            }
            for packet in packets {
                if case .verification(let verification) = packet.content, let outcome = tracker.apply(verification) {
                    report(.outcome(outcome))
                    if outcome.isFailure { return .failed(outcome) }
                    if outcome == .completed {
                        if replySeen { return .completed }
                        completedAt = clock.now
                    }
                } else if !replySeen, let expected = request.expectedReply, expected.matches(packet) {
                    replySeen = true
                    report(.reply(packet))
                    if completedAt != nil { return .completed }
                }
            }
        }
    }
}
