import Foundation
public import Logging
import SluiceCore
public import SluiceKafka
import Synchronization

/// Reads the labels topic (every partition, from its end, outside the pipeline's group) on a thread of its own
/// and hands each label to the pipeline's label runner. A label whose id or outcome cannot be read is counted
/// and skipped.
public final class LabelsConsumer: @unchecked Sendable {
    // @unchecked: the consumer is polled only by the thread this starts; `running` is atomic.
    private let consumer: KafkaConsumer
    private let runner: LabelRunner
    private let decoder: EventDecoder
    private let running = Atomic<Bool>(true)
    private let finished = DispatchSemaphore(value: 0)

    /// Starts consuming `pipeline`'s labels topic; nil when the topology has no labels or side outputs are not
    /// running.
    public init?(pipeline: TopologyPipeline, configuration: KafkaConsumerConfiguration, logger: Logger) throws {
        guard let specification = pipeline.topology.labels, let runner = pipeline.sideOutputs?.labels else {
            return nil
        }
        var settings = configuration
        settings.groupID = "\(configuration.groupID)-labels-\(UUID().uuidString.prefix(8))"
        settings.autoOffsetReset = .latest
        settings.autoCommitInterval = nil
        consumer = try KafkaConsumer(configuration: settings, logger: logger)
        try consumer.subscribe(topics: [specification.topic])
        self.runner = runner
        decoder = try EventDecoder(paths: [specification.idPath, specification.outcomePath])
        Thread.detachNewThread { [self] in poll() }
    }

    /// Stops consuming and waits for the thread to end.
    public func stop() {
        if running.exchange(false, ordering: .relaxed) {
            finished.wait()
            consumer.close()
        }
    }

    private func poll() {
        let fields = decoder.makeFields()
        while running.load(ordering: .relaxed) {
            for batch in consumer.poll(maxMessages: 1024, timeout: .milliseconds(100)).batches {
                for message in batch {
                    guard let value = message.value, (try? decoder.decode(value, into: fields)) != nil else {
                        runner.labelsRejected.add(1, ordering: .relaxed)
                        continue
                    }
                    var id: [UInt8]
                    if let text = fields.stringBytes(at: 0) {
                        id = Array(text)
                    } else if let number = fields.int64(at: 0) {
                        id = Array(String(number).utf8)
                    } else {
                        runner.labelsRejected.add(1, ordering: .relaxed)
                        continue
                    }
                    let outcome: Double
                    if let flag = fields.bool(at: 1) {
                        outcome = flag ? 1 : 0
                    } else if let number = fields.double(at: 1) {
                        outcome = number
                    } else {
                        runner.labelsRejected.add(1, ordering: .relaxed)
                        continue
                    }
                    runner.label(eventID: id, outcome: outcome)
                    id.removeAll()
                }
            }
        }
        finished.signal()
    }
}
