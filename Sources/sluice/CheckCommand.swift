import ArgumentParser
import SluiceCore
import SluiceRuntime

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check a topology file and summarize the pipeline it describes.",
        discussion: """
            Loads TOPOLOGY the way `sluice run` would and checks everything up front: its structure, field \
            types and rules, names that must refer to each other, window definitions, feature expressions \
            (names, types, functions) and model files against the features they need. Every problem is printed as \
            file:line:column: error: message, with a suggestion when one is obvious, and the command exits \
            with status 1. A valid topology prints a short summary and exits 0.
            """
    )

    @Argument(help: "The topology file (YAML).")
    var topology: String

    func run() throws {
        let loaded: Topology
        do {
            loaded = try TopologyLoader.load(file: topology)
        } catch {
            printOutput(error.description)
            let count = error.diagnostics.count
            printError("\(topology): \(count) problem\(count == 1 ? "" : "s") found")
            throw ExitCode(1)
        }
        let pipeline: TopologyPipeline
        do {
            pipeline = try TopologyPipeline(topology: loaded)
        } catch let error as TopologyError {
            printOutput(error.description)
            let count = error.diagnostics.count
            printError("\(topology): \(count) problem\(count == 1 ? "" : "s") found")
            throw ExitCode(1)
        } catch {
            printOutput("\(topology): error: \(error)")
            throw ExitCode(1)
        }
        printOutput(TopologySummary.describe(loaded, featureColumns: pipeline.featureColumnNames))
    }
}

/// A short, human-readable description of a valid topology.
enum TopologySummary {
    static func describe(_ topology: Topology, featureColumns: [String]) -> String {
        let source = topology.source
        var lines = ["\(topology.file): valid", "  pipeline  \(topology.name)"]
        if let description = topology.description { lines.append("            \(description)") }
        var sourceLine = "  source    \(source.topic) (\(source.format.rawValue))"
        sourceLine += ", key " + (source.keyField ?? "from the Kafka message key")
        sourceLine += ", event time " + (source.eventTimeField ?? "from the Kafka timestamp")
        lines.append(sourceLine)
        lines.append("  schema    \(source.fields.count) field\(source.fields.count == 1 ? "" : "s")")
        for field in source.fields {
            var rules: [String] = [field.type.rawValue]
            if field.path != field.name { rules.append("at \(field.path)") }
            if field.isRequired { rules.append("required") }
            if field.minimum != nil || field.maximum != nil {
                rules.append("in [\(field.minimum.map(plain) ?? "-∞"), \(field.maximum.map(plain) ?? "∞")]")
            }
            if let values = field.allowedValues { rules.append("one of \(values.joined(separator: "|"))") }
            if field.minimumLength != nil || field.maximumLength != nil {
                rules.append("length \(field.minimumLength ?? 0)...\(field.maximumLength.map(String.init) ?? "")")
            }
            if let unit = field.timestampUnit { rules.append("unit \(unit.rawValue)") }
            lines.append("            \(field.name): \(rules.joined(separator: ", "))")
        }
        if !topology.windows.isEmpty {
            lines.append(
                "  windows   "
                    + topology.windows.map { "\($0.name) (\($0.aggregates.count) aggregates)" }
                    .joined(separator: ", "))
        }
        if !topology.features.isEmpty {
            let columns = featureColumns.count
            lines.append(
                "  features  \(topology.features.count), \(columns) column\(columns == 1 ? "" : "s"): "
                    + topology.features.map(\.name).joined(separator: ", "))
        }
        if let primary = topology.models.primary {
            lines.append(
                "  models    primary \(primary.name)"
                    + topology.models.shadows.map { ", shadow \($0.name)" }.joined())
        }
        let sinks = topology.sinks.topicsByRole.map { "\($0.role) → \($0.topic)" }.joined(separator: ", ")
        lines.append("  sinks     \(sinks)")
        return lines.joined(separator: "\n")
    }

    /// `1000000` rather than `1000000.0`, `0.5` as is.
    private static func plain(_ number: Double) -> String {
        number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : String(number)
    }
}
