import Foundation
import Synchronization

/// A program started by a test, with its output captured; killed when the test is done with it.
final class ExternalProcess: @unchecked Sendable {
    // @unchecked: used from one test at a time; the pipes are read on their own threads.
    let process = Process()
    private let stdoutPipe = Pipe()
    private let stderrPipe = Pipe()

    init(_ executable: URL, _ arguments: [String], standardInput: Data? = nil) throws {
        process.executableURL = executable
        process.arguments = arguments
        process.standardOutput = stdoutPipe
        process.standardError = stderrPipe
        if let standardInput {
            let input = Pipe()
            process.standardInput = input
            try process.run()
            input.fileHandleForWriting.write(standardInput)
            try input.fileHandleForWriting.close()
        } else {
            process.standardInput = FileHandle.nullDevice
            try process.run()
        }
    }

    deinit {
        if process.isRunning { process.terminate() }
    }

    /// Reads standard output up to the first newline.
    func firstLine() -> String {
        var bytes: [UInt8] = []
        let handle = stdoutPipe.fileHandleForReading
        while true {
            let chunk = handle.readData(ofLength: 1)
            guard let byte = chunk.first, byte != UInt8(ascii: "\n") else { break }
            bytes.append(byte)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Waits for the program to end (killing it after `timeout`) and returns its exit status and output.
    func finish(timeout: TimeInterval = 60) -> (status: Int32, output: String, errors: String) {
        let deadline = Date().addingTimeInterval(timeout)
        let captured = Mutex((output: Data(), errors: Data()))
        let group = DispatchGroup()
        let outputHandle = stdoutPipe.fileHandleForReading
        let errorHandle = stderrPipe.fileHandleForReading
        DispatchQueue.global().async(group: group) {
            let data = outputHandle.readDataToEndOfFile()
            captured.withLock { $0.output = data }
        }
        DispatchQueue.global().async(group: group) {
            let data = errorHandle.readDataToEndOfFile()
            captured.withLock { $0.errors = data }
        }
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        if process.isRunning { process.interrupt(); Thread.sleep(forTimeInterval: 1) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        group.wait()
        let (output, errors) = captured.withLock { $0 }
        return (
            process.terminationStatus, String(decoding: output, as: UTF8.self), String(decoding: errors, as: UTF8.self)
        )
    }

    /// Sends `signal` to the program.
    func send(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }
}

/// The `sluice` executable built next to this test bundle.
func sluiceExecutable() throws -> URL {
    let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    var directory = testBinary.deletingLastPathComponent()
    for _ in 0..<4 {
        let candidate = directory.appendingPathComponent("sluice")
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        directory = directory.deletingLastPathComponent()
    }
    throw TestSetupError("the sluice executable was not found near \(testBinary.path); run `swift build` first")
}

/// A program found on PATH.
func program(_ name: String) throws -> URL {
    for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
        let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent(name)
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
    }
    throw TestSetupError("\(name) is not installed (scripts/install-dependencies.sh installs it)")
}

struct TestSetupError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
