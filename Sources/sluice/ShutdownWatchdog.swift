import Dispatch
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Bounds how long a graceful stop may take.
///
/// The first SIGINT or SIGTERM starts a drain (lanes finish, outputs are acknowledged, offsets committed, the group
/// is left). If a second signal arrives, or the drain outlasts `limit`, the process ends at once with exit code 2
/// and says why on standard error. Nothing is lost then: outputs not yet acknowledged and offsets not yet committed
/// are processed again by whichever member takes the partitions over (at-least-once), so some outputs may appear
/// twice. The limit should sit below the orchestrator's own grace period (60 s in `deploy/`), so that the process
/// ends with this message rather than a SIGKILL.
final class ShutdownWatchdog: Sendable {
    private let command: String
    private let limit: Duration
    private let describeProgress: @Sendable () -> String
    private let armed = Atomic<Bool>(false)

    /// A watchdog for `command` (named in its messages); `describeProgress` says what the drain was doing.
    init(command: String, limit: Duration, describeProgress: @escaping @Sendable () -> String) {
        self.command = command
        self.limit = limit
        self.describeProgress = describeProgress
    }

    /// Called for every termination signal: the first arms the timer and returns, so the caller starts the drain;
    /// a later one ends the process.
    func signalReceived(_ name: String) {
        if armed.exchange(true, ordering: .relaxed) {
            exitNow(because: "a second \(name) arrived while draining")
        }
        let seconds = limit.components.seconds
        printError(
            "\(command): \(name) received; draining and committing (a second signal, or \(seconds) s, ends it at once)..."
        )
        DispatchQueue.global().asyncAfter(deadline: .now() + .seconds(Int(seconds))) {
            self.exitNow(because: "the drain did not finish within \(seconds) s")
        }
    }

    private func exitNow(because reason: String) -> Never {
        printError(
            "\(command): \(reason); exiting without finishing it (\(describeProgress())). Outputs not yet "
                + "acknowledged and offsets not yet committed will be processed again by the group (at-least-once).")
        // _exit: no atexit handlers or destructors, which could wait on the very thing that is stuck.
        _exit(2)
    }
}
