import Switchyard
/// One labelled example for evaluation: a request text plus the dataset fields that group results.
package struct LabelledExample: Sendable {
    package var id: String
    package var text: String
    /// True for the risky file, false for the benign one.
    package var risky: Bool
    /// The dataset's `category`, `source` and `kind` fields (empty when absent).
    package var category: String
    package var source: String
    package var kind: String
    /// The challenge corpus's `style`, `lang` and `split` fields (empty when absent).
    package var style: String
    package var lang: String
    package var split: String
    /// Where the request's own ask begins (`ModelRequest.focusStart`).
    package var focusStart: Int

    package init(id: String, text: String, focusStart: Int = 0, risky: Bool, category: String = "", source: String = "", kind: String = "",
                style: String = "", lang: String = "", split: String = "") {
        self.id = id
        self.text = text
        self.focusStart = focusStart
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
    package static func read(jsonl bytes: [UInt8], risky: Bool) -> (examples: [LabelledExample], errors: [String]) {
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
                examples.append(LabelledExample(id: request.id?.description ?? "line-\(number)", text: request.text, focusStart: request.focusStart, risky: risky,
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
package struct Evaluation: Sendable {
    /// Counts for one group of examples.
    package struct Tally: Sendable, Equatable {
        package var total = 0
        package var flagged = 0
        /// flagged / total: recall for risky groups, false-positive rate for benign ones.
        package var rate: Double { total == 0 ? 0 : Double(flagged) / Double(total) }
    }

    /// One reviewed example: a missed risky request or a flagged benign one.
    package struct Finding: Sendable {
        package var example: LabelledExample
        package var rules: [String]
    }

    package var risky = Tally()
    package var benign = Tally()
    package var riskyByCategory: [String: Tally] = [:]
    package var riskyBySource: [String: Tally] = [:]
    package var benignByKind: [String: Tally] = [:]
    package var benignBySource: [String: Tally] = [:]
    package var riskyByStyle: [String: Tally] = [:]
    package var riskyByLang: [String: Tally] = [:]
    package var benignByCategory: [String: Tally] = [:]
    package var benignByLang: [String: Tally] = [:]
    /// Per rule id: risky examples it fired on (true positives) and benign ones (false positives).
    package var ruleHits: [String: (truePositives: Int, falsePositives: Int)] = [:]
    package var misses: [Finding] = []
    package var falsePositives: [Finding] = []

    /// Precision over everything flagged: risky flagged / all flagged.
    package var precision: Double {
        let flagged = risky.flagged + benign.flagged
        return flagged == 0 ? 0 : Double(risky.flagged) / Double(flagged)
    }

    /// Classifies every example (a request counts as flagged when its verdict is risky).
    package init(classifier: Classifier, examples: [LabelledExample]) {
        let scratch = classifier.makeScratch()
        let rules = classifier.rules
        for example in examples {
            let verdict = classifier.classify(example.text, focusStart: example.focusStart, using: scratch)
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
