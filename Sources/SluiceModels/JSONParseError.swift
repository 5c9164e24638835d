/// Why a JSON text could not be parsed, and at which byte.
struct JSONParseError: Error {
    let offset: Int
    let message: String
    let isEndOfInput: Bool
}
