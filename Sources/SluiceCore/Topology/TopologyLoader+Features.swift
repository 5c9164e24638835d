import Yams

extension TopologyLoader {
    /// `features: { name: expression, ... }` in file order. Names and expression strings are checked here; the
    /// expressions themselves are compiled (and their problems reported at their place in the file) when the
    /// pipeline is built.
    static func readFeatures(_ node: TopologyNode, reader: TopologyReader) -> [FeatureSpecification] {
        guard let entries = reader.namedEntries(node, what: "feature names to expressions") else { return [] }
        var features: [FeatureSpecification] = []
        for (name, value, keyLocation) in entries {
            guard isIdentifier(name) else {
                reader.report(
                    keyLocation,
                    "feature name '\(name)' must start with a letter or '_' and contain only "
                        + "letters, digits and '_'")
                continue
            }
            guard case .scalar(let scalar) = value.node, !scalar.string.isEmpty else {
                reader.report(
                    value,
                    "'\(value.path)' must be an expression written as a string, found "
                        + value.node.kindDescription)
                continue
            }
            // A quoted expression starts one column after its opening quote.
            var location = value.location
            if scalar.style == .singleQuoted || scalar.style == .doubleQuoted { location.column += 1 }
            features.append(FeatureSpecification(name: name, expression: scalar.string, location: location))
        }
        return features
    }

    /// `feature_log: { sample: 0.1 }`: the share of scored events whose feature vector is logged, 0...1.
    static func readFeatureLog(_ node: TopologyNode, reader: TopologyReader) -> Double {
        guard let entries = reader.mapping(node, known: ["sample"]) else { return 1 }
        var sample = 1.0
        for (_, child) in entries {
            guard let value = reader.number(child) else { continue }
            guard (0...1).contains(value) else {
                reader.report(child, "'feature_log.sample' is the share of events to log, from 0 to 1; found \(value)")
                continue
            }
            sample = value
        }
        return sample
    }
}
