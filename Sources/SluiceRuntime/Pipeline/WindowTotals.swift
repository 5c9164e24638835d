import SluiceOperators

/// What one lane has added to the pipeline's per-window totals (``PipelineMetrics/windowKeys`` and
/// ``PipelineMetrics/windowEvictions``), so that each tick adds only the change since the last, and a released
/// partition takes its keys back out.
final class WindowTotals {
    private var keys: [Int]
    private var evictions: [Int]

    init(windowCount: Int) {
        keys = Array(repeating: 0, count: windowCount)
        evictions = Array(repeating: 0, count: windowCount)
    }

    /// Adds the change in the engine's live and evicted keys since the last call.
    func publish(_ engine: WindowEngine, to metrics: PipelineMetrics) {
        for window in keys.indices {
            let live = engine.liveKeys(window: window)
            if live != keys[window] {
                metrics.windowKeys.add(live - keys[window], at: window)
                keys[window] = live
            }
            let evicted = engine.evictedKeys(window: window)
            if evicted != evictions[window] {
                metrics.windowEvictions.add(evicted - evictions[window], at: window)
                evictions[window] = evicted
            }
        }
    }

    /// Takes this lane's keys back out of the totals: its partition, and the state with it, leaves the process.
    func retract(from metrics: PipelineMetrics) {
        for window in keys.indices where keys[window] != 0 {
            metrics.windowKeys.add(-keys[window], at: window)
            keys[window] = 0
        }
    }
}
