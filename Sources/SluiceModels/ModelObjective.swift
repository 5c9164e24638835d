/// What a model's outputs mean: the transform applied to its raw sum (margin) before it is returned.
public enum ModelObjective: Sendable, Hashable, CustomStringConvertible {
    /// One output, the raw sum itself (xgboost `reg:squarederror`, LightGBM `regression`, linear).
    case regression
    /// One output, the probability of the positive class: the logistic sigmoid of the margin
    /// (xgboost `binary:logistic` and `reg:logistic`, LightGBM `binary`, logistic regression).
    case binaryLogistic
    /// `classCount` outputs, one probability per class in class order, summing to 1: the softmax of
    /// the per-class margins (xgboost `multi:softprob`, LightGBM `multiclass`, multinomial logistic).
    case multiclassSoftmax(classCount: Int)

    /// How many values one row's scoring writes.
    public var outputCount: Int {
        switch self {
        case .regression, .binaryLogistic: 1
        case .multiclassSoftmax(let classCount): classCount
        }
    }

    public var description: String {
        switch self {
        case .regression: "regression"
        case .binaryLogistic: "binary logistic"
        case .multiclassSoftmax(let classCount): "multiclass softmax (\(classCount) classes)"
        }
    }
}
