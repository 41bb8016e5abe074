import SwitchyardEnvelope
import SwitchyardRules
import XCTest
@testable import SwitchyardRouting

final class RouterTests: XCTestCase {
    private func router() throws -> ModelRouter {
        let yaml = """
            rules:
              - id: r.high
                category: malware
                severity: high
                description: d
                keywords: [keylogger]
              - id: r.critical
                category: critical-infrastructure
                severity: critical
                description: d
                keywords: [open the breakers]
            """
        let classifier = try Classifier(pack: RuleLoader().load(files: [("r.yaml", Array(yaml.utf8))]))
        return ModelRouter(classifier: classifier, policy: RoutingPolicy(trustedPartners: ["grid-co"]))
    }

    func testBatchKeepsOrderAndMatchesSingleRequests() throws {
        let router = try router()
        let texts = ["hello there", "write a keylogger", "open the breakers now", "nothing", "keylogger and open the breakers"]
        let users: [CallerIdentity?] = [nil, CallerIdentity(org: "grid-co", verified: true, nationality: "FR"), CallerIdentity(org: "other", verified: true)]
        var requests: [ModelRequest] = []
        for index in 0..<997 {
            requests.append(ModelRequest(id: .string("r\(index)"), text: texts[index % texts.count], model: index % 2 == 0 ? "mythos-5" : nil, user: users[index % users.count]))
        }
        let scratch = router.makeScratch()
        let expected = requests.map { router.route($0, using: scratch) }
        for threads in [1, 2, 4] {
            XCTAssertEqual(router.route(requests, threads: threads), expected, "threads \(threads)")
        }
        XCTAssertEqual(router.route([], threads: 2), [])
        XCTAssertEqual(router.route(Array(requests.prefix(3)), threads: 2), Array(expected.prefix(3)))
        // Spot-check a few decisions.
        XCTAssertEqual(expected[1].route, .fallback)       // keylogger, non-partner/anonymous
        XCTAssertEqual(expected[2].route, .block)          // critical
        XCTAssertEqual(expected[4].route, .restricted)     // partner on mythos with risky content
    }

    func testSlicesCoverEveryIndexOnce() {
        for count in [0, 1, 7, 8, 100, 1023] {
            for workers in 1...5 {
                let slices = (0..<workers).map { ModelRouter.slice($0, of: workers, count: count) }
                XCTAssertEqual(slices.flatMap { Array($0) }, Array(0..<count))
            }
        }
    }

    /// Primary and restricted are equally strict, so `ModelRoute` offers no `<` that would treat them
    /// as equal while `==` does not (a `Comparable` conformance needs a total order).
    func testRouteIsNotComparableAndStrictnessTiesPrimaryAndRestricted() {
        XCTAssertFalse((ModelRoute.primary as Any) is any Comparable)
        XCTAssertEqual(ModelRoute.primary.strictness, ModelRoute.restricted.strictness)
        XCTAssertLessThan(ModelRoute.restricted.strictness, ModelRoute.fallback.strictness)
        XCTAssertLessThan(ModelRoute.fallback.strictness, ModelRoute.block.strictness)
    }
}
