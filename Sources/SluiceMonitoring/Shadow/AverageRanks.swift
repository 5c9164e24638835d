/// Average ranks (`scipy.stats.rankdata(x, method='average')`) of up to `capacity` doubles in
/// caller-owned buffers: a least-significant-digit radix argsort of the values' order-preserving
/// 64-bit keys carrying each value's position, then one walk over the sorted order that gives every
/// run of equal values the mean of its ranks. O(n) with eight byte passes at most (a pass whose byte
/// is the same for every key is skipped), no comparisons to mispredict, no allocation.
///
/// -0.0 and +0.0 are equal values and share a rank; NaN must not occur.
struct AverageRanks {
    static let radix = 256

    let capacity: Int
    private let keys: UnsafeMutablePointer<UInt64>
    private let keysTemp: UnsafeMutablePointer<UInt64>
    private let positions: UnsafeMutablePointer<UInt32>
    private let positionsTemp: UnsafeMutablePointer<UInt32>
    private let counts: UnsafeMutablePointer<Int>

    init(capacity: Int) {
        precondition(capacity >= 0 && capacity <= Int(UInt32.max), "AverageRanks: capacity out of range")
        self.capacity = capacity
        keys = .allocate(capacity: max(capacity, 1))
        keysTemp = .allocate(capacity: max(capacity, 1))
        positions = .allocate(capacity: max(capacity, 1))
        positionsTemp = .allocate(capacity: max(capacity, 1))
        counts = .allocate(capacity: 8 * Self.radix)
    }

    func deallocate() {
        keys.deallocate()
        keysTemp.deallocate()
        positions.deallocate()
        positionsTemp.deallocate()
        counts.deallocate()
    }

    /// Unsigned order of the key = numeric order of the value (sign bit flipped for positives, every
    /// bit for negatives); adding 0.0 first turns -0.0 into +0.0.
    @inline(__always)
    private static func key(_ x: Double) -> UInt64 {
        let bits = (x + 0.0).bitPattern
        return bits ^ (UInt64(bitPattern: Int64(bitPattern: bits) >> 63) | 0x8000_0000_0000_0000)
    }

    /// Writes the 1-based average rank of `values[i]` to `ranks[i]`. Every value is read before any
    /// rank is written, so `ranks` may be the values' own storage.
    func rank(_ values: UnsafeBufferPointer<Double>, into ranks: UnsafeMutableBufferPointer<Double>) {
        let n = values.count
        precondition(n <= capacity && ranks.count >= n, "AverageRanks: more values than capacity")
        guard n > 0 else { return }
        counts.update(repeating: 0, count: 8 * Self.radix)
        for i in 0..<n {
            let k = Self.key(values[i])
            keys[i] = k
            positions[i] = UInt32(truncatingIfNeeded: i)
            for p in 0..<8 { counts[p &* Self.radix &+ Int(truncatingIfNeeded: (k &>> UInt64(p &* 8)) & 0xFF)] &+= 1 }
        }
        var sourceKeys = keys
        var sourcePositions = positions
        var destinationKeys = keysTemp
        var destinationPositions = positionsTemp
        for p in 0..<8 {
            let c = counts + p * Self.radix
            let shift = UInt64(p * 8)
            if c[Int(truncatingIfNeeded: (sourceKeys[0] &>> shift) & 0xFF)] == n { continue }
            var sum = 0
            for d in 0..<Self.radix {
                let t = c[d]
                c[d] = sum
                sum &+= t
            }
            for i in 0..<n {
                let k = sourceKeys[i]
                let d = Int(truncatingIfNeeded: (k &>> shift) & 0xFF)
                let to = c[d]
                destinationKeys[to] = k
                destinationPositions[to] = sourcePositions[i]
                c[d] = to &+ 1
            }
            swap(&sourceKeys, &destinationKeys)
            swap(&sourcePositions, &destinationPositions)
        }
        var start = 0
        while start < n {
            var end = start &+ 1
            while end < n && sourceKeys[end] == sourceKeys[start] { end &+= 1 }
            // Sorted positions start…end−1 hold ranks start+1…end; their mean.
            let average = Double(start &+ 1 &+ end) / 2
            for k in start..<end { ranks[Int(sourcePositions[k])] = average }
            start = end
        }
    }
}
