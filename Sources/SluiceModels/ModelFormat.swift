/// The model file formats Sluice evaluates natively.
public enum ModelFormat: String, Sendable, Hashable, CaseIterable {
    /// XGBoost's JSON model (`Booster.save_model("model.json")`), xgboost 1.x to 3.x, gbtree booster.
    case xgboost
    /// LightGBM's text model (`Booster.save_model("model.txt")`), LightGBM 3.x and 4.x.
    case lightgbm
    /// Sluice's own JSON for linear and logistic models (`"format": "sluice-linear"`, see docs/models.md).
    case linear

    /// The format a model file's content is in, judged from its first bytes and, for JSON, its
    /// top-level keys; nil when it is none of them.
    public static func detect(_ bytes: some Collection<UInt8>) -> ModelFormat? {
        switch ModelFileSniffer.sniff(Array(bytes)) {
        case .lightgbm: .lightgbm
        case .json(let document):
            if document.isXGBoost { .xgboost } else if document.isSluiceLinear { .linear } else { nil }
        case .invalidJSON, .unknown: nil
        }
    }
}
