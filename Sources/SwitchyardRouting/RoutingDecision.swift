import SwitchyardRules

/// Where one request goes and why.
public struct RoutingDecision: Sendable, Equatable {
    /// The route taken.
    public var route: ModelRoute
    /// The model behind the route (nil when blocked).
    public var model: String?
    /// Machine-readable reasons, e.g. `risky:malware`, `export-control:nationality`,
    /// `not-trusted-partner`, `indeterminate:oversize`, `unparseable:invalid_json`, `shadow`.
    public var reasons: [String]
    /// The classifier's verdict (nil when the line could not be parsed).
    public var verdict: Verdict?
    /// In shadow mode, the route the policy would have taken had it acted on the verdict.
    public var shadowRoute: ModelRoute?

    public init(route: ModelRoute, model: String?, reasons: [String], verdict: Verdict?, shadowRoute: ModelRoute? = nil) {
        self.route = route
        self.model = model
        self.reasons = reasons
        self.verdict = verdict
        self.shadowRoute = shadowRoute
    }
}
