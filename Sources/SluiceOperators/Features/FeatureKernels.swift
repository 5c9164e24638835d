#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The language's scalar semantics, shared by the evaluator and by constant folding so that a folded
/// expression gives exactly what the evaluator would.
///
/// Values are Doubles: bools 1/0, null NaN. A bool counts as true when it is neither 0 nor NaN.
enum FeatureKernels {
    @inline(__always) static func truth(_ value: Bool) -> Double { value ? 1 : 0 }

    @inline(__always) static func isTrue(_ value: Double) -> Bool { value > 0 || value < 0 }

    /// `!=` that is false when either side is null (NaN), like every comparison with null.
    @inline(__always) static func notEqual(_ a: Double, _ b: Double) -> Double {
        truth(a == a && b == b && a != b)
    }

    /// The smaller value; null when either is null; the first on ties.
    @inline(__always) static func minimum(_ a: Double, _ b: Double) -> Double {
        if a.isNaN || b.isNaN { return .nan }
        return b < a ? b : a
    }

    /// The larger value; null when either is null; the first on ties.
    @inline(__always) static func maximum(_ a: Double, _ b: Double) -> Double {
        if a.isNaN || b.isNaN { return .nan }
        return b > a ? b : a
    }

    /// `min(max(x, low), high)`: with `low > high` the result is `high`.
    @inline(__always) static func clip(_ x: Double, _ low: Double, _ high: Double) -> Double {
        minimum(maximum(x, low), high)
    }

    /// C `pow`, except that a null (NaN) argument always gives null (C gives `pow(NaN, 0) = 1`).
    @inline(__always) static func power(_ base: Double, _ exponent: Double) -> Double {
        if base.isNaN || exponent.isNaN { return .nan }
        return pow(base, exponent)
    }

    /// C `fmod`: the sign of the dividend; NaN when the divisor is 0 or the dividend infinite.
    @inline(__always) static func remainder(_ a: Double, _ b: Double) -> Double { fmod(a, b) }

    @inline(__always) static func naturalLog(_ x: Double) -> Double { log(x) }
    @inline(__always) static func naturalLogOnePlus(_ x: Double) -> Double { log1p(x) }
    @inline(__always) static func exponential(_ x: Double) -> Double { exp(x) }
    @inline(__always) static func squareRoot(_ x: Double) -> Double { x.squareRoot() }
    @inline(__always) static func absolute(_ x: Double) -> Double { Swift.abs(x) }

    // MARK: Buckets and lists

    /// The number of `bounds` (sorted, strictly increasing) that are ≤ `x`; null for null.
    @inline(__always) static func bucket(_ x: Double, bounds: UnsafePointer<Double>, count: Int) -> Double {
        if x.isNaN { return .nan }
        var low = 0
        var high = count
        while low < high {
            let middle = (low + high) >> 1
            if bounds[middle] <= x { low = middle + 1 } else { high = middle }
        }
        return Double(low)
    }

    /// Whether `x` equals one of `values`; false for null.
    @inline(__always) static func contains(_ x: Double, values: UnsafePointer<Double>, count: Int) -> Double {
        for index in 0..<count where values[index] == x { return 1 }
        return 0
    }

    /// Whether `x` equals one of `values`; false for null.
    @inline(__always) static func contains(_ x: StringValue, values: UnsafePointer<StringValue>, count: Int) -> Double {
        if x.isNull { return 0 }
        for index in 0..<count where StringValue.bytesEqual(x, values[index]) { return 1 }
        return 0
    }

    // MARK: Hashing

    static let fnvOffsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325
    static let fnvPrime: UInt64 = 0x0000_0100_0000_01b3

    /// FNV-1a 64 of `bytes`.
    @inline(__always) static func fnv1a(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var hash = fnvOffsetBasis
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* fnvPrime }
        return hash
    }

    /// FNV-1a 64 of a number: of the ASCII decimal digits (with a leading `-`) when it is a whole number
    /// in [-2^63, 2^63) — `str(int(x))` in Python — and otherwise of the 8 bytes of its IEEE-754 binary64
    /// encoding, least significant first — `struct.pack('<d', x)`.
    static func fnv1a(number x: Double) -> UInt64 {
        var hash = fnvOffsetBasis
        if x.rounded(.towardZero) == x && x >= -9.223_372_036_854_775_808e18 && x < 9.223_372_036_854_775_808e18 {
            let integer = Int64(x)
            if integer < 0 { hash = (hash ^ 0x2D) &* fnvPrime }
            let magnitude = integer.magnitude
            var divisor: UInt64 = 1
            while magnitude / divisor >= 10 { divisor &*= 10 }
            while true {
                let digit = (magnitude / divisor) % 10
                hash = (hash ^ (0x30 + digit)) &* fnvPrime
                if divisor == 1 { break }
                divisor /= 10
            }
        } else {
            let bits = x.bitPattern
            for shift in stride(from: 0 as UInt64, to: 64, by: 8) {
                hash = (hash ^ ((bits >> shift) & 0xFF)) &* fnvPrime
            }
        }
        return hash
    }

    /// `hash mod buckets` as a number; `buckets` is a whole number ≥ 1.
    @inline(__always) static func bucket(hash: UInt64, buckets: Double) -> Double {
        Double(hash % UInt64(buckets))
    }

    // MARK: Time

    static let millisecondsPerDay = 86_400_000.0
    static let millisecondsPerHour = 3_600_000.0
    /// Largest instant handled, in ms either side of the epoch (ECMAScript's range, ±273,790 years);
    /// beyond it, and for null, the time functions give null.
    static let maximumInstant = 8.64e15

    /// `t` (epoch ms) shifted to local time by the zone laid out at `zone` (see `TimeZoneTable.pooled`):
    /// the bucket of `t` gives how many transitions precede it, give or take the few in the bucket itself.
    @inline(__always) static func localTime(_ t: Double, zone: UnsafePointer<Double>, count: Int) -> Double {
        guard Swift.abs(t) <= maximumInstant else { return .nan }
        let transitions = zone + 2
        let position = (t - zone[0]) * TimeZoneTable.inverseBucketWidth
        var index: Int
        if position < 0 {
            index = 0
        } else if position < zone[1] {
            index = Int(transitions[2 * count + 1 + Int(position)])
        } else {
            index = count
        }
        while index < count && transitions[index] <= t { index += 1 }
        return t + transitions[count + index]
    }

    /// Hour of the day, 0...23, of a local time in ms.
    @inline(__always) static func hourOfDay(local: Double) -> Double {
        let day = (local / millisecondsPerDay).rounded(.down)
        let withinDay = local - day * millisecondsPerDay
        return Swift.min((withinDay / millisecondsPerHour).rounded(.down), 23)
    }

    /// Day of the week, 0 = Monday ... 6 = Sunday (ISO 8601 order, from 0), of a local time in ms.
    @inline(__always) static func dayOfWeek(local: Double) -> Double {
        // 1970-01-01 was a Thursday (3).
        let shifted = (local / millisecondsPerDay).rounded(.down) + 3
        return shifted - (shifted / 7).rounded(.down) * 7
    }
}
