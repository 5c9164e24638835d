import Dispatch

#if canImport(Glibc)
    import Glibc
#endif

/// Turns SIGINT and SIGTERM into a call on a Dispatch queue instead of killing the process.
final class TerminationSignals {
    private let sources: [any DispatchSourceSignal]

    /// Calls `handler` (on a private queue) for every SIGINT or SIGTERM until this object goes away.
    init(_ handler: @escaping @Sendable (_ signal: Int32) -> Void) {
        let queue = DispatchQueue(label: "sluice.signals")
        sources = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { handler(number) }
            source.resume()
            return source
        }
    }

    deinit {
        for source in sources { source.cancel() }
    }
}
