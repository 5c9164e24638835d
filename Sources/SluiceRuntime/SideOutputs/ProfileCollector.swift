import SluiceCore
import SluiceModels
import SluiceMonitoring
import Synchronization

/// Builds a drift reference profile from training events run through the pipeline's own code: the monitored
/// feature inputs and every model's score distribution (the primary's and each shadow's).
final class ProfileCollector: SideConsumer, @unchecked Sendable {
    // @unchecked: used inline by one replay thread only.
    private var builder: ReferenceProfileBuilder
    private let features: [(input: Int, handle: ReferenceProfileBuilder.NumericHandle)]
    private let primaryHandle: ReferenceProfileBuilder.NumericHandle
    private let shadows: [(binding: ModelBinding, handle: ReferenceProfileBuilder.NumericHandle)]
    private var rows: [Double] = []
    private var outputs: [Double] = []

    init(name: String, pipeline: TopologyPipeline) throws {
        var builder = ReferenceProfileBuilder(name: name)
        guard let primary = pipeline.primary?.current else {
            throw ModelBindingError("a reference profile needs a primary model under 'models'")
        }
        features = try pipeline.monitoredFeatures.map { feature in
            guard let input = pipeline.featureInputNames.firstIndex(of: feature) else {
                throw ModelBindingError("drift monitors '\(feature)', which the pipeline does not compute")
            }
            return (input, builder.numericFeature(feature))
        }
        primaryHandle = builder.modelScore(primary.specification.name)
        shadows = pipeline.shadowBindings.map { ($0, builder.modelScore($0.specification.name)) }
        self.builder = builder
    }

    func submit(_ batch: ScoredBatch) {
        for event in 0..<batch.count {
            let base = event * batch.inputCount
            for feature in features {
                let value = batch.inputs[base + feature.input]
                if value.isNaN { builder.addNull(to: feature.handle) } else { builder.add(value, to: feature.handle) }
            }
            builder.add(batch.primaryScores[event], to: primaryHandle)
        }
        for shadow in shadows {
            let model = shadow.binding.loaded.model
            rows.removeAll(keepingCapacity: true)
            for event in 0..<batch.count {
                for input in shadow.binding.inputIndices { rows.append(batch.inputs[event * batch.inputCount + input]) }
            }
            outputs = [Double](repeating: 0, count: batch.count * model.outputCount)
            rows.withUnsafeBufferPointer { rows in
                outputs.withUnsafeMutableBufferPointer { model.scoreBatch(rows, rowCount: batch.count, into: $0) }
            }
            for event in 0..<batch.count {
                let (score, _) = ShadowRunner.decide(
                    outputs, base: event * model.outputCount, objective: model.objective,
                    threshold: shadow.binding.specification.threshold)
                builder.add(score, to: shadow.handle)
            }
        }
    }

    func build() throws -> ReferenceProfile {
        try builder.build()
    }
}
