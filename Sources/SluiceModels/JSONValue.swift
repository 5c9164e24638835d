/// A parsed JSON document, as model files are read at load time.
///
/// Numbers keep their text so that each is converted once, straight to the type the model uses:
/// xgboost's float32 thresholds parse from the decimal to `Float` with one rounding, as xgboost does,
/// not through a `Double` first.
indirect enum JSONValue: Sendable {
    case object([String: JSONValue])
    case array([JSONValue])
    case string(String)
    case number(String)
    case bool(Bool)
    case null

    /// A short name of the value's kind, for error messages.
    var kindName: String {
        switch self {
        case .object: "an object"
        case .array: "an array"
        case .string: "a string"
        case .number: "a number"
        case .bool: "a boolean"
        case .null: "null"
        }
    }

    subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { members[key] } else { nil }
    }

    var isXGBoost: Bool {
        if case .object = self["learner"] { true } else { false }
    }

    var isSluiceLinear: Bool {
        if case .string(let format) = self["format"] { format == "sluice-linear" } else { false }
    }
}
