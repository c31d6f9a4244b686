import FlightCore
import HAL
import Link
import SpaceLink

/// The telemetry thread's work between the services and the space link, once per poll:
///
/// 1. services → onboard storage → downlink through a ``DownlinkBacklog``: each packet gets its
///    final sequence count and goes into the packet stores (``OnboardStorage``), then to the
///    downlink, never more than the downlink's queues can take; what they refuse is kept and
///    offered again, so no TM packet made on board is dropped between the two (backpressure
///    stays in the services' rings instead); the stores sync at their flush interval;
/// 2. the link's counters (downlink drops and per-destination send errors, uplink rejections per
///    reason) → `link.*` housekeeping parameters;
/// 3. FARM-1 buffer release once the services can take a telecommand again (the uplink's
///    `bufferAvailable` is ``SpaceServices/hasRoomForTelecommand``, which puts FARM-1 in Wait).
///
/// - Warning: one thread at a time (the telemetry thread, then the shutdown sequence).
struct TelemetryForwarding {
    let services: SpaceServices
    let downlink: Downlink
    let uplink: Uplink
    let storage: OnboardStorage
    private var backlog = DownlinkBacklog()

    init(services: SpaceServices, downlink: Downlink, uplink: Uplink, storage: OnboardStorage) {
        self.services = services
        self.downlink = downlink
        self.uplink = uplink
        self.storage = storage
    }

    /// Packets waiting for room in the downlink.
    var waiting: Int { backlog.count }

    /// - Parameters:
    ///   - eventObserver: sees every event taken from the event log (the daemon's journal).
    ///   - packetObserver: sees every packet taken from the services, with the time (benchmarks).
    mutating func forward(
        eventObserver: ((FlightEvent) -> Void)? = nil, packetObserver: ((TelemetryPacket, MonotonicInstant) -> Void)? = nil,
        clock: any MonotonicClock
    ) {
        let services = self.services
        let storage = self.storage
        backlog.forward(to: downlink) { limit in
            services.pump(limit: limit, observingEvents: eventObserver).map { packet in
                packetObserver?(packet, clock.now)
                return OutgoingPacket(bytes: storage.process(packet.bytes), priority: packet.priority == .high ? .event : .housekeeping)
            }
        }
        storage.replay(into: downlink)
        storage.poll()
        services.linkCounters.update(downlink: downlink.statistics, uplink: uplink.statistics)
        if services.hasRoomForTelecommand { uplink.releaseBuffer() }
    }

    /// At shutdown: forwards until the backlog is empty and the downlink has sent everything,
    /// or `timeout` passes (the producers have stopped).
    /// - Returns: whether everything was sent.
    mutating func flush(timeout: Duration, clock: any MonotonicClock) -> Bool {
        let deadline = clock.now.advanced(by: timeout)
        while true {
            forward(clock: clock)
            if backlog.count == 0 && downlink.isDrained {
                storage.close()
                return true
            }
            let now = clock.now
            guard now < deadline, downlink.isRunning else {
                storage.close()
                return false
            }
            clock.sleep(until: min(deadline, now.advanced(by: .milliseconds(10))))
        }
    }
}

extension LinkCounters {
    /// Sets every counter from the link's statistics.
    func update(downlink: DownlinkStatistics, uplink: UplinkStatistics) {
        set(.downlinkQueueFull, downlink.dropped(.queueFull))
        set(.downlinkInvalidPacket, downlink.dropped(.invalidPacket))
        set(.downlinkMissedSlots, downlink.missedSlots)
        for (index, destination) in downlink.destinations.prefix(LinkCounters.maximumDestinations).enumerated() {
            set(.destinationSent(index), destination.datagramsSent)
            set(.destinationRefused(index), destination.refused)
            set(.destinationErrors(index), destination.errors)
        }
        set(.uplinkFramesAccepted, uplink.adFramesAccepted + uplink.bdFramesAccepted)
        set(.uplinkWrongSpacecraft, uplink.wrongSpacecraft)
        set(.uplinkWrongVirtualChannel, uplink.virtualChannelNotAllowed)
        set(.uplinkWrongMAP, uplink.mapNotAllowed)
        set(.uplinkBadSegmentHeader, uplink.segmentedData)
        set(.uplinkBadFECF, uplink.badCRC)
        set(.uplinkBadLength, uplink.truncated + uplink.lengthMismatch + uplink.tooLong)
        set(.uplinkMalformed, uplink.wrongVersion + uplink.illegalFrameType + uplink.invalidControlCommand)
        set(.uplinkFARMWait, uplink.farmNoBuffer + uplink.farmWaiting)
        set(.uplinkFARMGap, uplink.farmSequenceGap)
        set(.uplinkFARMReplay, uplink.farmReplayed)
        set(.uplinkFARMLockout, uplink.farmEnteredLockout + uplink.farmLockedOut)
        set(.uplinkBadPacketData, uplink.malformedPacketData)
        set(.uplinkReceiveErrors, uplink.receiveErrors)
        set(.uplinkSDLSUnknownSPI, uplink.securityUnknownSPI)
        set(.uplinkSDLSNotOperational, uplink.securityNotOperational)
        set(.uplinkSDLSBadMAC, uplink.securityBadMAC)
        set(.uplinkSDLSReplay, uplink.securityReplayed + uplink.securityCounterExhausted)
        set(.uplinkSDLSOutsideWindow, uplink.securityOutsideWindow)
        set(.uplinkSDLSNotPersisted, uplink.securityCounterNotPersisted)
    }
}
