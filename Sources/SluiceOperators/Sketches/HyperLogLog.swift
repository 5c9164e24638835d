/// A HyperLogLog distinct-count sketch over caller-supplied 64-bit hashes.
///
/// `m = 2^precision` registers; the relative standard error of the estimate is `1.04 / √m`
/// (precision 14: 16,384 registers, 0.81 %). The estimate uses Ertl's improved estimator
/// ("New cardinality estimation algorithms for HyperLogLog sketches", 2017), which needs no
/// empirical bias tables and stays unbiased from a handful of values up to 2^64.
///
/// Small sketches stay sparse: a sorted list of (register, rank) pairs at the same precision, four bytes
/// a pair, until that list would be larger than the `m`-byte dense register array. Both forms hold the
/// same information, so the estimate does not depend on the form, nor on the order of insertions or merges.
///
/// Every inserted hash is first passed through a 64-bit finalizer (MurmurHash3's `fmix64`), so callers
/// may pass weak hashes such as small integers without biasing the sketch.
public struct HyperLogLog: Sendable, Hashable {
    /// Smallest supported precision.
    public static let minimumPrecision = 4
    /// Largest supported precision.
    public static let maximumPrecision = 18

    /// Register-index bits. Default: 14.
    public let precision: Int
    /// Sorted by register index; each entry is `index << 8 | rank`. Empty once `dense` is used.
    private(set) var sparse: [UInt32] = []
    /// One byte a register; empty while the sketch is sparse.
    private(set) var dense: [UInt8] = []

    /// Creates an empty sketch. `precision` is clamped to `minimumPrecision...maximumPrecision`.
    public init(precision: Int = 14) {
        self.precision = min(max(precision, Self.minimumPrecision), Self.maximumPrecision)
    }

    /// Number of registers, `2^precision`.
    public var registerCount: Int { 1 << precision }

    /// The relative standard error of estimates, `1.04 / √m`.
    public var relativeStandardError: Double { 1.04 / Double(registerCount).squareRoot() }

    /// Whether the sketch has switched to its dense register array.
    public var isDense: Bool { !dense.isEmpty }

    /// Whether nothing has been inserted.
    public var isEmpty: Bool { sparse.isEmpty && dense.isEmpty }

    /// Approximate heap bytes held by the sketch.
    public var approximateBytes: Int { sparse.capacity * 4 + dense.capacity }

    /// Removes everything and releases the storage.
    public mutating func removeAll() {
        sparse = []
        dense = []
    }

    /// Empties the sketch but keeps its storage, for scratch sketches reused on every read.
    mutating func clear() {
        sparse.removeAll(keepingCapacity: true)
        dense.removeAll(keepingCapacity: true)
    }

    /// Adds one hashed value.
    @inline(__always)
    public mutating func insert(hash: UInt64) {
        let mixed = Self.mix(hash)
        let index = Int(truncatingIfNeeded: mixed >> UInt64(64 - precision))
        let remaining = mixed << UInt64(precision)
        let maximumRank = 64 - precision + 1
        let rank = remaining == 0 ? maximumRank : remaining.leadingZeroBitCount + 1
        update(index: index, rank: UInt8(truncatingIfNeeded: rank))
    }

    /// Folds `other` into this sketch (register-wise maximum). Both must have the same precision;
    /// a sketch of another precision is ignored and `false` is returned.
    @discardableResult
    public mutating func merge(_ other: HyperLogLog) -> Bool {
        guard other.precision == precision else { return false }
        if other.isDense {
            if !isDense { densify() }
            dense.withUnsafeMutableBufferPointer { target in
                other.dense.withUnsafeBufferPointer { source in
                    for index in 0..<target.count where source[index] > target[index] {
                        target[index] = source[index]
                    }
                }
            }
        } else if isDense {
            dense.withUnsafeMutableBufferPointer { target in
                for entry in other.sparse {
                    let index = Int(entry >> 8)
                    let rank = UInt8(truncatingIfNeeded: entry)
                    if rank > target[index] { target[index] = rank }
                }
            }
        } else {
            mergeSparse(other.sparse)
        }
        return true
    }

    /// The estimated number of distinct hashes inserted.
    public func estimate() -> Double {
        let q = 64 - precision
        return withUnsafeTemporaryAllocation(of: Int.self, capacity: q + 2) { histogram in
            histogram.initialize(repeating: 0)
            if isDense {
                for rank in dense { histogram[Int(rank)] += 1 }
            } else {
                histogram[0] = registerCount - sparse.count
                for entry in sparse { histogram[Int(entry & 0xFF)] += 1 }
            }
            return Self.ertlEstimate(histogram: UnsafeBufferPointer(histogram), registerCount: registerCount, q: q)
        }
    }

    // MARK: - Internals

    @inline(__always)
    static func mix(_ value: UInt64) -> UInt64 {
        var x = value
        x ^= x >> 33
        x &*= 0xff51_afd7_ed55_8ccd
        x ^= x >> 33
        x &*= 0xc4ce_b9fe_1a85_ec53
        x ^= x >> 33
        return x
    }

    /// Sets register `index` to at least `rank`.
    mutating func update(index: Int, rank: UInt8) {
        if isDense {
            if rank > dense[index] { dense[index] = rank }
            return
        }
        let key = UInt32(truncatingIfNeeded: index) << 8
        var low = 0
        var high = sparse.count
        while low < high {
            let middle = (low + high) >> 1
            if sparse[middle] < key { low = middle + 1 } else { high = middle }
        }
        if low < sparse.count, sparse[low] >> 8 == UInt32(truncatingIfNeeded: index) {
            if UInt32(rank) > sparse[low] & 0xFF { sparse[low] = key | UInt32(rank) }
            return
        }
        sparse.insert(key | UInt32(rank), at: low)
        if sparse.count * 4 > registerCount { densify() }
    }

    private mutating func densify() {
        var registers = [UInt8](repeating: 0, count: registerCount)
        for entry in sparse { registers[Int(entry >> 8)] = UInt8(truncatingIfNeeded: entry) }
        dense = registers
        sparse = []
    }

    private mutating func mergeSparse(_ other: [UInt32]) {
        if other.isEmpty { return }
        if sparse.isEmpty {
            sparse = other
            return
        }
        var merged: [UInt32] = []
        merged.reserveCapacity(sparse.count + other.count)
        var i = 0
        var j = 0
        while i < sparse.count || j < other.count {
            if j == other.count || (i < sparse.count && sparse[i] >> 8 < other[j] >> 8) {
                merged.append(sparse[i])
                i += 1
            } else if i == sparse.count || other[j] >> 8 < sparse[i] >> 8 {
                merged.append(other[j])
                j += 1
            } else {
                merged.append(max(sparse[i], other[j]))
                i += 1
                j += 1
            }
        }
        sparse = merged
        if sparse.count * 4 > registerCount { densify() }
    }

    /// Ertl 2017, algorithm 6 (improved raw estimator). `histogram[k]` counts registers holding `k`.
    static func ertlEstimate(histogram: UnsafeBufferPointer<Int>, registerCount: Int, q: Int) -> Double {
        let m = Double(registerCount)
        if histogram[0] == registerCount { return 0 }
        var z = m * tau(1 - Double(histogram[q + 1]) / m)
        var k = q
        while k >= 1 {
            z += Double(histogram[k])
            z *= 0.5
            k -= 1
        }
        z += m * sigma(Double(histogram[0]) / m)
        return m * m / (2 * 0.693_147_180_559_945_3) / z
    }

    private static func sigma(_ value: Double) -> Double {
        if value == 1 { return .infinity }
        var x = value
        var y = 1.0
        var z = value
        while true {
            x *= x
            let previous = z
            z += x * y
            y += y
            if z == previous { return z }
        }
    }

    private static func tau(_ value: Double) -> Double {
        if value == 0 || value == 1 { return 0 }
        var x = value
        var y = 1.0
        var z = 1 - value
        while true {
            x = x.squareRoot()
            let previous = z
            y *= 0.5
            z -= (1 - x) * (1 - x) * y
            if z == previous { return z / 3 }
        }
    }
}

extension HyperLogLog {
    /// Rebuilds a sketch from its registers; used by the state decoder, which validates the input first.
    init(precision: Int, sparse: [UInt32], dense: [UInt8]) {
        self.precision = precision
        self.sparse = sparse
        self.dense = dense
    }
}
