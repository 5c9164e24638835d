/// numpy's default quantile (`np.quantile(a, q)`, `method='linear'`, Hyndman & Fan's type 7) of
/// values already sorted ascending: `h = (n − 1)·q`, then the elements at `⌊h⌋` and `⌊h⌋ + 1`
/// interpolated with numpy's `_lerp` (from the upper neighbour when the fraction is ½ or more), so
/// that results agree with numpy to the last bit or so.
enum SortedQuantile {
    /// The quantile `q` (clamped to [0, 1]) of `sorted`; NaN when it is empty.
    static func linear(_ sorted: UnsafeBufferPointer<Double>, _ q: Double) -> Double {
        let n = sorted.count
        guard n > 0, !q.isNaN else { return .nan }
        let virtualIndex = Double(n - 1) * min(max(q, 0), 1)
        if virtualIndex >= Double(n - 1) { return sorted[n - 1] }
        let previous = virtualIndex.rounded(.down)
        let i = Int(previous)
        return lerp(sorted[i], sorted[i + 1], virtualIndex - previous)
    }

    /// numpy's `_lerp(a, b, t)`: `a + (b − a)·t`, or `b − (b − a)·(1 − t)` when `t ≥ ½`.
    @inline(__always)
    static func lerp(_ a: Double, _ b: Double, _ t: Double) -> Double {
        let d = b - a
        return t >= 0.5 ? b - d * (1 - t) : a + d * t
    }
}
