/// A first look at a model file's bytes: which format it is, and for JSON the parsed document, so
/// that detection and loading parse the file only once.
enum ModelFileSniffer {
    enum Result {
        case lightgbm
        case json(JSONValue)
        /// Starts like JSON but does not parse.
        case invalidJSON(JSONParseError)
        case unknown(reason: String)
    }

    static func sniff(_ bytes: [UInt8]) -> Result {
        var start = 0
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF {
            start = 3
        }
        while start < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[start]) {
            start += 1
        }
        if start == bytes.count {
            return .unknown(reason: bytes.isEmpty ? "the file is empty" : "the file holds only white space")
        }
        if startsLightGBM(bytes, at: start) {
            return .lightgbm
        }
        if bytes[start] == UInt8(ascii: "{") {
            var next = start + 1
            while next < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[next]) {
                next += 1
            }
            if next < bytes.count, bytes[next] != UInt8(ascii: "\""), bytes[next] != UInt8(ascii: "}") {
                return .unknown(
                    reason: "the file looks like binary UBJSON (xgboost's .ubj); save the model as JSON instead: "
                        + "booster.save_model(\"model.json\")")
            }
            do {
                return .json(try JSONParser.parse(bytes))
            } catch {
                return .invalidJSON(error)
            }
        }
        if bytes.count - start >= 4, bytes[start..<(start + 4)].elementsEqual("binf".utf8) {
            return .unknown(
                reason: "the file is xgboost's old binary format; load it in xgboost and save it as JSON: "
                    + "booster.save_model(\"model.json\")")
        }
        return .unknown(reason: "the content is not an XGBoost JSON, LightGBM text or sluice-linear JSON model")
    }

    private static func startsLightGBM(_ bytes: [UInt8], at start: Int) -> Bool {
        let word = Array("tree".utf8)
        guard bytes.count - start >= word.count + 1, bytes[start..<(start + word.count)].elementsEqual(word) else {
            return false
        }
        let after = bytes[start + word.count]
        return after == 0x0A || after == 0x0D
    }
}
