/// The typed schema fields of the event being processed, as every operator after validation reads them.
///
/// One per lane, reused for every event: values are stored in flat buffers indexed by schema field
/// position, strings are borrowed views (valid while the event is processed). Not thread-safe.
public final class EventFields {
    /// The schema, in field-index order.
    public let schema: [FieldSpecification]
    /// The event's key bytes (the key field's value, or the Kafka key); borrowed.
    public var key: UnsafeRawBufferPointer?
    /// The event time in milliseconds since the epoch.
    public var eventTime: Int64 = 0
    /// Where the event came from.
    public var source = SourcePosition(topic: "", partition: 0, offset: 0)

    private let presence: UnsafeMutablePointer<Bool>
    private let numbers: UnsafeMutablePointer<Double>
    private let integers: UnsafeMutablePointer<Int64>
    private let strings: UnsafeMutablePointer<UnsafeRawBufferPointer>

    public init(schema: [FieldSpecification]) {
        self.schema = schema
        let count = max(schema.count, 1)
        presence = .allocate(capacity: count)
        presence.initialize(repeating: false, count: count)
        numbers = .allocate(capacity: count)
        numbers.initialize(repeating: .nan, count: count)
        integers = .allocate(capacity: count)
        integers.initialize(repeating: 0, count: count)
        strings = .allocate(capacity: count)
        strings.initialize(repeating: UnsafeRawBufferPointer(start: nil, count: 0), count: count)
    }

    deinit {
        presence.deallocate()
        numbers.deallocate()
        integers.deallocate()
        strings.deallocate()
    }

    /// How many schema fields there are.
    public var count: Int { schema.count }

    /// Whether field `index` has a value (it was neither absent nor null).
    @inline(__always) public func isPresent(_ index: Int) -> Bool { presence[index] }

    /// Field `index` as a number: ints, doubles, timestamps (epoch ms) and bools (0 or 1); NaN when missing
    /// or a string.
    @inline(__always) public func number(_ index: Int) -> Double { numbers[index] }

    /// Field `index` as an exact integer: ints and timestamps (epoch ms); 0 when missing.
    @inline(__always) public func integer(_ index: Int) -> Int64 { integers[index] }

    /// The UTF-8 bytes of string field `index`; empty when missing. Borrowed.
    @inline(__always) public func stringBytes(_ index: Int) -> UnsafeRawBufferPointer { strings[index] }

    // MARK: Writing (validation)

    /// Marks every field missing before an event is filled in.
    public func clear() {
        for index in 0..<schema.count {
            presence[index] = false
            numbers[index] = .nan
            integers[index] = 0
        }
        key = nil
    }

    @inline(__always) public func setMissing(_ index: Int) {
        presence[index] = false
        numbers[index] = .nan
    }

    @inline(__always) public func setNumber(_ index: Int, _ value: Double) {
        presence[index] = true
        numbers[index] = value
    }

    @inline(__always) public func setInteger(_ index: Int, _ value: Int64) {
        presence[index] = true
        integers[index] = value
        numbers[index] = Double(value)
    }

    @inline(__always) public func setString(_ index: Int, _ bytes: UnsafeRawBufferPointer) {
        presence[index] = true
        strings[index] = bytes
        numbers[index] = .nan
    }
}
