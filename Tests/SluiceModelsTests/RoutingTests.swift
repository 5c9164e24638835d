import SluiceModels
import Testing

/// Missing-value and categorical routing, one split at a time. Left leaf = 1, right leaf = 2.
@Suite struct RoutingTests {
    static func load(_ text: String, _ format: ModelFormat) throws -> any ScoringModel {
        try ModelLoader.load(bytes: Array(text.utf8), path: "hand-built.\(format.rawValue)", format: format).model
    }

    static func leaves(_ model: any ScoringModel, _ inputs: [Double]) -> [Double] {
        let single = inputs.map { model.score([$0])[0] }
        var batch = [Double](repeating: .nan, count: inputs.count)
        inputs.withUnsafeBufferPointer { rows in
            batch.withUnsafeMutableBufferPointer { model.scoreBatch(rows, rowCount: inputs.count, into: $0) }
        }
        #expect(single == batch, "single-row and batch routing differ")
        return single
    }

    @Test func xgboostComparesInFloat32AndSendsEqualRight() throws {
        // Threshold 0.1 is the float 0.100000001490116…; inputs are rounded to float before comparing.
        let model = try Self.load(HandBuiltModels.xgboost(threshold: "1E-1"), .xgboost)
        let inputs = [0.05, 0.1, Double(Float(0.1)), 0.1000000005, 0.0999999, -.infinity, .infinity]
        // 0.1000000005 < the float threshold as a double, but rounds to it as a float: right.
        #expect(Self.leaves(model, inputs) == [1, 2, 2, 2, 1, 1, 2])
    }

    @Test func xgboostMissingFollowsDefaultLeft() throws {
        let left = try Self.load(HandBuiltModels.xgboost(defaultLeft: 1), .xgboost)
        let right = try Self.load(HandBuiltModels.xgboost(defaultLeft: 0), .xgboost)
        #expect(Self.leaves(left, [.nan, 0.05, 0.2]) == [1, 1, 2])
        #expect(Self.leaves(right, [.nan, 0.05, 0.2]) == [2, 1, 2])
    }

    @Test func xgboostCategoriesInTheSetGoRight() throws {
        let model = try Self.load(HandBuiltModels.xgboost(defaultLeft: 1, categories: [1, 3]), .xgboost)
        // Members right; others, negatives and categories beyond the set left; 3.7 truncates to 3.
        #expect(Self.leaves(model, [1, 3, 2, 0, -1, 100, 3.7, 16_777_216]) == [2, 2, 1, 1, 1, 1, 2, 1])
        #expect(Self.leaves(model, [.nan]) == [1])
        let missingRight = try Self.load(HandBuiltModels.xgboost(defaultLeft: 0, categories: [1, 3]), .xgboost)
        #expect(Self.leaves(missingRight, [.nan, 1, 2]) == [2, 2, 1])
    }

    @Test func lightGBMLessOrEqualGoesLeftAndNoneReadsMissingAsZero() throws {
        // decision_type 2: default left, missing type None: NaN is read as 0.
        let positive = try Self.load(HandBuiltModels.lightgbm(threshold: "0.5", decisionType: 2), .lightgbm)
        #expect(Self.leaves(positive, [0.5, 0.6, 0, .nan, -.infinity, .infinity]) == [1, 2, 1, 1, 1, 2])
        let negative = try Self.load(HandBuiltModels.lightgbm(threshold: "-0.5", decisionType: 2), .lightgbm)
        #expect(Self.leaves(negative, [.nan, -0.5, -0.6, 0]) == [2, 1, 1, 2])
    }

    @Test func lightGBMNaNMissingTypeUsesTheDefaultDirection() throws {
        // decision_type 8: missing type NaN, default right; 10: the same with default left.
        let right = try Self.load(HandBuiltModels.lightgbm(threshold: "0.5", decisionType: 8), .lightgbm)
        #expect(Self.leaves(right, [.nan, 0.2, 0.7, 0]) == [2, 1, 2, 1])
        let left = try Self.load(HandBuiltModels.lightgbm(threshold: "0.5", decisionType: 10), .lightgbm)
        #expect(Self.leaves(left, [.nan, 0.2, 0.7]) == [1, 1, 2])
    }

    @Test func lightGBMZeroMissingTypeSendsZerosAndNaNToTheDefault() throws {
        // decision_type 6: missing type Zero, default left. 4: Zero, default right, although 0 <= 1.5.
        let left = try Self.load(HandBuiltModels.lightgbm(threshold: "1.5", decisionType: 6), .lightgbm)
        #expect(Self.leaves(left, [0, .nan, 1e-36, 1, 2, -1]) == [1, 1, 1, 1, 2, 1])
        let right = try Self.load(HandBuiltModels.lightgbm(threshold: "1.5", decisionType: 4), .lightgbm)
        #expect(Self.leaves(right, [0, .nan, 1e-36, -1e-36, 1, 2, -1]) == [2, 2, 2, 2, 1, 2, 1])
        let negative = try Self.load(HandBuiltModels.lightgbm(threshold: "-1.5", decisionType: 6), .lightgbm)
        #expect(Self.leaves(negative, [0, .nan, -1, -2]) == [1, 1, 2, 1])
    }

    @Test func lightGBMValuesWithinItsZeroBandReadAsZero() throws {
        // LightGBM reads |x| <= 1e-35f (1.0000000180025095e-35) as 0, and puts splits at zero exactly there.
        let band = "1.0000000180025095e-35"
        let atBand = try Self.load(HandBuiltModels.lightgbm(threshold: band, decisionType: 2), .lightgbm)
        let nearZero = [0, 1e-36, 1.0000000180025095e-35, 2e-35, -1e-35, .nan, -2e-35]
        #expect(Self.leaves(atBand, nearZero) == [1, 1, 1, 2, 1, 1, 1])
        let belowBand = try Self.load(HandBuiltModels.lightgbm(threshold: "-" + band, decisionType: 2), .lightgbm)
        // -1.0000000180025095e-35 <= the threshold, but reads as 0, which is not.
        #expect(Self.leaves(belowBand, [0, -1.0000000180025095e-35, -2e-35, 1e-36, .nan]) == [2, 2, 1, 2, 2])
    }

    @Test func lightGBMCategoriesInTheBitSetGoLeft() throws {
        // Bit set 0b1010: categories 1 and 3. NaN, negatives and categories past the set go right;
        // 3.7 truncates to 3; -0.5 truncates to 0, which is not in the set.
        let model = try Self.load(
            HandBuiltModels.lightgbm(threshold: "0", decisionType: 1, categoryBits: 10), .lightgbm)
        #expect(Self.leaves(model, [1, 3, 2, .nan, -1, 40, 3.7, -0.5, 0, 3e9]) == [1, 1, 2, 2, 2, 2, 1, 2, 2, 2])
    }

    /// A categorical split above a Zero-missing-type split in one tree: the checked walk with category
    /// lookups. Left leaf 1, middle 2, right 3; expectations as LightGBM 4.7.0 predicted them.
    @Test func lightGBMCategoricalAndZeroMissingSplitsInOneTree() throws {
        let text = [
            "tree", "version=v4", "num_class=1", "num_tree_per_iteration=1", "label_index=0", "max_feature_idx=1",
            "objective=regression", "feature_names=x y", "feature_infos=none none", "tree_sizes=100", "",
            "Tree=0", "num_leaves=3", "num_cat=1", "split_feature=0 1", "split_gain=1 1", "threshold=0 1.5",
            "decision_type=1 4", "left_child=1 -1", "right_child=-3 -2", "leaf_value=1 2 3", "leaf_weight=1 1 1",
            "leaf_count=1 1 1", "internal_value=0 0", "internal_weight=1 1", "internal_count=3 2",
            "cat_boundaries=0 1", "cat_threshold=10", "is_linear=0", "shrinkage=1", "", "", "end of trees", "",
        ].joined(separator: "\n")
        let model = try Self.load(text, .lightgbm)
        let rows: [[Double]] = [[1, 1], [1, 0], [1, .nan], [3, 2], [2, 1], [.nan, 1], [1, -1], [3, 1e-36]]
        let single = rows.map { model.score($0)[0] }
        #expect(single == [1, 2, 2, 2, 3, 3, 1, 2])
        let flat = rows.flatMap { $0 }
        var batch = [Double](repeating: .nan, count: rows.count)
        flat.withUnsafeBufferPointer { input in
            batch.withUnsafeMutableBufferPointer { model.scoreBatch(input, rowCount: rows.count, into: $0) }
        }
        #expect(batch == single)
    }

    @Test func linearMissingValuesPropagateOrAreImputed() throws {
        let propagate = try Self.load(HandBuiltModels.linear(), .linear)
        #expect(propagate.score([1, 2]) == [0.5])
        #expect(propagate.score([.nan, 2])[0].isNaN)
        let impute = try Self.load(HandBuiltModels.linear(missing: #"{"policy": "impute", "values": [3, 0]}"#), .linear)
        #expect(impute.score([.nan, 2]) == [4.5])
        #expect(impute.score([1, .nan]) == [2.5])
        let logistic = try Self.load(HandBuiltModels.linear(kind: "logistic"), .linear)
        #expect(logistic.objective == .binaryLogistic)
        #expect(abs(logistic.score([1, 2])[0] - 0.6224593312018546) < 1e-15)
    }
}
