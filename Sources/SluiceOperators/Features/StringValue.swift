#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A borrowed string value in a string register: the UTF-8 bytes of an input or of a literal, or null.
@usableFromInline struct StringValue {
    @usableFromInline var start: UnsafeRawPointer?
    /// Byte count; -1 for null.
    @usableFromInline var count: Int

    @inlinable init(start: UnsafeRawPointer?, count: Int) {
        self.start = start
        self.count = count
    }

    /// The bytes of `buffer`, or null when it is nil.
    @inlinable init(_ buffer: UnsafeRawBufferPointer?) {
        if let buffer {
            self.init(start: buffer.baseAddress, count: buffer.count)
        } else {
            self.init(start: nil, count: -1)
        }
    }

    static var null: StringValue { StringValue(start: nil, count: -1) }

    var isNull: Bool { count < 0 }

    /// Whether both are present and hold the same bytes (null equals nothing, not even null).
    @inline(__always) static func bytesEqual(_ a: StringValue, _ b: StringValue) -> Bool {
        guard a.count >= 0, a.count == b.count else { return false }
        if a.count == 0 { return true }
        return memcmp(a.start!, b.start!, a.count) == 0
    }

    @inline(__always) var bytes: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: start, count: Swift.max(count, 0))
    }
}
