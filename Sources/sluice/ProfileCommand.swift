import ArgumentParser
import Foundation
import SluiceCore
import SluiceRuntime

struct ProfileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profile",
        abstract: "Build the drift reference profile of a topology from its training events.",
        discussion: """
            Runs TRAINING (one event per line, like `sluice replay`) through the topology's own pipeline — the same \
            decoding, windows, features and models as streaming — and writes PROFILE: per monitored feature, \
            quantile bins, moments, null fraction and a reference sample; and each model's score distribution. \
            Point the topology's `drift.reference` at it; `sluice run` then compares live windows with it.
            """
    )

    @Argument(help: "The topology file (YAML).")
    var topology: String

    @Option(help: "Training events, one per line.")
    var input: String

    @Option(help: "Where to write the profile (JSON).")
    var output: String

    @Option(help: "How input lines are written: payload or envelope.")
    var format: String = "payload"

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
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent(
            "sluice-profile-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: scratch) }
        do {
            let pipeline = try TopologyPipeline(topology: loaded)
            let profile = try ReplayRunner.profile(
                pipeline: pipeline, input: input, format: ReplayRunner.InputFormat(rawValue: format)!,
                name: "\(loaded.name)-\(URL(fileURLWithPath: input).deletingPathExtension().lastPathComponent)",
                scratchDirectory: scratch.path)
            try profile.encodedJSON(prettyPrinted: true).write(to: URL(fileURLWithPath: output))
            printError(
                "sluice profile: \(profile.numeric.count) numeric features and \(profile.scores.count) model "
                    + "score distributions from \(input) written to \(output)")
        } catch {
            printError("sluice profile: \(error)")
            throw ExitCode(1)
        }
    }
}
