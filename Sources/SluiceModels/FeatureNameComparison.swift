/// How a model's feature names compare with the feature names a topology provides.
public struct FeatureNameComparison: Sendable, Hashable {
    /// Names the model reads that are not provided, in model order.
    public let missing: [String]
    /// Names provided that the model does not read, in provided order.
    public let extra: [String]
    /// Names that occur more than once in the provided list.
    public let duplicates: [String]
    /// For each model feature, its position in the provided list; nil when some are missing. With
    /// this a caller gathers the model's input row from the topology's feature vector.
    public let providedIndices: [Int]?
    /// Whether the provided list is exactly the model's features in the model's order.
    public let isExactMatch: Bool

    /// Compares `modelFeatures` (what the model reads, in its input order) with `provided`.
    public init(modelFeatures: [String], provided: [String]) {
        var firstIndex: [String: Int] = [:]
        var duplicates: [String] = []
        for (index, name) in provided.enumerated() {
            if firstIndex[name] == nil {
                firstIndex[name] = index
            } else if !duplicates.contains(name) {
                duplicates.append(name)
            }
        }
        let modelSet = Set(modelFeatures)
        missing = modelFeatures.filter { firstIndex[$0] == nil }
        var seenExtra = Set<String>()
        extra = provided.filter { !modelSet.contains($0) && seenExtra.insert($0).inserted }
        self.duplicates = duplicates
        providedIndices = missing.isEmpty ? modelFeatures.map { firstIndex[$0]! } : nil
        isExactMatch = modelFeatures == provided
    }

    /// Whether the model can be fed from the provided features: nothing missing, nothing ambiguous.
    public var isCompatible: Bool { missing.isEmpty && duplicates.isEmpty }

    /// A one-paragraph explanation of what does not match, or nil when nothing does that matters.
    public func problem(allowExtra: Bool = true) -> String? {
        var parts: [String] = []
        if !missing.isEmpty {
            parts.append(
                "the model needs \(missing.count) feature(s) the topology does not provide: "
                    + missing.joined(separator: ", "))
        }
        if !duplicates.isEmpty {
            parts.append("provided more than once: " + duplicates.joined(separator: ", "))
        }
        if !allowExtra && !extra.isEmpty {
            parts.append("provided but not read by the model: " + extra.joined(separator: ", "))
        }
        return parts.isEmpty ? nil : parts.joined(separator: "; ")
    }
}
