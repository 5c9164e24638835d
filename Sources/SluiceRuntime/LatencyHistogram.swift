public import Synchronization

/// A latency histogram with fixed buckets that many threads add to without locks: a count per bucket and the sum
/// in whole microseconds, each an `Atomic<Int>`. A lane gathers a batch's observations in a
/// ``LatencyObservations`` of its own and adds them here in one go, a relaxed atomic add per bucket touched; the
/// telemetry sampler copies the counts into the exported histogram family, which has the same bounds.
public final class LatencyHistogram: Sendable {
    /// The buckets of `sluice_end_to_end_latency_seconds` (`SluiceMetrics.endToEndLatencyBuckets`), in seconds:
    /// 100 µs to 10 s.
    public static let endToEndUpperBounds: [Double] = [
        0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
    ]

    /// Upper bounds of the buckets in seconds, ascending, without +Inf.
    public let upperBounds: [Double]
    /// The same bounds in microseconds, for bucketing without floating point.
    let upperMicroseconds: [Int]
    /// Non-cumulative: counter `i` holds observations in `(upperBounds[i-1], upperBounds[i]]`, the last one those
    /// above every bound.
    private let counts: AtomicCounters
    private let sumMicroseconds = Atomic<Int>(0)

    /// A histogram with `upperBounds` (seconds, ascending, whole microseconds).
    public init(upperBounds: [Double] = LatencyHistogram.endToEndUpperBounds) {
        self.upperBounds = upperBounds
        upperMicroseconds = upperBounds.map { Int(($0 * 1e6).rounded()) }
        counts = AtomicCounters(count: upperBounds.count + 1)
    }

    /// Adds what `observations` gathered and empties it.
    func add(_ observations: LatencyObservations) {
        guard observations.count > 0 else { return }
        for index in 0..<counts.count where observations.counts[index] > 0 {
            counts.add(observations.counts[index], at: index)
            observations.counts[index] = 0
        }
        sumMicroseconds.wrappingAdd(observations.sumMicroseconds, ordering: .relaxed)
        observations.sumMicroseconds = 0
        observations.count = 0
    }

    /// The counts so far.
    public func snapshot() -> Snapshot {
        Snapshot(bucketCounts: counts.values, sumMicroseconds: sumMicroseconds.load(ordering: .relaxed))
    }

    /// A histogram's counts at one moment (read bucket by bucket, so an addition racing the read may be seen in
    /// part).
    public struct Snapshot: Sendable, Equatable {
        /// Observations per bucket, not cumulative; one more than the bounds (the last is above every bound).
        public var bucketCounts: [Int]
        /// The sum of the observations, in microseconds.
        public var sumMicroseconds: Int

        /// The number of observations.
        public var count: Int { bucketCounts.reduce(0, +) }
        /// The sum of the observations, in seconds.
        public var sumSeconds: Double { Double(sumMicroseconds) / 1e6 }
    }
}

/// Latency observations gathered on one thread (a lane) between two additions to a shared ``LatencyHistogram``.
/// Recording one is a binary search over the bounds and two plain adds.
final class LatencyObservations {
    private let upperMicroseconds: UnsafeMutableBufferPointer<Int>
    let counts: UnsafeMutableBufferPointer<Int>
    @exclusivity(unchecked) var sumMicroseconds = 0
    @exclusivity(unchecked) var count = 0

    init(for histogram: LatencyHistogram) {
        upperMicroseconds = .allocate(capacity: histogram.upperMicroseconds.count)
        _ = upperMicroseconds.initialize(from: histogram.upperMicroseconds)
        counts = .allocate(capacity: histogram.upperMicroseconds.count + 1)
        counts.initialize(repeating: 0)
    }

    deinit {
        upperMicroseconds.deallocate()
        counts.deallocate()
    }

    /// Records one latency; a negative one (clocks apart) counts as 0.
    @inline(__always)
    func record(microseconds: Int) {
        let value = max(microseconds, 0)
        var low = 0
        var high = upperMicroseconds.count
        while low < high {
            let middle = (low &+ high) >> 1
            if upperMicroseconds[middle] < value {
                low = middle &+ 1
            } else {
                high = middle
            }
        }
        counts[low] &+= 1
        sumMicroseconds &+= value
        count &+= 1
    }
}
