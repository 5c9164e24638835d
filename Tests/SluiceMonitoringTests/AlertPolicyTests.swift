import Foundation
import Testing

import SluiceMonitoring

@Suite("Alert policy")
struct AlertPolicyTests {
    let key = AlertPolicy.Key(model: "fraud-v3", subject: .feature, feature: "amount", statistic: .psi)

    func makePolicy(n: Int = 2, resolve: Int = 2, cooldownMs: Int64 = 10_000) -> AlertPolicy {
        AlertPolicy(
            topology: "card-fraud", referenceName: "train", referenceFingerprint: "00ff",
            configuration: .init(consecutiveWindows: n, resolveWindows: resolve, cooldownMs: cooldownMs))
    }

    /// Feeds PSI values, one window per second of event time; returns (window index, alert) pairs.
    func run(_ policy: inout AlertPolicy, _ values: [Double], startWindow: Int = 0) -> [(Int, DriftAlert)] {
        var out: [(Int, DriftAlert)] = []
        for (i, v) in values.enumerated() {
            let w = Int64(startWindow + i)
            let window = AlertPolicy.Window(startMs: w * 1_000, endMs: w * 1_000 + 999, eventCount: 100)
            if let a = policy.evaluate(key, value: v, threshold: .psi, window: window) {
                out.append((startWindow + i, a))
            }
        }
        return out
    }

    @Test func oneBreachingWindowIsNotEnough() {
        var p = makePolicy()
        let alerts = run(&p, [0.3, 0.01, 0.3, 0.01, 0.12, 0.0])
        #expect(alerts.isEmpty)
    }

    @Test func consecutiveBreachesFireAtTheSeverityTheyAllReach() {
        var p = makePolicy()
        let alerts = run(&p, [0.01, 0.3, 0.12])
        #expect(alerts.count == 1)
        let (i, a) = alerts[0]
        #expect(i == 2)
        #expect(a.severity == .warning && a.state == .firing)
        #expect(a.value == 0.12 && a.threshold == 0.1)
        #expect(a.topology == "card-fraud" && a.model == "fraud-v3" && a.feature == "amount")
        #expect(a.windowStartMs == 2_000 && a.windowEndMs == 2_999 && a.eventCount == 100)
        #expect(a.referenceName == "train" && a.referenceFingerprint == "00ff")
    }

    @Test func escalationToCriticalFiresInsideTheCooldown() {
        var p = makePolicy(cooldownMs: 60_000)
        let alerts = run(&p, [0.12, 0.12, 0.3, 0.3, 0.3])
        #expect(alerts.map(\.0) == [1, 3])
        #expect(alerts.map(\.1.severity) == [.warning, .critical])
        #expect(alerts[1].1.threshold == 0.25)
    }

    @Test func repeatsWaitForTheCooldown() {
        var p = makePolicy(cooldownMs: 5_000)
        // Breaching all the time: fires at window 1, then again once 5 s of event time have passed.
        let alerts = run(&p, Array(repeating: 0.15, count: 14))
        #expect(alerts.map(\.0) == [1, 6, 11])
        #expect(alerts.allSatisfy { $0.1.state == .firing && $0.1.severity == .warning })
    }

    @Test func resolvesAfterEnoughCleanWindowsInARow() {
        var p = makePolicy(resolve: 3)
        let alerts = run(&p, [0.3, 0.3, 0.01, 0.01, 0.3, 0.01, 0.01, 0.01, 0.01])
        #expect(alerts.map(\.0) == [1, 7])
        #expect(alerts[1].1.state == .resolved)
        #expect(alerts[1].1.severity == .critical)
        #expect(alerts[1].1.value == 0.01)
        #expect(p.firingSeverity(of: key) == nil)
    }

    @Test func windowsWithoutEnoughDataNeitherExtendNorBreakAStreak() {
        var p = makePolicy(n: 3)
        let alerts = run(&p, [0.3, .nan, 0.3, .nan, .nan, 0.3])
        #expect(alerts.map(\.0) == [5])
    }

    @Test func afterAResolveTheCooldownHoldsBackTheSameSeverityButNotAWorseOne() {
        var p = makePolicy(n: 2, resolve: 1, cooldownMs: 100_000)
        let first = run(&p, [0.12, 0.12, 0.0])
        #expect(first.map(\.1.state) == [.firing, .resolved])
        let again = run(&p, [0.12, 0.12, 0.12], startWindow: 3)
        #expect(again.isEmpty)
        let worse = run(&p, [0.3, 0.3], startWindow: 6)
        #expect(worse.map(\.0) == [7])
        #expect(worse.first?.1.severity == .critical)
    }

    @Test func pValuesBreachBelowTheirThresholds() {
        var p = makePolicy()
        let pKey = AlertPolicy.Key(model: "m", subject: .feature, feature: "x", statistic: .ksPValue)
        var fired: [DriftAlert] = []
        for (i, v) in [0.5, 0.009, 0.0001, 0.2].enumerated() {
            let w = AlertPolicy.Window(startMs: Int64(i), endMs: Int64(i), eventCount: 1)
            if let a = p.evaluate(pKey, value: v, threshold: .ksPValue, window: w) { fired.append(a) }
        }
        #expect(fired.count == 1)
        #expect(fired.first?.severity == .warning && fired.first?.threshold == 0.01)
    }

    @Test func defaultsAreDocumented() {
        let c = AlertPolicy.Configuration()
        #expect(c.consecutiveWindows == 3 && c.resolveWindows == 3 && c.cooldownMs == 1_800_000)
        #expect(DriftThreshold.psi == DriftThreshold(warning: 0.1, critical: 0.25))
        #expect(DriftThreshold.ksPValue.warning == 0.01 && DriftThreshold.ksPValue.breachesBelow)
        #expect(DriftThreshold.chiSquarePValue.warning == 0.05 && DriftThreshold.chiSquarePValue.critical == 0.001)
    }
}

@Suite("Drift alert JSON")
struct DriftAlertJSONTests {
    func alert(feature: String = "amount", value: Double = 0.3125) -> DriftAlert {
        DriftAlert(
            topology: "card-fraud", model: "fraud-v3", subject: .feature, feature: feature, statistic: .psi,
            value: value, threshold: 0.25, windowStartMs: 1_700_000_000_000, windowEndMs: 1_700_000_060_000,
            eventCount: 10_000, referenceName: "fraud-train", referenceFingerprint: "0123456789abcdef",
            severity: .critical, state: .firing)
    }

    @Test func compactEncodingIsExactlyTheDocumentedObject() {
        var buffer: [UInt8] = []
        alert().encodeJSON(into: &buffer)
        let expected =
            #"{"type":"drift_alert","state":"firing","severity":"critical","topology":"card-fraud","#
            + #""model":"fraud-v3","subject":"feature","feature":"amount","statistic":"psi","value":0.3125,"#
            + #""threshold":0.25,"window_start_ms":1700000000000,"window_end_ms":1700000060000,"#
            + #""event_count":10000,"reference":{"name":"fraud-train","fingerprint":"0123456789abcdef"}}"#
        #expect(String(decoding: buffer, as: UTF8.self) == expected)
    }

    @Test func stringsAreEscapedAndNonFiniteNumbersBecomeNull() throws {
        let tricky = "a\"b\\c\nd\te\u{01}f\u{7F}é✓🙂/"
        var buffer: [UInt8] = []
        alert(feature: tricky, value: .nan).encodeJSON(into: &buffer)
        let text = String(decoding: buffer, as: UTF8.self)
        #expect(text.contains(#""feature":"a\"b\\c\nd\te\u0001f\u007fé✓🙂/""#))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(buffer)) as? [String: Any])
        #expect(object["feature"] as? String == tricky)
        #expect(object["value"] is NSNull)
        #expect(object["event_count"] as? Int == 10_000)
    }

    @Test func theBufferIsReusedWithoutGrowing() {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1_024)
        alert().encodeJSON(into: &buffer)
        // A copy of its own: sharing the storage would make the next removeAll(keepingCapacity:) reallocate.
        let first = buffer.map { $0 }
        let capacity = buffer.capacity
        for _ in 0..<100 {
            buffer.removeAll(keepingCapacity: true)
            alert().encodeJSON(into: &buffer)
        }
        #expect(buffer == first)
        #expect(buffer.capacity == capacity)
    }
}
