extension JSONScanner {
    /// Validates the number at `start` without converting it, except that a literal whose magnitude may
    /// exceed the Double range is converted to find out; returns the position after it.
    func skipNumber(at start: Int) throws(Failure) -> Int {
        var i = start
        if base[i] == ASCII.minus {
            i &+= 1
            guard i < count else { throw truncated }
        }
        var integerDigits = 0
        let first = base[i]
        if first == ASCII.zero {
            i &+= 1
            if i < count && ASCII.isDigit(base[i]) { throw Failure(kind: .invalidNumber, offset: i) }
        } else if ASCII.isDigit(first) {
            let end = skipDigits(from: i &+ 1)
            integerDigits = end &- i
            i = end
        } else {
            throw Failure(kind: .invalidNumber, offset: i)
        }
        if i < count && base[i] == ASCII.dot {
            i &+= 1
            guard i < count else { throw truncated }
            guard ASCII.isDigit(base[i]) else { throw Failure(kind: .invalidNumber, offset: i) }
            i = skipDigits(from: i &+ 1)
        }
        var exponent = 0
        if i < count && base[i] | 0x20 == ASCII.letterE { exponent = try scanExponent(&i) }
        // Below 10^308 whatever the digits: only literals that may reach the Double limit get converted.
        if integerDigits &+ exponent > 308 && i < count && ASCII.endsNumber(base[i]) {
            if DecimalLiteral.parseDouble(base + start, length: i &- start &+ 1).isInfinite {
                throw Failure(kind: .numberOutOfRange, offset: start)
            }
        }
        return i
    }

    /// The position of the first non-digit at or after `start`, eight bytes at a time where possible.
    @inline(always)
    private func skipDigits(from start: Int) -> Int {
        var i = start
        while i &+ 8 <= count {
            let run = DigitRun.length(load(at: i))
            i &+= run
            if run < 8 { return i }
        }
        while i < count && ASCII.isDigit(base[i]) { i &+= 1 }
        return i
    }

    /// Scans the exponent part whose `e` or `E` is at `i`, leaving `i` after it; returns its value,
    /// saturated at ±100 000 (anything beyond is zero or infinite for a Double anyway).
    @inline(__always)
    private func scanExponent(_ i: inout Int) throws(Failure) -> Int {
        i &+= 1
        guard i < count else { throw truncated }
        var isNegative = false
        if base[i] == ASCII.plus || base[i] == ASCII.minus {
            isNegative = base[i] == ASCII.minus
            i &+= 1
            guard i < count else { throw truncated }
        }
        guard ASCII.isDigit(base[i]) else { throw Failure(kind: .invalidNumber, offset: i) }
        var exponent = 0
        repeat {
            if exponent < 100_000 { exponent = exponent &* 10 &+ Int(base[i] &- ASCII.zero) }
            i &+= 1
        } while i < count && ASCII.isDigit(base[i])
        return isNegative ? -exponent : exponent
    }

    /// Validates and converts the number at `start` into `field`'s slot; returns the position after it.
    func scanNumber(at start: Int, into field: Int32) throws(Failure) -> Int {
        var i = start
        let isNegative = base[i] == ASCII.minus
        if isNegative {
            i &+= 1
            guard i < count else { throw truncated }
        }
        // The first 19 digits (leading zeros of a fraction included) are exact in a UInt64. Later ones
        // only scale the value (integer part) or are dropped (fraction); a dropped non-zero digit makes
        // the mantissa inexact and sends the conversion to the exact slow path.
        var mantissa: UInt64 = 0
        var digitsTaken = 0
        var decimalExponent = 0
        var isInexact = false
        var isIntegerLiteral = true

        let first = base[i]
        if first == ASCII.zero {
            i &+= 1
            if i < count && ASCII.isDigit(base[i]) { throw Failure(kind: .invalidNumber, offset: i) }
        } else if ASCII.isDigit(first) {
            let (end, taken) = foldDigits(from: i, into: &mantissa, taken: &digitsTaken, isInexact: &isInexact)
            decimalExponent = (end &- i) &- taken
            i = end
        } else {
            throw Failure(kind: .invalidNumber, offset: i)
        }
        if i < count && base[i] == ASCII.dot {
            isIntegerLiteral = false
            i &+= 1
            guard i < count else { throw truncated }
            guard ASCII.isDigit(base[i]) else { throw Failure(kind: .invalidNumber, offset: i) }
            let (end, taken) = foldDigits(from: i, into: &mantissa, taken: &digitsTaken, isInexact: &isInexact)
            decimalExponent &-= taken
            i = end
        }
        var exponent = 0
        if i < count && base[i] | 0x20 == ASCII.letterE {
            isIntegerLiteral = false
            exponent = try scanExponent(&i)
        }
        // The slow conversion reads up to the byte after the literal: convert only once that byte is
        // known to end it. Otherwise the caller reports what is wrong there.
        guard i < count else { throw truncated }
        guard ASCII.endsNumber(base[i]) else { return i }

        var slot = FieldSlot(
            kind: FieldSlot.number, isIntegerLiteral: isIntegerLiteral, start: start, length: i &- start)
        if isIntegerLiteral && !isInexact && decimalExponent == 0 {
            if mantissa <= UInt64(Int64.max) {
                slot.int64 = isNegative ? -Int64(mantissa) : Int64(mantissa)
                slot.hasInt64 = true
            } else if isNegative && mantissa == UInt64(Int64.max) &+ 1 {
                slot.int64 = .min
                slot.hasInt64 = true
            }
        }
        var value: Double
        if !isInexact, let exact = DecimalLiteral.exactDouble(mantissa: mantissa, exponent: decimalExponent &+ exponent)
        {
            value = exact
        } else if !isInexact,
            let wide = DecimalLiteral.wideDouble(mantissa: mantissa, exponent: decimalExponent &+ exponent)
        {
            value = wide
        } else {
            let digitsStart = isNegative ? start &+ 1 : start
            value = DecimalLiteral.parseDouble(base + digitsStart, length: i &- digitsStart &+ 1)
        }
        if value.isInfinite { throw Failure(kind: .numberOutOfRange, offset: start) }
        if isNegative { value = -value }
        slot.double = value
        slots[Int(field)] = slot
        return i
    }

    /// Folds the run of digits at `start` into `mantissa` while it holds fewer than 19 digits, eight at a
    /// time where possible; notes in `isInexact` any non-zero digit beyond. Returns the position after the
    /// run and how many of its digits were folded.
    @inline(always)
    private func foldDigits(
        from start: Int, into mantissa: inout UInt64, taken: inout Int, isInexact: inout Bool
    ) -> (end: Int, folded: Int) {
        var i = start
        var folded = 0
        while i &+ 8 <= count {
            let word = load(at: i)
            let run = DigitRun.length(word)
            guard run > 0 else { return (i, folded) }
            guard taken &+ run <= 19 else { break }
            mantissa = mantissa &* DecimalLiteral.integerPowersOfTen[run] &+ DigitRun.value(word, length: run)
            taken &+= run
            folded &+= run
            i &+= run
            if run < 8 { return (i, folded) }
        }
        while i < count {
            let digit = base[i] &- ASCII.zero
            guard digit < 10 else { break }
            if taken < 19 {
                mantissa = mantissa &* 10 &+ UInt64(digit)
                taken &+= 1
                folded &+= 1
            } else if digit != 0 {
                isInexact = true
            }
            i &+= 1
        }
        return (i, folded)
    }

    /// Eight bytes at `i` (in bounds), the first in the lowest byte.
    @inline(always)
    func load(at i: Int) -> UInt64 {
        UInt64(littleEndian: UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self))
    }
}

/// Digit runs in eight bytes at once (SWAR), the first byte in the lowest position.
enum DigitRun {
    /// How many of the bytes, from the first, are ASCII digits (0...8).
    @inline(always)
    static func length(_ word: UInt64) -> Int {
        // A byte is a digit when its high nibble is 3 and its low nibble plus 6 does not carry.
        let highNibbles = (word & 0xF0F0_F0F0_F0F0_F0F0) ^ 0x3030_3030_3030_3030
        let lowCarries = ((word & 0x0F0F_0F0F_0F0F_0F0F) &+ 0x0606_0606_0606_0606) & 0xF0F0_F0F0_F0F0_F0F0
        let nonDigits = highNibbles | lowCarries
        return nonDigits == 0 ? 8 : nonDigits.trailingZeroBitCount &>> 3
    }

    /// The value of the first `length` (1...8) bytes of `word`, all digits.
    @inline(always)
    static func value(_ word: UInt64, length: Int) -> UInt64 {
        // Shifting the digits to the top leaves zero bytes below them: leading zeros.
        var value = (word & 0x0F0F_0F0F_0F0F_0F0F) &<< UInt64(64 &- 8 &* length)
        value = (value &* 2561) &>> 8
        value = ((value & 0x00FF_00FF_00FF_00FF) &* 6_553_601) &>> 16
        return ((value & 0x0000_FFFF_0000_FFFF) &* 42_949_672_960_001) &>> 32
    }
}
