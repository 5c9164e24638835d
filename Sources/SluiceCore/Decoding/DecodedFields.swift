/// The values of the requested fields of the last event decoded into it, by field index (the position
/// of the path in ``EventDecoder/paths``), plus the scratch space the decoder works in.
///
/// Make one per lane with ``EventDecoder/makeFields()`` and reuse it for every event: decoding into it
/// allocates nothing once its scratch space has grown to the largest payload seen (at most the
/// decoder's ``EventDecoder/Limits/maxPayloadBytes``).
///
/// Not thread-safe: one lane (one serial queue) uses it at a time. After a failed decode every field
/// reads as ``DecodedValue/absent``.
public final class DecodedFields {
    /// How many fields there are: the number of paths of the decoder that made it.
    public let count: Int

    /// The compiled paths of the decoder that made these fields.
    let plan: DecodePlan
    let slots: UnsafeMutablePointer<FieldSlot>
    /// Holds `scratchUsed` for the scanner, which has no other mutable state.
    let scratchUsed: UnsafeMutablePointer<Int>
    /// The lane's guess of which member comes next: for each plan child, the child that followed it in
    /// the last event; after them, for each plan node, its first member. Learned from the events, so
    /// that events whose keys come in a steady order are matched without hashing.
    let nextMemberHints: UnsafeMutablePointer<Int32>
    // Unchecked exclusivity: these are touched only by the owning lane, never while another access to
    // them is open, and a dynamic check on each read would cost more than the field lookups themselves.
    @exclusivity(unchecked) var scratch: UnsafeMutablePointer<UInt8>
    @exclusivity(unchecked) var scratchCapacity: Int
    @exclusivity(unchecked) var containerStack: UnsafeMutablePointer<UInt8>
    @exclusivity(unchecked) var containerStackCapacity: Int
    @exclusivity(unchecked) var payload: UnsafeRawPointer?

    init(plan: DecodePlan) {
        self.plan = plan
        count = plan.fieldCount
        let childCount = plan.children.count
        nextMemberHints = .allocate(capacity: childCount + plan.nodes.count)
        for (index, node) in plan.nodes.enumerated() {
            let first = node.firstChild
            let end = first + node.childCount
            nextMemberHints[childCount + index] = node.childCount > 0 ? first : -1
            for child in first..<end { nextMemberHints[Int(child)] = child + 1 < end ? child + 1 : first }
        }
        slots = .allocate(capacity: max(count, 1))
        slots.initialize(repeating: FieldSlot(), count: max(count, 1))
        scratchUsed = .allocate(capacity: 1)
        scratchUsed.initialize(to: 0)
        scratchCapacity = 256
        scratch = .allocate(capacity: scratchCapacity)
        containerStackCapacity = 66
        containerStack = .allocate(capacity: containerStackCapacity)
    }

    deinit {
        nextMemberHints.deallocate()
        slots.deallocate()
        scratchUsed.deallocate()
        scratch.deallocate()
        containerStack.deallocate()
    }

    /// Grows the scratch space to hold every unescaped string of a payload of `payloadCount` bytes
    /// (unescaping never lengthens a string) and the container stack to `depth` levels.
    @inline(__always)
    func reserve(payloadCount: Int, depth: Int) {
        if payloadCount > scratchCapacity { growScratch(payloadCount) }
        if depth + 2 > containerStackCapacity { growContainerStack(depth + 2) }
    }

    @inline(never)
    private func growScratch(_ needed: Int) {
        var capacity = scratchCapacity
        while capacity < needed { capacity *= 2 }
        scratch.deallocate()
        scratch = .allocate(capacity: capacity)
        scratchCapacity = capacity
    }

    @inline(never)
    private func growContainerStack(_ needed: Int) {
        containerStack.deallocate()
        containerStack = .allocate(capacity: needed)
        containerStackCapacity = needed
    }

    func clearAll() {
        for index in 0..<count { slots[index].kind = FieldSlot.absent }
    }

    // MARK: Reading

    /// The value of field `index`. Byte views are borrowed; see ``DecodedValue``.
    public subscript(index: Int) -> DecodedValue {
        precondition(index >= 0 && index < count, "field index \(index) out of range 0..<\(count)")
        let slot = slots[index]
        switch slot.kind {
        case FieldSlot.null: return .null
        case FieldSlot.falseValue: return .bool(false)
        case FieldSlot.trueValue: return .bool(true)
        case FieldSlot.number:
            return .number(
                DecodedNumber(
                    double: slot.double, int64: slot.hasInt64 ? slot.int64 : nil,
                    isIntegerLiteral: slot.isIntegerLiteral, literal: bytes(of: slot)))
        case FieldSlot.string: return .string(bytes(of: slot))
        case FieldSlot.object: return .object(bytes(of: slot))
        case FieldSlot.array: return .array(bytes(of: slot))
        default: return .absent
        }
    }

    /// The kind of value field `index` holds.
    public func kind(at index: Int) -> DecodedValue.Kind {
        precondition(index >= 0 && index < count, "field index \(index) out of range 0..<\(count)")
        switch slots[index].kind {
        case FieldSlot.null: return .null
        case FieldSlot.falseValue, FieldSlot.trueValue: return .bool
        case FieldSlot.number: return .number
        case FieldSlot.string: return .string
        case FieldSlot.object: return .object
        case FieldSlot.array: return .array
        default: return .absent
        }
    }

    /// Whether field `index` is present in the event (with any value, `null` included).
    public func isPresent(at index: Int) -> Bool { kind(at: index) != .absent }

    /// The number in field `index` as a correctly rounded Double; nil when the field is not a number.
    public func double(at index: Int) -> Double? {
        precondition(index >= 0 && index < count, "field index \(index) out of range 0..<\(count)")
        let slot = slots[index]
        return slot.kind == FieldSlot.number ? slot.double : nil
    }

    /// The number in field `index` when it is an integer literal within Int64; nil otherwise.
    public func int64(at index: Int) -> Int64? {
        precondition(index >= 0 && index < count, "field index \(index) out of range 0..<\(count)")
        let slot = slots[index]
        return slot.kind == FieldSlot.number && slot.hasInt64 ? slot.int64 : nil
    }

    /// The boolean in field `index`; nil when the field is not `true` or `false`.
    public func bool(at index: Int) -> Bool? {
        precondition(index >= 0 && index < count, "field index \(index) out of range 0..<\(count)")
        switch slots[index].kind {
        case FieldSlot.trueValue: return true
        case FieldSlot.falseValue: return false
        default: return nil
        }
    }

    /// The decoded UTF-8 bytes of the string in field `index`; nil when the field is not a string.
    /// Borrowed: see ``DecodedValue``.
    public func stringBytes(at index: Int) -> UnsafeRawBufferPointer? {
        precondition(index >= 0 && index < count, "field index \(index) out of range 0..<\(count)")
        let slot = slots[index]
        return slot.kind == FieldSlot.string ? bytes(of: slot) : nil
    }

    /// The string in field `index` as a `String`; nil when the field is not a string. Allocates for
    /// strings longer than 15 bytes: the hot path should prefer ``stringBytes(at:)``.
    public func string(at index: Int) -> String? {
        stringBytes(at: index).map { String(decoding: $0, as: UTF8.self) }
    }

    @inline(__always)
    private func bytes(of slot: FieldSlot) -> UnsafeRawBufferPointer {
        let base = slot.isInScratch ? UnsafeRawPointer(scratch) : payload!
        return UnsafeRawBufferPointer(start: base + slot.start, count: slot.length)
    }
}

/// One field's decoded value, as the scanner writes it.
struct FieldSlot {
    static let absent: UInt8 = 0
    static let null: UInt8 = 1
    static let falseValue: UInt8 = 2
    static let trueValue: UInt8 = 3
    static let number: UInt8 = 4
    static let string: UInt8 = 5
    static let object: UInt8 = 6
    static let array: UInt8 = 7

    var kind: UInt8 = FieldSlot.absent
    /// The bytes are in the scratch space rather than in the payload (strings with escapes).
    var isInScratch = false
    var isIntegerLiteral = false
    var hasInt64 = false
    /// Start and length of the value's bytes: the string contents, the number literal, or the raw
    /// object or array text.
    var start = 0
    var length = 0
    var int64: Int64 = 0
    var double: Double = 0
}
