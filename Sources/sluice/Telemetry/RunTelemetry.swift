import Dispatch
import Foundation
import Logging
import SluiceCore
import SluiceKafka
import SluiceRuntime
import SluiceTelemetry
import Synchronization

/// Connects a running pipeline to Sluice's telemetry: every second it copies the runtime's and the pipeline's
/// counters into the Prometheus metric families (so the event path never touches a metric), and it serves
/// `/metrics`, `/healthz`, `/readyz`, `/api/status`, the admin API (reload the primary model, promote a shadow)
/// and the dashboard over HTTP.
final class RunTelemetry: @unchecked Sendable {
    // @unchecked: the timer is made, resumed and cancelled once; the rest is Sendable.
    let server: TelemetryServer
    private let sampler: MetricsSampler
    private let timer: any DispatchSourceTimer

    init(
        configuration: TelemetryServerConfiguration, runtime: PipelineRuntime, pipeline: TopologyPipeline,
        logger: Logger
    ) throws {
        let metrics = SluiceMetrics(registry: MetricRegistry.shared)
        server = TelemetryServer(configuration: configuration, registry: metrics.registry, logger: logger)
        let sampler = MetricsSampler(metrics: metrics, runtime: runtime, pipeline: pipeline)
        self.sampler = sampler
        let started = Date()
        server.setReadinessCheck {
            switch runtime.currentState {
            case .running where runtime.isReady: .ready
            case .running: .notReady(reason: "waiting for partitions: the consumer group has not assigned any yet")
            case .failed(let reason): .notReady(reason: "the pipeline failed: \(reason)")
            case .idle: .notReady(reason: "starting: reading reference tables from their topics")
            default: .notReady(reason: "the pipeline is \(runtime.currentState)")
            }
        }
        server.setStatusProvider { sampler.status(uptime: Date().timeIntervalSince(started)) }
        server.setAdminHandler(.reloadModel) { _ in
            switch pipeline.reloadPrimaryModel() {
            case .replaced(let from, let to):
                return AdminResult(
                    message: "model replaced: \(from) → \(to)",
                    model: pipeline.primary?.current.specification.name, version: to)
            case .unchanged(let version):
                return AdminResult(
                    message: "model unchanged: \(version) is already serving",
                    model: pipeline.primary?.current.specification.name, version: version)
            case .failed(let reason):
                throw AdminError.unprocessable("model reload refused, the current model keeps serving: \(reason)")
            }
        }
        server.setAdminHandler(.promote) { request in
            guard let shadow = request.model, !shadow.isEmpty else {
                throw AdminError(status: 400, message: "name the shadow to promote: {\"model\": \"<shadow name>\"}")
            }
            switch pipeline.promote(shadow: shadow) {
            case .promoted(let primary, let previous):
                return AdminResult(
                    message: "promoted \(primary) to primary; \(previous) is now a shadow",
                    model: primary, version: pipeline.primary?.current.loaded.version)
            case .refused(let reason) where reason.contains("no shadow"):
                throw AdminError.notFound("promotion refused: \(reason)")
            case .refused(let reason):
                throw AdminError.conflict("promotion refused: \(reason)")
            }
        }
        // The server starts first: a timer released before it was ever resumed would trap in libdispatch.
        try server.start()
        timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "sluice.telemetry.sampler"))
        timer.schedule(deadline: .now() + .seconds(1), repeating: .seconds(1))
        let tableSampler = TableMetricsSampler(metrics: TableMetrics(registry: metrics.registry), pipeline: pipeline)
        timer.setEventHandler {
            sampler.sample()
            tableSampler.sample()
        }
        timer.resume()
    }

    /// The port the server listens on.
    var port: Int? { server.port }

    func stop() {
        timer.cancel()
        sampler.sample()
        server.stop()
    }
}
