import Foundation
import SluiceKafka
import Synchronization

/// Loading synthetic events into the embedded cluster for a benchmark.
enum BenchmarkLoad {
    /// Produces `count` synthetic events to `topic`, spread evenly over its `partitions` partitions.
    static func preload(bootstrapServers: String, topic: String, partitions: Int, count: Int, keys: Int) throws {
        var settings = KafkaProducerConfiguration(bootstrapServers: [bootstrapServers])
        settings.linger = .milliseconds(20)
        let failures = Atomic<Int>(0)
        let producer = try KafkaProducer(configuration: settings, logger: cliLogger(label: "sluice.bench.load")) {
            if $0.error != nil { failures.add(1, ordering: .relaxed) }
        }
        let handle = try producer.topic(topic)
        var events = SyntheticEvents(keyCount: keys)
        var value: [UInt8] = []
        var key: [UInt8] = []
        for index in 0..<count {
            events.next(into: &value, key: &key)
            // Each card stays in one partition, as a keyed producer would place it, so windows see all its events.
            let card = key.suffix(6).reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
            _ = index
            try producer.send(to: handle, partition: Int32(card % partitions), key: key, value: value)
        }
        try producer.close(timeout: .seconds(120))
        let failed = failures.load(ordering: .relaxed)
        if failed > 0 { throw KafkaError(.produce, message: "\(failed) of \(count) preloaded events failed") }
    }
}
