import SluiceCore

/// Loads model files: reads the bytes, detects or checks the format, parses and validates the model,
/// flattens it for evaluation and versions it by the content hash.
public enum ModelLoader {
    /// Loads the model at `path`.
    /// - Parameters:
    ///   - path: the model file.
    ///   - format: the expected format; nil detects it from the content. When given and the content
    ///     is another format, loading fails with `formatMismatch`. Default: nil.
    public static func load(path: String, format: ModelFormat? = nil) throws(ModelError) -> LoadedModel {
        let bytes = try ModelFile.read(path: path)
        return try load(bytes: bytes, path: path, format: format)
    }

    /// Loads a model from bytes already in memory; `path` names it in errors and in the result.
    public static func load(bytes: [UInt8], path: String, format: ModelFormat? = nil) throws(ModelError) -> LoadedModel
    {
        let sniffed = ModelFileSniffer.sniff(bytes)
        let detected: ModelFormat?
        var document: JSONValue?
        switch sniffed {
        case .lightgbm:
            detected = .lightgbm
        case .json(let parsed):
            document = parsed
            detected = parsed.isXGBoost ? .xgboost : parsed.isSluiceLinear ? .linear : nil
        case .invalidJSON(let failure):
            if format == nil || format == .xgboost || format == .linear {
                let position = failure.isEndOfInput ? "end of file" : "byte \(failure.offset)"
                throw ModelError(
                    failure.isEndOfInput ? .truncated : .malformed, path: path, location: position,
                    "invalid JSON: \(failure.message)")
            }
            throw ModelError(
                .formatMismatch, path: path,
                "expected a LightGBM text model (first line \"tree\"), found JSON")
        case .unknown(let reason):
            throw ModelError(.unrecognizedFormat, path: path, reason)
        }

        let chosen: ModelFormat
        switch (format, detected) {
        case (nil, let found?):
            chosen = found
        case (nil, nil):
            throw ModelError(
                .unrecognizedFormat, path: path,
                "JSON without an xgboost \"learner\" object or \"format\": \"sluice-linear\"")
        case (let wanted?, let found?) where wanted != found:
            throw ModelError(
                .formatMismatch, path: path,
                "expected a \(describe(wanted)), but the file is a \(describe(found))")
        case (let wanted?, _):
            chosen = wanted
        }

        let model: any ScoringModel
        switch chosen {
        case .xgboost:
            guard let document, detected == .xgboost else {
                throw ModelError(
                    .malformed, path: path, location: "learner",
                    "an xgboost JSON model has a top-level \"learner\" object")
            }
            model = try XGBoostModel.load(document: document, path: path)
        case .lightgbm:
            model = try LightGBMModel.load(bytes: bytes, path: path)
        case .linear:
            guard let document, detected == .linear else {
                throw ModelError(
                    .malformed, path: path, location: "format",
                    "a sluice-linear model has \"format\": \"sluice-linear\" at the top level")
            }
            model = try LinearModel.load(document: document, path: path)
        }
        return LoadedModel(model: model, format: chosen, path: path, contentHash: ContentHash.sha256Hex(bytes))
    }

    private static func describe(_ format: ModelFormat) -> String {
        switch format {
        case .xgboost: "XGBoost JSON model"
        case .lightgbm: "LightGBM text model"
        case .linear: "sluice-linear JSON model"
        }
    }
}
