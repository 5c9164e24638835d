import Foundation

extension TopologyLoader {
    static func readModels(_ node: TopologyNode, reader: TopologyReader) -> ModelsSpecification {
        var models = ModelsSpecification()
        guard let entries = reader.mapping(node, known: ["primary", "shadows"], required: ["primary"]) else {
            return models
        }
        for (key, child) in entries {
            switch key {
            case "primary": models.primary = readModel(child, reader: reader)
            case "shadows":
                guard case .sequence(let items) = child.node else {
                    reader.report(child, "'models.shadows' must be a list of models")
                    continue
                }
                for (index, item) in items.enumerated() {
                    if let model = readModel(child.child("\(index)", item, file: reader.file), reader: reader) {
                        models.shadows.append(model)
                    }
                }
            default: break
            }
        }
        var names: Set<String> = []
        for model in models.all {
            if !names.insert(model.name).inserted {
                reader.report(model.location, "two models are named '\(model.name)'; each model needs its own name")
            }
        }
        return models
    }

    private static func readModel(_ node: TopologyNode, reader: TopologyReader) -> ModelSpecification? {
        let known = ["name", "path", "format", "threshold", "features"]
        guard let entries = reader.mapping(node, known: known, required: ["name", "path"], what: "model settings")
        else {
            return nil
        }
        var model = ModelSpecification(
            name: "", path: "", format: nil, threshold: 0.5, features: nil,
            location: node.location)
        for (key, child) in entries {
            switch key {
            case "name": model.name = reader.string(child) ?? ""
            case "path":
                guard let path = reader.string(child) else { continue }
                let resolved = resolve(path, relativeTo: reader.file)
                if reader.requiresModelFiles, !FileManager.default.fileExists(atPath: resolved) {
                    reader.report(child, "model file '\(path)' does not exist (looked for \(resolved))")
                }
                model.path = resolved
            case "format":
                guard let format = reader.string(child) else { continue }
                let formats = ["xgboost", "lightgbm", "linear"]
                if formats.contains(format) {
                    model.format = format
                } else {
                    reader.report(
                        child,
                        "'\(child.path)' must be one of: \(formats.joined(separator: ", ")); found "
                            + "'\(format)'",
                        suggestion: NameSuggestion.closest(to: format, among: formats)
                            .map { "did you mean '\($0)'?" })
                }
            case "threshold": model.threshold = reader.number(child) ?? 0.5
            case "features": model.features = reader.stringList(child)
            default: break
            }
        }
        guard !model.name.isEmpty, !model.path.isEmpty else { return nil }
        return model
    }

    /// `path` as given if absolute, else relative to the directory of `file`.
    static func resolve(_ path: String, relativeTo file: String) -> String {
        if path.hasPrefix("/") { return path }
        let directory = (file as NSString).deletingLastPathComponent
        return directory.isEmpty ? path : (directory as NSString).appendingPathComponent(path)
    }
}
