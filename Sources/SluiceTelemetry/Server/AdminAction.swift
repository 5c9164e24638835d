#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// An operation under `POST /api/admin/<name>`.
public struct AdminAction: Hashable, Sendable, CustomStringConvertible {
    /// The path segment after `/api/admin/`: lowercase letters, digits and `-`.
    public let name: String

    /// `POST /api/admin/reload-model`: load a model's file again (body `{"model": "fraud-v4"}`).
    public static let reloadModel = AdminAction("reload-model")
    /// `POST /api/admin/promote`: make a shadow model the primary (body `{"model": "fraud-v4"}`).
    public static let promote = AdminAction("promote")

    /// An action named `name`; a name with other characters than lowercase letters, digits and `-` is a
    /// programming error.
    public init(_ name: String) {
        precondition(Self.isValidName(name), "admin action names are lowercase letters, digits and -")
        self.name = name
    }

    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 64
            && name.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }
    }

    public var description: String { name }
}

/// One admin request, its JSON body already checked to be an object.
public struct AdminRequest: Sendable {
    /// Which operation.
    public var action: AdminAction
    /// The body's `"model"` field, if it has one.
    public var model: String?
    /// The whole body (a JSON object, or empty), for handlers that take more fields: see ``decode(_:)``.
    public var body: [UInt8]

    public init(action: AdminAction, model: String?, body: [UInt8]) {
        self.action = action
        self.model = model
        self.body = body
    }

    /// The body decoded as `type`; an error here becomes a 400 that quotes the decoder.
    public func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONDecoder().decode(type, from: Data(body.isEmpty ? Array("{}".utf8) : body))
    }
}

/// What an admin handler did, returned to the caller as JSON.
public struct AdminResult: Codable, Sendable, Equatable {
    /// A sentence for the operator: `promoted fraud-v4 (was fraud-v3)`.
    public var message: String
    /// The model acted on.
    public var model: String?
    /// Its version after the operation.
    public var version: String?
    /// Anything else worth showing, as text.
    public var details: [String: String]?

    public init(message: String, model: String? = nil, version: String? = nil, details: [String: String]? = nil) {
        self.message = message
        self.model = model
        self.version = version
        self.details = details
    }
}

/// Thrown by an admin handler to answer with a specific status: 404 for an unknown model, 409 when the
/// operation does not apply now (promoting the primary), 422 for a model file that fails to load.
/// Any other error thrown by a handler answers 500 with its description.
public struct AdminError: Error, Sendable, Equatable {
    /// The HTTP status, 400…599.
    public var status: Int
    public var message: String

    public init(status: Int, message: String) {
        self.status = status
        self.message = message
    }

    public static func notFound(_ message: String) -> AdminError { AdminError(status: 404, message: message) }
    public static func conflict(_ message: String) -> AdminError { AdminError(status: 409, message: message) }
    public static func unprocessable(_ message: String) -> AdminError {
        AdminError(status: 422, message: message)
    }
}

/// Answers one admin request; runs on the connection's thread, so it may block (loading a model) but should
/// finish within seconds.
public typealias AdminHandler = @Sendable (AdminRequest) throws -> AdminResult
