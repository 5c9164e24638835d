@testable import SluiceCore
import Testing
import SluiceOperators

/// Reading a lane's real `EventFields` and window outputs through `EventExpressionInputs`, with the
/// symbols `ExpressionSymbolTable(schema:windowOutputs:)` derives from a schema.
@Suite struct FeatureInputTests {
    static func field(_ name: String, _ type: FieldType) -> FieldSpecification {
        FieldSpecification(
            name: name, path: name, type: type, isRequired: false,
            location: FileLocation(file: "t.yaml", line: 1, column: 1))
    }

    static let schema = [
        field("card_id", .string), field("amount", .double), field("items", .int), field("is_online", .bool),
        field("ts", .timestamp), field("country", .string),
    ]

    @Test func schemaTypesBecomeExpressionTypes() throws {
        let table = ExpressionSymbolTable(schema: Self.schema, windowOutputs: ["card_10m.n", "card_10m.total"])
        #expect(table.symbol(named: "card_id") == ExpressionSymbol(source: .event, slot: 0, type: .string))
        #expect(table.symbol(named: "amount") == ExpressionSymbol(source: .event, slot: 1, type: .number))
        #expect(table.symbol(named: "items") == ExpressionSymbol(source: .event, slot: 2, type: .number))
        #expect(table.symbol(named: "is_online") == ExpressionSymbol(source: .event, slot: 3, type: .bool))
        #expect(table.symbol(named: "ts") == ExpressionSymbol(source: .event, slot: 4, type: .timestamp))
        #expect(table.symbol(named: "card_10m.total") == ExpressionSymbol(source: .window, slot: 1, type: .number))
        #expect(
            table.names == ["amount", "card_10m.n", "card_10m.total", "card_id", "country", "is_online", "items", "ts"])
    }

    @Test func eventFieldsAndWindowOutputsAreRead() throws {
        var table = ExpressionSymbolTable(schema: Self.schema, windowOutputs: ["card_10m.n", "card_10m.total"])
        table.declare("merchant.risk_tier", source: .lookup, slot: 0, type: .number)
        let program = try FeatureProgram(
            features: [
                FeatureDefinition("per_item", "amount / items"),
                FeatureDefinition("online_foreign", "is_online and country != \"US\""),
                FeatureDefinition("mean", "card_10m.total / card_10m.n"),
                FeatureDefinition("hour", "hour_of_day(ts, \"Europe/Berlin\")"),
                FeatureDefinition("no_country", "is_null(country)"),
                FeatureDefinition("card", "hash_bucket(card_id, 1000)"),
                FeatureDefinition("tier", "coalesce(merchant.risk_tier, -1)"),
            ],
            symbols: table)
        #expect(
            program.inputNames == [
                "amount", "card_10m.n", "card_10m.total", "card_id", "country", "is_online", "items",
                "merchant.risk_tier", "ts",
            ])
        let evaluator = program.makeEvaluator()
        let fields = EventFields(schema: Self.schema)
        let card = Array("card-42".utf8)
        let country = Array("DE".utf8)
        var windows: [Double] = [4, 100]
        card.withUnsafeBytes { cardBytes in
            country.withUnsafeBytes { countryBytes in
                windows.withUnsafeMutableBufferPointer { windowOutputs in
                    fields.clear()
                    fields.setString(0, cardBytes)
                    fields.setNumber(1, 30)
                    fields.setInteger(2, 4)
                    fields.setNumber(3, 1)
                    fields.setInteger(4, 1_711_846_800_000)  // 2024-03-31T01:00:00Z, 03:00 in Berlin
                    fields.setString(5, countryBytes)
                    evaluator.evaluate(
                        EventExpressionInputs(fields: fields, windowOutputs: UnsafeBufferPointer(windowOutputs)))
                    let cardBucket = Double(referenceFNV1a(card) % 1000)
                    // no lookup rows in this adapter: the lookup field is null
                    #expect(Array(evaluator.values) == [7.5, 1, 25, 3, 0, cardBucket, -1])

                    fields.clear()
                    fields.setNumber(1, 30)
                    fields.setNumber(3, 1)
                    evaluator.evaluate(EventExpressionInputs(fields: fields))
                    let values = Array(evaluator.values)
                    #expect(values[0].isNaN)  // items missing
                    #expect(values[1] == 0)  // country missing: the comparison is false
                    #expect(values[2].isNaN)  // no window outputs passed: window aggregates read as null
                    #expect(values[3].isNaN)
                    #expect(values[4] == 1)
                    #expect(values[5].isNaN)
                }
            }
        }
    }
}
