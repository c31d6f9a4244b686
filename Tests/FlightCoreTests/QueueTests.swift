@testable import FlightCore
import HAL
import Synchronization
import Systems
import Testing
#if canImport(Glibc)
    import Glibc
#endif

@Suite("Queues")
struct QueueTests {
    @Test func capacityFullAndCountedDrops() {
        let ring = SPSCRing<Int>(capacity: 3)
        #expect(ring.capacity == 3)
        #expect(ring.pop() == nil)
        #expect(ring.push(1) && ring.push(2) && ring.push(3))
        #expect(!ring.push(4))
        #expect(!ring.push(5))
        #expect(ring.droppedCount == 2)
        #expect(ring.acceptedCount == 3)
        #expect(ring.count == 3)
        #expect(ring.pop() == 1)
        #expect(ring.push(6))
        #expect([ring.pop(), ring.pop(), ring.pop(), ring.pop()] == [2, 3, 6, nil])
    }

    @Test func wrapsAroundManyTimesInOrder() {
        let ring = SPSCRing<UInt64>(capacity: 5)
        var expected: UInt64 = 0
        var next: UInt64 = 0
        for round in 0..<1000 {
            for _ in 0..<(round % 5 + 1) { #expect(ring.push(next)); next += 1 }
            while let value = ring.pop() {
                #expect(value == expected)
                expected += 1
            }
        }
        #expect(expected == next)
        #expect(ring.droppedCount == 0)
    }

    @Test func releasesElementsStillQueued() {
        final class Token: Sendable {}
        weak var watched: Token?
        do {
            let ring = SPSCRing<Token>(capacity: 4)
            let token = Token()
            watched = token
            ring.push(token)
        }
        #expect(watched == nil)
    }

    @Test func eventLogDropsAndCounts() {
        let log = EventLog(capacity: 2)
        for index in 0..<3 {
            log.raise(FlightEvent(id: EventID(0x0101), severity: .low, time: .zero, a: Double(index), count: 1))
        }
        #expect(log.droppedCount == 1)
        var arguments: [Double] = []
        log.drain { arguments.append($0.arguments.0) }
        #expect(arguments == [0, 1])
    }

    /// One producer thread and one consumer, a million items through a small ring: every item
    /// arrives, in order; each refused push is counted by the ring.
    @Test func twoThreadStress() throws {
        let ring = SPSCRing<Int>(capacity: 64)
        let total = 1_000_000
        let refused = Atomic<Int>(0)
        let producer = try DedicatedThread(name: .auxiliary("producer")) {
            var failures = 0
            for value in 0..<total {
                while !ring.push(value) {
                    failures += 1
                    sched_yield()
                }
            }
            refused.store(failures, ordering: .releasing)
        }
        var expected = 0
        var outOfOrder = 0
        while expected < total {
            if let value = ring.pop() {
                if value != expected { outOfOrder += 1 }
                expected += 1
            } else {
                sched_yield()
            }
        }
        #expect(producer.stop(timeout: .seconds(10)))
        #expect(outOfOrder == 0)
        #expect(expected == total)
        #expect(ring.pop() == nil)
        #expect(ring.acceptedCount == total)
        #expect(ring.droppedCount == refused.load(ordering: .acquiring))
    }

    @Test func commandQueueFromSeveralProducers() throws {
        let queue = CommandQueue<Int>(capacity: 100_000)
        let threads = try (0..<4).map { producer in
            try DedicatedThread(name: .auxiliary("link\(producer)")) {
                for index in 0..<10_000 { queue.push(producer * 1_000_000 + index) }
            }
        }
        for thread in threads { #expect(thread.stop(timeout: .seconds(10))) }
        var last = [Int](repeating: -1, count: 4)
        var count = 0
        while let command = queue.pop() {
            let producer = command / 1_000_000
            #expect(command % 1_000_000 > last[producer])
            last[producer] = command % 1_000_000
            count += 1
        }
        #expect(count == 40_000)
        #expect(queue.droppedCount == 0)
    }
}
