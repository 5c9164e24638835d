import SluiceCore

/// The dead-letter record of an invalid event: a JSON object with the reason (a stable code), the schema
/// field concerned, a message, the source topic/partition/offset, the Kafka timestamp, when it was
/// dead-lettered, the topology, and the original key and value bytes in Base64.
///
/// Originals larger than ``maxOriginalBytes`` keep only their first bytes (`original_truncated: true`,
/// `original_size` gives the full size), so a dead letter always fits in a Kafka record.
enum DeadLetterRecord {
    /// Most original bytes kept in a record; 256 KiB becomes about 342 KiB of Base64.
    static let maxOriginalBytes = 256 << 10

    static func encode(
        _ rejection: EventRejection, record: InputRecord, topology: String, wallClock: Int64,
        into writer: inout JSONWriter, scratch: inout [UInt8]
    ) {
        writer.reset()
        writer.beginObject()
        writer.key("reason")
        writer.string(rejection.reason.rawValue)
        writer.key("field")
        if let field = rejection.field { writer.string(field) } else { writer.null() }
        writer.key("message")
        writer.string(rejection.message)
        writer.key("topic")
        writer.string(record.source.topic)
        writer.key("partition")
        writer.int64(Int64(record.source.partition))
        writer.key("offset")
        writer.int64(record.source.offset)
        writer.key("kafka_timestamp")
        if let timestamp = record.timestamp { writer.int64(timestamp) } else { writer.null() }
        writer.key("dead_lettered_at")
        writer.int64(wallClock)
        writer.key("topology")
        writer.string(topology)
        writer.key("key_base64")
        if let key = record.key {
            base64(key.prefix(maxOriginalBytes), into: &writer, scratch: &scratch)
        } else {
            writer.null()
        }
        writer.key("original_size")
        if let value = record.value { writer.int64(Int64(value.count)) } else { writer.null() }
        writer.key("original_truncated")
        writer.bool((record.value?.count ?? 0) > maxOriginalBytes)
        writer.key("original_base64")
        if let value = record.value {
            base64(UnsafeRawBufferPointer(rebasing: value.prefix(maxOriginalBytes)), into: &writer, scratch: &scratch)
        } else {
            writer.null()
        }
        writer.endObject()
    }

    private static func base64(
        _ bytes: UnsafeRawBufferPointer.SubSequence, into writer: inout JSONWriter,
        scratch: inout [UInt8]
    ) {
        base64(UnsafeRawBufferPointer(rebasing: bytes), into: &writer, scratch: &scratch)
    }

    private static func base64(_ bytes: UnsafeRawBufferPointer, into writer: inout JSONWriter, scratch: inout [UInt8]) {
        scratch.removeAll(keepingCapacity: true)
        scratch.append(UInt8(ascii: "\""))
        Base64.append(bytes, to: &scratch)
        scratch.append(UInt8(ascii: "\""))
        scratch.withUnsafeBytes { writer.rawValue($0) }
    }
}
