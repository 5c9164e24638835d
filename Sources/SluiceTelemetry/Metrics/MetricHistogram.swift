public import CoreMetrics
public import Synchronization

/// One histogram series: counts of observations per bucket, their sum and their number. ``observe(_:)`` finds
/// the bucket by binary search over the bounds and makes two relaxed atomic updates (the bucket's count, and a
/// compare-and-swap on the sum): no lock, no allocation.
///
/// Buckets are counted separately and accumulated when rendered, so `_bucket{le="+Inf"}` and `_count` of one
/// rendering always agree; `_sum` is read separately and may include an observation or two more or less than
/// the counts while observations race a scrape.
public final class MetricHistogram: @unchecked Sendable {
    // @unchecked: `bounds` and `counts` point to memory allocated in init, never reallocated, freed in deinit.
    // `bounds` is read-only after init; `counts` holds atomics and is only accessed through atomic operations.
    @usableFromInline let bounds: UnsafeMutablePointer<Double>
    @usableFromInline let boundCount: Int
    /// Non-cumulative counts: `counts[i]` for `(bounds[i-1], bounds[i]]`, `counts[boundCount]` above the last.
    @usableFromInline let counts: UnsafeMutablePointer<Atomic<Int>>
    @usableFromInline let sumBits = Atomic<UInt64>(0)

    /// The upper bounds of the buckets, ascending, without +Inf.
    public let upperBounds: [Double]
    let labels: [LabelPair]
    let bucketPrefixes: [[UInt8]]
    let sumPrefix: [UInt8]
    let countPrefix: [UInt8]

    init(name: String, labels: [LabelPair], upperBounds: [Double]) {
        self.upperBounds = upperBounds
        self.labels = labels
        boundCount = upperBounds.count
        bounds = .allocate(capacity: max(upperBounds.count, 1))
        bounds.initialize(from: upperBounds, count: upperBounds.count)
        counts = .allocate(capacity: upperBounds.count + 1)
        for index in 0...upperBounds.count {
            (counts + index).initialize(to: Atomic(0))
        }
        bucketPrefixes =
            (upperBounds.map(PrometheusText.boundText) + ["+Inf"]).map { bound in
                PrometheusText.seriesPrefix(
                    name: name, suffix: "_bucket", labels: labels, extra: LabelPair("le", bound))
            }
        sumPrefix = PrometheusText.seriesPrefix(name: name, suffix: "_sum", labels: labels)
        countPrefix = PrometheusText.seriesPrefix(name: name, suffix: "_count", labels: labels)
    }

    deinit {
        counts.deinitialize(count: boundCount + 1)
        counts.deallocate()
        bounds.deinitialize(count: boundCount)
        bounds.deallocate()
    }

    /// Records one observation (for latency histograms: seconds). NaN is ignored.
    @inlinable
    public func observe(_ value: Double) {
        observe(value, count: 1)
    }

    /// Records `count` observations of the same value at the cost of one: a batch whose events all took
    /// `value`, or a per-event average over a batch. NaN and counts below 1 are ignored.
    @inlinable
    public func observe(_ value: Double, count: Int) {
        guard count > 0, !value.isNaN else { return }
        counts[bucketIndex(value)].wrappingAdd(count, ordering: .relaxed)
        addToSum(count == 1 ? value : value * Double(count))
    }

    /// Records one duration, in seconds.
    @inlinable
    public func observe(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        observe(Double(seconds) + Double(attoseconds) * 1e-18)
    }

    /// Adds observations already counted into buckets elsewhere, such as a lock-free histogram the pipeline's lanes
    /// add to: `bucketCounts[i]` observations in `(upperBounds[i-1], upperBounds[i]]`, one more count than bounds
    /// for those above every bound, and `sum` the total of them all. Each count goes to this histogram's bucket that
    /// holds its upper bound (the +Inf bucket for the last), so buckets with the same bounds are copied exactly.
    /// Counts below 1 are skipped.
    public func add(bucketCounts: [Int], upperBounds: [Double], sum: Double) {
        precondition(bucketCounts.count == upperBounds.count + 1, "one count per bound, and one above every bound")
        var added = 0
        for (index, count) in bucketCounts.enumerated() where count > 0 {
            let bucket = index < upperBounds.count ? bucketIndex(upperBounds[index]) : boundCount
            counts[bucket].wrappingAdd(count, ordering: .relaxed)
            added += count
        }
        if added > 0, !sum.isNaN { addToSum(sum) }
    }

    /// The index of the first bucket whose bound is ≥ `value`, or `boundCount` (the +Inf bucket).
    @inlinable
    func bucketIndex(_ value: Double) -> Int {
        var low = 0
        var high = boundCount
        while low < high {
            let middle = (low &+ high) >> 1
            if bounds[middle] < value {
                low = middle &+ 1
            } else {
                high = middle
            }
        }
        return low
    }

    @usableFromInline
    func addToSum(_ value: Double) {
        var current = sumBits.load(ordering: .relaxed)
        while true {
            let next = (Double(bitPattern: current) + value).bitPattern
            let (exchanged, original) = sumBits.compareExchange(
                expected: current, desired: next, ordering: .relaxed)
            if exchanged { return }
            current = original
        }
    }

    /// The counts as of now: for percentiles on the dashboard, or tests.
    public func snapshot() -> HistogramSnapshot {
        var bucketCounts: [Int] = []
        bucketCounts.reserveCapacity(boundCount + 1)
        for index in 0...boundCount {
            bucketCounts.append(counts[index].load(ordering: .relaxed))
        }
        return HistogramSnapshot(
            upperBounds: upperBounds, bucketCounts: bucketCounts,
            sum: Double(bitPattern: sumBits.load(ordering: .relaxed)))
    }

    func render(into bytes: inout [UInt8]) {
        var cumulative = 0
        for index in 0...boundCount {
            cumulative &+= counts[index].load(ordering: .relaxed)
            PrometheusText.appendSample(prefix: bucketPrefixes[index], value: cumulative, to: &bytes)
        }
        PrometheusText.appendSample(
            prefix: sumPrefix, value: Double(bitPattern: sumBits.load(ordering: .relaxed)), to: &bytes)
        PrometheusText.appendSample(prefix: countPrefix, value: cumulative, to: &bytes)
    }
}

extension MetricHistogram: RecorderHandler, TimerHandler {
    /// swift-metrics' `Recorder(aggregate: true)`.
    public func record(_ value: Int64) {
        observe(Double(value))
    }

    /// swift-metrics' `Recorder(aggregate: true)`.
    public func record(_ value: Double) {
        observe(value)
    }

    /// swift-metrics' `Timer`: recorded in seconds, the Prometheus base unit.
    public func recordNanoseconds(_ duration: Int64) {
        observe(Double(duration) / 1e9)
    }
}

/// A histogram's counts at one moment.
public struct HistogramSnapshot: Sendable, Equatable {
    /// Upper bounds, ascending, without +Inf.
    public var upperBounds: [Double]
    /// Observations per bucket, not cumulative; one more than `upperBounds` (the last is above every bound).
    public var bucketCounts: [Int]
    /// The sum of all observations.
    public var sum: Double

    /// The number of observations.
    public var count: Int { bucketCounts.reduce(0, +) }

    /// The `q`-quantile (0…1) estimated the way Prometheus' `histogram_quantile` does: linear interpolation
    /// inside the bucket that holds the rank; the first bucket starts at 0 (or at its bound when that is
    /// negative), and ranks in the +Inf bucket answer the highest finite bound. Nil without observations.
    public func quantile(_ q: Double) -> Double? {
        let total = count
        guard total > 0, !q.isNaN else { return nil }
        let rank = min(max(q, 0), 1) * Double(total)
        var cumulative = 0
        for (index, bucketCount) in bucketCounts.enumerated() {
            let previous = cumulative
            cumulative += bucketCount
            guard Double(cumulative) >= rank, bucketCount > 0 else { continue }
            guard index < upperBounds.count else { return upperBounds.last }
            let upper = upperBounds[index]
            let lower = index == 0 ? min(0, upper) : upperBounds[index - 1]
            let fraction = (rank - Double(previous)) / Double(bucketCount)
            return lower + (upper - lower) * fraction
        }
        return upperBounds.last
    }
}
