import Foundation
import SluiceCore
import Testing

@testable import SluiceRuntime

/// The topology's `features` and `count_if` windows wired into the pipeline, checked against a brute-force
/// recomputation from the raw events (time zones through Foundation's calendar, not Sluice's own tables).
@Suite struct FeaturePipelineTests {
    static let topologyText = """
        name: features-test
        source:
          topic: tx
          key: card
          event_time: ts
          schema:
            id:      { type: int, required: true }
            card:    { type: string, required: true }
            amount:  { type: double, required: true }
            country: { type: string }
            ts:      { type: timestamp, unit: ms, required: true }
        windows:
          card_1m:
            key: card
            tumbling: 1m
            aggregates:
              n: count
              total: sum(amount)
              big: "count_if(amount > 100)"
              abroad: 'count_if(country != "US")'
        features:
          log_amount: log1p(amount)
          ratio:      amount / max(card_1m.total / card_1m.n, 1)
          abroad:     country != "US"
          night:      hour_of_day(ts, "America/New_York") < 6
          big_abroad: abroad and amount > 100
          region:     one_hot(country, ["US", "GB"])
        sinks:
          dead_letter: tx-dlq
          feature_inputs: tx-features
        """

    struct RawEvent {
        var id: Int
        var card: String
        var amount: Double
        var country: String?
        var time: Int64
    }

    @Test(arguments: [UInt64(11), 12])
    func featureColumnsEqualABruteForceRecomputation(seed: UInt64) throws {
        var random = SeededRandom(seed: seed)
        var clock: Int64 = 1_700_000_000_000
        let countries: [String?] = ["US", "US", "GB", "DE", nil]
        let events = (0..<2000).map { id -> RawEvent in
            clock += Int64(random.next() % 600_000)  // up to 10 minutes apart: a few days, every hour of the day
            return RawEvent(
                id: id, card: "card-\(random.next() % 5)", amount: Double(random.next() % 30_000) / 100,
                country: countries[Int(random.next() % 5)], time: clock)
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("features-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("events.jsonl").path
        try events.map { event in
            let country = event.country.map { #","country":"\#($0)""# } ?? ""
            return
                #"{"id":\#(event.id),"card":"\#(event.card)","amount":\#(event.amount)\#(country),"ts":\#(event.time)}"#
        }.joined(separator: "\n").write(toFile: input, atomically: true, encoding: .utf8)
        let pipeline = try TopologyPipeline(topology: TopologyLoader.load(text: Self.topologyText, file: "f.yaml"))
        #expect(
            pipeline.featureColumnNames == [
                "log_amount", "ratio", "abroad", "night", "big_abroad", "region=US", "region=GB",
            ])
        _ = try ReplayRunner.run(
            factory: pipeline, sourceTopic: "tx", input: input, format: .payload,
            outputDirectory: directory.path)
        let outputs = try String(
            contentsOfFile: directory.appendingPathComponent("feature-inputs.jsonl").path,
            encoding: .utf8
        ).split(separator: "\n").map { jsonObject(Array($0.utf8))! }
        #expect(outputs.count == events.count)

        var newYork = Calendar(identifier: .gregorian)
        newYork.timeZone = TimeZone(identifier: "America/New_York")!
        var mismatches = 0
        for (event, output) in zip(events, outputs) {
            let windowStart = event.time - ((event.time % 60_000) + 60_000) % 60_000
            let inWindow = events.prefix(event.id + 1).filter {
                $0.card == event.card && $0.time >= windowStart && $0.time < windowStart + 60_000
            }
            let n = Double(inWindow.count)
            let total = inWindow.reduce(0) { $0 + $1.amount }
            let hour = newYork.component(.hour, from: Date(timeIntervalSince1970: Double(event.time) / 1000))
            let abroad = event.country != nil && event.country != "US"
            let expected: [String: Double] = [
                "card_1m.n": n,
                "card_1m.total": total,
                "card_1m.big": Double(inWindow.filter { $0.amount > 100 }.count),
                "card_1m.abroad": Double(inWindow.filter { $0.country != nil && $0.country != "US" }.count),
                "log_amount": Foundation.log1p(event.amount),
                "ratio": event.amount / Swift.max(total / n, 1),
                "abroad": abroad ? 1 : 0,
                "night": hour < 6 ? 1 : 0,
                "big_abroad": abroad && event.amount > 100 ? 1 : 0,
                "region=US": event.country == "US" ? 1 : 0,
                "region=GB": event.country == "GB" ? 1 : 0,
            ]
            #expect(output["id"] as? Int == event.id)
            for (name, value) in expected {
                guard let actual = output[name] as? Double, abs(actual - value) <= 1e-9 * Swift.max(1, abs(value))
                else {
                    mismatches += 1
                    if mismatches <= 5 {
                        Issue.record("event \(event.id) \(name): \(output[name] ?? "absent") vs \(value)")
                    }
                    continue
                }
            }
        }
        #expect(mismatches == 0)
    }

    /// A model reads a feature column by name, like any other input.
    @Test func featureColumnsAreModelInputs() throws {
        let pipeline = try TopologyPipeline(topology: TopologyLoader.load(text: Self.topologyText, file: "f.yaml"))
        let names = pipeline.featureInputNames
        #expect(names.prefix(5) == ["id", "card", "amount", "country", "ts"])
        #expect(names.suffix(7) == ["log_amount", "ratio", "abroad", "night", "big_abroad", "region=US", "region=GB"])
        #expect(names.contains("card_1m.big"))
    }

    @Test func everyBrokenExpressionIsReportedAtItsPlaceInTheFile() throws {
        let broken = Self.topologyText
            .replacingOccurrences(
                of: "ratio:      amount / max(card_1m.total", with: "ratio:      amount / max(card_1m.totl"
            )
            .replacingOccurrences(of: "big: \"count_if(amount > 100)\"", with: "big: \"count_if(amount + 100)\"")
            .replacingOccurrences(
                of: "night:      hour_of_day(ts, \"America/New_York\") < 6",
                with: "night:      hour_of_day(ts, \"Mars/Olympus\") < 6")
        let topology = try TopologyLoader.load(text: broken, file: "f.yaml")
        do {
            _ = try TopologyPipeline(topology: topology)
            Issue.record("the broken topology compiled")
        } catch let error as TopologyError {
            let lines = error.diagnostics.map(\.description)
            #expect(lines.count == 3, "\(lines)")
            // `  ratio:      amount / max(` puts the name at column 28 of line 23.
            #expect(
                lines.contains {
                    $0.hasPrefix("f.yaml:23:28:") && $0.contains("card_1m.totl") && $0.contains("card_1m.total")
                })
            #expect(
                lines.contains {
                    $0.hasPrefix("f.yaml:") && $0.contains("count_if(amount + 100)") && $0.contains("condition")
                })
            #expect(lines.contains { $0.hasPrefix("f.yaml:25:31:") && $0.contains("Mars/Olympus") })
        }
    }

    @Test func featureSectionProblemsAreFoundByTheLoader() {
        let text = Self.topologyText.replacingOccurrences(
            of: "  log_amount: log1p(amount)\n",
            with: """
                  log_amount: log1p(amount)
                  2fast: amount
                  nested: { a: 1 }

                """)
        do {
            _ = try TopologyLoader.load(text: text, file: "f.yaml")
            Issue.record("the topology loaded")
        } catch {
            let lines = error.diagnostics.map(\.description)
            #expect(lines.contains { $0.contains("'2fast'") && $0.contains("letter") })
            #expect(lines.contains { $0.contains("features.nested") && $0.contains("expression") })
        }
        // YAML itself refuses a feature defined twice.
        do {
            _ = try TopologyLoader.load(
                text: Self.topologyText.replacingOccurrences(
                    of: "  log_amount: log1p(amount)\n", with: "  log_amount: log1p(amount)\n  log_amount: amount\n"),
                file: "f.yaml")
            Issue.record("the topology loaded")
        } catch {
            #expect(error.diagnostics.map(\.description).contains { $0.contains("duplicate key 'log_amount'") })
        }
    }

    @Test func featureLogProblemsAreFoundByTheLoader() {
        let text = Self.topologyText.replacingOccurrences(
            of: "sinks:\n", with: "feature_log: { sample: 1.5 }\nsinks:\n  feature_log: tx-feature-log\n")
        do {
            _ = try TopologyLoader.load(text: text, file: "f.yaml")
            Issue.record("the topology loaded")
        } catch {
            let lines = error.diagnostics.map(\.description)
            #expect(lines.contains { $0.contains("'feature_log.sample'") && $0.contains("1.5") }, "\(lines)")
            #expect(
                lines.contains { $0.contains("'sinks.feature_log'") && $0.contains("no primary model") }, "\(lines)")
        }
    }
}
