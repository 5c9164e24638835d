/// A strict reader of the Prometheus text exposition format 0.0.4, written from the format's description
/// (prometheus.io/docs/instrumenting/exposition_formats), independent of the code under test. It refuses
/// what a Prometheus server would refuse and checks what the format promises: one TYPE per family before its
/// samples, families not interleaved, no repeated series, and histograms whose buckets are cumulative and
/// end in `+Inf` equal to `_count`.
struct PrometheusExposition {
    struct Sample: Equatable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    struct Family {
        var name: String
        var type: String
        var help: String?
        var samples: [Sample] = []
    }

    struct ParseError: Error, CustomStringConvertible {
        var line: Int
        var message: String
        var description: String { "line \(line): \(message)" }
    }

    private(set) var families: [String: Family] = [:]
    private(set) var familyOrder: [String] = []

    init(_ text: String) throws {
        var current: String?
        var closed: Set<String> = []
        var helps: [String: String] = [:]
        var seenSeries: Set<String> = []
        for (offset, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = offset + 1
            if line.isEmpty { continue }
            if line.hasPrefix("#") {
                let parts = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false)
                guard parts.count >= 3, parts[0] == "#", parts[1] == "HELP" || parts[1] == "TYPE" else { continue }
                let name = String(parts[2])
                guard Self.isMetricName(name) else { throw ParseError(line: number, message: "bad name \(name)") }
                if parts[1] == "HELP" {
                    guard helps[name] == nil else { throw ParseError(line: number, message: "second HELP for \(name)") }
                    helps[name] = parts.count > 3 ? try Self.unescapeHelp(String(parts[3]), line: number) : ""
                    if var family = families[name] { family.help = helps[name]; families[name] = family }
                } else {
                    guard parts.count == 4, ["counter", "gauge", "histogram", "summary", "untyped"].contains(parts[3])
                    else { throw ParseError(line: number, message: "bad TYPE line") }
                    guard families[name] == nil, !closed.contains(name) else {
                        throw ParseError(line: number, message: "second TYPE for \(name)")
                    }
                    if let current { closed.insert(current) }
                    families[name] = Family(name: name, type: String(parts[3]), help: helps[name])
                    familyOrder.append(name)
                    current = name
                }
                continue
            }
            let sample = try Self.parseSample(line, line: number)
            guard let familyName = Self.family(of: sample.name, in: families) else {
                throw ParseError(line: number, message: "sample \(sample.name) before its TYPE line")
            }
            guard familyName == current else {
                throw ParseError(line: number, message: "sample of \(familyName) outside its family's block")
            }
            let key =
                sample.name + "|"
                + sample.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
                .joined(separator: ",")
            guard seenSeries.insert(key).inserted else {
                throw ParseError(line: number, message: "repeated series \(key)")
            }
            families[familyName]!.samples.append(sample)
        }
        for family in families.values {
            try Self.check(family)
        }
    }

    /// The family a sample belongs to: its own name, or the name without a histogram's suffix.
    private static func family(of sampleName: String, in families: [String: Family]) -> String? {
        if families[sampleName] != nil { return sampleName }
        for suffix in ["_bucket", "_sum", "_count"] where sampleName.hasSuffix(suffix) {
            let base = String(sampleName.dropLast(suffix.count))
            if let family = families[base], family.type == "histogram" || family.type == "summary" { return base }
        }
        return nil
    }

    private static func check(_ family: Family) throws {
        switch family.type {
        case "counter":
            for sample in family.samples where !(sample.value >= 0) {
                throw ParseError(line: 0, message: "counter \(family.name) is negative or NaN")
            }
        case "histogram":
            var bySeries: [[String: String]: [Sample]] = [:]
            for sample in family.samples {
                var labels = sample.labels
                labels["le"] = nil
                bySeries[labels, default: []].append(sample)
            }
            for (labels, samples) in bySeries {
                let buckets = samples.filter { $0.name == family.name + "_bucket" }
                guard buckets.allSatisfy({ $0.labels["le"] != nil }) else {
                    throw ParseError(line: 0, message: "\(family.name) bucket without le")
                }
                let bounds = buckets.map { Double($0.labels["le"]!.replacingInfinity()) ?? .nan }
                guard bounds.allSatisfy({ !$0.isNaN }), zip(bounds, bounds.dropFirst()).allSatisfy(<),
                    bounds.last == .infinity
                else {
                    throw ParseError(line: 0, message: "\(family.name)\(labels): buckets not ascending to +Inf")
                }
                let counts = buckets.map(\.value)
                guard zip(counts, counts.dropFirst()).allSatisfy(<=) else {
                    throw ParseError(line: 0, message: "\(family.name)\(labels): bucket counts not cumulative")
                }
                guard let count = samples.first(where: { $0.name == family.name + "_count" })?.value,
                    samples.contains(where: { $0.name == family.name + "_sum" })
                else {
                    throw ParseError(line: 0, message: "\(family.name)\(labels): _sum or _count missing")
                }
                guard counts.last == count else {
                    throw ParseError(
                        line: 0, message: "\(family.name)\(labels): +Inf bucket \(counts.last!) ≠ _count \(count)")
                }
            }
        default:
            break
        }
    }

    /// `name{label="value",...} value [timestamp]`.
    private static func parseSample(_ line: Substring, line number: Int) throws -> Sample {
        var rest = line[...]
        let nameEnd = rest.firstIndex { $0 == "{" || $0 == " " } ?? rest.endIndex
        let name = String(rest[..<nameEnd])
        guard isMetricName(name) else { throw ParseError(line: number, message: "bad metric name \(name)") }
        rest = rest[nameEnd...]
        var labels: [String: String] = [:]
        if rest.first == "{" {
            rest.removeFirst()
            while rest.first != "}" {
                guard let equals = rest.firstIndex(of: "=") else {
                    throw ParseError(line: number, message: "label without =")
                }
                let labelName = String(rest[..<equals])
                guard isLabelName(labelName), labels[labelName] == nil else {
                    throw ParseError(line: number, message: "bad or repeated label name \(labelName)")
                }
                rest = rest[rest.index(after: equals)...]
                guard rest.first == "\"" else { throw ParseError(line: number, message: "label value not quoted") }
                rest.removeFirst()
                var value = ""
                while true {
                    guard let character = rest.first else {
                        throw ParseError(line: number, message: "unterminated label value")
                    }
                    rest.removeFirst()
                    if character == "\"" { break }
                    if character == "\\" {
                        guard let escaped = rest.first else { throw ParseError(line: number, message: "dangling \\") }
                        rest.removeFirst()
                        switch escaped {
                        case "\\": value.append("\\")
                        case "\"": value.append("\"")
                        case "n": value.append("\n")
                        default: throw ParseError(line: number, message: "bad escape \\\(escaped)")
                        }
                    } else {
                        value.append(character)
                    }
                }
                labels[labelName] = value
                if rest.first == "," {
                    rest.removeFirst()
                } else if rest.first != "}" {
                    throw ParseError(line: number, message: "expected , or } after a label")
                }
            }
            rest.removeFirst()
        }
        guard rest.first == " " else { throw ParseError(line: number, message: "no space before the value") }
        let fields = rest.split(separator: " ")
        guard fields.count == 1 || fields.count == 2, let value = parseValue(fields[0]) else {
            throw ParseError(line: number, message: "bad value in \(line)")
        }
        if fields.count == 2, Int64(fields[1]) == nil {
            throw ParseError(line: number, message: "bad timestamp")
        }
        return Sample(name: name, labels: labels, value: value)
    }

    private static func parseValue(_ text: Substring) -> Double? {
        switch text {
        case "+Inf": return .infinity
        case "-Inf": return -.infinity
        case "NaN": return .nan
        default:
            // Go's ParseFloat grammar, which Prometheus uses: no "inf"/"nan" spellings beyond the above.
            guard text.allSatisfy({ $0.isNumber || "+-.eE".contains($0) }) else { return nil }
            return Double(text)
        }
    }

    private static func unescapeHelp(_ text: String, line: Int) throws -> String {
        var result = ""
        var iterator = text.makeIterator()
        while let character = iterator.next() {
            if character == "\\" {
                switch iterator.next() {
                case "\\": result.append("\\")
                case "n": result.append("\n")
                default: throw ParseError(line: line, message: "bad escape in HELP")
                }
            } else {
                result.append(character)
            }
        }
        return result
    }

    static func isMetricName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first else { return false }
        let isStart = { (c: Unicode.Scalar) in (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c == "_" || c == ":"
        }
        return isStart(first) && name.unicodeScalars.allSatisfy { isStart($0) || ($0 >= "0" && $0 <= "9") }
    }

    static func isLabelName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first else { return false }
        let isStart = { (c: Unicode.Scalar) in (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c == "_" }
        return isStart(first) && name.unicodeScalars.allSatisfy { isStart($0) || ($0 >= "0" && $0 <= "9") }
    }

    /// The value of the one sample named `name` with exactly these labels.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        for family in families.values {
            if let sample = family.samples.first(where: { $0.name == name && $0.labels == labels }) {
                return sample.value
            }
        }
        return nil
    }
}

extension String {
    fileprivate func replacingInfinity() -> String {
        self == "+Inf" ? "inf" : self
    }
}
