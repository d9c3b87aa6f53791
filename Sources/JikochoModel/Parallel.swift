import Dispatch
import Foundation

/// Work spread over the machine's cores with results taken in a fixed order, so that what a reader emits never
/// depends on how many threads read it.
public enum Parallel {
    /// The cores this process may use: the default number of threads for parsing.
    public static var cores: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }

    /// `produce(i, &state)` for every `i` in `0..<count` on `states.count` worker threads (each takes the next `i`
    /// not yet taken, so uneven items balance, and works with its own state, which lives on between items: a
    /// thread's caches), while the calling thread hands the results to `consume` in the order of `i`, as each
    /// becomes ready. At most `ahead` results wait to be consumed (memory stays bounded). With one state or one
    /// item, everything runs on the calling thread. When `consume` throws, the workers stop after the item they are
    /// on and the error is rethrown once they have.
    public static func ordered<State, T>(_ count: Int, states: inout [State], ahead: Int? = nil,
                                         produce: (Int, inout State) -> T, consume: (T) throws -> Void) rethrows
    {
        precondition(!states.isEmpty, "Parallel.ordered needs at least one state")
        let threads = min(states.count, count)
        if threads <= 1 {
            for i in 0..<count { try consume(produce(i, &states[0])) }
            return
        }
        let queue = Queue<T>(count: count, ahead: max(ahead ?? threads * 8, threads))
        let group = DispatchGroup()
        try states.withUnsafeMutableBufferPointer { st in
            let states = UncheckedStates(base: st)
            try withoutActuallyEscaping(produce) { produce in
                let work = Work(body: produce)
                for t in 0..<threads {
                    DispatchQueue.global().async(group: group) {
                        while let i = queue.take() { queue.put(i, work.body(i, &states.base[t])) }
                    }
                }
                defer {
                    queue.stop()
                    group.wait()    // the workers use `produce` and the states: they must be done before returning
                }
                for i in 0..<count { try consume(queue.result(i)) }
            }
        }
    }

    /// The indexes to hand out and the results waiting to be consumed, under one condition.
    private final class Queue<T>: @unchecked Sendable {
        private let condition = NSCondition()
        private var next = 0
        private var consumed = 0
        private var stopped = false
        private var ready: [Int: T] = [:]
        private let count: Int
        private let ahead: Int

        init(count: Int, ahead: Int) {
            self.count = count
            self.ahead = ahead
        }

        /// The next index to produce, once there is room ahead of the consumer; nil when all are taken or stopped.
        func take() -> Int? {
            condition.lock()
            defer { condition.unlock() }
            while !stopped, next < count, next - consumed >= ahead { condition.wait() }
            guard !stopped, next < count else { return nil }
            next += 1
            return next - 1
        }

        func put(_ i: Int, _ value: T) {
            condition.lock()
            ready[i] = value
            condition.broadcast()
            condition.unlock()
        }

        /// Result `i`, waiting until it is produced.
        func result(_ i: Int) -> T {
            condition.lock()
            defer { condition.unlock() }
            while ready.index(forKey: i) == nil { condition.wait() }
            consumed = i + 1
            condition.broadcast()
            return ready.removeValue(forKey: i)!
        }

        func stop() {
            condition.lock()
            stopped = true
            condition.broadcast()
            condition.unlock()
        }
    }

    /// Two stages of one sequential piece of work on two threads: `produce` runs on a worker thread and hands its
    /// results to `send` in order; the calling thread gives each to `consume` in that order. At most `ahead`
    /// results wait (memory stays bounded). `send` returns false once the consumer has stopped (it threw): the
    /// producer should return then, and the error is rethrown once it has. With `threads` below 2 both stages run
    /// on the calling thread, one result at a time.
    public static func pipeline<T>(threads: Int = cores, ahead: Int = 8, produce: (_ send: (T) -> Bool) -> Void,
                                   consume: (T) throws -> Void) throws
    {
        if threads < 2 {
            var failure: Error?
            try withoutActuallyEscaping(consume) { consume in
                produce { item in
                    guard failure == nil else { return false }
                    do { try consume(item) } catch { failure = error; return false }
                    return true
                }
            }
            if let failure { throw failure }
            return
        }
        let channel = Channel<T>(ahead: max(1, ahead))
        let group = DispatchGroup()
        try withoutActuallyEscaping(produce) { produce in
            let work = Producer(body: produce)
            DispatchQueue.global().async(group: group) {
                work.body { channel.send($0) }
                channel.close()
            }
            defer {
                channel.stop()
                group.wait()    // the producer uses `produce`: it must be done before returning
            }
            while let item = channel.receive() { try consume(item) }
        }
    }

    /// Results on their way from a producer thread to the consumer, in order.
    private final class Channel<T>: @unchecked Sendable {
        private let condition = NSCondition()
        /// Taken items are cleared at once (not kept until the queue next runs empty, which a producer that stays
        /// ahead never lets happen) and their slots reused.
        private var items: [T?] = []
        private var head = 0
        private var closed = false
        private var stopped = false
        private let ahead: Int

        init(ahead: Int) { self.ahead = ahead }

        /// False once the consumer has stopped.
        func send(_ item: T) -> Bool {
            condition.lock()
            defer { condition.unlock() }
            while !stopped, items.count - head >= ahead { condition.wait() }
            guard !stopped else { return false }
            items.append(item)
            condition.broadcast()
            return true
        }

        /// The next item; nil once the producer has closed and everything was taken.
        func receive() -> T? {
            condition.lock()
            defer { condition.unlock() }
            while head == items.count, !closed { condition.wait() }
            guard head < items.count else { return nil }
            let item = items[head].take()!
            head += 1
            if head == items.count {
                items.removeAll(keepingCapacity: true)
                head = 0
            } else if head >= 64 {
                items.removeFirst(head)
                head = 0
            }
            condition.broadcast()
            return item
        }

        func close() {
            condition.lock()
            closed = true
            condition.broadcast()
            condition.unlock()
        }

        func stop() {
            condition.lock()
            stopped = true
            condition.broadcast()
            condition.unlock()
        }
    }

    /// The body is only called while `pipeline` waits for its producer.
    private struct Producer<T>: @unchecked Sendable {
        let body: (_ send: (T) -> Bool) -> Void
    }

    /// `body` on another thread while the caller goes on; `wait()` on the result gives its value. For two pieces of
    /// independent work (a check of the database while the originals are hashed).
    public static func background<T: Sendable>(_ body: @escaping @Sendable () -> T) -> Pending<T> {
        let pending = Pending<T>()
        DispatchQueue.global().async { pending.put(body()) }
        return pending
    }

    /// The value of work running on another thread (see `background`).
    public final class Pending<T: Sendable>: @unchecked Sendable {
        private let condition = NSCondition()
        private var value: T?

        fileprivate func put(_ v: T) {
            condition.lock()
            value = v
            condition.broadcast()
            condition.unlock()
        }

        /// Blocks until the work is done.
        public func wait() -> T {
            condition.lock()
            defer { condition.unlock() }
            while value == nil { condition.wait() }
            return value!
        }
    }

    /// Threads of their own (not the shared pool, which a busy producer thread fills on a small machine, so that the
    /// pool runs one worker after another) that do one round of work at a time: `start(body)` calls `body(i)` on
    /// thread `i` for every thread, `wait()` returns once every call of the round has. `stop()` ends the threads.
    public final class Crew: @unchecked Sendable {
        public let count: Int
        private let condition = NSCondition()
        private var round = 0
        private var running = 0
        private var stopped = false
        private var body: (@Sendable (Int) -> Void)?

        public init(_ count: Int) {
            self.count = max(1, count)
            for i in 0..<self.count {
                let thread = Thread { [self] in loop(i) }
                thread.stackSize = 8 << 20
                thread.start()
            }
        }

        private func loop(_ i: Int) {
            var seen = 0
            while true {
                condition.lock()
                while round == seen, !stopped { condition.wait() }
                if stopped {
                    condition.unlock()
                    return
                }
                seen = round
                let work = body!
                condition.unlock()
                work(i)
                condition.lock()
                running -= 1
                if running == 0 { condition.broadcast() }
                condition.unlock()
            }
        }

        /// Begins a round; the one before must be over (`wait()`).
        public func start(_ work: @escaping @Sendable (Int) -> Void) {
            condition.lock()
            precondition(running == 0, "Crew.start while a round is running")
            body = work
            running = count
            round += 1
            condition.broadcast()
            condition.unlock()
        }

        /// Until every thread has done its part of the round.
        public func wait() {
            condition.lock()
            while running > 0 { condition.wait() }
            body = nil
            condition.unlock()
        }

        /// Ends the threads once they are done with the round they are on.
        public func stop() {
            condition.lock()
            stopped = true
            condition.broadcast()
            condition.unlock()
        }
    }

    /// Each worker touches only its own state.
    private struct UncheckedStates<State>: @unchecked Sendable {
        let base: UnsafeMutableBufferPointer<State>
    }

    /// The body is only called while `ordered` waits for its workers.
    private struct Work<State, T>: @unchecked Sendable {
        let body: (Int, inout State) -> T
    }
}
