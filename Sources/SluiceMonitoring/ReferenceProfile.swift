public import Foundation

/// The training-time distribution of every monitored feature and model score: what live windows
/// are compared with. Built by ``ReferenceProfileBuilder``; stored as a JSON file (format in
/// `docs/drift.md`) with ``encodedJSON()`` and read with ``decode(from:)``.
public struct ReferenceProfile: Sendable, Hashable, Codable {
    /// Value of the `format` member of every profile file.
    public static let formatName = "sluice.reference-profile"
    /// Version of the file layout this library writes and reads.
    public static let formatVersion = 1

    /// Name of the profile (say, the training data set); alerts carry it.
    public var name: String
    /// Numeric features by name.
    public var numeric: [String: NumericDistribution]
    /// Categorical features by name.
    public var categorical: [String: CategoricalDistribution]
    /// Model score distributions by model name.
    public var scores: [String: NumericDistribution]

    public init(
        name: String,
        numeric: [String: NumericDistribution] = [:],
        categorical: [String: CategoricalDistribution] = [:],
        scores: [String: NumericDistribution] = [:]
    ) {
        self.name = name
        self.numeric = numeric
        self.categorical = categorical
        self.scores = scores
    }

    enum CodingKeys: String, CodingKey {
        case format
        case version
        case name
        case numeric
        case categorical
        case scores
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let format = try c.decode(String.self, forKey: .format)
        let version = try c.decode(Int.self, forKey: .version)
        guard format == Self.formatName, version == Self.formatVersion else {
            throw MonitoringError(
                .invalidProfile,
                "format \(format) version \(version) is not \(Self.formatName) version \(Self.formatVersion)")
        }
        name = try c.decode(String.self, forKey: .name)
        numeric = try c.decodeIfPresent([String: NumericDistribution].self, forKey: .numeric) ?? [:]
        categorical = try c.decodeIfPresent([String: CategoricalDistribution].self, forKey: .categorical) ?? [:]
        scores = try c.decodeIfPresent([String: NumericDistribution].self, forKey: .scores) ?? [:]
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(Self.formatName, forKey: .format)
        try c.encode(Self.formatVersion, forKey: .version)
        try c.encode(name, forKey: .name)
        try c.encode(numeric, forKey: .numeric)
        try c.encode(categorical, forKey: .categorical)
        try c.encode(scores, forKey: .scores)
    }

    /// The profile as JSON: keys sorted, so that equal profiles give equal bytes.
    public func encodedJSON(prettyPrinted: Bool = true) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = prettyPrinted ? [.sortedKeys, .prettyPrinted] : [.sortedKeys]
        return try encoder.encode(self)
    }

    /// Reads a profile file's bytes and checks its invariants.
    public static func decode(from data: Data) throws(MonitoringError) -> ReferenceProfile {
        let profile: ReferenceProfile
        do {
            profile = try JSONDecoder().decode(ReferenceProfile.self, from: data)
        } catch let error as MonitoringError {
            throw error
        } catch {
            throw MonitoringError(.invalidProfile, "cannot read the profile: \(error)")
        }
        try profile.validate()
        return profile
    }

    /// Checks the invariants that the monitor relies on (edges ascending and finite, one proportion
    /// per bin, a sorted sample, one proportion per category).
    public func validate() throws(MonitoringError) {
        for (feature, d) in numeric { try d.validate(location: "numeric.\(feature)") }
        for (model, d) in scores { try d.validate(location: "scores.\(model)") }
        for (feature, d) in categorical { try d.validate(location: "categorical.\(feature)") }
    }

    /// A 64-bit FNV-1a hash of the compact canonical encoding, as 16 hex digits: alerts name the
    /// reference they were computed against by `name` and this fingerprint.
    public var fingerprint: String {
        guard let data = try? encodedJSON(prettyPrinted: false) else { return "0000000000000000" }
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in data {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}

/// The training distribution of one numeric feature or model score.
public struct NumericDistribution: Sendable, Hashable, Codable {
    /// Non-null values seen.
    public var count: Int
    /// Null (missing or NaN) values seen.
    public var nullCount: Int
    /// `nullCount / (count + nullCount)`.
    public var nullFraction: Double
    /// Mean of the non-null values.
    public var mean: Double
    /// Population standard deviation (`ddof = 0`) of the non-null values.
    public var standardDeviation: Double
    /// Smallest non-null value.
    public var minimum: Double
    /// Largest non-null value.
    public var maximum: Double
    /// Inner bin edges, ascending and distinct; the outer edges are -inf and +inf and are not stored
    /// (JSON has no infinity). Bin `i` holds the values `v` with `edges[i-1] ≤ v < edges[i]`,
    /// numpy's `searchsorted(edges, v, side='right')`.
    public var binEdges: [Double]
    /// Training proportion of each bin: `binEdges.count + 1` values summing to 1.
    public var binProportions: [Double]
    /// A uniform sample of the training values, sorted ascending, for KS and Wasserstein.
    public var sample: [Double]
    /// Seed of the reservoir that drew `sample`.
    public var sampleSeed: UInt64

    public init(
        count: Int, nullCount: Int, nullFraction: Double, mean: Double, standardDeviation: Double,
        minimum: Double, maximum: Double, binEdges: [Double], binProportions: [Double], sample: [Double],
        sampleSeed: UInt64
    ) {
        self.count = count
        self.nullCount = nullCount
        self.nullFraction = nullFraction
        self.mean = mean
        self.standardDeviation = standardDeviation
        self.minimum = minimum
        self.maximum = maximum
        self.binEdges = binEdges
        self.binProportions = binProportions
        self.sample = sample
        self.sampleSeed = sampleSeed
    }

    enum CodingKeys: String, CodingKey {
        case count
        case nullCount = "null_count"
        case nullFraction = "null_fraction"
        case mean
        case standardDeviation = "std"
        case minimum = "min"
        case maximum = "max"
        case binEdges = "bin_edges"
        case binProportions = "bin_proportions"
        case sample
        case sampleSeed = "sample_seed"
    }

    /// The bin of a value (see ``binEdges``): a binary search over the inner edges.
    @inline(__always)
    public func bin(of value: Double) -> Int {
        binEdges.withUnsafeBufferPointer { Self.bin(of: value, edges: $0) }
    }

    @inline(__always)
    static func bin(of value: Double, edges: UnsafeBufferPointer<Double>) -> Int {
        var lo = 0
        var hi = edges.count
        while lo < hi {
            let mid = (lo + hi) >> 1
            if edges[mid] <= value { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    func validate(location: String) throws(MonitoringError) {
        guard binProportions.count == binEdges.count + 1 else {
            throw MonitoringError(
                .invalidProfile, "bin_proportions needs bin_edges.count + 1 values", location: location)
        }
        for i in binEdges.indices {
            guard binEdges[i].isFinite, i == 0 || binEdges[i - 1] < binEdges[i] else {
                throw MonitoringError(
                    .invalidProfile, "bin_edges must be finite and strictly ascending", location: location)
            }
        }
        guard binProportions.allSatisfy({ $0 >= 0 && $0 <= 1 }) else {
            throw MonitoringError(.invalidProfile, "bin_proportions must lie in [0, 1]", location: location)
        }
        for i in sample.indices.dropFirst() where sample[i - 1] > sample[i] {
            throw MonitoringError(.invalidProfile, "sample must be sorted ascending", location: location)
        }
        guard count > 0, !sample.isEmpty else {
            throw MonitoringError(.emptyFeature, "no non-null training value", location: location)
        }
    }
}

/// The training distribution of one categorical feature.
public struct CategoricalDistribution: Sendable, Hashable, Codable {
    /// Non-null values seen.
    public var count: Int
    /// Null values seen.
    public var nullCount: Int
    /// `nullCount / (count + nullCount)`.
    public var nullFraction: Double
    /// The most frequent categories (at most the builder's cap), most frequent first, ties by name.
    public var categories: [String]
    /// Training proportion of each category in `categories` (of the non-null values).
    public var proportions: [Double]
    /// Training proportion of every other category together; unseen live categories count here too.
    public var otherProportion: Double

    public init(
        count: Int, nullCount: Int, nullFraction: Double, categories: [String], proportions: [Double],
        otherProportion: Double
    ) {
        self.count = count
        self.nullCount = nullCount
        self.nullFraction = nullFraction
        self.categories = categories
        self.proportions = proportions
        self.otherProportion = otherProportion
    }

    enum CodingKeys: String, CodingKey {
        case count
        case nullCount = "null_count"
        case nullFraction = "null_fraction"
        case categories
        case proportions
        case otherProportion = "other_proportion"
    }

    func validate(location: String) throws(MonitoringError) {
        guard categories.count == proportions.count else {
            throw MonitoringError(.invalidProfile, "one proportion per category is needed", location: location)
        }
        guard Set(categories).count == categories.count else {
            throw MonitoringError(.invalidProfile, "categories must be distinct", location: location)
        }
        guard count > 0 else {
            throw MonitoringError(.emptyFeature, "no non-null training value", location: location)
        }
    }
}
