/// Equal-width bins over `[lower, upper]` with `numpy.histogram(a, bins=count, range=(lower, upper))`'s
/// edges and bin rule: edges are `np.linspace(lower, upper, count + 1)`; bin `i` holds
/// `edges[i] ≤ x < edges[i+1]`, the last bin also `x = upper`. Values outside the range count as
/// below or above (−∞ and +∞ included), NaN as missing: numpy drops all three.
struct HistogramBins: Sendable, Hashable {
    let lower: Double
    let upper: Double
    let count: Int
    /// `count + 1` edges.
    let edges: [Double]

    /// Slots of a counts array: `0..<count` the bins, then below, above and missing.
    var below: Int { count }
    var above: Int { count + 1 }
    var missing: Int { count + 2 }
    var slotCount: Int { count + 3 }

    init(lower: Double, upper: Double, count: Int) {
        precondition(lower.isFinite && upper.isFinite && lower < upper && count > 0, "HistogramBins: bad range")
        self.lower = lower
        self.upper = upper
        self.count = count
        // np.linspace: arange(0, num) · (delta / div) + start, the last edge set to stop.
        let step = (upper - lower) / Double(count)
        var e = (0...count).map { Double($0) * step + lower }
        e[count] = upper
        edges = e
    }

    /// The counts slot of `x`.
    @inline(__always)
    func slot(_ x: Double) -> Int {
        if x.isNaN { return missing }
        if x < lower { return below }
        if x > upper { return above }
        // numpy's uniform-bin fast path: truncate, fold the top edge into the last bin, then correct
        // by one against the edges where rounding put the value on the wrong side.
        var i = Int((x - lower) / (upper - lower) * Double(count))
        if i == count { i -= 1 }
        return edges.withUnsafeBufferPointer { e in
            if x < e[i] { i -= 1 }
            if i != count - 1 && x >= e[i + 1] { i += 1 }
            return i
        }
    }
}
