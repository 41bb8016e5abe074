import SwitchyardRules

/// Where a request goes.
public enum ModelRoute: String, Sendable, CaseIterable {
    /// The new primary model.
    case primary
    /// The restricted model, for trusted partners only.
    case restricted
    /// The older, safer fallback model.
    case fallback
    /// Nowhere: the request is refused.
    case block

    /// Strictness used to combine actions: block > fallback > restricted and primary, which tie
    /// (so `ModelRoute` is not `Comparable`: that would need a total order).
    var strictness: Int {
        switch self {
        case .primary, .restricted: 0
        case .fallback: 1
        case .block: 2
        }
    }
}

/// What to do with a risky verdict. `allow` keeps the model the caller is entitled to.
public enum RiskAction: String, Sendable, CaseIterable {
    case allow, fallback, block

    var strictness: Int {
        switch self {
        case .allow: 0
        case .fallback: 1
        case .block: 2
        }
    }
}

/// The action table for risky verdicts: per severity, per category, and a score at which the
/// request is blocked. The strictest applicable action wins.
public struct RiskActions: Sendable, Equatable {
    /// Action per severity of a fired enforce rule.
    public var severity: [Severity: RiskAction]
    /// Action per category, overriding nothing: combined with the severity action, strictest wins.
    public var category: [String: RiskAction]
    /// Block when the verdict's score reaches this value (nil: never by score).
    public var blockScore: Double?
    /// Action per evasion signal, whether or not a rule fired.
    public var signal: [Signal: RiskAction]

    public init(severity: [Severity: RiskAction], category: [String: RiskAction] = [:], blockScore: Double? = nil, signal: [Signal: RiskAction] = [:]) {
        self.severity = severity
        self.category = category
        self.blockScore = blockScore
        self.signal = signal
    }
}

/// Export-control settings for one model.
public struct ExportControl: Sendable, Equatable {
    /// ISO 3166-1 alpha-2 nationalities allowed on the model; nil means any nationality.
    public var allowedNationalities: Set<String>?
    /// Users must be verified to use the model.
    public var requireVerified: Bool
    /// Employees of trusted partners are allowed whatever their nationality.
    public var partnerException: Bool

    public init(allowedNationalities: Set<String>? = nil, requireVerified: Bool = false, partnerException: Bool = false) {
        self.allowedNationalities = allowedNationalities
        self.requireVerified = requireVerified
        self.partnerException = partnerException
    }

    /// No restriction at all.
    public static let open = ExportControl()
}

/// A routing policy: models, who may use the restricted model, export controls, and what risky,
/// indeterminate and unparseable requests get. See `Rules/policy/README.md` for the file format.
public struct RoutingPolicy: Sendable {
    /// Model names behind the routes.
    public var primaryModel: String
    public var fallbackModel: String
    public var restrictedModel: String
    /// Organisation ids of trusted partners (lowercased).
    public var trustedPartners: Set<String>
    /// Partners' users must be verified to get the restricted model.
    public var partnersRequireVerified: Bool
    /// Export controls on the primary and restricted models (the fallback model is unrestricted).
    public var primaryExportControl: ExportControl
    public var restrictedExportControl: ExportControl
    /// Actions for risky verdicts of everyone except trusted partners on the restricted model.
    public var actions: RiskActions
    /// Actions for risky verdicts of trusted partners on the restricted model, whose intended use
    /// is cyber work (`allow` keeps them on the restricted model).
    public var partnerActions: RiskActions
    /// Route for a verdict that could not be reached for the whole text.
    public var indeterminate: ModelRoute
    /// Route for a request line that could not be parsed.
    public var unparseable: ModelRoute
    /// Decide and record everything, but route as if every verdict were clean.
    public var shadow: Bool
    /// Per-identity strikes and escalation (off unless configured).
    public var escalation: EscalationPolicy
    /// A short digest of the policy files: changes whenever the policy changes.
    public var version: String

    /// Creates a policy; every field has the documented default.
    public init(primaryModel: String = "fable-5", fallbackModel: String = "opus-4.8", restrictedModel: String = "mythos-5",
                trustedPartners: Set<String> = [], partnersRequireVerified: Bool = true,
                primaryExportControl: ExportControl = .open,
                restrictedExportControl: ExportControl = ExportControl(allowedNationalities: ["US"], requireVerified: true, partnerException: true),
                actions: RiskActions = RiskActions(severity: [.low: .allow, .medium: .fallback, .high: .fallback, .critical: .block],
                                                   category: ["critical-infrastructure": .block], blockScore: 20,
                                                   signal: [.hiddenCharacters: .fallback, .mixedScript: .fallback]),
                partnerActions: RiskActions = RiskActions(severity: [.low: .allow, .medium: .allow, .high: .allow, .critical: .allow]),
                indeterminate: ModelRoute = .fallback, unparseable: ModelRoute = .fallback, shadow: Bool = false,
                escalation: EscalationPolicy = EscalationPolicy(), version: String = "builtin") {
        self.primaryModel = primaryModel
        self.fallbackModel = fallbackModel
        self.restrictedModel = restrictedModel
        self.trustedPartners = Set(trustedPartners.map { $0.lowercased() })
        self.partnersRequireVerified = partnersRequireVerified
        self.primaryExportControl = primaryExportControl
        self.restrictedExportControl = restrictedExportControl
        self.actions = actions
        self.partnerActions = partnerActions
        self.indeterminate = indeterminate
        self.unparseable = unparseable
        self.shadow = shadow
        self.escalation = escalation
        self.version = version
    }

    /// The model behind `route` (nil for `block`).
    public func model(for route: ModelRoute) -> String? {
        switch route {
        case .primary: primaryModel
        case .fallback: fallbackModel
        case .restricted: restrictedModel
        case .block: nil
        }
    }
}
