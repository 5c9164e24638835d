/// One window handed back when the watermark passed its end (`WindowDefinition.emitsOnClose`).
public struct ClosedWindow: Sendable, Hashable {
    /// Index of the window definition.
    public var window: Int
    /// The key's bytes.
    public var key: ArraySlice<UInt8>
    /// First ms of the window (session: the first event's time).
    public var start: Int64
    /// End of the window, exclusive (session: the last event's time + gap).
    public var end: Int64
    /// Final aggregate values, in the definition's aggregate order.
    public var values: ArraySlice<Double>
}

/// The windows closed by the last `process` or `advance` call, in a deterministic order: by end, then
/// window index, then key bytes (lexicographic, shorter first on a common prefix), then start.
/// The engine refills it on every call; read it before the next one.
public struct ClosedWindows: RandomAccessCollection, Sendable {
    struct Entry: Sendable {
        var window: Int32
        var keyLength: Int32
        var keyStart: Int
        var valueStart: Int
        var valueCount: Int
        var start: Int64
        var end: Int64
    }

    var entries: [Entry] = []
    var keyBytes: [UInt8] = []
    var values: [Double] = []

    public var startIndex: Int { 0 }
    public var endIndex: Int { entries.count }

    public subscript(position: Int) -> ClosedWindow {
        let entry = entries[position]
        return ClosedWindow(
            window: Int(entry.window),
            key: keyBytes[entry.keyStart..<(entry.keyStart + Int(entry.keyLength))],
            start: entry.start,
            end: entry.end,
            values: values[entry.valueStart..<(entry.valueStart + entry.valueCount)]
        )
    }

    mutating func removeAll() {
        entries.removeAll(keepingCapacity: true)
        keyBytes.removeAll(keepingCapacity: true)
        values.removeAll(keepingCapacity: true)
    }

    mutating func sort() {
        guard entries.count > 1 else { return }
        let bytes = keyBytes
        entries.sort { a, b in
            if a.end != b.end { return a.end < b.end }
            if a.window != b.window { return a.window < b.window }
            let order = bytes.withUnsafeBufferPointer { buffer in
                compareBytes(
                    UnsafeBufferPointer(rebasing: buffer[a.keyStart..<(a.keyStart + Int(a.keyLength))]),
                    UnsafeBufferPointer(rebasing: buffer[b.keyStart..<(b.keyStart + Int(b.keyLength))])
                )
            }
            if order != 0 { return order < 0 }
            return a.start < b.start
        }
    }
}

/// Lexicographic comparison; a proper prefix sorts first.
func compareBytes(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Int {
    let common = min(a.count, b.count)
    for index in 0..<common where a[index] != b[index] {
        return a[index] < b[index] ? -1 : 1
    }
    return a.count == b.count ? 0 : (a.count < b.count ? -1 : 1)
}
