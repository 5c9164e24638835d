/// Why a table could not be loaded or changed, with the table, the place (file and line, or topic position) and
/// the reason.
public struct TableError: Error, Sendable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
