import Foundation
import SluiceModels

#if canImport(Glibc)
    import Glibc
#endif

/// What `runModelBenchmark` measured, on one core.
struct ModelBenchmarkResult: Sendable {
    var modelPath: String
    var format: ModelFormat
    var version: String
    var featureCount: Int
    var outputCount: Int
    var rowCount: Int
    /// Time to read, parse, validate and flatten the model file, in milliseconds.
    var loadMilliseconds: Double
    /// Median over timing loops of the mean time of one `score` call, in nanoseconds per row.
    var singleRowNanoseconds: Double
    /// The per-loop means the median was taken from, in nanoseconds per row.
    var singleRowSamples: [Double]
    /// Median over timing loops of `scoreBatch` throughput over all rows, in rows per second.
    var batchRowsPerSecond: Double
    /// The per-loop throughputs the median was taken from, in rows per second.
    var batchSamples: [Double]
    /// Sum of all outputs computed, printed so no work can be optimized away.
    var checksum: Double

    /// One JSON object, keys in a fixed order, for docs and scripts.
    var json: String {
        """
        {"model": "\(escaped(modelPath))", "format": "\(format.rawValue)", "version": "\(version)", \
        "features": \(featureCount), "outputs": \(outputCount), "rows": \(rowCount), \
        "load_ms": \(rounded(loadMilliseconds, 3)), "single_row_ns": \(rounded(singleRowNanoseconds, 1)), \
        "batch_rows_per_s": \(Int(batchRowsPerSecond.rounded())), "checksum": \(checksum)}
        """
    }

    private func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    }

    private func rounded(_ value: Double, _ digits: Int) -> Double {
        let scale = pow(10, Double(digits))
        return (value * scale).rounded() / scale
    }
}

/// Errors of the model benchmark's own inputs (the rows file); model errors pass through as `ModelError`.
struct ModelBenchmarkError: Error, CustomStringConvertible {
    var description: String
}

/// Measures a model's single-row latency and batch throughput on the calling thread.
///
/// - Parameters:
///   - modelPath: the model file (format detected from its content).
///   - rowsPath: a CSV of input rows: a header of feature names, then one row per line, an empty field
///     for a missing value (the fixture format of `scripts/fixtures/make_model_fixtures.py`). Columns
///     are matched to the model's features by name; extra columns are ignored.
///   - seconds: the total time to spend measuring, split evenly between the two measurements.
/// - Returns: the medians of repeated timing loops; single-row loops cycle through the rows so the
///   branch predictor cannot learn one row's path.
func runModelBenchmark(modelPath: String, rowsPath: String, seconds: Double) throws -> ModelBenchmarkResult {
    let clock = ContinuousClock()
    let loadStart = clock.now
    let loaded = try ModelLoader.load(path: modelPath)
    let loadTime = clock.now - loadStart
    let model = loaded.model
    let rows = try readBenchmarkRows(rowsPath, features: model.featureNames)
    let width = model.featureNames.count
    let outputs = model.outputCount
    let rowCount = rows.count / width
    guard rowCount > 0 else { throw ModelBenchmarkError(description: "\(rowsPath): no rows") }

    var output = [Double](repeating: 0, count: rowCount * outputs)
    var checksum = 0.0
    let budget = Duration.seconds(max(seconds, 0.2) / 2)

    // Single row: loops of `loopRows` calls; each loop's mean is one sample. Loops are timed in the
    // thread's CPU time, so time the scheduler gives to other processes on a shared machine is not
    // counted; short loops and the median keep the samples that other load disturbed out of the result.
    let loopRows = 2_000
    var singleSamples: [Double] = []
    rows.withUnsafeBufferPointer { input in
        output.withUnsafeMutableBufferPointer { out in
            let one = UnsafeMutableBufferPointer(rebasing: out[0..<outputs])
            for r in 0..<min(rowCount, 1000) {  // warm up
                model.score(UnsafeBufferPointer(rebasing: input[(r * width)..<((r + 1) * width)]), into: one)
            }
            let begin = clock.now
            var r = 0
            repeat {
                let start = threadCPUNanoseconds()
                for _ in 0..<loopRows {
                    model.score(UnsafeBufferPointer(rebasing: input[(r * width)..<((r + 1) * width)]), into: one)
                    checksum += one[0]
                    r += 1
                    if r == rowCount { r = 0 }
                }
                singleSamples.append((threadCPUNanoseconds() - start) / Double(loopRows))
            } while clock.now - begin < budget || singleSamples.count < 5
        }
    }

    // Batch: every loop scores all rows in one call.
    var batchSamples: [Double] = []
    rows.withUnsafeBufferPointer { input in
        output.withUnsafeMutableBufferPointer { out in
            model.scoreBatch(input, rowCount: rowCount, into: out)  // warm up
            let begin = clock.now
            repeat {
                let start = threadCPUNanoseconds()
                model.scoreBatch(input, rowCount: rowCount, into: out)
                batchSamples.append(Double(rowCount) / ((threadCPUNanoseconds() - start) / 1e9))
                checksum += out[0]
            } while clock.now - begin < budget || batchSamples.count < 5
        }
    }

    return ModelBenchmarkResult(
        modelPath: modelPath, format: loaded.format, version: loaded.version, featureCount: width,
        outputCount: outputs, rowCount: rowCount, loadMilliseconds: nanoseconds(loadTime) / 1e6,
        singleRowNanoseconds: median(singleSamples), singleRowSamples: singleSamples,
        batchRowsPerSecond: median(batchSamples), batchSamples: batchSamples, checksum: checksum)
}

/// CPU time consumed by the calling thread, in nanoseconds.
private func threadCPUNanoseconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return Double(time.tv_sec) * 1e9 + Double(time.tv_nsec)
}

private func nanoseconds(_ duration: Duration) -> Double {
    let parts = duration.components
    return Double(parts.seconds) * 1e9 + Double(parts.attoseconds) / 1e9
}

private func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    let middle = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/// Reads the rows CSV and returns its values row-major in the model's feature order.
private func readBenchmarkRows(_ path: String, features: [String]) throws -> [Double] {
    let text: String
    do {
        text = try String(contentsOfFile: path, encoding: .utf8)
    } catch {
        throw ModelBenchmarkError(description: "\(path): cannot read the rows file: \(error)")
    }
    let lines = text.split(separator: "\n")
    guard let header = lines.first else { throw ModelBenchmarkError(description: "\(path): empty rows file") }
    let columns = header.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    let comparison = FeatureNameComparison(modelFeatures: features, provided: columns)
    guard let indices = comparison.providedIndices, comparison.isCompatible else {
        throw ModelBenchmarkError(description: "\(path): \(comparison.problem() ?? "columns do not match the model")")
    }
    var values: [Double] = []
    values.reserveCapacity((lines.count - 1) * features.count)
    for (number, line) in lines.dropFirst().enumerated() {
        let fields = line.split(separator: ",", omittingEmptySubsequences: false)
        guard fields.count == columns.count else {
            throw ModelBenchmarkError(
                description: "\(path):\(number + 2): \(fields.count) fields, expected \(columns.count)")
        }
        for index in indices {
            let field = fields[index]
            if field.isEmpty {
                values.append(.nan)
            } else if let value = Double(field) {
                values.append(value)
            } else {
                throw ModelBenchmarkError(description: "\(path):\(number + 2): \"\(field)\" is not a number")
            }
        }
    }
    return values
}
