/// `value` in decimal, written at the end of `digits` (24 bytes hold any Int64); returns a view of the digits.
/// How int keys and ids become bytes everywhere in a lane (event keys, event ids, lookup keys), so the same number
/// always gives the same bytes.
func writeDecimal(_ value: Int64, into digits: UnsafeMutableRawBufferPointer) -> UnsafeRawBufferPointer {
    var magnitude = value.magnitude
    var start = digits.count
    repeat {
        start -= 1
        digits[start] = UInt8(ascii: "0") + UInt8(magnitude % 10)
        magnitude /= 10
    } while magnitude > 0
    if value < 0 {
        start -= 1
        digits[start] = UInt8(ascii: "-")
    }
    return UnsafeRawBufferPointer(rebasing: digits[start...])
}
