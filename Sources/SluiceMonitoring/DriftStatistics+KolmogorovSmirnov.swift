import Foundation

extension DriftStatistics {
    /// How the two-sample Kolmogorov–Smirnov p-value is computed; the names are scipy's.
    public enum KSMethod: String, Sendable, Hashable, Codable {
        /// `method='auto'`: exact when both samples have at most 10,000 values, asymptotic otherwise.
        case auto
        /// `method='exact'`: Hodges' lattice-path count; falls back to asymptotic when it fails.
        case exact
        /// `method='asymp'`: the one-sample Kolmogorov distribution `kstwo` at `n = round(mn/(m+n))`.
        case asymptotic
    }

    /// The result of a two-sample Kolmogorov–Smirnov test (two-sided).
    public struct KSResult: Sendable, Hashable {
        /// `sup |F₁ - F₂|` over the pooled sample. After an exact p-value it is `h / lcm(n₁, n₂)`,
        /// the lattice value scipy reports (it differs from the raw value by rounding only).
        public var statistic: Double
        /// Two-sided p-value.
        public var pValue: Double
        /// +1 when the statistic is where `F₁` exceeds `F₂`, -1 otherwise (scipy's `statistic_sign`).
        public var sign: Int
        /// The method that produced `pValue` (exact, or asymptotic after a fallback).
        public var method: KSMethod
    }

    /// Samples at or below this size take the exact path under ``KSMethod/auto`` (scipy's `MAX_AUTO_N`).
    public static let ksMaximumExactSampleSize = 10_000

    /// Two-sample Kolmogorov–Smirnov test, as `scipy.stats.ks_2samp(a, b, alternative='two-sided', method)`.
    /// Returns nil when a sample is empty.
    public static func kolmogorovSmirnov(_ a: [Double], _ b: [Double], method: KSMethod = .auto) -> KSResult? {
        let sa = a.sorted()
        let sb = b.sorted()
        return sa.withUnsafeBufferPointer { aa in
            sb.withUnsafeBufferPointer { bb in kolmogorovSmirnov(sortedA: aa, sortedB: bb, method: method) }
        }
    }

    /// ``kolmogorovSmirnov(_:_:method:)`` over samples already sorted ascending (no copy).
    public static func kolmogorovSmirnov(
        sortedA a: UnsafeBufferPointer<Double>,
        sortedB b: UnsafeBufferPointer<Double>,
        method: KSMethod = .auto
    ) -> KSResult? {
        guard !a.isEmpty, !b.isEmpty else { return nil }
        let (d, sign) = ksStatistic(sortedA: a, sortedB: b)
        return ksResult(n1: a.count, n2: b.count, statistic: d, sign: sign, method: method)
    }

    /// The p-value step of ``kolmogorovSmirnov(sortedA:sortedB:method:)`` for a statistic already computed.
    static func ksResult(n1: Int, n2: Int, statistic d0: Double, sign: Int, method: KSMethod) -> KSResult {
        var d = d0
        var mode = method
        if mode == .auto { mode = max(n1, n2) <= ksMaximumExactSampleSize ? .exact : .asymptotic }
        if mode == .exact {
            let g = gcd(n1, n2)
            let (n1g, n2g) = (n1 / g, n2 / g)
            // scipy switches to asymptotic when lcm(n1, n2) does not fit in an int32.
            if Double(n1g) >= Double(Int32.max) / Double(n2g) {
                mode = .asymptotic
            } else {
                let attempt = exactTwoSidedKS(n1: n1, n2: n2, g: g, d: d)
                d = attempt.d
                if let p = attempt.p {
                    return KSResult(statistic: d, pValue: min(max(p, 0), 1), sign: sign, method: .exact)
                }
                mode = .asymptotic
            }
        }
        let m = Double(max(n1, n2))
        let n = Double(min(n1, n2))
        let en = m * n / (m + n)
        let p = KolmogorovDistribution.survival(n: Int(en.rounded(.toNearestOrEven)), x: d)
        return KSResult(statistic: d, pValue: min(max(p, 0), 1), sign: sign, method: .asymptotic)
    }

    /// The KS statistic (with its sign) and the Wasserstein-1 distance in one walk over the merged
    /// order: the same arithmetic as ``ksStatistic(sortedA:sortedB:)`` and
    /// ``wassersteinDistance(sortedU:sortedV:)``, so the results are identical to theirs.
    static func ksStatisticAndWasserstein(
        sortedA a: UnsafeBufferPointer<Double>,
        sortedB b: UnsafeBufferPointer<Double>
    ) -> (d: Double, sign: Int, wasserstein: Double) {
        let n1 = Double(a.count)
        let n2 = Double(b.count)
        var i = 0
        var j = 0
        var maxDiff = -Double.infinity
        var minDiff = Double.infinity
        var w = 0.0
        var current = min(a[0], b[0])
        while true {
            while i < a.count && a[i] <= current { i += 1 }
            while j < b.count && b[j] <= current { j += 1 }
            let diff = Double(i) / n1 - Double(j) / n2
            if diff > maxDiff { maxDiff = diff }
            if diff < minDiff { minDiff = diff }
            let next: Double
            if i < a.count && j < b.count {
                next = min(a[i], b[j])
            } else if i < a.count {
                next = a[i]
            } else if j < b.count {
                next = b[j]
            } else {
                break
            }
            w += abs(diff) * (next - current)
            current = next
        }
        let minS = min(max(-minDiff, 0), 1)
        if minS > maxDiff { return (minS, -1, w) }
        return (maxDiff, 1, w)
    }

    /// ``ksStatisticAndWasserstein(sortedA:sortedB:)`` for finite samples that each end in a +inf
    /// sentinel (`a[na]`, `b[nb]`), in a merge whose steps do not branch on the data: a merged walk of
    /// two samples of one distribution takes either side at random, so a branchy merge mispredicts
    /// about every other step. Statistic, sign and distance are identical to the branchy version: the
    /// ECDF difference is committed only after the last of a run of ties, and a tie adds `|diff| · 0`.
    ///
    /// `cdfA[i]` must hold `Double(i) / Double(na)` for `i` in `0...na`, and `cdfB` likewise for `b`:
    /// table look-ups in place of two divisions per step, with the very same values.
    static func ksStatisticAndWassersteinFinite(
        _ a: UnsafePointer<Double>, _ na: Int, _ b: UnsafePointer<Double>, _ nb: Int,
        cdfA: UnsafePointer<Double>, cdfB: UnsafePointer<Double>
    ) -> (d: Double, sign: Int, wasserstein: Double) {
        var i = 0
        var j = 0
        var maxDiff = -Double.infinity
        var minDiff = Double.infinity
        var w = 0.0
        for _ in 0..<(na + nb - 1) {
            let x = a[i]
            let y = b[j]
            let takeA = Int(truncatingIfNeeded: unsafeBitCast(x <= y, to: UInt8.self))
            let v = x <= y ? x : y
            i &+= takeA
            j &+= 1 &- takeA
            let diff = cdfA[i] - cdfB[j]
            let ai = a[i]
            let bj = b[j]
            let next = ai <= bj ? ai : bj
            let distinct = next > v
            let high = distinct ? diff : -Double.infinity
            let low = distinct ? diff : Double.infinity
            maxDiff = high > maxDiff ? high : maxDiff
            minDiff = low < minDiff ? low : minDiff
            w += abs(diff) * (next - v)
        }
        // The last pooled value: both ECDFs are 1.
        maxDiff = 0 > maxDiff ? 0 : maxDiff
        minDiff = 0 < minDiff ? 0 : minDiff
        let minS = min(max(-minDiff, 0), 1)
        if minS > maxDiff { return (minS, -1, w) }
        return (maxDiff, 1, w)
    }

    /// The two-sided statistic and its sign, from the ECDFs evaluated at every pooled value.
    static func ksStatistic(
        sortedA a: UnsafeBufferPointer<Double>,
        sortedB b: UnsafeBufferPointer<Double>
    ) -> (Double, Int) {
        let n1 = Double(a.count)
        let n2 = Double(b.count)
        var i = 0
        var j = 0
        var maxDiff = -Double.infinity
        var minDiff = Double.infinity
        while i < a.count || j < b.count {
            let x: Double
            if i < a.count && j < b.count {
                x = min(a[i], b[j])
            } else if i < a.count {
                x = a[i]
            } else {
                x = b[j]
            }
            while i < a.count && a[i] <= x { i += 1 }
            while j < b.count && b[j] <= x { j += 1 }
            let diff = Double(i) / n1 - Double(j) / n2
            if diff > maxDiff { maxDiff = diff }
            if diff < minDiff { minDiff = diff }
        }
        let minS = min(max(-minDiff, 0), 1)
        if minS > maxDiff { return (minS, -1) }
        return (maxDiff, 1)
    }

    /// scipy's `_attempt_exact_2kssamp` for the two-sided alternative: the statistic snapped to the
    /// lattice and the p-value, or nil for the p-value when the computation left [0, 1].
    static func exactTwoSidedKS(n1: Int, n2: Int, g: Int, d: Double) -> (d: Double, p: Double?) {
        let lcm = (n1 / g) * n2
        let h = Int((d * Double(lcm)).rounded(.toNearestOrEven))
        let snapped = Double(h) * 1.0 / Double(lcm)
        if h == 0 { return (snapped, 1.0) }
        let p: Double
        if n1 == n2 {
            p = probabilityOutsideSquare(n: n1, h: h)
        } else {
            p = outerProbabilityInsideMethod(m: n1, n: n2, g: g, h: h)
        }
        guard p.isFinite, p >= 0, p <= 1 else { return (snapped, nil) }
        return (snapped, p)
    }

    /// scipy's `_compute_prob_outside_square`: `P(D_{n,n} ≥ h/n)` by a Horner-like alternating sum.
    static func probabilityOutsideSquare(n: Int, h: Int) -> Double {
        var p = 0.0
        var k = Int((Double(n) / Double(h)).rounded(.down))
        while k >= 0 {
            var p1 = 1.0
            for j in 0..<h {
                p1 = Double(n - k * h - j) * p1 / Double(n + k * h + j + 1)
            }
            p = p1 * (1.0 - p)
            k -= 1
        }
        return 2 * p
    }

    /// scipy's `_compute_outer_prob_inside_method` (Hodges' inside method with Viehmann's recursion for
    /// `1 - p`): the proportion of lattice paths from (0,0) to (m,n) that leave the band
    /// `|x/m - y/n| < h / lcm(m, n)`. One column of the lattice at a time, a sliding window of it.
    static func outerProbabilityInsideMethod(m mIn: Int, n nIn: Int, g: Int, h: Int) -> Double {
        let (m, n) = mIn < nIn ? (nIn, mIn) : (mIn, nIn)
        let mg = m / g
        let ng = n / g
        var minj = 0
        var maxj = min(Int((Double(h) / Double(mg)).rounded(.up)), n + 1)
        var curlen = maxj - minj
        let lenA = min(2 * maxj + 2, n + 1)
        var a = [Double](repeating: 1.0, count: lenA)
        for j in minj..<maxj { a[j] = 0.0 }
        return a.withUnsafeMutableBufferPointer { a -> Double in
            for i in 1...m {
                let lastminj = minj
                let lastlen = curlen
                minj = max(Int((Double(ng * i - h) / Double(mg)).rounded(.down)) + 1, 0)
                minj = min(minj, n)
                maxj = min(Int((Double(ng * i + h) / Double(mg)).rounded(.up)), n + 1)
                if maxj <= minj { return 1.0 }
                var val = minj == 0 ? 0.0 : 1.0
                let di = Double(i)
                for jj in 0..<(maxj - minj) {
                    let j = jj + minj
                    val = (a[jj + minj - lastminj] * di + val * Double(j)) / (di + Double(j))
                    a[jj] = val
                }
                curlen = maxj - minj
                if lastlen > curlen {
                    // numpy clips the slice at the end of the array.
                    for k in (maxj - minj)..<min(maxj - minj + (lastlen - curlen), a.count) { a[k] = 1 }
                }
            }
            return a[maxj - minj - 1]
        }
    }

    static func gcd(_ a: Int, _ b: Int) -> Int {
        var (x, y) = (a, b)
        while y != 0 { (x, y) = (y, x % y) }
        return x
    }
}
