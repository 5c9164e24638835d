import Foundation
public import Logging
public import SluiceCore
public import SluiceOperators
import Synchronization

/// The operator chain a topology describes, ready to make one processor per partition. The same pipeline
/// runs under the Kafka runtime (`sluice run`) and offline (`sluice replay`).
public final class TopologyPipeline: EventProcessorFactory {
    /// The topology this pipeline runs.
    public let topology: Topology
    /// What the pipeline did with events, over all partitions.
    public let metrics: PipelineMetrics
    public let sinks: [SinkDescriptor]

    let decoder: EventDecoder
    let validator: SchemaValidator
    let eventsSink: Int?
    let deadLetterSink: Int
    let predictionsSink: Int?
    /// Sinks written beside the lanes (not tied to input offsets): shadow records and drift alerts.
    public let sideSinks: [SinkDescriptor]
    let windowsSink: Int?
    let featureInputsSink: Int?
    /// Where the primary model's feature vectors are logged, and the share of events logged (as a threshold on the
    /// 64-bit hash of the event id: the same events are logged however often the stream is replayed).
    let featureLogSink: Int?
    let featureLogThreshold: UInt64
    let changelogSink: Int?
    let keyFieldIndex: Int?
    let eventTimeFieldIndex: Int?
    /// The windows' compiled plan; nil when the topology has none.
    let windowPlan: WindowPlan?
    let idFieldIndex: Int?
    /// The primary model, swapped in place on reload; nil when the topology scores nothing.
    public let primary: ModelSlot?
    /// The shadow models, bound to the pipeline's inputs, before side outputs are started.
    let shadowBindings: [ModelBinding]
    private let side = Mutex<SideOutputs?>(nil)
    /// Serializes promotions, so two at once cannot interleave their swaps.
    private let promotionLock = Mutex(())
    /// Names of the values models, shadows and monitoring can read, in input order: schema fields, then window
    /// aggregates (`window.aggregate`), then the columns of the topology's features.
    public let featureInputNames: [String]
    /// The topology's features compiled into one program; nil when it has none.
    let featureProgram: FeatureProgram?
    /// The columns the topology's features compute (a one_hot feature has one per category), in order.
    public var featureColumnNames: [String] { featureProgram?.columnNames ?? [] }
    /// Where the feature columns start in `featureInputNames`.
    let featureColumnsStart: Int
    /// The topology's reference tables by name: file tables already loaded, topic tables empty until a
    /// ``TableFeed`` loads them.
    public let tables: [String: ReferenceTable]
    /// The tables kept current from a Kafka topic (those not loaded from a file given for them).
    public let topicTables: [(specification: TableSpecification, table: ReferenceTable)]
    /// The lookups bound to their tables; nil when the topology has none.
    let lookupPlan: LookupPlan?
    /// Hits and misses of each lookup, in topology order.
    public var lookupCounters: [LookupCounters] { lookupPlan?.lookups.map(\.counters) ?? [] }

    /// Compiles `topology` and loads its file tables; `tableFiles` (table name → CSV or JSON Lines path) loads
    /// topic tables from files instead, so offline runs (`sluice replay`, `sluice features`) join exactly what a
    /// dump of the topic holds. Fails with the place and reason when a field path, a feature or a table file is
    /// wrong.
    public convenience init(topology: Topology, tableFiles: [String: String] = [:]) throws {
        try self.init(topology: topology, tableFiles: tableFiles, adaptShadow: { $0 })
    }

    /// Compiles `topology`, passing each shadow's binding through `adaptShadow` (tests use it to make a shadow
    /// slow or broken on purpose).
    init(
        topology: Topology, tableFiles: [String: String] = [:], adaptShadow: (ModelBinding) throws -> ModelBinding
    ) throws {
        self.topology = topology
        metrics = PipelineMetrics(windowNames: topology.windows.map(\.name))
        var tables: [String: ReferenceTable] = [:]
        var topicTables: [(TableSpecification, ReferenceTable)] = []
        var tableProblems: [TopologyDiagnostic] = []
        for specification in topology.tables {
            let table = ReferenceTable(layout: TableLayout(specification))
            tables[specification.name] = table
            let file: String? =
                if case .file(let path) = specification.origin { path } else { tableFiles[specification.name] }
            if let file {
                do {
                    _ = try TableFileLoader.load(file, into: table)
                } catch {
                    tableProblems.append(TopologyDiagnostic(specification.location, error.description))
                }
            } else {
                topicTables.append((specification, table))
            }
        }
        for name in tableFiles.keys where tables[name] == nil {
            tableProblems.append(
                TopologyDiagnostic(
                    FileLocation(file: topology.file, line: 1, column: 1),
                    "a file is given for table '\(name)', but the topology declares no such table"))
        }
        self.tables = tables
        self.topicTables = topicTables
        let source = topology.source
        decoder = EventDecoder(
            paths: try source.fields.map { try FieldPath(parsing: $0.path) },
            limits: EventDecoder.Limits(maxDepth: source.maxDepth, maxPayloadBytes: source.maxPayloadBytes))
        validator = SchemaValidator(schema: source.fields)
        var sinks: [SinkDescriptor] = []
        func add(_ role: String, _ topic: String?, holdsState: Bool = false) -> Int? {
            guard let topic else { return nil }
            sinks.append(SinkDescriptor(name: role, topic: topic, holdsState: holdsState))
            return sinks.count - 1
        }
        eventsSink = add("events", topology.sinks.events)
        predictionsSink = add("predictions", topology.sinks.predictions)
        deadLetterSink = add("dead_letter", topology.sinks.deadLetter ?? "\(topology.name)-dead-letters")!
        windowsSink = add("windows", topology.sinks.windows)
        featureInputsSink = add("feature_inputs", topology.sinks.featureInputs)
        featureLogSink = add("feature_log", topology.sinks.featureLog)
        featureLogThreshold =
            topology.featureLogSample >= 1 ? .max : UInt64(topology.featureLogSample * 18_446_744_073_709_551_615.0)
        changelogSink = topology.windows.isEmpty ? nil : add("changelog", topology.sinks.changelog, holdsState: true)
        self.sinks = sinks
        sideSinks = [("shadow", topology.sinks.shadow), ("alerts", topology.sinks.alerts)]
            .compactMap { role, topic in topic.map { SinkDescriptor(name: role, topic: $0) } }
        // Windows and features are compiled side by side so that a user sees the problems of both at once.
        var problems: [TopologyDiagnostic] = []
        var plan: WindowPlan?
        do {
            plan = topology.windows.isEmpty ? nil : try WindowPlan(topology: topology)
        } catch let error as TopologyError {
            problems += error.diagnostics
        }
        let windowOutputs =
            plan?.outputNames
            ?? topology.windows.flatMap { window in window.aggregates.map { "\(window.name).\($0.name)" } }
        var symbols = ExpressionSymbolTable(schema: topology.source.fields, windowOutputs: windowOutputs)
        let lookups = LookupPlan(topology: topology, tables: tables, symbols: &symbols)
        lookupPlan = lookups.lookups.isEmpty ? nil : lookups
        var program: FeatureProgram?
        do {
            program = try Self.compileFeatures(topology, symbols: symbols)
        } catch let error as TopologyError {
            problems += error.diagnostics
        }
        problems += tableProblems
        guard problems.isEmpty else {
            throw TopologyError(
                problems.sorted { ($0.location.line, $0.location.column) < ($1.location.line, $1.location.column) })
        }
        windowPlan = plan
        featureProgram = program
        idFieldIndex = source.idField.flatMap { name in source.fields.firstIndex { $0.name == name } }
        featureColumnsStart = source.fields.count + (windowPlan?.outputNames.count ?? 0)
        let inputNames =
            source.fields.map(\.name) + (windowPlan?.outputNames ?? []) + (featureProgram?.columnNames ?? [])
        featureInputNames = inputNames
        func bind(_ specification: ModelSpecification) throws -> ModelBinding {
            do {
                return try ModelBinding(specification: specification, inputNames: inputNames)
            } catch {
                throw TopologyError([TopologyDiagnostic(specification.location, "\(error)")])
            }
        }
        primary = try topology.models.primary.map { ModelSlot(try bind($0)) }
        shadowBindings = try topology.models.shadows.map { try adaptShadow(try bind($0)) }
        keyFieldIndex = source.keyField.flatMap { name in source.fields.firstIndex { $0.name == name } }
        eventTimeFieldIndex = source.eventTimeField.flatMap { name in source.fields.firstIndex { $0.name == name } }
    }

    /// Compiles the topology's features over its schema fields, window outputs and lookup columns; problems are reported at their
    /// place in the topology file.
    static func compileFeatures(_ topology: Topology, symbols: ExpressionSymbolTable) throws -> FeatureProgram? {
        guard !topology.features.isEmpty else { return nil }
        let definitions = topology.features.map { FeatureDefinition($0.name, $0.expression, location: $0.location) }
        do {
            return try FeatureProgram(features: definitions, symbols: symbols)
        } catch {
            throw TopologyError(
                error.diagnostics.map { diagnostic in
                    let fallback =
                        topology.features.first { $0.name == diagnostic.feature }?.location
                        ?? FileLocation(file: topology.file, line: 1, column: 1)
                    return diagnostic.topologyDiagnostic(fallback: fallback)
                })
        }
    }

    public func makeProcessor(topic: String, partition: Int32) throws -> any EventProcessor {
        windowPlan == nil ? try TopologyProcessor(pipeline: self) : try StatefulTopologyProcessor(pipeline: self)
    }

    /// Loads the primary model's file again and, if it loads and fits the pipeline's features, puts it in place
    /// between two events; otherwise the current model keeps serving. Returns what happened.
    @discardableResult
    public func reloadPrimaryModel() -> ModelReload {
        guard let primary else { return .failed("the topology has no primary model") }
        let current = primary.current
        do {
            let replacement = try ModelBinding(specification: current.specification, inputNames: featureInputNames)
            guard replacement.loaded.contentHash != current.loaded.contentHash else {
                return .unchanged(current.loaded.version)
            }
            primary.replace(with: replacement)
            metrics.modelReloads.add(1, ordering: .relaxed)
            return .replaced(from: current.loaded.version, to: replacement.loaded.version)
        } catch {
            metrics.modelReloadFailures.add(1, ordering: .relaxed)
            return .failed("\(error)")
        }
    }

    /// Every topic the pipeline reads or writes, for creating them on an embedded cluster.
    public var topics: [String] {
        [topology.source.topic] + sinks.map(\.topic) + sideSinks.map(\.topic)
            + topicTables.compactMap {
                if case .topic(let topic) = $0.specification.origin { topic } else { nil }
            }
    }

    /// Starts the shadows (and monitoring) with `writer` for their records. Until this is called, lanes hand
    /// them nothing. `inline` runs them on the caller's thread without skipping, for deterministic replay.
    public func startSideOutputs(
        writer: any RecordWriter, inline: Bool, shadowBacklog: Int = 100_000,
        logger: Logger = Logger(label: "sluice.side")
    ) throws {
        try startSideOutputs(writer: writer, inline: inline, shadowBacklog: shadowBacklog, logger: logger, others: [])
    }

    func startSideOutputs(
        writer: any RecordWriter, inline: Bool, shadowBacklog: Int, logger: Logger,
        others: [any SideConsumer], withDrift: Bool = true
    ) throws {
        guard let primary = primary?.current else { return }
        let release = LaneReleaseList()
        let shadows = try shadowBindings.map {
            try ShadowRunner(
                binding: $0, capacity: shadowBacklog, inline: inline, writer: writer,
                primaryName: primary.specification.name, metrics: metrics, release: release)
        }
        let webhook = topology.drift?.webhook.map { WebhookSender(specification: $0, logger: logger) }
        let drift = try topology.drift.flatMap { specification -> DriftRunner? in
            guard withDrift else { return nil }
            return try DriftRunner(
                specification: specification, topology: topology.name, model: primary.specification.name,
                inputNames: featureInputNames, monitoredFeatures: monitoredFeatures, inline: inline, writer: writer,
                webhook: webhook, metrics: metrics)
        }
        let labels = try topology.labels.map { specification in
            try LabelRunner(specification: specification, primary: primary, shadows: shadowBindings)
        }
        guard !shadows.isEmpty || drift != nil || labels != nil || !others.isEmpty else { return }
        side.withLock {
            $0 = SideOutputs(
                shadows: shadows, drift: drift, labels: inline ? nil : labels, webhook: webhook, others: others,
                release: release)
        }
    }

    /// The feature inputs drift monitoring compares with the reference: the topology's list, or the primary
    /// model's features.
    public var monitoredFeatures: [String] {
        if let features = topology.drift?.features { return features }
        guard let primary = primary?.current else { return [] }
        return primary.inputIndices.map { featureInputNames[$0] }
    }

    /// Makes shadow `name` the primary, between two events, and the old primary a shadow in its place (so it can
    /// be promoted back). Predictions from then on name the promoted model; the comparison starts afresh.
    public func promote(shadow name: String) -> Promotion {
        guard let primary else { return .refused("the topology has no primary model") }
        guard let side = sideOutputs else { return .refused("shadows are not running") }
        guard let runner = side.shadows.first(where: { $0.slot.current.specification.name == name }) else {
            let names = side.shadows.map { $0.slot.current.specification.name }
            return .refused("there is no shadow named '\(name)'; shadows: \(names.joined(separator: ", "))")
        }
        return promotionLock.withLock { _ in
            let demoted = primary.current
            let promoted = runner.slot.current
            primary.replace(with: promoted)
            runner.slot.replace(with: demoted)
            try? runner.resetComparison(primaryName: promoted.specification.name)
            metrics.promotions.add(1, ordering: .relaxed)
            return .promoted(primary: promoted.label, shadow: demoted.label)
        }
    }

    /// The running side outputs, if started.
    public var sideOutputs: SideOutputs? { side.withLock { $0 } }
}
