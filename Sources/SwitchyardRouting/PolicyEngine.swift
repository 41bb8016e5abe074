import SwitchyardEnvelope
import SwitchyardRules

/// The routing decision for one request, as a pure function of identity, requested model, verdict
/// and policy. Precedence, strongest first:
///
/// 1. **Block beats everything**: a `block` action (by severity, category or score) blocks, whoever
///    asks and whatever model they asked for.
/// 2. **A non-partner never gets the restricted model**: asking for it without being a (verified)
///    trusted partner gives `not-trusted-partner` (or `not-verified`) and the primary route.
/// 3. **Export control** then applies per model: a user barred from the restricted model drops to
///    the primary model, and one barred from the primary model drops to the fallback.
/// 4. **Risky content**: for trusted partners on the restricted model the partner action table
///    applies (cyber work is their intended use; default `allow`); for everyone else the general
///    table (default: low allow, medium and high fallback, critical block).
/// 5. **Signals** of evasion (hidden characters, mixed scripts, …) get their own actions from the
///    same table, whether or not a rule fired; reasons `signal:<name>`.
/// 6. **Indeterminate** verdicts get the policy's route (default fallback), never a clean pass.
/// 7. **Shadow mode** records the decision in `shadowRoute` and reasons, but routes as if clean.
package enum PolicyEngine {
    /// Decides where a request with this identity, requested model and verdict goes.
    package static func decide(policy: RoutingPolicy, rules: [Rule], identity: CallerIdentity?, requestedModel: String?, verdict: Verdict) -> RoutingDecision {
        var reasons: [String] = []
        let org = identity?.org?.lowercased()
        let verified = identity?.verified == true
        let partnerOrg = org.map { policy.trustedPartners.contains($0) } ?? false
        let partner = partnerOrg && (verified || !policy.partnersRequireVerified)

        // Entitlement: which model the caller may have, before content is considered.
        var entitled: ModelRoute = .primary
        if requestedModel == policy.restrictedModel {
            if partner {
                entitled = .restricted
            } else {
                reasons.append(partnerOrg ? "not-verified" : "not-trusted-partner")
            }
        } else if requestedModel == policy.fallbackModel {
            entitled = .fallback
            reasons.append("requested-fallback")
        }
        if entitled == .restricted, let barred = exportBarred(policy.restrictedExportControl, identity: identity, partner: partner) {
            reasons.append(barred)
            entitled = .primary
        }
        if entitled == .primary, let barred = exportBarred(policy.primaryExportControl, identity: identity, partner: partner) {
            reasons.append(barred)
            entitled = .fallback
        }

        // Content: the strictest action over every fired enforce rule, the score and indeterminacy.
        var route = entitled
        if verdict.risky {
            let table = entitled == .restricted ? policy.partnerActions : policy.actions
            var action = RiskAction.allow
            for hit in verdict.hits {
                let rule = rules[hit.rule]
                guard rule.mode == .enforce else { continue }
                let reason = "risky:" + rule.category
                if !reasons.contains(reason) { reasons.append(reason) }
                for candidate in [table.severity[rule.severity] ?? .fallback, table.category[rule.category] ?? .allow]
                where candidate.strictness > action.strictness {
                    action = candidate
                }
            }
            if let blockScore = table.blockScore, verdict.score >= blockScore {
                action = .block
                reasons.append("score-at-least:\(formatScore(blockScore))")
            }
            route = apply(action, to: route)
        }
        if !verdict.signals.isEmpty {
            let table = entitled == .restricted ? policy.partnerActions : policy.actions
            var action = RiskAction.allow
            for signal in verdict.signals.list {
                reasons.append("signal:" + signal.rawValue)
                if let candidate = table.signal[signal], candidate.strictness > action.strictness { action = candidate }
            }
            route = apply(action, to: route)
        }
        if let indeterminate = verdict.indeterminate {
            reasons.append("indeterminate:" + indeterminate.rawValue)
            if policy.indeterminate.strictness > route.strictness { route = policy.indeterminate }
        }
        if policy.shadow && route != entitled {
            reasons.append("shadow")
            return RoutingDecision(route: entitled, model: policy.model(for: entitled), reasons: reasons, verdict: verdict, shadowRoute: route)
        }
        return RoutingDecision(route: route, model: policy.model(for: route), reasons: reasons, verdict: verdict)
    }

    /// The decision for a line that could not be parsed: the policy's fail-safe route.
    package static func unparseable(policy: RoutingPolicy, code: String) -> RoutingDecision {
        RoutingDecision(route: policy.unparseable, model: policy.model(for: policy.unparseable), reasons: ["unparseable:" + code], verdict: nil)
    }

    /// Why export control bars this caller from a model, or nil if it does not.
    static func exportBarred(_ control: ExportControl, identity: CallerIdentity?, partner: Bool) -> String? {
        if control.partnerException && partner { return nil }
        if control.requireVerified && identity?.verified != true { return "export-control:unverified" }
        if let allowed = control.allowedNationalities {
            guard let nationality = identity?.nationality else { return "export-control:nationality-unknown" }
            if !allowed.contains(nationality) { return "export-control:nationality" }
        }
        return nil
    }

    static func apply(_ action: RiskAction, to route: ModelRoute) -> ModelRoute {
        switch action {
        case .allow: route
        case .fallback: route == .block ? .block : .fallback
        case .block: .block
        }
    }

    static func formatScore(_ score: Double) -> String {
        score == score.rounded() ? String(Int(score)) : String(score)
    }
}
