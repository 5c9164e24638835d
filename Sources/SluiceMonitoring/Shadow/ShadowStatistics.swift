/// Statistics that compare a shadow model's scores with the primary's, as pure functions of the
/// score arrays. ``ShadowComparison`` computes the same values over its window without copying
/// into arrays; these entry points exist for tests, offline reports and a reader who wants the
/// definitions. Each reproduces the named scipy/numpy routine; see `docs/shadow.md`.
public enum ShadowStatistics {
    /// Spearman's rank correlation, as `scipy.stats.spearmanr(x, y).statistic`: the Pearson
    /// correlation of the two samples' ranks, tied values taking the average of their ranks
    /// (`scipy.stats.rankdata`'s `method='average'`).
    ///
    /// NaN when the lengths differ, fewer than two pairs are given, a value is NaN (scipy's
    /// `nan_policy='propagate'`), or either sample is constant (its rank variance is zero).
    public static func spearmanCorrelation(_ x: [Double], _ y: [Double]) -> Double {
        guard x.count == y.count, x.count >= 2, !x.contains(where: \.isNaN), !y.contains(where: \.isNaN) else {
            return .nan
        }
        let ranker = AverageRanks(capacity: x.count)
        defer { ranker.deallocate() }
        var rankX = [Double](repeating: 0, count: x.count)
        var rankY = [Double](repeating: 0, count: x.count)
        x.withUnsafeBufferPointer { v in rankX.withUnsafeMutableBufferPointer { ranker.rank(v, into: $0) } }
        y.withUnsafeBufferPointer { v in rankY.withUnsafeMutableBufferPointer { ranker.rank(v, into: $0) } }
        return rankX.withUnsafeBufferPointer { rx in
            rankY.withUnsafeBufferPointer { ry in rankCorrelation(rx, ry) }
        }
    }

    /// numpy's `np.quantile(values, q)` with its default `method='linear'`; NaN for an empty array or
    /// one holding NaN.
    public static func linearQuantile(_ values: [Double], _ q: Double) -> Double {
        guard !values.contains(where: \.isNaN) else { return .nan }
        let sorted = values.sorted()
        return sorted.withUnsafeBufferPointer { SortedQuantile.linear($0, q) }
    }

    /// The Pearson correlation of two average-rank vectors of equal length `n ≥ 2`; NaN when either
    /// is constant.
    ///
    /// Average ranks sum to `n(n + 1)/2` whatever the ties, so their mean is exactly `(n + 1)/2` and
    /// every deviation is a multiple of ½: each product and sum below is exact in double precision up
    /// to `n` of about 300,000, and the one rounding left is in the final division (np.corrcoef's
    /// order: the covariance over each standard deviation in turn, clipped to [−1, 1]).
    static func rankCorrelation(_ rankX: UnsafeBufferPointer<Double>, _ rankY: UnsafeBufferPointer<Double>)
        -> Double
    {
        let n = rankX.count
        guard n >= 2, rankY.count == n else { return .nan }
        let mean = Double(n + 1) / 2
        var sxy = 0.0
        var sxx = 0.0
        var syy = 0.0
        for i in 0..<n {
            let dx = rankX[i] - mean
            let dy = rankY[i] - mean
            sxy += dx * dy
            sxx += dx * dx
            syy += dy * dy
        }
        guard sxx > 0, syy > 0 else { return .nan }
        let r = sxy / sxx.squareRoot() / syy.squareRoot()
        return min(max(r, -1), 1)
    }
}
