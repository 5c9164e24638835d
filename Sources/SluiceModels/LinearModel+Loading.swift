extension LinearModel {
    /// Builds the model from a parsed `sluice-linear` document; the schema is in docs/models.md.
    static func load(document: JSONValue, path: String) throws(ModelError) -> LinearModel {
        let reader = ModelFieldReader(path: path)
        let root = try reader.object(document, "top level")
        let formatName = try reader.string(root["format"], "format")
        guard formatName == "sluice-linear" else {
            throw reader.error(.formatMismatch, "format", "expected \"sluice-linear\", found \"\(formatName)\"")
        }
        if let version = root["version"] {
            let number = try reader.integer(version, "version")
            guard number == 1 else {
                throw reader.error(
                    .unsupportedModel, "version",
                    "sluice-linear version \(number) is newer than this "
                        + "Sluice understands (1)")
            }
        }
        let kind = try reader.string(root["kind"], "kind")
        let featureNames = try reader.strings(root["feature_names"], "feature_names")
        guard !featureNames.isEmpty else { throw reader.error(.malformed, "feature_names", "no features") }
        guard Set(featureNames).count == featureNames.count else {
            throw reader.error(.malformed, "feature_names", "feature names are not unique")
        }
        let width = featureNames.count

        // Coefficients: one flat row, or a list of rows (one per class).
        let coefficientValues = try reader.array(root["coefficients"], "coefficients")
        var rows: [[Double]] = []
        if case .array = coefficientValues.first {
            for (k, row) in coefficientValues.enumerated() {
                rows.append(try reader.numbers(row, "coefficients[\(k)]", as: Double.self))
            }
        } else {
            rows = [try reader.numbers(root["coefficients"], "coefficients", as: Double.self)]
        }
        for (k, row) in rows.enumerated() where row.count != width {
            throw reader.error(
                .malformed, rows.count == 1 ? "coefficients" : "coefficients[\(k)]",
                "\(row.count) coefficients for \(width) features")
        }
        var intercepts: [Double]
        switch root["intercept"] {
        case .array?:
            intercepts = try reader.numbers(root["intercept"], "intercept", as: Double.self)
        case nil:
            intercepts = Array(repeating: 0, count: rows.count)
        default:
            intercepts = [try reader.number(root["intercept"], "intercept", as: Double.self)]
        }
        guard intercepts.count == rows.count else {
            throw reader.error(
                .malformed, "intercept", "\(intercepts.count) intercepts for \(rows.count) coefficient rows")
        }
        guard rows.allSatisfy({ $0.allSatisfy(\.isFinite) }), intercepts.allSatisfy(\.isFinite) else {
            throw reader.error(.malformed, "coefficients", "coefficients and intercepts must be finite")
        }

        let objective: ModelObjective
        switch kind {
        case "linear":
            guard rows.count == 1 else {
                throw reader.error(.unsupportedModel, "coefficients", "multi-target linear models are not supported")
            }
            objective = .regression
        case "logistic":
            objective = rows.count == 1 ? .binaryLogistic : .multiclassSoftmax(classCount: rows.count)
        default:
            throw reader.error(
                .unsupportedObjective, "kind",
                "kind \"\(kind)\" is not supported; use \"linear\" or "
                    + "\"logistic\"")
        }

        var classLabels: [String] = []
        if let classes = root["classes"] {
            classLabels = try reader.strings(classes, "classes")
            let expected = objective == .binaryLogistic ? 2 : objective.outputCount
            guard objective != .regression, classLabels.count == expected else {
                throw reader.error(.malformed, "classes", "\(classLabels.count) class labels for this model")
            }
        }

        var policy = MissingPolicy.propagate
        if let missing = root["missing"] {
            let fields = try reader.object(missing, "missing")
            let name = try reader.string(fields["policy"], "missing.policy")
            switch name {
            case "propagate":
                policy = .propagate
            case "impute":
                let values = try reader.numbers(fields["values"], "missing.values", as: Double.self)
                guard values.count == width, values.allSatisfy(\.isFinite) else {
                    throw reader.error(.malformed, "missing.values", "need \(width) finite values, one per feature")
                }
                policy = .impute(values)
            default:
                throw reader.error(
                    .malformed, "missing.policy", "policy \"\(name)\" is not \"propagate\" or \"impute\"")
            }
        }
        return LinearModel(
            featureNames: featureNames, objective: objective, classLabels: classLabels,
            coefficients: rows.flatMap { $0 }, intercepts: intercepts, missingPolicy: policy)
    }
}
