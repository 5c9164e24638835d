import Foundation
import Testing

@testable import SluiceMonitoring

/// One recorded event, kept by the tests to recompute everything by brute force.
private struct Event {
    var primary: Double
    var shadow: Double
    var primaryDecision: Int
    var shadowDecision: Int
    var latency: Int64
}

/// numpy's linear quantile written out plainly: `h = (n − 1)q`, interpolate between ⌊h⌋ and ⌊h⌋ + 1.
private func bruteQuantile(_ values: [Double], _ q: Double) -> Double? {
    guard !values.isEmpty else { return nil }
    let x = values.sorted()
    let h = Double(x.count - 1) * q
    let lo = Int(h.rounded(.down))
    let hi = min(lo + 1, x.count - 1)
    return x[lo] + (h - Double(lo)) * (x[hi] - x[lo])
}

/// Average ranks by counting (O(n²)), then the textbook Pearson correlation.
private func bruteSpearman(_ x: [Double], _ y: [Double]) -> Double? {
    func ranks(_ v: [Double]) -> [Double] {
        v.map { a in
            let less = v.filter { $0 < a }.count
            let equal = v.filter { $0 == a }.count
            return Double(less) + Double(equal + 1) / 2
        }
    }
    guard x.count >= 2 else { return nil }
    let rx = ranks(x)
    let ry = ranks(y)
    let mx = rx.reduce(0, +) / Double(rx.count)
    let my = ry.reduce(0, +) / Double(ry.count)
    var sxy = 0.0
    var sxx = 0.0
    var syy = 0.0
    for i in rx.indices {
        sxy += (rx[i] - mx) * (ry[i] - my)
        sxx += (rx[i] - mx) * (rx[i] - mx)
        syy += (ry[i] - my) * (ry[i] - my)
    }
    guard sxx > 0, syy > 0 else { return nil }
    return sxy / (sxx * syy).squareRoot()
}

/// Bin counts by scanning the edges: bin i holds edges[i] ≤ x < edges[i+1], the last bin also the top edge.
private func bruteHistogram(_ values: [Double], edges: [Double]) -> (
    counts: [Int], below: Int, above: Int, missing: Int
) {
    var counts = [Int](repeating: 0, count: edges.count - 1)
    var below = 0
    var above = 0
    var missing = 0
    for x in values {
        if x.isNaN {
            missing += 1
        } else if x < edges[0] {
            below += 1
        } else if x > edges[edges.count - 1] {
            above += 1
        } else if x == edges[edges.count - 1] {
            counts[counts.count - 1] += 1
        } else {
            for i in 0..<(edges.count - 1) where edges[i] <= x && x < edges[i + 1] { counts[i] += 1 }
        }
    }
    return (counts, below, above, missing)
}

private func expectMatchesBruteForce(
    _ s: ShadowComparisonSnapshot.Statistics, _ events: ArraySlice<Event>, window: Bool, _ what: String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    let pairs = events.filter { $0.primary.isFinite && $0.shadow.isFinite }
    let differences = pairs.map { abs($0.primary - $0.shadow) }
    #expect(s.eventCount == events.count, "\(what) events", sourceLocation: sourceLocation)
    #expect(s.scoredPairCount == pairs.count, "\(what) pairs", sourceLocation: sourceLocation)
    let agree = events.filter { $0.primaryDecision == $0.shadowDecision }.count
    expectClose(
        s.decisionAgreementRate, events.isEmpty ? nil : Double(agree) / Double(events.count), "\(what) agreement",
        sourceLocation: sourceLocation)
    expectClose(
        s.meanAbsoluteDifference, differences.isEmpty ? nil : differences.reduce(0, +) / Double(differences.count),
        "\(what) mean |d|", sourceLocation: sourceLocation)
    let edges = s.primaryScores.edges
    for (h, values) in [(s.primaryScores, events.map(\.primary)), (s.shadowScores, events.map(\.shadow))] {
        let b = bruteHistogram(values, edges: edges)
        #expect(
            h.counts == b.counts && h.below == b.below && h.above == b.above && h.missing == b.missing,
            "\(what) histogram", sourceLocation: sourceLocation)
    }
    guard window else { return }
    // Exact window statistics: the interpolation and the rank sums may differ in the last bits only.
    expectClose(
        s.p99AbsoluteDifference, bruteQuantile(differences, 0.99), "\(what) p99 |d|", sourceLocation: sourceLocation)
    expectClose(
        s.spearmanCorrelation, bruteSpearman(pairs.map(\.primary), pairs.map(\.shadow)), "\(what) spearman",
        sourceLocation: sourceLocation)
    let latencies = events.map { Double(max($0.latency, 0)) }
    expectClose(s.latencyP50Nanoseconds, bruteQuantile(latencies, 0.5), "\(what) p50", sourceLocation: sourceLocation)
    expectClose(s.latencyP99Nanoseconds, bruteQuantile(latencies, 0.99), "\(what) p99", sourceLocation: sourceLocation)
}

@Suite("Shadow comparison")
struct ShadowComparisonTests {
    @Test(arguments: [(UInt64(1), 97), (UInt64(2), 64), (UInt64(3), 1), (UInt64(4), 250)])
    func windowEqualsBruteForceOverTheLastNEventsAfterEveryBatch(seed: UInt64, window: Int) throws {
        var rng = SyntheticStream(seed: seed)
        let comparison = try ShadowComparison(
            configuration: ShadowComparisonConfiguration(
                primaryModel: "p", shadowModel: "s", windowEvents: window, histogramBins: 7))
        var events: [Event] = []
        var batches = 0
        while events.count < 6 * window + 1_500 {
            let size = 1 + Int(rng.uniform() * Double(min(3 * window, 200)))
            for _ in 0..<size {
                // Scores on a coarse grid (ties), sometimes off [0, 1], sometimes NaN or infinite.
                func score() -> Double {
                    let u = rng.uniform()
                    if u < 0.01 { return .nan }
                    if u < 0.015 { return .infinity }
                    if u < 0.02 { return -.infinity }
                    return (rng.normal(mean: 0.5, sd: 0.35) * 20).rounded() / 20
                }
                let e = Event(
                    primary: score(), shadow: score(), primaryDecision: Int(rng.uniform() * 2),
                    shadowDecision: Int(rng.uniform() * 2),
                    latency: rng.uniform() < 0.01 ? -3 : Int64(rng.uniform() * 50_000))
                events.append(e)
                comparison.record(
                    primaryScore: e.primary, shadowScore: e.shadow, primaryDecision: e.primaryDecision,
                    shadowDecision: e.shadowDecision, shadowLatencyNanoseconds: e.latency)
            }
            batches += 1
            let snapshot = comparison.snapshot()
            expectMatchesBruteForce(
                snapshot.window, events.suffix(window), window: true, "batch \(batches) window")
            expectMatchesBruteForce(
                snapshot.sinceStart, events[...], window: false, "batch \(batches) since start")
            #expect(comparison.eventCount == events.count)
        }
        #expect(batches > 10)
    }

    @Test func emptyComparisonReportsNoStatistics() throws {
        let c = try ShadowComparison(configuration: ShadowComparisonConfiguration(primaryModel: "a", shadowModel: "b"))
        let s = c.snapshot()
        for stats in [s.window, s.sinceStart] {
            #expect(stats.eventCount == 0)
            #expect(stats.decisionAgreementRate == nil)
            #expect(stats.meanAbsoluteDifference == nil)
            #expect(stats.p99AbsoluteDifference == nil)
            #expect(stats.spearmanCorrelation == nil)
            #expect(stats.latencyP50Nanoseconds == nil)
            #expect(stats.primaryScores.counts == [Int](repeating: 0, count: 20))
        }
        #expect(s.windowCapacity == 10_000)
        #expect(s.window.primaryScores.edges.count == 21)
    }

    @Test func snapshotRoundTripsThroughJSONLeavingOutUndefinedStatistics() throws {
        let c = try ShadowComparison(
            configuration: ShadowComparisonConfiguration(primaryModel: "fraud-v3", shadowModel: "fraud-v4"))
        c.record(
            primaryScore: 0.2, shadowScore: 0.2, primaryDecision: 0, shadowDecision: 0, shadowLatencyNanoseconds: 900)
        let snapshot = c.snapshot()
        #expect(snapshot.window.spearmanCorrelation == nil)  // one pair
        let data = try JSONEncoder().encode(snapshot)
        let text = String(decoding: data, as: UTF8.self)
        #expect(!text.contains("spearmanCorrelation"))
        #expect(text.contains("\"meanAbsoluteDifference\":0"))
        #expect(try JSONDecoder().decode(ShadowComparisonSnapshot.self, from: data) == snapshot)
    }

    @Test func invalidConfigurationsAreRejectedWithTheirLocation() {
        let bad = [
            ShadowComparisonConfiguration(primaryModel: "p", shadowModel: "s", windowEvents: 0),
            ShadowComparisonConfiguration(
                primaryModel: "p", shadowModel: "s", histogramLowerBound: 1, histogramUpperBound: 1),
            ShadowComparisonConfiguration(primaryModel: "p", shadowModel: "s", histogramUpperBound: .infinity),
            ShadowComparisonConfiguration(primaryModel: "p", shadowModel: "s", histogramBins: 0),
        ]
        for configuration in bad {
            #expect(throws: MonitoringError.self) { try ShadowComparison(configuration: configuration) }
            do {
                _ = try ShadowComparison(configuration: configuration)
            } catch {
                #expect(error.code == .invalidConfiguration)
                #expect(error.location == "shadow s")
            }
        }
    }
}

@Suite("Average ranks")
struct AverageRanksTests {
    @Test(arguments: [5, 63, 64, 1_000, 20_000])
    func ranksEqualCountingLessAndEqualValues(count: Int) {
        var rng = SyntheticStream(seed: UInt64(count))
        // Negative and positive values, both zeros, infinities, and many ties.
        let values: [Double] = (0..<count).map { i in
            switch i % 50 {
            case 0: -0.0
            case 1: 0.0
            case 2: .infinity
            case 3: -.infinity
            default: (rng.normal(mean: 0, sd: 3) * 4).rounded() / 4
            }
        }
        let ranker = AverageRanks(capacity: count)
        defer { ranker.deallocate() }
        var ranks = [Double](repeating: 0, count: count)
        values.withUnsafeBufferPointer { v in ranks.withUnsafeMutableBufferPointer { ranker.rank(v, into: $0) } }
        let sorted = values.sorted()
        for i in stride(from: 0, to: count, by: max(1, count / 500)) {
            // 1 + #less + (#equal − 1)/2, the counts found in the sorted copy.
            var less = 0
            while less < count && sorted[less] < values[i] { less += 1 }
            var equal = 0
            while less + equal < count && sorted[less + equal] == values[i] { equal += 1 }
            #expect(ranks[i] == Double(less) + Double(equal + 1) / 2, "value \(values[i])")
        }
    }
}

@Suite("Log-linear sketch")
struct LogLinearSketchTests {
    @Test func quantilesStayWithinTheRelativeBoundOfNumpyLinear() {
        var rng = SyntheticStream(seed: 99)
        let sketch = LogLinearSketch(minExponent: -32, maxExponent: 32, subBucketBits: 6)
        defer { sketch.deallocate() }
        var values: [Double] = []
        for i in 0..<20_000 {
            // Five decades, a few exact zeros and repeated values.
            let x = i % 500 == 0 ? 0 : (i % 7 == 0 ? 0.125 : exp(rng.normal(mean: -3, sd: 2.5)))
            values.append(x)
            sketch.add(x)
        }
        #expect(sketch.add(-1) == false)
        #expect(sketch.add(.nan) == false)
        #expect(sketch.count == 20_000)
        let alpha = sketch.relativeAccuracy
        #expect(alpha == 0x1p-7)
        for q in [0.0, 0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999, 1.0] {
            let exact = bruteQuantile(values, q)!
            let estimate = sketch.quantile(q)
            #expect(abs(estimate - exact) <= alpha * exact + 1e-12 * exact, "q=\(q): \(estimate) vs \(exact)")
        }
        // The extremes are the values seen: representatives are clamped to them.
        #expect(sketch.quantile(0) == 0)
        #expect(sketch.quantile(1) == values.max())
    }

    @Test func everyBucketRepresentativeIsWithinAlphaOfItsBucketsBounds() {
        let sketch = LogLinearSketch(minExponent: -3, maxExponent: 3, subBucketBits: 4)
        defer { sketch.deallocate() }
        sketch.add(0x1p-3)
        sketch.add(0x1p3 - 1e-9)
        // Walk values across the bucketed range: the slot is monotone and the midpoint close.
        var previous = 0
        var x = 0x1p-3
        while x < 0x1p3 {
            let slot = sketch.slot(x)
            #expect(slot >= previous)
            previous = slot
            let r = sketch.representative(ofSlot: slot)
            #expect(abs(r - x) <= sketch.relativeAccuracy * x, "\(x) → \(r)")
            x *= 1.0137
        }
        #expect(sketch.slot(0x1p-3 * 0.999) == 0)
        #expect(sketch.slot(0x1p3) == sketch.bucketCount + 1)
    }

    @Test func mergingTwoSketchesEqualsSketchingBothStreams() {
        var rng = SyntheticStream(seed: 5)
        let a = LogLinearSketch(minExponent: 0, maxExponent: 40, subBucketBits: 6)
        let b = LogLinearSketch(minExponent: 0, maxExponent: 40, subBucketBits: 6)
        let both = LogLinearSketch(minExponent: 0, maxExponent: 40, subBucketBits: 6)
        defer {
            a.deallocate()
            b.deallocate()
            both.deallocate()
        }
        for i in 0..<5_000 {
            let x = (exp(rng.normal(mean: 10, sd: 1))).rounded()
            (i % 3 == 0 ? a : b).add(x)
            both.add(x)
        }
        a.merge(b)
        #expect(a.count == both.count)
        for q in [0.0, 0.3, 0.5, 0.9, 0.99, 1.0] { #expect(a.quantile(q) == both.quantile(q)) }
    }
}
