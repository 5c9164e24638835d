import Foundation
import Testing

/// Loads the fixtures of `scripts/fixtures/make_shadow_fixtures.py`, which writes non-finite numbers
/// as the strings "nan", "inf" and "-inf" and undefined statistics as null.
enum ShadowFixture {
    static func load<T: Decodable>(_ type: T.Type, _ name: String) -> T {
        do {
            let data = try Data(contentsOf: Fixture.directory.appendingPathComponent(name))
            let decoder = JSONDecoder()
            decoder.nonConformingFloatDecodingStrategy = .convertFromString(
                positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
            return try decoder.decode(T.self, from: data)
        } catch {
            fatalError("\(name): \(error)")
        }
    }
}

/// Both nil, or both present and within the fixture tolerance.
func expectClose(
    _ actual: Double?,
    _ expected: Double?,
    _ what: @autoclosure () -> String = "",
    sourceLocation: SourceLocation = #_sourceLocation
) {
    switch (actual, expected) {
    case (nil, nil): return
    case (let a?, let e?): expectClose(a, e, what(), sourceLocation: sourceLocation)
    default:
        Issue.record(
            "\(what()): got \(String(describing: actual)), expected \(String(describing: expected))",
            sourceLocation: sourceLocation)
    }
}

/// `actual` within `relative·expected + absolute` of `expected` (both present): a sketch's stated bound.
func expectWithinBound(
    _ actual: Double?,
    _ expected: Double?,
    relative: Double,
    absolute: Double,
    _ what: @autoclosure () -> String = "",
    sourceLocation: SourceLocation = #_sourceLocation
) {
    guard let a = actual, let e = expected else {
        #expect(
            actual == nil && expected == nil,
            "\(what()): \(String(describing: actual)) vs \(String(describing: expected))",
            sourceLocation: sourceLocation)
        return
    }
    // The 1e-12 covers the rounding of the interpolation itself.
    let bound = relative * abs(e) + absolute + 1e-12 * abs(e)
    #expect(abs(a - e) <= bound, "\(what()): got \(a), exact \(e), bound \(bound)", sourceLocation: sourceLocation)
}
