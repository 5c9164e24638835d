import Foundation

/// Reading librdkafka's statistics JSON (`statistics.interval.ms`), which arrives every few seconds,
/// far from the event path.
enum KafkaStatistics {
    /// Per-partition consumer lag from one statistics document: `topics.<t>.partitions.<p>.consumer_lag`
    /// (high watermark minus committed offset). A partition with nothing committed yet lags by everything
    /// still in its log (`hi_offset - lo_offset`). librdkafka's internal partition -1 and partitions whose
    /// watermarks are not known yet are left out.
    /// Returns nil when the document is not statistics JSON.
    static func consumerLag(fromJSON bytes: UnsafeRawBufferPointer) -> [KafkaTopicPartition: Int64]? {
        guard let root = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else { return nil }
        guard let topics = root["topics"] as? [String: Any] else { return [:] }
        var lag: [KafkaTopicPartition: Int64] = [:]
        for (topic, value) in topics {
            guard let partitions = (value as? [String: Any])?["partitions"] as? [String: Any] else { continue }
            for (key, fields) in partitions {
                guard let partition = Int32(key), partition >= 0,
                    let fields = fields as? [String: Any]
                else { continue }
                let number = { (name: String) in (fields[name] as? NSNumber)?.int64Value ?? -1 }
                let committedLag = number("consumer_lag")
                let high = number("hi_offset")
                let low = number("lo_offset")
                if committedLag >= 0 {
                    lag[KafkaTopicPartition(topic: topic, partition: partition)] = committedLag
                } else if high >= 0, low >= 0, number("committed_offset") < 0 {
                    lag[KafkaTopicPartition(topic: topic, partition: partition)] = high - low
                }
            }
        }
        return lag
    }
}
