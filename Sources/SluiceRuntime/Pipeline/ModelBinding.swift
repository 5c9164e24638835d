import Foundation
public import SluiceCore
public import SluiceModels
import Synchronization

/// A loaded model bound to a pipeline's feature inputs: which input feeds each of the model's features.
public final class ModelBinding: Sendable {
    /// The model as declared in the topology.
    public let specification: ModelSpecification
    /// The model, its format and version (content hash).
    public let loaded: LoadedModel
    /// For each model feature, its index in the pipeline's feature inputs.
    let inputIndices: [Int]

    /// Loads `specification`'s file and binds its features to `inputNames`; fails with a message naming the
    /// missing and extra features when they do not agree.
    public convenience init(specification: ModelSpecification, inputNames: [String]) throws {
        let loaded = try ModelLoader.load(
            path: specification.path, format: specification.format.flatMap(ModelFormat.init(rawValue:)))
        try self.init(specification: specification, loaded: loaded, inputNames: inputNames)
    }

    /// Binds an already loaded model to `inputNames`.
    public init(specification: ModelSpecification, loaded: LoadedModel, inputNames: [String]) throws {
        self.specification = specification
        self.loaded = loaded
        let modelFeatures = loaded.model.featureNames
        let names: [String]
        if let declared = specification.features {
            guard declared.count == modelFeatures.count else {
                throw ModelBindingError(
                    "model '\(specification.name)' reads \(modelFeatures.count) features but the topology lists "
                        + "\(declared.count) under 'features'")
            }
            names = declared
        } else {
            names = modelFeatures
        }
        var indices: [Int] = []
        var missing: [String] = []
        for name in names {
            if let index = inputNames.firstIndex(of: name) { indices.append(index) } else { missing.append(name) }
        }
        guard missing.isEmpty else {
            var message =
                "model '\(specification.name)' (\(specification.path)) needs feature"
                + "\(missing.count == 1 ? "" : "s") \(missing.map { "'\($0)'" }.joined(separator: ", ")) that the "
                + "topology does not compute"
            let suggestions = missing.compactMap { name in
                NameSuggestion.closest(to: name, among: inputNames).map { "'\(name)' → '\($0)'?" }
            }
            if !suggestions.isEmpty { message += "; close names: \(suggestions.joined(separator: ", "))" }
            message += ". Available: \(inputNames.joined(separator: ", "))"
            throw ModelBindingError(message)
        }
        inputIndices = indices
    }

    /// The model's name and version, as `name@version`.
    public var label: String { "\(specification.name)@\(loaded.version)" }
}

/// A model and its features that do not fit together.
public struct ModelBindingError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

/// The current binding of one model role, replaced atomically on reload or promotion. Lanes check the
/// generation (an atomic load) before each event and fetch the new binding only when it changed.
public final class ModelSlot: Sendable {
    private let binding: Mutex<ModelBinding>
    /// Bumped on every replacement.
    let generation = Atomic<Int>(0)

    init(_ binding: ModelBinding) {
        self.binding = Mutex(binding)
    }

    /// The binding now in place.
    public var current: ModelBinding { binding.withLock { $0 } }

    /// Puts `replacement` in place; events scored after this returns use it.
    func replace(with replacement: ModelBinding) {
        binding.withLock { $0 = replacement }
        generation.add(1, ordering: .releasing)
    }
}
