import SluiceCore
import SluiceModels
import Testing

/// Every fixture model scores every fixture row within 1e-6 of the library's own prediction, on the
/// single-row path and on the batch path.
@Suite struct ModelParityTests {
    static let fixtureNames = [
        "xgb_binary", "xgb_regression", "xgb_reg_logistic", "xgb_multiclass", "xgb_categorical", "xgb_bench_100x6",
        "xgb17_binary", "xgb17_multiclass",
        "lgbm_binary", "lgbm_regression", "lgbm_multiclass", "lgbm_categorical",
        "sklearn_logistic", "sklearn_multinomial", "sklearn_linear",
    ]
    static let tolerance = 1e-6

    @Test func theManifestListsExactlyTheTestedFixtures() {
        #expect(Set(Fixtures.manifest.map(\.name)) == Set(Self.fixtureNames))
    }

    @Test(arguments: fixtureNames)
    func matchesTheLibraryPrediction(_ name: String) throws {
        let entry = Fixtures.entry(name)
        let loaded = try ModelLoader.load(path: Fixtures.path(entry.model))
        let model = loaded.model
        #expect(loaded.format.rawValue == entry.format)
        #expect(loaded.contentHash == entry.sha256)
        #expect(loaded.version == String(entry.sha256.prefix(12)))
        #expect(model.outputCount == entry.outputs)

        let rows = try Fixtures.rows(entry.data)
        let expected = try Fixtures.expected(entry.expected)
        #expect(rows.count >= 10_000)
        #expect(model.featureNames == rows.names)
        #expect(expected.count == rows.count * entry.outputs)

        // Single-row path.
        var single = [Double](repeating: .nan, count: expected.count)
        rows.values.withUnsafeBufferPointer { values in
            single.withUnsafeMutableBufferPointer { out in
                for r in 0..<rows.count {
                    let input = UnsafeBufferPointer(rebasing: values[(r * rows.width)..<((r + 1) * rows.width)])
                    let output = UnsafeMutableBufferPointer(
                        rebasing: out[(r * entry.outputs)..<((r + 1) * entry.outputs)])
                    model.score(input, into: output)
                }
            }
        }
        let singleDiff = maxDifference(single, expected)

        // Batch path, all rows at once.
        var batch = [Double](repeating: .nan, count: expected.count)
        rows.values.withUnsafeBufferPointer { values in
            batch.withUnsafeMutableBufferPointer { model.scoreBatch(values, rowCount: rows.count, into: $0) }
        }
        let batchDiff = maxDifference(batch, expected)

        // Batch path in uneven chunks, so block and lockstep tails are exercised.
        var chunked = [Double](repeating: .nan, count: expected.count)
        rows.values.withUnsafeBufferPointer { values in
            chunked.withUnsafeMutableBufferPointer { out in
                var start = 0
                var size = 1
                while start < rows.count {
                    let count = min(size, rows.count - start)
                    let input = UnsafeBufferPointer(
                        rebasing: values[(start * rows.width)..<((start + count) * rows.width)])
                    let output = UnsafeMutableBufferPointer(
                        rebasing: out[(start * entry.outputs)..<((start + count) * entry.outputs)])
                    model.scoreBatch(input, rowCount: count, into: output)
                    start += count
                    size = size % 131 + 6
                }
            }
        }
        let chunkedDiff = maxDifference(chunked, expected)

        print(
            "parity \(name) [\(entry.library) \(entry.libraryVersion)]: rows \(rows.count), outputs \(entry.outputs), "
                + "max |diff| single \(singleDiff), batch \(batchDiff), chunked \(chunkedDiff)")
        #expect(singleDiff <= Self.tolerance, "\(name): single-row max |diff| \(singleDiff)")
        #expect(batchDiff <= Self.tolerance, "\(name): batch max |diff| \(batchDiff)")
        #expect(chunkedDiff <= Self.tolerance, "\(name): chunked batch max |diff| \(chunkedDiff)")
        #expect(single == batch, "\(name): single-row and batch paths disagree")
    }

    @Test func oldScalarAndNewArrayBaseScoresBothLoad() throws {
        let old = try ModelLoader.load(path: Fixtures.path("xgb17_binary.json"), format: .xgboost)
        let new = try ModelLoader.load(path: Fixtures.path("xgb_binary.json"), format: .xgboost)
        let oldModel = try #require(old.model as? XGBoostModel)
        let newModel = try #require(new.model as? XGBoostModel)
        #expect(oldModel.libraryVersion == [1, 7, 6])
        #expect(newModel.libraryVersion.first == 3)
        #expect(oldModel.objective == .binaryLogistic)
        #expect(newModel.objective == .binaryLogistic)
    }

    /// NaN can never match within a tolerance; a NaN anywhere counts as an infinite difference.
    private func maxDifference(_ actual: [Double], _ expected: [Double]) -> Double {
        guard actual.count == expected.count else { return .infinity }
        var worst = 0.0
        for (a, e) in zip(actual, expected) {
            let difference = (a - e).magnitude
            if difference.isNaN { return .infinity }
            worst = max(worst, difference)
        }
        return worst
    }
}
