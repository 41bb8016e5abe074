import SwitchyardEnvelope
import SwitchyardRules
import XCTest
@testable import SwitchyardRouting

/// Every policy branch, table-driven: identity × requested model × verdict × policy → route, reasons.
final class PolicyEngineTests: XCTestCase {
    static let location = SourceLocation(file: "t.yaml", line: 1)
    static let rules: [Rule] = {
        func rule(_ id: String, _ category: String, _ severity: Severity, _ mode: RuleMode = .enforce) -> Rule {
            var rule = Rule(id: id, category: category, severity: severity, description: id, location: location)
            rule.keywords = [Term(parsing: id)]
            rule.mode = mode
            return rule
        }
        return [
            rule("low", "malware", .low),                      // 0
            rule("medium", "intrusion", .medium),              // 1
            rule("high", "malware", .high),                    // 2
            rule("critical", "malware", .critical),            // 3
            rule("ics", "critical-infrastructure", .high),     // 4
            rule("shadowed", "malware", .high, .shadow),       // 5
            rule("high2", "credential-theft", .high),          // 6
        ]
    }()

    /// A verdict with the given rules fired (score from their weights, enforce only).
    static func verdict(_ fired: [Int], indeterminate: Indeterminate? = nil, signals: Signals = []) -> Verdict {
        let hits = fired.map { RuleHit(rule: $0, view: .raw, span: 0..<1) }
        let enforced = fired.filter { rules[$0].mode == .enforce }
        return Verdict(risky: !enforced.isEmpty, score: enforced.reduce(0) { $0 + rules[$1].severity.weight }, hits: hits, indeterminate: indeterminate, signals: signals)
    }

    static let partnerPolicy = RoutingPolicy(trustedPartners: ["grid-co"])

    struct Case {
        var name: String
        var policy: RoutingPolicy = PolicyEngineTests.partnerPolicy
        var user: CallerIdentity? = nil
        var model: String? = nil
        var fired: [Int] = []
        var indeterminate: Indeterminate? = nil
        var signals: Signals = []
        var route: ModelRoute
        var reasons: [String] = []
        var shadowRoute: ModelRoute? = nil
    }

    static let partnerDE = CallerIdentity(id: "u1", org: "grid-co", verified: true, nationality: "DE")
    static let partnerUS = CallerIdentity(id: "u2", org: "GRID-CO", verified: true, nationality: "US")
    static let partnerUnverified = CallerIdentity(id: "u3", org: "grid-co", verified: false, nationality: "US")
    static let outsiderUS = CallerIdentity(id: "u4", org: "other-co", verified: true, nationality: "US")
    static let outsiderFR = CallerIdentity(id: "u5", org: "other-co", verified: true, nationality: "FR")

    static var controlled: RoutingPolicy {
        var policy = partnerPolicy
        policy.primaryExportControl = ExportControl(allowedNationalities: ["US", "GB"], requireVerified: true, partnerException: true)
        return policy
    }

    static let cases: [Case] = [
        // Entitlement to the restricted model.
        Case(name: "anonymous clean", route: .primary),
        Case(name: "non-partner asks for mythos", user: outsiderUS, model: "mythos-5", route: .primary, reasons: ["not-trusted-partner"]),
        Case(name: "anonymous asks for mythos", model: "mythos-5", route: .primary, reasons: ["not-trusted-partner"]),
        Case(name: "unverified partner asks for mythos", user: partnerUnverified, model: "mythos-5", route: .primary, reasons: ["not-verified"]),
        Case(name: "unverified partner allowed when policy does not require verification",
             policy: { var p = partnerPolicy; p.partnersRequireVerified = false; p.restrictedExportControl.requireVerified = false; return p }(),
             user: partnerUnverified, model: "mythos-5", route: .restricted),
        Case(name: "verified US partner gets mythos", user: partnerUS, model: "mythos-5", route: .restricted),
        Case(name: "non-US partner employee gets mythos via partner exception", user: partnerDE, model: "mythos-5", route: .restricted),
        Case(name: "no partner exception: non-US partner employee drops to primary",
             policy: { var p = partnerPolicy; p.restrictedExportControl.partnerException = false; return p }(),
             user: partnerDE, model: "mythos-5", route: .primary, reasons: ["export-control:nationality"]),
        Case(name: "partner asking for the primary model gets primary", user: partnerDE, model: "fable-5", route: .primary),
        Case(name: "explicit fallback request", user: outsiderUS, model: "opus-4.8", route: .fallback, reasons: ["requested-fallback"]),
        // Export control on the primary model.
        Case(name: "allowed nationality on controlled primary", policy: controlled, user: outsiderUS, route: .primary),
        Case(name: "barred nationality on controlled primary", policy: controlled, user: outsiderFR, route: .fallback, reasons: ["export-control:nationality"]),
        Case(name: "unknown nationality on controlled primary", policy: controlled, user: CallerIdentity(id: "u", verified: true),
             route: .fallback, reasons: ["export-control:nationality-unknown"]),
        Case(name: "unverified user on controlled primary", policy: controlled, user: CallerIdentity(id: "u", verified: false, nationality: "US"),
             route: .fallback, reasons: ["export-control:unverified"]),
        Case(name: "anonymous on controlled primary", policy: controlled, route: .fallback, reasons: ["export-control:unverified"]),
        Case(name: "partner exception on controlled primary", policy: controlled, user: partnerDE, route: .primary),
        Case(name: "barred from mythos and primary ends on fallback",
             policy: { var p = controlled; p.restrictedExportControl.partnerException = false; p.primaryExportControl.partnerException = false; return p }(),
             user: partnerDE, model: "mythos-5", route: .fallback, reasons: ["export-control:nationality", "export-control:nationality"]),
        // Severity and category actions.
        Case(name: "low severity allowed", fired: [0], route: .primary, reasons: ["risky:malware"]),
        Case(name: "medium severity falls back", fired: [1], route: .fallback, reasons: ["risky:intrusion"]),
        Case(name: "high severity falls back", fired: [2], route: .fallback, reasons: ["risky:malware"]),
        Case(name: "critical severity blocks", fired: [3], route: .block, reasons: ["risky:malware"]),
        Case(name: "category action blocks a high rule", fired: [4], route: .block, reasons: ["risky:critical-infrastructure"]),
        Case(name: "shadow rules never route", fired: [5], route: .primary),
        Case(name: "strictest action wins", fired: [0, 1, 3], route: .block, reasons: ["risky:malware", "risky:intrusion"]),
        Case(name: "score threshold blocks", policy: { var p = partnerPolicy; p.actions.blockScore = 10; return p }(),
             fired: [2, 6], route: .block, reasons: ["risky:malware", "risky:credential-theft", "score-at-least:10"]),
        Case(name: "below score threshold", policy: { var p = partnerPolicy; p.actions.blockScore = 10.5; return p }(),
             fired: [2, 6], route: .fallback, reasons: ["risky:malware", "risky:credential-theft"]),
        Case(name: "non-partner asking for mythos with risky content", user: outsiderUS, model: "mythos-5", fired: [2],
             route: .fallback, reasons: ["not-trusted-partner", "risky:malware"]),
        // Trusted partners on the restricted model.
        Case(name: "partner on mythos: cyber content is intended use", user: partnerDE, model: "mythos-5", fired: [2, 3, 4],
             route: .restricted, reasons: ["risky:malware", "risky:critical-infrastructure"]),
        Case(name: "partner table can still block, and block beats everything",
             policy: { var p = partnerPolicy; p.partnerActions.category["critical-infrastructure"] = .block; return p }(),
             user: partnerDE, model: "mythos-5", fired: [4], route: .block, reasons: ["risky:critical-infrastructure"]),
        Case(name: "partner on the primary model gets the general table", user: partnerDE, fired: [2], route: .fallback, reasons: ["risky:malware"]),
        Case(name: "general block applies to a partner off mythos", user: partnerUS, fired: [3], route: .block, reasons: ["risky:malware"]),
        // Indeterminate verdicts.
        Case(name: "indeterminate clean falls back", indeterminate: .oversize, route: .fallback, reasons: ["indeterminate:oversize"]),
        Case(name: "indeterminate regex failure falls back", indeterminate: .regexFailure, route: .fallback, reasons: ["indeterminate:regex-failure"]),
        Case(name: "indeterminate with block content still blocks", fired: [3], indeterminate: .oversize, route: .block,
             reasons: ["risky:malware", "indeterminate:oversize"]),
        Case(name: "policy may let indeterminate through", policy: { var p = partnerPolicy; p.indeterminate = .primary; return p }(),
             indeterminate: .oversize, route: .primary, reasons: ["indeterminate:oversize"]),
        Case(name: "policy may block indeterminate", policy: { var p = partnerPolicy; p.indeterminate = .block; return p }(),
             user: partnerDE, model: "mythos-5", indeterminate: .oversize, route: .block, reasons: ["indeterminate:oversize"]),
        // Evasion signals.
        Case(name: "hidden characters alone fall back", signals: Signals(.hiddenCharacters), route: .fallback, reasons: ["signal:hidden-characters"]),
        Case(name: "mixed script alone falls back", signals: Signals(.mixedScript), route: .fallback, reasons: ["signal:mixed-script"]),
        Case(name: "decoded match adds a reason; the rule decides", fired: [0], signals: Signals(.decodedMatch), route: .primary,
             reasons: ["risky:malware", "signal:decoded-match"]),
        Case(name: "obfuscated critical still blocks", fired: [3], signals: Signals(.obfuscation), route: .block, reasons: ["risky:malware", "signal:obfuscation"]),
        Case(name: "partner table has no signal actions by default", user: partnerDE, model: "mythos-5", signals: Signals(.hiddenCharacters),
             route: .restricted, reasons: ["signal:hidden-characters"]),
        Case(name: "signal action configurable to block", policy: { var p = partnerPolicy; p.actions.signal[.mixedScript] = .block; return p }(),
             signals: Signals(.mixedScript), route: .block, reasons: ["signal:mixed-script"]),
        // Shadow mode.
        Case(name: "shadow routes risky as clean and records the real route", policy: { var p = partnerPolicy; p.shadow = true; return p }(),
             fired: [2], route: .primary, reasons: ["risky:malware", "shadow"], shadowRoute: .fallback),
        Case(name: "shadow still keeps non-partners off mythos", policy: { var p = partnerPolicy; p.shadow = true; return p }(),
             user: outsiderUS, model: "mythos-5", fired: [3], route: .primary, reasons: ["not-trusted-partner", "risky:malware", "shadow"], shadowRoute: .block),
        Case(name: "shadow with a clean verdict changes nothing", policy: { var p = partnerPolicy; p.shadow = true; return p }(), route: .primary),
        Case(name: "shadow keeps export control", policy: { var p = controlled; p.shadow = true; return p }(), user: outsiderFR, fired: [2],
             route: .fallback, reasons: ["export-control:nationality", "risky:malware"]),
    ]

    func testEveryPolicyBranch() {
        for test in Self.cases {
            let decision = PolicyEngine.decide(policy: test.policy, rules: Self.rules, identity: test.user, requestedModel: test.model,
                                               verdict: Self.verdict(test.fired, indeterminate: test.indeterminate, signals: test.signals))
            XCTAssertEqual(decision.route, test.route, test.name)
            XCTAssertEqual(decision.model, test.policy.model(for: test.route), test.name)
            XCTAssertEqual(decision.reasons, test.reasons, test.name)
            XCTAssertEqual(decision.shadowRoute, test.shadowRoute, test.name)
        }
    }

    func testUnparseableLinesGetTheFailSafeRoute() {
        let decision = PolicyEngine.unparseable(policy: Self.partnerPolicy, code: "invalid_json")
        XCTAssertEqual(decision.route, .fallback)
        XCTAssertEqual(decision.model, "opus-4.8")
        XCTAssertEqual(decision.reasons, ["unparseable:invalid_json"])
        var strict = Self.partnerPolicy
        strict.unparseable = .block
        XCTAssertEqual(PolicyEngine.unparseable(policy: strict, code: "blank_line").route, .block)
        XCTAssertNil(PolicyEngine.unparseable(policy: strict, code: "blank_line").model)
    }
}
