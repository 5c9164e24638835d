extension TopologyLoader {
    static let driftStatistics = ["psi", "ks", "ks_p", "js", "wasserstein", "chi2_p"]

    static func readDrift(_ node: TopologyNode, reader: TopologyReader) -> DriftSpecification? {
        let known = [
            "reference", "features", "every", "every_time", "statistics", "thresholds", "scores", "alerts",
            "webhook",
        ]
        guard let entries = reader.mapping(node, known: known, required: ["reference"], what: "drift settings") else {
            return nil
        }
        var drift = DriftSpecification(reference: "", location: node.location)
        for (key, child) in entries {
            switch key {
            case "reference":
                guard let path = reader.string(child) else { continue }
                drift.reference = resolve(path, relativeTo: reader.file)
            case "features": drift.features = reader.stringList(child)
            case "every": drift.windowEvents = reader.int(child, in: 1...100_000_000) ?? drift.windowEvents
            case "every_time": drift.windowMilliseconds = reader.duration(child) ?? 0
            case "statistics":
                guard let names = reader.stringList(child) else { continue }
                for name in names where !driftStatistics.contains(name) {
                    reader.report(
                        child,
                        "unknown drift statistic '\(name)'; expected one of: "
                            + driftStatistics.joined(separator: ", "),
                        suggestion: NameSuggestion.closest(to: name, among: driftStatistics)
                            .map { "did you mean '\($0)'?" })
                }
                drift.statistics = names
            case "thresholds":
                guard let statistics = reader.mapping(child, known: driftStatistics) else { continue }
                for (statistic, limits) in statistics {
                    guard let pair = reader.mapping(limits, known: ["warn", "alert"], required: ["warn", "alert"])
                    else {
                        continue
                    }
                    var warning = 0.0
                    var critical = 0.0
                    for (level, value) in pair {
                        if level == "warn" {
                            warning = reader.number(value) ?? 0
                        } else {
                            critical = reader.number(value) ?? 0
                        }
                    }
                    drift.thresholds[statistic] = (warning, critical)
                }
            case "scores":
                guard let settings = reader.mapping(child, known: ["detector", "delta", "threshold"]) else { continue }
                for (setting, value) in settings {
                    switch setting {
                    case "detector":
                        guard let name = reader.string(value) else { continue }
                        let detectors = ["adwin", "page_hinkley", "none"]
                        if detectors.contains(name) {
                            drift.scoreDetector = name == "none" ? nil : name
                        } else {
                            reader.report(value, "'\(value.path)' must be adwin, page_hinkley or none, found '\(name)'")
                        }
                    default: drift.detectorParameter = reader.number(value)
                    }
                }
            case "alerts":
                guard let settings = reader.mapping(child, known: ["consecutive", "resolve", "cooldown"]) else {
                    continue
                }
                for (setting, value) in settings {
                    switch setting {
                    case "consecutive": drift.consecutiveWindows = reader.int(value, in: 1...1000) ?? 3
                    case "resolve": drift.resolveWindows = reader.int(value, in: 1...1000) ?? 3
                    default: drift.cooldownMilliseconds = reader.duration(value) ?? drift.cooldownMilliseconds
                    }
                }
            case "webhook":
                guard
                    let settings = reader.mapping(
                        child, known: ["url", "timeout", "attempts", "queue"],
                        required: ["url"])
                else { continue }
                var webhook = WebhookSpecification(url: "")
                for (setting, value) in settings {
                    switch setting {
                    case "url":
                        let url = reader.string(value) ?? ""
                        if !(url.hasPrefix("http://") || url.hasPrefix("https://")) {
                            reader.report(value, "'\(value.path)' must be an http:// or https:// URL, found '\(url)'")
                        }
                        webhook.url = url
                    case "timeout": webhook.timeoutMilliseconds = reader.duration(value) ?? webhook.timeoutMilliseconds
                    case "attempts": webhook.attempts = reader.int(value, in: 1...100) ?? webhook.attempts
                    default: webhook.queueCapacity = reader.int(value, in: 1...1_000_000) ?? webhook.queueCapacity
                    }
                }
                drift.webhook = webhook
            default: break
            }
        }
        return drift.reference.isEmpty ? nil : drift
    }
}

extension TopologyLoader {
    static func readLabels(_ node: TopologyNode, reader: TopologyReader) -> LabelsSpecification? {
        guard
            let entries = reader.mapping(
                node, known: ["topic", "id", "outcome", "horizon"],
                required: ["topic", "id", "outcome"], what: "label settings")
        else { return nil }
        var labels = LabelsSpecification(topic: "", idPath: "", outcomePath: "", location: node.location)
        for (key, child) in entries {
            switch key {
            case "topic": labels.topic = reader.string(child) ?? ""
            case "id": labels.idPath = reader.string(child) ?? ""
            case "outcome": labels.outcomePath = reader.string(child) ?? ""
            default: labels.horizonMilliseconds = reader.duration(child) ?? labels.horizonMilliseconds
            }
        }
        return labels.topic.isEmpty || labels.idPath.isEmpty || labels.outcomePath.isEmpty ? nil : labels
    }
}
