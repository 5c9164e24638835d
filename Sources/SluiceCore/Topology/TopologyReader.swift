import Yams

/// A YAML node of a topology file with its dotted place in the topology (`source.schema.amount`).
struct TopologyNode {
    let node: Node
    let path: String
    let location: FileLocation

    /// The entry `key` of this node's path, for a child node.
    func child(_ key: String, _ node: Node, file: String) -> TopologyNode {
        TopologyNode(
            node: node, path: path.isEmpty ? key : "\(path).\(key)", location: node.location(in: file, or: location))
    }
}

extension Node {
    func location(in file: String, or fallback: FileLocation) -> FileLocation {
        guard let mark else { return fallback }
        return FileLocation(file: file, line: mark.line, column: mark.column)
    }
}

/// Reads typed values out of topology YAML, collecting a diagnostic for each problem instead of stopping
/// at the first, so a user sees everything wrong with a file at once.
final class TopologyReader {
    let file: String
    private(set) var diagnostics: [TopologyDiagnostic] = []
    /// The short content hash of the file being read.
    var contentHash = ""
    /// Whether a model file that does not exist is a problem. Default: true.
    var requiresModelFiles = true

    init(file: String) {
        self.file = file
    }

    func report(_ location: FileLocation, _ message: String, suggestion: String? = nil) {
        diagnostics.append(TopologyDiagnostic(location, message, suggestion: suggestion))
    }

    func report(_ node: TopologyNode, _ message: String, suggestion: String? = nil) {
        report(node.location, message, suggestion: suggestion)
    }

    /// The entries of a mapping in file order, after checking that every key is known and every required
    /// key is present. Unknown keys are reported with the closest known key.
    func mapping(_ node: TopologyNode, known: [String], required: [String] = [], what: String? = nil)
        -> [(key: String, value: TopologyNode)]?
    {
        guard case .mapping(let mapping) = node.node else {
            report(
                node,
                "\(node.path.isEmpty ? "the topology" : "'\(node.path)'") must be a mapping of "
                    + (what ?? "keys to values") + ", found \(node.node.kindDescription)")
            return nil
        }
        var entries: [(key: String, value: TopologyNode)] = []
        var suggested: Set<String> = []
        for (keyNode, value) in mapping {
            let keyLocation = keyNode.location(in: file, or: node.location)
            guard let key = keyNode.scalar?.string else {
                report(keyLocation, "keys of '\(node.path)' must be plain names")
                continue
            }
            let child = node.child(key, value, file: file)
            if !known.isEmpty, !known.contains(key) {
                let place = node.path.isEmpty ? "at the top level" : "in '\(node.path)'"
                let suggestion = NameSuggestion.closest(to: key, among: known)
                if let suggestion { suggested.insert(suggestion) }
                report(
                    keyLocation, "unknown key '\(key)' \(place); expected one of: \(known.joined(separator: ", "))",
                    suggestion: suggestion.map { "did you mean '\($0)'?" })
                continue
            }
            entries.append((key, child))
        }
        // A required key that a misspelt key was already pointed to is not reported twice.
        for key in required where !entries.contains(where: { $0.key == key }) && !suggested.contains(key) {
            report(node, "'\(node.path.isEmpty ? key : "\(node.path).\(key)")' is required")
        }
        return entries
    }

    /// A free-form name → value mapping (schema fields, sink roles checked by the caller).
    func namedEntries(_ node: TopologyNode, what: String) -> [(
        key: String, value: TopologyNode, keyLocation: FileLocation
    )]? {
        guard case .mapping(let mapping) = node.node else {
            report(node, "'\(node.path)' must be a mapping of \(what), found \(node.node.kindDescription)")
            return nil
        }
        var entries: [(key: String, value: TopologyNode, keyLocation: FileLocation)] = []
        for (keyNode, value) in mapping {
            let keyLocation = keyNode.location(in: file, or: node.location)
            guard let key = keyNode.scalar?.string, !key.isEmpty else {
                report(keyLocation, "names in '\(node.path)' must be plain, non-empty strings")
                continue
            }
            entries.append((key, node.child(key, value, file: file), keyLocation))
        }
        return entries
    }

    func string(_ node: TopologyNode) -> String? {
        guard case .scalar(let scalar) = node.node, !scalar.isTagged(.null), !scalar.string.isEmpty else {
            report(node, "'\(node.path)' must be a non-empty string, found \(node.node.kindDescription)")
            return nil
        }
        return scalar.string
    }

    func bool(_ node: TopologyNode) -> Bool? {
        guard case .scalar(let scalar) = node.node, scalar.isTagged(.bool), let value = Bool.construct(from: scalar)
        else {
            report(node, "'\(node.path)' must be true or false, found \(node.node.kindDescription)")
            return nil
        }
        return value
    }

    func int(_ node: TopologyNode, in range: ClosedRange<Int>) -> Int? {
        guard case .scalar(let scalar) = node.node, scalar.isTagged(.int), let value = Int.construct(from: scalar)
        else {
            report(node, "'\(node.path)' must be a whole number, found \(node.node.kindDescription)")
            return nil
        }
        guard range.contains(value) else {
            report(node, "'\(node.path)' must be between \(range.lowerBound) and \(range.upperBound), found \(value)")
            return nil
        }
        return value
    }

    func number(_ node: TopologyNode) -> Double? {
        guard case .scalar(let scalar) = node.node, scalar.isTagged(.int) || scalar.isTagged(.float),
            let value = Double.construct(from: scalar), value.isFinite
        else {
            report(node, "'\(node.path)' must be a finite number, found \(node.node.kindDescription)")
            return nil
        }
        return value
    }

    /// A duration such as `500ms`, `30s`, `10m`, `2h` or `1d`, in milliseconds.
    func duration(_ node: TopologyNode) -> Int64? {
        guard case .scalar(let scalar) = node.node, let milliseconds = DurationLiteral.milliseconds(scalar.string),
            milliseconds > 0
        else {
            report(
                node,
                "'\(node.path)' must be a positive duration such as 500ms, 30s, 10m, 2h or 1d, "
                    + "found \(node.node.kindDescription)")
            return nil
        }
        return milliseconds
    }

    func stringList(_ node: TopologyNode) -> [String]? {
        guard case .sequence(let sequence) = node.node else {
            report(node, "'\(node.path)' must be a list, found \(node.node.kindDescription)")
            return nil
        }
        var values: [String] = []
        for (index, item) in sequence.enumerated() {
            guard case .scalar(let scalar) = item, !scalar.isTagged(.null) else {
                report(node.child("\(index)", item, file: file), "items of '\(node.path)' must be plain values")
                continue
            }
            values.append(scalar.string)
        }
        return values
    }

    /// One of the raw values of `E`, reporting the closest valid one when the value is unknown.
    func choice<E: RawRepresentable & CaseIterable>(_ node: TopologyNode, _ type: E.Type) -> E?
    where E.RawValue == String {
        guard let text = string(node) else { return nil }
        if let value = E(rawValue: text) { return value }
        let known = E.allCases.map(\.rawValue)
        report(
            node, "'\(node.path)' must be one of: \(known.joined(separator: ", ")); found '\(text)'",
            suggestion: NameSuggestion.closest(to: text, among: known).map { "did you mean '\($0)'?" })
        return nil
    }
}

extension Node.Scalar {
    /// Whether YAML resolved this scalar to the tag `name` (plain `12` is int, `"12"` is str).
    func isTagged(_ name: Tag.Name) -> Bool {
        Resolver.default.resolveTag(of: .scalar(self)) == name
    }
}

extension Node {
    /// How a node reads in a message: `the string "abc"`, `a list`, `nothing`.
    var kindDescription: String {
        switch self {
        case .scalar(let scalar):
            if scalar.isTagged(.null) { return "nothing" }
            if scalar.isTagged(.bool) { return "the boolean \(scalar.string)" }
            if scalar.isTagged(.int) || scalar.isTagged(.float) { return "the number \(scalar.string)" }
            return "the string \"\(scalar.string)\""
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }
}

/// Durations written as a number and a unit.
public enum DurationLiteral {
    /// Milliseconds in `text` (`250ms`, `30s`, `10m`, `2h`, `1d`, decimals allowed), or nil if it is not one.
    public static func milliseconds(_ text: String) -> Int64? {
        let units: [(suffix: String, milliseconds: Double)] = [
            ("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000),
            ("d", 86_400_000),
        ]
        let trimmed = String(text.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
        for unit in units where trimmed.hasSuffix(unit.suffix) {
            let number = trimmed.dropLast(unit.suffix.count)
            // "ms" also ends in "s": only accept a pure number before the suffix.
            guard let value = Double(number), value.isFinite, value >= 0 else { continue }
            let result = (value * unit.milliseconds).rounded()
            guard result < 9.2e18 else { return nil }
            return Int64(result)
        }
        return nil
    }
}
