/// A rule that fired, with where it fired.
public struct RuleHit: Sendable, Equatable {
    /// Index of the rule in `Classifier.rules`.
    public var rule: Int
    /// The view the rule fired on.
    public var view: ViewKind
    /// Byte span in that view of the term, combination or pattern match that fired it.
    public var span: Range<Int>
    /// The bytes of the request text that span came from: the same span on the raw view; on a
    /// derived view, the disguised words ("k e y l o g g e r", "key™logger") or the encoded blob
    /// as written. The text model's rule covers the whole text.
    public var textSpan: Range<Int>
    /// Creates a hit (`textSpan` defaults to `span`, right for the raw view).
    public init(rule: Int, view: ViewKind, span: Range<Int>, textSpan: Range<Int>? = nil) {
        self.rule = rule
        self.view = view
        self.span = span
        self.textSpan = textSpan ?? span
    }
}

/// Why a verdict could not be reached for the whole text. An indeterminate verdict is never clean:
/// the router applies its policy to it (default: fallback).
public enum Indeterminate: String, Sendable, Equatable {
    /// The text exceeded the classifier's size limit; only its first part was inspected.
    case oversize
    /// RE2 could not finish a search (out of DFA memory).
    case regexFailure = "regex-failure"
    /// The text held more encoded content than the decoding budget allows; some was not decoded.
    case decodeBudget = "decode-budget"
}

/// Evidence of evasion found while classifying, whether or not a rule fired. The router's policy
/// can act on each (e.g. send hidden-character payloads to the fallback model).
public enum Signal: String, Sendable, CaseIterable {
    /// Invisible carriers of text: Unicode tag characters, variation-selector payloads, or
    /// zero-width characters inside words.
    case hiddenCharacters = "hidden-characters"
    /// A rule fired on text decoded from base64, hex, ROT13, reversed text or another encoding.
    case decodedMatch = "decoded-match"
    /// A rule fired only on the skeleton or squeezed view: the request disguised its words.
    case obfuscation
    /// A word mixes Latin letters with Cyrillic or Greek look-alikes.
    case mixedScript = "mixed-script"

    /// Bit of this signal in `Signals`.
    public var bit: UInt8 {
        switch self {
        case .hiddenCharacters: 1
        case .decodedMatch: 2
        case .obfuscation: 4
        case .mixedScript: 8
        }
    }
}

/// A set of signals.
public struct Signals: OptionSet, Sendable, Hashable {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// The set holding `signal`.
    public init(_ signal: Signal) { rawValue = signal.bit }
    /// Whether `signal` is in the set.
    public func contains(_ signal: Signal) -> Bool { rawValue & signal.bit != 0 }
    /// The signals in the set, in `Signal` order.
    public var list: [Signal] { Signal.allCases.filter(contains) }
}

/// One category's score from the pack's scoring model (see `ScoringModel`).
public struct CategoryScore: Sendable, Equatable {
    /// One fired evidence rule's weight in this category.
    public struct Contribution: Sendable, Equatable {
        /// Index of the evidence rule in `Classifier.rules`.
        public var rule: Int
        /// The other rule of a pair, or nil for a single rule's weight.
        public var second: Int? = nil
        public var weight: Double
    }
    public var category: String
    /// `bias` plus the weights of the fired evidence rules.
    public var score: Double
    public var threshold: Double
    public var bias: Double
    public var contributions: [Contribution]
    /// Whether the score reached the threshold (the category's `score.` rule fired).
    public var fired: Bool { score >= threshold }
}

/// An enforce rule that fired and that a learned model withdrew from the verdict.
public struct Withdrawal: Sendable, Equatable {
    /// Which model withdrew it.
    public enum Cause: UInt8, Sendable {
        /// Counter-evidence kept the rule's category below its `withdraw_below`.
        case counterEvidence = 0
        /// The text model scored the plain text below its `withdraw_below`.
        case textModel = 1

        /// The name `--explain` prints.
        public var name: String { self == .counterEvidence ? "counter-evidence" : "text-model" }
    }
    /// Index of the rule in `Classifier.rules`.
    public var rule: Int
    public var cause: Cause
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
    /// Evidence of evasion (hidden characters, decoded or disguised matches, mixed scripts).
    public var signals: Signals
    /// The scoring model's categories whose gate fired, with their scores and evidence. Filled when
    /// a rule or score fired, or when the scratch keeps evidence; empty otherwise.
    public var scores: [CategoryScore] = []
    /// The pack's text model's log-odds for the request (nil when the pack has no text model).
    public var textScore: Double? = nil
    /// Enforce rules that fired but were withdrawn by a learned model. Filled only when the
    /// scratch keeps evidence (`--explain`).
    public var withdrawn: [Withdrawal] = []

    /// The clean verdict: nothing fired, everything inspected.
    public static let clean = Verdict(risky: false, score: 0, hits: [], indeterminate: nil)

    /// The three outcomes a caller must tell apart.
    public enum Outcome: String, Sendable {
        /// Fully inspected; no enforce rule fired.
        case clean
        /// An enforce rule fired.
        case risky
        /// No enforce rule fired, but the text was not fully inspected: never treat it as clean.
        case indeterminate
    }

    /// Risky if an enforce rule fired; otherwise indeterminate if the text was not fully
    /// inspected; otherwise clean.
    public var outcome: Outcome { risky ? .risky : indeterminate != nil ? .indeterminate : .clean }

    /// Whether nothing fired, nothing was indeterminate and no signal was raised.
    public var isClean: Bool { hits.isEmpty && indeterminate == nil && signals.isEmpty }

    /// Creates a verdict.
    public init(risky: Bool, score: Double, hits: [RuleHit], indeterminate: Indeterminate?, signals: Signals = []) {
        self.risky = risky
        self.score = score
        self.hits = hits
        self.indeterminate = indeterminate
        self.signals = signals
    }
}
