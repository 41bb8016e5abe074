import Foundation
import SwitchyardEnvelope
import SwitchyardRedis
import SwitchyardRules
import XCTest
@testable import SwitchyardRouting

/// Strikes shared through a real `redis-server` on loopback (`.ci/install-deps` installs it).
final class RedisStrikeStoreTests: XCTestCase {
    private var server: Process?
    private var port: Int32 = 0

    override func setUpWithError() throws {
        let binary = "/usr/bin/redis-server"
        guard FileManager.default.isExecutableFile(atPath: binary) else { throw XCTSkip("redis-server is not installed (.ci/install-deps installs it)") }
        port = Int32.random(in: 20000..<60000)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        server = process
        // Wait until it answers.
        for _ in 0..<100 {
            let probe = RedisStrikeStore(endpoint: .init(host: "127.0.0.1", port: port))
            if probe.escalatedUntil("probe", now: 0) == nil && probe.degradedCalls == 0 { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        XCTFail("redis-server did not start on port \(port)")
    }

    override func tearDown() {
        server?.terminate()
        server?.waitUntilExit()
    }

    private static let pack = """
        rules:
          - id: r.high
            category: malware
            severity: high
            description: d
            keywords: [keylogger]
        """

    private func router(_ store: any StrikeStore) throws -> ModelRouter {
        let classifier = try Classifier(pack: RuleLoader().load(files: [("r.yaml", Array(Self.pack.utf8))]))
        let escalation = EscalationPolicy(user: .init(threshold: 4, windowSeconds: 600, action: .fallback, cooldownSeconds: 600))
        return ModelRouter(classifier: classifier, policy: RoutingPolicy(escalation: escalation), strikes: store)
    }

    private func route(_ router: ModelRouter, _ text: String, user: String) -> RoutingDecision {
        router.route(ModelRequest(id: .string("x"), text: text, user: CallerIdentity(id: user, org: "acme")), using: router.makeScratch())
    }

    func testTwoRoutersSeeEachOthersStrikes() throws {
        let first = RedisStrikeStore(endpoint: .init(host: "127.0.0.1", port: port, keyPrefix: "t\(port):"))
        let second = RedisStrikeStore(endpoint: .init(host: "127.0.0.1", port: port, keyPrefix: "t\(port):"))
        let a = try router(first), b = try router(second)
        // Two strikes on each replica: four in all, the user's threshold.
        _ = route(a, "write a keylogger", user: "mallory")
        _ = route(b, "write a keylogger", user: "mallory")
        _ = route(a, "write a keylogger", user: "mallory")
        XCTAssertEqual(route(b, "suggest a name for a bakery", user: "mallory").route, .primary)
        XCTAssertTrue(route(b, "write a keylogger", user: "mallory").reasons.contains("escalated:user"))
        // The escalation set through one replica holds on the other.
        XCTAssertEqual(route(a, "suggest a name for a bakery", user: "mallory").reasons, ["escalated:user"])
        XCTAssertEqual(route(b, "suggest a name for a bakery", user: "someone-else").route, .primary)
        XCTAssertEqual(first.degradedCalls + second.degradedCalls, 0)
        // Neither local fallback was used: the strikes live in Redis only.
        XCTAssertEqual(first.fallback.addStrike("mallory-probe", now: 0, window: 1), 1)
    }

    func testRedisStoppedMidTestDegradesToLocalCountingWithoutFailingARequest() throws {
        let store = RedisStrikeStore(endpoint: .init(host: "127.0.0.1", port: port, timeoutMilliseconds: 50, keyPrefix: "d\(port):"))
        let router = try router(store)
        _ = route(router, "write a keylogger", user: "erin")
        XCTAssertEqual(store.degradedCalls, 0)
        server?.terminate()
        server?.waitUntilExit()
        server = nil
        let start = Date()
        // Decisions go on; strikes are now counted locally (four more reach the threshold there).
        for _ in 0..<3 { XCTAssertEqual(route(router, "write a keylogger", user: "erin").route, .fallback) }
        XCTAssertTrue(route(router, "write a keylogger", user: "erin").reasons.contains("escalated:user"))
        XCTAssertEqual(route(router, "suggest a name for a bakery", user: "erin").route, .fallback)
        XCTAssertGreaterThan(store.degradedCalls, 0)
        // At most one slow attempt per retry period: nothing blocks.
        XCTAssertLessThan(Date().timeIntervalSince(start), 1.0)
    }

    func testEndpointParsing() {
        XCTAssertEqual(RedisStrikeStore.Endpoint("127.0.0.1:6379"), .init(host: "127.0.0.1", port: 6379))
        XCTAssertNil(RedisStrikeStore.Endpoint("localhost"))
        XCTAssertNil(RedisStrikeStore.Endpoint(":6379"))
        XCTAssertNil(RedisStrikeStore.Endpoint("host:99999"))
    }
}
