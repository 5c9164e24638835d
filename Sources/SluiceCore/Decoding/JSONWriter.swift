/// Writes JSON text (RFC 8259) into a reusable byte buffer: the output side of predictions and dead
/// letters.
///
/// Commas and colons are placed for you: open containers with ``beginObject()``/``beginArray()``,
/// name members with ``key(_:)``, and write values. Strings are escaped as RFC 8259 requires (`"`, `\`
/// and control characters below U+0020, with the short forms `\n`, `\t`, ... where they exist); all other
/// valid UTF-8 passes through unchanged. ``reset()`` keeps the buffer, so a writer reused per event
/// allocates nothing once it has grown to the largest output.
///
/// ```swift
/// let writer = JSONWriter()        // one per lane
/// writer.reset()
/// writer.beginObject()
/// writer.key("score"); writer.double(0.8125)
/// writer.key("model"); writer.string("fraud-v3")
/// writer.endObject()
/// writer.withBytes { output in /* produce output */ }
/// ```
///
/// A class because it owns its buffer; not thread-safe: one lane uses it at a time. Misuse (a key outside
/// an object, a value where a key is due, unbalanced ends) is not detected beyond the nesting limit of
/// 64 levels: the structure calls are meant to be written by code, not driven by data.
public final class JSONWriter {
    // Unchecked exclusivity: the writer belongs to one lane and never re-enters itself, and a dynamic
    // check on every byte appended would cost more than the append.
    @exclusivity(unchecked) private var buffer: UnsafeMutablePointer<UInt8>
    @exclusivity(unchecked) private var capacity: Int
    /// How many bytes have been written since the last ``reset()``.
    @exclusivity(unchecked) public private(set) var count = 0
    /// One bit per open container, innermost lowest: set while the container has no element yet.
    @exclusivity(unchecked) private var isEmptyStack: UInt64 = 0
    @exclusivity(unchecked) private var depth = 0
    @exclusivity(unchecked) private var isAfterKey = false

    /// A writer whose buffer starts with room for `capacity` bytes; it grows as needed. Default: 1024.
    public init(capacity: Int = 1024) {
        self.capacity = max(capacity, 16)
        buffer = .allocate(capacity: self.capacity)
    }

    deinit { buffer.deallocate() }

    /// Empties the buffer, keeping its capacity, and forgets any open containers.
    public func reset() {
        count = 0
        isEmptyStack = 0
        depth = 0
        isAfterKey = false
    }

    /// Calls `body` with the bytes written so far; they are valid only during the call.
    public func withBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try body(UnsafeRawBufferPointer(start: buffer, count: count))
    }

    /// A copy of the bytes written so far (allocates; the hot path should use ``withBytes(_:)``).
    public var bytes: [UInt8] { Array(UnsafeBufferPointer(start: buffer, count: count)) }

    // MARK: Structure

    /// Writes `{`.
    public func beginObject() {
        beginValue()
        appendByte(UInt8(ascii: "{"))
        open()
    }

    /// Writes `}`.
    public func endObject() {
        close()
        appendByte(UInt8(ascii: "}"))
    }

    /// Writes `[`.
    public func beginArray() {
        beginValue()
        appendByte(UInt8(ascii: "["))
        open()
    }

    /// Writes `]`.
    public func endArray() {
        close()
        appendByte(UInt8(ascii: "]"))
    }

    /// Writes a member key and the colon; the next value written is its value.
    public func key(_ key: String) {
        beginValue()
        appendEscaped(key)
        appendByte(UInt8(ascii: ":"))
        isAfterKey = true
    }

    /// Writes a member key given as UTF-8 bytes (invalid sequences become U+FFFD).
    public func key(utf8 key: UnsafeRawBufferPointer) {
        beginValue()
        appendEscaped(key, isKnownValid: false)
        appendByte(UInt8(ascii: ":"))
        isAfterKey = true
    }

    // MARK: Values

    /// Writes `null`.
    public func null() {
        beginValue()
        append("null")
    }

    /// Writes `true` or `false`.
    public func bool(_ value: Bool) {
        beginValue()
        append(value ? "true" : "false")
    }

    /// Writes an integer in decimal.
    public func int64(_ value: Int64) {
        beginValue()
        reserve(20)
        if value < 0 {
            buffer[count] = UInt8(ascii: "-")
            count &+= 1
        }
        var magnitude = value.magnitude
        var digits = 1
        var scale: UInt64 = 10
        while digits < 20 && magnitude >= scale {
            digits &+= 1
            scale = scale &* 10
        }
        var position = count &+ digits
        count = position
        repeat {
            position &-= 1
            buffer[position] = UInt8(ascii: "0") &+ UInt8(magnitude % 10)
            magnitude /= 10
        } while magnitude != 0
    }

    /// Writes a Double in the shortest form that reads back as the same Double (Swift's `description`
    /// digits: `0.1`, `1e-05`, `1.7976931348623157e+308`, `-0.0`), without allocating. NaN and the
    /// infinities, which JSON cannot express, are written as `null`.
    public func double(_ value: Double) {
        guard value.isFinite else {
            null()
            return
        }
        beginValue()
        // Double.write(to:) formats into a stack buffer and hands it to _writeASCII: no String is made.
        var sink = ASCIISink(writer: self)
        value.write(to: &sink)
    }

    /// Writes a string, escaped.
    public func string(_ value: String) {
        beginValue()
        appendEscaped(value)
    }

    /// Writes a string given as UTF-8 bytes, escaped; invalid UTF-8 sequences are written as U+FFFD.
    public func string(utf8 value: UnsafeRawBufferPointer) {
        beginValue()
        appendEscaped(value, isKnownValid: false)
    }

    /// Writes bytes that already are one JSON value, as they are (such as the raw text of an object the
    /// decoder reported). Not checked.
    public func rawValue(_ json: UnsafeRawBufferPointer) {
        beginValue()
        append(json)
    }

    // MARK: Buffer

    @inline(__always)
    private func reserve(_ extra: Int) {
        if count &+ extra > capacity { grow(count &+ extra) }
    }

    @inline(never)
    private func grow(_ needed: Int) {
        var newCapacity = capacity &* 2
        while newCapacity < needed { newCapacity &*= 2 }
        let newBuffer = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newBuffer.update(from: buffer, count: count)
        buffer.deallocate()
        buffer = newBuffer
        capacity = newCapacity
    }

    @inline(__always)
    private func appendByte(_ byte: UInt8) {
        reserve(1)
        buffer[count] = byte
        count &+= 1
    }

    @inline(__always)
    fileprivate func append(_ bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress, bytes.count > 0 else { return }
        reserve(bytes.count)
        UnsafeMutableRawPointer(buffer + count).copyMemory(from: source, byteCount: bytes.count)
        count &+= bytes.count
    }

    @inline(__always)
    private func append(_ text: StaticString) {
        append(UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    // MARK: Structure state

    @inline(__always)
    private func beginValue() {
        if isAfterKey {
            isAfterKey = false
            return
        }
        guard depth > 0 else { return }
        if isEmptyStack & 1 == 0 {
            appendByte(UInt8(ascii: ","))
        } else {
            isEmptyStack &= ~1
        }
    }

    private func open() {
        precondition(depth < 64, "JSONWriter nests at most 64 levels")
        depth &+= 1
        isEmptyStack = isEmptyStack &<< 1 | 1
    }

    private func close() {
        precondition(depth > 0, "JSONWriter: end without a matching begin")
        depth &-= 1
        isEmptyStack &>>= 1
    }

    // MARK: Escaping

    private func appendEscaped(_ text: String) {
        let handled: Void? = text.utf8.withContiguousStorageIfAvailable {
            appendEscaped(UnsafeRawBufferPointer($0), isKnownValid: true)
        }
        if handled == nil {
            var copy = text
            copy.withUTF8 { appendEscaped(UnsafeRawBufferPointer($0), isKnownValid: true) }
        }
    }

    private func appendEscaped(_ text: UnsafeRawBufferPointer, isKnownValid: Bool) {
        appendByte(UInt8(ascii: "\""))
        guard let base = text.baseAddress?.assumingMemoryBound(to: UInt8.self) else {
            appendByte(UInt8(ascii: "\""))
            return
        }
        let length = text.count
        var runStart = 0
        var i = 0
        while i < length {
            // Eight plain bytes at a time: printable ASCII other than `"` and `\`.
            if i &+ 8 <= length {
                let word = UInt64(littleEndian: UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self))
                let special = JSONScanner.specialBytes(word)
                if special == 0 {
                    i &+= 8
                    continue
                }
                i &+= special.trailingZeroBitCount &>> 3
            }
            let byte = base[i]
            if byte >= 0x20 && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") && byte < 0x80 {
                i &+= 1
                continue
            }
            if byte >= 0x80 {
                let sequence =
                    isKnownValid
                    ? JSONWriter.sequenceLength(byte) : JSONWriter.validSequenceLength(base + i, length &- i)
                if sequence > 0 {
                    i &+= sequence
                    continue
                }
            }
            // Flush the plain run, then write this byte escaped or replaced.
            append(UnsafeRawBufferPointer(start: base + runStart, count: i &- runStart))
            switch byte {
            case UInt8(ascii: "\""): append(#"\""#)
            case UInt8(ascii: "\\"): append(#"\\"#)
            case 0x08: append(#"\b"#)
            case 0x09: append(#"\t"#)
            case 0x0A: append(#"\n"#)
            case 0x0C: append(#"\f"#)
            case 0x0D: append(#"\r"#)
            case 0..<0x20:
                append(#"\u00"#)
                appendByte(byte < 0x10 ? UInt8(ascii: "0") : UInt8(ascii: "1"))
                let low = byte & 0xF
                appendByte(low < 10 ? UInt8(ascii: "0") &+ low : UInt8(ascii: "a") &+ (low &- 10))
            default:
                append("\u{FFFD}")  // an invalid UTF-8 byte becomes U+FFFD REPLACEMENT CHARACTER
            }
            i &+= 1
            runStart = i
        }
        append(UnsafeRawBufferPointer(start: base + runStart, count: length &- runStart))
        appendByte(UInt8(ascii: "\""))
    }

    /// The length of the sequence led by `lead` in text known to be valid UTF-8.
    @inline(__always)
    private static func sequenceLength(_ lead: UInt8) -> Int {
        lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2
    }

    /// The length of the well-formed UTF-8 sequence at `p` (within `available` bytes), or 0.
    private static func validSequenceLength(_ p: UnsafePointer<UInt8>, _ available: Int) -> Int {
        let lead = p[0]
        let length: Int
        var low: UInt8 = 0x80
        var high: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; high = 0x9F
        case 0xF0: length = 4; low = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; high = 0x8F
        default: return 0
        }
        guard available >= length else { return 0 }
        for k in 1..<length {
            if p[k] < low || p[k] > high { return 0 }
            low = 0x80
            high = 0xBF
        }
        return length
    }
}

/// Receives the digits `Double.write(to:)` formats and appends them to the writer.
private struct ASCIISink: TextOutputStream {
    unowned(unsafe) let writer: JSONWriter

    mutating func write(_ string: String) {
        var string = string
        string.withUTF8 { writer.append(UnsafeRawBufferPointer($0)) }
    }

    // The standard library's floating-point formatting calls this with its stack buffer.
    mutating func _writeASCII(_ buffer: UnsafeBufferPointer<UInt8>) {
        writer.append(UnsafeRawBufferPointer(buffer))
    }
}
