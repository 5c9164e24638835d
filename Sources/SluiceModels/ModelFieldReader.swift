/// Reads typed fields out of a parsed JSON model, turning every wrong shape into a `ModelError`
/// that names the file and the field.
struct ModelFieldReader {
    let path: String

    func error(_ code: ModelError.Code, _ location: String?, _ message: String) -> ModelError {
        ModelError(code, path: path, location: location, message)
    }

    func object(_ value: JSONValue?, _ location: String) throws(ModelError) -> [String: JSONValue] {
        guard let value else { throw error(.malformed, location, "required field is missing") }
        guard case .object(let members) = value else {
            throw error(.malformed, location, "expected an object, found \(value.kindName)")
        }
        return members
    }

    func array(_ value: JSONValue?, _ location: String) throws(ModelError) -> [JSONValue] {
        guard let value else { throw error(.malformed, location, "required field is missing") }
        guard case .array(let elements) = value else {
            throw error(.malformed, location, "expected an array, found \(value.kindName)")
        }
        return elements
    }

    func string(_ value: JSONValue?, _ location: String) throws(ModelError) -> String {
        guard let value else { throw error(.malformed, location, "required field is missing") }
        guard case .string(let text) = value else {
            throw error(.malformed, location, "expected a string, found \(value.kindName)")
        }
        return text
    }

    func strings(_ value: JSONValue?, _ location: String) throws(ModelError) -> [String] {
        var result: [String] = []
        for (i, element) in try array(value, location).enumerated() {
            result.append(try string(element, "\(location)[\(i)]"))
        }
        return result
    }

    /// An integer written as a JSON number or, as xgboost writes its parameters, as a string.
    func integer(_ value: JSONValue?, _ location: String) throws(ModelError) -> Int {
        guard let value else { throw error(.malformed, location, "required field is missing") }
        switch value {
        case .number(let text), .string(let text):
            if let number = Int(text) { return number }
            // Integers written as 1.0 or 1E0.
            if let number = Double(text), number.rounded() == number, number.magnitude < 1e15 { return Int(number) }
            throw error(.malformed, location, "expected an integer, found \"\(text)\"")
        default:
            throw error(.malformed, location, "expected an integer, found \(value.kindName)")
        }
    }

    func integers(_ value: JSONValue?, _ location: String) throws(ModelError) -> [Int] {
        let elements = try array(value, location)
        var result: [Int] = []
        result.reserveCapacity(elements.count)
        for (i, element) in elements.enumerated() {
            switch element {
            case .number(let text):
                if let number = Int(text) {
                    result.append(number)
                } else {
                    result.append(try integer(element, "\(location)[\(i)]"))
                }
            case .bool(let flag):
                result.append(flag ? 1 : 0)
            default:
                throw error(.malformed, "\(location)[\(i)]", "expected an integer, found \(element.kindName)")
            }
        }
        return result
    }

    func number<T: LosslessStringConvertible>(_ value: JSONValue?, _ location: String, as: T.Type) throws(ModelError)
        -> T
    {
        guard let value else { throw error(.malformed, location, "required field is missing") }
        guard case .number(let text) = value, let number = T(text) else {
            throw error(.malformed, location, "expected a number, found \(value.kindName)")
        }
        return number
    }

    /// Numbers parsed straight from their decimal text to `T`, with one correct rounding.
    func numbers<T: LosslessStringConvertible>(_ value: JSONValue?, _ location: String, as: T.Type) throws(ModelError)
        -> [T]
    {
        let elements = try array(value, location)
        var result: [T] = []
        result.reserveCapacity(elements.count)
        for (i, element) in elements.enumerated() {
            guard case .number(let text) = element, let number = T(text) else {
                throw error(.malformed, "\(location)[\(i)]", "expected a number, found \(element.kindName)")
            }
            result.append(number)
        }
        return result
    }
}
