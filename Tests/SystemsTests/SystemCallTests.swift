#if canImport(Glibc)
    import Glibc
#endif
import Synchronization
import Systems
import Testing

@Suite("SystemCallError and retryingOnInterrupt")
struct SystemCallTests {
    @Test func errorKeepsCallAndErrno() {
        let error = SystemCallError(call: "open(/nonexistent)", errno: ENOENT)
        #expect(error.call == "open(/nonexistent)")
        #expect(error.errno == 2)
        #expect(error.message == "No such file or directory")
        #expect(error.description == "open(/nonexistent): No such file or directory (errno 2)")
    }

    @Test func lastErrorReadsErrno() {
        #expect(close(-1) == -1)
        #expect(SystemCallError.lastError(of: "close") == SystemCallError(call: "close", errno: EBADF))
    }

    @Test func failureIsThrownWithTheCallName() {
        #expect(throws: SystemCallError(call: "open", errno: ENOENT)) {
            try retryingOnInterrupt("open") { open("/nonexistent/iost-systems-test", O_RDONLY) }
        }
    }

    @Test func eintrIsRetriedInEveryConvention() throws {
        var calls = 0
        let value = try retryingOnInterrupt("fake") { () -> Int32 in
            calls += 1
            if calls < 3 { errno = EINTR; return -1 }
            return 7
        }
        #expect(value == 7 && calls == 3)

        calls = 0
        _ = try retryingOnInterrupt("pthread_fake", .returnsErrorNumber) { () -> Int32 in
            calls += 1
            return calls < 2 ? EINTR : 0
        }
        #expect(calls == 2)
        #expect(throws: SystemCallError(call: "pthread_fake", errno: EBUSY)) {
            try retryingOnInterrupt("pthread_fake", .returnsErrorNumber) { EBUSY }
        }

        calls = 0
        let read = try retryingOnInterrupt("i2c_smbus_fake", .returnsNegatedErrno) { () -> Int32 in
            calls += 1
            return calls < 2 ? -EINTR : 0x60
        }
        #expect(read == 0x60 && calls == 2)
        #expect(throws: SystemCallError(call: "i2c_smbus_fake", errno: ENXIO)) {
            try retryingOnInterrupt("i2c_smbus_fake", .returnsNegatedErrno) { -ENXIO }
        }
        #expect(throws: SystemCallError(call: "i2c_smbus_fake", errno: EIO)) {
            try retryingOnInterrupt("i2c_smbus_fake", .returnsNegatedErrno) { Int32.min }
        }
    }

    /// A real signal interrupts a real blocking `read`: the helper calls again and returns the
    /// byte written afterwards, instead of failing with EINTR.
    @Test func aSignalDuringABlockingReadIsRetried() throws {
        // SIGUSR2 with a handler that does nothing, without SA_RESTART: read(2) fails with EINTR.
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in }
        action.sa_flags = 0
        sigemptyset(&action.sa_mask)
        var previous = sigaction()
        #expect(sigaction(SIGUSR2, &action, &previous) == 0)
        defer { sigaction(SIGUSR2, &previous, nil) }

        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        let (readEnd, writeEnd) = (fds[0], fds[1])
        defer { close(readEnd); close(writeEnd) }

        let attempts = Atomic<Int>(0)
        let outcome = Mutex<Result<Int, SystemCallError>?>(nil)
        let reader = try DedicatedThread(name: .auxiliary("test-eintr")) {
            var unblock = sigset_t()
            sigemptyset(&unblock)
            sigaddset(&unblock, SIGUSR2)
            pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
            var byte: UInt8 = 0
            let result = Result { () throws(SystemCallError) in
                try retryingOnInterrupt("read") { () -> Int in
                    attempts.add(1, ordering: .relaxed)
                    return read(readEnd, &byte, 1)
                }
            }
            outcome.withLock { $0 = result.map { _ in Int(byte) } }
        }
        // Signal until a read was interrupted and called again (a signal arriving before the
        // thread blocks only runs the handler), then give it its byte.
        let limit = MonotonicTime.deadline(after: .seconds(10))
        while attempts.load(ordering: .relaxed) < 2, MonotonicTime.nanoseconds < limit {
            try reader.send(signal: SIGUSR2)
            MonotonicTime.sleep(for: .milliseconds(5))
        }
        var byte: UInt8 = 0x5A
        #expect(write(writeEnd, &byte, 1) == 1)
        #expect(reader.join(timeout: .seconds(10)))
        #expect(attempts.load(ordering: .relaxed) >= 2)
        let result = outcome.withLock { $0 }
        #expect(try result?.get() == 0x5A)
    }

    @Test func writeAllWritesEveryByte() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        try writeAll("systems ✓\n", to: fds[1])
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = read(fds[0], &buffer, buffer.count)
        #expect(String(decoding: buffer.prefix(max(0, count)), as: UTF8.self) == "systems ✓\n")
        #expect(throws: SystemCallError(call: "write", errno: EBADF)) { try writeAll("x", to: -1) }
    }
}

@Suite("MonotonicTime")
struct MonotonicTimeTests {
    @Test func advancesAndSleepsAtLeastTheInterval() {
        let first = MonotonicTime.nanoseconds
        MonotonicTime.sleep(for: .milliseconds(10))
        let second = MonotonicTime.nanoseconds
        #expect(second - first >= 10_000_000)
        #expect(MonotonicTime.deadline(after: .seconds(-5)) >= second)
        // An interval beyond Int64 nanoseconds saturates instead of wrapping into the past.
        #expect(MonotonicTime.deadline(after: .seconds(Int64.max)) > UInt64(Int64.max))
        // A deadline in the past returns at once.
        MonotonicTime.sleep(untilNanoseconds: 0)
    }
}
