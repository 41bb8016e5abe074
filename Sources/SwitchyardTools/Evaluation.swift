import Switchyard
/// One labelled example for evaluation: a request text plus the dataset fields that group results.
public struct LabelledExample: Sendable {
    public var id: String
    public var text: String
    /// True for the risky file, false for the benign one.
    public var risky: Bool
    /// The dataset's `category`, `source` and `kind` fields (empty when absent).
    public var category: String
    public var source: String
    public var kind: String
    /// The challenge corpus's `style`, `lang` and `split` fields (empty when absent).
    public var style: String
    public var lang: String
    public var split: String

    public init(id: String, text: String, risky: Bool, category: String = "", source: String = "", kind: String = "",
                style: String = "", lang: String = "", split: String = "") {
        self.id = id
        self.text = text
        self.risky = risky
        self.category = category
        self.source = source
        self.kind = kind
        self.style = style
        self.lang = lang
        self.split = split
    }

    /// Reads a JSONL file of `{"id", "text" | "prompt" | "messages", "category", "source", "kind",
    /// "style", "lang", "split"}`.
    /// Lines that do not decode are returned as errors with their line number, not skipped silently.
    public static func read(jsonl bytes: [UInt8], risky: Bool) -> (examples: [LabelledExample], errors: [String]) {
        var examples: [LabelledExample] = []
        var errors: [String] = []
        var framer = LineFramer(maxLineBytes: 1 << 24)
        func handle(_ event: LineFramer.Event) {
            guard case .line(let line, let number, _) = event else {
                errors.append("line \(lineNumber(event)): too long")
                return
            }
            let root: JSONValue
            do { root = try StrictJSON.parse(line) } catch {
                errors.append("line \(number): \(error)")
                return
            }
            switch RequestDecoder.decode(root: root) {
            case .success(let request):
                let object = root.objectValue
                func field(_ name: String) -> String { object?[name]?.stringValue ?? "" }
                examples.append(LabelledExample(id: request.id?.description ?? "line-\(number)", text: request.text, risky: risky,
                                                category: field("category"), source: field("source"), kind: field("kind"),
                                                style: field("style"), lang: field("lang"), split: field("split")))
            case .failure(let error):
                errors.append("line \(number): \(error)")
            }
        }
        bytes.withUnsafeBytes { buffer in
            framer.feed(buffer, handle)
            framer.finish(handle)
        }
        return (examples, errors)
    }

    private static func lineNumber(_ event: LineFramer.Event) -> Int {
        switch event {
        case .line(_, let number, _), .tooLong(let number, _): number
        }
    }
}

/// Detection quality of a classifier on labelled examples: recall on risky, false-positive rate on
/// benign, precision, broken down by group, with the hits per rule and the examples to review.
public struct Evaluation: Sendable {
    /// Counts for one group of examples.
    public struct Tally: Sendable, Equatable {
        public var total = 0
        public var flagged = 0
        /// flagged / total: recall for risky groups, false-positive rate for benign ones.
        public var rate: Double { total == 0 ? 0 : Double(flagged) / Double(total) }
    }

    /// One reviewed example: a missed risky request or a flagged benign one.
    public struct Finding: Sendable {
        public var example: LabelledExample
        public var rules: [String]
    }

    public var risky = Tally()
    public var benign = Tally()
    public var riskyByCategory: [String: Tally] = [:]
    public var riskyBySource: [String: Tally] = [:]
    public var benignByKind: [String: Tally] = [:]
    public var benignBySource: [String: Tally] = [:]
    public var riskyByStyle: [String: Tally] = [:]
    public var riskyByLang: [String: Tally] = [:]
    public var benignByCategory: [String: Tally] = [:]
    public var benignByLang: [String: Tally] = [:]
    /// Per rule id: risky examples it fired on (true positives) and benign ones (false positives).
    public var ruleHits: [String: (truePositives: Int, falsePositives: Int)] = [:]
    public var misses: [Finding] = []
    public var falsePositives: [Finding] = []

    /// Precision over everything flagged: risky flagged / all flagged.
    public var precision: Double {
        let flagged = risky.flagged + benign.flagged
        return flagged == 0 ? 0 : Double(risky.flagged) / Double(flagged)
    }

    /// Classifies every example (a request counts as flagged when its verdict is risky).
    public init(classifier: Classifier, examples: [LabelledExample]) {
        let scratch = classifier.makeScratch()
        let rules = classifier.rules
        for example in examples {
            let verdict = classifier.classify(example.text, using: scratch)
            let flagged = verdict.risky
            let fired = verdict.hits.filter { rules[$0.rule].mode == .enforce }.map { rules[$0.rule].id }
            func count(_ tally: inout Tally) {
                tally.total += 1
                if flagged { tally.flagged += 1 }
            }
            if example.risky {
                count(&risky)
                count(&riskyByCategory[example.category, default: Tally()])
                count(&riskyBySource[example.source, default: Tally()])
                if !example.style.isEmpty { count(&riskyByStyle[example.style, default: Tally()]) }
                if !example.lang.isEmpty { count(&riskyByLang[example.lang, default: Tally()]) }
                if !flagged { misses.append(Finding(example: example, rules: [])) }
            } else {
                count(&benign)
                count(&benignByKind[example.kind, default: Tally()])
                count(&benignBySource[example.source, default: Tally()])
                if !example.category.isEmpty { count(&benignByCategory[example.category, default: Tally()]) }
                if !example.lang.isEmpty { count(&benignByLang[example.lang, default: Tally()]) }
                if flagged { falsePositives.append(Finding(example: example, rules: fired)) }
            }
            for id in fired {
                var entry = ruleHits[id] ?? (0, 0)
                if example.risky { entry.truePositives += 1 } else { entry.falsePositives += 1 }
                ruleHits[id] = entry
            }
        }
    }
}
