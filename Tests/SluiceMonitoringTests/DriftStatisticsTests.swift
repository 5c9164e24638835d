import Foundation
import Testing

@testable import SluiceMonitoring

private struct StatisticsFixture: Decodable {
    struct PSICase: Decodable {
        var expected: [Double]
        var actual: [Double]
        var psi: Double
    }
    struct JSCase: Decodable {
        var p: [Double]
        var q: [Double]
        var distance_e: Double
        var distance_2: Double
    }
    struct WassersteinCase: Decodable {
        var u: [Double]
        var v: [Double]
        var distance: Double
        var u_std: Double
        var normalized: Double
    }
    struct WeightedCase: Decodable {
        var u: [Double]
        var v: [Double]
        var u_weights: [Double]
        var v_weights: [Double]
        var distance: Double
    }
    struct ChiSquareCase: Decodable {
        var observed: [Double]
        var expected: [Double]?
        var ddof: Int
        var statistic: Double
        var pvalue: Double
    }
    struct ChdtrcPoint: Decodable {
        var df: Int
        var x: Double
        var sf: Double
    }
    struct KSCase: Decodable {
        var kind: String
        var a: [Double]
        var b: [Double]
        var statistic: Double
        var pvalue: Double
        var sign: Int
        var asymp_statistic: Double?
        var asymp_pvalue: Double?
    }
    struct DistributionPoint: Decodable {
        var n: Int
        var x: Double
        var sf: Double
    }
    var versions: [String: String]
    var psi_epsilon: Double
    var psi: [PSICase]
    var jensenshannon: [JSCase]
    var wasserstein: [WassersteinCase]
    var wasserstein_weighted: [WeightedCase]
    var chisquare: [ChiSquareCase]
    var chdtrc: [ChdtrcPoint]
    var ks_2samp: [KSCase]
    var kstwo_sf: [DistributionPoint]
    var smirnov: [DistributionPoint]
}

private let fixture: StatisticsFixture = {
    do {
        return try Fixture.load(StatisticsFixture.self, "drift_statistics.json")
    } catch {
        fatalError("drift_statistics.json: \(error)")
    }
}()

@Suite("Drift statistics match scipy/numpy")
struct DriftStatisticsTests {
    @Test func psiMatchesNumpyWithTheDocumentedEpsilon() {
        #expect(fixture.psi_epsilon == DriftStatistics.defaultPSIEpsilon)
        #expect(fixture.psi.count >= 7)
        for (i, c) in fixture.psi.enumerated() {
            expectClose(
                DriftStatistics.populationStabilityIndex(expected: c.expected, actual: c.actual), c.psi, "psi[\(i)]")
        }
    }

    @Test func psiFromCountsEqualsPsiFromProportions() {
        let expected = [0.1, 0.2, 0.3, 0.4]
        let counts = [5, 30, 0, 65]
        let fromCounts = expected.withUnsafeBufferPointer { e in
            counts.withUnsafeBufferPointer { c in
                DriftStatistics.populationStabilityIndex(expectedProportions: e, actualCounts: c)
            }
        }
        // Brute force, written out: empty bin becomes 1e-4.
        let a = [0.05, 0.30, 1e-4, 0.65]
        var sum = 0.0
        for i in 0..<4 { sum += (a[i] - expected[i]) * log(a[i] / expected[i]) }
        expectClose(fromCounts, sum, "psi from counts")
    }

    @Test func jensenShannonMatchesScipyInBaseEAndBase2() {
        for (i, c) in fixture.jensenshannon.enumerated() {
            expectClose(DriftStatistics.jensenShannonDistance(c.p, c.q), c.distance_e, "js[\(i)] base e")
            expectClose(DriftStatistics.jensenShannonDistance(c.p, c.q, base: 2), c.distance_2, "js[\(i)] base 2")
        }
    }

    @Test func wassersteinMatchesScipyAndNormalizesByReferenceStd() {
        for (i, c) in fixture.wasserstein.enumerated() {
            expectClose(DriftStatistics.wassersteinDistance(c.u, c.v), c.distance, "w1[\(i)]")
            let su = c.u.sorted()
            let sv = c.v.sorted()
            let normalized = su.withUnsafeBufferPointer { u in
                sv.withUnsafeBufferPointer { v in
                    DriftStatistics.normalizedWassersteinDistance(
                        sortedReference: u, sortedCurrent: v, referenceStandardDeviation: c.u_std)
                }
            }
            expectClose(normalized, c.normalized, "normalized w1[\(i)]")
        }
        for (i, c) in fixture.wasserstein_weighted.enumerated() {
            let d = DriftStatistics.wassersteinDistance(c.u, c.v, uWeights: c.u_weights, vWeights: c.v_weights)
            expectClose(d, c.distance, "weighted w1[\(i)]")
        }
    }

    @Test func chiSquareMatchesScipyStatisticAndPValue() {
        for (i, c) in fixture.chisquare.enumerated() {
            let r = DriftStatistics.chiSquare(observed: c.observed, expected: c.expected, ddof: c.ddof)
            expectClose(r.statistic, c.statistic, "chisquare[\(i)] statistic")
            expectClose(r.pValue, c.pvalue, "chisquare[\(i)] p")
        }
        for p in fixture.chdtrc {
            expectClose(DriftStatistics.chiSquareSurvival(p.x, degreesOfFreedom: p.df), p.sf, "chdtrc(\(p.df), \(p.x))")
        }
    }

    @Test func chiSquareRejectsSumsThatDisagreeAsScipyDoes() {
        let r = DriftStatistics.chiSquare(observed: [10, 20, 30], expected: [10, 20, 31])
        #expect(r.statistic.isNaN && r.pValue.isNaN)
    }

    @Test func ksTwoSampleMatchesScipyAutoOnExactAndAsymptoticPaths() {
        var exact = 0
        var asymptotic = 0
        for (i, c) in fixture.ks_2samp.enumerated() {
            guard let r = DriftStatistics.kolmogorovSmirnov(c.a, c.b) else {
                Issue.record("ks[\(i)] returned nil")
                continue
            }
            expectClose(r.statistic, c.statistic, "ks[\(i)] \(c.kind) statistic")
            expectClose(r.pValue, c.pvalue, "ks[\(i)] \(c.kind) \(c.a.count)/\(c.b.count) p")
            #expect(r.sign == c.sign, "ks[\(i)] sign")
            if r.method == .exact { exact += 1 } else { asymptotic += 1 }
            if let s = c.asymp_statistic, let p = c.asymp_pvalue {
                let ra = DriftStatistics.kolmogorovSmirnov(c.a, c.b, method: .asymptotic)!
                expectClose(ra.statistic, s, "ks[\(i)] asymp statistic")
                expectClose(ra.pValue, p, "ks[\(i)] \(c.a.count)/\(c.b.count) asymp p")
            }
        }
        #expect(exact >= 8 && asymptotic >= 6, "both paths covered: exact \(exact), asymptotic \(asymptotic)")
    }

    @Test func kolmogorovDistributionMatchesKstwoOnEveryBranch() {
        for p in fixture.kstwo_sf {
            expectClose(KolmogorovDistribution.survival(n: p.n, x: p.x), p.sf, "kstwo.sf(\(p.x), \(p.n))")
        }
        for p in fixture.smirnov {
            expectClose(KolmogorovDistribution.smirnovSurvival(n: p.n, x: p.x), p.sf, "smirnov(\(p.n), \(p.x))")
        }
    }

    @Test func ksOfIdenticalSamplesIsZeroWithPValueOne() {
        let a = (0..<50).map { Double($0) }
        let r = DriftStatistics.kolmogorovSmirnov(a, a)!
        #expect(r.statistic == 0)
        #expect(r.pValue == 1)
        #expect(DriftStatistics.kolmogorovSmirnov([], a) == nil)
    }
}

@Suite("Monitor binning")
struct MonitorBinningTests {
    @Test func vectorBinCountEqualsTheEdgesAtOrBelowTheValue() {
        var rng = SyntheticStream(seed: 5)
        for count in 0...17 {
            var edges = (0..<count).map { _ in (rng.normal() * 4).rounded() / 4 }
            edges = Array(Set(edges)).sorted()
            let padded =
                edges + Array(repeating: .infinity, count: DriftMonitor.paddedEdgeCount(edges.count) - edges.count)
            for _ in 0..<500 {
                let v = (rng.normal() * 4).rounded() / 4  // lands on edges often
                let expected = edges.filter { $0 <= v }.count
                let got = padded.withUnsafeBufferPointer { DriftMonitor.binIndex(v, $0.baseAddress!, edges.count) }
                #expect(got == expected, "edges \(edges) value \(v)")
            }
            for v in [-Double.infinity, .infinity] {
                let got = padded.withUnsafeBufferPointer { DriftMonitor.binIndex(v, $0.baseAddress!, edges.count) }
                #expect(got == (v > 0 ? edges.count : 0))
            }
        }
    }
}

@Suite("Window sorting and merging")
struct WindowSortingTests {
    @Test func radixSortOrdersLikeTheStandardLibrary() {
        var rng = SyntheticStream(seed: 8)
        let sorter = DoubleRadixSort(capacity: 5_000)
        defer { sorter.deallocate() }
        for n in [0, 1, 10, 63, 64, 65, 1_000, 5_000] {
            var values: [Double] = (0..<n).map { i in
                switch i % 7 {
                case 0: (rng.normal() * 10).rounded()  // ties
                case 1: -rng.normal() * 1e-300
                case 2: rng.normal() * 1e300
                case 3: i % 2 == 0 ? .infinity : -.infinity
                case 4: 0.0
                default: rng.normal(mean: 3, sd: 100)
                }
            }
            let expected = values.sorted()
            values.withUnsafeMutableBufferPointer { sorter.sort($0) }
            #expect(values == expected, "n = \(n)")
        }
        var constant = [Double](repeating: 2.5, count: 500)
        constant.withUnsafeMutableBufferPointer { sorter.sort($0) }
        #expect(constant == [Double](repeating: 2.5, count: 500))
    }

    @Test func fusedMergeEqualsTheSeparateStatistics() {
        var rng = SyntheticStream(seed: 9)
        for (n1, n2) in [(5_000, 2_000), (100, 3), (1, 1), (700, 700)] {
            let a = (0..<n1).map { _ in (rng.normal() * 20).rounded() / 20 }.sorted()
            let b = (0..<n2).map { _ in (rng.normal(mean: 0.1) * 20).rounded() / 20 }.sorted()
            a.withUnsafeBufferPointer { aa in
                b.withUnsafeBufferPointer { bb in
                    let fused = DriftStatistics.ksStatisticAndWasserstein(sortedA: aa, sortedB: bb)
                    let (d, sign) = DriftStatistics.ksStatistic(sortedA: aa, sortedB: bb)
                    #expect(fused.d == d && fused.sign == sign)
                    #expect(fused.wasserstein == DriftStatistics.wassersteinDistance(sortedU: aa, sortedV: bb))
                    let pa = a + [.infinity]
                    let pb = b + [.infinity]
                    let fast = pa.withUnsafeBufferPointer { x in
                        pb.withUnsafeBufferPointer { y in
                            DriftStatistics.ksStatisticAndWassersteinFinite(
                                x.baseAddress!, n1, y.baseAddress!, n2,
                                cdfA: (0...n1).map { Double($0) / Double(n1) },
                                cdfB: (0...n2).map { Double($0) / Double(n2) })
                        }
                    }
                    #expect(fast.d == d && fast.sign == sign, "\(n1)/\(n2): \(fast) vs \(d), \(sign)")
                    #expect(fast.wasserstein == fused.wasserstein)
                }
            }
        }
    }
}
