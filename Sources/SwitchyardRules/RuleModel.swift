import SwitchyardMatching

/// How bad a request that fires a rule is. The router maps severities to actions.
public enum Severity: String, Sendable, CaseIterable, Comparable {
    case low, medium, high, critical

    /// The score a fired enforce rule adds to its category.
    public var weight: Double {
        switch self {
        case .low: 1
        case .medium: 2.5
        case .high: 5
        case .critical: 10
        }
    }

    private var rank: Int { Severity.allCases.firstIndex(of: self)! }
    public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
}

/// Whether a rule affects the verdict (`enforce`), is only reported (`shadow`), or is a feature
/// that the pack's scoring model weighs (`evidence`).
public enum RuleMode: String, Sendable, CaseIterable {
    case enforce, shadow, evidence
}

/// A view of the request text that rules can run on. The text forwarded to a model is always the
/// raw request; views exist only for matching.
public enum ViewKind: String, Sendable, CaseIterable, Hashable {
    /// The UTF-8 bytes as sent (keywords and patterns still match case-insensitively), plus each
    /// term's ROT13 and reversed forms.
    case raw
    /// Invisible characters stripped, U+2800 as space, NFKC and full case folding.
    case sanitised
    /// Confusables mapped to their Latin prototypes, diacritics dropped, leetspeak collapsed
    /// (`r4ns0mw4re`, Cyrillic look-alikes, full-width and mathematical letters).
    case skeleton
    /// The skeleton with only letters and digits (`r a n s o m`, `r.a.n.s.o.m`, `ran**som**ware`).
    case squeezed
    /// Text decoded from base64, hex, percent-encoding, HTML entities, escapes, Unicode tag
    /// characters, variation-selector payloads, ROT13 and reversed text (budgeted).
    case decoded

    /// Bit of this view in a `ViewSet`.
    @inlinable
    public var bit: UInt8 {
        switch self {
        case .raw: 1
        case .sanitised: 2
        case .skeleton: 4
        case .squeezed: 8
        case .decoded: 16
        }
    }
}

/// A set of views, as a bit mask.
public struct ViewSet: OptionSet, Sendable, Hashable {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// The set holding `views`.
    public init(_ views: some Sequence<ViewKind>) { rawValue = views.reduce(0) { $0 | $1.bit } }
    /// Views a rule runs on when it names none: all of them.
    public static let defaults = ViewSet(rawValue: 0x1F)
    /// Only the raw view.
    public static let rawOnly = ViewSet(rawValue: ViewKind.raw.bit)
    /// Only the sanitised view.
    public static let sanitisedOnly = ViewSet(rawValue: ViewKind.sanitised.bit)
    /// Raw and sanitised: a pure-ASCII text is its own sanitised view.
    public static let rawAndSanitised = ViewSet(rawValue: ViewKind.raw.bit | ViewKind.sanitised.bit)
    /// Whether `view` is in the set.
    public func contains(_ view: ViewKind) -> Bool { rawValue & view.bit != 0 }
    /// The views in the set, in `ViewKind` order.
    public var views: [ViewKind] { ViewKind.allCases.filter(contains) }
}

/// A literal term as written in a rule: matched case-insensitively, by default as a whole word.
public struct Term: Sendable, Hashable {
    /// The UTF-8 bytes to find, without `*` markers.
    public var text: String
    /// The byte before a match must not be a word byte (no leading `*`).
    public var wordStart: Bool
    /// The byte after a match must not be a word byte (no trailing `*`).
    public var wordEnd: Bool

    /// Parses keyword syntax: `exploit*` lets the word continue, `*ware` lets it begin inside a word.
    public init(parsing source: String) {
        var text = Substring(source)
        wordStart = !text.hasPrefix("*")
        if !wordStart { text = text.dropFirst() }
        wordEnd = !text.hasSuffix("*")
        if !wordEnd { text = text.dropLast() }
        self.text = String(text)
    }

    /// Creates a term from its parts.
    public init(text: String, wordStart: Bool, wordEnd: Bool) {
        self.text = text
        self.wordStart = wordStart
        self.wordEnd = wordEnd
    }

    /// The term in keyword syntax.
    public var source: String { (wordStart ? "" : "*") + text + (wordEnd ? "" : "*") }
}

/// A proximity combination: one term of every list inside a span of at most `within` bytes.
public struct NearClause: Sendable, Hashable {
    /// Two or more term lists, already expanded from `$name` references.
    public var lists: [[Term]]
    /// Maximum span in bytes, from the first term's start to the last term's end.
    public var within: Int
}

/// Where something was written: file and 1-based line.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var description: String { "\(file):\(line)" }
    /// Creates a location.
    public init(file: String, line: Int) {
        self.file = file
        self.line = line
    }
}

/// One detection rule, as loaded from a pack file. See `Rules/README.md` for the format.
public struct Rule: Sendable {
    public var id: String
    public var category: String
    public var severity: Severity
    public var description: String
    public var keywords: [Term] = []
    public var patterns: [String] = []
    public var near: [NearClause] = []
    public var unless: [Term] = []
    public var mode: RuleMode = .enforce
    public var views: ViewSet = .defaults
    /// Sentences that must make this rule fire.
    public var matchExamples: [String] = []
    /// Sentences that must not make this rule fire.
    public var noMatchExamples: [String] = []
    /// Where the rule starts in its file.
    public var location: SourceLocation

    /// Creates a rule with the required fields; the others take their defaults.
    public init(id: String, category: String, severity: Severity, description: String, location: SourceLocation) {
        self.id = id
        self.category = category
        self.severity = severity
        self.description = description
        self.location = location
    }
}

/// A loaded, validated rule pack: the rules in file order plus the pack's version.
public struct RulePack: Sendable {
    public var rules: [Rule]
    /// A short digest of every file's name and bytes: changes whenever the pack changes.
    public var version: String
    /// The directory or description the pack came from.
    public var origin: String
    /// Regexes the loader already compiled to validate them, by source and options, so that
    /// building a classifier does not compile them again (start-up).
    var compiledPatterns: [CompiledPatternKey: RE2Pattern] = [:]
    /// The weights that turn fired `evidence` rules into per-category scores, if the pack has them.
    /// Its synthetic rules (`score.<category>`) are among `rules`.
    package private(set) var scoring: ScoringModel?
    /// The hashed n-gram model over the whole text, if the pack has one. Its synthetic rule
    /// (`score.<category>`) is the last of `rules`.
    package private(set) var textModel: TextModel?

    /// Creates a pack from rules built in code (tests, tools). `version` defaults to a digest of the
    /// ids.
    public init(rules: [Rule], version: String? = nil, origin: String = "<memory>") {
        self.init(rules: rules, scoring: nil, version: version, origin: origin)
    }

    /// A pack with the learned models (the loader's, and tests'). With a `scoring` model, each of
    /// its categories adds its synthetic rule `score.<category>`.
    package init(rules: [Rule], scoring: ScoringModel?, textModel: TextModel? = nil, version: String? = nil, origin: String = "<memory>") {
        var rules = rules
        if let scoring {
            for category in scoring.categories {
                var rule = Rule(id: category.ruleID, category: category.name, severity: category.severity,
                                description: "Weighted evidence of \(category.name) reached the scoring model's threshold.",
                                location: category.location)
                rule.views = []
                rules.append(rule)
            }
        }
        if let textModel {
            var rule = Rule(id: textModel.ruleID, category: textModel.category, severity: textModel.severity,
                            description: "The text model's score reached its threshold.", location: textModel.location)
            rule.views = []
            rules.append(rule)
        }
        self.rules = rules
        self.scoring = scoring
        self.textModel = textModel
        self.origin = origin
        self.version = version ?? PackDigest.hex(of: Array(rules.map(\.id).joined(separator: "\n").utf8), length: 12)
    }
}

/// A regex source compiled with given options.
struct CompiledPatternKey: Hashable {
    var source: String
    var options: RE2Options
}
