import Foundation
import JikochoModel
import Testing

struct ParallelTests {
    struct Stop: Error {}

    /// Results come in index order whatever the threads and however uneven the items; each worker's state is its
    /// own and lives on between items.
    @Test(arguments: [1, 2, 3, 8])
    func resultsComeInOrderWithEachThreadsOwnState(threads: Int) {
        var states = [Int](repeating: 0, count: threads)
        var seen: [Int] = []
        Parallel.ordered(500, states: &states, produce: { i, done -> Int in
            if i % 37 == 0 { usleep(2_000) }    // an uneven item
            done += 1
            return i * i
        }, consume: { seen.append($0) })
        #expect(seen == (0..<500).map { $0 * $0 })
        #expect(states.reduce(0, +) == 500)
    }

    @Test func nothingToDoCallsNothing() {
        var states = [0, 0]
        var calls = 0
        Parallel.ordered(0, states: &states, produce: { _, _ in 1 }, consume: { _ in calls += 1 })
        #expect(calls == 0)
    }

    /// No more than `ahead` results wait for the consumer: a slow consumer holds the workers back.
    @Test func workersStayWithinTheirLeadOfTheConsumer() {
        final class Watch: @unchecked Sendable {
            let lock = NSLock()
            var produced = 0
            var maxLead = 0
        }
        let watch = Watch()
        var states = [0, 0, 0]
        var consumed = 0
        Parallel.ordered(200, states: &states, ahead: 5, produce: { i, _ -> Int in
            watch.lock.lock()
            watch.produced += 1
            watch.lock.unlock()
            return i
        }, consume: { _ in
            usleep(200)
            consumed += 1
            watch.lock.lock()
            watch.maxLead = max(watch.maxLead, watch.produced - consumed)
            watch.lock.unlock()
        })
        #expect(consumed == 200)
        #expect(watch.maxLead <= 5)
    }

    /// A consumer that throws stops the work: the error comes back and the workers are done before it does.
    @Test func aThrowingConsumerStopsTheWorkers() {
        var states = [0, 0]
        var consumed = 0
        #expect(throws: Stop.self) {
            try Parallel.ordered(10_000, states: &states, produce: { i, n -> Int in
                n += 1
                return i
            }, consume: { i in
                consumed += 1
                if i == 20 { throw Stop() }
            })
        }
        #expect(consumed == 21)
        #expect(states.reduce(0, +) < 10_000)    // stopped early, within the lead of the consumer
    }

    /// Background work runs while the caller works, and `wait` gives its value (also when it was done first).
    @Test func backgroundWorkGivesItsValueToWhoWaits() {
        let started = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let slow = Parallel.background { () -> Int in
            started.signal()
            release.wait()    // stays unfinished until the caller has done its own part
            return 42
        }
        started.wait()
        release.signal()
        #expect(slow.wait() == 42)
        #expect(slow.wait() == 42, "a value can be asked for again")
        let quick = Parallel.background { "done" }
        Thread.sleep(forTimeInterval: 0.01)
        #expect(quick.wait() == "done")
    }

    /// A pipeline's results come to the consumer in the order they were sent, however many threads; the producer
    /// stays within `ahead` of the consumer; a consumer that throws stops the producer, and the error comes back.
    @Test(arguments: [1, 2, 4])
    func aPipelineKeepsTheOrderItWasSentIn(threads: Int) throws {
        var seen: [Int] = []
        try Parallel.pipeline(threads: threads, ahead: 3, produce: { send in
            for i in 0..<2_000 {
                if i % 97 == 0 { usleep(500) }
                guard send(i) else { return }
            }
        }, consume: { seen.append($0) })
        #expect(seen == Array(0..<2_000))
    }

    @Test(arguments: [1, 2])
    func aThrowingConsumerStopsThePipelinesProducer(threads: Int) {
        final class Count: @unchecked Sendable {
            let lock = NSLock()
            var sent = 0
        }
        let count = Count()
        var consumed = 0
        #expect(throws: Stop.self) {
            try Parallel.pipeline(threads: threads, ahead: 4, produce: { send in
                for i in 0..<100_000 {
                    count.lock.lock(); count.sent += 1; count.lock.unlock()
                    guard send(i) else { return }
                }
            }, consume: { i in
                consumed += 1
                if i == 10 { throw Stop() }
            })
        }
        #expect(consumed == 11)
        // The producer was told to stop: it sent at most its lead past the failing item.
        #expect(count.sent <= 11 + 4 + 1)
    }

    /// What the consumer has taken is let go at once, even when the producer is always ahead and the queue never runs
    /// empty (it used to be kept until then: a capture's chunks piled up for the whole run).
    @Test func aPipelineLetsGoOfWhatWasConsumed() throws {
        final class Item: @unchecked Sendable {
            static let lock = NSLock()
            nonisolated(unsafe) static var alive = 0
            init() { Self.lock.lock(); Self.alive += 1; Self.lock.unlock() }
            deinit { Self.lock.lock(); Self.alive -= 1; Self.lock.unlock() }
        }
        var most = 0
        try Parallel.pipeline(threads: 2, ahead: 4, produce: { send in
            for _ in 0..<3_000 { guard send(Item()) else { return } }
        }, consume: { _ in
            usleep(20)    // a slow consumer: the producer stays ahead
            Item.lock.lock(); most = max(most, Item.alive); Item.lock.unlock()
        })
        // In flight: the lead, the one being consumed, the one being sent, and the producer's next.
        #expect(most <= 4 + 3, "\(most) items alive at once")
        #expect(Item.alive == 0)
    }

    /// A crew's threads each do their part of every round; `wait` returns once all have.
    @Test(arguments: [1, 2, 5])
    func aCrewDoesEachRoundOnEveryThread(threads: Int) {
        final class Tally: @unchecked Sendable {
            var counts: [Int]
            init(_ n: Int) { counts = Array(repeating: 0, count: n) }
        }
        let crew = Parallel.Crew(threads)
        defer { crew.stop() }
        let tally = Tally(threads)
        for round in 1...200 {
            crew.start { i in
                if i == round % threads { usleep(100) }    // an uneven part
                tally.counts[i] += 1                        // each thread its own slot
            }
            crew.wait()
            #expect(tally.counts == Array(repeating: round, count: threads))
        }
    }
}
