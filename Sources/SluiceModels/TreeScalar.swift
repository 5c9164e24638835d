/// The number type a tree ensemble's model is defined in: `Float` for xgboost (which evaluates in
/// float32), `Double` for LightGBM.
///
/// Splits compare order keys rather than floats: the float's bits as an unsigned integer, with the
/// sign bit flipped for positives and all bits flipped for negatives, so that `key(a) >= key(b)`
/// exactly when `a >= b` for every non-NaN pair with `a` not −0 (the prepared row never holds −0).
/// Integer keys never see NaN, and their comparison is a short dependency chain.
protocol TreeScalar: BinaryFloatingPoint, Sendable {
    associatedtype Key: FixedWidthInteger & UnsignedInteger & Sendable

    init(converting value: Double)
    var doubleValue: Double { get }
    /// The order key of a non-NaN value.
    var orderKey: Key { get }
    /// The raw bits, for storing a leaf value or a raw feature value in a key-typed slot.
    var bitsAsKey: Key { get }
    init(bitsOfKey key: Key)
    /// 1 when `a >= b`, else 0, computed with integer arithmetic the compiler keeps branch-free.
    static func isAtLeast(_ a: Key, _ b: Key) -> Int
}

extension Float: TreeScalar {
    @inline(__always) init(converting value: Double) { self.init(value) }
    @inline(__always) var doubleValue: Double { Double(self) }
    @inline(__always) var orderKey: UInt32 {
        // Without a branch: flip only the sign bit of a positive value, every bit of a negative one.
        let bits = bitPattern
        let mask = UInt32(bitPattern: Int32(bitPattern: bits) >> 31) | 0x8000_0000
        return bits ^ mask
    }
    @inline(__always) var bitsAsKey: UInt32 { bitPattern }
    @inline(__always) init(bitsOfKey key: UInt32) { self.init(bitPattern: key) }
    @inline(__always) static func isAtLeast(_ a: UInt32, _ b: UInt32) -> Int {
        // Both below 2^32, so the 64-bit difference is negative exactly when a < b.
        Int(truncatingIfNeeded: ((UInt64(a) &- UInt64(b)) >> 63) ^ 1)
    }
}

extension Double: TreeScalar {
    @inline(__always) init(converting value: Double) { self = value }
    @inline(__always) var doubleValue: Double { self }
    @inline(__always) var orderKey: UInt64 {
        let bits = bitPattern
        let mask = UInt64(bitPattern: Int64(bitPattern: bits) >> 63) | 0x8000_0000_0000_0000
        return bits ^ mask
    }
    @inline(__always) var bitsAsKey: UInt64 { bitPattern }
    @inline(__always) init(bitsOfKey key: UInt64) { self.init(bitPattern: key) }
    @inline(__always) static func isAtLeast(_ a: UInt64, _ b: UInt64) -> Int {
        let (_, borrow) = a.subtractingReportingOverflow(b)
        return borrow ? 0 : 1
    }
}
