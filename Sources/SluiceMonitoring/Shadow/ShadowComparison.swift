/// Live comparison of one shadow model with the primary, fed once per event that both scored.
///
/// Per event the shadow queue calls ``record(primaryScore:shadowScore:primaryDecision:shadowDecision:shadowLatencyNanoseconds:)``:
/// four stores into a ring buffer of the last `windowEvents` events, a handful of running totals,
/// two histogram increments and two sketch increments. No allocation, no lock, no logarithm.
/// ``snapshot()`` computes every statistic, exactly over the window (radix-sorting copies of it, O(N))
/// and from the running totals and sketches since start; call it about once a second, not per event.
///
/// Memory is fixed at creation: 25 bytes per window event, two histograms and two sketches
/// (about 60 KB). A comparison belongs to the queue that feeds it (one thread at a time); it is
/// deliberately not `Sendable` — read snapshots on that queue, hand the `Sendable` snapshot on.
public final class ShadowComparison {
    /// Since-start totals and the ring position, kept behind a pointer so that the hot path pays no
    /// exclusivity check on a class property.
    private struct Totals {
        var next = 0
        var windowCount = 0
        var events: UInt64 = 0
        var agreements: UInt64 = 0
        var scoredPairs: UInt64 = 0
        var differenceSum = CompensatedSum()
    }

    /// |primary − shadow| from 2^−32 (2.3e−10) to 2^32 (4.3e9), 64 buckets per octave: α = 2^−7.
    static let differenceSketchLayout = (minExponent: -32, maxExponent: 32, subBucketBits: 6)
    /// Shadow latency from 1 ns to 2^40 ns (18 minutes), 64 buckets per octave: α = 2^−7.
    static let latencySketchLayout = (minExponent: 0, maxExponent: 40, subBucketBits: 6)

    public let configuration: ShadowComparisonConfiguration
    private let capacity: Int
    private let bins: HistogramBins
    private let totals: UnsafeMutablePointer<Totals>
    private let primaryRing: UnsafeMutablePointer<Double>
    private let shadowRing: UnsafeMutablePointer<Double>
    private let latencyRing: UnsafeMutablePointer<Int64>
    private let agreementRing: UnsafeMutablePointer<UInt8>
    private let primaryCounts: UnsafeMutablePointer<UInt64>
    private let shadowCounts: UnsafeMutablePointer<UInt64>
    private let differenceSketch: LogLinearSketch
    private let latencySketch: LogLinearSketch

    public init(configuration: ShadowComparisonConfiguration) throws(MonitoringError) {
        try configuration.validate()
        self.configuration = configuration
        let n = configuration.windowEvents
        capacity = n
        bins = HistogramBins(
            lower: configuration.histogramLowerBound, upper: configuration.histogramUpperBound,
            count: configuration.histogramBins)
        totals = .allocate(capacity: 1)
        totals.initialize(to: Totals())
        primaryRing = .allocate(capacity: n)
        primaryRing.initialize(repeating: 0, count: n)
        shadowRing = .allocate(capacity: n)
        shadowRing.initialize(repeating: 0, count: n)
        latencyRing = .allocate(capacity: n)
        latencyRing.initialize(repeating: 0, count: n)
        agreementRing = .allocate(capacity: n)
        agreementRing.initialize(repeating: 0, count: n)
        primaryCounts = .allocate(capacity: bins.slotCount)
        primaryCounts.initialize(repeating: 0, count: bins.slotCount)
        shadowCounts = .allocate(capacity: bins.slotCount)
        shadowCounts.initialize(repeating: 0, count: bins.slotCount)
        let d = Self.differenceSketchLayout
        differenceSketch = LogLinearSketch(
            minExponent: d.minExponent, maxExponent: d.maxExponent, subBucketBits: d.subBucketBits)
        let l = Self.latencySketchLayout
        latencySketch = LogLinearSketch(
            minExponent: l.minExponent, maxExponent: l.maxExponent, subBucketBits: l.subBucketBits)
    }

    deinit {
        totals.deinitialize(count: 1)
        totals.deallocate()
        primaryRing.deallocate()
        shadowRing.deallocate()
        latencyRing.deallocate()
        agreementRing.deallocate()
        primaryCounts.deallocate()
        shadowCounts.deallocate()
        differenceSketch.deallocate()
        latencySketch.deallocate()
    }

    // MARK: Hot path

    /// Records one event both models scored.
    ///
    /// - Parameters:
    ///   - primaryScore: the production model's score; NaN or ±∞ keeps the event out of the difference
    ///     and rank statistics (it still counts for agreement, latency and the histogram's `missing`,
    ///     `below` or `above`).
    ///   - shadowScore: the shadow model's score for the same feature vector; same rule.
    ///   - primaryDecision, shadowDecision: the decisions the two made (0/1 for a binary model, the
    ///     class index for a multiclass one); the event agrees when they are equal.
    ///   - shadowLatencyNanoseconds: the shadow's scoring time in ns; negative values count as 0.
    @inline(__always)
    public func record(
        primaryScore: Double, shadowScore: Double, primaryDecision: Int, shadowDecision: Int,
        shadowLatencyNanoseconds: Int64
    ) {
        let t = totals
        let i = t.pointee.next
        let latency = max(shadowLatencyNanoseconds, 0)
        let agrees: UInt8 = primaryDecision == shadowDecision ? 1 : 0
        primaryRing[i] = primaryScore
        shadowRing[i] = shadowScore
        latencyRing[i] = latency
        agreementRing[i] = agrees
        t.pointee.next = i &+ 1 == capacity ? 0 : i &+ 1
        if t.pointee.windowCount < capacity { t.pointee.windowCount &+= 1 }
        t.pointee.events &+= 1
        t.pointee.agreements &+= UInt64(agrees)
        // Finite exactly when both scores are: ∞ − ∞ is NaN, ∞ − x is ∞.
        let d = abs(primaryScore - shadowScore)
        if d.isFinite {
            t.pointee.scoredPairs &+= 1
            t.pointee.differenceSum.add(d)
            differenceSketch.add(d)
        }
        primaryCounts[bins.slot(primaryScore)] &+= 1
        shadowCounts[bins.slot(shadowScore)] &+= 1
        latencySketch.add(Double(latency))
    }

    // MARK: Reading

    /// Events recorded since creation.
    public var eventCount: Int { Int(totals.pointee.events) }

    /// Every statistic now: exact over the window, from totals and sketches since start. Costs O(N)
    /// in the window size (byte-wise radix sorts of copies: three sorts and two rank argsorts) and
    /// allocates its scratch space; well under a millisecond at the default 10,000 events (measured in
    /// `docs/shadow.md`).
    public func snapshot() -> ShadowComparisonSnapshot {
        ShadowComparisonSnapshot(
            primaryModel: configuration.primaryModel, shadowModel: configuration.shadowModel,
            windowCapacity: capacity, window: windowStatistics(), sinceStart: sinceStartStatistics(),
            sketchRelativeAccuracy: differenceSketch.relativeAccuracy)
    }

    private func windowStatistics() -> ShadowComparisonSnapshot.Statistics {
        let n = totals.pointee.windowCount
        // The window is the whole ring once it has wrapped, else its first n slots: order does not
        // matter to any statistic.
        var agreements = 0
        var primaryHistogram = [Int](repeating: 0, count: bins.slotCount)
        var shadowHistogram = [Int](repeating: 0, count: bins.slotCount)
        var primary = [Double](repeating: 0, count: n)
        var shadow = [Double](repeating: 0, count: n)
        var differences = [Double](repeating: 0, count: n)
        var latencies = [Double](repeating: 0, count: n)
        var pairs = 0
        var differenceSum = 0.0
        for k in 0..<n {
            agreements += Int(agreementRing[k])
            let p = primaryRing[k]
            let s = shadowRing[k]
            primaryHistogram[bins.slot(p)] += 1
            shadowHistogram[bins.slot(s)] += 1
            latencies[k] = Double(latencyRing[k])
            let d = abs(p - s)
            if d.isFinite {
                primary[pairs] = p
                shadow[pairs] = s
                differences[pairs] = d
                differenceSum += d
                pairs += 1
            }
        }
        let sorter = DoubleRadixSort(capacity: n)
        defer { sorter.deallocate() }
        var p99Difference: Double?
        var spearman: Double?
        if pairs > 0 {
            differences.withUnsafeMutableBufferPointer { b in
                let used = UnsafeMutableBufferPointer(rebasing: b[0..<pairs])
                sorter.sort(used)
                p99Difference = SortedQuantile.linear(UnsafeBufferPointer(used), 0.99)
            }
            let ranker = AverageRanks(capacity: pairs)
            defer { ranker.deallocate() }
            // Each score buffer is replaced by its ranks (the ranker reads every value before it writes).
            let r = primary.withUnsafeMutableBufferPointer { pb in
                shadow.withUnsafeMutableBufferPointer { sb in
                    let primaryRanks = UnsafeMutableBufferPointer(rebasing: pb[0..<pairs])
                    let shadowRanks = UnsafeMutableBufferPointer(rebasing: sb[0..<pairs])
                    ranker.rank(UnsafeBufferPointer(primaryRanks), into: primaryRanks)
                    ranker.rank(UnsafeBufferPointer(shadowRanks), into: shadowRanks)
                    return ShadowStatistics.rankCorrelation(
                        UnsafeBufferPointer(primaryRanks), UnsafeBufferPointer(shadowRanks))
                }
            }
            spearman = r.isNaN ? nil : r
        }
        var latencyP50: Double?
        var latencyP99: Double?
        if n > 0 {
            latencies.withUnsafeMutableBufferPointer { b in
                sorter.sort(b)
                latencyP50 = SortedQuantile.linear(UnsafeBufferPointer(b), 0.5)
                latencyP99 = SortedQuantile.linear(UnsafeBufferPointer(b), 0.99)
            }
        }
        return ShadowComparisonSnapshot.Statistics(
            eventCount: n, scoredPairCount: pairs,
            decisionAgreementRate: n > 0 ? Double(agreements) / Double(n) : nil,
            meanAbsoluteDifference: pairs > 0 ? differenceSum / Double(pairs) : nil,
            p99AbsoluteDifference: p99Difference, spearmanCorrelation: spearman,
            primaryScores: histogram(primaryHistogram), shadowScores: histogram(shadowHistogram),
            latencyP50Nanoseconds: latencyP50, latencyP99Nanoseconds: latencyP99)
    }

    private func sinceStartStatistics() -> ShadowComparisonSnapshot.Statistics {
        let t = totals.pointee
        let events = Int(t.events)
        let pairs = Int(t.scoredPairs)
        let primaryHistogram = (0..<bins.slotCount).map { Int(primaryCounts[$0]) }
        let shadowHistogram = (0..<bins.slotCount).map { Int(shadowCounts[$0]) }
        return ShadowComparisonSnapshot.Statistics(
            eventCount: events, scoredPairCount: pairs,
            decisionAgreementRate: events > 0 ? Double(t.agreements) / Double(events) : nil,
            meanAbsoluteDifference: pairs > 0 ? t.differenceSum.value / Double(pairs) : nil,
            p99AbsoluteDifference: pairs > 0 ? differenceSketch.quantile(0.99) : nil,
            spearmanCorrelation: nil,
            primaryScores: histogram(primaryHistogram), shadowScores: histogram(shadowHistogram),
            latencyP50Nanoseconds: events > 0 ? latencySketch.quantile(0.5) : nil,
            latencyP99Nanoseconds: events > 0 ? latencySketch.quantile(0.99) : nil)
    }

    private func histogram(_ slots: [Int]) -> ScoreHistogram {
        ScoreHistogram(
            edges: bins.edges, counts: Array(slots[0..<bins.count]), below: slots[bins.below],
            above: slots[bins.above], missing: slots[bins.missing])
    }
}
