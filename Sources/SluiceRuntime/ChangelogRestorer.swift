import Foundation
import Logging
import SluiceCore
import SluiceKafka

/// Reads one partition of a state changelog from its first to its last record and hands each record to a
/// processor, before the processor sees any event.
struct ChangelogRestorer {
    let bootstrapServers: [String]
    let properties: [String: String]
    let logger: Logger

    /// What one restore did.
    struct Outcome {
        var records = 0
        var bytes = 0
        var seconds = 0.0
        /// The input position the restored state corresponds to, if the changelog held a complete flush.
        var position: Int64?
    }

    func restore(
        _ processor: any StatefulEventProcessor, changelog: KafkaTopicPartition,
        timeout: Duration = .seconds(600)
    ) throws -> Outcome {
        let start = ContinuousClock.now
        var settings = KafkaConsumerConfiguration(
            bootstrapServers: bootstrapServers,
            groupID: "sluice-restore-\(UUID().uuidString)")
        settings.autoCommitInterval = nil
        settings.statisticsInterval = nil
        settings.readsCommittedOnly = false
        settings.properties = properties
        settings.properties["fetch.max.bytes"] = "52428800"
        settings.properties["max.partition.fetch.bytes"] = "10485760"
        let reader = try KafkaConsumer(configuration: settings, logger: logger)
        defer { reader.close() }
        let (low, high) = try reader.watermarks(changelog)
        var outcome = Outcome()
        if high > low {
            try reader.assign([changelog: low])
            var next = low
            let deadline = ContinuousClock.now + timeout
            while next < high {
                guard ContinuousClock.now < deadline else {
                    throw KafkaError(
                        .timeout,
                        message: "restoring \(changelog) reached offset \(next) of \(high) "
                            + "within \(timeout)")
                }
                let result = reader.poll(maxMessages: 8192, timeout: .milliseconds(200))
                if let error = result.errors.first { throw error }
                for batch in result.batches {
                    for message in batch where message.offset < high {
                        guard let key = message.key else { continue }
                        try processor.restoreRecord(key: key, value: message.value)
                        outcome.records += 1
                        outcome.bytes += (message.value?.count ?? 0) + key.count
                    }
                    if let last = batch.lastOffset { next = max(next, last + 1) }
                }
            }
        }
        outcome.position = try processor.finishRestore()
        outcome.seconds = (ContinuousClock.now - start).seconds
        return outcome
    }
}

extension Duration {
    /// The duration in seconds, as a Double.
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
