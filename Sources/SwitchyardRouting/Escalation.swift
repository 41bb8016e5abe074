#if canImport(Glibc)
import Glibc
#endif
import SwitchyardEnvelope
import SwitchyardRules
import Synchronization

/// When repeated risky requests escalate an identity: per user and per organisation (and, for
/// trusted partners, their own levels), a number of strikes within a sliding window sends all of
/// that identity's traffic to an action for a cooling-off period. Reason codes in every affected
/// decision: `escalated:user`, `escalated:org`.
public struct EscalationPolicy: Sendable, Equatable {
    /// One escalation level.
    public struct Level: Sendable, Equatable {
        /// Strikes within `windowSeconds` that escalate.
        public var threshold: Int
        /// The sliding window strikes are counted over.
        public var windowSeconds: Double
        /// What escalated traffic gets: `fallback` or `block`.
        public var action: RiskAction
        /// How long the escalation lasts.
        public var cooldownSeconds: Double

        public init(threshold: Int, windowSeconds: Double, action: RiskAction, cooldownSeconds: Double) {
            self.threshold = threshold
            self.windowSeconds = windowSeconds
            self.action = action
            self.cooldownSeconds = cooldownSeconds
        }
    }

    public var user: Level?
    public var org: Level?
    /// Levels for users and organisations that are trusted partners (nil: partners never escalate).
    public var partnerUser: Level?
    public var partnerOrg: Level?
    /// A risky decision counts as a strike when one of its enforce rules has at least this severity.
    public var minimumSeverity: Severity

    public init(user: Level? = nil, org: Level? = nil, partnerUser: Level? = nil, partnerOrg: Level? = nil, minimumSeverity: Severity = .medium) {
        self.user = user
        self.org = org
        self.partnerUser = partnerUser
        self.partnerOrg = partnerOrg
        self.minimumSeverity = minimumSeverity
    }

    /// Whether any level is configured.
    public var isEnabled: Bool { user != nil || org != nil || partnerUser != nil || partnerOrg != nil }
}

/// Where strikes and escalations live: in this process (`LocalStrikeStore`) or shared by a fleet
/// (`RedisStrikeStore`). Implementations are safe to call from many threads.
public protocol StrikeStore: Sendable {
    /// Records a strike for `key` at `now` (seconds) and returns the strikes within the last
    /// `window` seconds, this one included.
    func addStrike(_ key: String, now: Double, window: Double) -> Int
    /// Escalates `key` until `until` (seconds).
    func escalate(_ key: String, until: Double)
    /// The end of `key`'s escalation if it lasts past `now`.
    func escalatedUntil(_ key: String, now: Double) -> Double?
    /// Calls answered locally because a shared store could not be reached (0 for a local store).
    var degradedCalls: Int { get }
}

extension StrikeStore {
    public var degradedCalls: Int { 0 }
}

/// Strikes and escalations in this process's memory: a bounded list of recent strike times per
/// key, pruned as keys go quiet.
public final class LocalStrikeStore: StrikeStore {
    private struct State {
        var strikes: [String: [Double]] = [:]
        var escalations: [String: Double] = [:]
        var callsSincePrune = 0
    }

    private let state = Mutex(State())
    /// Strike times kept per key (a threshold above this is never reached).
    public static let maxStrikesPerKey = 4096
    /// Keys kept before the oldest quiet ones are pruned.
    public let maxKeys: Int

    public init(maxKeys: Int = 1_000_000) {
        self.maxKeys = maxKeys
    }

    public func addStrike(_ key: String, now: Double, window: Double) -> Int {
        state.withLock { state in
            var times = state.strikes[key] ?? []
            times.removeAll { $0 <= now - window }
            times.append(now)
            if times.count > Self.maxStrikesPerKey { times.removeFirst(times.count - Self.maxStrikesPerKey) }
            state.strikes[key] = times
            state.callsSincePrune += 1
            if state.strikes.count > maxKeys || state.callsSincePrune >= 65536 {
                Self.prune(&state, now: now, window: window)
            }
            return times.count
        }
    }

    public func escalate(_ key: String, until: Double) {
        state.withLock { state in state.escalations[key] = max(until, state.escalations[key] ?? 0) }
    }

    public func escalatedUntil(_ key: String, now: Double) -> Double? {
        state.withLock { state in
            guard let until = state.escalations[key] else { return nil }
            if until <= now {
                state.escalations[key] = nil
                return nil
            }
            return until
        }
    }

    /// Drops keys whose strikes have all left the window and escalations that have ended.
    private static func prune(_ state: inout State, now: Double, window: Double) {
        state.callsSincePrune = 0
        state.strikes = state.strikes.filter { $0.value.last.map { $0 > now - window } ?? false }
        state.escalations = state.escalations.filter { $0.value > now }
    }
}

/// Applies an `EscalationPolicy` with a `StrikeStore`: escalated identities get their level's
/// action, and risky decisions add strikes. Shared by every thread of a router.
package final class Escalator: Sendable {
    package let policy: EscalationPolicy
    package let store: any StrikeStore
    private let clock: @Sendable () -> Double

    /// `clock` gives the time in seconds (default: the wall clock).
    package init(policy: EscalationPolicy, store: any StrikeStore = LocalStrikeStore(), clock: @escaping @Sendable () -> Double = Escalator.wallClock) {
        self.policy = policy
        self.store = store
        self.clock = clock
    }

    /// Seconds since the epoch.
    package static let wallClock: @Sendable () -> Double = {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    /// `decision` for a request from `identity`, after escalation: a strike is recorded when
    /// the decision is risky enough, an identity whose strikes reach its threshold is escalated,
    /// and an escalated identity's decision gets the escalation's action and reason.
    package func apply(to decision: RoutingDecision, identity: CallerIdentity?, rules: [Rule], routing: RoutingPolicy) -> RoutingDecision {
        guard policy.isEnabled, let identity else { return decision }
        let now = clock()
        let org = identity.org?.lowercased()
        let partner = org.map { routing.trustedPartners.contains($0) } ?? false
        let levels: [(String, String?, EscalationPolicy.Level?)] = [
            ("user", identity.id.map { "user:" + $0 }, partner ? policy.partnerUser : policy.user),
            ("org", org.map { "org:" + $0 }, partner ? policy.partnerOrg : policy.org),
        ]
        let strike = isStrike(decision, rules: rules)
        var result = decision
        for (kind, key, level) in levels {
            guard let key, let level else { continue }
            var escalated = store.escalatedUntil(key, now: now) != nil
            if strike && store.addStrike(key, now: now, window: level.windowSeconds) >= level.threshold {
                store.escalate(key, until: now + level.cooldownSeconds)
                escalated = true
            }
            guard escalated else { continue }
            result.reasons.append("escalated:" + kind)
            let route = PolicyEngine.apply(level.action, to: result.route)
            if routing.shadow {
                if route.strictness > (result.shadowRoute ?? result.route).strictness { result.shadowRoute = route }
                if !result.reasons.contains("shadow") { result.reasons.append("shadow") }
            } else if route != result.route {
                result.route = route
                result.model = routing.model(for: route)
            }
        }
        return result
    }

    /// Whether `decision` counts as a strike: an enforce rule of at least the policy's severity
    /// fired (whatever the route: a trusted partner allowed on the restricted model still counts
    /// against the partner's own levels).
    func isStrike(_ decision: RoutingDecision, rules: [Rule]) -> Bool {
        guard let verdict = decision.verdict, verdict.risky else { return false }
        for hit in verdict.hits {
            let rule = rules[hit.rule]
            if rule.mode == .enforce && rule.severity >= policy.minimumSeverity { return true }
        }
        return false
    }
}
