import Dispatch

#if canImport(Glibc)
    import Glibc
#endif

/// Turns SIGINT and SIGTERM into a call on a Dispatch queue instead of killing the process.
final class TerminationSignals {
    private let sources: [any DispatchSourceSignal]

    /// Calls `handler` (on a private queue) once for every SIGINT or SIGTERM until this object goes away.
    init(_ handler: @escaping @Sendable (_ signal: Int32) -> Void) {
        let queue = DispatchQueue(label: "sluice.signals")
        sources = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler {
                // Signals that arrive before the handler runs are merged into one event; `data` counts them.
                for _ in 0..<max(Int(source.data), 1) { handler(number) }
            }
            source.resume()
            return source
        }
    }

    deinit {
        for source in sources { source.cancel() }
    }
}
