import Foundation
import Logging
import SluiceCore
import SluiceKafka
import SluiceRuntime
import SluiceTelemetry

/// A topology running on Kafka with everything `sluice run` starts around it: the runtime with its lanes, the
/// shadows and drift monitoring beside them, the labels consumer, the model-file watcher and the HTTP endpoint.
/// `sluice run` and `sluice demo` both run one.
final class PipelineSession: Sendable {
    let pipeline: TopologyPipeline
    let runtime: PipelineRuntime
    let telemetry: RunTelemetry?
    private let labels: LabelsConsumer?
    private let watcher: ModelFileWatcher?
    /// The feeds keeping topic tables current.
    private let tableFeeds: [TableFeed]

    /// Starts `pipeline` consuming as `consumer` says. `telemetry` nil serves no HTTP endpoint; an endpoint that
    /// cannot start stops the runtime again and throws.
    init(
        pipeline: TopologyPipeline, consumer: KafkaConsumerConfiguration, producer: KafkaProducerConfiguration,
        telemetry settings: TelemetryServerConfiguration?, logger: Logger
    ) throws {
        self.pipeline = pipeline
        let topology = pipeline.topology
        let runtime = try PipelineRuntime(
            configuration: RuntimeConfiguration(
                inputTopics: [topology.source.topic], consumer: consumer, producer: producer),
            processors: pipeline, logger: logger)
        self.runtime = runtime
        // The endpoint comes up first, so /healthz answers while topic tables load; /readyz stays false until they
        // are read to their end and partitions are assigned.
        let telemetry = try settings.map {
            try RunTelemetry(
                configuration: $0, runtime: runtime, pipeline: pipeline, logger: cliLogger(label: "sluice.telemetry"))
        }
        self.telemetry = telemetry
        let feeds: [TableFeed]
        do {
            feeds = try pipeline.topicTables.map { entry in
                try TableFeed(
                    specification: entry.specification, table: entry.table,
                    bootstrapServers: consumer.bootstrapServers, properties: consumer.properties, logger: logger)
            }
            do {
                for feed in feeds { try feed.load() }
            } catch {
                for feed in feeds { feed.close() }
                throw error
            }
        } catch {
            telemetry?.stop()
            throw error
        }
        for feed in feeds { feed.follow() }
        tableFeeds = feeds
        do {
            try pipeline.startSideOutputs(writer: runtime.recordWriter(for: pipeline.sideSinks), inline: false)
            try runtime.start()
        } catch {
            for feed in feeds { feed.stop() }
            telemetry?.stop()
            throw error
        }
        do {
            labels = try LabelsConsumer(pipeline: pipeline, configuration: consumer, logger: logger)
            // The primary model is reloaded whenever its file changes; a file that does not load is refused.
            watcher = pipeline.primary.map { _ in ModelFileWatcher(pipeline: pipeline, logger: logger) }
        } catch {
            runtime.requestStop()
            _ = runtime.waitUntilStopped()
            for feed in feeds { feed.stop() }
            telemetry?.stop()
            throw error
        }
    }

    /// Asks the runtime to drain, commit and stop; `waitUntilStopped()` returns when it has.
    func requestStop() {
        runtime.requestStop()
    }

    /// Waits for the runtime to stop, then stops everything around it. Returns how the runtime ended.
    func waitUntilStopped() -> PipelineRuntime.State {
        let state = runtime.waitUntilStopped()
        telemetry?.stop()
        watcher?.stop()
        labels?.stop()
        for feed in tableFeeds { feed.stop() }
        return state
    }
}
