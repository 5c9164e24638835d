import Foundation
import Testing

@testable import SluiceMonitoring

private struct ShadowComparisonFixture: Decodable {
    struct Histogram: Decodable {
        var edges: [Double]
        var counts: [Int]
        var below: Int
        var above: Int
        var missing: Int
    }
    struct Statistics: Decodable {
        var event_count: Int
        var scored_pair_count: Int
        var agreement_rate: Double?
        var mean_abs_diff: Double?
        var p99_abs_diff: Double?
        var primary_histogram: Histogram
        var shadow_histogram: Histogram
        var latency_p50: Double?
        var latency_p99: Double?
        var spearman: Double?
    }
    struct Checkpoint: Decodable {
        var after: Int
        var window: Statistics
        var since_start: Statistics
    }
    struct HistogramRange: Decodable {
        var lower: Double
        var upper: Double
        var bins: Int
    }
    struct Stream: Decodable {
        var name: String
        var window: Int
        var histogram: HistogramRange
        var primary: [Double]
        var shadow: [Double]
        var primary_decision: [Int]
        var shadow_decision: [Int]
        var latency_ns: [Int64]
        var checkpoints: [Checkpoint]
    }
    struct SpearmanCase: Decodable {
        var x: [Double]
        var y: [Double]
        var statistic: Double?
    }
    struct QuantileCase: Decodable {
        var values: [Double]
        var q: [Double]
        var quantiles: [Double]
    }
    var versions: [String: String]
    var streams: [Stream]
    var spearman: [SpearmanCase]
    var quantiles: [QuantileCase]
}

private let fixture = ShadowFixture.load(ShadowComparisonFixture.self, "shadow_comparison.json")

private func expectHistogram(
    _ actual: ScoreHistogram, _ expected: ShadowComparisonFixture.Histogram, _ what: String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(actual.edges == expected.edges, "\(what) edges", sourceLocation: sourceLocation)
    #expect(actual.counts == expected.counts, "\(what) counts", sourceLocation: sourceLocation)
    let outside: [Int] = [actual.below, actual.above, actual.missing]
    let expectedOutside: [Int] = [expected.below, expected.above, expected.missing]
    #expect(outside == expectedOutside, "\(what) below/above/missing", sourceLocation: sourceLocation)
}

@Suite("Shadow comparison matches scipy/numpy")
struct ShadowComparisonFixtureTests {
    @Test func fixtureCoversEveryStream() {
        #expect(
            fixture.streams.map(\.name) == [
                "probabilities", "ties_and_non_finite", "regression_scores", "constant_shadow",
            ])
        #expect(fixture.streams.reduce(0) { $0 + $1.checkpoints.count } == 8 + 6 + 3 + 2)
    }

    @Test(arguments: 0..<4)
    func windowStatisticsMatchNumpyAndScipyAtEveryCheckpoint(_ index: Int) throws {
        let stream = fixture.streams[index]
        let comparison = try ShadowComparison(
            configuration: ShadowComparisonConfiguration(
                primaryModel: "p", shadowModel: "s", windowEvents: stream.window,
                histogramLowerBound: stream.histogram.lower, histogramUpperBound: stream.histogram.upper,
                histogramBins: stream.histogram.bins))
        var fed = 0
        for checkpoint in stream.checkpoints {
            while fed < checkpoint.after {
                comparison.record(
                    primaryScore: stream.primary[fed], shadowScore: stream.shadow[fed],
                    primaryDecision: stream.primary_decision[fed], shadowDecision: stream.shadow_decision[fed],
                    shadowLatencyNanoseconds: stream.latency_ns[fed])
                fed += 1
            }
            let snapshot = comparison.snapshot()
            let w = snapshot.window
            let e = checkpoint.window
            let at = "\(stream.name) after \(checkpoint.after), window"
            #expect(w.eventCount == e.event_count, "\(at) events")
            #expect(w.scoredPairCount == e.scored_pair_count, "\(at) pairs")
            expectClose(w.decisionAgreementRate, e.agreement_rate, "\(at) agreement")
            expectClose(w.meanAbsoluteDifference, e.mean_abs_diff, "\(at) mean |d|")
            expectClose(w.p99AbsoluteDifference, e.p99_abs_diff, "\(at) p99 |d|")
            expectClose(w.spearmanCorrelation, e.spearman, "\(at) spearman")
            expectClose(w.latencyP50Nanoseconds, e.latency_p50, "\(at) latency p50")
            expectClose(w.latencyP99Nanoseconds, e.latency_p99, "\(at) latency p99")
            expectHistogram(w.primaryScores, e.primary_histogram, "\(at) primary histogram")
            expectHistogram(w.shadowScores, e.shadow_histogram, "\(at) shadow histogram")
        }
    }

    @Test(arguments: 0..<4)
    func sinceStartStatisticsMatchNumpyWithinTheSketchBound(_ index: Int) throws {
        let stream = fixture.streams[index]
        let comparison = try ShadowComparison(
            configuration: ShadowComparisonConfiguration(
                primaryModel: "p", shadowModel: "s", windowEvents: stream.window,
                histogramLowerBound: stream.histogram.lower, histogramUpperBound: stream.histogram.upper,
                histogramBins: stream.histogram.bins))
        var fed = 0
        for checkpoint in stream.checkpoints {
            while fed < checkpoint.after {
                comparison.record(
                    primaryScore: stream.primary[fed], shadowScore: stream.shadow[fed],
                    primaryDecision: stream.primary_decision[fed], shadowDecision: stream.shadow_decision[fed],
                    shadowLatencyNanoseconds: stream.latency_ns[fed])
                fed += 1
            }
            let snapshot = comparison.snapshot()
            let alpha = snapshot.sketchRelativeAccuracy
            #expect(alpha == 1.0 / 128)
            let s = snapshot.sinceStart
            let e = checkpoint.since_start
            let at = "\(stream.name) after \(checkpoint.after), since start"
            #expect(s.eventCount == e.event_count, "\(at) events")
            #expect(s.scoredPairCount == e.scored_pair_count, "\(at) pairs")
            #expect(s.spearmanCorrelation == nil)
            expectClose(s.decisionAgreementRate, e.agreement_rate, "\(at) agreement")
            expectClose(s.meanAbsoluteDifference, e.mean_abs_diff, "\(at) mean |d|")
            // Differences below 2^-32 are answered with the smallest seen (absolute error < 2^-32).
            expectWithinBound(
                s.p99AbsoluteDifference, e.p99_abs_diff, relative: alpha, absolute: 0x1p-32, "\(at) p99 |d|")
            expectWithinBound(s.latencyP50Nanoseconds, e.latency_p50, relative: alpha, absolute: 1, "\(at) latency p50")
            expectWithinBound(s.latencyP99Nanoseconds, e.latency_p99, relative: alpha, absolute: 1, "\(at) latency p99")
            expectHistogram(s.primaryScores, e.primary_histogram, "\(at) primary histogram")
            expectHistogram(s.shadowScores, e.shadow_histogram, "\(at) shadow histogram")
        }
    }

    @Test func spearmanMatchesScipyWithAverageRanksForTies() {
        #expect(fixture.spearman.count == 10)
        for (i, c) in fixture.spearman.enumerated() {
            let r = ShadowStatistics.spearmanCorrelation(c.x, c.y)
            expectClose(r.isNaN ? nil : r, c.statistic, "spearman[\(i)] n=\(c.x.count)")
        }
    }

    @Test func linearQuantileMatchesNumpy() {
        for (i, c) in fixture.quantiles.enumerated() {
            for (q, expected) in zip(c.q, c.quantiles) {
                expectClose(ShadowStatistics.linearQuantile(c.values, q), expected, "quantile[\(i)] q=\(q)")
            }
        }
    }
}
