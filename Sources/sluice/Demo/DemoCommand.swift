import ArgumentParser
import Foundation
import SluiceCore
import SluiceKafka
import SluiceRuntime
import SluiceTelemetry
import Synchronization

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Watch the whole pipeline work: fraud scoring, a shadow model and drift alerts, live.",
        discussion: """
            Starts an embedded Kafka cluster and streams synthetic card transactions into it (with a few \
            malformed ones, and fraud labels a little later). topologies/demo.yaml runs on them: per-card \
            windows, feature expressions, an XGBoost fraud model, a LightGBM challenger in shadow, drift \
            monitoring against the training data and live model quality from the labels. Partway through, the \
            traffic shifts (prices rise, more card-not-present spending), and drift alerts follow.

            A progress line shows events/s, predictions, shadow records, dead letters and alerts; the live \
            dashboard is at the address printed first. At the end comes a short summary. Stop early with Ctrl-C.

            The models and the drift profile were trained on the same generator's data by \
            scripts/train_demo_models.py, through this same topology (`sluice features`).
            """
    )

    @Option(help: "Seconds to stream events.")
    var duration: Int = 60

    @Option(help: "Events per second to produce.")
    var rate: Int = 20_000

    @Option(help: "Seconds after which the traffic shifts (default: half the duration).")
    var shiftAfter: Int?

    @Option(help: "The topology to run (default: topologies/demo.yaml, from the current directory).")
    var topology: String = "topologies/demo.yaml"

    @Option(help: "Port of the dashboard and metrics endpoint; 0 picks a free one.")
    var telemetryPort: Int = 9464

    @Option(help: "Partitions of each topic on the embedded cluster.")
    var partitions: Int = 8

    func validate() throws {
        guard duration >= 1 else { throw ValidationError("--duration must be at least 1 second") }
        guard (1...2_000_000).contains(rate) else { throw ValidationError("--rate must be 1...2000000 events/s") }
        guard (0...65535).contains(telemetryPort) else { throw ValidationError("--telemetry-port must be 0...65535") }
        guard (1...256).contains(partitions) else { throw ValidationError("--partitions must be 1...256") }
    }

    func run() throws {
        guard FileManager.default.fileExists(atPath: topology) else {
            printError("sluice demo: \(topology) not found: run the demo from the repository root, or pass --topology")
            throw ExitCode(1)
        }
        let loaded: Topology
        do {
            loaded = try TopologyLoader.load(file: topology)
        } catch {
            printError(error.description)
            throw ExitCode(1)
        }
        let pipeline = try TopologyPipeline(topology: loaded)
        let logger = cliLogger(label: "sluice.demo")
        let cluster = try EmbeddedKafkaCluster(logger: cliLogger(label: "sluice.cluster"))
        let labelsTopic = loaded.labels?.topic
        for topic in pipeline.topics + [labelsTopic].compactMap({ $0 }) {
            try cluster.createTopic(topic, partitions: partitions)
        }
        let bootstrap = cluster.bootstrapServers
        let consumer = cluster.consumerConfiguration(groupID: "sluice-demo")
        let producer = KafkaProducerConfiguration(bootstrapServers: [bootstrap])
        let session: PipelineSession
        do {
            session = try PipelineSession(
                pipeline: pipeline, consumer: consumer, producer: producer,
                telemetry: TelemetryServerConfiguration(host: "127.0.0.1", port: telemetryPort), logger: logger)
        } catch let error as TelemetryError {
            printError("sluice demo: the dashboard cannot start: \(error) (try --telemetry-port 0)")
            throw ExitCode(1)
        }
        printError(
            "sluice demo: dashboard at http://127.0.0.1:\(session.telemetry?.port ?? telemetryPort)/  "
                + "(metrics at /metrics)")
        printError(
            "sluice demo: streaming \(rate) transactions/s for \(duration) s into an embedded Kafka cluster at "
                + "\(bootstrap); the traffic shifts after \(shiftAfter ?? duration / 2) s")

        let watcher = try DemoOutputWatcher(bootstrap: bootstrap, topology: loaded)
        let generator = try DemoTrafficGenerator(
            bootstrap: bootstrap, topic: loaded.source.topic, labelsTopic: labelsTopic, rate: rate,
            duration: .seconds(duration), shiftAfter: .seconds(shiftAfter ?? duration / 2))
        let signals = TerminationSignals { _ in generator.stop() }
        let progress = DemoProgress(session: session, generator: generator, watcher: watcher)
        let started = ContinuousClock.now
        generator.run { progress.report() }
        let streamed = ContinuousClock.now - started

        // Let the pipeline take in what was produced (bounded), then drain and commit.
        let drainDeadline = ContinuousClock.now + .seconds(30)
        while session.runtime.counters.eventsConsumed.load(ordering: .relaxed) < generator.sent,
            ContinuousClock.now < drainDeadline
        {
            Thread.sleep(forTimeInterval: 0.1)
        }
        progress.report()
        session.requestStop()
        let finalState = session.waitUntilStopped()
        Thread.sleep(forTimeInterval: 0.5)
        watcher.stop()
        progress.finish()
        withExtendedLifetime((signals, cluster)) {}
        printOutput(DemoSummary.text(session: session, generator: generator, watcher: watcher, elapsed: streamed))
        if case .failed(let reason) = finalState {
            printError("sluice demo: the pipeline failed: \(reason)")
            throw ExitCode(1)
        }
    }
}
