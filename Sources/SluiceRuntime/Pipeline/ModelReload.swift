/// What a model reload did.
public enum ModelReload: Sendable, Equatable, CustomStringConvertible {
    /// A new version is in place.
    case replaced(from: String, to: String)
    /// The file holds the version already serving.
    case unchanged(String)
    /// The file could not be used; the serving model stays.
    case failed(String)

    public var description: String {
        switch self {
        case .replaced(let from, let to): "model replaced: \(from) → \(to)"
        case .unchanged(let version): "model unchanged: \(version) is already serving"
        case .failed(let reason): "model reload refused, the current model keeps serving: \(reason)"
        }
    }
}

/// What a promotion did.
public enum Promotion: Sendable, Equatable, CustomStringConvertible {
    /// `primary` (name@version) now serves; `shadow` is the demoted model, now a shadow.
    case promoted(primary: String, shadow: String)
    /// Nothing changed.
    case refused(String)

    public var description: String {
        switch self {
        case .promoted(let primary, let shadow): "promoted \(primary) to primary; \(shadow) is now a shadow"
        case .refused(let reason): "promotion refused: \(reason)"
        }
    }
}
