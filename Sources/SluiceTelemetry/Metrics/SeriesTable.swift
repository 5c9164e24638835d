import Synchronization

/// The series of one metric family, keyed by their labels, kept in the order they render (by rendered labels).
/// Only creating, removing and listing series take its lock; updating a series never does.
final class SeriesTable<Series: ExportedSeries>: Sendable {
    private struct Entry {
        var key: [LabelPair]
        var series: Series
    }

    private struct State {
        var ordered: [Entry] = []
        var byLabels: [[LabelPair]: Series] = [:]
    }

    private let state = Mutex(State())

    /// The series with exactly these labels, made by `make` if there is none yet.
    func series(for labels: [LabelPair], make: () -> Series) -> Series {
        state.withLock { state in
            if let existing = state.byLabels[labels] {
                return existing
            }
            let series = make()
            let position = state.ordered.partitionPoint {
                $0.series.sortKey.lexicographicallyPrecedes(series.sortKey)
            }
            state.ordered.insert(Entry(key: labels, series: series), at: position)
            state.byLabels[labels] = series
            return series
        }
    }

    /// Removes the series with these labels; true when there was one.
    @discardableResult
    func remove(_ labels: [LabelPair]) -> Bool {
        state.withLock { state in
            guard state.byLabels.removeValue(forKey: labels) != nil else { return false }
            state.ordered.removeAll { $0.key == labels }
            return true
        }
    }

    /// Removes `series` if it is the one registered under its labels (swift-metrics' `destroy`).
    func remove(_ series: Series) {
        state.withLock { state in
            guard let position = state.ordered.firstIndex(where: { $0.series === series }) else { return }
            state.byLabels.removeValue(forKey: state.ordered[position].key)
            state.ordered.remove(at: position)
        }
    }

    /// Removes every series whose labels match `predicate`.
    func removeAll(where predicate: ([LabelPair]) -> Bool) {
        state.withLock { state in
            for entry in state.ordered where predicate(entry.key) {
                state.byLabels.removeValue(forKey: entry.key)
            }
            state.ordered.removeAll { predicate($0.key) }
        }
    }

    /// Every series, in rendering order.
    func all() -> [Series] {
        state.withLock { $0.ordered.map(\.series) }
    }
}

/// A series a family exports: it renders its own sample lines.
protocol ExportedSeries: AnyObject, Sendable {
    /// Orders a family's series in the exposition (their rendered labels).
    var sortKey: [UInt8] { get }
    func render(into bytes: inout [UInt8])
}

extension MetricCounter: ExportedSeries {
    var sortKey: [UInt8] { prefix }
}

extension MetricGauge: ExportedSeries {
    var sortKey: [UInt8] { prefix }
}

extension MetricHistogram: ExportedSeries {
    var sortKey: [UInt8] { countPrefix }
}

extension Array {
    /// The first index whose element is not `belongsBefore`, for an array partitioned by it.
    fileprivate func partitionPoint(_ belongsBefore: (Element) -> Bool) -> Int {
        var low = 0
        var high = count
        while low < high {
            let middle = (low + high) / 2
            if belongsBefore(self[middle]) {
                low = middle + 1
            } else {
                high = middle
            }
        }
        return low
    }
}
