#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Conversion of a validated JSON number literal to the nearest Double.
enum DecimalLiteral {
    /// `mantissa × 10^exponent` when it can be computed exactly with one rounding (Clinger's fast path:
    /// the mantissa and the power of ten are both exact Doubles, so the one multiplication or division is
    /// correctly rounded); nil when it cannot.
    @inline(always)
    static func exactDouble(mantissa: UInt64, exponent: Int) -> Double? {
        if mantissa == 0 { return 0 }
        let exactLimit: UInt64 = 1 << 53
        guard mantissa <= exactLimit else { return nil }
        if exponent >= 0 {
            if exponent <= 22 { return Double(mantissa) * powersOfTen[exponent] }
            // 123e25 is 123_000e22: move zeros into the mantissa while it stays exact.
            guard exponent <= 22 + 15 else { return nil }
            let (shifted, overflow) = mantissa.multipliedReportingOverflow(by: integerPowersOfTen[exponent - 22])
            guard !overflow, shifted <= exactLimit else { return nil }
            return Double(shifted) * 1e22
        }
        guard exponent >= -22 else { return nil }
        return Double(mantissa) / powersOfTen[-exponent]
    }

    /// `mantissa × 10^exponent` correctly rounded, for any mantissa and `-19 ... 19` exponents, by exact
    /// 128-bit integer arithmetic: a multiplication, or a division with its remainder as the sticky bit.
    /// Covers the 16- to 19-digit mantissas of shortest-form Doubles that Clinger's path cannot take;
    /// nil outside that range.
    @inline(__always)
    static func wideDouble(mantissa: UInt64, exponent: Int) -> Double? {
        guard mantissa != 0, exponent >= -19, exponent <= 19 else { return nil }
        if exponent >= 0 {
            let (high, low) = mantissa.multipliedFullWidth(by: integerPowersOfTen[exponent])
            return rounded(high: high, low: low, isInexact: false, binaryExponent: 0)
        }
        // Scale the mantissa so that the quotient has 63 or 64 bits: enough for 53 and a rounding bit.
        let divisor = integerPowersOfTen[-exponent]
        let shift = 63 + (64 - divisor.leadingZeroBitCount) - (64 - mantissa.leadingZeroBitCount)
        let high: UInt64
        let low: UInt64
        if shift >= 64 {
            (high, low) = (mantissa &<< UInt64(shift &- 64), 0)
        } else if shift > 0 {
            (high, low) = (mantissa &>> UInt64(64 &- shift), mantissa &<< UInt64(shift))
        } else {
            (high, low) = (0, mantissa)
        }
        // high < divisor by the choice of shift, so the quotient fits in 64 bits.
        let (quotient, remainder) = divisor.dividingFullWidth((high: high, low: low))
        return rounded(high: 0, low: quotient, isInexact: remainder != 0, binaryExponent: -shift)
    }

    /// `(high · 2^64 + low) · 2^binaryExponent`, plus a little more when `isInexact`, rounded to the
    /// nearest Double (ties to even). The value must be a normal Double.
    @inline(__always)
    private static func rounded(high: UInt64, low: UInt64, isInexact: Bool, binaryExponent: Int) -> Double {
        var top: UInt64
        var exponent = binaryExponent
        var isInexact = isInexact
        if high != 0 {
            let zeros = high.leadingZeroBitCount
            top = zeros == 0 ? high : (high &<< UInt64(zeros)) | (low &>> UInt64(64 &- zeros))
            isInexact = isInexact || (low &<< UInt64(zeros)) != 0
            exponent &+= 64 &- zeros
        } else {
            let zeros = low.leadingZeroBitCount
            top = low &<< UInt64(zeros)
            exponent &-= zeros
        }
        // top has its highest bit set: keep 53 bits, round on the 11 below and the inexact flag.
        var significand = top &>> 11
        let rest = top & 0x7FF
        if rest > 0x400 || (rest == 0x400 && (isInexact || significand & 1 == 1)) { significand &+= 1 }
        exponent &+= 11
        if significand == 1 &<< 53 {
            significand &>>= 1
            exponent &+= 1
        }
        // significand · 2^exponent with significand in [2^52, 2^53): biased exponent exponent + 52 + 1023.
        return Double(bitPattern: UInt64(exponent &+ 1075) &<< 52 | (significand & 0x000F_FFFF_FFFF_FFFF))
    }

    /// The correctly rounded value of the literal at `literal` (`length` bytes, sign included), by the C
    /// library's `strtod` in the C locale. Its magnitude is infinite when the value is beyond the Double
    /// range. The literal must be valid JSON.
    static func parseDouble(_ literal: UnsafePointer<UInt8>, length: Int) -> Double {
        // strtod reads until the first byte that cannot continue a number, and reads it: the caller
        // guarantees that `length` covers the literal and that byte. Its decimal point follows the
        // thread's locale, which is pinned to "C" for the call.
        let previous = uselocale(cNumericLocale.handle)
        defer { uselocale(previous) }
        return literal.withMemoryRebound(to: CChar.self, capacity: length) { strtod($0, nil) }
    }

    private static let powersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    static let integerPowersOfTen: [UInt64] = [
        1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000,
        10_000_000_000, 100_000_000_000, 1_000_000_000_000, 10_000_000_000_000, 100_000_000_000_000,
        1_000_000_000_000_000, 10_000_000_000_000_000, 100_000_000_000_000_000, 1_000_000_000_000_000_000,
        10_000_000_000_000_000_000,
    ]
}

/// The "C" numeric locale, created once: `strtod` must not read `,` as the decimal point because some
/// other code in the process called `setlocale`.
private struct NumericLocale: @unchecked Sendable {
    // @unchecked Sendable: a locale object is immutable once created and may be used by any thread.
    let handle: locale_t
}

private let cNumericLocale = NumericLocale(handle: newlocale(LC_NUMERIC_MASK, "C", nil))
