import Foundation
import Testing

/// Fixtures written by `scripts/fixtures/*.py` from scipy, numpy and river: the independent source of
/// expected values. Read through `#filePath`, so no resource bundle is needed.
enum Fixture {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    static func load<T: Decodable>(_ type: T.Type, _ name: String) throws -> T {
        let data = try Data(contentsOf: directory.appendingPathComponent(name))
        return try JSONDecoder().decode(T.self, from: data)
    }
}

/// Relative tolerance of every statistic against its fixture.
let relativeTolerance = 1e-9
/// Absolute tolerance used instead when the expected value is within it of zero (an exact 0 from
/// the library can come out as a rounding residue of this size here, and the reverse).
let absoluteTolerance = 1e-14

func isClose(_ actual: Double, _ expected: Double) -> Bool {
    if expected.isNaN { return actual.isNaN }
    if expected.isInfinite { return actual == expected }
    return abs(actual - expected) <= max(relativeTolerance * abs(expected), absoluteTolerance)
}

/// `#expect` with both values in the failure message.
func expectClose(
    _ actual: Double,
    _ expected: Double,
    _ what: @autoclosure () -> String = "",
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(
        isClose(actual, expected),
        "\(what()): got \(actual), expected \(expected)",
        sourceLocation: sourceLocation
    )
}
