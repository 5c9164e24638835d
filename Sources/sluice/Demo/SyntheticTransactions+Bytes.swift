extension SyntheticTransactions {
    /// Appends `transaction` as the JSON event of ``json(_:withLabel:)`` (the amount always with two decimals:
    /// the same number), without going through `String`, for generators that send tens of thousands of events a
    /// second on the cores the pipeline under test also needs.
    static func appendJSON(_ transaction: Transaction, withLabel: Bool = false, to bytes: inout [UInt8]) {
        bytes.append(contentsOf: #"{"event_id":"#.utf8)
        appendDecimal(transaction.id, to: &bytes)
        bytes.append(contentsOf: #","card_id":""#.utf8)
        appendKey(transaction, to: &bytes)
        bytes.append(contentsOf: #"","amount":"#.utf8)
        let cents = Int((transaction.amount * 100).rounded())
        appendDecimal(cents / 100, to: &bytes)
        bytes.append(UInt8(ascii: "."))
        appendPadded(cents % 100, width: 2, to: &bytes)
        bytes.append(contentsOf: #","mcc":""#.utf8)
        bytes.append(contentsOf: transaction.merchantCategory.utf8)
        bytes.append(contentsOf: #"","country":""#.utf8)
        bytes.append(contentsOf: transaction.country.utf8)
        bytes.append(contentsOf: #"","channel":""#.utf8)
        bytes.append(contentsOf: transaction.channel.utf8)
        bytes.append(contentsOf: #"","ts":"#.utf8)
        appendDecimal(Int(transaction.time), to: &bytes)
        if withLabel {
            bytes.append(contentsOf: #","is_fraud":"#.utf8)
            bytes.append(transaction.isFraud ? UInt8(ascii: "1") : UInt8(ascii: "0"))
        }
        bytes.append(UInt8(ascii: "}"))
    }

    /// Appends the transaction's message key, `card-<card>`.
    static func appendKey(_ transaction: Transaction, to bytes: inout [UInt8]) {
        bytes.append(contentsOf: "card-".utf8)
        appendDecimal(transaction.card, to: &bytes)
    }
}
