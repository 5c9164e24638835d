/// How a window's aggregates are kept: the distinct accumulators behind them (shared where possible —
/// `mean(x)` and `sum(x)` share one sum), their word offsets inside a pane, and the layout of the raw
/// record an event is reduced to.
///
/// Raw record (one per event; sliding windows buffer these): word 0 is the event time, then one word per
/// value input used, one per hash input used, and one bit mask word of the predicate inputs used.
struct AccumulatorPlan {
    enum Kind: Hashable {
        case eventCount
        case valueCount(raw: Int)
        case sum(raw: Int)
        case minimum(raw: Int)
        case maximum(raw: Int)
        /// Welford's (n, mean, M2).
        case moments(raw: Int)
        /// (time, value).
        case first(raw: Int)
        /// (time, value).
        case last(raw: Int)
        case countIf(raw: Int, bit: Int)
        /// A pool index of a `HyperLogLog`.
        case distinct(raw: Int, precision: Int)
        /// A pool index of a `DDSketch`.
        case quantiles(raw: Int, relativeAccuracy: Double, maxBins: Int)

        var width: Int {
            switch self {
            case .moments: 3
            case .first, .last: 2
            default: 1
            }
        }
    }

    enum Output {
        case count(Int)
        case integer(Int)
        case sum(Int)
        case mean(count: Int, sum: Int)
        case extreme(Int)
        case variance(Int, sample: Bool, root: Bool)
        case timed(Int)
        case distinct(Int)
        case quantile(Int, q: Double)
    }

    private(set) var kinds: [Kind] = []
    /// Word offset of each accumulator inside the accumulator area.
    private(set) var offsets: [Int] = []
    private(set) var words = 0
    private(set) var outputs: [Output] = []

    /// Engine value-input index of each raw value word (raw words 1...).
    private(set) var valueColumns: [Int] = []
    /// Engine hash-input index of each raw hash word.
    private(set) var hashColumns: [Int] = []
    /// Engine predicate-input index of each bit of the predicate word.
    private(set) var predicateColumns: [Int] = []

    var hasSketches: Bool {
        kinds.contains { kind in
            switch kind {
            case .distinct, .quantiles: true
            default: false
            }
        }
    }

    var rawWords: Int { 1 + valueColumns.count + hashColumns.count + (predicateColumns.isEmpty ? 0 : 1) }
    func rawValueWord(_ position: Int) -> Int { 1 + position }
    func rawHashWord(_ position: Int) -> Int { 1 + valueColumns.count + position }
    var rawPredicateWord: Int { 1 + valueColumns.count + hashColumns.count }

    /// Builds the plan; `resolve` maps an input name to its engine index for each input family.
    init(
        aggregates: [Aggregate],
        window: String,
        valueIndex: (String) -> Int,
        predicateIndex: (String) -> Int,
        hashIndex: (String) -> Int
    ) throws(WindowError) {
        // Raw positions are assigned in order of first use so that the layout is stable for a definition.
        var valuePositions: [Int: Int] = [:]
        var hashPositions: [Int: Int] = [:]
        var predicateBits: [Int: Int] = [:]
        var valueColumns: [Int] = []
        var hashColumns: [Int] = []
        var predicateColumns: [Int] = []
        func rawValue(_ name: String) -> Int {
            let column = valueIndex(name)
            if let position = valuePositions[column] { return position }
            valuePositions[column] = valueColumns.count
            valueColumns.append(column)
            return valueColumns.count - 1
        }
        func rawHash(_ name: String) -> Int {
            let column = hashIndex(name)
            if let position = hashPositions[column] { return position }
            hashPositions[column] = hashColumns.count
            hashColumns.append(column)
            return hashColumns.count - 1
        }
        func predicateBit(_ name: String) -> Int {
            let column = predicateIndex(name)
            if let bit = predicateBits[column] { return bit }
            predicateBits[column] = predicateColumns.count
            predicateColumns.append(column)
            return predicateColumns.count - 1
        }

        // First pass: raw layout, so raw word numbers are final before accumulators refer to them.
        for aggregate in aggregates {
            switch aggregate.function {
            case .count: break
            case .countValues(let input), .sum(let input), .mean(let input), .min(let input), .max(let input),
                .variance(let input, _), .standardDeviation(let input, _), .first(let input), .last(let input),
                .quantile(let input, _, _, _):
                _ = rawValue(input)
            case .countIf(let predicate): _ = predicateBit(predicate)
            case .distinctCount(let hash, _): _ = rawHash(hash)
            }
        }
        guard predicateColumns.count <= 64 else {
            throw WindowError(.invalidDefinition, "more than 64 count-if predicates", window: window)
        }
        self.valueColumns = valueColumns
        self.hashColumns = hashColumns
        self.predicateColumns = predicateColumns

        var indexOfKind: [Kind: Int] = [:]
        func accumulator(_ kind: Kind) -> Int {
            if let index = indexOfKind[kind] { return index }
            indexOfKind[kind] = kinds.count
            kinds.append(kind)
            offsets.append(words)
            words += kind.width
            return kinds.count - 1
        }
        // The event count always exists: it tells a pane in use from an empty one.
        _ = accumulator(.eventCount)
        for aggregate in aggregates {
            switch aggregate.function {
            case .count:
                outputs.append(.count(accumulator(.eventCount)))
            case .countValues(let input):
                outputs.append(.integer(accumulator(.valueCount(raw: 1 + rawValue(input)))))
            case .sum(let input):
                outputs.append(.sum(accumulator(.sum(raw: 1 + rawValue(input)))))
            case .mean(let input):
                let raw = 1 + rawValue(input)
                outputs.append(.mean(count: accumulator(.valueCount(raw: raw)), sum: accumulator(.sum(raw: raw))))
            case .min(let input):
                outputs.append(.extreme(accumulator(.minimum(raw: 1 + rawValue(input)))))
            case .max(let input):
                outputs.append(.extreme(accumulator(.maximum(raw: 1 + rawValue(input)))))
            case .variance(let input, let kind):
                outputs.append(
                    .variance(accumulator(.moments(raw: 1 + rawValue(input))), sample: kind == .sample, root: false))
            case .standardDeviation(let input, let kind):
                outputs.append(
                    .variance(accumulator(.moments(raw: 1 + rawValue(input))), sample: kind == .sample, root: true))
            case .first(let input):
                outputs.append(.timed(accumulator(.first(raw: 1 + rawValue(input)))))
            case .last(let input):
                outputs.append(.timed(accumulator(.last(raw: 1 + rawValue(input)))))
            case .countIf(let predicate):
                let bit = predicateBit(predicate)
                outputs.append(
                    .integer(accumulator(.countIf(raw: 1 + valueColumns.count + hashColumns.count, bit: bit))))
            case .distinctCount(let hash, let precision):
                guard (HyperLogLog.minimumPrecision...HyperLogLog.maximumPrecision).contains(precision) else {
                    throw WindowError(
                        .invalidDefinition, "distinct-count precision \(precision) is outside 4...18", window: window)
                }
                let raw = 1 + valueColumns.count + rawHash(hash)
                outputs.append(.distinct(accumulator(.distinct(raw: raw, precision: precision))))
            case .quantile(let input, let q, let alpha, let maxBins):
                guard q >= 0 && q <= 1 else {
                    throw WindowError(.invalidDefinition, "quantile \(q) is outside [0, 1]", window: window)
                }
                guard alpha >= 1e-6 && alpha <= 0.5 else {
                    throw WindowError(
                        .invalidDefinition, "relative accuracy \(alpha) is outside [1e-6, 0.5]", window: window)
                }
                guard maxBins >= 16 && maxBins <= 65_536 else {
                    throw WindowError(.invalidDefinition, "maxBins \(maxBins) is outside 16...65536", window: window)
                }
                let kind = Kind.quantiles(raw: 1 + rawValue(input), relativeAccuracy: alpha, maxBins: maxBins)
                outputs.append(.quantile(accumulator(kind), q: q))
            }
        }
    }

    /// A stable description of the layout for the state fingerprint.
    var layoutDescription: String {
        "values=\(valueColumns.count);hashes=\(hashColumns.count);predicates=\(predicateColumns.count);"
            + kinds.map { "\($0)" }.joined(separator: ",")
    }
}
