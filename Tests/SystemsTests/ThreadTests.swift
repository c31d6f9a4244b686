#if canImport(Glibc)
    import Glibc
#endif
import Synchronization
import Systems
import Testing

@Suite("ThreadName")
struct ThreadNameTests {
    @Test func rolesHaveTheirNames() {
        #expect(ThreadName.executive.description == "iost-executive")
        #expect(ThreadName.bus("i2c-1").description == "iost-bus-i2c-1")
        #expect(ThreadName.downlink.description == "iost-downlink")
        #expect(ThreadName.uplink.description == "iost-uplink")
        #expect(ThreadName.telemetry.description == "iost-telemetry")
        #expect(ThreadName.edge("geiger").description == "iost-edge-geiger")
        #expect(ThreadName.watchdog.description == "iost-watchdog")
        #expect(ThreadName.signals.description == "iost-signals")
        #expect(ThreadName.shutdown.description == "iost-shutdown")
        #expect(ThreadName.auxiliary("bench-ground").description == "bench-ground")
    }

    @Test func kernelNameKeepsFifteenBytes() {
        #expect(ThreadName.kernelLimit == 15)
        // Short names are kept whole.
        #expect(ThreadName.executive.kernelName == "iost-executive")
        #expect(ThreadName.bus("rs485").kernelName == "iost-bus-rs485")
        // "iost-bus-cabin-i2c" is 18 bytes: the first 15 remain.
        #expect(ThreadName.bus("cabin-i2c").kernelName == "iost-bus-cabin-")
        #expect(ThreadName.edge("geiger").kernelName == "iost-edge-geige")
        // Exactly 15 bytes stays whole.
        #expect(ThreadName.auxiliary("abcdefghijklmno").kernelName == "abcdefghijklmno")
    }

    @Test func kernelNameNeverSplitsACharacter() {
        // "iost-bus-" is 9 bytes and each "é" 2: three fill the 15 bytes exactly (9 + 2 * 3), and
        // the fourth is dropped whole rather than cut in half.
        let name = ThreadName.bus("ééééé")
        #expect(name.kernelName == "iost-bus-ééé")
        #expect(name.kernelName.utf8.count == 15)
        // 14 bytes and a 3-byte character: the character does not fit in the 15th byte.
        let odd = ThreadName.auxiliary("abcdefghijklmn€")
        #expect(odd.kernelName == "abcdefghijklmn")
    }
}

/// The calling thread's name as the kernel has it.
private func kernelThreadName() -> String? {
    guard let bytes = try? readFile(atPath: "/proc/thread-self/comm") else { return nil }
    return String(decoding: bytes.filter { $0 != 0x0A }, as: UTF8.self)
}

@Suite("DedicatedThread")
struct DedicatedThreadTests {
    @Test func theKernelKnowsTheThreadByItsRoleName() throws {
        let seen = Latch()
        let name = Mutex<String?>(nil)
        let thread = try DedicatedThread(name: .bus("cabin-i2c")) {
            name.withLock { $0 = kernelThreadName() }
            seen.set()
        }
        #expect(thread.join(timeout: .seconds(10)))
        #expect(seen.isSet)
        #expect(name.withLock { $0 } == "iost-bus-cabin-")
        #expect(thread.name == .bus("cabin-i2c"))
    }

    @Test func stopRequestEndsThePollingBodyAndJoinIsBounded() throws {
        let loops = Atomic<Int>(0)
        let thread = try DedicatedThread(name: .auxiliary("test-stop")) { thread in
            while !thread.isStopRequested {
                loops.add(1, ordering: .relaxed)
                thread.waitForStopRequest(timeout: .milliseconds(2))
            }
        }
        // Still running: a short bounded join gives up.
        #expect(!thread.join(timeout: .milliseconds(30)))
        #expect(!thread.hasFinished)
        #expect(loops.load(ordering: .relaxed) > 0)
        #expect(thread.stop(timeout: .seconds(10)))
        #expect(thread.hasFinished)
        // Joined already: again is fine, and a signal to it is refused.
        #expect(thread.join(timeout: .zero))
        #expect(throws: SystemCallError(call: "pthread_kill", errno: ESRCH)) { try thread.send(signal: SIGUSR2) }
    }

    @Test func waitForStopRequestWakesAtOnce() throws {
        let woke = Atomic<Bool>(false)
        let thread = try DedicatedThread(name: .auxiliary("test-wake")) { thread in
            woke.store(thread.waitForStopRequest(timeout: .seconds(60)), ordering: .releasing)
        }
        let start = MonotonicTime.nanoseconds
        thread.requestStop()
        #expect(thread.join(timeout: .seconds(10)))
        let didWake = woke.load(ordering: .acquiring)
        #expect(didWake)
        #expect(MonotonicTime.nanoseconds - start < 5_000_000_000)
    }

    @Test func threadStartErrorNamesThreadAndCall() {
        let error = ThreadStartError(thread: .executive, errno: EAGAIN)
        #expect(error.systemCallError == SystemCallError(call: "pthread_create(iost-executive)", errno: EAGAIN))
        #expect(error.description == "cannot start thread iost-executive: pthread_create(iost-executive): Resource temporarily unavailable (errno 11)")
    }
}

@Suite("Latch")
struct LatchTests {
    @Test func waitTimesOutAtItsDeadlineNotBefore() {
        let latch = Latch()
        let start = MonotonicTime.nanoseconds
        #expect(!latch.wait(timeout: .milliseconds(20)))
        let elapsed = MonotonicTime.nanoseconds - start
        #expect(elapsed >= 20_000_000)
        #expect(elapsed < 5_000_000_000)
        #expect(!latch.isSet)
    }

    @Test func setWakesAWaiterOnAnotherThreadAndStaysSet() throws {
        let latch = Latch()
        let started = Latch()
        let result = Atomic<Bool>(false)
        let waiter = try DedicatedThread(name: .auxiliary("test-latch")) {
            started.set()
            result.store(latch.wait(timeout: .seconds(60)), ordering: .releasing)
        }
        #expect(started.wait(timeout: .seconds(10)))
        let start = MonotonicTime.nanoseconds
        latch.set()
        #expect(waiter.join(timeout: .seconds(10)))
        let didWake = result.load(ordering: .acquiring)
        #expect(didWake)
        #expect(MonotonicTime.nanoseconds - start < 5_000_000_000)
        #expect(latch.isSet)
        // Set stays set: waits return at once, whatever the deadline.
        #expect(latch.wait(untilNanoseconds: 0))
        latch.wait()
    }
}
