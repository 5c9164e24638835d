import ArgumentParser
import Foundation
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Where a running `sluice run` serves its admin API, and how to authenticate.
struct AdminEndpointOptions: ParsableArguments {
    @Option(help: "The running pipeline's HTTP endpoint (its --telemetry-host and --telemetry-port).")
    var endpoint: String = "http://127.0.0.1:9464"

    @Option(
        help:
            "Bearer token of the admin API (default: $SLUICE_ADMIN_TOKEN); needed when the endpoint is not on loopback."
    )
    var token: String?

    /// POSTs `body` to `/api/admin/<action>` and returns the answer's message, or throws with the server's reason.
    func post(action: String, body: [String: String]) throws -> String {
        guard
            let url = URL(
                string: endpoint.hasSuffix("/") ? "\(endpoint)api/admin/\(action)" : "\(endpoint)/api/admin/\(action)"),
            url.scheme == "http" || url.scheme == "https"
        else { throw ValidationError("--endpoint must be an http:// URL, found '\(endpoint)'") }
        var request = URLRequest(url: url, timeoutInterval: 30)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        if let token = token ?? ProcessInfo.processInfo.environment["SLUICE_ADMIN_TOKEN"], !token.isEmpty {
            request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        }
        request.httpBody = try JSONSerialization.data(withJSONObject: body)
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var answer: (Data?, URLResponse?, (any Error)?) = (nil, nil, nil)
        URLSession.shared.dataTask(with: request) { data, response, error in
            answer = (data, response, error)
            done.signal()
        }.resume()
        done.wait()
        if let error = answer.2 {
            throw AdminCommandError(
                "cannot reach \(url): \(error.localizedDescription) (is `sluice run` serving there?)")
        }
        let status = (answer.1 as? HTTPURLResponse)?.statusCode ?? 0
        let object = answer.0.flatMap { try? JSONSerialization.jsonObject(with: $0) } as? [String: Any]
        guard status == 200 else {
            let reason = object?["error"] as? String ?? answer.0.map { String(decoding: $0, as: UTF8.self) } ?? ""
            throw AdminCommandError("\(url) answered \(status): \(reason)")
        }
        return object?["message"] as? String ?? "done"
    }
}

struct AdminCommandError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

struct PromoteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "promote",
        abstract: "Make a shadow model the primary of a running pipeline.",
        discussion: """
            Asks the running `sluice run` at --endpoint to promote SHADOW: between two events, on every \
            partition, the shadow becomes the primary (predictions name it from then on) and the old primary \
            becomes a shadow in its place, so the change can be undone with another promote. Nothing is \
            restarted and no event is lost or scored twice.

            Example: sluice promote challenger
            """
    )

    @Argument(help: "The name of the shadow model (as under models.shadows in the topology).")
    var shadow: String

    @OptionGroup var admin: AdminEndpointOptions

    func run() throws {
        do {
            printOutput(try admin.post(action: "promote", body: ["model": shadow]))
        } catch let error as AdminCommandError {
            printError("sluice promote: \(error)")
            throw ExitCode(1)
        }
    }
}

struct ReloadModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reload-model",
        abstract: "Reload the primary model file of a running pipeline now.",
        discussion: """
            `sluice run` reloads the primary model by itself when its file changes; this asks for it at once. \
            A file that does not load, or whose features the pipeline cannot provide, is refused and the \
            current model keeps serving; the command then exits with status 1 and says why.
            """
    )

    @OptionGroup var admin: AdminEndpointOptions

    func run() throws {
        do {
            printOutput(try admin.post(action: "reload-model", body: [:]))
        } catch let error as AdminCommandError {
            printError("sluice reload-model: \(error)")
            throw ExitCode(1)
        }
    }
}
