/// The single pass over one payload: validates the whole document per RFC 8259 and fills the slots of
/// the requested fields on the way. Created per decode on the stack; holds only pointers.
///
/// Positions are passed in and returned rather than stored, so that they stay in registers. Every read
/// of `base[i]` is preceded by a check of `i < count`; running out of input is ``DecodeError/Kind/truncated``.
struct JSONScanner {
    let base: UnsafePointer<UInt8>
    let count: Int
    let maxDepth: Int
    let nodes: UnsafeMutablePointer<DecodePlan.Node>
    let children: UnsafeMutablePointer<DecodePlan.Child>
    let keyBytes: UnsafeMutablePointer<UInt8>
    let subtreeFields: UnsafeMutablePointer<Int32>
    let keyTable: UnsafeMutablePointer<Int32>
    let childCount: Int
    let nextMemberHints: UnsafeMutablePointer<Int32>
    let slots: UnsafeMutablePointer<FieldSlot>
    let scratch: UnsafeMutablePointer<UInt8>
    let scratchUsed: UnsafeMutablePointer<Int>
    /// Per depth: 1 when the open container is an array, 0 for an object.
    let containerStack: UnsafeMutablePointer<UInt8>

    /// An error inside the scan; `field` is the requested field whose value holds it, or -1.
    struct Failure: Error {
        var kind: DecodeError.Kind
        var offset: Int
        var field: Int32 = -1
    }

    // MARK: Document

    /// Scans the whole payload (known to be non-empty).
    func scanDocument() throws(Failure) {
        var i = skipWhitespace(0)
        guard i < count else { throw Failure(kind: .empty, offset: count) }
        let first = base[i]
        if first == ASCII.openBrace {
            i = try scanRequestedObject(node: 0, at: i, depth: 1)
        } else if ASCII.canStartValue(first) {
            let end = try skipValue(at: i, depth: 0)
            let after = skipWhitespace(end)
            if after < count { throw Failure(kind: .trailingData, offset: after) }
            throw Failure(kind: .notAnObject, offset: i)
        } else {
            throw Failure(kind: .notJSON, offset: i)
        }
        i = skipWhitespace(i)
        if i < count { throw Failure(kind: .trailingData, offset: i) }
    }

    // MARK: Requested objects

    /// Scans the object at `start` (its `{`) whose members are described by plan node `node`; returns the
    /// position after its `}`.
    func scanRequestedObject(node nodeIndex: Int32, at start: Int, depth: Int) throws(Failure) -> Int {
        if depth > maxDepth { throw Failure(kind: .tooDeep(limit: maxDepth), offset: start) }
        let node = nodes[Int(nodeIndex)]
        var i = skipWhitespace(start &+ 1)
        guard i < count else { throw truncated }
        if base[i] == ASCII.closeBrace { return i &+ 1 }
        var expected = DecodeError.Expectation.keyOrObjectEnd
        // Where the guess of the next member is kept: after the node's start, then after each match.
        var hintIndex = childCount &+ Int(nodeIndex)
        while true {
            guard base[i] == ASCII.quote else { throw Failure(kind: .invalidSyntax(expected: expected), offset: i) }
            let keyStart = i &+ 1
            let keyEnd: Int
            let keyHasEscape: Bool
            if let end = scanShortString(from: keyStart) {
                (keyEnd, keyHasEscape) = (end, false)
            } else {
                (keyEnd, keyHasEscape) = try scanString(from: keyStart)
            }
            let member: Int32
            if node.lengthMask == 0 {
                member = -1
            } else if keyHasEscape {
                member = matchEscapedKey(node: node, from: keyStart, to: keyEnd)
            } else {
                member = matchKey(
                    node: node, bytes: base + keyStart, length: keyEnd &- keyStart,
                    canLoadEight: keyStart &+ 8 <= count,
                    guess: nextMemberHints[hintIndex])
            }
            if member >= 0 {
                if nextMemberHints[hintIndex] != member { nextMemberHints[hintIndex] = member }
                hintIndex = Int(member)
            }
            i = skipWhitespace(keyEnd &+ 1)
            guard i < count else { throw truncated }
            guard base[i] == ASCII.colon else { throw Failure(kind: .invalidSyntax(expected: .colon), offset: i) }
            i = skipWhitespace(i &+ 1)
            guard i < count else { throw truncated }
            if member < 0 {
                i = try skipValue(at: i, depth: depth)
            } else {
                i = try scanMember(children[Int(member)], at: i, depth: depth)
            }
            i = skipWhitespace(i)
            guard i < count else { throw truncated }
            let separator = base[i]
            if separator == ASCII.comma {
                i = skipWhitespace(i &+ 1)
                guard i < count else { throw truncated }
                expected = .key
                continue
            }
            if separator == ASCII.closeBrace { return i &+ 1 }
            throw Failure(kind: .invalidSyntax(expected: .commaOrObjectEnd), offset: i)
        }
    }

    /// Scans the value at `i` of a member the plan knows; returns the position after it.
    private func scanMember(_ child: DecodePlan.Child, at i: Int, depth: Int) throws(Failure) -> Int {
        if child.subtreeCount > 0 {
            // A repeated member replaces everything an earlier occurrence filled below it.
            let first = Int(child.subtreeStart)
            for k in first..<(first &+ Int(child.subtreeCount)) {
                slots[Int(subtreeFields[k])].kind = FieldSlot.absent
            }
        }
        let isObject = base[i] == ASCII.openBrace
        guard child.field >= 0 else {
            if isObject { return try scanRequestedObject(node: child.node, at: i, depth: depth &+ 1) }
            return try skipValue(at: i, depth: depth)
        }
        do throws(Failure) {
            if isObject && child.node >= 0 {
                let end = try scanRequestedObject(node: child.node, at: i, depth: depth &+ 1)
                setRaw(child.field, kind: FieldSlot.object, from: i, to: end)
                return end
            }
            return try scanLeaf(field: child.field, at: i, depth: depth)
        } catch {
            var failure = error
            if failure.field < 0 { failure.field = child.field }
            throw failure
        }
    }

    /// Scans a requested value into `field`'s slot; returns the position after it.
    @inline(always)
    private func scanLeaf(field: Int32, at i: Int, depth: Int) throws(Failure) -> Int {
        let first = base[i]
        switch first {
        case ASCII.quote:
            let contentStart = i &+ 1
            if let end = scanShortString(from: contentStart) {
                slots[Int(field)] = FieldSlot(kind: FieldSlot.string, start: contentStart, length: end &- contentStart)
                return end &+ 1
            }
            let (end, hasEscape) = try scanString(from: contentStart)
            if hasEscape {
                let (scratchStart, length) = unescape(from: contentStart, to: end)
                scratchUsed.pointee = scratchStart &+ length
                slots[Int(field)] = FieldSlot(
                    kind: FieldSlot.string, isInScratch: true, start: scratchStart, length: length)
            } else {
                slots[Int(field)] = FieldSlot(kind: FieldSlot.string, start: contentStart, length: end &- contentStart)
            }
            return end &+ 1
        case ASCII.minus, ASCII.zero...ASCII.nine:
            return try scanNumber(at: i, into: field)
        case ASCII.openBrace:
            let end = try skipValue(at: i, depth: depth)
            setRaw(field, kind: FieldSlot.object, from: i, to: end)
            return end
        case ASCII.openBracket:
            let end = try skipValue(at: i, depth: depth)
            setRaw(field, kind: FieldSlot.array, from: i, to: end)
            return end
        case ASCII.letterT:
            let end = try expectLiteral(ASCII.trueWord, at: i, expected: .trueLiteral)
            slots[Int(field)] = FieldSlot(kind: FieldSlot.trueValue)
            return end
        case ASCII.letterF:
            let end = try expectLiteral(ASCII.falseWord, at: i, expected: .falseLiteral)
            slots[Int(field)] = FieldSlot(kind: FieldSlot.falseValue)
            return end
        case ASCII.letterN:
            let end = try expectLiteral(ASCII.nullWord, at: i, expected: .nullLiteral)
            slots[Int(field)] = FieldSlot(kind: FieldSlot.null)
            return end
        default:
            throw Failure(kind: .invalidSyntax(expected: .value), offset: i)
        }
    }

    @inline(always)
    private func setRaw(_ field: Int32, kind: UInt8, from start: Int, to end: Int) {
        slots[Int(field)] = FieldSlot(kind: kind, start: start, length: end &- start)
    }

    // MARK: Key matching

    /// The index in `children` of the member of `node` whose key is `bytes`, or -1. The `guess` (a child
    /// of `node`, or -1) is tried before the hash table.
    @inline(always)
    private func matchKey(
        node: DecodePlan.Node, bytes: UnsafePointer<UInt8>, length: Int, canLoadEight: Bool, guess: Int32 = -1
    ) -> Int32 {
        guard node.lengthMask & (1 &<< UInt64(min(length, 63))) != 0 else { return -1 }
        if guess >= 0 {
            let child = children[Int(guess)]
            if Int(child.keyLength) == length
                && child.keyPrefix == loadPrefix(bytes, length: length, canLoadEight: canLoadEight)
                && (length <= 8 || memoryEqual(bytes + 8, keyBytes + Int(child.keyStart) + 8, length &- 8))
            {
                return guess
            }
        }
        let mask = (1 &<< Int(node.tableBits)) &- 1
        let table = keyTable + Int(node.tableStart)
        var slot = Int(
            DecodePlan.keyHash(length: length, first: bytes[0], last: bytes[length &- 1], bits: node.tableBits))
        var candidate = table[slot]
        guard candidate >= 0 else { return -1 }
        let prefix = loadPrefix(bytes, length: length, canLoadEight: canLoadEight)
        while candidate >= 0 {
            let child = children[Int(candidate)]
            if Int(child.keyLength) == length && child.keyPrefix == prefix
                && (length <= 8 || memoryEqual(bytes + 8, keyBytes + Int(child.keyStart) + 8, length &- 8))
            {
                return candidate
            }
            slot = (slot &+ 1) & mask
            candidate = table[slot]
        }
        return -1
    }

    /// Matches a key written with escapes by unescaping it into the free end of the scratch space.
    private func matchEscapedKey(node: DecodePlan.Node, from start: Int, to end: Int) -> Int32 {
        let (scratchStart, length) = unescape(from: start, to: end)
        return matchKey(node: node, bytes: scratch + scratchStart, length: length, canLoadEight: false)
    }

    @inline(always)
    private func loadPrefix(_ bytes: UnsafePointer<UInt8>, length: Int, canLoadEight: Bool) -> UInt64 {
        if canLoadEight {
            let word = UInt64(littleEndian: UnsafeRawPointer(bytes).loadUnaligned(as: UInt64.self))
            return length >= 8 ? word : word & ((1 &<< UInt64(length &* 8)) &- 1)
        }
        var word: UInt64 = 0
        for k in 0..<min(length, 8) { word |= UInt64(bytes[k]) &<< UInt64(k &* 8) }
        return word
    }

    @inline(always)
    private func memoryEqual(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ length: Int) -> Bool {
        for k in 0..<length where a[k] != b[k] { return false }
        return true
    }

    // MARK: Skipping

    /// Validates the value at `i` (known to be in bounds) inside a container at `depth`; returns the
    /// position after it.
    @inline(always)
    func skipValue(at i: Int, depth: Int) throws(Failure) -> Int {
        let first = base[i]
        if first == ASCII.openBrace || first == ASCII.openBracket { return try skipContainer(at: i, depth: depth) }
        return try skipScalar(at: i)
    }

    /// Validates a string, number or literal at `i`; returns the position after it.
    @inline(__always)
    private func skipScalar(at i: Int) throws(Failure) -> Int {
        switch base[i] {
        case ASCII.quote:
            if let end = scanShortString(from: i &+ 1) { return end &+ 1 }
            return try scanString(from: i &+ 1).end &+ 1
        case ASCII.minus, ASCII.zero...ASCII.nine: return try skipNumber(at: i)
        case ASCII.letterT: return try expectLiteral(ASCII.trueWord, at: i, expected: .trueLiteral)
        case ASCII.letterF: return try expectLiteral(ASCII.falseWord, at: i, expected: .falseLiteral)
        case ASCII.letterN: return try expectLiteral(ASCII.nullWord, at: i, expected: .nullLiteral)
        default: throw Failure(kind: .invalidSyntax(expected: .value), offset: i)
        }
    }

    /// Validates the object or array opening at `start`, nested inside `depth` levels, without recursion:
    /// the kind of each open container is kept in `containerStack`. Returns the position after it.
    private func skipContainer(at start: Int, depth: Int) throws(Failure) -> Int {
        var i = start
        var level = depth
        while true {
            // Here `i` is at the first byte of a value, in bounds.
            let first = base[i]
            if first == ASCII.openBrace || first == ASCII.openBracket {
                level &+= 1
                if level > maxDepth { throw Failure(kind: .tooDeep(limit: maxDepth), offset: i) }
                let isArray = first == ASCII.openBracket
                containerStack[level] = isArray ? 1 : 0
                i = skipWhitespace(i &+ 1)
                guard i < count else { throw truncated }
                let next = base[i]
                if next == (isArray ? ASCII.closeBracket : ASCII.closeBrace) {
                    i &+= 1
                    level &-= 1
                } else if isArray {
                    guard ASCII.canStartValue(next) else {
                        throw Failure(kind: .invalidSyntax(expected: .valueOrArrayEnd), offset: i)
                    }
                    continue
                } else {
                    guard next == ASCII.quote else {
                        throw Failure(kind: .invalidSyntax(expected: .keyOrObjectEnd), offset: i)
                    }
                    i = try skipKeyAndColon(at: i)
                    continue
                }
            } else {
                i = try skipScalar(at: i)
            }
            // After a complete value inside the container at `level`.
            while true {
                if level == depth { return i }
                i = skipWhitespace(i)
                guard i < count else { throw truncated }
                let separator = base[i]
                let isArray = containerStack[level] == 1
                if separator == ASCII.comma {
                    i = skipWhitespace(i &+ 1)
                    guard i < count else { throw truncated }
                    if isArray { break }
                    guard base[i] == ASCII.quote else { throw Failure(kind: .invalidSyntax(expected: .key), offset: i) }
                    i = try skipKeyAndColon(at: i)
                    break
                }
                if separator == (isArray ? ASCII.closeBracket : ASCII.closeBrace) {
                    i &+= 1
                    level &-= 1
                    continue
                }
                throw Failure(
                    kind: .invalidSyntax(expected: isArray ? .commaOrArrayEnd : .commaOrObjectEnd), offset: i)
            }
        }
    }

    /// Validates the key at `i` (its opening quote) and the colon after it; returns the position of the
    /// member's value, in bounds.
    @inline(always)
    private func skipKeyAndColon(at i: Int) throws(Failure) -> Int {
        var j: Int
        if let end = scanShortString(from: i &+ 1) {
            j = end &+ 1
        } else {
            j = try scanString(from: i &+ 1).end &+ 1
        }
        j = skipWhitespace(j)
        guard j < count else { throw truncated }
        guard base[j] == ASCII.colon else { throw Failure(kind: .invalidSyntax(expected: .colon), offset: j) }
        j = skipWhitespace(j &+ 1)
        guard j < count else { throw truncated }
        return j
    }

    // MARK: Literals and whitespace

    /// Checks that the literal `word` (its bytes packed little-endian, `length` of them) starts at `i`;
    /// returns the position after it.
    @inline(always)
    private func expectLiteral(
        _ word: (bytes: UInt64, length: Int), at i: Int, expected: DecodeError.Expectation
    ) throws(Failure) -> Int {
        let length = word.length
        if i &+ 8 <= count {
            let loaded = UInt64(littleEndian: UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self))
            if loaded & ((1 &<< UInt64(length &* 8)) &- 1) == word.bytes { return i &+ length }
        }
        for k in 1..<length {
            guard i &+ k < count else { throw truncated }
            if base[i &+ k] != UInt8(truncatingIfNeeded: word.bytes &>> UInt64(k &* 8)) {
                throw Failure(kind: .invalidSyntax(expected: expected), offset: i &+ k)
            }
        }
        return i &+ length
    }

    @inline(always)
    func skipWhitespace(_ start: Int) -> Int {
        var i = start
        while i < count {
            let byte = base[i]
            if byte > ASCII.space
                || (byte != ASCII.space && byte != ASCII.newline && byte != ASCII.tab
                    && byte != ASCII.carriageReturn)
            {
                return i
            }
            i &+= 1
        }
        return i
    }

    var truncated: Failure { Failure(kind: .truncated, offset: count) }
}

/// Byte constants of the JSON grammar.
enum ASCII {
    static let tab: UInt8 = 0x09
    static let newline: UInt8 = 0x0A
    static let carriageReturn: UInt8 = 0x0D
    static let space: UInt8 = 0x20
    static let quote: UInt8 = 0x22
    static let plus: UInt8 = 0x2B
    static let comma: UInt8 = 0x2C
    static let minus: UInt8 = 0x2D
    static let dot: UInt8 = 0x2E
    static let slash: UInt8 = 0x2F
    static let zero: UInt8 = 0x30
    static let nine: UInt8 = 0x39
    static let colon: UInt8 = 0x3A
    static let openBracket: UInt8 = 0x5B
    static let backslash: UInt8 = 0x5C
    static let closeBracket: UInt8 = 0x5D
    static let letterE: UInt8 = 0x65
    static let letterF: UInt8 = 0x66
    static let letterN: UInt8 = 0x6E
    static let letterT: UInt8 = 0x74
    static let letterU: UInt8 = 0x75
    static let openBrace: UInt8 = 0x7B
    static let closeBrace: UInt8 = 0x7D

    /// `true`, `false`, `null` packed little-endian.
    static let trueWord: (bytes: UInt64, length: Int) = (0x6575_7274, 4)
    static let falseWord: (bytes: UInt64, length: Int) = (0x65_736C_6166, 5)
    static let nullWord: (bytes: UInt64, length: Int) = (0x6C6C_756E, 4)

    @inline(always)
    static func isDigit(_ byte: UInt8) -> Bool { byte &- zero < 10 }

    @inline(always)
    static func canStartValue(_ byte: UInt8) -> Bool {
        switch byte {
        case openBrace, openBracket, quote, minus, zero...nine, letterT, letterF, letterN: return true
        default: return false
        }
    }

    /// Bytes that may follow a complete number in a valid document.
    @inline(always)
    static func endsNumber(_ byte: UInt8) -> Bool {
        switch byte {
        case comma, closeBrace, closeBracket, space, newline, tab, carriageReturn: return true
        default: return false
        }
    }
}
