import ArgumentParser
import Foundation
import SluiceCore
import SluiceRuntime

struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Run a topology offline over a file of events, without Kafka.",
        discussion: """
            Reads EVENTS (one event per line) in file order and runs them through the same operator chain \
            as `sluice run`, writing one JSONL file per output into DIR: events.jsonl, dead-letters.jsonl, \
            predictions.jsonl, ... Use it to backtest a topology or to build training sets (--feature-inputs \
            writes the window values each event saw).

            With --format payload (the default) each line is an event's JSON payload. With --format \
            envelope each line is {"key": ..., "timestamp": ms, "partition": n, "value": "<payload text>"}, \
            the Kafka record around the payload, so keys, Kafka timestamps and partitions match a stream.
            """
    )

    @Argument(help: "The topology file (YAML).")
    var topology: String

    @Option(help: "The events file, one event per line.")
    var input: String

    @Option(help: "The directory to write one JSONL file per sink into (created if missing).")
    var output: String

    @Option(help: "How input lines are written: payload or envelope.")
    var format: String = "payload"

    @Flag(help: "Also write feature-inputs.jsonl: per valid event, its fields and every window value as of it.")
    var featureInputs = false

    @OptionGroup var tableFiles: TableFileOptions

    func validate() throws {
        guard ReplayRunner.InputFormat(rawValue: format) != nil else {
            throw ValidationError("--format must be payload or envelope, found '\(format)'")
        }
    }

    func run() throws {
        let loaded: Topology
        do {
            loaded = try TopologyLoader.load(file: topology)
        } catch {
            printError(error.description)
            throw ExitCode(1)
        }
        var topology = loaded
        if featureInputs, topology.sinks.featureInputs == nil { topology.sinks.featureInputs = "feature-inputs" }
        let pipeline: TopologyPipeline
        do {
            try tableFiles.checkCovers(topology)
            pipeline = try TopologyPipeline(topology: topology, tableFiles: try tableFiles.files())
        } catch {
            printError("sluice replay: \(error)")
            throw ExitCode(1)
        }
        let summary: ReplayRunner.Summary
        do {
            summary = try ReplayRunner.run(
                factory: pipeline, sourceTopic: loaded.source.topic, input: input,
                format: ReplayRunner.InputFormat(rawValue: format)!, outputDirectory: output)
        } catch {
            printError("sluice replay: \(error)")
            throw ExitCode(1)
        }
        let outputs = summary.outputsBySink.sorted { $0.key < $1.key }
            .map { "\(ReplayRunner.fileName(forSink: $0.key)) \($0.value)" }.joined(separator: ", ")
        printError("sluice replay: \(summary.events) events; wrote \(outputs) into \(output)")
    }
}
