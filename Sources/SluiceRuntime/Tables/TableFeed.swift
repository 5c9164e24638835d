import Foundation
public import Logging
public import SluiceCore
import SluiceKafka
public import SluiceOperators
public import Synchronization

/// Keeps a reference table current from a Kafka topic: reads every partition from its beginning to the end
/// offsets it had when loading started (``load(timeout:)``, before the pipeline takes events), then follows
/// the topic on a thread of its own (``follow()``), publishing one new snapshot per poll, so an update reaches
/// each lane's next event. A JSON value puts its row (keyed by the table's key column; last value wins, or
/// the most recent for a `latest_by` table); a null value (tombstone) deletes the row of the message key.
/// Records that are not valid rows are counted and logged, never applied.
public final class TableFeed: @unchecked Sendable {
    // @unchecked: `reader` and `consumer` are used by one thread at a time: the caller of `load`, then the
    // follow thread it starts; the counters are atomic.
    public let specification: TableSpecification
    public let table: ReferenceTable
    /// Records read and tombstones applied; records that are not valid rows are counted by the table
    /// (``ReferenceTable/recordsRejected``).
    public let recordsRead = Atomic<Int>(0)
    public let tombstones = Atomic<Int>(0)
    private let topic: String
    private let consumer: KafkaConsumer
    private let reader: TableRowReader
    private let stopRequested = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)
    private let logger: Logger

    /// A feed of `table` from its topic on `bootstrapServers`, with any extra librdkafka `properties`.
    public init(
        specification: TableSpecification, table: ReferenceTable, bootstrapServers: [String],
        properties: [String: String] = [:], logger: Logger
    ) throws {
        guard case .topic(let topic) = specification.origin else {
            throw TableError("table '\(specification.name)' is loaded from a file, not fed from a topic")
        }
        self.specification = specification
        self.table = table
        self.topic = topic
        self.logger = logger
        var settings = KafkaConsumerConfiguration(
            bootstrapServers: bootstrapServers, groupID: "sluice-table-\(specification.name)-\(UUID().uuidString)")
        settings.autoCommitInterval = nil
        settings.statisticsInterval = nil
        settings.readsCommittedOnly = false
        settings.properties = properties
        consumer = try KafkaConsumer(configuration: settings, logger: logger)
        reader = try TableRowReader(layout: table.layout)
    }

    /// Reads the topic from its beginning up to its end offsets as of now, and publishes it as the table in one
    /// snapshot. Throws when the topic cannot be read, when that takes longer than `timeout`, or when the rows
    /// exceed the table's limits.
    public func load(timeout: Duration = .seconds(300)) throws {
        let started = ContinuousClock.now
        let partitionCount = try consumer.partitionCount(of: topic)
        var starts: [KafkaTopicPartition: Int64] = [:]
        var ends: [KafkaTopicPartition: Int64] = [:]
        for partition in 0..<Int32(partitionCount) {
            let topicPartition = KafkaTopicPartition(topic: topic, partition: partition)
            let (low, high) = try consumer.watermarks(topicPartition)
            starts[topicPartition] = low
            if high > low { ends[topicPartition] = high }
        }
        try consumer.assign(starts)
        let changes = TableChanges(layout: table.layout)
        var newest: Int64 = 0
        var replacing = true
        var next = starts
        while ends.contains(where: { next[$0.key]! < $0.value }) {
            guard ContinuousClock.now - started < timeout else {
                throw TableError(
                    "table '\(specification.name)': loading topic '\(topic)' did not reach its end within \(timeout)")
            }
            let result = consumer.poll(maxMessages: 8192, timeout: .milliseconds(200))
            if let error = result.errors.first { throw error }
            for batch in result.batches {
                newest = max(newest, read(batch, into: changes))
                if let last = batch.lastOffset { next[batch.topicPartition] = last + 1 }
            }
            if changes.count > table.layout.maxRows * 4 {
                // Many updates of few keys: apply what has come so far to keep the batch bounded.
                try table.apply(changes, replacing: replacing)
                replacing = false
                changes.reset()
            }
        }
        try table.apply(changes, replacing: replacing)
        if newest > 0 { table.noteFreshness(newestRecord: newest, published: Self.wallClock()) }
        let rows = table.snapshot().rowCount
        let records = recordsRead.load(ordering: .relaxed)
        logger.info(
            "table '\(specification.name)' loaded from topic '\(topic)': \(rows) rows, \(records) records in \(ContinuousClock.now - started)"
        )
    }

    /// Follows the topic on a thread of its own until ``stop()``, applying each poll's records as one snapshot.
    public func follow() {
        let thread = Thread { [self] in
            while !stopRequested.load(ordering: .relaxed) {
                let result = consumer.poll(maxMessages: 8192, timeout: .milliseconds(100))
                for error in result.errors { logger.warning("table '\(specification.name)': \(error)") }
                guard result.messageCount > 0 else { continue }
                let changes = TableChanges(layout: table.layout)
                var newest: Int64 = 0
                for batch in result.batches { newest = max(newest, read(batch, into: changes)) }
                do {
                    try table.apply(changes)
                    if newest > 0 { table.noteFreshness(newestRecord: newest, published: Self.wallClock()) }
                } catch {
                    logger.error("\(error)")
                }
            }
            consumer.close()
            finished.signal()
        }
        thread.name = "sluice.table.\(specification.name)"
        thread.start()
    }

    /// Stops following and waits for the thread to end.
    public func stop() {
        guard !stopRequested.exchange(true, ordering: .relaxed) else { return }
        finished.wait()
    }

    /// Closes the consumer of a feed that loaded but never followed.
    public func close() {
        guard !stopRequested.exchange(true, ordering: .relaxed) else { return }
        consumer.close()
    }

    /// Adds `batch`'s records to `changes`; returns the newest timestamp among them (0 when none has one).
    private func read(_ batch: KafkaMessageBatch, into changes: TableChanges) -> Int64 {
        let wallClock = Self.wallClock()
        var newest: Int64 = 0
        do {
            for message in batch {
                recordsRead.add(1, ordering: .relaxed)
                if let timestamp = message.timestamp?.milliseconds, timestamp > newest { newest = timestamp }
                guard let value = message.value else {
                    if let key = message.key {
                        changes.delete(key: key)
                        tombstones.add(1, ordering: .relaxed)
                    } else {
                        reject("\(batch.topicPartition) offset \(message.offset): a tombstone without a key")
                    }
                    continue
                }
                if let problem = reader.put(value, into: changes, wallClock: wallClock) {
                    reject("\(batch.topicPartition) offset \(message.offset): \(problem)")
                }
            }
        }
        return newest
    }

    private static func wallClock() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    private func reject(_ message: String) {
        let count = table.recordsRejected.add(1, ordering: .relaxed).newValue
        // The first few and then every thousandth, so a topic full of bad records cannot flood the log.
        if count <= 10 || count % 1000 == 0 {
            logger.warning("table '\(specification.name)': record \(count) not applied: \(message)")
        }
    }
}
