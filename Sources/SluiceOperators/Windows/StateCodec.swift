/// Appends the binary state format's primitives to a caller's reusable buffer.
struct StateWriter {
    var bytes: [UInt8]

    mutating func byte(_ value: UInt8) { bytes.append(value) }

    mutating func varint(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(truncatingIfNeeded: rest))
    }

    mutating func signed(_ value: Int64) {
        varint(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    mutating func word(_ value: UInt64) {
        var rest = value
        for _ in 0..<8 {
            bytes.append(UInt8(truncatingIfNeeded: rest))
            rest >>= 8
        }
    }

    mutating func uint32(_ value: UInt32) {
        var rest = value
        for _ in 0..<4 {
            bytes.append(UInt8(truncatingIfNeeded: rest))
            rest >>= 8
        }
    }
}

/// Reads the binary state format with a bounds check on every access: damaged input throws, never traps.
struct StateReader {
    let bytes: UnsafeRawBufferPointer
    var position = 0

    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    var remaining: Int { bytes.count - position }
    var isAtEnd: Bool { position == bytes.count }

    mutating func byte() throws(WindowError) -> UInt8 {
        guard position < bytes.count else { throw Self.truncated }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func varint() throws(WindowError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let next = try byte()
            if shift == 63 && next > 1 { throw WindowError(.corruptState, "varint overflows 64 bits") }
            result |= UInt64(next & 0x7F) << shift
            if next & 0x80 == 0 { return result }
            shift += 7
            if shift > 63 { throw WindowError(.corruptState, "varint is longer than 10 bytes") }
        }
    }

    mutating func signed() throws(WindowError) -> Int64 {
        let raw = try varint()
        return Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }

    /// A varint that must be at most `limit`.
    mutating func count(atMost limit: Int) throws(WindowError) -> Int {
        let raw = try varint()
        guard raw <= UInt64(max(limit, 0)) else {
            throw WindowError(.corruptState, "count \(raw) exceeds the limit \(limit)")
        }
        return Int(raw)
    }

    mutating func word() throws(WindowError) -> UInt64 {
        guard remaining >= 8 else { throw Self.truncated }
        var result: UInt64 = 0
        for index in 0..<8 { result |= UInt64(bytes[position + index]) << UInt64(8 * index) }
        position += 8
        return result
    }

    mutating func uint32() throws(WindowError) -> UInt32 {
        guard remaining >= 4 else { throw Self.truncated }
        var result: UInt32 = 0
        for index in 0..<4 { result |= UInt32(bytes[position + index]) << UInt32(8 * index) }
        position += 4
        return result
    }

    static let truncated = WindowError(.corruptState, "state ends early")
}

/// CRC-32 (IEEE 802.3, reflected, as in zlib), guarding every encoded state against damage.
enum CRC32 {
    static let table: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 { value = value & 1 == 1 ? (value >> 1) ^ 0xEDB8_8320 : value >> 1 }
        return value
    }

    static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        table.withUnsafeBufferPointer { table in
            for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        }
        return crc ^ 0xFFFF_FFFF
    }

    static func checksum(_ string: String) -> UInt32 {
        var bytes = Array(string.utf8)
        return bytes.withUnsafeMutableBytes { checksum(UnsafeRawBufferPointer($0)) }
    }
}
