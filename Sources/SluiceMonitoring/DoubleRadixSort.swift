/// Sorts doubles ascending with a least-significant-digit radix sort over their bit patterns, in
/// caller-provided buffers (no allocation). At the few thousand values of a window sample it is
/// several times faster than a comparison sort, which a monitor pays for every feature at every
/// window end.
///
/// Each double maps to a `UInt64` whose unsigned order is the numeric order (negative numbers have
/// every bit flipped, the others only the sign bit); eight passes of one byte sort the keys (the
/// eight 256-entry histograms stay in L1), and passes whose byte is the same for every key, such as
/// the exponent of same-magnitude values, are skipped. NaN must not occur; -0.0 sorts before +0.0.
struct DoubleRadixSort {
    static let digitBits = 8
    static let passes = 8
    static let radix = 1 << digitBits

    let capacity: Int
    private let keys: UnsafeMutablePointer<UInt64>
    private let temp: UnsafeMutablePointer<UInt64>
    private let counts: UnsafeMutablePointer<Int32>

    /// Buffers for sorting up to `capacity` values; release them with ``deallocate()``.
    init(capacity: Int) {
        self.capacity = capacity
        keys = .allocate(capacity: max(capacity, 1))
        temp = .allocate(capacity: max(capacity, 1))
        counts = .allocate(capacity: Self.passes * Self.radix)
    }

    func deallocate() {
        keys.deallocate()
        temp.deallocate()
        counts.deallocate()
    }

    @inline(__always)
    private static func key(_ x: Double) -> UInt64 {
        let bits = x.bitPattern
        let mask = UInt64(bitPattern: Int64(bitPattern: bits) >> 63) | 0x8000_0000_0000_0000
        return bits ^ mask
    }

    @inline(__always)
    private static func value(_ key: UInt64) -> Double {
        let mask = (key >> 63) == 1 ? 0x8000_0000_0000_0000 : ~UInt64(0)
        return Double(bitPattern: key ^ mask)
    }

    func sort(_ v: UnsafeMutableBufferPointer<Double>) {
        let n = v.count
        precondition(n <= capacity, "DoubleRadixSort: more values than capacity")
        if n < 64 {
            var small = v
            small.sort()
            return
        }
        counts.update(repeating: 0, count: Self.passes * Self.radix)
        let mask = UInt64(Self.radix - 1)
        for i in 0..<n {
            let k = Self.key(v[i])
            keys[i] = k
            for p in 0..<Self.passes {
                counts[p &* Self.radix &+ Int(truncatingIfNeeded: (k &>> UInt64(p &* Self.digitBits)) & mask)] &+= 1
            }
        }
        var source = keys
        var destination = temp
        for p in 0..<Self.passes {
            let c = counts + p * Self.radix
            let shift = UInt64(p * Self.digitBits)
            // A pass where every key has the same digit would only copy.
            if Int(c[Int(truncatingIfNeeded: (source[0] &>> shift) & mask)]) == n { continue }
            var sum: Int32 = 0
            for d in 0..<Self.radix {
                let t = c[d]
                c[d] = sum
                sum &+= t
            }
            for i in 0..<n {
                let k = source[i]
                let d = Int(truncatingIfNeeded: (k &>> shift) & mask)
                destination[Int(truncatingIfNeeded: c[d])] = k
                c[d] &+= 1
            }
            swap(&source, &destination)
        }
        for i in 0..<n { v[i] = Self.value(source[i]) }
    }
}
