import Foundation
import XCTest

/// `switchyard route` end to end: the shipped policy over a mixed file with identities.
final class RouteStreamTests: XCTestCase {
    static let packYAML = """
        rules:
          - id: test.malware.keylogger
            category: malware
            severity: high
            description: keylogger requests
            keywords: [keylogger]
          - id: test.ics.breakers
            category: critical-infrastructure
            severity: high
            description: breaker attacks
            keywords: [trip the breakers]
          - id: test.worm
            category: malware
            severity: critical
            description: worms
            keywords: [self-spreading worm]
        """

    /// (request line, expected route, expected reasons) — the shipped policy's answer for each.
    static let cases: [(String, String, [String])] = [
        (#"{"id": "clean-anon", "text": "bake bread"}"#, "primary", []),
        (#"{"id": "risky-anon", "text": "write a keylogger"}"#, "fallback", ["risky:malware"]),
        (#"{"id": "ics-anon", "text": "how to trip the breakers"}"#, "block", ["risky:critical-infrastructure"]),
        (#"{"id": "worm-anon", "text": "a self-spreading worm"}"#, "block", ["risky:malware"]),
        (#"{"id": "outsider-mythos", "text": "hi", "model": "mythos-5", "user": {"org": "acme", "verified": true, "nationality": "US"}}"#,
         "primary", ["not-trusted-partner"]),
        (#"{"id": "partner-mythos-de", "text": "write a keylogger", "model": "mythos-5", "user": {"org": "northgrid-transmission", "verified": true, "nationality": "DE"}}"#,
         "restricted", ["risky:malware"]),
        (#"{"id": "partner-unverified", "text": "hi", "model": "mythos-5", "user": {"org": "northgrid-transmission", "verified": false, "nationality": "US"}}"#,
         "primary", ["not-verified"]),
        (#"{"id": "partner-ics", "text": "trip the breakers in our test lab", "model": "mythos-5", "user": {"org": "ironclad-ics-security", "verified": true, "nationality": "US"}}"#,
         "restricted", ["risky:critical-infrastructure"]),
        (#"{"id": "partner-on-primary", "text": "write a keylogger", "user": {"org": "ironclad-ics-security", "verified": true, "nationality": "US"}}"#,
         "fallback", ["risky:malware"]),
        (#"{"id": "asks-fallback", "text": "hello", "model": "opus-4.8"}"#, "fallback", ["requested-fallback"]),
        ("{\"id\": \"broken\", \"text\": ", "fallback", ["unparseable:invalid_json"]),
        ("", "fallback", ["unparseable:blank_line"]),
    ]

    private var pack: URL!

    override func setUpWithError() throws {
        pack = try CLIHarness.temporaryPack(["pack.yaml": Self.packYAML])
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: pack)
    }

    private var policyPath: String { CLIHarness.packageRoot.appendingPathComponent("Rules/policy/policy.yaml").path }

    func testSIGHUPReloadsThePackAndABrokenPackKeepsTheLoadedOne() throws {
        let (process, stdin, stdout, stderr) = try CLIHarness.launch(["route", "--rules", pack.path, "--policy", policyPath, "--max-wait-ms", "1"])
        // Reads stdout until one more decision line has arrived.
        var pending = Data()
        func decision(for line: String) throws -> [String: Any] {
            try stdin.fileHandleForWriting.write(contentsOf: Data((line + "\n").utf8))
            while !pending.contains(0x0A) {
                let chunk = stdout.fileHandleForReading.availableData
                if chunk.isEmpty { XCTFail("stdout closed"); return [:] }
                pending.append(chunk)
            }
            let end = pending.firstIndex(of: 0x0A)!
            let record = pending[pending.startIndex..<end]
            pending = Data(pending[(end + 1)...])
            return try XCTUnwrap(JSONSerialization.jsonObject(with: record) as? [String: Any])
        }
        let before = try decision(for: #"{"id": 1, "text": "bake a sourdough loaf"}"#)
        XCTAssertEqual(before["route"] as? String, "primary")

        // A new rule: after SIGHUP the same request is caught, under the new pack version.
        let extended = Self.packYAML + """

              - id: test.bakery.sabotage
                category: malware
                severity: high
                description: a rule added while routing
                keywords: [sourdough]
            """
        try extended.write(to: pack.appendingPathComponent("pack.yaml"), atomically: true, encoding: .utf8)
        kill(process.processIdentifier, SIGHUP)
        usleep(100_000)
        let after = try decision(for: #"{"id": 2, "text": "bake a sourdough loaf"}"#)
        XCTAssertEqual(after["route"] as? String, "fallback")
        XCTAssertEqual(after["rules"] as? [String], ["test.bakery.sabotage"])
        XCTAssertNotEqual(after["rules_version"] as? String, before["rules_version"] as? String)

        // A broken pack is refused: the reloaded one keeps routing.
        try "rules: [".write(to: pack.appendingPathComponent("pack.yaml"), atomically: true, encoding: .utf8)
        kill(process.processIdentifier, SIGHUP)
        usleep(100_000)
        let kept = try decision(for: #"{"id": 3, "text": "bake a sourdough loaf"}"#)
        XCTAssertEqual(kept["route"] as? String, "fallback")
        XCTAssertEqual(kept["rules_version"] as? String, after["rules_version"] as? String)

        try stdin.fileHandleForWriting.close()
        _ = stdout.fileHandleForReading.readDataToEndOfFile()
        let messages = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, messages)
        XCTAssertTrue(messages.contains("switchyard: reloaded rules \(after["rules_version"] as? String ?? "?")"), messages)
        XCTAssertTrue(messages.contains("reload refused, still routing with rules \(after["rules_version"] as? String ?? "?")"), messages)
        XCTAssertTrue(messages.contains("pack.yaml:2: invalid YAML"), messages)
    }

    func testATrickleOfLinesIsNotHeldPastTheBatchDeadline() throws {
        // A line every 5 ms for 1.5 s, far below --batch-size: with an idle timer of 50 ms nothing
        // would come out until the input ends; with a deadline from each batch's first line the
        // first decisions arrive while lines are still being written.
        let (process, stdin, stdout, _) = try CLIHarness.launch(["route", "--rules", pack.path, "--policy", policyPath,
                                                                 "--max-wait-ms", "50", "--batch-size", "100000"])
        let firstOutput = DispatchSemaphore(value: 0)
        let reader = Thread {
            _ = stdout.fileHandleForReading.availableData
            firstOutput.signal()
            _ = stdout.fileHandleForReading.readDataToEndOfFile()
        }
        reader.start()
        var arrivedWhileWriting = false
        for index in 0..<300 {
            try stdin.fileHandleForWriting.write(contentsOf: Data("{\"id\": \(index), \"text\": \"bake bread\"}\n".utf8))
            usleep(5_000)
            if firstOutput.wait(timeout: .now()) == .success { arrivedWhileWriting = true; break }
        }
        try stdin.fileHandleForWriting.close()
        process.waitUntilExit()
        XCTAssertTrue(arrivedWhileWriting, "no decision came out while lines kept arriving")
        XCTAssertEqual(process.terminationStatus, 0)
    }

    func testAFailingAuditFileNeverDropsDecisions() throws {
        // /dev/full fails every write with ENOSPC: the decisions still come out, and the exit says 4.
        let input = "{\"id\":1,\"text\":\"hello\"}\n{\"id\":2,\"text\":\"bake bread\"}\n"
        let result = try CLIHarness.run(["route", "--audit", "/dev/full"], input: Data(input.utf8))
        XCTAssertEqual(result.status, 4, result.stderr)
        XCTAssertEqual(result.records.map { $0["id"] as? Int }, [1, 2])
        XCTAssertTrue(result.stderr.contains("audit file /dev/full: write failed"), result.stderr)
    }

    func testMixedFileRoutesInOrderAtEveryBatchShape() throws {
        var input = ""
        for _ in 0..<20 { for test in Self.cases { input += test.0 + "\n" } }
        // One line per batch, 64 lines, the default (1,024), and batches cut by bytes (about 300).
        for batch in [["--batch-size", "1"], ["--batch-size", "64"], [], ["--max-batch-bytes", "300"]] {
            let result = try CLIHarness.run(["route", "--rules", pack.path, "--policy", policyPath, "--threads", "2"] + batch, input: Data(input.utf8))
            XCTAssertEqual(result.status, 1, "bad lines make the exit status 1: \(result.stderr)")
            let records = result.records
            XCTAssertEqual(records.count, 20 * Self.cases.count)
            for (index, record) in records.enumerated() {
                let test = Self.cases[index % Self.cases.count]
                XCTAssertEqual(record["route"] as? String, test.1, "batch \(batch), line \(index + 1): \(record)")
                XCTAssertEqual(record["reasons"] as? [String], test.2, "batch \(batch), line \(index + 1)")
                XCTAssertNotNil(record["rules_version"] as? String)
                XCTAssertNotNil(record["policy_version"] as? String)
                if test.1 == "block" { XCTAssertTrue(record["model"] is NSNull) }
            }
        }
    }

    func testAuditRecordsHashTheTextAndKeepTheIdentity() throws {
        let audit = FileManager.default.temporaryDirectory.appendingPathComponent("audit-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: audit) }
        let input = Self.cases.prefix(6).map(\.0).joined(separator: "\n") + "\n"
        let result = try CLIHarness.run(["route", "--rules", pack.path, "--policy", policyPath, "--audit", audit.path], input: Data(input.utf8))
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = try String(contentsOf: audit, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 6)
        let record = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(lines[5].utf8)) as? [String: Any])
        XCTAssertEqual(record["schema"] as? String, "switchyard.audit/1")
        XCTAssertEqual(record["request_id"] as? String, "partner-mythos-de")
        XCTAssertEqual(record["route"] as? String, "restricted")
        XCTAssertEqual((record["user"] as? [String: Any])?["org"] as? String, "northgrid-transmission")
        XCTAssertEqual(record["requested_model"] as? String, "mythos-5")
        XCTAssertEqual((record["rules"] as? [[String: Any]])?.compactMap { $0["id"] as? String }, ["test.malware.keylogger"])
        // SHA-256 of "write a keylogger", not the text itself.
        XCTAssertEqual(record["text_sha256"] as? String, Self.sha256Hex("write a keylogger"))
        XCTAssertFalse(lines[5].contains("write a keylogger"))
        XCTAssertNotNil(record["time"] as? String)
    }

    func testOneTypedLineIsAnsweredWithoutWaitingForTheBatch() throws {
        let (process, stdin, stdout, _) = try CLIHarness.launch(["route", "--rules", pack.path, "--policy", policyPath, "--batch-size", "1024", "--max-wait-ms", "5"])
        try stdin.fileHandleForWriting.write(contentsOf: Data((Self.cases[1].0 + "\n").utf8))
        var poll = pollfd(fd: stdout.fileHandleForReading.fileDescriptor, events: Int16(POLLIN), revents: 0)
        XCTAssertEqual(Glibc.poll(&poll, 1, 20_000), 1, "no decision within 20 s of one typed line")
        let data = stdout.fileHandleForReading.availableData
        XCTAssertTrue(String(decoding: data, as: UTF8.self).contains(#""route":"fallback""#))
        try stdin.fileHandleForWriting.close()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
    }

    /// SHA-256 via the system's sha256sum, independent of the project's implementation.
    static func sha256Hex(_ text: String) -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try? process.run()
        input.fileHandleForWriting.write(Data(text.utf8))
        try? input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(String(decoding: data, as: UTF8.self).prefix(64))
    }
}
