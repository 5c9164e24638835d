import Dispatch
import Foundation
import SluiceCore
import SluiceModels
import SluiceOperators

/// The operator chain of one partition: decode → validate → windows → outputs. Owns the partition's
/// reusable buffers and window state; allocates nothing per valid event once its buffers have grown.
class TopologyProcessor: EventProcessor {
    let pipeline: TopologyPipeline
    /// The schema's field names as UTF-8 and their types, read per event without touching the specification.
    private let fieldNames: [[UInt8]]
    private let fieldTypes: [FieldType]
    /// `pipeline.featureInputNames` as UTF-8, for JSON keys.
    private let inputNames: [[UInt8]]
    private let decoded: DecodedFields
    let fields: EventFields
    let windows: WindowStage?
    var writer = JSONWriter(capacity: 512)
    private var scratch: [UInt8] = []
    /// Room for a 64-bit integer key in decimal.
    private let keyDigits = UnsafeMutableRawBufferPointer.allocate(byteCount: 24, alignment: 1)
    /// Room for a 64-bit integer event id in decimal (apart from the key's, which may be in use at the same time).
    private let idDigits = UnsafeMutableRawBufferPointer.allocate(byteCount: 24, alignment: 1)
    private var wallClock: Int64
    private var validSinceTick = 0
    /// Late events since the last tick, per window.
    private var lateSinceTick: [Int]
    /// The primary model this lane scores with, and the slot generation it was taken at.
    private var primary: ModelBinding?
    private var primaryGeneration = -1
    private var modelInput = UnsafeMutableBufferPointer<Double>.allocate(capacity: 1)
    /// Every value models and outputs can read for the current event, in `pipeline.featureInputNames` order:
    /// schema fields, window outputs, feature columns. Filled once per valid event when something reads it.
    private let inputVector: UnsafeMutableBufferPointer<Double>
    private let featureEvaluator: FeatureEvaluator?
    /// Whether anything reads `inputVector`: a model, shadows and monitoring, or the feature_inputs sink.
    private let readsInputs: Bool
    private var scores = UnsafeMutableBufferPointer<Double>.allocate(capacity: 1)
    private var scoredSinceTick = 0
    private var scoringNanosecondsSinceTick = 0
    /// The batch handed to shadows (and monitoring) at the end of each lane batch; nil when nothing runs beside.
    private let sideBatch: ScoredBatchBuilder?
    private let sideOutputs: SideOutputs?
    private var idScratch: [UInt8] = []
    /// The lane's table snapshots and the current event's rows; nil without lookups.
    private let lookups: LaneLookups?
    /// Stage timing on a sample of events, and this lane's share of the per-window key counts.
    private let stageClock = StageClock()
    private let windowTotals: WindowTotals?

    init(pipeline: TopologyPipeline) throws {
        self.pipeline = pipeline
        decoded = pipeline.decoder.makeFields()
        fields = EventFields(schema: pipeline.topology.source.fields)
        fieldNames = pipeline.topology.source.fields.map { Array($0.name.utf8) }
        fieldTypes = pipeline.topology.source.fields.map(\.type)
        windows = try pipeline.windowPlan.map(WindowStage.init)
        windowTotals = windows.map { WindowTotals(windowCount: $0.engine.configuration.windows.count) }
        inputNames = pipeline.featureInputNames.map { Array($0.utf8) }
        lateSinceTick = Array(repeating: 0, count: pipeline.topology.windows.count)
        sideOutputs = pipeline.sideOutputs
        let idsAreIntegers = pipeline.idFieldIndex.map { pipeline.topology.source.fields[$0].type != .string } ?? false
        sideBatch = sideOutputs.map { _ in
            ScoredBatchBuilder(inputCount: pipeline.featureInputNames.count, idsAreIntegers: idsAreIntegers)
        }
        inputVector = .allocate(capacity: max(pipeline.featureInputNames.count, 1))
        inputVector.initialize(repeating: .nan)
        featureEvaluator = pipeline.featureProgram?.makeEvaluator()
        lookups = pipeline.lookupPlan.map(LaneLookups.init)
        readsInputs = (pipeline.primary != nil && pipeline.predictionsSink != nil) || pipeline.featureInputsSink != nil
        wallClock = currentWallClock()
    }

    deinit {
        keyDigits.deallocate()
        idDigits.deallocate()
        inputVector.deallocate()
        modelInput.deallocate()
        scores.deallocate()
    }

    func process(_ record: InputRecord, emitter: any OutputEmitter) throws {
        guard let value = record.value else {
            return try deadLetter(
                EventRejection(.tombstone, message: "the event has a null value (a tombstone)"),
                record, emitter)
        }
        stageClock.start()
        do {
            try pipeline.decoder.decode(value, into: decoded)
        } catch {
            return try deadLetter(
                EventRejection(
                    DeadLetterReason(error), field: error.field?.description,
                    message: error.description), record, emitter)
        }
        stageClock.lap(.decode)
        if let rejection = pipeline.validator.validate(decoded, into: fields, wallClock: wallClock) {
            return try deadLetter(rejection, record, emitter)
        }
        fields.source = record.source
        fields.key = eventKey(record)
        fields.eventTime = pipeline.eventTimeFieldIndex.map { fields.integer($0) } ?? record.timestamp ?? wallClock
        stageClock.lap(.validate)
        if let lookups, let missed = lookups.resolve(fields) {
            return try deadLetter(lookupMissRejection(missed, lookups), record, emitter)
        }
        if let windows {
            let result = windows.process(fields)
            if result.isLate || result.isTimeOutOfRange, let rejection = lateRejection(result, windows) {
                return try deadLetter(rejection, record, emitter)
            }
            if let sink = pipeline.windowsSink, !windows.engine.closedWindows.isEmpty {
                try windows.emitClosedWindows(to: sink, writer: &writer, emitter: emitter)
            }
            stageClock.lap(.window)
        }
        validSinceTick += 1
        if readsInputs {
            computeInputs()
            stageClock.lap(.features)
        }
        if let slot = pipeline.primary, let sink = pipeline.predictionsSink {
            try predict(with: slot, into: sink, record, emitter)
        }
        if let sink = pipeline.eventsSink {
            encodeEvent(withWindowValues: false)
            try writer.withBytes { try emitter.emit(to: sink, key: fields.key, value: $0) }
        }
        if let sink = pipeline.featureInputsSink {
            encodeEvent(withWindowValues: true)
            try writer.withBytes { try emitter.emit(to: sink, key: fields.key, value: $0) }
        }
        stageClock.lap(.produce)
    }

    func endBatch(wallClock: Int64, emitter: any OutputEmitter) throws {
        if let sideBatch, let sideOutputs, !sideBatch.isEmpty { sideOutputs.submit(sideBatch.take()) }
        guard let windows else { return }
        if windows.engine.advance(wallClockNow: wallClock) > 0, let sink = pipeline.windowsSink {
            try windows.emitClosedWindows(to: sink, writer: &writer, emitter: emitter)
        }
    }

    func tick(wallClock: Int64, emitter: any OutputEmitter) throws {
        self.wallClock = wallClock
        try endBatch(wallClock: wallClock, emitter: emitter)
        publishCounts()
    }

    func prepareToRelease(emitter: any OutputEmitter) throws {
        publishCounts()
        windowTotals?.retract(from: pipeline.metrics)
    }

    private func publishCounts() {
        lookups?.publishCounts()
        if validSinceTick > 0 {
            pipeline.metrics.validEvents.add(validSinceTick, ordering: .relaxed)
            validSinceTick = 0
        }
        if scoredSinceTick > 0 {
            pipeline.metrics.predictions.add(scoredSinceTick, ordering: .relaxed)
            pipeline.metrics.scoringNanoseconds.add(scoringNanosecondsSinceTick, ordering: .relaxed)
            scoredSinceTick = 0
            scoringNanosecondsSinceTick = 0
        }
        if lateSinceTick.contains(where: { $0 > 0 }) {
            pipeline.metrics.countLateEvents(zip(pipeline.topology.windows.map(\.name), lateSinceTick).map { ($0, $1) })
            for index in lateSinceTick.indices { lateSinceTick[index] = 0 }
        }
        stageClock.publish(to: pipeline.metrics)
        if let windows, let windowTotals { windowTotals.publish(windows.engine, to: pipeline.metrics) }
    }

    /// Fills `inputVector` for the current event: fields, window outputs, then the features computed over both.
    private func computeInputs() {
        let fieldCount = fieldTypes.count
        for index in 0..<fieldCount { inputVector[index] = fields.number(index) }
        let windowOutputs = windows?.engine.outputValues ?? UnsafeBufferPointer(start: nil, count: 0)
        for index in windowOutputs.indices { inputVector[fieldCount + index] = windowOutputs[index] }
        guard let featureEvaluator else { return }
        let columns = UnsafeMutableBufferPointer(rebasing: inputVector[pipeline.featureColumnsStart...])
        if let lookups {
            featureEvaluator.evaluate(
                LaneExpressionInputs(
                    fields: fields, windowOutputs: windowOutputs, rows: lookups.rows, slots: lookups.slots),
                into: columns)
        } else {
            featureEvaluator.evaluate(
                EventExpressionInputs(fields: fields, windowOutputs: windowOutputs), into: columns)
        }
    }

    /// Why an event whose lookup `index` missed (with `on_miss: dead_letter`) is dead-lettered.
    private func lookupMissRejection(_ index: Int, _ lookups: LaneLookups) -> EventRejection {
        let lookup = lookups.plan.lookups[index]
        let field = lookup.specification.keyField
        let key: String
        if !fields.isPresent(lookup.keyField) {
            key = "no value"
        } else if lookup.keyIsString {
            key = "'\(String(decoding: fields.stringBytes(lookup.keyField), as: UTF8.self))'"
        } else {
            key = "\(fields.integer(lookup.keyField))"
        }
        return EventRejection(
            .lookupMiss, field: field,
            message: "lookup '\(lookup.specification.name)' found no row of table '\(lookup.specification.table)' "
                + "for \(field) \(key)")
    }

    /// Scores the event with the primary model (taking up a new version between events) and writes the prediction.
    private func predict(with slot: ModelSlot, into sink: Int, _ record: InputRecord, _ emitter: any OutputEmitter)
        throws
    {
        let generation = slot.generation.load(ordering: .acquiring)
        if generation != primaryGeneration || primary == nil {
            let binding = slot.current
            primary = binding
            primaryGeneration = generation
            if modelInput.count < binding.inputIndices.count {
                modelInput.deallocate()
                modelInput = .allocate(capacity: binding.inputIndices.count)
            }
            if scores.count < binding.loaded.model.outputCount {
                scores.deallocate()
                scores = .allocate(capacity: binding.loaded.model.outputCount)
            }
        }
        guard let binding = primary else { return }
        for (position, input) in binding.inputIndices.enumerated() { modelInput[position] = inputVector[input] }
        let started = DispatchTime.now().uptimeNanoseconds
        binding.loaded.model.score(UnsafeBufferPointer(modelInput), into: scores)
        let elapsed = Int(DispatchTime.now().uptimeNanoseconds &- started)
        scoredSinceTick += 1
        scoringNanosecondsSinceTick += elapsed
        stageClock.exclude(nanoseconds: elapsed)
        encodePrediction(binding, record: record, latencyNanoseconds: elapsed)
        try writer.withBytes { try emitter.emit(to: sink, key: fields.key, value: $0) }
        if pipeline.featureLogSink != nil || sideBatch != nil { fillEventID(record) }
        if let logSink = pipeline.featureLogSink, isLogged() {
            encodeFeatureLog(binding)
            try writer.withBytes { try emitter.emit(to: logSink, key: fields.key, value: $0) }
        }
        if let sideBatch { collectForSide(sideBatch, binding) }
    }

    /// The event's id as text in `idScratch`: the `source.id` field, or `topic/partition/offset`.
    private func fillEventID(_ record: InputRecord) {
        idScratch.removeAll(keepingCapacity: true)
        if let index = pipeline.idFieldIndex, fields.isPresent(index) {
            if fieldTypes[index] == .string {
                idScratch.append(contentsOf: fields.stringBytes(index))
            } else {
                idScratch.append(contentsOf: writeDecimal(fields.integer(index), into: idDigits))
            }
        } else {
            idScratch.append(
                contentsOf: "\(record.source.topic)/\(record.source.partition)/\(record.source.offset)".utf8)
        }
    }

    /// Whether the event in `idScratch` is in the feature log's sample: FNV-1a of its id, mixed by MurmurHash3's
    /// finalizer so that short, similar ids spread evenly, against the threshold.
    private func isLogged() -> Bool {
        let threshold = pipeline.featureLogThreshold
        guard threshold != .max else { return true }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in idScratch { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        hash ^= hash >> 33
        hash &*= 0xff51_afd7_ed55_8ccd
        hash ^= hash >> 33
        hash &*= 0xc4ce_b9fe_1a85_ec53
        hash ^= hash >> 33
        return hash < threshold
    }

    /// `{"id", "key", "event_time", "model", "model_version", "topology_version", "features": {name: value, ...}}`:
    /// the vector the primary model just scored, in the model's input order (null for missing values).
    private func encodeFeatureLog(_ binding: ModelBinding) {
        writer.reset()
        writer.beginObject()
        writer.key("id")
        if let index = pipeline.idFieldIndex, fields.isPresent(index), fieldTypes[index] != .string {
            writer.int64(fields.integer(index))
        } else {
            idScratch.withUnsafeBytes { writer.string(utf8: $0) }
        }
        writer.key("key")
        if let key = fields.key { writer.string(utf8: key) } else { writer.null() }
        writer.key("event_time")
        writer.int64(fields.eventTime)
        writer.key("model")
        writer.string(binding.specification.name)
        writer.key("model_version")
        writer.string(binding.loaded.version)
        writer.key("topology_version")
        writer.string(pipeline.topology.contentHash)
        writer.key("features")
        writer.beginObject()
        for (position, input) in binding.inputIndices.enumerated() {
            inputNames[input].withUnsafeBytes { writer.key(utf8: $0) }
            writer.double(modelInput[position])
        }
        writer.endObject()
        writer.endObject()
    }

    /// Copies what shadows and monitoring need of the event (its id already in `idScratch`) into the lane's side
    /// batch.
    private func collectForSide(_ batch: ScoredBatchBuilder, _ binding: ModelBinding) {
        let (score, decision) = ShadowRunner.decide(
            scores, base: 0, objective: binding.loaded.model.objective,
            threshold: binding.specification.threshold)
        idScratch.withUnsafeBytes { id in
            batch.append(
                score: score, decision: decision, eventTime: fields.eventTime, id: id, key: fields.key,
                model: binding
            ) { inputs in
                for index in inputs.indices { inputs[index] = inputVector[index] }
            }
        }
    }

    /// `{"id", "key", "model", "model_version", "score" | "scores" and "class", "decision", "threshold", "event_time",
    /// "scoring_latency_us", "topology", "topology_version"}`.
    private func encodePrediction(_ binding: ModelBinding, record: InputRecord, latencyNanoseconds: Int) {
        writer.reset()
        writer.beginObject()
        writer.key("id")
        writeEventID(record)
        writer.key("key")
        if let key = fields.key { writer.string(utf8: key) } else { writer.null() }
        writer.key("model")
        writer.string(binding.specification.name)
        writer.key("model_version")
        writer.string(binding.loaded.version)
        switch binding.loaded.model.objective {
        case .binaryLogistic:
            writer.key("score")
            writer.double(scores[0])
            writer.key("decision")
            writer.bool(scores[0] >= binding.specification.threshold)
            writer.key("threshold")
            writer.double(binding.specification.threshold)
        case .regression:
            writer.key("score")
            writer.double(scores[0])
        case .multiclassSoftmax(let classCount):
            writer.key("scores")
            writer.beginArray()
            var best = 0
            for index in 0..<classCount {
                writer.double(scores[index])
                if scores[index] > scores[best] { best = index }
            }
            writer.endArray()
            writer.key("class")
            writer.int64(Int64(best))
        }
        writer.key("event_time")
        writer.int64(fields.eventTime)
        writer.key("scoring_latency_us")
        writer.double(Double(latencyNanoseconds) / 1000)
        writer.key("topology")
        writer.string(pipeline.topology.name)
        writer.key("topology_version")
        writer.string(pipeline.topology.contentHash)
        writer.endObject()
    }

    /// The event's id: the `source.id` field, or `topic/partition/offset`.
    private func writeEventID(_ record: InputRecord) {
        if let index = pipeline.idFieldIndex, fields.isPresent(index) {
            if fieldTypes[index] == .string {
                writer.string(utf8: fields.stringBytes(index))
            } else {
                writer.int64(fields.integer(index))
            }
        } else {
            writer.string("\(record.source.topic)/\(record.source.partition)/\(record.source.offset)")
        }
    }

    /// Counts the late windows and, when one of them dead-letters late events, says why.
    private func lateRejection(_ result: WindowProcessResult, _ windows: WindowStage) -> EventRejection? {
        if result.isTimeOutOfRange {
            return EventRejection(
                .invalidTimestamp,
                message: "event time \(fields.eventTime) is out of the range "
                    + "windows accept (±2^53 ms)")
        }
        var deadLettering: [String] = []
        for (index, window) in pipeline.topology.windows.enumerated() where result.lateWindows.contains(window: index) {
            lateSinceTick[index] += 1
            if window.lateEvents == .deadLetter { deadLettering.append(window.name) }
        }
        guard let first = deadLettering.first, let index = windows.engine.windowIndex(named: first) else { return nil }
        let watermark = windows.engine.watermark(window: index) ?? 0
        return EventRejection(
            .lateEvent, field: pipeline.topology.source.eventTimeField,
            message: "event time "
                + "\(fields.eventTime) is too late for window\(deadLettering.count > 1 ? "s" : "") "
                + "\(deadLettering.joined(separator: ", ")): the window holding it closed at watermark \(watermark)")
    }

    /// The key field's value (strings as they are, numbers in decimal), or the Kafka key.
    private func eventKey(_ record: InputRecord) -> UnsafeRawBufferPointer? {
        guard let index = pipeline.keyFieldIndex else { return record.key }
        guard fields.isPresent(index) else { return nil }
        if fields.schema[index].type == .string { return fields.stringBytes(index) }
        return writeDecimal(fields.integer(index), into: keyDigits)
    }

    /// The valid event as a JSON object of its schema fields with their typed values, and optionally the window
    /// values as of this event (`"card_10m.total": 12.5`; null where missing or late) and the feature columns.
    private func encodeEvent(withWindowValues: Bool) {
        writer.reset()
        writer.beginObject()
        for index in 0..<fieldTypes.count where fields.isPresent(index) {
            fieldNames[index].withUnsafeBytes { writer.key(utf8: $0) }
            switch fieldTypes[index] {
            case .string: writer.string(utf8: fields.stringBytes(index))
            case .int, .timestamp: writer.int64(fields.integer(index))
            case .double: writer.double(fields.number(index))
            case .bool: writer.bool(fields.number(index) != 0)
            }
        }
        if withWindowValues {
            for index in fieldTypes.count..<pipeline.featureInputNames.count {
                inputNames[index].withUnsafeBytes { writer.key(utf8: $0) }
                writer.double(inputVector[index])
            }
        }
        writer.endObject()
    }

    func deadLetter(_ rejection: EventRejection, _ record: InputRecord, _ emitter: any OutputEmitter) throws {
        pipeline.metrics.countDeadLetter(rejection.reason)
        DeadLetterRecord.encode(
            rejection, record: record, topology: pipeline.topology.name, wallClock: wallClock,
            into: &writer, scratch: &scratch)
        try writer.withBytes { try emitter.emit(to: pipeline.deadLetterSink, key: record.key, value: $0) }
    }
}

/// The processor of a topology with windows: its window state is restored from, and flushed to, the
/// changelog.
///
/// Changelog records of a partition: key = keyspace index (1 byte) + the key's bytes, value = the key's
/// encoded window state (nil: the key holds none any more); and after each flush a progress record, key =
/// 0xFF + "progress", value = the input position the flush covers (8 bytes, big-endian) + the engine's
/// progress. A restore applies only records before the last progress record: a flush cut short by a crash
/// is ignored as a whole.
final class StatefulTopologyProcessor: TopologyProcessor, StatefulEventProcessor {
    static let progressKey: [UInt8] = [0xFF] + Array("progress".utf8)
    private var pendingRestore: [[UInt8]: [UInt8]?] = [:]
    private var restored: [[UInt8]: [UInt8]] = [:]
    private var restoredProgress: (position: Int64, engine: [UInt8])?
    private var keyBuffer: [UInt8] = []
    private var progressBuffer: [UInt8] = []
    /// The engine's progress encoded by the last `flushChanges`, written by the next `writeProgress`.
    private var flushedEngineProgress: [UInt8] = []

    var changelogSink: Int { pipeline.changelogSink! }
    var stateFlushInterval: Int64 { pipeline.topology.state.flushInterval }

    func restoreRecord(key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer?) throws {
        if key.elementsEqual(Self.progressKey) {
            guard let value, value.count >= 8 else {
                throw WindowError(.corruptState, "a changelog progress record has \(value?.count ?? 0) bytes")
            }
            for (record, state) in pendingRestore {
                if let state { restored[record] = state } else { restored[record] = nil }
            }
            pendingRestore.removeAll(keepingCapacity: true)
            let position = value.prefix(8).reduce(Int64(0)) { $0 << 8 | Int64($1) }
            restoredProgress = (position, Array(value.dropFirst(8)))
        } else {
            pendingRestore[Array(key)] = value.map { Array($0) }
        }
    }

    func finishRestore() throws -> Int64? {
        pendingRestore.removeAll()
        defer { restored.removeAll() }
        guard let progress = restoredProgress, let windows else { return nil }
        try progress.engine.withUnsafeBytes { try windows.engine.restoreProgress($0) }
        for (record, state) in restored {
            guard let keyspace = record.first.map(Int.init) else { continue }
            try record.withUnsafeBytes { key in
                try state.withUnsafeBytes { state in
                    try windows.engine.restore(
                        keyspace: keyspace, key: UnsafeRawBufferPointer(rebasing: key.dropFirst()),
                        state: state)
                }
            }
        }
        return progress.position
    }

    func flushChanges(partition: Int32, emitter: any OutputEmitter) throws {
        guard let windows else { return }
        try windows.engine.flushChanges { change in
            keyBuffer.removeAll(keepingCapacity: true)
            keyBuffer.append(UInt8(change.keyspace))
            keyBuffer.append(contentsOf: change.key)
            try keyBuffer.withUnsafeBytes { key in
                try emitter.emit(to: changelogSink, key: key, value: change.state, partition: partition)
            }
        }
        // The engine's progress as of these changes: events processed before the progress record is written must
        // not show in it.
        flushedEngineProgress.removeAll(keepingCapacity: true)
        windows.engine.encodeProgress(into: &flushedEngineProgress)
    }

    func writeProgress(position: Int64, partition: Int32, emitter: any OutputEmitter) throws {
        guard windows != nil else { return }
        progressBuffer.removeAll(keepingCapacity: true)
        for shift in stride(from: 56, through: 0, by: -8) {
            progressBuffer.append(UInt8(truncatingIfNeeded: position >> shift))
        }
        progressBuffer.append(contentsOf: flushedEngineProgress)
        try Self.progressKey.withUnsafeBytes { key in
            try progressBuffer.withUnsafeBytes { value in
                try emitter.emit(to: changelogSink, key: key, value: value, partition: partition)
            }
        }
    }
}

/// Milliseconds since the epoch, now.
func currentWallClock() -> Int64 {
    Int64(Date().timeIntervalSince1970 * 1000)
}
