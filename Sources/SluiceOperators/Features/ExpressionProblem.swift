/// A problem found inside one expression, before it is tied to a feature and turned into a
/// ``FeatureDiagnostic``.
struct ExpressionProblem: Error {
    var code: FeatureDiagnostic.Code
    /// Character offset in the expression.
    var offset: Int
    var message: String
    var suggestion: String?
    /// Set when the expression uses a feature that failed itself: reported there, not again here.
    var isConsequence = false

    init(_ code: FeatureDiagnostic.Code, at offset: Int, _ message: String, suggestion: String? = nil) {
        self.code = code
        self.offset = offset
        self.message = message
        self.suggestion = suggestion
    }

    static func consequence(at offset: Int) -> ExpressionProblem {
        var problem = ExpressionProblem(.unknownName, at: offset, "uses a feature that has errors")
        problem.isConsequence = true
        return problem
    }
}
