import Foundation

extension TopologyLoader {
    static func readModels(_ node: TopologyNode, reader: TopologyReader) -> ModelsSpecification {
        var models = ModelsSpecification()
        guard let entries = reader.mapping(node, known: ["primary", "shadows"], required: ["primary"]) else {
            return models
        }
        for (key, child) in entries {
            switch key {
            case "primary": models.primary = readModel(child, reader: reader, isShadow: false)
            case "shadows":
                guard case .sequence(let items) = child.node else {
                    reader.report(child, "'models.shadows' must be a list of models")
                    continue
                }
                for (index, item) in items.enumerated() {
                    if let model = readModel(
                        child.child("\(index)", item, file: reader.file), reader: reader, isShadow: true)
                    {
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

    private static func readModel(_ node: TopologyNode, reader: TopologyReader, isShadow: Bool)
        -> ModelSpecification?
    {
        let known = ["name", "path", "format", "threshold", "features", "priority"]
        guard let entries = reader.mapping(node, known: known, required: ["name", "path"], what: "model settings")
        else {
            return nil
        }
        var model = ModelSpecification(name: "", path: "", location: node.location)
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
            case "priority":
                guard isShadow else {
                    reader.report(
                        child, "'priority' applies to shadow models only: the primary is scored on the lanes")
                    continue
                }
                guard let text = reader.string(child) else { continue }
                if let priority = ShadowPriority(rawValue: text) {
                    model.shadowPriority = priority
                } else {
                    let priorities = ShadowPriority.allCases.map(\.rawValue)
                    reader.report(
                        child,
                        "'\(child.path)' must be one of: \(priorities.joined(separator: ", ")); found '\(text)'",
                        suggestion: NameSuggestion.closest(to: text, among: priorities).map { "did you mean '\($0)'?" })
                }
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
