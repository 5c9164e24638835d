/// The engine's input for one event: a reusable buffer the lane fills in place before each
/// `WindowEngine.process(_:)`. Make it once with `WindowEngine.makeEvent()`; after its buffers have
/// grown to the largest key, filling it allocates nothing.
///
/// Inputs are addressed by index, resolved once at setup with `WindowEngine.valueIndex(named:)`,
/// `predicateIndex(named:)`, `hashIndex(named:)` and `keyspaceIndex(named:)`.
public struct WindowEvent: Sendable {
    /// Event time, ms. Times outside ±2^53 are refused (`WindowProcessResult.isTimeOutOfRange`).
    public var eventTime: Int64 = 0
    /// Value inputs; NaN means missing.
    public var values: [Double]
    /// Predicate inputs for `countIf`.
    public var predicates: [Bool]
    /// 64-bit hashes of the values to count distinctly; any decent hash of the value's bytes.
    public var hashes: [UInt64]
    /// Key bytes per keyspace.
    var keys: [[UInt8]]

    init(keyspaces: Int, values: Int, predicates: Int, hashes: Int) {
        self.values = [Double](repeating: .nan, count: values)
        self.predicates = [Bool](repeating: false, count: predicates)
        self.hashes = [UInt64](repeating: 0, count: hashes)
        self.keys = [[UInt8]](repeating: [], count: keyspaces)
        for index in keys.indices { keys[index].reserveCapacity(64) }
    }

    /// Sets the key of `keyspace` to a copy of `bytes`.
    public mutating func setKey(_ bytes: UnsafeRawBufferPointer, keyspace: Int = 0) {
        keys[keyspace].removeAll(keepingCapacity: true)
        keys[keyspace].append(contentsOf: bytes)
    }

    /// Sets the key of `keyspace` to a copy of `bytes`.
    public mutating func setKey(_ bytes: some Sequence<UInt8>, keyspace: Int = 0) {
        keys[keyspace].removeAll(keepingCapacity: true)
        keys[keyspace].append(contentsOf: bytes)
    }

    /// Sets the key of `keyspace` to the UTF-8 bytes of `string`.
    public mutating func setKey(_ string: String, keyspace: Int = 0) {
        keys[keyspace].removeAll(keepingCapacity: true)
        keys[keyspace].append(contentsOf: string.utf8)
    }

    /// The key bytes currently set for `keyspace`.
    public func key(keyspace: Int = 0) -> [UInt8] { keys[keyspace] }
}
