import ArgumentParser
import Dispatch
import Foundation
import SluiceCore
import SluiceKafka
import SluiceRuntime
import SluiceTelemetry

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the pipeline a topology describes, on Kafka.",
        discussion: """
            Consumes the topology's source topic as a member of a consumer group, runs every event through \
            the operator chain (one lane per partition, in partition order) and produces its outputs. An \
            event's offset is committed only after all its outputs are acknowledged by the broker \
            (at-least-once). Run more processes with the same --group to share the partitions.

            With no --brokers, an embedded Kafka cluster is started in this process, the topology's topics \
            are created on it, and its address is printed, so other programs (kcat, `sluice generate`) can \
            produce to it.

            SIGINT or SIGTERM drains every lane, waits for outputs to be acknowledged, commits, and exits 0. \
            A second signal, or a drain longer than --shutdown-timeout, exits 2 at once; what was not committed \
            is then processed again by the group (at-least-once).
            """
    )

    @Argument(help: "The topology file (YAML).")
    var topology: String

    @Option(help: "Kafka bootstrap servers, HOST:PORT[,HOST:PORT...]. Default: an embedded cluster.")
    var brokers: String?

    @Option(help: "Consumer group id. Default: sluice-<topology name>.")
    var group: String?

    @Option(help: "Partitions of each topic created on the embedded cluster.")
    var partitions: Int = 8

    @Option(help: "Seconds between status lines on standard error; 0 turns them off.")
    var statusInterval: Int = 5

    @Option(
        help:
            "Port of the HTTP endpoint (/metrics, /healthz, /readyz, /api/status, admin API, dashboard at /); 0 picks a free one."
    )
    var telemetryPort: Int = 9464

    @Option(
        help:
            "Address the HTTP endpoint listens on. Anything but loopback needs --admin-token (or SLUICE_ADMIN_TOKEN) for the admin API."
    )
    var telemetryHost: String = "127.0.0.1"

    @Option(help: "Bearer token the admin API requires (default: $SLUICE_ADMIN_TOKEN; none on loopback).")
    var adminToken: String?

    @Flag(help: "Serve no HTTP endpoint at all.")
    var noTelemetry = false

    @Option(
        help: """
            Seconds a stop (SIGINT, SIGTERM) may take to drain and commit before the process exits 2 anyway; \
            keep it below the orchestrator's grace period.
            """)
    var shutdownTimeout: Int = 50

    @Option(
        name: .customLong("property"),
        help: "A librdkafka property for both clients, NAME=VALUE (repeatable), e.g. security.protocol=SSL.")
    var properties: [String] = []

    func validate() throws {
        guard (1...1024).contains(partitions) else { throw ValidationError("--partitions must be 1...1024") }
        guard shutdownTimeout >= 0 else { throw ValidationError("--shutdown-timeout must not be negative") }
        guard statusInterval >= 0 else { throw ValidationError("--status-interval must not be negative") }
        guard (0...65535).contains(telemetryPort) else { throw ValidationError("--telemetry-port must be 0...65535") }
        for property in properties where !property.contains("=") {
            throw ValidationError("--property must be NAME=VALUE, found '\(property)'")
        }
    }

    func run() throws {
        let loaded: Topology
        do {
            loaded = try TopologyLoader.load(file: topology)
        } catch {
            printError(error.description)
            throw ExitCode(1)
        }
        let pipeline = try TopologyPipeline(topology: loaded)
        let logger = cliLogger(label: "sluice.run")
        var cluster: EmbeddedKafkaCluster? = nil
        let bootstrap: String
        if let brokers {
            bootstrap = brokers
        } else {
            let embedded = try EmbeddedKafkaCluster(logger: cliLogger(label: "sluice.cluster"))
            for topic in pipeline.topics { try embedded.createTopic(topic, partitions: partitions) }
            cluster = embedded
            bootstrap = embedded.bootstrapServers
            printError(
                "no --brokers given: started an embedded Kafka cluster at \(bootstrap) with topics "
                    + pipeline.topics.joined(separator: ", ") + " (\(partitions) partitions each)")
        }
        let groupID = group ?? "sluice-\(loaded.name)"
        var consumer =
            cluster?.consumerConfiguration(groupID: groupID)
            ?? KafkaConsumerConfiguration(bootstrapServers: [bootstrap], groupID: groupID)
        var producer = KafkaProducerConfiguration(bootstrapServers: [bootstrap])
        for property in properties {
            let parts = property.split(separator: "=", maxSplits: 1).map(String.init)
            consumer.properties[parts[0]] = parts[1]
            producer.properties[parts[0]] = parts[1]
        }
        var telemetrySettings: TelemetryServerConfiguration? = nil
        if !noTelemetry {
            var settings = TelemetryServerConfiguration(host: telemetryHost, port: telemetryPort)
            settings.adminToken =
                adminToken
                ?? ProcessInfo.processInfo.environment["SLUICE_ADMIN_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
            telemetrySettings = settings
        }
        let session: PipelineSession
        do {
            session = try PipelineSession(
                pipeline: pipeline, consumer: consumer, producer: producer,
                telemetry: telemetrySettings, logger: logger)
        } catch let error as TelemetryError {
            printError("sluice run: the HTTP endpoint cannot start: \(error) (use --telemetry-port or --no-telemetry)")
            throw ExitCode(1)
        }
        let runtime = session.runtime
        let watchdog = ShutdownWatchdog(command: "sluice run", limit: .seconds(shutdownTimeout)) {
            let counters = runtime.counters
            let unacknowledged =
                counters.outputsSent.load(ordering: .relaxed) - counters.outputsDelivered.load(ordering: .relaxed)
                - counters.outputsFailed.load(ordering: .relaxed)
            return "runtime \(runtime.currentState), \(unacknowledged) outputs unacknowledged"
        }
        let signals = TerminationSignals { signal in
            watchdog.signalReceived(signal == SIGINT ? "SIGINT" : "SIGTERM")
            session.requestStop()
        }
        printError("sluice run: '\(loaded.name)' consuming \(loaded.source.topic) as group \(groupID)")
        if let topic = loaded.labels?.topic { printError("sluice run: joining labels from \(topic)") }
        if let slot = pipeline.primary {
            printError(
                "sluice run: primary model \(slot.current.label), reloaded when \(slot.current.specification.path) changes"
            )
        }
        if let telemetry = session.telemetry {
            printError(
                "sluice run: metrics, status and dashboard at http://\(telemetryHost):\(telemetry.port ?? telemetryPort)/"
            )
        }
        let status =
            statusInterval > 0 ? StatusReporter(runtime: runtime, pipeline: pipeline, every: statusInterval) : nil
        let finalState = session.waitUntilStopped()
        status?.stop()
        withExtendedLifetime((signals, cluster)) {}
        printError("sluice run: " + StatusReporter.line(runtime: runtime, pipeline: pipeline))
        if case .failed(let reason) = finalState {
            printError("sluice run: failed: \(reason)")
            throw ExitCode(1)
        }
    }
}

/// Prints a status line to standard error every few seconds.
final class StatusReporter: @unchecked Sendable {
    // @unchecked: the timer is created and cancelled once; everything it reads is atomic.
    private let timer: any DispatchSourceTimer

    init(runtime: PipelineRuntime, pipeline: TopologyPipeline, every seconds: Int) {
        timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "sluice.status"))
        timer.schedule(deadline: .now() + .seconds(seconds), repeating: .seconds(seconds))
        timer.setEventHandler { printError("sluice run: " + StatusReporter.line(runtime: runtime, pipeline: pipeline)) }
        timer.resume()
    }

    func stop() {
        timer.cancel()
    }

    static func line(runtime: PipelineRuntime, pipeline: TopologyPipeline) -> String {
        let counters = runtime.counters
        let lag = runtime.consumerLag.values.reduce(0, +)
        return "consumed \(counters.eventsConsumed.load(ordering: .relaxed)), "
            + "valid \(pipeline.metrics.validEvents.load(ordering: .relaxed)), "
            + "dead letters \(pipeline.metrics.deadLetterCount), "
            + "outputs delivered \(counters.outputsDelivered.load(ordering: .relaxed)), lag \(lag)"
    }
}
