import Foundation
import XCTest

/// Runs the built `switchyard` executable as a child process, as users and pipelines do.
enum CLIHarness {
    /// The package root (this file is Tests/SwitchyardCLITests/CLIHarness.swift).
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The `switchyard` executable built next to the test bundle.
    static var executable: URL {
        let testBinary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        return testBinary.deletingLastPathComponent().appendingPathComponent("switchyard")
    }

    struct Result {
        var status: Int32
        var stdout: Data
        var stderr: String
        var lines: [String] { String(decoding: stdout, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init) }
        /// Each stdout line parsed as a JSON object.
        var records: [[String: Any]] {
            lines.map { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] ?? ["unparsable": $0] }
        }
    }

    /// Starts `switchyard arguments…` in the package root with pipes on stdin, stdout and stderr,
    /// for tests that talk to it while it runs.
    static func launch(_ arguments: [String]) throws -> (process: Process, stdin: Pipe, stdout: Pipe, stderr: Pipe) {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = packageRoot
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        return (process, stdin, stdout, stderr)
    }

    /// Runs `switchyard arguments…` with `input` on stdin and waits for it.
    static func run(_ arguments: [String], input: Data = Data()) throws -> Result {
        let (process, stdin, stdout, stderr) = try launch(arguments)
        let writer = Thread {
            stdin.fileHandleForWriting.write(input)
            try? stdin.fileHandleForWriting.close()
        }
        writer.start()
        let errorData = DataBox()
        let errorReader = Thread { errorData.data = stderr.fileHandleForReading.readDataToEndOfFile(); errorData.done.signal() }
        errorReader.start()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        errorData.done.wait()
        return Result(status: process.terminationStatus, stdout: output, stderr: String(decoding: errorData.data, as: UTF8.self))
    }

    /// Writes `text` to a fresh temporary directory as `name` and returns the directory.
    static func temporaryPack(_ files: [String: String]) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("switchyard-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for (name, text) in files { try text.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        return directory
    }
}

/// Collects a reader thread's bytes; `done` is signalled once they are complete.
final class DataBox: @unchecked Sendable {
    // SAFETY (Sendable): written once by the reader thread before `done.signal()`, read after `done.wait()`.
    var data = Data()
    let done = DispatchSemaphore(value: 0)
}
