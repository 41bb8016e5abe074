#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Switchyard
import SwitchyardTools
import XCTest

/// The audit log (schema switchyard.audit/1) end to end: what `route --audit` writes, the hash
/// chain and `audit verify` against each kind of tampering, rotation on SIGHUP, and `report`.
final class AuditTests: XCTestCase {
    static let packYAML = """
        rules:
          - id: audit.malware.keylogger
            category: malware
            severity: high
            description: keylogger requests
            keywords: [keylogger]
          - id: audit.ics.breakers
            category: critical-infrastructure
            severity: critical
            description: breaker attacks
            keywords: [trip the breakers]
          - id: audit.phishing.kit
            category: credential-theft
            severity: medium
            description: phishing kits
            keywords: [phishing kit]
          - id: audit.shadow.ransom
            category: malware
            severity: high
            mode: shadow
            description: a rule on trial
            keywords: [ransom note]
        """

    /// Requests from a few users in two organisations, risky and not, plus one broken line.
    static let requests: [String] = [
        #"{"id": "a1", "text": "write a keylogger", "user": {"id": "u-ann", "org": "acme", "verified": true, "nationality": "DE", "country": "US"}}"#,
        #"{"id": "a2", "text": "bake bread", "user": {"id": "u-ann", "org": "acme"}}"#,
        #"{"id": "a3", "text": "build a phishing kit and a keylogger", "model": "fable-5", "user": {"id": "u-ann", "org": "acme"}}"#,
        #"{"id": "b1", "text": "how to trip the breakers", "user": {"id": "u-bob", "org": "acme"}}"#,
        #"{"id": "c1", "text": "write a ransom note generator", "user": {"id": "u-cy", "org": "globex"}}"#,
        #"{"id": "c2", "text": "a phishing kit please", "user": {"id": "u-cy", "org": "globex"}}"#,
        #"{"id": 7, "text": "hello there"}"#,
        "{\"id\": \"broken\", \"text\": ",
        #"{"id": "c3", "text": "another keylogger", "user": {"id": "u-cy", "org": "globex"}}"#,
    ]

    private var directory: URL!
    private var pack: URL!
    private var policyPath: String { CLIHarness.packageRoot.appendingPathComponent("Rules/policy/policy.yaml").path }

    override func setUpWithError() throws {
        pack = try CLIHarness.temporaryPack(["pack.yaml": Self.packYAML])
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("switchyard-audit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: pack)
        try? FileManager.default.removeItem(at: directory)
    }

    // MARK: Helpers

    /// Routes `requests` with `--audit path`; returns the route result.
    @discardableResult
    private func route(_ requests: [String], audit path: URL, extra: [String] = []) throws -> CLIHarness.Result {
        let input = requests.joined(separator: "\n") + "\n"
        return try CLIHarness.run(["route", "--rules", pack.path, "--policy", policyPath, "--audit", path.path, "--batch-size", "4"] + extra,
                                  input: Data(input.utf8))
    }

    /// A fresh audit log of `Self.requests`, and its lines.
    private func makeLog(_ name: String = "audit.jsonl") throws -> (URL, [String]) {
        let path = directory.appendingPathComponent(name)
        let result = try route(Self.requests, audit: path, extra: ["--instance", "test-replica-1"])
        XCTAssertEqual(result.status, 1, "the broken line makes the exit status 1: \(result.stderr)")
        XCTAssertEqual(result.lines.count, Self.requests.count, "decisions still come out")
        let lines = try String(contentsOf: path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
        XCTAssertEqual(lines.count, Self.requests.count)
        return (path, lines)
    }

    private func write(_ lines: [String], to name: String, newline: Bool = true) throws -> URL {
        let path = directory.appendingPathComponent(name)
        try Data((lines.joined(separator: "\n") + (newline ? "\n" : "")).utf8).write(to: path)
        return path
    }

    private func verify(_ files: [URL], _ extra: [String] = []) throws -> CLIHarness.Result {
        try CLIHarness.run(["audit", "verify"] + extra + files.map(\.path))
    }

    private func object(_ line: String) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }

    // MARK: Records

    func testRecordsCarryTheV1Fields() throws {
        let (_, lines) = try makeLog()
        let records = try lines.map(object)
        for record in records {
            XCTAssertEqual(record["schema"] as? String, "switchyard.audit/1")
            XCTAssertEqual(record["event"] as? String, "decision")
            XCTAssertEqual(record["instance"] as? String, "test-replica-1")
            let time = try XCTUnwrap(record["time"] as? String)
            XCTAssertNotNil(AuditClock.parse(time), time)
            XCTAssertTrue(time.hasSuffix("Z"))
            XCTAssertEqual((record["prev"] as? String)?.count, 64)
            XCTAssertEqual((record["hash"] as? String)?.count, 64)
        }
        XCTAssertEqual(records[0]["prev"] as? String, String(repeating: "0", count: 64))
        let first = records[0]
        XCTAssertEqual(first["request_id"] as? String, "a1")
        XCTAssertEqual(first["line"] as? Int, 1)
        let user = try XCTUnwrap(first["user"] as? [String: Any])
        XCTAssertEqual(user["id"] as? String, "u-ann")
        XCTAssertEqual(user["org"] as? String, "acme")
        XCTAssertEqual(user["verified"] as? Bool, true)
        XCTAssertEqual(user["nationality"] as? String, "DE")
        XCTAssertEqual(user["country"] as? String, "US")
        XCTAssertEqual(first["route"] as? String, "fallback")
        XCTAssertEqual(first["reasons"] as? [String], ["risky:malware"])
        let rule = try XCTUnwrap((first["rules"] as? [[String: Any]])?.first)
        XCTAssertEqual(rule["id"] as? String, "audit.malware.keylogger")
        XCTAssertEqual(rule["category"] as? String, "malware")
        XCTAssertEqual(rule["severity"] as? String, "high")
        XCTAssertEqual(rule["mode"] as? String, "enforce")
        XCTAssertNil(rule["shadow"])
        XCTAssertEqual((rule["revision"] as? String)?.count, 12)
        XCTAssertEqual(rule["view"] as? String, "raw")
        XCTAssertEqual(rule["span"] as? [Int], [8, 17], "\"keylogger\" in \"write a keylogger\"")
        XCTAssertEqual(first["text_sha256"] as? String, AuditSchema.sha256Hex("write a keylogger".utf8))
        XCTAssertFalse(lines[0].contains("write a keylogger"), "the text itself is never written")
        XCTAssertEqual(records[2]["requested_model"] as? String, "fable-5")

        // A shadow rule is listed, marked, and does not make the request risky.
        let shadow = try XCTUnwrap((records[4]["rules"] as? [[String: Any]])?.first)
        XCTAssertEqual(shadow["id"] as? String, "audit.shadow.ransom")
        XCTAssertEqual(shadow["mode"] as? String, "shadow")
        XCTAssertEqual(shadow["shadow"] as? Bool, true)
        XCTAssertEqual(records[4]["risky"] as? Bool, false)
        XCTAssertEqual(records[4]["route"] as? String, "primary")

        // A numeric id is echoed as a number; a broken line has its error code and fail-safe route.
        XCTAssertEqual(records[6]["request_id"] as? Int, 7)
        XCTAssertEqual(records[7]["error"] as? String, "invalid_json")
        XCTAssertEqual(records[7]["route"] as? String, "fallback")
        XCTAssertTrue(records[7]["request_id"] is NSNull || records[7]["request_id"] as? String == "broken")

        // The same rule has the same revision in every record; different rules differ.
        let revisions = records.flatMap { ($0["rules"] as? [[String: Any]]) ?? [] }
            .reduce(into: [String: Set<String>]()) { $0[$1["id"] as! String, default: []].insert($1["revision"] as! String) }
        XCTAssertTrue(revisions.values.allSatisfy { $0.count == 1 }, "\(revisions)")
        XCTAssertEqual(Set(revisions.values.flatMap { $0 }).count, revisions.count)
    }

    func testAnExcerptIsOptInRedactedAndOnlyForRiskyDecisions() throws {
        let path = directory.appendingPathComponent("excerpt.jsonl")
        let risky = #"{"id":"x1","text":"mail ann.lee@example.org or call +1 (555) 201-7788, card 4111 1111 1111 1111, host 10.2.3.4, token: hunter2butlonger, key AKIA0123456789ABCDEFGH: now write a keylogger"}"#
        let clean = #"{"id":"x2","text":"suggest a bakery name, my number is 0151 2345 6789"}"#
        let result = try route([risky, clean], audit: path, extra: ["--audit-excerpt", "400"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = try String(contentsOf: path, encoding: .utf8).split(separator: "\n").map(String.init)
        let records = try lines.map(object)
        let excerpt = try XCTUnwrap(records[0]["excerpt"] as? String)
        XCTAssertEqual(excerpt, "mail [email] or call [number], card [number], host [ip], token: [secret], key [secret]: now write a keylogger")
        XCTAssertNil(records[1]["excerpt"], "a clean decision carries no excerpt")
        // Without the option, no record has one.
        let (_, plain) = try makeLog("plain.jsonl")
        XCTAssertFalse(plain.contains { $0.contains("\"excerpt\"") })
        // The option needs an audit file.
        XCTAssertEqual(try CLIHarness.run(["route", "--rules", pack.path, "--audit-excerpt", "80"]).status, 64)
    }

    func testAnExcerptIsCentredOnTheEvidenceAndCutAtScalars() {
        let text = String(repeating: "é", count: 100) + " write a keylogger " + String(repeating: "ü", count: 100)
        let start = 200 + 1 + 8  // "keylogger" after 100 two-byte scalars, a space and "write a "
        let excerpt = AuditExcerpt.make(text, around: start..<(start + 9), maxBytes: 41)
        XCTAssertTrue(excerpt.contains("keylogger"), excerpt)
        XCTAssertLessThanOrEqual(excerpt.utf8.count, 41)
        XCTAssertFalse(excerpt.contains("\u{FFFD}"), "cut at scalar boundaries")
        XCTAssertEqual(AuditExcerpt.make("short text", around: nil, maxBytes: 100), "short text")
        XCTAssertEqual(AuditExcerpt.make("anything", around: nil, maxBytes: 0), "")
        // Versions, CVE ids and durations are not numbers to hide.
        XCTAssertEqual(AuditExcerpt.redact(Array("patch CVE-2021-44228 within 7 days, v2.17.1".utf8)), "patch CVE-2021-44228 within 7 days, v2.17.1")
    }

    func testTheChainMatchesAnIndependentSHA256() throws {
        guard let _ = Self.python3 else { throw XCTSkip("python3 is missing") }
        let (path, _) = try makeLog()
        // The documented definition, in another language: hash = SHA-256(prev ‖ line[:-75] + "}").
        let script = """
            import hashlib, sys
            prev = "0" * 64
            n = 0
            for line in open(sys.argv[1], "rb").read().split(b"\\n")[:-1]:
                h = hashlib.sha256(prev.encode() + line[:-75] + b"}").hexdigest()
                assert line.endswith(b',"prev":"' + prev.encode() + b'","hash":"' + h.encode() + b'"}'), n
                prev = h
                n += 1
            print(n, prev)
            """
        let result = try runPython(script, arguments: [path.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        let verified = try verify([path])
        let head = verified.lines.last?.replacingOccurrences(of: "head ", with: "") ?? ""
        XCTAssertEqual(String(decoding: result.stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines), "\(Self.requests.count) \(head)")
    }

    // MARK: Verify

    func testAnUntouchedLogVerifies() throws {
        let (path, _) = try makeLog()
        let result = try verify([path])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.lines.first, "ok \(Self.requests.count) records")
        XCTAssertTrue(result.lines.last?.hasPrefix("head ") ?? false)
    }

    func testAnEditedFieldIsDetected() throws {
        let (_, lines) = try makeLog()
        var edited = lines
        XCTAssertTrue(edited[3].contains(#""route":"block""#))
        edited[3] = edited[3].replacingOccurrences(of: #""route":"block""#, with: #""route":"primary""#)
        let result = try verify([try write(edited, to: "edited.jsonl")])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stdout.string.contains("edited.jsonl:4: hash does not match"), result.stdout.string)

        // Recomputing the edited record's own hash moves the break to the next record.
        var resealed = lines
        let canonical = Array(edited[3].utf8.dropLast(75)) + Array("}".utf8)
        let prev = try XCTUnwrap(try object(edited[3])["prev"] as? String)
        let hash = AuditSchema.chainHash(previous: prev, canonical: canonical)
        resealed[3] = String(decoding: canonical.dropLast(), as: UTF8.self) + #","hash":""# + hash + #""}"#
        let second = try verify([try write(resealed, to: "resealed.jsonl")])
        XCTAssertEqual(second.status, 1)
        XCTAssertTrue(second.stdout.string.contains("resealed.jsonl:5: prev"), second.stdout.string)
    }

    func testADeletedLineIsDetected() throws {
        let (_, lines) = try makeLog()
        var deleted = lines
        deleted.remove(at: 2)
        let result = try verify([try write(deleted, to: "deleted.jsonl")])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stdout.string.contains("deleted.jsonl:3: prev"), result.stdout.string)
        XCTAssertTrue(result.stdout.string.contains("removed, inserted or reordered"), result.stdout.string)

        // Deleting the first record leaves a chain that does not start at genesis.
        let headless = try verify([try write(Array(lines.dropFirst()), to: "headless.jsonl")])
        XCTAssertEqual(headless.status, 1)
        XCTAssertTrue(headless.stdout.string.contains("headless.jsonl:1: prev"), headless.stdout.string)
    }

    func testSwappedLinesAreDetected() throws {
        let (_, lines) = try makeLog()
        var swapped = lines
        swapped.swapAt(4, 5)
        let result = try verify([try write(swapped, to: "swapped.jsonl")])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stdout.string.contains("swapped.jsonl:5: prev"), result.stdout.string)
    }

    func testAnInsertedRecordIsDetected() throws {
        let (_, lines) = try makeLog()
        var inserted = lines
        inserted.insert(lines[1], at: 3)  // a replayed record
        let result = try verify([try write(inserted, to: "inserted.jsonl")])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stdout.string.contains("inserted.jsonl:4: prev"), result.stdout.string)
    }

    func testTruncationIsDetected() throws {
        let (path, lines) = try makeLog()
        // Cut in the middle of the last record.
        var cut = lines
        cut[cut.count - 1] = String(cut[cut.count - 1].prefix(80))
        let midLine = try verify([try write(cut, to: "cut.jsonl", newline: false)])
        XCTAssertEqual(midLine.status, 1)
        XCTAssertTrue(midLine.stdout.string.contains("cut.jsonl:\(lines.count): truncated"), midLine.stdout.string)
        // The same cut with a newline after it: not JSON.
        let withNewline = try verify([try write(cut, to: "cut2.jsonl")])
        XCTAssertEqual(withNewline.status, 1)
        XCTAssertTrue(withNewline.stdout.string.contains("cut2.jsonl:\(lines.count): not valid JSON"), withNewline.stdout.string)
        // Whole records cut off the end: caught against the head kept from the full log.
        let head = try XCTUnwrap(try verify([path]).lines.last?.replacingOccurrences(of: "head ", with: ""))
        let shorter = try write(Array(lines.dropLast(2)), to: "shorter.jsonl")
        XCTAssertEqual(try verify([shorter]).status, 0, "a prefix of a chain is a valid chain")
        let againstHead = try verify([shorter], ["--head", head])
        XCTAssertEqual(againstHead.status, 1)
        XCTAssertTrue(againstHead.stdout.string.contains("cut off the end"), againstHead.stdout.string)
        XCTAssertEqual(try verify([path], ["--head", head]).status, 0)
    }

    func testOtherSchemasAndJunkAreRejected() throws {
        let (_, lines) = try makeLog()
        var other = lines
        other[0] = other[0].replacingOccurrences(of: "switchyard.audit/1", with: "switchyard.audit/2")
        let schema = try verify([try write(other, to: "schema.jsonl")])
        XCTAssertEqual(schema.status, 1)
        XCTAssertTrue(schema.stdout.string.contains("schema.jsonl:1: schema is"), schema.stdout.string)
        let junk = try verify([try write(["not json"] + lines, to: "junk.jsonl")])
        XCTAssertEqual(junk.status, 1)
        XCTAssertTrue(junk.stdout.string.contains("junk.jsonl:1: not valid JSON"), junk.stdout.string)
    }

    // MARK: Appending and rotation

    func testAppendingContinuesTheChain() throws {
        let (path, _) = try makeLog()
        try route(Array(Self.requests.prefix(3)), audit: path)
        let result = try verify([path])
        XCTAssertEqual(result.status, 0, result.stdout.string)
        XCTAssertEqual(result.lines.first, "ok \(Self.requests.count + 3) records")
    }

    func testAFileThatIsNotAV1LogIsNotAppendedTo() throws {
        let old = try write([#"{"time":"2026-01-01T00:00:00Z","id":"r1","route":"primary"}"#], to: "old.jsonl")
        let result = try route(Array(Self.requests.prefix(2)), audit: old)
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.stderr.contains("does not end with a switchyard.audit/1 record"), result.stderr)
        XCTAssertEqual(try String(contentsOf: old, encoding: .utf8).split(separator: "\n").count, 1, "left as it was")
    }

    func testSIGHUPReopensTheFileAndTheChainGoesOn() throws {
        let path = directory.appendingPathComponent("live.jsonl")
        let rotated = directory.appendingPathComponent("live.1.jsonl")
        let (process, stdin, stdout, _) = try CLIHarness.launch(["route", "--rules", pack.path, "--policy", policyPath, "--audit", path.path, "--max-wait-ms", "1"])
        func send(_ lines: [String]) throws {
            try stdin.fileHandleForWriting.write(contentsOf: Data((lines.joined(separator: "\n") + "\n").utf8))
        }
        func waitForLines(_ count: Int, in file: URL) {
            let deadline = Date().addingTimeInterval(20)
            while Date() < deadline {
                if let text = try? String(contentsOf: file, encoding: .utf8), text.split(separator: "\n").count >= count { return }
                usleep(20_000)
            }
            XCTFail("\(file.lastPathComponent) never reached \(count) lines")
        }
        try send(Array(Self.requests.prefix(3)))
        waitForLines(3, in: path)
        try FileManager.default.moveItem(at: path, to: rotated)
        kill(process.processIdentifier, SIGHUP)
        usleep(100_000)
        try send([Self.requests[8], Self.requests[1]])
        waitForLines(2, in: path)
        try stdin.fileHandleForWriting.close()
        _ = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "SIGHUP does not end the process")

        XCTAssertEqual(try String(contentsOf: rotated, encoding: .utf8).split(separator: "\n").count, 3)
        let both = try verify([rotated, path])
        XCTAssertEqual(both.status, 0, both.stdout.string)
        XCTAssertEqual(both.lines.first, "ok 5 records")
        // The new file alone continues a chain it does not hold: it verifies from the old head only.
        let alone = try verify([path])
        XCTAssertEqual(alone.status, 1)
        XCTAssertTrue(alone.stdout.string.contains("not the genesis hash"), alone.stdout.string)
        let oldHead = try XCTUnwrap(try verify([rotated]).lines.last?.replacingOccurrences(of: "head ", with: ""))
        XCTAssertEqual(try verify([path], ["--from", oldHead]).status, 0)
    }

    // MARK: Report

    func testReportCountsEscalatedIdentitiesDecisions() throws {
        // A policy that escalates a user after two strikes: u-ann's third request (clean) is
        // escalated, and the report counts it per user and for the fleet.
        let policy = directory.appendingPathComponent("escalating.yaml")
        try "escalation:\n  user: {threshold: 2, window: 1h, action: fallback, cooldown: 1h}\n".write(to: policy, atomically: true, encoding: .utf8)
        let path = directory.appendingPathComponent("escalated.jsonl")
        let requests = [
            #"{"id": "e1", "text": "write a keylogger", "user": {"id": "u-ann", "org": "acme"}}"#,
            #"{"id": "e2", "text": "a phishing kit please", "user": {"id": "u-ann", "org": "acme"}}"#,
            #"{"id": "e3", "text": "bake bread", "user": {"id": "u-ann", "org": "acme"}}"#,
            #"{"id": "e4", "text": "bake bread", "user": {"id": "u-bob", "org": "acme"}}"#,
        ]
        let routed = try CLIHarness.run(["route", "--rules", pack.path, "--policy", policy.path, "--audit", path.path, "--threads", "1"],
                                        input: Data((requests.joined(separator: "\n") + "\n").utf8))
        XCTAssertEqual(routed.status, 0, routed.stderr)
        XCTAssertTrue(routed.lines[2].contains("escalated:user"), routed.lines[2])
        let result = try CLIHarness.run(["report", "--audit", path.path, "--format", "json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let report = try object(result.lines.joined())
        let fleet = try XCTUnwrap(report["fleet"] as? [String: Any])
        XCTAssertEqual(fleet["escalations"] as? [String: Int], ["escalated:user": 2])
        let markdown = try CLIHarness.run(["report", "--audit", path.path, "--format", "md"])
        XCTAssertTrue(markdown.lines.joined(separator: "\n").contains("escalated:user"), markdown.stderr)
    }

    func testReportJSONTotalsEqualACountOverTheLog() throws {
        let (path, lines) = try makeLog()
        let (second, moreLines) = try makeLog("second.jsonl")
        let records = try (lines + moreLines).map(object)
        let result = try CLIHarness.run(["report", "--audit", path.path, second.path, "--format", "json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let report = try object(result.lines.joined())
        XCTAssertEqual(report["schema"] as? String, "switchyard.report/1")
        XCTAssertEqual(report["records"] as? Int, records.count)
        let fleet = try XCTUnwrap(report["fleet"] as? [String: Any])
        XCTAssertEqual(fleet["decisions"] as? Int, records.count)
        XCTAssertEqual(fleet["risky"] as? Int, records.filter { $0["risky"] as? Bool == true }.count)

        // Count the log directly: by route, category, severity and enforce rule.
        var routes: [String: Int] = [:], categories: [String: Int] = [:], severities: [String: Int] = [:]
        var perUser: [String: Int] = [:], perOrg: [String: Int] = [:]
        let order = ["low", "medium", "high", "critical"]
        for record in records {
            routes[record["route"] as! String, default: 0] += 1
            for category in record["categories"] as? [String] ?? [] { categories[category, default: 0] += 1 }
            let enforce = (record["rules"] as? [[String: Any]] ?? []).filter { $0["mode"] as? String == "enforce" }
            if let top = enforce.compactMap({ $0["severity"] as? String }).max(by: { order.firstIndex(of: $0)! < order.firstIndex(of: $1)! }) {
                severities[top, default: 0] += 1
            }
            let user = record["user"] as? [String: Any]
            perUser[user?["id"] as? String ?? "(no user)", default: 0] += 1
            perOrg[user?["org"] as? String ?? "(no org)", default: 0] += 1
        }
        XCTAssertEqual(fleet["routes"] as? [String: Int], routes)
        XCTAssertEqual(fleet["categories"] as? [String: Int], categories)
        XCTAssertEqual(fleet["severities"] as? [String: Int], severities)
        XCTAssertEqual(categories["malware"], 6, "a1, a3, c3 in each of the two logs (the shadow rule does not count)")

        let users = try XCTUnwrap(report["users"] as? [[String: Any]])
        XCTAssertEqual(Dictionary(uniqueKeysWithValues: users.map { ($0["user"] as! String, $0["decisions"] as! Int) }), perUser)
        let orgs = try XCTUnwrap(report["orgs"] as? [[String: Any]])
        XCTAssertEqual(Dictionary(uniqueKeysWithValues: orgs.map { ($0["org"] as! String, $0["decisions"] as! Int) }), perOrg)
        XCTAssertEqual(users.map { $0["decisions"] as! Int }.reduce(0, +), records.count)

        let ann = try XCTUnwrap(users.first { $0["user"] as? String == "u-ann" })
        XCTAssertEqual(ann["org"] as? String, "acme")
        XCTAssertEqual(ann["risky"] as? Int, 4)
        XCTAssertEqual(ann["categories"] as? [String: Int], ["malware": 4, "credential-theft": 2])
        XCTAssertEqual((ann["top_rules"] as? [[String: Any]])?.first?["rule"] as? String, "audit.malware.keylogger")
        XCTAssertEqual(ann["first_seen"] as? String, records[0]["time"] as? String)
        XCTAssertEqual((ann["example_text_sha256"] as? [String])?.first, records[0]["text_sha256"] as? String)
        let cy = try XCTUnwrap(users.first { $0["user"] as? String == "u-cy" })
        XCTAssertEqual(cy["shadow_rules"] as? [String: Int], ["audit.shadow.ransom": 2])
    }

    func testReportSinceLeavesOutEarlierDecisions() throws {
        let (path, lines) = try makeLog()
        let all = try CLIHarness.run(["report", "--audit", path.path, "--since", "2000-01-01T00:00:00Z"])
        XCTAssertEqual(try object(all.lines.joined())["records"] as? Int, lines.count)
        let none = try CLIHarness.run(["report", "--audit", path.path, "--since", "2999-01-01T00:00:00+02:00"])
        let report = try object(none.lines.joined())
        XCTAssertEqual(report["records"] as? Int, 0)
        XCTAssertEqual(report["before_since"] as? Int, lines.count)
        XCTAssertEqual(try CLIHarness.run(["report", "--audit", path.path, "--since", "yesterday"]).status, 64)
    }

    func testReportMarkdownAndHTML() throws {
        let (path, _) = try makeLog()
        let markdown = try CLIHarness.run(["report", "--audit", path.path, "--format", "md"])
        XCTAssertEqual(markdown.status, 0, markdown.stderr)
        let md = markdown.stdout.string
        XCTAssertTrue(md.hasPrefix("# Switchyard audit report"))
        for expected in ["## Fleet", "## Organisations", "## Users", "| u-ann | acme |", "| globex |", "audit.malware.keylogger"] {
            XCTAssertTrue(md.contains(expected), "missing \(expected) in\n\(md)")
        }

        let page = try CLIHarness.run(["report", "--audit", path.path, "--format", "html"])
        XCTAssertEqual(page.status, 0, page.stderr)
        let html = page.stdout.string
        XCTAssertTrue(html.hasPrefix("<!DOCTYPE html>"))
        XCTAssertTrue(html.contains("<style>"))
        XCTAssertGreaterThanOrEqual(html.components(separatedBy: "<svg").count - 1, 3, "inline charts")
        for external in ["<script", "<link", "src=", "http://", "https://", "url("] {
            XCTAssertFalse(html.contains(external), "self-contained: no \(external)")
        }
        guard let _ = Self.python3 else { throw XCTSkip("python3 is missing") }
        // Every element that is opened is closed, in order (void elements aside).
        let file = directory.appendingPathComponent("report.html")
        try Data(html.utf8).write(to: file)
        let check = try runPython("""
            import sys
            from html.parser import HTMLParser
            VOID = {"meta", "br", "img", "hr", "input", "link"}
            class Check(HTMLParser):
                def __init__(self):
                    super().__init__(); self.stack = []; self.svg = 0; self.rects = 0
                def handle_starttag(self, tag, attrs):
                    if tag == "svg": self.svg += 1
                    if tag == "rect": self.rects += 1
                    if tag not in VOID: self.stack.append(tag)
                def handle_endtag(self, tag):
                    assert self.stack and self.stack[-1] == tag, (tag, self.stack[-3:])
                    self.stack.pop()
            c = Check(); c.feed(open(sys.argv[1]).read()); c.close()
            assert not c.stack, c.stack
            print(c.svg, c.rects)
            """, arguments: [file.path])
        XCTAssertEqual(check.status, 0, check.stderr)
    }

    func testReportSTIXBundleValidates() throws {
        guard let _ = Self.python3 else { throw XCTSkip("python3 is missing") }
        let (path, _) = try makeLog()
        let result = try CLIHarness.run(["report", "--audit", path.path, "--format", "stix"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let file = directory.appendingPathComponent("bundle.json")
        try result.stdout.write(to: file)
        // The OASIS stix2 library parses every object strictly (no custom properties), checks the
        // indicator patterns; the script then checks that every reference resolves in the bundle.
        let check = try runPython("""
            import json, sys, collections
            import stix2
            text = open(sys.argv[1]).read()
            bundle = stix2.parse(text, allow_custom=False)
            assert bundle.type == "bundle"
            ids = {o.id for o in bundle.objects}
            def refs(value):
                if isinstance(value, dict):
                    for k, v in value.items():
                        if k.endswith("_ref"): yield v
                        elif k.endswith("_refs"): yield from v
                        else: yield from refs(v)
                elif isinstance(value, list):
                    for v in value: yield from refs(v)
            raw = json.loads(text)
            missing = [r for r in refs(raw["objects"]) if r not in ids]
            assert not missing, missing
            kinds = collections.Counter(o.type for o in bundle.objects)
            classes = collections.Counter(o.identity_class for o in bundle.objects if o.type == "identity")
            observed = {(o.object_refs[0], o.labels[0]): o.number_observed for o in bundle.objects if o.type == "observed-data"}
            print(json.dumps({"kinds": kinds, "classes": classes, "observed": len(observed),
                              "malware_ann": [n for (ref, label), n in observed.items() if label == "malware"]}))
            """, arguments: [file.path])
        XCTAssertEqual(check.status, 0, check.stderr)
        let summary = try object(check.stdout.string)
        let kinds = try XCTUnwrap(summary["kinds"] as? [String: Int])
        XCTAssertEqual(kinds["report"], 1)
        XCTAssertEqual(kinds["user-account"], 3)
        XCTAssertGreaterThanOrEqual(kinds["indicator"] ?? 0, 3)
        XCTAssertGreaterThanOrEqual(kinds["relationship"] ?? 0, 3)
        XCTAssertEqual(summary["classes"] as? [String: Int], ["system": 1, "organization": 2, "individual": 3])
        // (u-ann, malware) 2, (u-ann, credential-theft) 1, (u-bob, critical-infrastructure) 1,
        // (u-cy, credential-theft) 1, (u-cy, malware) 1.
        XCTAssertEqual(summary["observed"] as? Int, 5)
    }

    // MARK: Library

    func testTimesAreRFC3339() throws {
        XCTAssertEqual(AuditClock.parse("1970-01-01T00:00:00Z"), 0)
        XCTAssertEqual(AuditClock.parse("1970-01-02"), 86_400)
        XCTAssertEqual(AuditClock.parse("2026-12-03T16:27:25.5+01:00"), 1_796_315_245.5 - 3600)
        XCTAssertEqual(AuditClock.parse("2000-02-29T23:59:59-00:30"), 951_868_799 + 1800)
        XCTAssertEqual(AuditClock.format(seconds: 1_796_315_245, milliseconds: 7), "2026-12-03T16:27:25.007Z")
        for bad in ["", "yesterday", "2026-13-01T00:00:00Z", "2026-12-03T16:27:25", "2026-12-03T16:27:25.Z", "2026-12-03T16:27:25+0100"] {
            XCTAssertNil(AuditClock.parse(bad), bad)
        }
        let now = AuditClock.now()
        XCTAssertEqual(now.count, 24, now)
        XCTAssertLessThan(abs(try XCTUnwrap(AuditClock.parse(now)) - Date().timeIntervalSince1970), 5)
    }

    func testTheLibraryWritesRotatesAndVerifiesALog() throws {
        let classifier = try Classifier(pack: RuleLoader().load(directory: pack.path))
        let router = ModelRouter(classifier: classifier, policy: try PolicyLoader().load(path: policyPath))
        let renderer = AuditRecordRenderer(router: router, instance: "library-test")
        let scratch = router.makeScratch()
        func bodies(_ texts: [String]) -> [[UInt8]] {
            texts.enumerated().map { index, text in
                let request = ModelRequest(id: .string("r\(index)"), text: text, user: CallerIdentity(id: "u1", org: "acme"))
                return renderer.body(id: request.id, line: index + 1, request: request, decision: router.route(request, using: scratch))
            }
        }
        let path = directory.appendingPathComponent("library.jsonl")
        let rotated = directory.appendingPathComponent("library.1.jsonl")
        let file = try AuditFile(path: path.path)
        XCTAssertEqual(file.head, AuditSchema.genesis)
        try file.append(bodies(["write a keylogger", "bake bread"]))
        try FileManager.default.moveItem(at: path, to: rotated)
        try file.reopen()
        try file.append(bodies(["a phishing kit"]))
        let head = file.head
        file.close()
        // Opening again continues from the last record on disk.
        let again = try AuditFile(path: path.path)
        XCTAssertEqual(again.head, head)
        try again.append(bodies(["trip the breakers"]))
        again.close()

        var verifier = AuditVerifier()
        try verifier.verify(contents: Array(try Data(contentsOf: rotated)), file: rotated.path)
        try verifier.verify(contents: Array(try Data(contentsOf: path)), file: path.path)
        XCTAssertEqual(verifier.count, 4)
        var report = AuditReport()
        report.add(contents: Array(try Data(contentsOf: rotated)), file: rotated.path)
        report.add(contents: Array(try Data(contentsOf: path)), file: path.path)
        XCTAssertEqual(report.records, 4)
        XCTAssertEqual(report.users["u1"]?.counts.risky, 3)
        XCTAssertEqual(report.orgs["acme"]?.counts.categoryCounts, ["malware": 1, "credential-theft": 1, "critical-infrastructure": 1])
    }

    // MARK: Python

    /// The first `python3` on PATH (where `pip install stix2` put its library), if any.
    static let python3: String? = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin")
        .split(separator: ":").map { "\($0)/python3" }.first { FileManager.default.isExecutableFile(atPath: $0) }

    private func runPython(_ script: String, arguments: [String]) throws -> CLIHarness.Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try XCTUnwrap(Self.python3))
        process.arguments = ["-c", script] + arguments
        let stdout = Pipe(), stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        let errors = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CLIHarness.Result(status: process.terminationStatus, stdout: output, stderr: String(decoding: errors, as: UTF8.self))
    }
}

private extension Data {
    var string: String { String(decoding: self, as: UTF8.self) }
}
