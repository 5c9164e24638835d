import Foundation

/// Statistics that compare a live distribution with a training reference.
///
/// Every function is a pure computation in double precision that reproduces the named
/// scipy/numpy routine (scipy 1.17, numpy 2.4); the fixtures under
/// `Tests/SluiceMonitoringTests/Fixtures` pin them to 1e-9 relative. See `docs/drift.md`.
public enum DriftStatistics {
    /// Proportion that replaces an empty bin in ``populationStabilityIndex(expected:actual:epsilon:)``.
    /// Default: 1e-4 (a common choice: small next to any real bin of a 10-bin profile, large enough
    /// that one empty bin does not dominate the index).
    public static let defaultPSIEpsilon = 1e-4

    /// Population stability index over bins: `Σ (a_i - e_i) · ln(a_i / e_i)`.
    ///
    /// `expected` and `actual` are proportions per bin (each should sum to 1; they are used as given).
    /// A proportion below `epsilon` is replaced by `epsilon` before the sum, so an empty bin adds a
    /// finite amount instead of infinity: this is `np.maximum(p, epsilon)` applied to both sides.
    /// Returns NaN when the two arrays differ in length or are empty.
    public static func populationStabilityIndex(
        expected: [Double],
        actual: [Double],
        epsilon: Double = defaultPSIEpsilon
    ) -> Double {
        expected.withUnsafeBufferPointer { e in
            actual.withUnsafeBufferPointer { a in
                populationStabilityIndex(expected: e, actual: a, epsilon: epsilon)
            }
        }
    }

    /// ``populationStabilityIndex(expected:actual:epsilon:)`` over buffers, without copying.
    public static func populationStabilityIndex(
        expected: UnsafeBufferPointer<Double>,
        actual: UnsafeBufferPointer<Double>,
        epsilon: Double = defaultPSIEpsilon
    ) -> Double {
        guard expected.count == actual.count, !expected.isEmpty else { return .nan }
        var sum = 0.0
        for i in 0..<expected.count {
            let e = max(expected[i], epsilon)
            let a = max(actual[i], epsilon)
            sum += (a - e) * log(a / e)
        }
        return sum
    }

    /// Population stability index from bin counts: each side is divided by its own total first.
    /// Returns NaN when either side has no observations.
    public static func populationStabilityIndex(
        expectedProportions: UnsafeBufferPointer<Double>,
        actualCounts: UnsafeBufferPointer<Int>,
        epsilon: Double = defaultPSIEpsilon
    ) -> Double {
        guard expectedProportions.count == actualCounts.count, !actualCounts.isEmpty else { return .nan }
        var total = 0
        for c in actualCounts { total += c }
        guard total > 0 else { return .nan }
        let n = Double(total)
        var sum = 0.0
        for i in 0..<actualCounts.count {
            let e = max(expectedProportions[i], epsilon)
            let a = max(Double(actualCounts[i]) / n, epsilon)
            sum += (a - e) * log(a / e)
        }
        return sum
    }

    /// Jensen–Shannon distance, as `scipy.spatial.distance.jensenshannon(p, q, base)`.
    ///
    /// Both vectors are normalised by their sums first; the result is
    /// `sqrt((KL(p‖m) + KL(q‖m)) / 2)` with `m = (p + q) / 2`, logarithms in `base`
    /// (nil: natural log). It lies in [0, sqrt(ln 2)] for base e and [0, 1] for base 2.
    public static func jensenShannonDistance(_ p: [Double], _ q: [Double], base: Double? = nil) -> Double {
        p.withUnsafeBufferPointer { pp in
            q.withUnsafeBufferPointer { qq in jensenShannonDistance(pp, qq, base: base) }
        }
    }

    /// ``jensenShannonDistance(_:_:base:)`` over buffers, without copying.
    public static func jensenShannonDistance(
        _ p: UnsafeBufferPointer<Double>,
        _ q: UnsafeBufferPointer<Double>,
        base: Double? = nil
    ) -> Double {
        guard p.count == q.count, !p.isEmpty else { return .nan }
        var pSum = 0.0
        var qSum = 0.0
        for i in 0..<p.count {
            pSum += p[i]
            qSum += q[i]
        }
        var left = 0.0
        var right = 0.0
        for i in 0..<p.count {
            let pi = p[i] / pSum
            let qi = q[i] / qSum
            let m = (pi + qi) / 2.0
            left += relativeEntropyTerm(pi, m)
            right += relativeEntropyTerm(qi, m)
        }
        var js = left + right
        if let base { js /= log(base) }
        return (js / 2.0).squareRoot()
    }

    /// `scipy.special.rel_entr(x, y)`: `x·ln(x/y)` for x, y > 0; 0 for x = 0, y ≥ 0; +inf otherwise.
    @inline(__always)
    static func relativeEntropyTerm(_ x: Double, _ y: Double) -> Double {
        if x.isNaN || y.isNaN { return .nan }
        if x > 0, y > 0 { return x * log(x / y) }
        if x == 0, y >= 0 { return 0 }
        return .infinity
    }

    /// Wasserstein-1 distance between two samples, as `scipy.stats.wasserstein_distance(u, v)`:
    /// the area between the two empirical CDFs. NaN when a sample is empty.
    public static func wassersteinDistance(_ u: [Double], _ v: [Double]) -> Double {
        let su = u.sorted()
        let sv = v.sorted()
        return su.withUnsafeBufferPointer { uu in
            sv.withUnsafeBufferPointer { vv in wassersteinDistance(sortedU: uu, sortedV: vv) }
        }
    }

    /// ``wassersteinDistance(_:_:)`` over samples that are already sorted ascending (no copy, no allocation).
    public static func wassersteinDistance(
        sortedU u: UnsafeBufferPointer<Double>,
        sortedV v: UnsafeBufferPointer<Double>
    ) -> Double {
        guard !u.isEmpty, !v.isEmpty else { return .nan }
        let nu = Double(u.count)
        let nv = Double(v.count)
        var iu = 0
        var iv = 0
        var sum = 0.0
        // Walk the merged order; between consecutive merged values both CDFs are constant.
        var current = min(u[0], v[0])
        while true {
            while iu < u.count && u[iu] <= current { iu += 1 }
            while iv < v.count && v[iv] <= current { iv += 1 }
            let next: Double
            if iu < u.count && iv < v.count {
                next = min(u[iu], v[iv])
            } else if iu < u.count {
                next = u[iu]
            } else if iv < v.count {
                next = v[iv]
            } else {
                break
            }
            let diff = abs(Double(iu) / nu - Double(iv) / nv)
            sum += diff * (next - current)
            current = next
        }
        return sum
    }

    /// Weighted Wasserstein-1 distance, as `scipy.stats.wasserstein_distance(u, v, uWeights, vWeights)`.
    /// Weights must be non-negative with a positive sum; NaN otherwise or when lengths differ.
    public static func wassersteinDistance(
        _ u: [Double],
        _ v: [Double],
        uWeights: [Double],
        vWeights: [Double]
    ) -> Double {
        guard u.count == uWeights.count, v.count == vWeights.count, !u.isEmpty, !v.isEmpty else { return .nan }
        guard uWeights.allSatisfy({ $0 >= 0 && $0.isFinite }), vWeights.allSatisfy({ $0 >= 0 && $0.isFinite })
        else { return .nan }
        let uOrder = u.indices.sorted { u[$0] < u[$1] }
        let vOrder = v.indices.sorted { v[$0] < v[$1] }
        var uCum = [Double](repeating: 0, count: u.count + 1)
        var vCum = [Double](repeating: 0, count: v.count + 1)
        for (k, i) in uOrder.enumerated() { uCum[k + 1] = uCum[k] + uWeights[i] }
        for (k, i) in vOrder.enumerated() { vCum[k + 1] = vCum[k] + vWeights[i] }
        guard uCum[u.count] > 0, vCum[v.count] > 0 else { return .nan }
        let su = uOrder.map { u[$0] }
        let sv = vOrder.map { v[$0] }
        var iu = 0
        var iv = 0
        var sum = 0.0
        var current = min(su[0], sv[0])
        while true {
            while iu < su.count && su[iu] <= current { iu += 1 }
            while iv < sv.count && sv[iv] <= current { iv += 1 }
            let next: Double
            if iu < su.count && iv < sv.count {
                next = min(su[iu], sv[iv])
            } else if iu < su.count {
                next = su[iu]
            } else if iv < sv.count {
                next = sv[iv]
            } else {
                break
            }
            let diff = abs(uCum[iu] / uCum[su.count] - vCum[iv] / vCum[sv.count])
            sum += diff * (next - current)
            current = next
        }
        return sum
    }

    /// Wasserstein-1 distance divided by the reference standard deviation, so that one threshold
    /// fits features of any scale. `referenceStandardDeviation` is the population standard deviation
    /// (numpy's default `ddof=0`) of the training values. NaN when it is not positive.
    public static func normalizedWassersteinDistance(
        sortedReference: UnsafeBufferPointer<Double>,
        sortedCurrent: UnsafeBufferPointer<Double>,
        referenceStandardDeviation: Double
    ) -> Double {
        guard referenceStandardDeviation > 0 else { return .nan }
        return wassersteinDistance(sortedU: sortedReference, sortedV: sortedCurrent) / referenceStandardDeviation
    }
}
