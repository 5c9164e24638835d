/// A path to a value inside a JSON object: the keys to follow from the top-level object, one per level.
///
/// Written as keys joined by dots: `amount`, `payload.amount`, `a.b.c`. A key that itself contains a
/// dot or a backslash is written with a backslash before that character: the key `a.b` at the top level
/// is `a\.b`, and `x\\y` is the key `x\y`. No other escapes exist, and no key may be empty.
///
/// Paths name object members only: there is no syntax for array elements.
public struct FieldPath: Hashable, Sendable, CustomStringConvertible {
    /// The keys to follow, outermost first; never empty, and no key is empty.
    public let components: [String]

    /// Parses a dotted path such as `payload.amount`.
    ///
    /// - Throws: ``FieldPathError`` when the text is empty, has an empty component (`a..b`, `.a`, `a.`),
    ///   or uses a backslash that is not followed by `.` or `\`.
    public init(parsing text: String) throws(FieldPathError) {
        var components: [String] = []
        var current: [UInt8] = []
        var isEscaped = false
        var offset = 0
        var componentStart = 0
        for byte in text.utf8 {
            if isEscaped {
                guard byte == UInt8(ascii: ".") || byte == UInt8(ascii: "\\") else {
                    throw FieldPathError(path: text, offset: offset - 1, reason: .invalidEscape)
                }
                current.append(byte)
                isEscaped = false
            } else if byte == UInt8(ascii: "\\") {
                isEscaped = true
            } else if byte == UInt8(ascii: ".") {
                guard !current.isEmpty else {
                    throw FieldPathError(path: text, offset: componentStart, reason: .emptyComponent)
                }
                components.append(String(decoding: current, as: UTF8.self))
                current.removeAll(keepingCapacity: true)
                componentStart = offset + 1
            } else {
                current.append(byte)
            }
            offset += 1
        }
        if isEscaped {
            throw FieldPathError(path: text, offset: offset - 1, reason: .danglingEscape)
        }
        guard !text.isEmpty else {
            throw FieldPathError(path: text, offset: 0, reason: .empty)
        }
        guard !current.isEmpty else {
            throw FieldPathError(path: text, offset: componentStart, reason: .emptyComponent)
        }
        components.append(String(decoding: current, as: UTF8.self))
        self.components = components
    }

    /// A path from its keys, taken literally (no escapes): `["payload", "amount"]`.
    ///
    /// - Throws: ``FieldPathError`` when `components` is empty or one of them is the empty string.
    public init(components: [String]) throws(FieldPathError) {
        guard !components.isEmpty else {
            throw FieldPathError(path: "", offset: 0, reason: .empty)
        }
        var offset = 0
        for component in components {
            guard !component.isEmpty else {
                throw FieldPathError(path: FieldPath.render(components), offset: offset, reason: .emptyComponent)
            }
            offset += FieldPath.escapedLength(component) + 1
        }
        self.components = components
    }

    /// The path in its written form, with `.` and `\` inside keys escaped; parsing it gives this path back.
    public var description: String { FieldPath.render(components) }

    private static func render(_ components: [String]) -> String {
        var text = ""
        for (index, component) in components.enumerated() {
            if index > 0 { text.append(".") }
            for character in component.unicodeScalars {
                if character == "." || character == "\\" { text.append("\\") }
                text.unicodeScalars.append(character)
            }
        }
        return text
    }

    private static func escapedLength(_ component: String) -> Int {
        component.utf8.reduce(0) { $0 + ($1 == UInt8(ascii: ".") || $1 == UInt8(ascii: "\\") ? 2 : 1) }
    }
}

/// Why a text is not a valid ``FieldPath``.
public struct FieldPathError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong with the path.
    public enum Reason: Sendable, Hashable {
        /// The path is the empty string.
        case empty
        /// A key between dots is empty, as in `a..b`, `.a` or `a.`.
        case emptyComponent
        /// A backslash is followed by something other than `.` or `\`.
        case invalidEscape
        /// The path ends with a single backslash.
        case danglingEscape
    }

    /// The path as written.
    public var path: String
    /// The UTF-8 byte offset in `path` where the problem is.
    public var offset: Int
    /// What is wrong.
    public var reason: Reason

    public init(path: String, offset: Int, reason: Reason) {
        self.path = path
        self.offset = offset
        self.reason = reason
    }

    public var description: String {
        switch reason {
        case .empty:
            return "field path is empty; expected keys joined by dots, such as payload.amount"
        case .emptyComponent:
            return "field path '\(path)' has an empty key at byte \(offset); expected a key between dots"
        case .invalidEscape:
            return "field path '\(path)' has an unknown escape at byte \(offset); only \\. and \\\\ are allowed"
        case .danglingEscape:
            return "field path '\(path)' ends with a lone backslash at byte \(offset); write \\\\ for a backslash"
        }
    }
}
