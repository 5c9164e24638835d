#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A DDSketch quantile sketch (Masson, Rim, Lee, VLDB 2019) with logarithmic bins.
///
/// Guarantee: for `q` in [0, 1] the sketch returns a value `v` with `|v − x| ≤ α·|x|`, where `x` is the
/// element of rank `⌊q·(n − 1)⌋` (0-based) of the sorted finite inputs — as long as no bin has been
/// collapsed. Each sign keeps at most `maxBins` bins; when the values of one sign span more than that,
/// the bins of smallest magnitude are folded together (`hasCollapsed` turns true) and only quantiles
/// whose element lies above the collapsed range keep the guarantee. With α = 0.01 and 2,048 bins a sign
/// may span a ratio of about 10^17 between its smallest and largest magnitude before collapsing.
///
/// Sketches with the same α and bin limit merge exactly: merging gives the sketch of the union.
/// Non-finite inputs (NaN, ±∞) are ignored; magnitudes below `1e-300` count as zero.
public struct DDSketch: Sendable, Hashable {
    /// Relative accuracy α, in (0, 1). Default: 0.01.
    public let relativeAccuracy: Double
    /// Most bins kept per sign. Default: 2,048.
    public let maxBins: Int
    let logGamma: Double
    let gamma: Double

    var positive: DDSketchStore
    var negative: DDSketchStore
    var zeroCount: UInt64 = 0

    static let minimumMagnitude = 1e-300

    /// Creates an empty sketch. `relativeAccuracy` is clamped to [1e-6, 0.5]; `maxBins` to [16, 65,536].
    public init(relativeAccuracy: Double = 0.01, maxBins: Int = 2048) {
        let alpha = relativeAccuracy.isFinite ? min(max(relativeAccuracy, 1e-6), 0.5) : 0.01
        self.relativeAccuracy = alpha
        self.maxBins = min(max(maxBins, 16), 65_536)
        gamma = (1 + alpha) / (1 - alpha)
        logGamma = log(gamma)
        positive = DDSketchStore()
        negative = DDSketchStore()
    }

    /// Number of values held.
    public var count: UInt64 { positive.total &+ negative.total &+ zeroCount }

    /// Whether nothing has been added.
    public var isEmpty: Bool { count == 0 }

    /// Whether bins of smallest magnitude were folded together to respect `maxBins`.
    public var hasCollapsed: Bool { positive.hasCollapsed || negative.hasCollapsed }

    /// Approximate heap bytes held by the sketch.
    public var approximateBytes: Int { (positive.counts.capacity + negative.counts.capacity) * 4 }

    /// Removes everything and releases the storage.
    public mutating func removeAll() {
        positive = DDSketchStore()
        negative = DDSketchStore()
        zeroCount = 0
    }

    /// Adds one value; NaN and infinities are ignored.
    public mutating func add(_ value: Double) {
        guard value.isFinite else { return }
        if value > Self.minimumMagnitude {
            positive.add(index: index(of: value), count: 1, maxBins: maxBins)
        } else if value < -Self.minimumMagnitude {
            negative.add(index: index(of: -value), count: 1, maxBins: maxBins)
        } else {
            zeroCount &+= 1
        }
    }

    /// Folds `other` into this sketch. Both must have the same accuracy and bin limit; otherwise
    /// nothing changes and `false` is returned.
    @discardableResult
    public mutating func merge(_ other: DDSketch) -> Bool {
        guard other.relativeAccuracy == relativeAccuracy, other.maxBins == maxBins else { return false }
        positive.merge(other.positive, maxBins: maxBins)
        negative.merge(other.negative, maxBins: maxBins)
        zeroCount &+= other.zeroCount
        return true
    }

    /// The value at quantile `q` (clamped to [0, 1]), or NaN when the sketch is empty.
    public func quantile(_ q: Double) -> Double {
        let total = count
        guard total > 0, !q.isNaN else { return .nan }
        let rank = UInt64(min(max(q, 0), 1) * Double(total - 1))
        // Walk from the most negative value to the most positive one.
        var seen: UInt64 = 0
        if negative.total > 0 {
            for offset in stride(from: negative.counts.count - 1, through: 0, by: -1) {
                seen &+= UInt64(negative.counts[offset])
                if seen > rank { return -value(ofIndex: negative.offset + offset) }
            }
        }
        seen &+= zeroCount
        if seen > rank { return 0 }
        for offset in 0..<positive.counts.count {
            seen &+= UInt64(positive.counts[offset])
            if seen > rank { return value(ofIndex: positive.offset + offset) }
        }
        // Saturated bins can leave the walk short of the rank; the largest value is the honest answer.
        if let last = positive.counts.lastIndex(where: { $0 > 0 }) { return value(ofIndex: positive.offset + last) }
        return 0
    }

    @inline(__always)
    func index(of magnitude: Double) -> Int {
        Int((log(magnitude) / logGamma).rounded(.up))
    }

    /// The representative of bin `index`, which covers (γ^(index−1), γ^index]: within α of both ends.
    @inline(__always)
    func value(ofIndex index: Int) -> Double {
        2 * exp(Double(index) * logGamma) / (gamma + 1)
    }
}

/// Contiguous bin counts for one sign of a `DDSketch`, collapsing its lowest bins past a limit.
struct DDSketchStore: Sendable, Hashable {
    /// Bin index of `counts[0]`.
    var offset = 0
    var counts: [UInt32] = []
    var total: UInt64 = 0
    var hasCollapsed = false

    var isEmpty: Bool { total == 0 }

    /// Index of the highest bin; it is never empty, because the array only grows up to a bin being added.
    var maxIndex: Int { offset + counts.count - 1 }

    mutating func add(index: Int, count: UInt32, maxBins: Int) {
        guard count > 0 else { return }
        var target = index
        if total == 0 {
            counts = [count]
            offset = index
            total = UInt64(count)
            return
        }
        let high = maxIndex
        if target > high {
            let newLow = target - maxBins + 1
            if newLow > offset { collapse(below: newLow) }
            extend(to: target)
        } else if target < offset {
            let lowestAllowed = high - maxBins + 1
            if target < lowestAllowed {
                target = lowestAllowed
                hasCollapsed = true
            }
            if target < offset { extend(to: target) }
        }
        let slot = target - offset
        let (sum, overflow) = counts[slot].addingReportingOverflow(count)
        counts[slot] = overflow ? .max : sum
        total &+= UInt64(count)
    }

    mutating func merge(_ other: DDSketchStore, maxBins: Int) {
        guard other.total > 0 else { return }
        if other.hasCollapsed { hasCollapsed = true }
        // Add from the highest bin down so the high end is fixed first and collapsing happens once.
        for slot in stride(from: other.counts.count - 1, through: 0, by: -1) where other.counts[slot] > 0 {
            add(index: other.offset + slot, count: other.counts[slot], maxBins: maxBins)
        }
    }

    /// Folds every bin below `newLow` into `newLow`.
    private mutating func collapse(below newLow: Int) {
        let cut = newLow - offset
        guard cut > 0 else { return }
        if cut >= counts.count {
            // Everything moves into the single bin `newLow`.
            var sum: UInt64 = 0
            for c in counts { sum &+= UInt64(c) }
            counts = [UInt32(clamping: sum)]
            offset = newLow
            if sum > 0 { hasCollapsed = true }
            return
        }
        var folded: UInt64 = 0
        for slot in 0..<cut { folded &+= UInt64(counts[slot]) }
        if folded > 0 { hasCollapsed = true }
        counts.removeFirst(cut)
        offset = newLow
        counts[0] = UInt32(clamping: UInt64(counts[0]) &+ folded)
    }

    /// Grows the array so that `index` has a slot; appends are amortized by the array's own growth.
    private mutating func extend(to index: Int) {
        if index < offset {
            counts.insert(contentsOf: repeatElement(0, count: offset - index), at: 0)
            offset = index
        } else {
            let high = offset + counts.count - 1
            if index > high { counts.append(contentsOf: repeatElement(0, count: index - high)) }
        }
    }
}

extension DDSketch {
    /// Rebuilds a sketch from decoded parts; used by the state decoder, which validates the input first.
    init(relativeAccuracy: Double, maxBins: Int, positive: DDSketchStore, negative: DDSketchStore, zeroCount: UInt64) {
        self.init(relativeAccuracy: relativeAccuracy, maxBins: maxBins)
        self.positive = positive
        self.negative = negative
        self.zeroCount = zeroCount
    }
}
