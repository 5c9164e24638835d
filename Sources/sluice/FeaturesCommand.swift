import ArgumentParser
import Foundation
import SluiceCore
import SluiceRuntime

struct FeaturesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "features",
        abstract: "Print the model inputs a topology computes for each event of a file.",
        discussion: """
            Runs EVENTS through TOPOLOGY offline, with the same operator chain as `sluice run` (decoding, \
            validation, windows, feature expressions), and prints one JSON object per valid event on stdout: \
            its schema fields, every window value as of the event, and every feature column (`name`, or \
            `name=category` for one_hot). Missing values print as null. Invalid events are counted on stderr \
            with their reasons; nothing is written to Kafka.

            Use it to see what a model will be given, to debug an expression, or to build a training set that \
            matches production exactly.

            Example: sluice features topologies/demo.yaml --input events.jsonl | head -3
            """
    )

    @Argument(help: "The topology file (YAML).")
    var topology: String

    @Option(help: "The events file, one event per line.")
    var input: String

    @Option(
        help:
            "How input lines are written: payload (the event's JSON) or envelope ({key, timestamp, partition, value}).")
    var format: String = "payload"

    @OptionGroup var tableFiles: TableFileOptions

    func validate() throws {
        guard ReplayRunner.InputFormat(rawValue: format) != nil else {
            throw ValidationError("--format must be payload or envelope, found '\(format)'")
        }
    }

    func run() throws {
        var loaded: Topology
        do {
            loaded = try TopologyLoader.load(file: topology, requiringModelFiles: false)
        } catch {
            printError(error.description)
            throw ExitCode(1)
        }
        // Only the model inputs are wanted: no model is loaded (so features can be computed before a model is
        // trained on them), every other sink is left out, and drift and labels do not run.
        loaded.models = ModelsSpecification()
        loaded.sinks.events = nil
        loaded.sinks.predictions = nil
        loaded.sinks.shadow = nil
        loaded.sinks.alerts = nil
        loaded.sinks.windows = nil
        loaded.sinks.featureInputs = "feature-inputs"
        loaded.sinks.deadLetter = "dead-letter"
        loaded.drift = nil
        loaded.labels = nil
        let pipeline: TopologyPipeline
        do {
            try tableFiles.checkCovers(loaded)
            pipeline = try TopologyPipeline(topology: loaded, tableFiles: try tableFiles.files())
        } catch {
            printError("\(error)")
            throw ExitCode(1)
        }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent(
            "sluice-features-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let summary: ReplayRunner.Summary
        do {
            summary = try ReplayRunner.run(
                factory: pipeline, sourceTopic: loaded.source.topic, input: input,
                format: ReplayRunner.InputFormat(rawValue: format)!, outputDirectory: scratch.path)
        } catch {
            printError("sluice features: \(error)")
            throw ExitCode(1)
        }
        let output = FileHandle.standardOutput
        if let records = FileHandle(forReadingAtPath: scratch.appendingPathComponent("feature-inputs.jsonl").path) {
            while let chunk = try records.read(upToCount: 1 << 20), !chunk.isEmpty { output.write(chunk) }
        }
        let valid = summary.outputsBySink["feature_inputs"] ?? 0
        var note = "sluice features: \(summary.events) events, \(valid) valid"
        let invalid = summary.outputsBySink["dead_letter"] ?? 0
        if invalid > 0 {
            note += ", \(invalid) invalid:"
            let reasons = pipeline.metrics.deadLettersByReason.map { ("\($0.key)", $0.value) }.sorted { $0.0 < $1.0 }
            note += reasons.map { " \($0.1) \($0.0)" }.joined(separator: ",")
        }
        note += "; \(pipeline.featureColumnNames.count) feature columns"
        printError(note)
    }
}
