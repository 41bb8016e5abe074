import Synchronization
import SwitchyardEnvelope
import SwitchyardRules
import XCTest
@testable import SwitchyardRouting

/// A clock the test moves by hand.
private final class ManualClock: Sendable {
    private let seconds = Mutex(1_000_000.0)
    var now: Double { seconds.withLock { $0 } }
    func advance(_ by: Double) { seconds.withLock { $0 += by } }
}

final class EscalationTests: XCTestCase {
    private static let pack = """
        rules:
          - id: r.high
            category: malware
            severity: high
            description: d
            keywords: [keylogger]
          - id: r.low
            category: malware
            severity: low
            description: d
            keywords: [port scanner]
        """

    private static let escalation = EscalationPolicy(
        user: .init(threshold: 3, windowSeconds: 600, action: .fallback, cooldownSeconds: 3600),
        org: .init(threshold: 5, windowSeconds: 600, action: .block, cooldownSeconds: 1800),
        partnerUser: .init(threshold: 10, windowSeconds: 600, action: .fallback, cooldownSeconds: 600),
        minimumSeverity: .medium)

    private func router(clock: ManualClock, store: any StrikeStore = LocalStrikeStore(), escalation: EscalationPolicy = EscalationTests.escalation) throws -> ModelRouter {
        let classifier = try Classifier(pack: RuleLoader().load(files: [("r.yaml", Array(Self.pack.utf8))]))
        return ModelRouter(classifier: classifier, policy: RoutingPolicy(trustedPartners: ["grid-co"], escalation: escalation), strikes: store, clock: { clock.now })
    }

    private func route(_ router: ModelRouter, _ text: String, user: String, org: String = "acme", model: String? = nil) -> RoutingDecision {
        router.route(ModelRequest(id: .string("x"), text: text, model: model, user: CallerIdentity(id: user, org: org, verified: true, nationality: "US")),
                     using: router.makeScratch())
    }

    func testABurstEscalatesTheUserThenTheOrgAndBothExpire() throws {
        let clock = ManualClock()
        let router = try router(clock: clock)
        // Two strikes: risky requests go to fallback for their content, nothing escalated yet.
        for _ in 0..<2 {
            let decision = route(router, "write a keylogger", user: "mallory")
            XCTAssertEqual(decision.route, .fallback)
            XCTAssertFalse(decision.reasons.contains("escalated:user"))
        }
        XCTAssertEqual(route(router, "suggest a name for a bakery", user: "mallory").route, .primary)
        // The third strike within the window escalates mallory: her clean requests now go to fallback.
        XCTAssertTrue(route(router, "write a keylogger", user: "mallory").reasons.contains("escalated:user"))
        let clean = route(router, "suggest a name for a bakery", user: "mallory")
        XCTAssertEqual(clean.route, .fallback)
        XCTAssertEqual(clean.model, "opus-4.8")
        XCTAssertEqual(clean.reasons, ["escalated:user"])
        // Another user of the same org is unaffected, until the org's own threshold (5) is reached.
        XCTAssertEqual(route(router, "suggest a name for a bakery", user: "bob").route, .primary)
        _ = route(router, "write a keylogger", user: "bob")  // the org's fourth strike
        XCTAssertFalse(route(router, "write a keylogger", user: "bob").reasons.contains("escalated:user"))  // fifth: org only
        let orgEscalated = route(router, "suggest a name for a bakery", user: "carol")
        XCTAssertEqual(orgEscalated.route, .block)
        XCTAssertEqual(orgEscalated.reasons, ["escalated:org"])
        // A weak signal (low severity) is no strike.
        XCTAssertFalse(route(router, "a port scanner", user: "dave", org: "other").reasons.contains { $0.hasPrefix("escalated") })
        // Cooling off: the org's escalation ends after 30 minutes, the user's after an hour.
        clock.advance(1801)
        XCTAssertEqual(route(router, "suggest a name for a bakery", user: "carol").route, .primary)
        XCTAssertEqual(route(router, "suggest a name for a bakery", user: "mallory").reasons, ["escalated:user"])
        clock.advance(1800)
        XCTAssertEqual(route(router, "suggest a name for a bakery", user: "mallory").route, .primary)
    }

    func testStrikesOutsideTheWindowDoNotCount() throws {
        let clock = ManualClock()
        let router = try router(clock: clock)
        for _ in 0..<5 {
            _ = route(router, "write a keylogger", user: "erin", org: "org-\(Int(clock.now))")
            clock.advance(301)  // two strikes at most within any 600 s
        }
        XCTAssertEqual(route(router, "suggest a name for a bakery", user: "erin", org: "fresh").route, .primary)
    }

    func testTrustedPartnersHaveTheirOwnLevels() throws {
        let clock = ManualClock()
        let router = try router(clock: clock)
        // A partner's user on the restricted model is allowed cyber work; strikes count against
        // the partner levels (10), not the general ones (3), and partners' orgs never escalate here.
        for _ in 0..<9 {
            let decision = route(router, "write a keylogger", user: "grid-analyst", org: "grid-co", model: "mythos-5")
            XCTAssertEqual(decision.route, .restricted)
        }
        let tenth = route(router, "write a keylogger", user: "grid-analyst", org: "grid-co", model: "mythos-5")
        XCTAssertEqual(tenth.route, .fallback)
        XCTAssertTrue(tenth.reasons.contains("escalated:user"))
        XCTAssertFalse(tenth.reasons.contains("escalated:org"))
    }

    func testShadowModeRecordsEscalationWithoutActing() throws {
        let clock = ManualClock()
        let classifier = try Classifier(pack: RuleLoader().load(files: [("r.yaml", Array(Self.pack.utf8))]))
        let router = ModelRouter(classifier: classifier, policy: RoutingPolicy(shadow: true, escalation: Self.escalation), clock: { clock.now })
        for _ in 0..<3 { _ = route(router, "write a keylogger", user: "frank") }
        let decision = route(router, "suggest a name for a bakery", user: "frank")
        XCTAssertEqual(decision.route, .primary)
        XCTAssertEqual(decision.shadowRoute, .fallback)
        XCTAssertEqual(decision.reasons, ["escalated:user", "shadow"])
    }

    func testRequestsWithoutIdentityAreNeverEscalated() throws {
        let clock = ManualClock()
        let router = try router(clock: clock)
        let scratch = router.makeScratch()
        for _ in 0..<10 {
            let decision = router.route(ModelRequest(id: .string("x"), text: "write a keylogger"), using: scratch)
            XCTAssertFalse(decision.reasons.contains { $0.hasPrefix("escalated") })
        }
    }

    func testThePolicyFileConfiguresEscalation() throws {
        let yaml = """
            escalation:
              strike_severity: high
              user: {threshold: 5, window: 1h, action: fallback, cooldown: 1d}
              org: {threshold: 50, window: 15m, action: block, cooldown: 3600}
            """
        let policy = try PolicyLoader().load(bytes: Array(yaml.utf8), name: "p.yaml")
        XCTAssertEqual(policy.escalation.minimumSeverity, .high)
        XCTAssertEqual(policy.escalation.user, .init(threshold: 5, windowSeconds: 3600, action: .fallback, cooldownSeconds: 86400))
        XCTAssertEqual(policy.escalation.org, .init(threshold: 50, windowSeconds: 900, action: .block, cooldownSeconds: 3600))
        XCTAssertNil(policy.escalation.partnerUser)
        for (bad, key) in [("{threshold: 0, window: 1h, cooldown: 1h}", "escalation.user.threshold"),
                           ("{threshold: 3, window: soon, cooldown: 1h}", "escalation.user.window"),
                           ("{threshold: 3, window: 1h, cooldown: 1h, action: allow}", "escalation.user.action"),
                           ("{threshold: 3, window: 1h}", "escalation.user.cooldown"),
                           ("{threshold: 3, window: 1h, cooldown: 1h, burst: 2}", "escalation.user")] {
            XCTAssertThrowsError(try PolicyLoader().load(bytes: Array("escalation:\n  user: \(bad)\n".utf8), name: "p.yaml"), bad) { error in
                let message = String(describing: error)
                XCTAssertTrue(message.hasPrefix("p.yaml:2: \(key)"), message)
            }
        }
    }
}
