#if canImport(Glibc)
    import Glibc
#endif
import Foundation
import Synchronization

/// A thread of its own, at the lowest scheduling priority the OS offers a thread (`SCHED_IDLE` on Linux), that
/// runs work items in order. Shadows run on one: when the lanes need both cores the scheduler gives the shadow
/// almost nothing (an idle-class thread weighs 3 against a lane's 1024), so it falls behind and skips instead
/// of taking CPU from the primary; when the lanes leave a core idle, the shadow uses it all.
///
/// The caller bounds what it submits (shadows count and skip); the worker itself queues whatever it is given.
final class LowPriorityWorker: Sendable {
    private let items = Mutex<[@Sendable () -> Void]>([])
    private let available = DispatchSemaphore(value: 0)
    private let stopped = Atomic<Bool>(false)
    /// Whether the OS accepted the lower priority (it may refuse in a restricted container).
    let isLowered = Atomic<Bool>(false)

    /// Starts the thread, named `name`.
    init(name: String) {
        let thread = Thread { [self] in
            #if canImport(Glibc)
                // SCHED_IDLE (5 in Linux's sched.h): runs only when no normal thread wants the core. Any thread
                // may move itself there without privileges.
                var parameters = sched_param()
                parameters.sched_priority = 0
                isLowered.store(pthread_setschedparam(pthread_self(), 5, &parameters) == 0, ordering: .relaxed)
            #endif
            while true {
                available.wait()
                if stopped.load(ordering: .acquiring) { return }
                let item = items.withLock { $0.isEmpty ? nil : $0.removeFirst() }
                item?()
            }
        }
        thread.name = name
        thread.start()
    }

    /// Runs `item` on the worker, after everything submitted before it; returns at once.
    func async(_ item: @escaping @Sendable () -> Void) {
        items.withLock { $0.append(item) }
        available.signal()
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
        available.signal()
    }
}
