import Drivers
import HAL
import SimHardware
import Testing

@Suite struct GeigerConversionTests {
    @Test func deadTimeCorrectionAndDoseByHand() throws {
        // m = 6000 CPM = 100 counts/s; τ = 190 µs → m·τ = 0.019
        // n = 6000 / (1 − 0.019) = 6000 / 0.981 = 6116.2080 CPM
        // dose = 6116.2080 × 0.0057 µSv/h per CPM = 34.8624 µSv/h
        let corrected = try GeigerConversion.deadTimeCorrected(cpm: 6000, deadTimeSeconds: 190e-6)
        #expect(abs(corrected - 6116.2080) < 1e-3)
        let dose = GeigerConversion.doseRate(correctedCPM: corrected, microsievertsPerHourPerCPM: 0.0057)
        #expect(abs(dose - 34.8624) < 1e-4)
        // 45 counts in 15 s = 180 CPM.
        #expect(try GeigerConversion.countsPerMinute(counts: 45, windowSeconds: 15) == 180)
    }

    /// A line whose waits fail (its monitor ended: the line was released or broke).
    final class DeadLine: GPIOEdgeEventLine {
        var failing = false
        func waitForEvents(timeout: Duration) throws(GPIOError) -> [GPIOEdgeEvent] {
            if failing { throw GPIOError(.released, chip: "gpiochip9", line: .offset(3), operation: "wait for edge events") }
            return []
        }
        func release() {}
    }

    @Test func aFailedLineIsABusErrorAtTheNextSampleNotAQuietTube() throws {
        let clock = SimClock()
        let line = DeadLine()
        let counter = GeigerCounter(name: "rad", line: line, clock: clock)
        _ = try counter.start()
        clock.advance(by: .seconds(1))
        #expect(try counter.readSample().first { $0.key == "counts" }?.value == 0)
        line.failing = true
        #expect(throws: DeviceError.self) { try counter.ingest(timeout: .zero) } // the pump drops this
        clock.advance(by: .seconds(1))
        do {
            _ = try counter.readSample()
            Issue.record("a sample after a failed wait must fail")
        } catch {
            #expect(error.category == .bus)
            #expect(error.message.contains("gpiochip9"), "\(error.message)")
        }
    }

    @Test func saturationIsADataError() {
        // 1/τ = 5263.2 counts/s = 315 789 CPM: at 316 000 CPM the tube would be dead all the time.
        #expect(throws: GeigerError.saturated(measuredCPM: 316_000, deadTimeSeconds: 190e-6)) {
            _ = try GeigerConversion.deadTimeCorrected(cpm: 316_000, deadTimeSeconds: 190e-6)
        }
        #expect(GeigerError.saturated(measuredCPM: 316_000, deadTimeSeconds: 190e-6).category == .data)
        #expect(throws: GeigerError.invalidRate(-1)) { _ = try GeigerConversion.deadTimeCorrected(cpm: -1, deadTimeSeconds: 190e-6) }
        #expect(throws: GeigerError.emptyWindow(seconds: 0)) { _ = try GeigerConversion.countsPerMinute(counts: 1, windowSeconds: 0) }
    }
}

@Suite struct GeigerCounterTests {
    private static let second: UInt64 = 1_000_000_000

    private func makeCounter(capacity: Int = 4096, faults: FaultInjector? = nil, clock: SimClock) throws -> (SimGPIOChip, GeigerCounter) {
        let chip = SimGPIOChip(lineNames: ["geiger"], faults: faults)
        chip.assign(.name("geiger"), toDevice: "rad")
        let line = try chip.requestEdgeEvents(.name("geiger"), edge: .falling, options: GPIOLineOptions())
        let counter = GeigerCounter(name: "rad", line: line, clock: clock, configuration: GeigerConfiguration(bufferCapacity: capacity))
        return (chip, counter)
    }

    private func value(_ key: String, in readings: [Reading]) -> Double? {
        readings.first { $0.key == key }?.value
    }

    @Test func countsPerWindowFromInjectedEdges() throws {
        let clock = SimClock()
        let (chip, counter) = try makeCounter(clock: clock)
        #expect(try counter.start().contains("190 µs"))
        // 30 pulses, one every 0.25 s from 0.25 s to 7.5 s, each a falling then a rising edge.
        for k in 1...30 {
            let t = UInt64(k) * Self.second / 4
            chip.injectEdge(.name("geiger"), kind: .falling, at: MonotonicInstant(nanoseconds: t))
            chip.injectEdge(.name("geiger"), kind: .rising, at: MonotonicInstant(nanoseconds: t + 100_000))
        }
        // Two pulses stamped after the first window's end, delivered before it is sampled.
        chip.injectEdge(.name("geiger"), kind: .falling, at: MonotonicInstant(nanoseconds: 10 * Self.second + Self.second / 5))
        chip.injectEdge(.name("geiger"), kind: .falling, at: MonotonicInstant(nanoseconds: 10 * Self.second + 2 * Self.second / 5))
        #expect(try counter.ingest(timeout: .zero) == 32)

        clock.advance(by: .seconds(10))
        let first = try counter.readSample()
        // 30 counts in 10 s = 180 CPM; corrected 180 / (1 − 3·190e-6) = 180.10266 CPM; × 0.0057 = 1.026585 µSv/h.
        #expect(value("counts", in: first) == 30)
        #expect(value("window_s", in: first) == 10)
        #expect(value("cpm", in: first) == 180)
        #expect(abs((value("cpm_corrected", in: first) ?? 0) - 180.10266) < 1e-4)
        #expect(abs((value("dose_rate_usv_h", in: first) ?? 0) - 1.026585) < 1e-5)

        clock.advance(by: .seconds(10))
        let second = try counter.readSample()
        #expect(value("counts", in: second) == 2) // the late pair, in their own window
        #expect(value("cpm", in: second) == 12)
        #expect(counter.statistics == GeigerStatistics(acceptedEvents: 32))
    }

    @Test func pushedEventsBackwardsTimestampsAndOtherEdges() throws {
        let clock = SimClock()
        let (_, counter) = try makeCounter(clock: clock)
        _ = try counter.start()
        let accepted = counter.record([
            GPIOEdgeEvent(kind: .falling, timestampNanoseconds: 5 * Self.second, lineOffset: 0),
            GPIOEdgeEvent(kind: .falling, timestampNanoseconds: 3 * Self.second, lineOffset: 0), // backwards
            GPIOEdgeEvent(kind: .rising, timestampNanoseconds: 5 * Self.second + 1, lineOffset: 0),
            GPIOEdgeEvent(kind: .falling, timestampNanoseconds: 6 * Self.second, lineOffset: 0),
        ])
        #expect(accepted == 2)
        #expect(counter.statistics == GeigerStatistics(acceptedEvents: 2, bufferOverflows: 0, timestampAnomalies: 1, ignoredEdges: 1))
        let sample = try counter.sample(windowEnd: MonotonicInstant(nanoseconds: 60 * Self.second))
        #expect(sample.counts == 2)
        #expect(sample.cpm == 2)
    }

    @Test func overflowingTheBufferLosesNoCount() throws {
        let clock = SimClock()
        let (_, counter) = try makeCounter(capacity: 4, clock: clock)
        _ = try counter.start()
        let events = (1...10).map { GPIOEdgeEvent(kind: .falling, timestampNanoseconds: UInt64($0) * 1_000_000, lineOffset: 0) }
        #expect(counter.record(events) == 10)
        #expect(counter.statistics.bufferOverflows == 6)
        #expect(try counter.sample(windowEnd: MonotonicInstant(nanoseconds: Self.second)).counts == 10)
    }

    @Test func emptyWindowKeepsItsEvents() throws {
        let clock = SimClock(start: MonotonicInstant(nanoseconds: Self.second))
        let (_, counter) = try makeCounter(clock: clock)
        #expect(throws: GeigerError.notStarted) { _ = try counter.sample(windowEnd: clock.now) }
        _ = try counter.start()
        counter.record([GPIOEdgeEvent(kind: .falling, timestampNanoseconds: Self.second / 2, lineOffset: 0)])
        #expect(throws: GeigerError.emptyWindow(seconds: 0)) { _ = try counter.sample(windowEnd: clock.now) }
        do {
            _ = try counter.readSample()
            Issue.record("a zero-length window must not sample")
        } catch {
            #expect(error.category == .notReady)
        }
        clock.advance(by: .seconds(1))
        #expect(try counter.sample(windowEnd: clock.now).counts == 1)
    }

    @Test func saturatedTubeIsADataFault() throws {
        let clock = SimClock()
        let (_, counter) = try makeCounter(capacity: 8192, clock: clock)
        _ = try counter.start()
        // 6000 pulses in 1 s: m·τ = 6000 × 190e-6 = 1.14 ≥ 1.
        counter.record((0..<6000).map { GPIOEdgeEvent(kind: .falling, timestampNanoseconds: UInt64($0) * 150_000, lineOffset: 0) })
        clock.advance(by: .seconds(1))
        do {
            _ = try counter.readSample()
            Issue.record("a saturated tube must not give a dose rate")
        } catch {
            #expect(error.category == .data)
            #expect(error.underlying as? GeigerError == .saturated(measuredCPM: 360_000, deadTimeSeconds: 190e-6))
        }
    }

    @Test func disconnectedLineIsABusFault() throws {
        let clock = SimClock()
        let faults = FaultInjector(clock: clock)
        let (_, counter) = try makeCounter(faults: faults, clock: clock)
        _ = try counter.start()
        faults.inject(.disconnect, device: "rad", extent: .count(1))
        do {
            try counter.ingest(timeout: .milliseconds(100))
            Issue.record("ingest must fail on a disconnected line")
        } catch {
            #expect(error.category == .bus)
        }
        #expect(try counter.ingest(timeout: .zero) == 0)
    }

    @Test func badConfigurationIsRefusedAtStart() throws {
        let clock = SimClock()
        let chip = SimGPIOChip(lineNames: ["geiger"])
        let line = try chip.requestEdgeEvents(.offset(0), edge: .falling, options: GPIOLineOptions())
        let counter = GeigerCounter(name: "rad", line: line, clock: clock, configuration: GeigerConfiguration(microsievertsPerHourPerCPM: 0))
        #expect(throws: DeviceError.self) { _ = try counter.start() }
    }

    @Test func tubeModelThroughTheDriverGivesTheTrueRate() throws {
        // 50 counts/s true for 600 s, 1 s steps. Registered rate m = n / (1 + n·τ) = 50 / 1.0095
        // = 49.5295 /s → 29 717.7 counts expected; Poisson σ = √29 718 = 172.4. The seed is fixed,
        // so this cannot flake; the 5σ bound (±862) is what any seed would pass with p ≈ 1 − 6e-7.
        let clock = SimClock()
        let (chip, counter) = try makeCounter(clock: clock)
        let tube = GeigerTubeModel(chip: chip, line: .name("geiger"), seed: 2024)
        tube.trueCountRate = 50
        tube.attach(to: clock)
        _ = try counter.start()
        for _ in 0..<600 {
            clock.advance(by: .seconds(1))
            try counter.ingest(timeout: .zero)
        }
        let sample = try counter.sample(windowEnd: clock.now)
        #expect(sample.counts == tube.statistics.pulses)
        #expect(abs(Double(sample.counts) - 29_717.7) <= 5 * 172.4)
        // Corrected: 3000 CPM true; 5σ of the count is 862 / 10 min = 86 CPM.
        #expect(abs(sample.correctedCPM - 3000) <= 87)
        #expect(chip.droppedEvents == 0)
    }
}

@Suite struct GeigerSweepTests {
    @Test func doseRateSweepThroughTubeModelAndDriver() throws {
        // 0…100 µSv/h, 10-minute windows. At 100 µSv/h the tube sees 17 544 CPM → 175 440 true counts
        // in the window; the counting noise is √(registered counts) ≈ 0.24 % (0.24 µSv/h), so an
        // epsilon of 1.5 µSv/h is > 6σ. Seed fixed: deterministic.
        let clock = SimClock()
        let chip = SimGPIOChip(lineNames: ["geiger"])
        let line = try chip.requestEdgeEvents(.name("geiger"), edge: .falling, options: GPIOLineOptions())
        let counter = GeigerCounter(name: "rad", line: line, clock: clock)
        let tube = GeigerTubeModel(chip: chip, line: .name("geiger"), seed: 77)
        tube.attach(to: clock)
        try sweep(
            "rad.dose_rate_usv_h", over: 0...100, steps: 10, epsilon: 1.5,
            set: { dose in
                tube.setDoseRate(microsievertsPerHour: dose)
                _ = try counter.start() // a fresh window at the new rate
            },
            read: {
                for _ in 0..<600 {
                    clock.advance(by: .seconds(1))
                    try counter.ingest(timeout: .zero)
                }
                return try counter.sample(windowEnd: clock.now).doseRateMicrosievertsPerHour
            })
        #expect(chip.droppedEvents == 0)
    }
}

/// Kernel events lost to a full buffer, found from the line sequence numbers (libgpiod v2).
@Suite struct GeigerLostEventTests {
    private static let millisecond: UInt64 = 1_000_000

    /// A 16-event buffer (the kernel's default), `pulses` pulses injected between two reads.
    private func run(pulses: Int, sequenceNumbers: Bool) throws -> (GeigerCounter, [Reading], SimGPIOChip) {
        let clock = SimClock()
        let chip = SimGPIOChip(lineNames: ["geiger"], bufferCapacity: 16, reportsSequenceNumbers: sequenceNumbers)
        let line = try chip.requestEdgeEvents(.name("geiger"), edge: .falling, options: GPIOLineOptions())
        let counter = GeigerCounter(name: "rad", line: line, clock: clock, configuration: GeigerConfiguration())
        _ = try counter.start()
        for k in 1...pulses {
            chip.injectEdge(.name("geiger"), kind: .falling, at: MonotonicInstant(nanoseconds: UInt64(k) * Self.millisecond))
        }
        _ = try counter.ingest(timeout: .zero)
        // A second batch that fits: no further loss, and the gap is not counted twice.
        for k in 1...4 {
            chip.injectEdge(.name("geiger"), kind: .falling, at: MonotonicInstant(nanoseconds: UInt64(pulses + k) * Self.millisecond))
        }
        _ = try counter.ingest(timeout: .zero)
        clock.advance(by: .seconds(1))
        return (counter, try counter.readSample(), chip)
    }

    @Test func aSequenceGapIsCountedAsLostEventsAndTheirPulses() throws {
        let (counter, readings, chip) = try run(pulses: 40, sequenceNumbers: true)
        // 40 pulses into a 16-event buffer: the kernel kept the newest 16 (sequence numbers 25…40).
        #expect(chip.droppedEvents == 24)
        #expect(counter.statistics.lostEvents == 24)
        #expect(readings.first { $0.key == "lost_events" }?.value == 24)
        // Every pulse is in the window: 16 + 4 read, 24 known lost.
        #expect(readings.first { $0.key == "counts" }?.value == 44)
    }

    @Test func withoutSequenceNumbersLossIsInvisible() throws {
        // libgpiod v1: no sequence numbers, so the 24 lost pulses cannot be known.
        let (counter, readings, _) = try run(pulses: 40, sequenceNumbers: false)
        #expect(counter.statistics.lostEvents == 0)
        #expect(readings.first { $0.key == "lost_events" }?.value == 0)
        #expect(readings.first { $0.key == "counts" }?.value == 20)
    }

    @Test func noLossNoCount() throws {
        let (counter, readings, _) = try run(pulses: 10, sequenceNumbers: true)
        #expect(counter.statistics.lostEvents == 0)
        #expect(readings.first { $0.key == "counts" }?.value == 14)
    }

    @Test func theSimulatedChipNumbersEventsPerLineFromOne() throws {
        let chip = SimGPIOChip(lineNames: ["a", "b"])
        let a = try chip.requestEdgeEvents(.name("a"), edge: .both, options: GPIOLineOptions())
        let b = try chip.requestEdgeEvents(.name("b"), edge: .both, options: GPIOLineOptions())
        chip.injectEdge(.name("a"), kind: .rising, at: MonotonicInstant(nanoseconds: 1))
        chip.injectEdge(.name("b"), kind: .rising, at: MonotonicInstant(nanoseconds: 2))
        chip.injectEdge(.name("a"), kind: .falling, at: MonotonicInstant(nanoseconds: 3))
        #expect(try a.waitForEvents(timeout: .zero).map(\.lineSequence) == [1, 2])
        #expect(try b.waitForEvents(timeout: .zero).map(\.lineSequence) == [1])
    }
}
