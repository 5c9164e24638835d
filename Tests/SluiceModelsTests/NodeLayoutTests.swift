import Foundation
@testable import SluiceModels
import Testing

/// xgboost models run on compact 8-byte nodes when they fit and on 12-byte nodes when they do not;
/// both layouts must give the library's predictions.
@Suite struct NodeLayoutTests {
    @Test func aModelTooWideForCompactNodesStillMatchesXGBoost() throws {
        let compact = try ModelLoader.load(path: Fixtures.path("xgb_categorical.json"))
        #expect((compact.model as? XGBoostModel)?.usesCompactNodes == true)

        // The same trees declared over 5,000 features (the extra ones unused): too many slots for
        // compact nodes.
        let data = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("xgb_categorical.json")))
        var root = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        var learner = root["learner"] as! [String: Any]
        var parameters = learner["learner_model_param"] as! [String: Any]
        let width = 5000
        parameters["num_feature"] = String(width)
        learner["learner_model_param"] = parameters
        var names = learner["feature_names"] as! [String]
        var types = learner["feature_types"] as! [String]
        for i in names.count..<width {
            names.append("unused_\(i)")
            types.append("q")
        }
        learner["feature_names"] = names
        learner["feature_types"] = types
        root["learner"] = learner
        let wideBytes = Array(try JSONSerialization.data(withJSONObject: root))
        let wide = try ModelLoader.load(bytes: wideBytes, path: "wide.json", format: .xgboost)
        let model = try #require(wide.model as? XGBoostModel)
        #expect(!model.usesCompactNodes)

        let entry = Fixtures.entry("xgb_categorical")
        let rows = try Fixtures.rows(entry.data)
        let expected = try Fixtures.expected(entry.expected)
        let count = 2000
        var padded = [Double](repeating: .nan, count: count * width)
        for r in 0..<count {
            for c in 0..<rows.width { padded[r * width + c] = rows.values[r * rows.width + c] }
        }
        var batch = [Double](repeating: .nan, count: count)
        padded.withUnsafeBufferPointer { input in
            batch.withUnsafeMutableBufferPointer { model.scoreBatch(input, rowCount: count, into: $0) }
        }
        var worst = 0.0
        for r in 0..<count {
            let single = padded.withUnsafeBufferPointer { input in
                model.score(Array(input[(r * width)..<((r + 1) * width)]))[0]
            }
            #expect(single == batch[r])
            worst = max(worst, abs(batch[r] - expected[r]))
        }
        #expect(worst <= 1e-6, "wide layout max |diff| \(worst)")
    }
}
