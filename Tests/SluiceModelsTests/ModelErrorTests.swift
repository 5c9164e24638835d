import Foundation
import SluiceModels
import Testing

/// Files that are missing, corrupt, truncated, of another format or internally inconsistent fail
/// with a `ModelError` that names the file and what is wrong; none of them crashes the loader.
@Suite struct ModelErrorTests {
    static func loadError(_ text: String, as format: ModelFormat? = nil, path: String = "model-under-test")
        -> ModelError?
    {
        loadError(bytes: Array(text.utf8), as: format, path: path)
    }

    static func loadError(bytes: [UInt8], as format: ModelFormat? = nil, path: String = "model-under-test")
        -> ModelError?
    {
        do {
            _ = try ModelLoader.load(bytes: bytes, path: path, format: format)
            return nil
        } catch {
            return error
        }
    }

    @Test func aMissingFileOrADirectoryIsUnreadable() {
        for path in ["/nonexistent/model.json", Fixtures.directory] {
            do {
                _ = try ModelLoader.load(path: path)
                Issue.record("\(path) loaded")
            } catch {
                #expect(error.code == .fileUnreadable)
                #expect(error.path == path)
                #expect(error.description.contains(path))
            }
        }
    }

    @Test func emptyOrUnknownContentIsUnrecognized() {
        #expect(Self.loadError("")?.code == .unrecognizedFormat)
        #expect(Self.loadError("   \n")?.code == .unrecognizedFormat)
        #expect(Self.loadError("hello, world")?.code == .unrecognizedFormat)
        #expect(Self.loadError(#"{"something": "else"}"#)?.code == .unrecognizedFormat)
        #expect(Self.loadError(bytes: [0x00, 0xFF, 0x13, 0x37])?.code == .unrecognizedFormat)
        let ubjson = Self.loadError(bytes: Array("{L\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}\u{7}learner".utf8))
        #expect(ubjson?.code == .unrecognizedFormat)
        #expect(ubjson?.message.contains("UBJSON") == true)
    }

    @Test func aModelOfAnotherFormatIsAMismatch() throws {
        let lightgbm = try String(contentsOfFile: Fixtures.path("lgbm_binary.txt"), encoding: .utf8)
        let xgboost = try String(contentsOfFile: Fixtures.path("xgb_binary.json"), encoding: .utf8)
        let linear = try String(contentsOfFile: Fixtures.path("sklearn_logistic.json"), encoding: .utf8)
        let asXGBoost = Self.loadError(lightgbm, as: .xgboost, path: "fraud.lgbm.txt")
        #expect(asXGBoost?.code == .formatMismatch)
        #expect(asXGBoost?.description.contains("fraud.lgbm.txt") == true)
        #expect(asXGBoost?.message.contains("LightGBM") == true)
        #expect(Self.loadError(xgboost, as: .lightgbm)?.code == .formatMismatch)
        #expect(Self.loadError(linear, as: .xgboost)?.code == .formatMismatch)
        #expect(Self.loadError(xgboost, as: .linear)?.code == .formatMismatch)
    }

    @Test func truncatedFilesSayTheyAreTruncated() throws {
        for name in ["xgb_binary.json", "lgbm_binary.txt", "sklearn_multinomial.json"] {
            let bytes = try Fixtures.bytes(name)
            let error = Self.loadError(bytes: Array(bytes.prefix(bytes.count / 2)), path: name)
            #expect(error?.code == .truncated, "\(name): \(String(describing: error))")
        }
    }

    /// Cut every fixture format at many places and flip bytes: each result loads or throws a
    /// ModelError; the test fails if the loader traps.
    @Test func cutAndCorruptedFilesNeverCrashTheLoader() throws {
        for name in [
            "xgb_categorical.json", "lgbm_categorical.txt", "sklearn_multinomial.json", "xgb17_multiclass.json",
        ] {
            let bytes = try Fixtures.bytes(name)
            var failures = 0
            for i in 1...60 {
                let cut = bytes.count * i / 61
                if Self.loadError(bytes: Array(bytes.prefix(cut)), path: name) != nil { failures += 1 }
                var corrupted = bytes
                let position = (i * 7919) % corrupted.count
                corrupted[position] = corrupted[position] &+ UInt8(truncatingIfNeeded: 1 + i * 13)
                _ = Self.loadError(bytes: corrupted, path: name)
            }
            // Only cuts after LightGBM's "end of trees" line can still be complete models.
            #expect(failures >= 50, "\(name): only \(failures) of 60 cut files failed to load")
        }
    }

    @Test func corruptJSONNamesTheByte() {
        let error = Self.loadError(#"{"learner": {"attributes": {}, oops}}"#, as: .xgboost)
        #expect(error?.code == .malformed)
        #expect(error?.location?.contains("byte") == true)
    }

    @Test func unsupportedObjectivesAreNamed() {
        let xgboost = Self.loadError(HandBuiltModels.xgboost(objective: "rank:pairwise"))
        #expect(xgboost?.code == .unsupportedObjective)
        #expect(xgboost?.message.contains("rank:pairwise") == true)
        #expect(xgboost?.location == "learner.objective.name")
        let lightgbm = Self.loadError(HandBuiltModels.lightgbm(objective: "lambdarank"))
        #expect(lightgbm?.code == .unsupportedObjective)
        #expect(Self.loadError(HandBuiltModels.lightgbm(objective: "regression sqrt"))?.code == .unsupportedObjective)
        #expect(Self.loadError(HandBuiltModels.linear(kind: "poisson"))?.code == .unsupportedObjective)
    }

    @Test func outOfRangeNodeReferencesAreInvalidTrees() {
        let xgboostChild = Self.loadError(HandBuiltModels.xgboost(leftChildren: "[9999,-1,-1]"))
        #expect(xgboostChild?.code == .invalidTree)
        #expect(xgboostChild?.location == "tree 0, node 0")
        #expect(xgboostChild?.message.contains("9999") == true)
        // A child pointing back at the root: a cycle, not a tree.
        #expect(Self.loadError(HandBuiltModels.xgboost(leftChildren: "[0,-1,-1]"))?.code == .invalidTree)
        #expect(Self.loadError(HandBuiltModels.xgboost(rightChildren: "[1,-1,-1]"))?.code == .invalidTree)
        let feature = Self.loadError(HandBuiltModels.xgboost(splitIndices: "[5,0,0]"))
        #expect(feature?.code == .invalidTree)
        #expect(feature?.message.contains("feature 5") == true)
        let length = Self.loadError(HandBuiltModels.xgboost(numNodes: "4"))
        #expect(length?.code == .invalidTree)
        #expect(length?.location?.contains("left_children") == true)

        let lightgbmChild = Self.loadError(HandBuiltModels.lightgbm(leftChild: "7"))
        #expect(lightgbmChild?.code == .invalidTree)
        #expect(lightgbmChild?.location?.contains("left_child") == true)
        #expect(Self.loadError(HandBuiltModels.lightgbm(rightChild: "-9"))?.code == .invalidTree)
        #expect(Self.loadError(HandBuiltModels.lightgbm(leftChild: "0"))?.code == .invalidTree)
        // A categorical split referring to a category set the tree does not have.
        #expect(
            Self.loadError(HandBuiltModels.lightgbm(threshold: "3", decisionType: 1, categoryBits: 10))?.code
                == .invalidTree)
        #expect(Self.loadError(HandBuiltModels.lightgbm(endOfTrees: false))?.code == .truncated)
    }

    @Test func badBaseScoresAreMalformed() {
        #expect(Self.loadError(HandBuiltModels.xgboost(baseScore: "[1E0,2E0]"))?.code == .malformed)
        #expect(Self.loadError(HandBuiltModels.xgboost(baseScore: "half"))?.code == .malformed)
        // Old scalar and new bracketed forms both load.
        #expect(Self.loadError(HandBuiltModels.xgboost(baseScore: "5E-1")) == nil)
        #expect(Self.loadError(HandBuiltModels.xgboost(baseScore: "[5E-1]")) == nil)
    }

    @Test func mismatchedFeaturesListMissingAndExtraNames() throws {
        let loaded = try ModelLoader.load(path: Fixtures.path("lgbm_binary.txt"))
        let names = loaded.model.featureNames
        var provided = Array(names.dropFirst(2)) + ["country"]
        provided.swapAt(0, 1)
        let comparison = loaded.compareFeatures(with: provided)
        #expect(comparison.missing == Array(names.prefix(2)))
        #expect(comparison.extra == ["country"])
        #expect(!comparison.isCompatible)
        #expect(comparison.providedIndices == nil)
        do {
            try loaded.checkFeatures(provided)
            Issue.record("missing features passed the check")
        } catch {
            #expect(error.code == .featureMismatch)
            #expect(error.message.contains(names[0]) && error.message.contains(names[1]))
        }

        let reordered = Array(names.reversed()) + ["country"]
        let extraOnly = loaded.compareFeatures(with: reordered)
        #expect(extraOnly.isCompatible)
        #expect(!extraOnly.isExactMatch)
        #expect(extraOnly.providedIndices == Array((0..<names.count).reversed()))
        try loaded.checkFeatures(reordered)
        #expect(throws: ModelError.self) { try loaded.checkFeatures(reordered, allowExtra: false) }
        #expect(loaded.compareFeatures(with: names).isExactMatch)
        #expect(!loaded.compareFeatures(with: names + [names[0]]).isCompatible)
    }

    @Test func errorCodesAreStable() {
        #expect(
            ModelError.Code.allCases.map(\.rawValue) == [
                "model.file_unreadable", "model.unrecognized_format", "model.format_mismatch", "model.malformed",
                "model.truncated", "model.unsupported_objective", "model.unsupported_model", "model.invalid_tree",
                "model.feature_mismatch",
            ])
    }
}
