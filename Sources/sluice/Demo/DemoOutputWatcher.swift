import Foundation
import SluiceCore
import SluiceKafka
import Synchronization

/// Reads the demo's shadow and alert topics as any downstream consumer would: counts shadow records, and prints
/// each drift alert the moment it arrives.
final class DemoOutputWatcher: Sendable {
    /// A drift alert as the alerts topic carries it, reduced to what the demo shows.
    struct Alert: Sendable {
        var subject: String
        var statistic: String
        var value: Double
        var severity: String
        var state: String
        var eventTime: Int64
    }

    private let consumer: KafkaConsumer
    private let shadowTopic: String?
    private let alertsTopic: String?
    private let stopped = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)
    private let shadowCount = Atomic<Int>(0)
    private let alertList = Mutex<[Alert]>([])

    init(bootstrap: String, topology: Topology) throws {
        var settings = KafkaConsumerConfiguration(bootstrapServers: [bootstrap], groupID: "sluice-demo-watcher")
        settings.fetchWaitMax = .milliseconds(50)
        settings.statisticsInterval = nil
        consumer = try KafkaConsumer(configuration: settings, logger: cliLogger(label: "sluice.demo.watcher"))
        shadowTopic = topology.sinks.shadow
        alertsTopic = topology.sinks.alerts
        let topics = [shadowTopic, alertsTopic].compactMap { $0 }
        if !topics.isEmpty { try consumer.subscribe(topics: topics) }
        Thread.detachNewThread { [self] in
            while !stopped.load(ordering: .relaxed) {
                guard !topics.isEmpty else {
                    Thread.sleep(forTimeInterval: 0.1)
                    continue
                }
                for batch in consumer.poll(maxMessages: 4096, timeout: .milliseconds(100)).batches {
                    if batch.topicPartition.topic == shadowTopic {
                        shadowCount.add(batch.count, ordering: .relaxed)
                    } else {
                        for message in batch { record(alert: message.value) }
                    }
                }
            }
            consumer.close()
            finished.signal()
        }
    }

    /// Shadow records read so far.
    var shadowRecords: Int { shadowCount.load(ordering: .relaxed) }
    /// Drift alerts read so far, in arrival order.
    var alerts: [Alert] { alertList.withLock { $0 } }

    /// Stops reading and closes the consumer.
    func stop() {
        stopped.store(true, ordering: .relaxed)
        finished.wait()
    }

    private func record(alert bytes: UnsafeRawBufferPointer?) {
        guard let bytes, let object = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any] else {
            return
        }
        let alert = Alert(
            subject: object["feature"] as? String ?? object["subject"] as? String ?? "?",
            statistic: object["statistic"] as? String ?? "?", value: object["value"] as? Double ?? .nan,
            severity: object["severity"] as? String ?? "?", state: object["state"] as? String ?? "?",
            eventTime: (object["window_end_ms"] as? NSNumber)?.int64Value ?? 0)
        alertList.withLock { $0.append(alert) }
        let value = alert.value.isFinite ? String(format: "%.3g", alert.value) : "-"
        printError(
            "sluice demo: drift alert \(alert.state): \(alert.subject) \(alert.statistic) = \(value) (\(alert.severity))"
        )
    }
}
