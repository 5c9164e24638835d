extension JSONScanner {
    /// Validates the string whose contents start at `start` (after the opening quote): UTF-8, no raw
    /// control characters, only defined escapes, surrogates in pairs. Returns the position of the
    /// closing quote and whether any escape occurred.
    @inline(__always)
    func scanString(from start: Int) throws(Failure) -> (end: Int, hasEscape: Bool) {
        var i = start
        var hasEscape = false
        while true {
            if i &+ 8 <= count {
                // Eight bytes at a time while they are plain: printable ASCII other than `"` and `\`.
                let special = JSONScanner.specialBytes(load(at: i))
                if special == 0 {
                    i &+= 8
                    continue
                }
                i &+= special.trailingZeroBitCount &>> 3
            } else {
                guard i < count else { throw truncated }
                let byte = base[i]
                if byte >= 0x20 && byte < 0x80 && byte != ASCII.quote && byte != ASCII.backslash {
                    i &+= 1
                    continue
                }
            }
            // `i` is at a byte that is not plain.
            let byte = base[i]
            if byte == ASCII.quote { return (i, hasEscape) }
            if byte == ASCII.backslash {
                hasEscape = true
                i = try skipEscape(at: i)
            } else if byte < 0x20 {
                throw Failure(kind: .controlCharacterInString, offset: i)
            } else {
                i = try skipUTF8Sequence(at: i)
            }
        }
    }

    /// The position of the closing quote of the string whose contents start at `start` when its first
    /// sixteen bytes hold the whole of it in plain ASCII (most keys and short values); nil otherwise, and
    /// then ``scanString(from:)`` decides.
    @inline(always)
    func scanShortString(from start: Int) -> Int? {
        guard start &+ 16 <= count else { return nil }
        var special = JSONScanner.specialBytes(load(at: start))
        var i = start
        if special == 0 {
            i &+= 8
            special = JSONScanner.specialBytes(load(at: i))
            if special == 0 { return nil }
        }
        i &+= special.trailingZeroBitCount &>> 3
        return base[i] == ASCII.quote ? i : nil
    }

    /// The high bit of each byte of `word` that is `"`, `\`, below 0x20 or above 0x7F. Bits above the
    /// lowest set one may be spurious (borrows), so only the lowest is meaningful.
    @inline(always)
    static func specialBytes(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let quotes = word ^ (ones &* UInt64(ASCII.quote))
        let backslashes = word ^ (ones &* UInt64(ASCII.backslash))
        let isQuote = (quotes &- ones) & ~quotes
        let isBackslash = (backslashes &- ones) & ~backslashes
        let isControl = (word &- ones &* 0x20) & ~word
        return (isQuote | isBackslash | isControl | word) & highs
    }

    /// Validates the escape whose backslash is at `i`; returns the position after it.
    @inline(__always)
    private func skipEscape(at i: Int) throws(Failure) -> Int {
        guard i &+ 1 < count else { throw truncated }
        switch base[i &+ 1] {
        case ASCII.quote, ASCII.backslash, ASCII.slash, 0x62, 0x66, 0x6E, 0x72, 0x74:  // " \ / b f n r t
            return i &+ 2
        case ASCII.letterU:
            let unit = try hexQuad(at: i &+ 2, escapeAt: i)
            if unit & 0xFC00 == 0xDC00 { throw Failure(kind: .invalidEscape, offset: i) }
            if unit & 0xFC00 != 0xD800 { return i &+ 6 }
            // A high surrogate: the next escape must be its low half.
            guard i &+ 6 < count else { throw truncated }
            guard base[i &+ 6] == ASCII.backslash else { throw Failure(kind: .invalidEscape, offset: i) }
            guard i &+ 7 < count else { throw truncated }
            guard base[i &+ 7] == ASCII.letterU else { throw Failure(kind: .invalidEscape, offset: i) }
            let low = try hexQuad(at: i &+ 8, escapeAt: i &+ 6)
            guard low & 0xFC00 == 0xDC00 else { throw Failure(kind: .invalidEscape, offset: i) }
            return i &+ 12
        default:
            throw Failure(kind: .invalidEscape, offset: i)
        }
    }

    /// The value of the four hex digits at `i`, part of the `\u` escape at `escape`.
    @inline(__always)
    private func hexQuad(at i: Int, escapeAt escape: Int) throws(Failure) -> UInt32 {
        var value: UInt32 = 0
        for k in 0..<4 {
            guard i &+ k < count else { throw truncated }
            guard let digit = JSONScanner.hexValue(base[i &+ k]) else {
                throw Failure(kind: .invalidEscape, offset: escape)
            }
            value = value &<< 4 | digit
        }
        return value
    }

    @inline(always)
    static func hexValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case 0x30...0x39: return UInt32(byte &- 0x30)
        case 0x41...0x46: return UInt32(byte &- 0x37)
        case 0x61...0x66: return UInt32(byte &- 0x57)
        default: return nil
        }
    }

    /// Validates the multi-byte UTF-8 sequence whose lead byte (0x80 or above) is at `i`, per RFC 3629:
    /// no overlong forms, no surrogates, nothing above U+10FFFF. Returns the position after it.
    private func skipUTF8Sequence(at i: Int) throws(Failure) -> Int {
        let lead = base[i]
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
        default: throw Failure(kind: .invalidUTF8, offset: i)
        }
        // Only the second byte has a narrowed range; the others are plain continuation bytes.
        for k in 1..<length {
            guard i &+ k < count else { throw truncated }
            let byte = base[i &+ k]
            if byte < low || byte > high { throw Failure(kind: .invalidUTF8, offset: i) }
            low = 0x80
            high = 0xBF
        }
        return i &+ length
    }

    /// Copies the already validated string contents `start..<end` into the free end of the scratch space
    /// with escapes decoded; returns where they start there and their length. Does not claim the space:
    /// the caller advances `scratchUsed` if it keeps them.
    func unescape(from start: Int, to end: Int) -> (start: Int, length: Int) {
        let outStart = scratchUsed.pointee
        var out = outStart
        var i = start
        while i < end {
            let byte = base[i]
            if byte != ASCII.backslash {
                scratch[out] = byte
                out &+= 1
                i &+= 1
                continue
            }
            let escaped = base[i &+ 1]
            i &+= 2
            let decoded: UInt8
            switch escaped {
            case 0x62: decoded = 0x08
            case 0x66: decoded = 0x0C
            case 0x6E: decoded = 0x0A
            case 0x72: decoded = 0x0D
            case 0x74: decoded = 0x09
            case ASCII.letterU:
                var scalar = hexQuadUnchecked(at: i)
                i &+= 4
                if scalar & 0xFC00 == 0xD800 {
                    let low = hexQuadUnchecked(at: i &+ 2)
                    i &+= 6
                    scalar = 0x10000 &+ ((scalar &- 0xD800) &<< 10) &+ (low &- 0xDC00)
                }
                out = writeUTF8(scalar, at: out)
                continue
            default: decoded = escaped  // " \ /
            }
            scratch[out] = decoded
            out &+= 1
        }
        return (outStart, out &- outStart)
    }

    @inline(__always)
    private func hexQuadUnchecked(at i: Int) -> UInt32 {
        var value: UInt32 = 0
        for k in 0..<4 { value = value &<< 4 | (JSONScanner.hexValue(base[i &+ k]) ?? 0) }
        return value
    }

    @inline(__always)
    private func writeUTF8(_ scalar: UInt32, at position: Int) -> Int {
        var out = position
        if scalar < 0x80 {
            scratch[out] = UInt8(scalar)
            return out &+ 1
        }
        if scalar < 0x800 {
            scratch[out] = UInt8(0xC0 | scalar &>> 6)
            out &+= 1
        } else if scalar < 0x10000 {
            scratch[out] = UInt8(0xE0 | scalar &>> 12)
            scratch[out &+ 1] = UInt8(0x80 | (scalar &>> 6) & 0x3F)
            out &+= 2
        } else {
            scratch[out] = UInt8(0xF0 | scalar &>> 18)
            scratch[out &+ 1] = UInt8(0x80 | (scalar &>> 12) & 0x3F)
            scratch[out &+ 2] = UInt8(0x80 | (scalar &>> 6) & 0x3F)
            out &+= 3
        }
        scratch[out] = UInt8(0x80 | scalar & 0x3F)
        return out &+ 1
    }
}
