import Foundation
import Testing

/// `sluice demo`: the whole pipeline on the embedded cluster, with the committed demo models and profile.
@Suite struct DemoCommandTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test func twentySecondsOfDemoScoreShadowAndRaiseADriftAlertOnTheShiftedFeatures() throws {
        // A debug build scores far slower than a release build, so the rate is modest; the drift windows (5,000
        // events) still close several times after the shift at 10 s.
        let demo = try ExternalProcess(
            try sluiceExecutable(),
            [
                "demo", "--duration", "20", "--rate", "3000", "--telemetry-port", "0",
                "--topology", Self.repository.appendingPathComponent("topologies/demo.yaml").path,
            ])
        let result = demo.finish(timeout: 180)
        #expect(result.status == 0, "\(result.errors.suffix(2000))")
        let summary = result.output
        func count(after label: String) -> Int? {
            guard let line = summary.split(separator: "\n").first(where: { $0.contains(label) }),
                let range = line.range(of: label)
            else { return nil }
            return Int(
                line[range.upperBound...].prefix { $0.isNumber || $0 == "," }.replacingOccurrences(of: ",", with: ""))
        }
        let predictions = count(after: "predictions ") ?? 0
        #expect(predictions > 50_000, "\(summary)")
        #expect(count(after: "dead letters ") ?? 0 > 0, "\(summary)")
        let shadowLine = summary.split(separator: "\n").first { $0.contains("  shadow ") } ?? ""
        #expect(shadowLine.contains("fraud-lgbm"), "\(summary)")
        let shadowRecords =
            shadowLine.components(separatedBy: ", ").first { $0.hasSuffix("records on the shadow topic") }
            .flatMap { Int($0.split(separator: " ").first!.replacingOccurrences(of: ",", with: "")) } ?? 0
        #expect(shadowRecords > 50_000, "\(summary)")
        let driftLine = summary.split(separator: "\n").first { $0.contains("  drift ") } ?? ""
        #expect(
            driftLine.contains("log_amount") || driftLine.contains("online"),
            "an alert on a feature the shift moved: \(driftLine)\n\(result.errors.suffix(3000))")
    }
}
