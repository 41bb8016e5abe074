import AsyncHTTPClient
import Foundation
import NIOCore
import SwitchyardServe
import Synchronization
import XCTest

/// The `switchyard serve` executable itself: start-up log, SIGHUP reload, SIGTERM drain.
final class ProcessLifecycleTests: XCTestCase {
    /// A running `switchyard serve` child process and its standard error so far.
    final class ServeProcess: Sendable {
        let process: Process
        private let log = Mutex<String>("")

        init(arguments: [String]) throws {
            process = Process()
            process.executableURL = ServeFixtures.executable
            process.arguments = ["serve", "--listen", "127.0.0.1:0"] + arguments
            let stderr = Pipe()
            process.standardError = stderr
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            let handle = stderr.fileHandleForReading
            Thread.detachNewThread { [self] in
                while true {
                    let data = handle.availableData
                    if data.isEmpty { break }
                    log.withLock { $0 += String(decoding: data, as: UTF8.self) }
                }
            }
        }

        var stderr: String { log.withLock { $0 } }

        /// Waits until standard error contains `text`.
        func waitFor(_ text: String, seconds: Double = 60) async throws {
            let deadline = Date().addingTimeInterval(seconds)
            while !stderr.contains(text) {
                guard Date() < deadline, process.isRunning || stderr.contains(text) else {
                    throw TestFailure("timed out waiting for \(text); stderr:\n\(stderr)")
                }
                try await Task.sleep(for: .milliseconds(50))
            }
        }

        /// The port from the `listening` log line.
        func port() async throws -> Int {
            try await waitFor(#""message":"listening""#)
            let line = stderr.split(separator: "\n").first { $0.contains(#""message":"listening""#) } ?? ""
            guard let range = line.range(of: #""port":""#) else { throw TestFailure("no port in \(line)") }
            return Int(line[range.upperBound...].prefix { $0.isNumber }) ?? 0
        }

        func waitForExit(seconds: Double = 30) async throws -> Int32 {
            let deadline = Date().addingTimeInterval(seconds)
            while process.isRunning {
                guard Date() < deadline else { process.interrupt(); throw TestFailure("did not exit; stderr:\n\(stderr)") }
                try await Task.sleep(for: .milliseconds(50))
            }
            return process.terminationStatus
        }
    }

    func testStartupLogHangupReloadAndTermDrainsAStreamInFlight() async throws {
        let upstream = try await FakeUpstream.start(chunkDelay: .milliseconds(300))
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("upstreams-\(UUID().uuidString).yaml")
        defer { try? FileManager.default.removeItem(at: file) }
        try "fable-5:\n  base_url: http://127.0.0.1:\(upstream.port)/v1\nopus-4.8:\n  base_url: http://127.0.0.1:\(upstream.port)/v1\n"
            .write(to: file, atomically: true, encoding: .utf8)
        let serve = try ServeProcess(arguments: ["--rules", ServeFixtures.rulesDirectory, "--upstreams", file.path, "--shutdown-grace-seconds", "20"])
        let port = try await serve.port()
        let base = "http://127.0.0.1:\(port)"

        // The start-up line is structured JSON with the versions.
        let startLine = serve.stderr.split(separator: "\n").first { $0.contains("switchyard serve starting") }.map(String.init) ?? ""
        let start = (try? JSONSerialization.jsonObject(with: Data(startLine.utf8))) as? [String: Any] ?? [:]
        XCTAssertEqual(start["rules_version"] as? String, ServeFixtures.engine.rulesVersion, startLine)
        XCTAssertEqual(start["policy_version"] as? String, ServeFixtures.engine.policyVersion)
        XCTAssertEqual(start["level"] as? String, "info")

        // SIGHUP reloads.
        kill(serve.process.processIdentifier, SIGHUP)
        try await serve.waitFor("reload succeeded")
        let samples = MetricsTests.samples(try await HTTP.get(base + "/metrics").body)
        XCTAssertEqual(MetricsTests.value(samples, "switchyard_reloads_total", ["outcome": "reloaded"]), 1)

        // A streamed answer in flight when SIGTERM arrives is finished; then the process exits 0.
        var request = HTTPClientRequest(url: base + "/v1/chat/completions")
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: ProxyTests.chat("Suggest a name for a bakery.", stream: true)))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        XCTAssertEqual(response.status.code, 200)
        var received = ""
        var signalled = false
        for try await part in response.body {
            received += String(buffer: part)
            if !signalled {
                signalled = true
                serve.process.terminate()   // SIGTERM
            }
        }
        XCTAssertEqual(received, FakeUpstream.chunks(model: "fable-5").joined(), "the stream in flight was cut by the shutdown")
        let status = try await serve.waitForExit()
        XCTAssertEqual(status, 0, serve.stderr)
        XCTAssertTrue(serve.stderr.contains("switchyard serve stopped"))
        try await upstream.stop()
    }
}
