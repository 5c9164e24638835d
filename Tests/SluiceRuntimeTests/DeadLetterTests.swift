import Foundation
import SluiceCore
import SluiceKafka
import Testing

@testable import SluiceRuntime

/// A valid-looking event padded to `megabytes` MB.
func hugePayload(megabytes: Int) -> [UInt8] {
    Array(#"{"event_id":"x","card_id":"c","amount":1,"ts":1,"blob":""#.utf8)
        + [UInt8](repeating: UInt8(ascii: "a"), count: megabytes * 1_000_000) + Array(#""}"#.utf8)
}

@Suite(.serialized) struct DeadLetterTests {
    /// Every class of malformed input, between valid events, through the streaming runtime.
    static let malformed: [(name: String, value: [UInt8]?, reason: String, field: String?)] = [
        ("not JSON", Array("hello, world".utf8), "not_json", nil),
        ("truncated", Array(#"{"event_id":"x","card_id":"c","amount":1"#.utf8), "truncated", "amount"),
        ("wrong type", Array(#"{"event_id":"x","card_id":"c","amount":"12","ts":1}"#.utf8), "wrong_type", "amount"),
        ("out of range", Array(#"{"event_id":"x","card_id":"c","amount":-1,"ts":1}"#.utf8), "below_minimum", "amount"),
        ("missing field", Array(#"{"event_id":"x","amount":1,"ts":1}"#.utf8), "missing_field", "card_id"),
        (
            "invalid UTF-8",
            Array(#"{"event_id":"x","card_id":""#.utf8) + [0xC3, 0x28] + Array(#"","amount":1,"ts":1}"#.utf8),
            "invalid_utf8", "card_id"
        ),
        (
            "deeply nested",
            Array(
                (#"{"event_id":"x","card_id":"c","amount":1,"ts":1,"deep":"# + String(repeating: "[", count: 200)
                    + String(repeating: "]", count: 200) + "}").utf8), "too_deep", nil
        ),
        ("empty", [], "empty", nil),
        ("tombstone", nil, "tombstone", nil),
        ("not an object", Array("[1,2,3]".utf8), "not_an_object", nil),
        (
            "fraction for int", Array(#"{"event_id":"x","card_id":"c","amount":1,"items":1.5,"ts":1}"#.utf8),
            "wrong_type", "items"
        ),
        (
            "not allowed", Array(#"{"event_id":"x","card_id":"c","amount":1,"merchant":{"country":"FR"},"ts":1}"#.utf8),
            "not_allowed", "country"
        ),
        (
            "null required", Array(#"{"event_id":"x","card_id":null,"amount":1,"ts":1}"#.utf8), "missing_field",
            "card_id"
        ),
        ("trailing data", Array(#"{"event_id":"x","card_id":"c","amount":1,"ts":1} {}"#.utf8), "trailing_data", nil),
        // librdkafka's mock cluster keeps only ~5 MB per partition, so a 10 MB record would evict the whole
        // log; streaming uses 3 MB (over the 1 MiB limit) and the replay test covers 10 MB.
        ("3 MB payload", hugePayload(megabytes: 3), "too_large", nil),
    ]

    @Test func everyMalformedClassIsDeadLetteredWithItsReasonAndOriginalBytes() throws {
        let suffix = "\(UInt32.random(in: 0...UInt32.max))"
        var topology = try validationTopology(suffix: suffix)
        topology.source.maxPayloadBytes = 1 << 20
        let pipeline = try TopologyPipeline(topology: topology)
        let cluster = try EmbeddedKafkaCluster(logger: quietLogger)
        // One partition so that the order of dead letters is the order of input.
        for topic in pipeline.topics { try cluster.createTopic(topic, partitions: 1) }
        let big = ["message.max.bytes": "20000000"]
        let fetchBig = [
            "fetch.max.bytes": "20000000", "max.partition.fetch.bytes": "20000000",
            "receive.message.max.bytes": "20001000",
        ]
        let producer = try KafkaProducer(
            configuration: {
                var settings = KafkaProducerConfiguration(bootstrapServers: [cluster.bootstrapServers])
                settings.properties = big
                return settings
            }(), logger: quietLogger
        ) { _ in }
        let input = try producer.topic(topology.source.topic)
        var valid = 0
        for (index, sample) in Self.malformed.enumerated() {
            let good = Array(
                #"{"event_id":"v\#(index)","card_id":"c\#(index)","amount":\#(index),"ts":1700000000000}"#.utf8)
            try producer.send(to: input, partition: 0, key: Array("k\(index)".utf8), value: good)
            valid += 1
            try producer.send(to: input, partition: 0, key: Array("bad\(index)".utf8), value: sample.value)
        }
        try producer.flush()

        let runtime = try runPipeline(
            pipeline, cluster: cluster, group: "dlq-\(suffix)",
            consumerProperties: fetchBig, producerProperties: big
        ) { runtime in
            runtime.counters.outputsDelivered.load(ordering: .relaxed) >= valid + Self.malformed.count
        }
        #expect(runtime.currentState == .stopped)

        let dead = try readTopic(
            topology.sinks.deadLetter!, bootstrap: cluster.bootstrapServers,
            count: Self.malformed.count, properties: fetchBig)
        #expect(dead.count == Self.malformed.count)
        for (sample, record) in zip(Self.malformed, dead) {
            let fields = try #require(jsonObject(record.value), "\(sample.name): a JSON record")
            #expect(fields["reason"] as? String == sample.reason, "\(sample.name): \(fields["message"] ?? "")")
            #expect(fields["field"] as? String == sample.field, "\(sample.name)")
            #expect(fields["topic"] as? String == topology.source.topic)
            #expect((fields["message"] as? String)?.isEmpty == false)
            #expect(fields["offset"] is NSNumber && fields["dead_lettered_at"] is NSNumber)
            // The original bytes come back exactly (the 10 MB one, truncated to its first 256 KiB).
            if let original = sample.value {
                let decoded = (fields["original_base64"] as? String).flatMap { Data(base64Encoded: $0) }
                let kept = min(original.count, DeadLetterRecord.maxOriginalBytes)
                #expect(decoded.map(Array.init) == Array(original.prefix(kept)), "\(sample.name) original bytes")
                #expect(fields["original_size"] as? Int == original.count)
                #expect(fields["original_truncated"] as? Bool == (original.count > kept))
            } else {
                #expect(fields["original_base64"] is NSNull)
            }
            #expect(record.key.map { String(decoding: $0, as: UTF8.self) }?.hasPrefix("bad") == true)
        }
        // The valid events around them all came through, keyed by card id.
        let events = try readTopic(topology.sinks.events!, bootstrap: cluster.bootstrapServers, count: valid)
        #expect(events.count == valid)
        #expect(events.map { jsonObject($0.value)?["event_id"] as? String } == (0..<valid).map { "v\($0)" })
        #expect(events.map { $0.key.map { String(decoding: $0, as: UTF8.self) } } == (0..<valid).map { "c\($0)" })
        let counted = pipeline.metrics.deadLettersByReason
        #expect(counted.values.reduce(0, +) == Self.malformed.count)
        #expect(counted[.wrongType] == 2 && counted[.missingField] == 2)
    }
}
