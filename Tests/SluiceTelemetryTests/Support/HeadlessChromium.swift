import Foundation

/// Debian's `chromium`, run headless as a subprocess with a throwaway profile: loads a page, lets its timers
/// run for a budget of virtual time (network fetches pause the clock, so every poll gets its answer), then
/// dumps the DOM or takes a screenshot. Console messages come out on stderr as `INFO:CONSOLE` lines.
struct HeadlessChromium {
    struct NotInstalled: Error, CustomStringConvertible {
        var description: String {
            "chromium is not installed, and the dashboard's browser tests need it: install it with "
                + "`apt-get install -y chromium` (Debian; scripts/install-dependencies.sh does this), "
                + "or point SLUICE_CHROMIUM at a Chromium or Chrome binary"
        }
    }

    struct Failed: Error, CustomStringConvertible {
        var description: String
    }

    struct Run {
        var output: String
        var log: String

        /// Messages the page wrote to its console (uncaught errors included), one per line.
        var consoleMessages: [String] {
            log.split(separator: "\n").filter { $0.contains(":CONSOLE") }.map(String.init)
        }
    }

    let executable: String

    /// The browser named by `SLUICE_CHROMIUM`, or the first of chromium, chromium-browser, google-chrome on PATH.
    init() throws(NotInstalled) {
        let environment = ProcessInfo.processInfo.environment
        var candidates: [String] = []
        if let configured = environment["SLUICE_CHROMIUM"], !configured.isEmpty {
            candidates.append(configured)
        }
        let path = environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for name in ["chromium", "chromium-browser", "google-chrome"] {
            candidates += path.split(separator: ":").map { "\($0)/\(name)" }
        }
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw NotInstalled()
        }
        executable = found
    }

    /// The DOM of `url` after `budget` of virtual time.
    func dumpDOM(_ url: String, budget: Duration, timeout: Duration = .seconds(40)) throws -> Run {
        try run(["--dump-dom", url], budget: budget, timeout: timeout)
    }

    /// A PNG of `url` after `budget` of virtual time, `width`×`height` CSS pixels.
    func screenshot(
        _ url: String, to file: URL, width: Int, height: Int, budget: Duration, timeout: Duration = .seconds(40)
    ) throws -> Run {
        try run(
            ["--screenshot=\(file.path)", "--window-size=\(width),\(height)", "--hide-scrollbars", url], budget: budget,
            timeout: timeout)
    }

    private func run(_ arguments: [String], budget: Duration, timeout: Duration) throws -> Run {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent(
            "sluice-chromium-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let outputFile = scratch.appendingPathComponent("stdout")
        let logFile = scratch.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outputFile.path, contents: nil)
        _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        let budgetMilliseconds =
            budget.components.seconds * 1000 + budget.components.attoseconds / 1_000_000_000_000_000
        process.arguments =
            [
                // As root in a container: no sandbox, no GPU, /tmp instead of a small /dev/shm.
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--disable-sync",
                "--disable-background-networking", "--disable-component-update", "--mute-audio",
                "--user-data-dir=\(scratch.appendingPathComponent("profile").path)",
                "--enable-logging=stderr", "--v=0",
                "--virtual-time-budget=\(budgetMilliseconds)",
            ] + arguments
        process.standardOutput = try FileHandle(forWritingTo: outputFile)
        process.standardError = try FileHandle(forWritingTo: logFile)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = ContinuousClock.now + timeout
        while process.isRunning && ContinuousClock.now < deadline {
            usleep(20_000)
        }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
            throw Failed(description: "chromium did not finish within \(timeout)")
        }
        let output = try String(contentsOf: outputFile, encoding: .utf8)
        let log = (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
        guard process.terminationStatus == 0 else {
            throw Failed(description: "chromium exited with \(process.terminationStatus): \(log.suffix(2_000))")
        }
        return Run(output: output, log: log)
    }
}

/// What the dashboard reports about itself on `<body>`, and a few of its elements, read from a DOM dump.
struct DashboardDOM {
    let html: String

    /// The integer value of `data-<name>` on `<body>`.
    func counter(_ name: String) -> Int? {
        guard let body = html.range(of: "<body"),
            let end = html[body.upperBound...].firstIndex(of: ">")
        else { return nil }
        let tag = html[body.upperBound..<end]
        guard let attribute = tag.range(of: "data-\(name)=\"") else { return nil }
        let digits = tag[attribute.upperBound...].prefix { $0.isNumber }
        return Int(digits)
    }

    /// `data-last-error` on `<body>`: what the page caught last, for failure messages.
    var lastError: String {
        guard let start = html.range(of: "data-last-error=\"") else { return "none" }
        return String(html[start.upperBound...].prefix { $0 != "\"" })
    }

    /// The `d` of each path in the SVG with this id.
    func paths(inSVG id: String) -> [String] {
        guard let start = html.range(of: "id=\"\(id)\""), let end = html[start.upperBound...].range(of: "</svg>")
        else { return [] }
        let svg = html[start.upperBound..<end.lowerBound]
        var result: [String] = []
        var rest = svg[...]
        while let path = rest.range(of: "<path d=\"") {
            let value = rest[path.upperBound...].prefix { $0 != "\"" }
            result.append(String(value))
            rest = rest[path.upperBound...]
        }
        return result
    }

    /// The text content of the element with this id (no nested markup expected).
    func text(ofID id: String) -> String? {
        guard let start = html.range(of: "id=\"\(id)\""), let open = html[start.upperBound...].firstIndex(of: ">"),
            let close = html[open...].range(of: "</")
        else { return nil }
        return String(html[html.index(after: open)..<close.lowerBound])
    }

    func occurrences(of text: String) -> Int {
        html.components(separatedBy: text).count - 1
    }
}
