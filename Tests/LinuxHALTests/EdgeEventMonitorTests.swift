import Foundation
import HAL
@testable import LinuxHAL
import SimHardware
import Testing
import Systems

/// Polls `condition` until it holds or `limit` passes: a wait for another thread, not a timing assertion.
func eventually(within limit: Duration = .seconds(5), _ condition: () -> Bool) -> Bool {
    let clock = SystemMonotonicClock.shared
    let deadline = clock.now + limit
    while clock.now < deadline {
        if condition() { return true }
        clock.sleep(until: clock.now + .milliseconds(1))
    }
    return condition()
}

@Suite("EdgeEventMonitor with simulated lines")
struct EdgeEventMonitorTests {
    @Test("injected edges arrive in order with their timestamps, and stop() joins the thread")
    func deliversInOrder() throws {
        let chip = SimGPIOChip(lineNames: ["rain", "door"])
        let line = try chip.requestEdgeEvents(.name("door"), edge: .both, options: GPIOLineOptions())
        let monitor = try EdgeEventMonitor(line: line, name: .edge("test"), capacity: 16, pollInterval: .milliseconds(5))
        #expect(monitor.isRunning)

        chip.injectEdge(.name("door"), kind: .rising, at: MonotonicInstant(nanoseconds: 1_000))
        chip.injectEdge(.name("door"), kind: .falling, at: MonotonicInstant(nanoseconds: 2_500))
        chip.injectEdge(.name("door"), kind: .rising, at: MonotonicInstant(nanoseconds: 7_000))
        var received: [GPIOEdgeEvent] = []
        #expect(
            eventually {
                monitor.drain(into: &received); return received.count >= 3
            })
        chip.injectEdge(.name("door"), kind: .falling, at: MonotonicInstant(nanoseconds: 9_000_000))
        #expect(
            eventually {
                monitor.drain(into: &received); return received.count >= 4
            })

        #expect(
            received == [
                GPIOEdgeEvent(kind: .rising, timestampNanoseconds: 1_000, lineOffset: 1, lineSequence: 1, globalSequence: 1),
                GPIOEdgeEvent(kind: .falling, timestampNanoseconds: 2_500, lineOffset: 1, lineSequence: 2, globalSequence: 2),
                GPIOEdgeEvent(kind: .rising, timestampNanoseconds: 7_000, lineOffset: 1, lineSequence: 3, globalSequence: 3),
                GPIOEdgeEvent(kind: .falling, timestampNanoseconds: 9_000_000, lineOffset: 1, lineSequence: 4, globalSequence: 4),
            ])
        #expect(monitor.stop(timeout: .seconds(2)))
        #expect(!monitor.isRunning)
        #expect(monitor.statistics == EdgeEventMonitor.Statistics(received: 4, dropped: 0, waitErrors: 0, lastError: nil))
        #expect(monitor.stop(timeout: .seconds(2)), "stop is idempotent")
        line.release()
    }

    @Test("a full ring keeps the newest events and counts the overwritten ones")
    func overflowKeepsNewest() throws {
        let chip = SimGPIOChip(lineNames: ["pulse"])
        let line = try chip.requestEdgeEvents(.offset(0), edge: .rising, options: GPIOLineOptions())
        let monitor = try EdgeEventMonitor(line: line, capacity: 4, pollInterval: .milliseconds(5))
        for index in 1...10 {
            chip.injectEdge(.offset(0), kind: .rising, at: MonotonicInstant(nanoseconds: UInt64(index) * 100))
        }
        #expect(eventually { monitor.statistics.received == 10 })
        #expect(monitor.pendingCount == 4)
        #expect(monitor.drain().map(\.timestampNanoseconds) == [700, 800, 900, 1000])
        #expect(monitor.statistics.dropped == 6)
        #expect(monitor.drain().isEmpty)
        #expect(monitor.stop(timeout: .seconds(2)))
        line.release()
    }

    @Test("a line released under the monitor ends its thread and is reported")
    func releasedLineEndsThread() throws {
        let chip = SimGPIOChip(lineNames: ["a"])
        let line = try chip.requestEdgeEvents(.offset(0), edge: .both, options: GPIOLineOptions())
        let monitor = try EdgeEventMonitor(line: line, pollInterval: .milliseconds(5))
        line.release()
        #expect(eventually { !monitor.isRunning })
        #expect(monitor.statistics.lastError?.kind == .released)
        #expect(monitor.statistics.waitErrors == 1)
        #expect(monitor.stop(timeout: .seconds(1)))
    }

    @Test("a monitor dropped without stop() ends its thread on its own, within a few poll intervals", .timeLimit(.minutes(1)))
    func droppedMonitor() throws {
        let chip = SimGPIOChip(lineNames: ["a"])
        let line = try chip.requestEdgeEvents(.offset(0), edge: .both, options: GPIOLineOptions())
        // The kernel's view of this process's threads: /proc/self/task/<tid>/comm holds each
        // thread's name (15 bytes), so the monitor's thread is seen without any hook into it.
        let name = "edge-dropped-t"
        #expect(threadNames().filter { $0 == name }.isEmpty, "no such thread before the test")
        var monitor: EdgeEventMonitor? = try EdgeEventMonitor(line: line, name: .auxiliary(name), pollInterval: .milliseconds(5))
        #expect(eventually { threadNames().contains(name) }, "the monitor's thread runs under its name")
        chip.injectEdge(.offset(0), kind: .rising, at: MonotonicInstant(nanoseconds: 1))
        #expect(eventually { monitor?.statistics.received == 1 })

        let dropped = SystemMonotonicClock.shared.now
        monitor = nil // no stop(): deinit asks the thread to end
        #expect(monitor == nil)
        #expect(eventually(within: .seconds(2)) { !threadNames().contains(name) }, "the dropped monitor's thread is still running")
        // It ends within a poll interval plus scheduling delay; 2 s is the bound on a busy machine.
        #expect(SystemMonotonicClock.shared.now - dropped < .seconds(2))

        // Nobody reads the line any more: a new edge stays with the line.
        chip.injectEdge(.offset(0), kind: .falling, at: MonotonicInstant(nanoseconds: 2))
        #expect(try line.waitForEvents(timeout: .zero).map(\.kind) == [.falling])
        line.release()
    }

    /// The names of this process's threads, from /proc/self/task/*/comm (Linux).
    func threadNames() -> [String] {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        return tasks.compactMap { task in
            (try? String(contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }
}

@Suite("Threads and latches")
struct ThreadTests {
    @Test("join waits for the body, and gives up at its timeout while the body runs")
    func join() throws {
        let gate = Latch()
        let thread = try DedicatedThread(name: .auxiliary("test-join")) { gate.wait(until: SystemMonotonicClock.shared.now + .seconds(30)) }
        #expect(!thread.join(timeout: .milliseconds(20)))
        #expect(!thread.hasFinished)
        gate.set()
        #expect(thread.join(timeout: .seconds(5)))
        #expect(thread.hasFinished)
        #expect(thread.join(timeout: .zero), "joining again reports the ended thread")
    }

    @Test("a latch wait returns at its deadline unset, and at once when set")
    func latch() {
        let latch = Latch()
        let clock = SystemMonotonicClock.shared
        let deadline = clock.now + .milliseconds(2)
        #expect(!latch.wait(until: deadline))
        #expect(clock.now >= deadline)
        latch.set()
        #expect(latch.isSet)
        #expect(latch.wait(until: clock.now + .seconds(30)))
    }
}
