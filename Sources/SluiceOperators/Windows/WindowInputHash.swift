/// The 64-bit hash a distinct-count aggregate counts: the engine's own key hash, well mixed for HyperLogLog.
public enum WindowInputHash {
    /// The hash of a value's bytes (a string's UTF-8, a number's 8 little-endian bytes).
    @inline(__always)
    public static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        KeyHash.hash(bytes)
    }

    /// The hash of a number: equal numbers (including 0 and -0) hash alike.
    @inline(__always)
    public static func hash(_ value: Double) -> UInt64 {
        var normalized = value == 0 ? 0 : value
        return withUnsafeBytes(of: &normalized) { KeyHash.hash($0) }
    }
}
