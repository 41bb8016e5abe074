import Foundation
import Switchyard
import SwitchyardServe
import XCTest

/// `GET /metrics` is Prometheus text, and its counters move with the requests served.
final class MetricsTests: XCTestCase {
    /// Every sample line of a Prometheus text exposition: name, labels, value. Fails on a line
    /// that is neither a comment nor a well-formed sample.
    static func samples(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> [(name: String, labels: [String: String], value: Double)] {
        var result: [(String, [String: String], Double)] = []
        let sample = try! NSRegularExpression(pattern: #"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$"#)
        let label = try! NSRegularExpression(pattern: #"([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)""#)
        for row in text.split(separator: "\n").map(String.init) {
            if row.hasPrefix("# TYPE ") || row.hasPrefix("# HELP ") { continue }
            let range = NSRange(row.startIndex..., in: row)
            guard let match = sample.firstMatch(in: row, range: range) else {
                XCTFail("not Prometheus text: \(row)", file: file, line: line)
                continue
            }
            let name = String(row[Range(match.range(at: 1), in: row)!])
            var labels: [String: String] = [:]
            if let labelRange = Range(match.range(at: 3), in: row) {
                let body = String(row[labelRange])
                for pair in label.matches(in: body, range: NSRange(body.startIndex..., in: body)) {
                    labels[String(body[Range(pair.range(at: 1), in: body)!])] = String(body[Range(pair.range(at: 2), in: body)!])
                }
            }
            let valueText = String(row[Range(match.range(at: 4), in: row)!])
            guard let value = Double(valueText) ?? (valueText == "+Inf" ? .infinity : nil) else {
                XCTFail("bad value in \(row)", file: file, line: line)
                continue
            }
            result.append((name, labels, value))
        }
        return result
    }

    static func value(_ samples: [(name: String, labels: [String: String], value: Double)], _ name: String, _ labels: [String: String] = [:]) -> Double {
        samples.filter { sample in sample.name == name && labels.allSatisfy { key, value in sample.labels[key] == value } }.reduce(0) { $0 + $1.value }
    }

    func testMetricsParseAndCountersMove() async throws {
        try await withServer { server in
            let before = Self.samples(try await HTTP.get(server.base + "/metrics").body)
            XCTAssertEqual(Self.value(before, "switchyard_decisions_total"), 0)

            for _ in 0..<3 { _ = try await HTTP.post(server.base + "/v1/route", DecisionEndpointTests.risky) }
            _ = try await HTTP.post(server.base + "/v1/route", DecisionEndpointTests.benign)
            _ = try await HTTP.post(server.base + "/v1/route", DecisionEndpointTests.chat)
            _ = try await HTTP.post(server.base + "/v1/route", DecisionEndpointTests.badJSON)
            _ = try await HTTP.post(server.base + "/v1/classify", DecisionEndpointTests.risky)

            let metrics = try await HTTP.get(server.base + "/metrics")
            XCTAssertEqual(metrics.status, 200)
            XCTAssertTrue(metrics.header("content-type")?.hasPrefix("text/plain") ?? false)
            let after = Self.samples(metrics.body)
            XCTAssertEqual(Self.value(after, "switchyard_decisions_total", ["endpoint": "route", "route": "fallback"]), 4, "3 risky + 1 unusable")
            XCTAssertEqual(Self.value(after, "switchyard_decisions_total", ["endpoint": "route", "route": "primary"]), 1)
            XCTAssertEqual(Self.value(after, "switchyard_decisions_total", ["endpoint": "route", "route": "block"]), 1)
            XCTAssertEqual(Self.value(after, "switchyard_decision_reasons_total", ["reason": "risky:malware"]), 3)
            XCTAssertEqual(Self.value(after, "switchyard_decision_categories_total", ["endpoint": "route", "category": "malware"]), 3)
            XCTAssertEqual(Self.value(after, "switchyard_rule_hits_total", ["rule": "malware.keylogger.build"]), 4, "3 routed + 1 classified")
            XCTAssertEqual(Self.value(after, "switchyard_rule_hits_total", ["rule": "critical-infrastructure.ics.attack"]), 1)
            XCTAssertEqual(Self.value(after, "switchyard_failsafe_total", ["code": "invalid_json"]), 1)
            XCTAssertEqual(Self.value(after, "switchyard_http_requests_total", ["endpoint": "route", "status": "200"]), 5)
            XCTAssertEqual(Self.value(after, "switchyard_http_requests_total", ["endpoint": "route", "status": "400"]), 1)
            XCTAssertEqual(Self.value(after, "switchyard_http_requests_total", ["endpoint": "classify", "status": "200"]), 1)
            XCTAssertEqual(Self.value(after, "switchyard_classification_seconds_count"), 6, "5 routed + 1 classified")
            XCTAssertEqual(Self.value(after, "switchyard_request_seconds_count", ["endpoint": "route"]), 6)
            XCTAssertEqual(Self.value(after, "switchyard_request_seconds_bucket", ["endpoint": "route", "le": "+Inf"]), 6)
            XCTAssertEqual(Self.value(after, "switchyard_reloads_total", ["outcome": "failed"]), 0)
            XCTAssertEqual(Self.value(after, "switchyard_engine_info", ["rules_version": ServeFixtures.engine.rulesVersion,
                                                                         "policy_version": ServeFixtures.engine.policyVersion]), 1)
        }
    }

    func testIndeterminateVerdictsAreCountedAndNeverPrimary() async throws {
        // An engine whose classifier inspects at most 200 bytes: longer texts are indeterminate.
        var options = ClassifierOptions()
        options.maxTextBytes = 200
        let classifier = try Classifier(pack: RuleLoader().load(directory: ServeFixtures.rulesDirectory), options: options)
        let router = ModelRouter(classifier: classifier, policy: ServeFixtures.engine.router.policy)
        let engine = Engine(router: router, rulesDirectory: ServeFixtures.rulesDirectory, policyPath: ServeFixtures.policyPath)
        try await withServer(engine: engine) { server in
            let long = #"{"text":""# + String(repeating: "Plan a picnic menu. ", count: 30) + #""}"#
            let record = try await HTTP.post(server.base + "/v1/route", long).json
            XCTAssertEqual(record["route"] as? String, "fallback")
            XCTAssertEqual(record["indeterminate"] as? String, "oversize")
            XCTAssertTrue((record["reasons"] as? [String] ?? []).contains("indeterminate:oversize"))
            let samples = Self.samples(try await HTTP.get(server.base + "/metrics").body)
            XCTAssertEqual(Self.value(samples, "switchyard_indeterminate_total", ["kind": "oversize"]), 1)
        }
    }
}
