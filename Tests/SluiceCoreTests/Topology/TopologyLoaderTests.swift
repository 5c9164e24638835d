import Testing

@testable import SluiceCore

/// A valid topology that the broken ones below each change in one place.
private let validTopology = """
    name: card-checks
    source:
      topic: transactions
      key: card_id
      event_time: ts
      schema:
        card_id: { type: string, required: true, min_length: 1, max_length: 64 }
        amount:  { type: double, required: true, min: 0, max: 1000000 }
        country: { type: string, path: merchant.country, enum: [US, GB, DE] }
        items:   { type: int, min: 1 }
        ts:      { type: timestamp, unit: ms, required: true, max_future: 1h }
    sinks:
      events: transactions-valid
      dead_letter: transactions-dlq
    """

private func diagnostics(_ text: String) -> [TopologyDiagnostic] {
    do {
        _ = try TopologyLoader.load(text: text, file: "broken.yaml")
        return []
    } catch {
        return error.diagnostics
    }
}

@Suite struct TopologyLoaderTests {
    @Test func validTopologyLoadsWithEveryField() throws {
        let topology = try TopologyLoader.load(text: validTopology, file: "card.yaml")
        #expect(topology.name == "card-checks")
        #expect(topology.source.topic == "transactions")
        #expect(topology.source.keyField == "card_id")
        #expect(topology.source.eventTimeField == "ts")
        #expect(topology.source.fields.map(\.name) == ["card_id", "amount", "country", "items", "ts"])
        let country = try #require(topology.source.field(named: "country"))
        #expect(country.path == "merchant.country")
        #expect(country.allowedValues == ["US", "GB", "DE"])
        let amount = try #require(topology.source.field(named: "amount"))
        #expect(amount.type == .double && amount.isRequired && amount.minimum == 0 && amount.maximum == 1_000_000)
        #expect(amount.location.line == 8)
        let ts = try #require(topology.source.field(named: "ts"))
        #expect(ts.timestampUnit == .milliseconds && ts.maximumFutureMilliseconds == 3_600_000)
        #expect(topology.sinks.events == "transactions-valid" && topology.sinks.deadLetter == "transactions-dlq")
    }

    /// Each case: a broken topology, the line and column of the problem, and words the message must contain.
    @Test(
        arguments: [
            // 1. Unknown top-level key, with a suggestion.
            (
                validTopology.replacingOccurrences(of: "sinks:", with: "sink:"), 12, 1,
                ["unknown key 'sink'", "did you mean 'sinks'?"]
            ),
            // 2. Unknown schema setting, with a suggestion.
            (
                validTopology.replacingOccurrences(of: "required: true, min: 0", with: "requird: true, min: 0"), 8, 30,
                ["unknown key 'requird'", "did you mean 'required'?"]
            ),
            // 3. Unknown field type, with a suggestion.
            (
                validTopology.replacingOccurrences(of: "type: double", with: "type: dubble"), 8, 22,
                ["'source.schema.amount.type' must be one of", "did you mean 'double'?"]
            ),
            // 4. A number where a boolean belongs.
            (
                validTopology.replacingOccurrences(of: "required: true, min: 0", with: "required: 3, min: 0"), 8, 40,
                ["'source.schema.amount.required' must be true or false", "the number 3"]
            ),
            // 5. min greater than max.
            (
                validTopology.replacingOccurrences(of: "min: 0, max: 1000000", with: "min: 10, max: 5"), 8, 51,
                ["min 10.0 is greater than max 5.0"]
            ),
            // 6. The key names a field the schema lacks.
            (
                validTopology.replacingOccurrences(of: "key: card_id", with: "key: card_idd"), 4, 8,
                ["'source.key' names 'card_idd'", "did you mean 'card_id'?"]
            ),
            // 7. Event time on a non-timestamp field.
            (
                validTopology.replacingOccurrences(of: "event_time: ts", with: "event_time: amount"), 5, 15,
                ["a double field", "must be a timestamp field"]
            ),
            // 8. Missing required source topic.
            (
                validTopology.replacingOccurrences(of: "  topic: transactions\n", with: ""), 3, 3,
                ["'source.topic' is required"]
            ),
            // 9. Setting that does not apply to the type.
            (
                validTopology.replacingOccurrences(of: "type: int, min: 1", with: "type: int, min_length: 1"), 10, 39,
                ["'min_length' does not apply to int field 'items'"]
            ),
            // 10. Invalid YAML (unclosed flow mapping).
            (
                validTopology.replacingOccurrences(of: "max_future: 1h }", with: "max_future: 1h"), 12, 6,
                ["invalid YAML", "did not find expected ',' or '}'"]
            ),
            // 11. Duplicate key.
            (
                validTopology.replacingOccurrences(of: "  key: card_id\n", with: "  key: card_id\n  key: amount\n"), 4,
                3,
                ["duplicate key 'key'"]
            ),
            // 12. Bad duration.
            (
                validTopology.replacingOccurrences(of: "max_future: 1h", with: "max_future: soon"), 11, 71,
                ["'source.schema.ts.max_future' must be a positive duration"]
            ),
            // 13. No dead-letter sink.
            (
                validTopology.replacingOccurrences(of: "\n  dead_letter: transactions-dlq", with: ""), 13, 3,
                ["'sinks.dead_letter' is required"]
            ),
            // 14. A sink writing back to the source topic.
            (
                validTopology.replacingOccurrences(of: "events: transactions-valid", with: "events: transactions"), 13,
                11,
                ["sink 'events' writes to the source topic 'transactions'"]
            ),
            // 15. Timestamp without a unit.
            (
                validTopology.replacingOccurrences(of: "type: timestamp, unit: ms, ", with: "type: timestamp, "), 11,
                14,
                ["timestamp field 'ts' needs a 'unit'"]
            ),
            // 16. Two sinks on one topic.
            (
                validTopology.replacingOccurrences(
                    of: "dead_letter: transactions-dlq", with: "dead_letter: transactions-valid"),
                14, 16, ["both write to topic 'transactions-valid'"]
            ),
            // 17. Schema field name that is not an identifier.
            (
                validTopology.replacingOccurrences(of: "    items:", with: "    item-count:"), 10, 5,
                ["schema field name 'item-count' must start with a letter"]
            ),
        ] as [(String, Int, Int, [String])])
    func brokenTopologyIsReportedAtTheRightPlace(text: String, line: Int, column: Int, words: [String]) {
        let found = diagnostics(text)
        #expect(found.count == 1, "exactly one problem: \(found)")
        let first = found.first
        #expect(first?.location.line == line, "\(found)")
        #expect(first?.location.column == column, "\(found)")
        for word in words {
            #expect(first.map { $0.description.contains(word) } == true, "'\(word)' in \(found)")
        }
    }

    @Test func everyProblemOfAFileIsReportedAtOnce() {
        let text =
            validTopology
            .replacingOccurrences(of: "type: double", with: "type: dubble")
            .replacingOccurrences(of: "key: card_id", with: "kee: card_id")
            .replacingOccurrences(of: "sinks:", with: "sink:")
        let found = diagnostics(text)
        #expect(found.count >= 3, "\(found)")
        #expect(found.map(\.location.line) == found.map(\.location.line).sorted())
    }

    @Test func emptyFileSaysWhatATopologyNeeds() {
        #expect(diagnostics("").first?.message.contains("'name', 'source' and 'sinks'") == true)
    }

    @Test func suggestionsFindLikelyTyposOnly() {
        #expect(NameSuggestion.closest(to: "requird", among: ["required", "min"]) == "required")
        #expect(NameSuggestion.closest(to: "colour", among: ["required", "min"]) == nil)
        #expect(NameSuggestion.editDistance("kitten", "sitting") == 3)
    }

    @Test func durationsAcceptUnits() {
        #expect(DurationLiteral.milliseconds("250ms") == 250)
        #expect(DurationLiteral.milliseconds("30s") == 30_000)
        #expect(DurationLiteral.milliseconds("1.5m") == 90_000)
        #expect(DurationLiteral.milliseconds("2h") == 7_200_000)
        #expect(DurationLiteral.milliseconds("1d") == 86_400_000)
        #expect(DurationLiteral.milliseconds("10") == nil)
        #expect(DurationLiteral.milliseconds("ten s") == nil)
    }

    /// A shadow's `priority` is `idle` unless set; `normal` is read; anything else, or a priority on the primary,
    /// is an error at its line.
    @Test func shadowPriorityIsReadAndChecked() throws {
        func topology(primary: String = "", shadow: String) -> String {
            validTopology.replacingOccurrences(
                of: "transactions-dlq", with: "transactions-dlq\n  predictions: scores\n  shadow: shadow-scores")
                    + """

                    models:
                      primary: { name: a, path: a.json\(primary) }
                      shadows:
                        - { name: b, path: b.json\(shadow) }
                        - { name: c, path: c.json }
                    """
        }
        let loaded = try TopologyLoader.load(
            text: topology(shadow: ", priority: normal"), file: "t.yaml", requiringModelFiles: false)
        #expect(loaded.models.shadows.map(\.shadowPriority) == [.normal, .idle])

        func firstProblem(_ text: String) -> TopologyDiagnostic? {
            do {
                _ = try TopologyLoader.load(text: text, file: "t.yaml", requiringModelFiles: false)
                return nil
            } catch {
                return error.diagnostics.first
            }
        }
        let misspelled = try #require(firstProblem(topology(shadow: ", priority: norml")))
        #expect(misspelled.message.contains("must be one of: idle, normal; found 'norml'"))
        #expect(misspelled.suggestion?.contains("did you mean 'normal'?") == true)
        #expect(misspelled.location.line == 20)

        let onPrimary = try #require(firstProblem(topology(primary: ", priority: normal", shadow: "")))
        #expect(onPrimary.message.contains("'priority' applies to shadow models only"), "\(onPrimary.message)")
        #expect(onPrimary.location.line == 18)
    }
}
