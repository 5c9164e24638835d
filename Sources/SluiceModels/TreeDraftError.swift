/// Why a tree could not be flattened: a child out of range, a node reached twice, a feature index
/// outside the model's features.
struct TreeDraftError: Error {
    let tree: Int
    let node: Int
    let message: String
}
