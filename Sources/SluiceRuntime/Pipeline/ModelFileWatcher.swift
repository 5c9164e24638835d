import Dispatch
import Foundation
public import Logging

/// Reloads a pipeline's primary model when its file changes: checks the file's size and modification time
/// every interval, on a queue of its own, and hands the result of every reload to a logger.
public final class ModelFileWatcher: @unchecked Sendable {
    // @unchecked: the timer is created once and only cancelled afterwards; its handler runs on its own queue
    // and touches only `lastSeen`, which nothing else reads.
    private let timer: any DispatchSourceTimer

    /// Starts watching; stops when the watcher is released or ``stop()`` is called.
    public init(pipeline: TopologyPipeline, every interval: Duration = .seconds(1), logger: Logger) {
        let path = pipeline.primary?.current.specification.path
        let queue = DispatchQueue(label: "sluice.model-watcher")
        timer = DispatchSource.makeTimerSource(queue: queue)
        let milliseconds = Int(
            interval.components.seconds * 1000 + interval.components.attoseconds / 1_000_000_000_000_000)
        nonisolated(unsafe) var lastSeen = path.flatMap(Self.signature)
        timer.schedule(deadline: .now() + .milliseconds(milliseconds), repeating: .milliseconds(milliseconds))
        timer.setEventHandler {
            guard let path else { return }
            let seen = Self.signature(path)
            guard seen != lastSeen else { return }
            lastSeen = seen
            let outcome = pipeline.reloadPrimaryModel()
            switch outcome {
            case .failed: logger.error("\(outcome)")
            default: logger.notice("\(outcome)")
            }
        }
        timer.resume()
    }

    deinit {
        timer.cancel()
    }

    /// Stops watching.
    public func stop() {
        timer.cancel()
    }

    /// Size and modification time of a file, or nil if it cannot be read. Symbolic links are followed, so a file
    /// swapped behind a link (as Kubernetes updates ConfigMap and Secret volumes) counts as changed.
    private static func signature(_ path: String) -> String? {
        let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: resolved) else { return nil }
        let size = (attributes[.size] as? NSNumber)?.int64Value ?? -1
        let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        return "\(size)@\(modified)"
    }
}
