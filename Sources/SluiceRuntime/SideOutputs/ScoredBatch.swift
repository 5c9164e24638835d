import Synchronization

/// What shadows and drift monitoring need of one lane batch, copied out of the lane: for each scored event its
/// feature inputs (schema fields, window values, features), the primary's score and decision, its event time,
/// id and key. Immutable once built, so several side queues can read it at once.
final class ScoredBatch: Sendable {
    /// Events in the batch.
    let count: Int
    /// Feature inputs per event (the pipeline's `featureInputNames`).
    let inputCount: Int
    /// Row-major feature inputs, `inputCount` per event.
    let inputs: [Double]
    let primaryScores: [Double]
    let primaryDecisions: [Int]
    let eventTimes: [Int64]
    /// The events' ids and keys as UTF-8, concatenated; `textEnds[2i]` ends event i's id, `textEnds[2i+1]` its key.
    let text: [UInt8]
    let textEnds: [Int]
    /// The primary model that scored the batch.
    let primaryModel: String
    let primaryVersion: String
    /// Whether ids are integers (written as JSON numbers, as in predictions) rather than strings.
    let idsAreIntegers: Bool
    /// Shadows that still need the batch: set by the lane before it hands the batch to them; the shadow that
    /// brings it to 0 gives the batch to a ``LaneReleaseList`` (which then alone uses `releaseLink`).
    let shadowsHolding = Atomic<Int>(0)
    /// The address of the batch pushed before this one onto a ``LaneReleaseList``, 0 for none.
    let releaseLink = Atomic<UInt>(0)

    fileprivate init(builder: ScoredBatchBuilder) {
        idsAreIntegers = builder.idsAreIntegers
        count = builder.primaryScores.count
        inputCount = builder.inputCount
        inputs = builder.inputs
        primaryScores = builder.primaryScores
        primaryDecisions = builder.primaryDecisions
        eventTimes = builder.eventTimes
        text = builder.text
        textEnds = builder.textEnds
        primaryModel = builder.primaryModel
        primaryVersion = builder.primaryVersion
    }

    /// Event `index`'s id bytes.
    func id(_ index: Int) -> ArraySlice<UInt8> {
        text[(index == 0 ? 0 : textEnds[2 * index - 1])..<textEnds[2 * index]]
    }

    /// Event `index`'s key bytes.
    func key(_ index: Int) -> ArraySlice<UInt8> {
        text[textEnds[2 * index]..<textEnds[2 * index + 1]]
    }

    /// Event `index`'s feature inputs.
    func inputs(_ index: Int) -> ArraySlice<Double> {
        inputs[(index * inputCount)..<((index + 1) * inputCount)]
    }
}

/// Collects a lane's batch for the side queues; reused batch after batch by one lane.
final class ScoredBatchBuilder {
    let inputCount: Int
    let idsAreIntegers: Bool
    fileprivate var inputs: [Double] = []
    fileprivate var primaryScores: [Double] = []
    fileprivate var primaryDecisions: [Int] = []
    fileprivate var eventTimes: [Int64] = []
    fileprivate var text: [UInt8] = []
    fileprivate var textEnds: [Int] = []
    fileprivate var primaryModel = ""
    fileprivate var primaryVersion = ""

    init(inputCount: Int, idsAreIntegers: Bool) {
        self.inputCount = inputCount
        self.idsAreIntegers = idsAreIntegers
    }

    var isEmpty: Bool { primaryScores.isEmpty }

    /// Adds one scored event of `model`; `writeInputs` fills its `inputCount` feature inputs.
    func append(
        score: Double, decision: Int, eventTime: Int64, id: UnsafeRawBufferPointer,
        key: UnsafeRawBufferPointer?, model: ModelBinding,
        writeInputs: (UnsafeMutableBufferPointer<Double>) -> Void
    ) {
        append(
            score: score, decision: decision, eventTime: eventTime, id: id, key: key,
            modelName: model.specification.name, modelVersion: model.loaded.version, writeInputs: writeInputs)
    }

    /// Adds one scored event of the model named `modelName` at `modelVersion`.
    func append(
        score: Double, decision: Int, eventTime: Int64, id: UnsafeRawBufferPointer,
        key: UnsafeRawBufferPointer?, modelName: String, modelVersion: String,
        writeInputs: (UnsafeMutableBufferPointer<Double>) -> Void
    ) {
        let start = inputs.count
        inputs.append(contentsOf: repeatElement(.nan, count: inputCount))
        inputs.withUnsafeMutableBufferPointer { writeInputs(UnsafeMutableBufferPointer(rebasing: $0[start...])) }
        primaryScores.append(score)
        primaryDecisions.append(decision)
        eventTimes.append(eventTime)
        text.append(contentsOf: id)
        textEnds.append(text.count)
        if let key { text.append(contentsOf: key) }
        textEnds.append(text.count)
        primaryModel = modelName
        primaryVersion = modelVersion
    }

    /// The batch so far, and a fresh start.
    func take() -> ScoredBatch {
        let batch = ScoredBatch(builder: self)
        inputs.removeAll(keepingCapacity: true)
        primaryScores.removeAll(keepingCapacity: true)
        primaryDecisions.removeAll(keepingCapacity: true)
        eventTimes.removeAll(keepingCapacity: true)
        text.removeAll(keepingCapacity: true)
        textEnds.removeAll(keepingCapacity: true)
        return batch
    }
}
