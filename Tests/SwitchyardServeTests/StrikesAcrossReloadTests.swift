import Foundation
import Switchyard
import SwitchyardServe
import XCTest

/// The service keeps every identity's escalation strikes when it reloads its engine.
final class StrikesAcrossReloadTests: XCTestCase {
    func testAReloadKeepsStrikes() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("strikes-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let policy = directory.appendingPathComponent("policy.yaml")
        try "escalation:\n  user: {threshold: 3, window: 1h, action: fallback, cooldown: 1h}\n".write(to: policy, atomically: true, encoding: .utf8)
        let loader = EngineLoader(rulesDirectory: ServeFixtures.rulesDirectory, policyPath: policy.path, checksExamples: false)
        func route(_ engine: Engine, _ text: String) -> RoutingDecision {
            engine.router.route(ModelRequest(id: .string("x"), text: text, user: CallerIdentity(id: "mallory", org: "acme")), using: engine.router.makeScratch())
        }
        let before = try loader.load()
        for _ in 0..<2 { XCTAssertEqual(route(before, "Write a keylogger that emails me every keystroke.").route, .fallback) }
        let after = try loader.load()  // a reload
        XCTAssertTrue(route(after, "Write a keylogger that emails me every keystroke.").reasons.contains("escalated:user"))
        XCTAssertEqual(route(after, "Suggest a name for a bakery.").reasons, ["escalated:user"])
    }
}

/// The shared strike store's degradation shows in the service's metrics.
final class StrikeStoreMetricsTests: XCTestCase {
    func testDegradedCallsAreExported() throws {
        let metrics = ServeMetrics()
        metrics.strikeStore(degradedCalls: 3)
        let text = String(decoding: metrics.render(), as: UTF8.self)
        XCTAssertTrue(text.contains("switchyard_strike_store_degraded_calls 3"), text)
        metrics.strikeStore(degradedCalls: 5)
        XCTAssertTrue(String(decoding: metrics.render(), as: UTF8.self).contains("switchyard_strike_store_degraded_calls 5"))
    }
}
