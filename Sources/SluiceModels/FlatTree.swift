/// Where one flattened tree lives and how to walk it.
struct FlatTree: Sendable {
    /// Which walk a tree takes.
    enum Kind: Sendable, Equatable {
        /// Numerical splits only: the fast step.
        case fast
        /// Numerical and categorical splits: the mixed step, still branch-free.
        case categorical
        /// Has special splits (LightGBM zero rules the fast form cannot express): the checked walk.
        case checked
    }

    var root: Int32
    /// The longest root-to-leaf path: the number of steps that reaches a leaf from any row.
    var depth: Int32
    /// The output (class) its leaf value is added to.
    var output: Int32
    var kind: Kind
}
