import ArgumentParser
import Foundation
import SluiceModels

struct ScoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Score rows of features with a model file, exactly as the pipeline would.",
        discussion: """
            Loads MODEL (an XGBoost JSON model, a LightGBM text model, or a Sluice linear JSON model; the format \
            is detected unless --format says it) and scores each line of --input: a JSON object of feature name \
            → number (null or absent for a missing value). Prints one JSON line per row: {"scores": [...]} and, \
            for binary models, "score". Use it to check a model against the library that trained it.
            """
    )

    @Option(help: "The model file.")
    var model: String

    @Option(help: "xgboost, lightgbm or linear (default: detected from the file).")
    var format: String?

    @Option(help: "Rows to score, one JSON object per line.")
    var input: String

    func validate() throws {
        if let format, ModelFormat(rawValue: format) == nil {
            throw ValidationError("--format must be xgboost, lightgbm or linear, found '\(format)'")
        }
    }

    func run() throws {
        let loaded: LoadedModel
        do {
            loaded = try ModelLoader.load(path: model, format: format.flatMap(ModelFormat.init(rawValue:)))
        } catch {
            printError("sluice score: \(error)")
            throw ExitCode(1)
        }
        let names = loaded.model.featureNames
        printError(
            "sluice score: \(model): \(loaded.format.rawValue), \(loaded.model.objective), version \(loaded.version), "
                + "\(names.count) features")
        let text = try String(contentsOfFile: input, encoding: .utf8)
        var vector = [Double](repeating: .nan, count: names.count)
        var scores = [Double](repeating: 0, count: loaded.model.outputCount)
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: true).enumerated() {
            guard let row = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] else {
                printError("sluice score: line \(number + 1) is not a JSON object")
                throw ExitCode(1)
            }
            for (index, name) in names.enumerated() {
                switch row[name] {
                case let value as NSNumber: vector[index] = value.doubleValue
                case nil, is NSNull: vector[index] = .nan
                default:
                    printError("sluice score: line \(number + 1): feature '\(name)' must be a number or null")
                    throw ExitCode(1)
                }
            }
            vector.withUnsafeBufferPointer { features in
                scores.withUnsafeMutableBufferPointer { loaded.model.score(features, into: $0) }
            }
            var output = "{\"scores\":[" + scores.map { "\($0)" }.joined(separator: ",") + "]"
            if case .binaryLogistic = loaded.model.objective { output += ",\"score\":\(scores[0])" }
            printOutput(output + "}")
        }
    }
}
