/// A decision tree as a format loader describes it, in the format's own node numbering, before it is
/// checked and flattened into a `TreeEnsemble`. Node 0 is the root.
///
/// Loaders translate each library's split rule into one of three forms. The fast form, `compare`,
/// sends a row to `high` exactly when `(negated ? -x : x) >= threshold` and to `low` otherwise,
/// which includes x = NaN (every comparison with NaN is false): so `low` is the missing-value
/// direction. `x < t` (xgboost) and `x <= t` (LightGBM) both become this form without changing a
/// single routing decision; see the loaders for the derivations. `categorical` sends a category in
/// the bit set `categories` to `high`, a value that is not a category to `low`, and a missing value
/// to `high` when `missingGoesHigh`. `special` keeps a rule neither form expresses.
struct TreeDraft<Value: TreeScalar> {
    enum Node {
        case leaf(Value)
        case compare(feature: Int, negated: Bool, threshold: Value, low: Int, high: Int)
        case categorical(
            CategoryRule, feature: Int, categories: [UInt32], missingGoesHigh: Bool, low: Int, high: Int)
        case special(SpecialSplit, low: Int, high: Int)
    }

    var nodes: [Node]
    /// The output (class) this tree's leaf values are added to.
    var output: Int
}
