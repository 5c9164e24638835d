import Dispatch
import Foundation
import SluiceCore
import SluiceMonitoring
import Synchronization

/// Drift monitoring beside the lanes: records the monitored feature inputs and the primary's score of every
/// event it is handed, compares each closed window with the training reference, and writes alerts (raised and
/// resolved) to the alerts sink and, if configured, a webhook. Like a shadow, it skips whole batches when it
/// falls behind (monitoring then sees a sample), and never slows the lanes.
final class DriftRunner: SideConsumer, @unchecked Sendable {
    // @unchecked: `monitor` and the buffers are touched only on `queue` (or inline on the replay thread);
    // counters are atomic and `latest` is behind a Mutex.
    let capacity: Int
    let pending = Atomic<Int>(0)
    let skipped = Atomic<Int>(0)
    let recorded = Atomic<Int>(0)
    let alertsRaised = Atomic<Int>(0)
    private let queue: DispatchQueue?
    private let monitor: DriftMonitor
    /// Each monitored feature's index in the feature inputs, and its monitor slot.
    private let features: [(input: Int, slot: DriftMonitor.NumericSlot)]
    private let scoreSlot: DriftMonitor.NumericSlot?
    private let writer: any RecordWriter
    private let webhook: WebhookSender?
    private let latest = Mutex<DriftStatus>(DriftStatus())
    private var alertBuffer: [UInt8] = []
    /// Where the time of each batch is counted (stage `monitor`).
    private let metrics: PipelineMetrics

    init(
        specification: DriftSpecification, topology: String, model: String, inputNames: [String],
        monitoredFeatures: [String], inline: Bool, writer: any RecordWriter, webhook: WebhookSender?,
        metrics: PipelineMetrics, capacity: Int = 200_000
    ) throws {
        self.metrics = metrics
        let profile: ReferenceProfile
        do {
            profile = try ReferenceProfile.decode(from: Data(contentsOf: URL(fileURLWithPath: specification.reference)))
        } catch {
            throw TopologyError([
                TopologyDiagnostic(
                    specification.location,
                    "cannot read the drift reference profile "
                        + "'\(specification.reference)' (make it with `sluice profile`): \(error)")
            ])
        }
        var configuration = DriftMonitorConfiguration(
            topology: topology, model: model, numericFeatures: monitoredFeatures, scoreModels: [model],
            windowEvents: specification.windowEvents, windowMilliseconds: specification.windowMilliseconds)
        if let names = specification.statistics {
            configuration.statistics = Set(names.compactMap(Self.statistic))
        }
        for (name, limits) in specification.thresholds {
            guard let statistic = Self.statistic(name) else { continue }
            let base = configuration.thresholds[statistic]
            configuration.thresholds[statistic] = DriftThreshold(
                warning: limits.warning, critical: limits.critical, breachesBelow: base?.breachesBelow ?? false)
        }
        switch specification.scoreDetector {
        case "adwin":
            var detector = ADWIN.Configuration()
            if let delta = specification.detectorParameter { detector.delta = delta }
            configuration.scoreDetector = .adwin(detector)
        case "page_hinkley":
            var detector = PageHinkley.Configuration()
            if let threshold = specification.detectorParameter { detector.threshold = threshold }
            configuration.scoreDetector = .pageHinkley(detector)
        default:
            configuration.scoreDetector = .none
        }
        let monitor: DriftMonitor
        do {
            monitor = try DriftMonitor(
                configuration: configuration, profile: profile,
                policy: AlertPolicy.Configuration(
                    consecutiveWindows: specification.consecutiveWindows, resolveWindows: specification.resolveWindows,
                    cooldownMs: specification.cooldownMilliseconds))
        } catch {
            throw TopologyError([TopologyDiagnostic(specification.location, "drift monitoring: \(error)")])
        }
        self.monitor = monitor
        features = try monitoredFeatures.map { name in
            guard let input = inputNames.firstIndex(of: name) else {
                throw TopologyError([
                    TopologyDiagnostic(
                        specification.location,
                        "drift monitors '\(name)', which the pipeline does not compute")
                ])
            }
            return (input, monitor.slot(numericFeature: name)!)
        }
        scoreSlot = monitor.slot(scoreOf: model)
        self.capacity = capacity
        self.writer = writer
        self.webhook = webhook
        queue = inline ? nil : DispatchQueue(label: "sluice.drift", qos: .utility)
    }

    static func statistic(_ name: String) -> DriftStatistic? {
        switch name {
        case "psi": .psi
        case "ks", "ks_p": .ksPValue
        case "js": .jensenShannon
        case "wasserstein": .wasserstein
        case "chi2_p": .chiSquarePValue
        default: nil
        }
    }

    func submit(_ batch: ScoredBatch) {
        guard let queue else { return process(batch) }
        if pending.load(ordering: .relaxed) + batch.count > capacity {
            skipped.add(batch.count, ordering: .relaxed)
            return
        }
        pending.add(batch.count, ordering: .relaxed)
        queue.async {
            self.process(batch)
            self.pending.subtract(batch.count, ordering: .relaxed)
        }
    }

    /// The latest window's statistics and what is firing.
    var status: DriftStatus { latest.withLock { $0 } }

    private func process(_ batch: ScoredBatch) {
        let started = DispatchTime.now().uptimeNanoseconds
        defer {
            metrics.countStage(
                .monitor, events: batch.count,
                nanoseconds: Int(truncatingIfNeeded: DispatchTime.now().uptimeNanoseconds &- started))
        }
        var closed = false
        for event in 0..<batch.count {
            let base = event * batch.inputCount
            for feature in features {
                let value = batch.inputs[base + feature.input]
                if value.isNaN { monitor.recordNull(at: feature.slot) } else { monitor.record(value, at: feature.slot) }
            }
            if let scoreSlot { monitor.record(batch.primaryScores[event], at: scoreSlot) }
            if monitor.endEvent(eventTimeMs: batch.eventTimes[event]) { closed = true }
        }
        recorded.add(batch.count, ordering: .relaxed)
        let alerts = monitor.drainAlerts()
        for alert in alerts {
            alertBuffer.removeAll(keepingCapacity: true)
            alert.encodeJSON(into: &alertBuffer)
            let key = Array(alert.feature.utf8)
            key.withUnsafeBytes { key in
                alertBuffer.withUnsafeBytes { writer.write(sink: "alerts", key: key, value: $0) }
            }
            webhook?.enqueue(alertBuffer)
        }
        alertsRaised.add(alerts.count, ordering: .relaxed)
        if closed || !alerts.isEmpty {
            let measurements = monitor.lastMeasurements
            let window = monitor.lastWindow
            let windows = monitor.windowCount
            latest.withLock { status in
                status.windows = windows
                if let window { status.windowEnd = window.endMs }
                status.measurements = measurements.map {
                    DriftStatus.Measurement(
                        feature: $0.feature, statistic: $0.statistic.rawValue, value: $0.value,
                        subject: "\($0.subject)")
                }
                status.recentAlerts = Array((alerts.map(DriftStatus.Alert.init) + status.recentAlerts).prefix(20))
                for alert in alerts where "\(alert.state)" == "firing" {
                    status.alertsFiredBySeverity["\(alert.severity)", default: 0] += 1
                }
            }
        }
    }
}

/// Drift monitoring's latest state, for the status API and metrics.
public struct DriftStatus: Sendable, Codable {
    public struct Measurement: Sendable, Codable {
        public var feature: String
        public var statistic: String
        public var value: Double
        public var subject: String
    }

    public struct Alert: Sendable, Codable {
        public var feature: String
        public var statistic: String
        public var value: Double
        public var threshold: Double
        public var severity: String
        public var state: String

        init(_ alert: DriftAlert) {
            feature = alert.feature
            statistic = alert.statistic.rawValue
            value = alert.value
            threshold = alert.threshold
            severity = "\(alert.severity)"
            state = "\(alert.state)"
        }
    }

    /// Windows closed so far.
    public var windows = 0
    /// Event time at which the last window closed.
    public var windowEnd: Int64?
    /// Each statistic of the last window.
    public var measurements: [Measurement] = []
    /// The most recent alerts, newest first.
    public var recentAlerts: [Alert] = []
    /// Alerts fired so far (not counting resolutions), by severity (`warning`, `critical`).
    public var alertsFiredBySeverity: [String: Int] = [:]
}
