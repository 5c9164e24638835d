import Foundation
import Testing

@testable import SluiceMonitoring

/// The joiner's rules written the slow, obvious way: arrays in insertion order, linear searches.
private struct ReferenceJoiner {
    struct Pending {
        var id: [UInt8]
        var time: Int64
        var eventTime: Int64
        var scores: [Double]
        var label: Double
    }

    let horizon: Int64
    let eventCap: Int
    let labelCap: Int
    let keyWidth: Int
    let isClassification: Bool
    var clock = Int64.min
    var events: [Pending] = []
    var labels: [Pending] = []
    var counters = LabelJoinerSnapshot.Counters()
    /// Every join in order: each model's score and the label.
    var joins: [(scores: [Double], label: Double)] = []
    var delaySum = 0.0

    init(_ c: LabelJoinerConfiguration) {
        horizon = c.horizonMilliseconds
        eventCap = c.maximumPendingEvents
        labelCap = c.maximumPendingLabels
        keyWidth = c.maximumEventIDBytes
        isClassification = c.task == .binaryClassification
    }

    mutating func advance(_ now: Int64) {
        clock = max(clock, now)
        let liveEvents = events.filter { clock - $0.time < horizon }
        counters.expiredEvents += events.count - liveEvents.count
        events = liveEvents
        let liveLabels = labels.filter { clock - $0.time < horizon }
        counters.expiredLabels += labels.count - liveLabels.count
        labels = liveLabels
    }

    mutating func remember(_ id: [UInt8], eventTime: Int64, scores: [Double], now: Int64) -> LabelJoiner.RememberOutcome
    {
        advance(now)
        counters.eventsReceived += 1
        guard !id.isEmpty, id.count <= keyWidth else {
            counters.rejectedEventIDs += 1
            return .rejected
        }
        if let k = labels.firstIndex(where: { $0.id == id }) {
            joins.append((scores, labels[k].label))
            delaySum += Double(labels[k].time) - Double(eventTime)
            labels.remove(at: k)
            counters.joinedOnScore += 1
            return .joined
        }
        if events.contains(where: { $0.id == id }) {
            counters.duplicateEvents += 1
            return .duplicate
        }
        if events.count == eventCap {
            events.removeFirst()
            counters.evictedEvents += 1
        }
        events.append(Pending(id: id, time: clock, eventTime: eventTime, scores: scores, label: 0))
        counters.eventsRemembered += 1
        return .remembered
    }

    mutating func label(_ id: [UInt8], value: Double, now: Int64) -> LabelJoiner.LabelOutcome {
        advance(now)
        counters.labelsReceived += 1
        guard !id.isEmpty, id.count <= keyWidth else {
            counters.rejectedLabelIDs += 1
            return .rejected
        }
        guard isClassification ? (value == 0 || value == 1) : value.isFinite else {
            counters.invalidLabels += 1
            return .invalid
        }
        if let k = events.firstIndex(where: { $0.id == id }) {
            joins.append((events[k].scores, value))
            delaySum += Double(clock) - Double(events[k].eventTime)
            events.remove(at: k)
            counters.joinedOnLabel += 1
            return .joined
        }
        if labels.contains(where: { $0.id == id }) {
            counters.duplicateLabels += 1
            return .duplicate
        }
        if labels.count == labelCap {
            labels.removeFirst()
            counters.evictedLabels += 1
        }
        labels.append(Pending(id: id, time: clock, eventTime: 0, scores: [], label: value))
        counters.labelsHeld += 1
        return .held
    }

    var expectedCounters: LabelJoinerSnapshot.Counters {
        var c = counters
        c.pendingEvents = events.count
        c.pendingLabels = labels.count
        return c
    }
}

/// ROC AUC by comparing every (positive, negative) pair.
private func pairwiseAUC(_ scores: [Double], _ labels: [Double]) -> Double? {
    let p = zip(scores, labels).filter { $0.1 == 1 }.map(\.0)
    let n = zip(scores, labels).filter { $0.1 == 0 }.map(\.0)
    guard !p.isEmpty, !n.isEmpty else { return nil }
    var wins = 0.0
    for a in p {
        for b in n { wins += a > b ? 1 : (a == b ? 0.5 : 0) }
    }
    return wins / Double(p.count * n.count)
}

private func checkConservation(_ c: LabelJoinerSnapshot.Counters, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(
        c.eventsReceived == c.eventsRemembered + c.joinedOnScore + c.duplicateEvents + c.rejectedEventIDs,
        sourceLocation: sourceLocation)
    #expect(
        c.eventsRemembered == c.pendingEvents + c.joinedOnLabel + c.evictedEvents + c.expiredEvents,
        sourceLocation: sourceLocation)
    #expect(
        c.labelsReceived == c.joinedOnLabel + c.labelsHeld + c.duplicateLabels + c.invalidLabels + c.rejectedLabelIDs,
        sourceLocation: sourceLocation)
    #expect(
        c.labelsHeld == c.pendingLabels + c.joinedOnScore + c.evictedLabels + c.expiredLabels,
        sourceLocation: sourceLocation)
}

@Suite("Label joiner")
struct LabelJoinerTests {
    static func joiner(
        horizon: Int64 = 100, events: Int = 1_000, labels: Int = 1_000,
        task: LabelJoinerConfiguration.Task = .binaryClassification,
        window: Int = 1_000
    ) throws -> LabelJoiner {
        try LabelJoiner(
            configuration: LabelJoinerConfiguration(
                primaryModel: "p", shadowModels: ["s"], task: task, horizonMilliseconds: horizon,
                maximumPendingEvents: events, maximumPendingLabels: labels, maximumEventIDBytes: 16,
                windowLabels: window))
    }

    @Test func labelAfterScoreJoinsAndForgetsTheEvent() throws {
        let j = try Self.joiner()
        #expect(j.remember(eventID: "a", eventTimeMs: 10, scores: [0.9, 0.2], nowMs: 20) == .remembered)
        #expect(j.counters.pendingEvents == 1)
        #expect(j.label(eventID: "a", outcome: 1, nowMs: 50) == .joined)
        let s = j.snapshot()
        #expect(s.counters.joinedOnLabel == 1 && s.counters.pendingEvents == 0)
        #expect(s.meanLabelDelayMilliseconds == 40)
        #expect(s.models[0].sinceStart.confusion?.truePositives == 1)
        #expect(s.models[1].sinceStart.confusion?.falseNegatives == 1)
        // Forgotten: the same label again finds nothing and waits.
        #expect(j.label(eventID: "a", outcome: 1, nowMs: 60) == .held)
    }

    @Test func labelBeforeScoreWaitsAndJoinsWhenTheEventArrives() throws {
        let j = try Self.joiner()
        #expect(j.label(eventID: "b", outcome: 0, nowMs: 5) == .held)
        #expect(j.counters.pendingLabels == 1)
        #expect(j.remember(eventID: "b", eventTimeMs: 1, scores: [0.7, 0.1], nowMs: 30) == .joined)
        let s = j.snapshot()
        #expect(s.counters.joinedOnScore == 1 && s.counters.pendingLabels == 0 && s.counters.pendingEvents == 0)
        #expect(s.meanLabelDelayMilliseconds == 4)  // label arrival 5 − event time 1
        #expect(s.models[0].sinceStart.confusion?.falsePositives == 1)
        #expect(s.models[1].sinceStart.confusion?.trueNegatives == 1)
    }

    @Test func eventsExpireExactlyAtTheHorizon() throws {
        let j = try Self.joiner(horizon: 100)
        j.remember(eventID: "early", eventTimeMs: 0, scores: [0.5, 0.5], nowMs: 1_000)
        j.remember(eventID: "late", eventTimeMs: 0, scores: [0.5, 0.5], nowMs: 1_000)
        // One ms before the horizon the event is still there…
        #expect(j.label(eventID: "early", outcome: 1, nowMs: 1_099) == .joined)
        // …at the horizon it is gone, and the label waits instead.
        #expect(j.label(eventID: "late", outcome: 1, nowMs: 1_100) == .held)
        let c = j.counters
        #expect(c.expiredEvents == 1 && c.joinedOnLabel == 1 && c.labelsHeld == 1)
    }

    @Test func labelsExpireExactlyAtTheHorizon() throws {
        let j = try Self.joiner(horizon: 100)
        j.label(eventID: "x", outcome: 1, nowMs: 500)
        j.label(eventID: "y", outcome: 1, nowMs: 500)
        #expect(j.remember(eventID: "x", eventTimeMs: 0, scores: [0.1, 0.1], nowMs: 599) == .joined)
        #expect(j.remember(eventID: "y", eventTimeMs: 0, scores: [0.1, 0.1], nowMs: 600) == .remembered)
        #expect(j.counters.expiredLabels == 1)
        // Idle expiry: nothing arrives, the clock moves on.
        j.expire(nowMs: 699)
        #expect(j.counters.pendingEvents == 1)
        j.expire(nowMs: 700)
        #expect(j.counters.pendingEvents == 0 && j.counters.expiredEvents == 1)
    }

    @Test func aClockGoingBackwardsCountsAsTheLatestTimeSeen() throws {
        let j = try Self.joiner(horizon: 100)
        j.remember(eventID: "a", eventTimeMs: 0, scores: [0.5, 0.5], nowMs: 1_000)
        j.expire(nowMs: 1_150)  // "a" expires
        j.remember(eventID: "b", eventTimeMs: 0, scores: [0.5, 0.5], nowMs: 10)  // stored at 1,150
        #expect(j.label(eventID: "b", outcome: 0, nowMs: 1_249) == .joined)
        #expect(j.counters.expiredEvents == 1)
    }

    @Test func aClockLeapingAcrossTheInt64RangeExpiresWithoutOverflow() throws {
        let j = try Self.joiner(horizon: 100)
        j.remember(eventID: "a", eventTimeMs: 0, scores: [0.5, 0.5], nowMs: .min + 1)
        j.expire(nowMs: .max)
        #expect(j.counters.expiredEvents == 1)
    }

    @Test func theOldestEventIsEvictedAtTheCap() throws {
        let j = try Self.joiner(events: 3)
        for id in ["a", "b", "c", "d"] { j.remember(eventID: id, eventTimeMs: 0, scores: [0.5, 0.5], nowMs: 0) }
        #expect(j.counters.evictedEvents == 1 && j.counters.pendingEvents == 3)
        #expect(j.label(eventID: "a", outcome: 1, nowMs: 0) == .held)
        #expect(j.label(eventID: "b", outcome: 1, nowMs: 0) == .joined)
        // A join frees room: the next event evicts nothing.
        j.remember(eventID: "e", eventTimeMs: 0, scores: [0.5, 0.5], nowMs: 0)
        #expect(j.counters.evictedEvents == 1)
        j.remember(eventID: "f", eventTimeMs: 0, scores: [0.5, 0.5], nowMs: 0)
        #expect(j.counters.evictedEvents == 2)
        #expect(j.label(eventID: "c", outcome: 1, nowMs: 0) == .held)  // c was the oldest
    }

    @Test func theOldestLabelIsEvictedAtTheCap() throws {
        let j = try Self.joiner(labels: 2)
        for id in ["a", "b", "c"] { j.label(eventID: id, outcome: 1, nowMs: 0) }
        #expect(j.counters.evictedLabels == 1 && j.counters.pendingLabels == 2)
        #expect(j.remember(eventID: "a", eventTimeMs: 0, scores: [0.5, 0.5], nowMs: 0) == .remembered)
        #expect(j.remember(eventID: "b", eventTimeMs: 0, scores: [0.5, 0.5], nowMs: 0) == .joined)
    }

    @Test func duplicateLabelsKeepTheFirstAndDuplicateEventsKeepTheFirst() throws {
        let j = try Self.joiner()
        #expect(j.label(eventID: "d", outcome: 1, nowMs: 0) == .held)
        #expect(j.label(eventID: "d", outcome: 0, nowMs: 1) == .duplicate)
        #expect(j.remember(eventID: "d", eventTimeMs: 0, scores: [0.9, 0.9], nowMs: 2) == .joined)
        #expect(j.snapshot().models[0].sinceStart.positiveCount == 1)  // the first label, 1, was used
        #expect(j.remember(eventID: "e", eventTimeMs: 0, scores: [0.9, 0.9], nowMs: 3) == .remembered)
        #expect(j.remember(eventID: "e", eventTimeMs: 0, scores: [0.1, 0.1], nowMs: 4) == .duplicate)
        #expect(j.label(eventID: "e", outcome: 1, nowMs: 5) == .joined)
        #expect(j.snapshot().models[0].sinceStart.confusion?.truePositives == 2)  // first scores, 0.9
        let c = j.counters
        #expect(c.duplicateLabels == 1 && c.duplicateEvents == 1)
    }

    @Test func unknownIdsWaitAndExpire() throws {
        let j = try Self.joiner(horizon: 10)
        #expect(j.label(eventID: "never-scored", outcome: 0, nowMs: 0) == .held)
        j.expire(nowMs: 10)
        let c = j.counters
        #expect(c.expiredLabels == 1 && c.pendingLabels == 0 && c.joined == 0)
    }

    @Test func emptyAndOverlongIdsAndInvalidLabelsAreRejectedAndCounted() throws {
        let j = try Self.joiner()
        #expect(j.remember(eventID: "", eventTimeMs: 0, scores: [0.5, 0.5], nowMs: 0) == .rejected)
        #expect(
            j.remember(eventID: String(repeating: "x", count: 17), eventTimeMs: 0, scores: [0.5, 0.5], nowMs: 0)
                == .rejected)
        #expect(
            j.remember(eventID: String(repeating: "x", count: 16), eventTimeMs: 0, scores: [0.5, 0.5], nowMs: 0)
                == .remembered)
        #expect(j.label(eventID: [UInt8](), outcome: 1, nowMs: 0) == .rejected)
        #expect(j.label(eventID: "a", outcome: 0.5, nowMs: 0) == .invalid)
        #expect(j.label(eventID: "a", outcome: .nan, nowMs: 0) == .invalid)
        #expect(j.label(eventID: "a", outcome: 2, nowMs: 0) == .invalid)
        let c = j.counters
        #expect(c.rejectedEventIDs == 2 && c.rejectedLabelIDs == 1 && c.invalidLabels == 3)
        let r = try Self.joiner(task: .regression)
        #expect(r.label(eventID: "a", outcome: 0.5, nowMs: 0) == .held)
        #expect(r.label(eventID: "b", outcome: .infinity, nowMs: 0) == .invalid)
    }

    @Test func idsAreComparedAsBytes() throws {
        let j = try Self.joiner()
        // Same UTF-8 bytes through both entry points; a prefix and binary bytes are different ids.
        #expect(j.remember(eventID: [0x61, 0x62], eventTimeMs: 0, scores: [0.5, 0.5], nowMs: 0) == .remembered)
        #expect(j.remember(eventID: "a", eventTimeMs: 0, scores: [0.5, 0.5], nowMs: 0) == .remembered)
        #expect(j.remember(eventID: [0x00, 0xFF, 0x00], eventTimeMs: 0, scores: [0.5, 0.5], nowMs: 0) == .remembered)
        #expect(j.label(eventID: "ab", outcome: 1, nowMs: 0) == .joined)
        #expect(j.label(eventID: [0x00, 0xFF], outcome: 1, nowMs: 0) == .held)
        #expect(j.label(eventID: [0x00, 0xFF, 0x00], outcome: 1, nowMs: 0) == .joined)
    }

    @Test func aShadowWithoutAScoreCountsAsMissingAndKeepsThePrimarysJoin() throws {
        let j = try Self.joiner()
        j.remember(eventID: "a", eventTimeMs: 0, scores: [0.8, .nan], nowMs: 0)
        j.label(eventID: "a", outcome: 1, nowMs: 0)
        let s = j.snapshot()
        #expect(s.models[0].sinceStart.labeledCount == 1 && s.models[0].missingScoreCount == 0)
        #expect(s.models[1].sinceStart.labeledCount == 0 && s.models[1].missingScoreCount == 1)
        #expect(s.models[1].window.logLoss == nil)
    }

    @Test func invalidConfigurationsAreRejected() {
        let bad = [
            LabelJoinerConfiguration(primaryModel: "p", shadowModels: ["p"]),
            LabelJoinerConfiguration(primaryModel: "p", horizonMilliseconds: 0),
            LabelJoinerConfiguration(primaryModel: "p", maximumPendingEvents: 0),
            LabelJoinerConfiguration(primaryModel: "p", maximumEventIDBytes: 0),
            LabelJoinerConfiguration(primaryModel: "p", windowLabels: 0),
            LabelJoinerConfiguration(primaryModel: "p", decisionThreshold: .nan),
            LabelJoinerConfiguration(primaryModel: "p", sinceStartAUCBins: 1),
        ]
        for c in bad {
            #expect(throws: MonitoringError.self) { try LabelJoiner(configuration: c) }
        }
    }

    /// Random interleavings against the reference: every call's outcome and every counter after it,
    /// then each model's quality against brute force over the reference's joins.
    @Test(arguments: [UInt64(11), 12, 13, 14])
    func randomInterleavingsMatchTheReferenceCountByCount(seed: UInt64) throws {
        var rng = SyntheticStream(seed: seed)
        let configuration = LabelJoinerConfiguration(
            primaryModel: "p", shadowModels: ["s"], horizonMilliseconds: 60, maximumPendingEvents: 25,
            maximumPendingLabels: 10, maximumEventIDBytes: 12, windowLabels: 50)
        let joiner = try LabelJoiner(configuration: configuration)
        var reference = ReferenceJoiner(configuration)
        var now: Int64 = 1_000
        func randomID() -> [UInt8] {
            let u = rng.uniform()
            if u < 0.01 { return [] }
            if u < 0.03 { return Array("too-long-id-\(Int(u * 1e6))".utf8) }
            return Array("id\(Int(rng.uniform() * 120))".utf8)
        }
        for step in 0..<20_000 {
            let u = rng.uniform()
            now += rng.uniform() < 0.05 ? -30 : Int64(rng.uniform() * 8)
            if u < 0.5 {
                let id = randomID()
                let scores = [
                    (rng.uniform() * 20).rounded() / 20,
                    rng.uniform() < 0.1 ? .nan : (rng.uniform() * 20).rounded() / 20,
                ]
                let eventTime = now - Int64(rng.uniform() * 1_000)
                let got = joiner.remember(eventID: id, eventTimeMs: eventTime, scores: scores, nowMs: now)
                let want = reference.remember(id, eventTime: eventTime, scores: scores, now: now)
                #expect(got == want, "step \(step) remember")
            } else if u < 0.98 {
                let id = randomID()
                let v = rng.uniform()
                let value = v < 0.02 ? 0.5 : (v < 0.03 ? .nan : (v < 0.35 ? 1 : 0))
                let got = joiner.label(eventID: id, outcome: value, nowMs: now)
                let want = reference.label(id, value: value, now: now)
                #expect(got == want, "step \(step) label")
            } else {
                joiner.expire(nowMs: now)
                reference.advance(now)
            }
            #expect(joiner.counters == reference.expectedCounters, "step \(step) counters")
            if joiner.counters != reference.expectedCounters { break }
        }
        let snapshot = joiner.snapshot()
        checkConservation(snapshot.counters)
        let c = snapshot.counters
        // Every path was taken.
        for (name, n) in [
            ("joinedOnLabel", c.joinedOnLabel), ("joinedOnScore", c.joinedOnScore), ("evictedEvents", c.evictedEvents),
            ("expiredEvents", c.expiredEvents), ("evictedLabels", c.evictedLabels), ("expiredLabels", c.expiredLabels),
            ("duplicateEvents", c.duplicateEvents), ("duplicateLabels", c.duplicateLabels),
            ("invalidLabels", c.invalidLabels), ("rejectedEventIDs", c.rejectedEventIDs),
        ] {
            #expect(n > 0, "\(name) never happened")
        }
        expectClose(
            snapshot.meanLabelDelayMilliseconds, reference.delaySum / Double(reference.joins.count), "label delay")
        for m in 0..<2 {
            let pairs = reference.joins.filter { !$0.scores[m].isNaN }
            let model = snapshot.models[m]
            #expect(model.missingScoreCount == reference.joins.count - pairs.count)
            #expect(model.sinceStart.labeledCount == pairs.count)
            #expect(model.sinceStart.positiveCount == pairs.filter { $0.label == 1 }.count)
            let eps = 2.220446049250313e-16
            let logLoss =
                pairs.map { -log(min(max($0.label == 1 ? $0.scores[m] : 1 - $0.scores[m], eps), 1 - eps)) }
                .reduce(0, +) / Double(pairs.count)
            expectClose(model.sinceStart.logLoss, logLoss, "model \(m) log loss since start")
            let window = pairs.suffix(50)
            #expect(model.window.labeledCount == window.count)
            expectClose(
                model.window.rocAUC, pairwiseAUC(window.map { $0.scores[m] }, window.map(\.label)),
                "model \(m) window auc")
            let tp = window.filter { $0.label == 1 && $0.scores[m] >= 0.5 }.count
            let fp = window.filter { $0.label == 0 && $0.scores[m] >= 0.5 }.count
            #expect(model.window.confusion?.truePositives == tp && model.window.confusion?.falsePositives == fp)
        }
    }
}
