#if canImport(Glibc)
    import Glibc
#endif
import Foundation
import SluiceCore
import Synchronization

/// A thread of its own that runs work items in order: where a shadow scores. At ``ShadowPriority/idle`` it is
/// in Linux's lowest scheduling class (`SCHED_IDLE`): when the lanes need both cores the scheduler gives it almost
/// nothing (an idle-class thread weighs 3 against a lane's 1024), so the shadow falls behind and skips instead of
/// taking CPU from the primary, and when the lanes leave a core idle it uses it all. At ``ShadowPriority/normal``
/// it competes with the lanes like any thread: the shadow sees more events at saturation, and the lanes get less.
///
/// Submitting never takes a lock: lanes push onto a lock-free list that the worker takes whole. A mutex here
/// would let a lane wait for an idle-class thread that was preempted while holding it, which under load gets
/// the CPU only after tens of milliseconds (priority inversion): the primary would wait for the shadow.
///
/// The caller bounds what it submits (shadows count and skip); the worker itself queues whatever it is given.
final class ShadowWorker: @unchecked Sendable {
    // @unchecked: `newest` holds pointers to nodes that only `async` creates (before publishing them with a
    // releasing compare-exchange) and only the worker thread consumes and frees (after taking the whole list with
    // an acquiring exchange); everything else is atomic or a semaphore.
    private let newest = Atomic<UnsafeMutablePointer<PendingItem>?>(nil)
    private let available = DispatchSemaphore(value: 0)
    private let stopped = Atomic<Bool>(false)
    /// Whether the thread runs at idle priority: asked for, and accepted by the OS (a restricted container may
    /// refuse).
    let isLowered = Atomic<Bool>(false)

    /// Starts the thread, named `name`, at `priority`.
    init(name: String, priority: ShadowPriority) {
        let thread = Thread { [self] in
            #if canImport(Glibc)
                if priority == .idle {
                    // SCHED_IDLE (5 in Linux's sched.h): runs only when no normal thread wants the core. Any
                    // thread may move itself there without privileges.
                    var parameters = sched_param()
                    parameters.sched_priority = 0
                    isLowered.store(pthread_setschedparam(pthread_self(), 5, &parameters) == 0, ordering: .relaxed)
                }
            #endif
            while !stopped.load(ordering: .acquiring) {
                available.wait()
                runEverythingPending()
            }
            runEverythingPending(discarding: true)
        }
        thread.name = name
        thread.start()
    }

    /// Runs `item` on the worker, after everything submitted before it; returns at once, without a lock.
    func async(_ item: @escaping @Sendable () -> Void) {
        let node = UnsafeMutablePointer<PendingItem>.allocate(capacity: 1)
        node.initialize(to: PendingItem(run: item, next: nil))
        var expected = newest.load(ordering: .relaxed)
        while true {
            node.pointee.next = expected
            let (exchanged, found) = newest.compareExchange(
                expected: expected, desired: node, successOrdering: .releasing, failureOrdering: .relaxed)
            if exchanged { break }
            expected = found
        }
        available.signal()
    }

    /// On the worker thread: takes every item pushed so far and runs them in the order they were pushed (or, when
    /// `discarding`, only frees them).
    private func runEverythingPending(discarding: Bool = false) {
        var pushed = newest.exchange(nil, ordering: .acquiring)
        var oldestFirst: UnsafeMutablePointer<PendingItem>? = nil
        while let node = pushed {
            pushed = node.pointee.next
            node.pointee.next = oldestFirst
            oldestFirst = node
        }
        while let node = oldestFirst {
            oldestFirst = node.pointee.next
            let item = node.move().run
            node.deallocate()
            if !discarding { item() }
        }
    }

    /// Runs `item` on the worker after everything submitted before it, and waits for its result.
    func sync<Result: Sendable>(_ item: @escaping @Sendable () -> Result) -> Result {
        let done = DispatchSemaphore(value: 0)
        let result = Mutex<Result?>(nil)
        async {
            let value = item()
            result.withLock { $0 = value }
            done.signal()
        }
        done.wait()
        return result.withLock { $0! }
    }

    /// Ends the thread once the items already submitted have run.
    func stop() {
        async { [self] in stopped.store(true, ordering: .releasing) }
    }
}

/// A work item waiting for a ``ShadowWorker``, and the one pushed before it.
private struct PendingItem {
    var run: @Sendable () -> Void
    var next: UnsafeMutablePointer<PendingItem>?
}
