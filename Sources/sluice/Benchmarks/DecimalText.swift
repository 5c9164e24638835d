/// Decimal numbers written as ASCII bytes, for generators that build events without `String`.

/// Appends the decimal digits of `value` (not negative).
func appendDecimal(_ value: Int, to buffer: inout [UInt8]) {
    var digits:
        (
            UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
            UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8
        ) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    var remaining = value
    var count = 0
    withUnsafeMutableBytes(of: &digits) { bytes in
        repeat {
            bytes[count] = UInt8(ascii: "0") + UInt8(remaining % 10)
            remaining /= 10
            count += 1
        } while remaining > 0
        for index in stride(from: count - 1, through: 0, by: -1) { buffer.append(bytes[index]) }
    }
}

/// Appends `value` in decimal, zero-padded to `width` digits (at most 20).
func appendPadded(_ value: Int, width: Int, to buffer: inout [UInt8]) {
    appendPadded(UInt64(value), width: width, to: &buffer)
}

/// Appends `value` with leading zeros to `width` digits.
func appendPadded(_ value: UInt64, width: Int, to buffer: inout [UInt8]) {
    var divisor: UInt64 = 1
    for _ in 1..<width { divisor *= 10 }
    var remaining = value
    while divisor > 0 {
        buffer.append(UInt8(ascii: "0") + UInt8((remaining / divisor) % 10))
        remaining %= divisor
        divisor /= 10
    }
}
