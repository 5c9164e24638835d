internal import CRDKafka

/// Builds a `rd_kafka_topic_partition_list_t` (caller destroys it); `offsets` fills in offsets where given.
func makePartitionList(_ partitions: [KafkaTopicPartition], offsets: [KafkaTopicPartition: Int64] = [:])
    -> UnsafeMutablePointer<rd_kafka_topic_partition_list_t>
{
    let list = rd_kafka_topic_partition_list_new(Int32(clamping: max(partitions.count, 1)))!
    for partition in partitions {
        let entry = rd_kafka_topic_partition_list_add(list, partition.topic, partition.partition)!
        if let offset = offsets[partition] { entry.pointee.offset = offset }
    }
    return list
}

/// The topic-partitions of a librdkafka list, in list order.
func readPartitions(_ list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) -> [KafkaTopicPartition] {
    let entries = UnsafeBufferPointer(start: list.pointee.elems, count: Int(list.pointee.cnt))
    return entries.map { KafkaTopicPartition(topic: String(cString: $0.topic), partition: $0.partition) }
}

/// The offsets of a librdkafka list (negative values are librdkafka's logical offsets, such as "none").
func readOffsets(_ list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) -> [KafkaTopicPartition: Int64] {
    let entries = UnsafeBufferPointer(start: list.pointee.elems, count: Int(list.pointee.cnt))
    var result: [KafkaTopicPartition: Int64] = [:]
    for entry in entries {
        result[KafkaTopicPartition(topic: String(cString: entry.topic), partition: entry.partition)] = entry.offset
    }
    return result
}

/// The first entry of a list that carries a per-partition error, if any.
func firstPartitionError(_ list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>)
    -> (partition: KafkaTopicPartition, code: rd_kafka_resp_err_t)?
{
    let entries = UnsafeBufferPointer(start: list.pointee.elems, count: Int(list.pointee.cnt))
    for entry in entries where entry.err != RD_KAFKA_RESP_ERR_NO_ERROR {
        return (KafkaTopicPartition(topic: String(cString: entry.topic), partition: entry.partition), entry.err)
    }
    return nil
}
