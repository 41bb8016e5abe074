/// A rule that fired, with where it fired.
public struct RuleHit: Sendable, Equatable {
    /// Index of the rule in `Classifier.rules`.
    public var rule: Int
    /// The view the rule fired on.
    public var view: ViewKind
    /// Byte span in that view of the term, combination or pattern match that fired it.
    public var span: Range<Int>
    /// Creates a hit.
    public init(rule: Int, view: ViewKind, span: Range<Int>) {
        self.rule = rule
        self.view = view
        self.span = span
    }
}

/// Why a verdict could not be reached for the whole text. An indeterminate verdict is never clean:
/// the router applies its policy to it (default: fallback).
public enum Indeterminate: String, Sendable, Equatable {
    /// The text exceeded the classifier's size limit; only its first part was inspected.
    case oversize
    /// RE2 could not finish a search (out of DFA memory).
    case regexFailure = "regex-failure"
}

/// What the classifier says about one request.
public struct Verdict: Sendable, Equatable {
    /// True when at least one enforce-mode rule fired.
    public var risky: Bool
    /// Sum of the severity weights of the enforce-mode rules that fired.
    public var score: Double
    /// Rules that fired, enforce and shadow, in rule order, each with its first view and span.
    public var hits: [RuleHit]
    /// Set when the text could not be fully inspected.
    public var indeterminate: Indeterminate?

    /// The clean verdict: nothing fired, everything inspected.
    public static let clean = Verdict(risky: false, score: 0, hits: [], indeterminate: nil)

    /// Creates a verdict.
    public init(risky: Bool, score: Double, hits: [RuleHit], indeterminate: Indeterminate?) {
        self.risky = risky
        self.score = score
        self.hits = hits
        self.indeterminate = indeterminate
    }
}
