/// Pulls the fields a topology names out of a JSON event's bytes in one pass, validating the whole
/// payload on the way.
///
/// The payload must be exactly one JSON object (RFC 8259), optionally surrounded by whitespace; every
/// value in it is validated (UTF-8 inside strings, escapes, number syntax and range, nesting), whether
/// requested or not, so a malformed document is never half-accepted. Each requested path yields a
/// ``DecodedValue``: absent, null, a bool, a number (exact Int64 when it is an integer literal that
/// fits, and a correctly rounded Double), a string (zero-copy when it has no escapes), or a composite
/// (object, array) with its raw bytes.
///
/// When a key appears more than once in an object, the last occurrence wins, for the member itself and
/// for every requested path below it, as in `JSONSerialization` and most parsers. A path through a
/// member that is not an object (`a.b` where `a` is a number) is absent.
///
/// The decoder is immutable and `Sendable`: compile it once per topology and share it between lanes.
/// Each lane decodes into its own ``DecodedFields``:
///
/// ```swift
/// let decoder = try EventDecoder(paths: ["amount", "card_id", "ts", "payload.mcc"])
/// let fields = decoder.makeFields()              // one per lane, reused for every event
/// try decoder.decode(bytes, into: fields)        // throws DecodeError
/// let amount = fields.double(at: 0)              // Double?
/// ```
public struct EventDecoder: Sendable {
    /// Bounds on what the decoder accepts, checked before (size) and while (depth) it scans.
    public struct Limits: Sendable, Hashable {
        /// The deepest nesting of objects and arrays accepted; the top-level object is depth 1. At least 1.
        /// Default: 64.
        public var maxDepth: Int
        /// The largest payload accepted, in bytes; longer payloads are rejected without being scanned.
        /// Also bounds the scratch memory of each ``DecodedFields``. At least 1. Default: 1 MiB (1 048 576).
        public var maxPayloadBytes: Int

        public init(maxDepth: Int = 64, maxPayloadBytes: Int = 1 << 20) {
            self.maxDepth = maxDepth
            self.maxPayloadBytes = maxPayloadBytes
        }
    }

    /// The requested paths; a field's index is its position here.
    public let paths: [FieldPath]
    /// The limits this decoder enforces.
    public let limits: Limits
    let plan: DecodePlan

    /// A decoder for `paths`. A path may be listed more than once; each index receives the value.
    ///
    /// - Precondition: `limits.maxDepth >= 1` and `limits.maxPayloadBytes >= 1`.
    public init(paths: [FieldPath], limits: Limits = Limits()) {
        precondition(limits.maxDepth >= 1, "maxDepth must be at least 1, got \(limits.maxDepth)")
        precondition(limits.maxPayloadBytes >= 1, "maxPayloadBytes must be at least 1, got \(limits.maxPayloadBytes)")
        self.paths = paths
        self.limits = limits
        self.plan = DecodePlan(paths: paths)
    }

    /// A decoder for paths written as text (`payload.amount`); see ``FieldPath/init(parsing:)``.
    public init(paths: [String], limits: Limits = Limits()) throws(FieldPathError) {
        var parsed: [FieldPath] = []
        for text in paths { parsed.append(try FieldPath(parsing: text)) }
        self.init(paths: parsed, limits: limits)
    }

    /// The index of the first occurrence of `path` in ``paths``.
    public func index(of path: FieldPath) -> Int? { paths.firstIndex(of: path) }

    /// A fresh set of fields to decode into, for one lane.
    public func makeFields() -> DecodedFields { DecodedFields(plan: plan) }

    /// Decodes one event: validates `bytes` and fills `fields` with the requested values.
    ///
    /// Allocation-free once `fields` has seen a payload as large as this one. Borrowed byte views in
    /// `fields` point into `bytes`: keep `bytes` alive while reading them.
    ///
    /// - Throws: ``DecodeError`` when the payload is not one valid JSON object within the limits; then
    ///   every field reads as absent.
    /// - Precondition: `fields` was made by this decoder (or a copy of it) with ``makeFields()``.
    public func decode(_ bytes: UnsafeRawBufferPointer, into fields: DecodedFields) throws(DecodeError) {
        precondition(fields.plan === plan, "fields were made by another decoder; use this decoder's makeFields()")
        fields.clearAll()
        guard let base = bytes.baseAddress, bytes.count > 0 else {
            throw DecodeError(kind: .empty, offset: 0)
        }
        guard bytes.count <= limits.maxPayloadBytes else {
            throw DecodeError(kind: .tooLarge(limit: limits.maxPayloadBytes), offset: limits.maxPayloadBytes)
        }
        fields.reserve(payloadCount: bytes.count, depth: min(limits.maxDepth, bytes.count))
        fields.payload = UnsafeRawPointer(base)
        fields.scratchUsed.pointee = 0
        let scanner = JSONScanner(
            base: base.assumingMemoryBound(to: UInt8.self), count: bytes.count, maxDepth: limits.maxDepth,
            nodes: plan.nodes.baseAddress!, children: plan.children.baseAddress!,
            keyBytes: plan.keyBytes.baseAddress!, subtreeFields: plan.subtreeFields.baseAddress!,
            keyTable: plan.keyTable.baseAddress!,
            childCount: plan.children.count, nextMemberHints: fields.nextMemberHints,
            slots: fields.slots, scratch: fields.scratch, scratchUsed: fields.scratchUsed,
            containerStack: fields.containerStack)
        do {
            try scanner.scanDocument()
        } catch {
            fields.clearAll()
            throw DecodeError(
                kind: error.kind, offset: error.offset, field: error.field >= 0 ? paths[Int(error.field)] : nil)
        }
        for alias in plan.aliases {
            fields.slots[Int(alias.target)] = fields.slots[Int(alias.source)]
        }
    }
}
