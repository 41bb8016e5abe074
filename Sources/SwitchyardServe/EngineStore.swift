import Dispatch
import Logging
import SwitchyardMatching

/// The engine currently serving, swapped as one reference. Readers take a snapshot with
/// `current` (a lock held for one pointer copy); a reload builds and validates a whole new engine
/// off the request path and swaps it in only if everything passed, so the last good engine keeps
/// serving after any failure.
public final class EngineStore: Sendable {
    private let engine: Locked<Engine>
    /// Reloads run one at a time.
    private let reloading = Locked<Bool>(false)
    private let loader: EngineLoader
    private let metrics: ServeMetrics
    private let logger: Logger

    /// The outcome of one reload, as the admin endpoint reports it.
    public struct ReloadResult: Sendable {
        public enum Outcome: String, Sendable {
            /// The new engine is serving.
            case reloaded
            /// The new pack or policy failed; the previous engine keeps serving.
            case failed
            /// Another reload was running; nothing was done.
            case busy
        }
        public var outcome: Outcome
        public var rulesVersion: String
        public var policyVersion: String
        public var previousRulesVersion: String
        public var previousPolicyVersion: String
        public var error: String?
    }

    public init(initial: Engine, loader: EngineLoader, metrics: ServeMetrics, logger: Logger) {
        self.engine = Locked(initial)
        self.loader = loader
        self.metrics = metrics
        self.logger = logger
        metrics.engineLoaded(initial, previous: nil)
    }

    /// The engine to use for one whole request.
    public var current: Engine { engine.withLock { $0 } }

    /// Builds a new engine from the same files and swaps it in if it is valid.
    public func reload(trigger: String) async -> ReloadResult {
        let old = current
        let claimed = reloading.withLock { busy in
            if busy { return false }
            busy = true
            return true
        }
        guard claimed else {
            return ReloadResult(outcome: .busy, rulesVersion: old.rulesVersion, policyVersion: old.policyVersion,
                                previousRulesVersion: old.rulesVersion, previousPolicyVersion: old.policyVersion, error: "a reload is already running")
        }
        defer { reloading.withLock { $0 = false } }
        let loader = self.loader
        // Compiling a pack and running its examples takes a while: keep it off the threads that
        // serve requests.
        let built: Result<Engine, EngineLoadError> = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(returning: Result { () throws(EngineLoadError) in try loader.load() })
            }
        }
        switch built {
        case .success(let fresh):
            engine.withLock { $0 = fresh }
            metrics.reload(outcome: .reloaded)
            metrics.engineLoaded(fresh, previous: old)
            logger.info("reload succeeded", metadata: [
                "trigger": .string(trigger),
                "rules_version": .string(fresh.rulesVersion), "policy_version": .string(fresh.policyVersion),
                "previous_rules_version": .string(old.rulesVersion), "previous_policy_version": .string(old.policyVersion),
            ])
            return ReloadResult(outcome: .reloaded, rulesVersion: fresh.rulesVersion, policyVersion: fresh.policyVersion,
                                previousRulesVersion: old.rulesVersion, previousPolicyVersion: old.policyVersion, error: nil)
        case .failure(let error):
            metrics.reload(outcome: .failed)
            logger.error("reload refused; the previous rule pack and policy keep serving", metadata: [
                "trigger": .string(trigger), "error": .string(error.description),
                "rules_version": .string(old.rulesVersion), "policy_version": .string(old.policyVersion),
            ])
            return ReloadResult(outcome: .failed, rulesVersion: old.rulesVersion, policyVersion: old.policyVersion,
                                previousRulesVersion: old.rulesVersion, previousPolicyVersion: old.policyVersion, error: error.description)
        }
    }
}
