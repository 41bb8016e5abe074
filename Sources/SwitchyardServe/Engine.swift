import Foundation
import Switchyard

/// One immutable snapshot of what the service decides with: a compiled rule pack and a policy
/// (as a `ModelRouter`), where they came from, and a pool of scratch that belongs to this snapshot
/// only. A request takes one engine reference at its start and uses it to the end, so a reload
/// never changes the rules under a request, and a scratch is never used with another snapshot's
/// classifier.
public final class Engine: Sendable {
    /// The compiled pack and the policy.
    public let router: ModelRouter
    /// Where the pack was loaded from.
    public let rulesDirectory: String
    /// Where the policy was loaded from.
    public let policyPath: String
    /// Digest of the rule pack (as in every decision record's `rules_version`).
    public var rulesVersion: String { router.classifier.pack.version }
    /// Digest of the policy (`policy_version`).
    public var policyVersion: String { router.policy.version }


    public init(router: ModelRouter, rulesDirectory: String, policyPath: String) {
        self.router = router
        self.rulesDirectory = rulesDirectory
        self.policyPath = policyPath
    }

    /// Runs `body` with a scratch of this engine's classifier, from the classifier's pool. `body`
    /// is synchronous, so the scratch never crosses an `await`.
    public func withScratch<T>(_ body: (ClassificationScratch) throws -> T) rethrows -> T {
        try router.classifier.withScratch(body)
    }
}

/// Why an engine could not be built; `description` says which file and what, with file:line
/// where the loaders give one.
public struct EngineLoadError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Builds engines, validating completely before anything serves: the pack loads, compiles and
/// passes every rule's examples, and the policy loads against the pack's categories.
public struct EngineLoader: Sendable {
    /// The rule pack directory.
    public var rulesDirectory: String
    /// The policy file (default: `<rules>/policy/policy.yaml`).
    public var policyPath: String
    /// Run every rule's `match`/`no_match` examples before accepting a pack.
    public var checksExamples: Bool
    /// Where escalation strikes live: one store for every engine this loader builds, so a reload
    /// keeps every identity's strikes (a `RedisStrikeStore` shares them with the fleet).
    public var strikes: any StrikeStore

    public init(rulesDirectory: String, policyPath: String? = nil, checksExamples: Bool = true, strikes: any StrikeStore = LocalStrikeStore()) {
        self.rulesDirectory = rulesDirectory
        self.policyPath = policyPath ?? (rulesDirectory as NSString).appendingPathComponent("policy/policy.yaml")
        self.checksExamples = checksExamples
        self.strikes = strikes
    }

    /// Loads, compiles and checks the pack and the policy into a new engine.
    public func load() throws(EngineLoadError) -> Engine {
        let pack: RulePack
        do { pack = try RuleLoader().load(directory: rulesDirectory) } catch {
            throw EngineLoadError("rule pack \(rulesDirectory) failed to load:\n\(error.description)")
        }
        let classifier: Classifier
        do { classifier = try Classifier(pack: pack) } catch {
            throw EngineLoadError("rule pack \(rulesDirectory) failed to compile: \(error.description)")
        }
        if checksExamples {
            let result = PackReview.testExamples(classifier)
            if !result.failures.isEmpty {
                let shown = result.failures.prefix(5).map(\.description).joined(separator: "\n")
                throw EngineLoadError("rule pack \(rulesDirectory): \(result.failures.count) of \(result.checked) rule examples fail:\n\(shown)")
            }
        }
        var policyLoader = PolicyLoader()
        policyLoader.knownCategories = Set(classifier.rules.map(\.category))
        let policy: RoutingPolicy
        do { policy = try policyLoader.load(path: policyPath) } catch {
            throw EngineLoadError("policy \(policyPath) failed to load:\n\(error.description)")
        }
        return Engine(router: ModelRouter(classifier: classifier, policy: policy, strikes: strikes), rulesDirectory: rulesDirectory, policyPath: policyPath)
    }
}
