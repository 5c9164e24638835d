import Dispatch
import Foundation
import SluiceCore
import SluiceKafka
import SluiceRuntime

/// The demo topology (topologies/demo.yaml) with every stage on — decode, validate, two windows, eleven features,
/// the XGBoost primary, the LightGBM shadow and drift monitoring — measured by `sluice bench`.
enum DemoBenchmark {
    /// The demo topology reading `input` and writing every sink to topics named after `suffix`; labels are left out
    /// (the benchmark sends none).
    static func topology(path: String, input: String, suffix: String) throws -> Topology {
        var topology = try TopologyLoader.load(file: path)
        topology.source.topic = input
        topology.sinks.predictions = "bench-demo-predictions-\(suffix)"
        topology.sinks.shadow = topology.sinks.shadow.map { _ in "bench-demo-shadow-\(suffix)" }
        topology.sinks.alerts = topology.sinks.alerts.map { _ in "bench-demo-alerts-\(suffix)" }
        topology.sinks.deadLetter = "bench-demo-dead-letters-\(suffix)"
        topology.sinks.changelog = topology.sinks.changelog.map { _ in "bench-demo-changelog-\(suffix)" }
        topology.sinks.events = nil
        topology.sinks.featureInputs = nil
        topology.sinks.windows = nil
        topology.labels = nil
        return topology
    }

    /// Makes a pipeline of the demo topology and creates its output topics on `cluster`.
    static func pipeline(path: String, input: String, suffix: String, cluster: EmbeddedKafkaCluster, partitions: Int)
        throws -> TopologyPipeline
    {
        let pipeline = try TopologyPipeline(topology: topology(path: path, input: input, suffix: suffix))
        for topic in pipeline.topics where topic != input { try cluster.createTopic(topic, partitions: partitions) }
        return pipeline
    }

    /// Loads `count` demo transactions (the traffic the models were trained on), spread over the partitions by card.
    static func preload(bootstrapServers: String, topic: String, count: Int) throws {
        var settings = KafkaProducerConfiguration(bootstrapServers: [bootstrapServers])
        settings.linger = .milliseconds(5)
        let producer = try KafkaProducer(configuration: settings, logger: cliLogger(label: "sluice.bench")) { _ in }
        let handle = try producer.topic(topic)
        var generator = SyntheticTransactions(seed: 11)
        var key: [UInt8] = []
        var value: [UInt8] = []
        for _ in 0..<count {
            let transaction = generator.next(millisecondsApart: 10)
            key.removeAll(keepingCapacity: true)
            value.removeAll(keepingCapacity: true)
            SyntheticTransactions.appendKey(transaction, to: &key)
            SyntheticTransactions.appendJSON(transaction, to: &value)
            try producer.send(to: handle, key: key, value: value)
        }
        try producer.close(timeout: .seconds(120))
    }

    /// Demo transactions for the latency run: event time is the wall clock, and the event id carries the send time
    /// (uptime, in units of 100 ns), which every prediction repeats as its `id`.
    static let latencyTraffic = PipelineBenchmark.LatencyTraffic(
        makeGenerator: {
            var generator = SyntheticTransactions(seed: 13)
            return { value, key, now in
                var transaction = generator.next(millisecondsApart: 10)
                transaction.id = Int(now / 100)
                transaction.time = Int64(Date().timeIntervalSince1970 * 1000)
                value.removeAll(keepingCapacity: true)
                key.removeAll(keepingCapacity: true)
                SyntheticTransactions.appendJSON(transaction, to: &value)
                SyntheticTransactions.appendKey(transaction, to: &key)
            }
        },
        sentNanoseconds: { prediction in
            // Predictions begin with {"id":<digits>.
            let prefix = Array(#"{"id":"#.utf8)
            guard prediction.count > prefix.count, prediction.prefix(prefix.count).elementsEqual(prefix) else {
                return nil
            }
            var value: UInt64 = 0
            for byte in prediction.dropFirst(prefix.count) {
                guard byte >= 48, byte <= 57 else { break }
                value = value &* 10 &+ UInt64(byte - 48)
            }
            return value * 100
        })
}
