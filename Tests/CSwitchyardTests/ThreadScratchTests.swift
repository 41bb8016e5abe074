import Foundation
import Switchyard
import XCTest
@testable import CSwitchyard

/// A C-ABI handle's per-thread scratch is freed when its thread exits, not only when the handle
/// is closed: a gateway whose worker threads come and go must not pile them up.
final class ThreadScratchTests: XCTestCase {
    func testAThreadsScratchIsFreedWhenTheThreadExits() throws {
        let yaml = "rules:\n  - id: t.one\n    category: t\n    severity: low\n    description: d\n    keywords: [alpha]\n"
        let classifier = try Classifier(pack: RuleLoader().load(files: [("t.yaml", Array(yaml.utf8))]))
        let scratches = try XCTUnwrap(ThreadScratch(classifier: classifier))
        let done = DispatchSemaphore(value: 0)
        for _ in 0..<40 {
            let thread = Thread {
                XCTAssertTrue(classifier.classify("alpha", using: scratches.current()).risky)
                // The same thread gets the same scratch again.
                XCTAssertTrue(scratches.current() === scratches.current())
                done.signal()
            }
            thread.start()
        }
        for _ in 0..<40 { done.wait() }
        // Destructors run as each thread exits, just after its block returns.
        let deadline = Date().addingTimeInterval(5)
        while scratches.liveScratches > 0 && Date() < deadline { usleep(1_000) }
        XCTAssertEqual(scratches.liveScratches, 0)
        // A thread that stays keeps its scratch until the handle closes.
        _ = scratches.current()
        XCTAssertEqual(scratches.liveScratches, 1)
    }
}
