/// A mergeable quantile sketch for non-negative values with a relative-error guarantee: HdrHistogram's
/// log-linear bucket layout, answered the DDSketch way (each bucket by a representative within α of
/// every value in it).
///
/// A value `x` in `[2^minExponent, 2^maxExponent)` falls in the bucket named by its binary exponent
/// `e` and the top `m = subBucketBits` bits `k` of its significand, `[2^e·(1 + k/2^m), 2^e·(1 + (k+1)/2^m))`:
/// no logarithm, two shifts and a mask. The bucket's midpoint is within `α = 2^−(m+1)` relative of
/// every value in it. Values below `2^minExponent` (0 included) count in an underflow bucket, values
/// at or above `2^maxExponent` (+∞ included) in an overflow bucket; negative values and NaN are not
/// added (the owner counts them).
///
/// ``quantile(_:)`` follows numpy's default (`method='linear'`) over the multiset of representatives:
/// the elements of rank `⌊h⌋` and `⌊h⌋ + 1`, `h = (n − 1)·q`, interpolated. Every representative is
/// clamped to the smallest and largest value added. Hence, against numpy's exact quantile `x` of the
/// same values: `|result − x| ≤ α·x` when both neighbouring elements lie in the bucketed range; an
/// underflow element contributes an absolute error below `2^minExponent`; an overflow element is
/// answered with the largest value added (no bound).
///
/// Storage is fixed at creation: `(maxExponent − minExponent)·2^m + 2` 64-bit counts and a small
/// header, released with ``deallocate()``. Methods are
/// `nonmutating` (they write through the pointers), so that an owner holding the sketch in a `let`
/// pays no exclusivity check per value. Not thread-safe; copies share storage.
struct LogLinearSketch {
    private struct Header {
        var total: UInt64 = 0
        var minimum = Double.infinity
        var maximum = -Double.infinity
    }

    let minExponent: Int
    let maxExponent: Int
    let subBucketBits: Int
    /// Buckets between underflow and overflow.
    let bucketCount: Int
    private let header: UnsafeMutablePointer<Header>
    /// `[underflow, buckets…, overflow]`.
    private let counts: UnsafeMutablePointer<UInt64>
    private let lowest: Double
    private let highest: Double

    init(minExponent: Int, maxExponent: Int, subBucketBits: Int) {
        precondition(
            minExponent >= -1022 && maxExponent <= 1023 && minExponent < maxExponent
                && (0...20).contains(subBucketBits), "LogLinearSketch: exponent range or sub-bucket bits out of range")
        self.minExponent = minExponent
        self.maxExponent = maxExponent
        self.subBucketBits = subBucketBits
        bucketCount = (maxExponent - minExponent) << subBucketBits
        header = .allocate(capacity: 1)
        header.initialize(to: Header())
        counts = .allocate(capacity: bucketCount + 2)
        counts.initialize(repeating: 0, count: bucketCount + 2)
        lowest = Double(sign: .plus, exponent: minExponent, significand: 1)
        highest = Double(sign: .plus, exponent: maxExponent, significand: 1)
    }

    func deallocate() {
        header.deinitialize(count: 1)
        header.deallocate()
        counts.deallocate()
    }

    /// `2^−(subBucketBits + 1)`: the largest relative distance from a value to its bucket's representative.
    var relativeAccuracy: Double { Double(sign: .plus, exponent: -(subBucketBits + 1), significand: 1) }

    /// Values added.
    var count: UInt64 { header.pointee.total }
    var minimum: Double { header.pointee.minimum }
    var maximum: Double { header.pointee.maximum }

    /// Adds one value; a negative value or NaN is ignored (returns false).
    @inline(__always)
    @discardableResult
    func add(_ x: Double) -> Bool {
        guard x >= 0 else { return false }
        counts[slot(x)] &+= 1
        let h = header
        h.pointee.total &+= 1
        if x < h.pointee.minimum { h.pointee.minimum = x }
        if x > h.pointee.maximum { h.pointee.maximum = x }
        return true
    }

    /// Index into `counts` of a non-negative, non-NaN value.
    @inline(__always)
    func slot(_ x: Double) -> Int {
        if x < lowest { return 0 }
        if x >= highest { return bucketCount + 1 }
        let bits = x.bitPattern
        let exponent = Int(truncatingIfNeeded: bits >> 52) &- 1023
        let sub = Int(truncatingIfNeeded: (bits >> UInt64(52 &- subBucketBits))) & ((1 << subBucketBits) &- 1)
        return 1 &+ ((exponent &- minExponent) << subBucketBits) &+ sub
    }

    /// The midpoint of bucket `slot` (0: underflow, `bucketCount + 1`: overflow), clamped to the values seen.
    func representative(ofSlot slot: Int) -> Double {
        let raw: Double
        if slot == 0 {
            raw = 0
        } else if slot == bucketCount + 1 {
            raw = maximum
        } else {
            let b = slot - 1
            let exponent = minExponent + (b >> subBucketBits)
            let sub = b & ((1 << subBucketBits) - 1)
            // 2^e · (1 + (k + ½)/2^m), exact in binary floating point.
            let significand = 1 + (Double(sub) + 0.5) / Double(1 << subBucketBits)
            raw = Double(sign: .plus, exponent: exponent, significand: significand)
        }
        return min(max(raw, minimum), maximum)
    }

    /// numpy's linear quantile of the representatives; NaN when empty. `q` is clamped to [0, 1].
    func quantile(_ q: Double) -> Double {
        let n = count
        guard n > 0, !q.isNaN else { return .nan }
        let qc = min(max(q, 0), 1)
        let virtualIndex = Double(n - 1) * qc
        if virtualIndex >= Double(n - 1) { return representative(ofSlot: slotOfRank(n - 1)) }
        let previous = virtualIndex.rounded(.down)
        let gamma = virtualIndex - previous
        let rank = UInt64(previous)
        let a = representative(ofSlot: slotOfRank(rank))
        let b = representative(ofSlot: slotOfRank(rank + 1))
        return SortedQuantile.lerp(a, b, gamma)
    }

    /// The slot holding the element of 0-based rank `rank` in sorted order.
    private func slotOfRank(_ rank: UInt64) -> Int {
        var seen: UInt64 = 0
        for s in 0..<(bucketCount + 2) {
            seen &+= counts[s]
            if seen > rank { return s }
        }
        return bucketCount + 1
    }

    /// Adds every count of `other`, which must have the same layout: the result is the sketch of
    /// both streams together.
    func merge(_ other: LogLinearSketch) {
        precondition(
            other.minExponent == minExponent && other.maxExponent == maxExponent
                && other.subBucketBits == subBucketBits, "LogLinearSketch: merging different layouts")
        for s in 0..<(bucketCount + 2) { counts[s] &+= other.counts[s] }
        header.pointee.total &+= other.count
        header.pointee.minimum = min(minimum, other.minimum)
        header.pointee.maximum = max(maximum, other.maximum)
    }
}
