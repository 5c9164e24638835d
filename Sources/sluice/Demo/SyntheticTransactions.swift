import Foundation

/// Realistic synthetic card transactions for the demo, the load generator and model training: cards with a
/// home country and a typical spend, merchants by category, a little fraud (larger amounts, foreign countries,
/// risky merchant categories, bursts), and an optional distribution shift from a given event on (prices rise,
/// more card-not-present spending abroad) that drift monitoring should notice.
struct SyntheticTransactions {
    struct Transaction {
        var id: Int
        var card: Int
        var amount: Double
        var merchantCategory: String
        var country: String
        var channel: String
        var time: Int64
        var isFraud: Bool
    }

    private struct Card {
        var home: String
        var typicalAmount: Double
    }

    private var random: SplitMix64
    private var cards: [Card]
    private var clock: Int64
    private(set) var sequence = 0
    /// The event from which the shifted distribution applies; nil never.
    var shiftAt: Int?
    private var burst: (card: Int, remaining: Int)? = nil

    static let countries = ["US", "US", "US", "US", "GB", "DE", "FR", "CA", "BR", "IN", "NG", "MX"]
    static let categories = ["5411", "5812", "5999", "4111", "5732", "5311", "5541", "4829", "7995", "5967"]
    static let riskyCategories = ["7995", "4829", "5967", "5732"]

    init(seed: UInt64 = 2026, cards: Int = 10_000, start: Int64 = 1_700_000_000_000) {
        random = SplitMix64(seed: seed)
        clock = start
        var generator = SplitMix64(seed: seed ^ 0x5EED)
        self.cards = (0..<cards).map { _ in
            let home = Self.countries[Int(generator.next() % UInt64(Self.countries.count))]
            let typical = exp(2.8 + 1.1 * Self.normal(&generator))
            return Card(home: home, typicalAmount: typical)
        }
    }

    /// The next transaction; `millisecondsApart` is the mean gap between transactions.
    mutating func next(millisecondsApart: Double = 10) -> Transaction {
        let shifted = shiftAt.map { sequence >= $0 } ?? false
        clock += Int64(-log(max(uniform(), 1e-12)) * millisecondsApart)
        let fraudRate = 0.02
        var isFraud = uniform() < fraudRate
        var cardIndex = Int(random.next() % UInt64(cards.count))
        if let current = burst {
            cardIndex = current.card
            isFraud = true
            burst = current.remaining > 1 ? (current.card, current.remaining - 1) : nil
        } else if isFraud, uniform() < 0.3 {
            burst = (cardIndex, 2 + Int(random.next() % 4))
        }
        let card = cards[cardIndex]
        var amount = card.typicalAmount * exp(0.6 * Self.normal(&random))
        var country = uniform() < 0.93 ? card.home : Self.countries[Int(random.next() % UInt64(Self.countries.count))]
        var category = Self.categories[Int(random.next() % 7)]
        var channel = uniform() < 0.35 ? "online" : "pos"
        if isFraud {
            amount *= 2.5 + 6 * uniform()
            if uniform() < 0.7 { country = Self.countries[4 + Int(random.next() % 8)] }
            if uniform() < 0.6 { category = Self.riskyCategories[Int(random.next() % 4)] }
            channel = uniform() < 0.8 ? "online" : "pos"
        }
        if shifted {
            amount *= 1.6
            if uniform() < 0.3 { channel = "online" }
        }
        amount = (amount * 100).rounded() / 100
        sequence += 1
        return Transaction(
            id: sequence, card: cardIndex, amount: max(amount, 0.5), merchantCategory: category,
            country: country, channel: channel, time: clock, isFraud: isFraud)
    }

    /// The transaction as the JSON event Sluice consumes (without the fraud label, which arrives later).
    static func json(_ transaction: Transaction, withLabel: Bool = false) -> String {
        var text =
            #"{"event_id":\#(transaction.id),"card_id":"card-\#(transaction.card)","amount":\#(transaction.amount),"#
            + #""mcc":"\#(transaction.merchantCategory)","country":"\#(transaction.country)","#
            + #""channel":"\#(transaction.channel)","ts":\#(transaction.time)"#
        if withLabel { text += #","is_fraud":\#(transaction.isFraud ? 1 : 0)"# }
        return text + "}"
    }

    /// The label record for the labels topic.
    static func labelJSON(_ transaction: Transaction) -> String {
        #"{"event_id":\#(transaction.id),"is_fraud":\#(transaction.isFraud)}"#
    }

    private mutating func uniform() -> Double {
        Double(random.next() >> 11) / Double(1 << 53)
    }

    private static func normal(_ generator: inout SplitMix64) -> Double {
        let u1 = max(Double(generator.next() >> 11) / Double(1 << 53), 1e-12)
        let u2 = Double(generator.next() >> 11) / Double(1 << 53)
        return sqrt(-2 * log(u1)) * cos(2 * .pi * u2)
    }
}
