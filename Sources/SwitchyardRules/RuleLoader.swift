import Foundation
import SwitchyardMatching
import Yams

/// One problem found while loading a pack, located by file, line and rule id.
public struct RuleLoadError: Error, Sendable, CustomStringConvertible {
    public var location: SourceLocation?
    public var ruleID: String?
    public var message: String

    /// `file:line: rule <id>: message`, leaving out what is unknown.
    public var description: String {
        var parts: [String] = []
        if let location { parts.append(location.description) }
        if let ruleID { parts.append("rule \(ruleID)") }
        parts.append(message)
        return parts.joined(separator: ": ")
    }
}

/// Every problem found in a pack: loading reports them all, not just the first.
public struct RuleLoadErrors: Error, Sendable, CustomStringConvertible {
    public var errors: [RuleLoadError]
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}

/// Hard limits that keep a hostile or broken pack from exhausting memory or time at load.
public struct RuleLimits: Sendable {
    public var maxFileBytes = 8 << 20
    public var maxFiles = 1_000
    public var maxRules = 100_000
    public var maxTermsPerRule = 20_000
    public var maxTermBytes = 256
    public var maxPatternBytes = 4_096
    /// RE2 program-size ceiling per pattern (RE2's `ProgramSize()`).
    public var maxProgramSize = 20_000
    public var maxWithin = 65_536
    public var maxExampleBytes = 16_384
    /// Creates limits with the defaults above.
    public init() {}
}

/// Loads a directory of rule files (`*.yaml`, not recursive) into a validated `RulePack`.
/// Files are untrusted input: every error names its file, line and rule id.
public struct RuleLoader: Sendable {
    public var limits: RuleLimits
    public var regexOptions: RE2Options

    /// Creates a loader with default limits and RE2 options.
    public init(limits: RuleLimits = RuleLimits(), regexOptions: RE2Options = RE2Options()) {
        self.limits = limits
        self.regexOptions = regexOptions
    }

    /// Loads every `*.yaml` / `*.yml` file directly inside `directory`, in name order.
    /// - Throws: `RuleLoadErrors` listing every problem found.
    public func load(directory: String) throws(RuleLoadErrors) -> RulePack {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
                .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }
                .sorted()
        } catch {
            throw RuleLoadErrors(errors: [RuleLoadError(location: nil, ruleID: nil, message: "cannot read rule directory \(directory): \(error.localizedDescription)")])
        }
        if names.isEmpty {
            throw RuleLoadErrors(errors: [RuleLoadError(location: nil, ruleID: nil, message: "no .yaml rule files in \(directory)")])
        }
        if names.count > limits.maxFiles {
            throw RuleLoadErrors(errors: [RuleLoadError(location: nil, ruleID: nil, message: "\(names.count) rule files exceed the limit of \(limits.maxFiles)")])
        }
        var files: [(name: String, bytes: [UInt8])] = []
        var errors: [RuleLoadError] = []
        for name in names {
            let path = (directory as NSString).appendingPathComponent(name)
            // The size first: a huge file is refused without reading it.
            if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int, size > limits.maxFileBytes {
                errors.append(RuleLoadError(location: SourceLocation(file: path, line: 0), ruleID: nil,
                                            message: "file is \(size) bytes, over the limit of \(limits.maxFileBytes)"))
                continue
            }
            guard let data = FileManager.default.contents(atPath: path) else {
                errors.append(RuleLoadError(location: SourceLocation(file: path, line: 0), ruleID: nil, message: "cannot read file"))
                continue
            }
            files.append((path, Array(data)))
        }
        if !errors.isEmpty { throw RuleLoadErrors(errors: errors) }
        return try load(files: files, origin: directory)
    }

    /// Loads rule files given as (name, bytes) pairs; `name` appears in error messages.
    public func load(files: [(name: String, bytes: [UInt8])], origin: String = "<memory>") throws(RuleLoadErrors) -> RulePack {
        var parser = PackParser(limits: limits, regexOptions: regexOptions)
        var documents: [(String, Node)] = []
        var digestInput: [UInt8] = []
        for (name, bytes) in files {
            digestInput += Array((name as NSString).lastPathComponent.utf8) + [0] + bytes + [0]
            if let node = parser.parseDocument(name: name, bytes: bytes) { documents.append((name, node)) }
        }
        for (name, node) in documents { parser.collectLists(file: name, document: node) }
        for (name, node) in documents { parser.collectRules(file: name, document: node) }
        for (name, node) in documents { parser.collectScoring(file: name, document: node) }
        for (name, node) in documents { parser.collectTextModel(file: name, document: node) }
        if parser.rules.isEmpty && parser.errors.isEmpty {
            parser.errors.append(RuleLoadError(location: nil, ruleID: nil, message: "the pack has no rules"))
        }
        if !parser.errors.isEmpty { throw RuleLoadErrors(errors: parser.errors) }
        var pack = RulePack(rules: parser.rules, scoring: parser.scoring, textModel: parser.textModel, version: PackDigest.hex(of: digestInput, length: 12), origin: origin)
        pack.compiledPatterns = parser.compiled
        return pack
    }
}

/// The stateful part of loading: lists seen so far, rules built so far, errors collected.
private struct PackParser {
    let limits: RuleLimits
    let regexOptions: RE2Options
    var errors: [RuleLoadError] = []
    var rules: [Rule] = []
    /// Every valid regex, compiled once here and handed to the classifier with the pack.
    var compiled: [CompiledPatternKey: RE2Pattern] = [:]
    var ruleIDs: [String: SourceLocation] = [:]
    var lists: [String: (items: [Node], location: SourceLocation)] = [:]
    var scoring: ScoringModel?
    var scoringLocation: SourceLocation?
    var textModel: TextModel?

    init(limits: RuleLimits, regexOptions: RE2Options) {
        self.limits = limits
        self.regexOptions = regexOptions
    }

    static let ruleKeys: Set<String> = ["id", "category", "severity", "description", "keywords", "patterns", "near", "unless", "mode", "views", "examples"]

    mutating func fail(_ file: String, _ node: Node?, _ rule: String?, _ message: String) {
        errors.append(RuleLoadError(location: SourceLocation(file: file, line: node?.mark?.line ?? 0), ruleID: rule, message: message))
    }

    mutating func parseDocument(name: String, bytes: [UInt8]) -> Node? {
        guard bytes.count <= limits.maxFileBytes else {
            fail(name, nil, nil, "file is \(bytes.count) bytes, over the limit of \(limits.maxFileBytes)")
            return nil
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            fail(name, nil, nil, "file is not valid UTF-8")
            return nil
        }
        if let line = YAMLPrecheck.lineExceedingLimit(bytes) {
            errors.append(RuleLoadError(location: SourceLocation(file: name, line: line), ruleID: nil,
                                        message: "nests deeper than \(YAMLPrecheck.limit) levels"))
            return nil
        }
        if let line = YAMLPrecheck.firstTagLine(bytes) {
            errors.append(RuleLoadError(location: SourceLocation(file: name, line: line), ruleID: nil,
                                        message: "YAML tags (`!…`, `!!binary`) are not accepted"))
            return nil
        }
        do {
            guard let node = try Yams.compose(yaml: text) else {
                fail(name, nil, nil, "file is empty")
                return nil
            }
            guard let mapping = node.mapping else {
                fail(name, node, nil, "top level must be a mapping with `rules:` and/or `lists:`")
                return nil
            }
            for (key, _) in mapping where !["rules", "lists", "scoring", "text_model"].contains(key.string ?? "") {
                fail(name, key, nil, "unknown top-level key `\(key.string ?? "?")` (expected `rules`, `lists`, `scoring` or `text_model`)")
            }
            checkDuplicateKeys(name, mapping, nil)
            return node
        } catch let error as YamlError {
            errors.append(RuleLoadError(location: SourceLocation(file: name, line: Self.line(of: error)), ruleID: nil, message: "invalid YAML: \(Self.problem(of: error))"))
        } catch {
            fail(name, nil, nil, "invalid YAML: \(error)")
        }
        return nil
    }

    static func line(of error: YamlError) -> Int {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): mark.line
        default: 0
        }
    }

    static func problem(of error: YamlError) -> String {
        switch error {
        case .scanner(let context, let problem, _, _), .parser(let context, let problem, _, _), .composer(let context, let problem, _, _):
            [context?.text, problem].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " ")
        default: "\(error)"
        }
    }

    mutating func checkDuplicateKeys(_ file: String, _ mapping: Node.Mapping, _ rule: String?) {
        var seen: Set<String> = []
        for (key, _) in mapping {
            let name = key.string ?? ""
            if !seen.insert(name).inserted { fail(file, key, rule, "duplicate key `\(name)`") }
        }
    }

    mutating func collectLists(file: String, document: Node) {
        guard let node = document["lists"] else { return }
        guard let mapping = node.mapping else { return fail(file, node, nil, "`lists` must be a mapping of name to list of terms") }
        checkDuplicateKeys(file, mapping, nil)
        for (key, value) in mapping {
            let name = key.string ?? ""
            let location = SourceLocation(file: file, line: key.mark?.line ?? 0)
            guard Self.isValidName(name) else { fail(file, key, nil, "list name `\(name)` must be [a-z0-9_]+"); continue }
            if let previous = lists[name] { fail(file, key, nil, "list `\(name)` is already defined at \(previous.location)"); continue }
            guard let items = value.sequence, !items.isEmpty else { fail(file, value, nil, "list `\(name)` must be a non-empty list of terms"); continue }
            lists[name] = (Array(items), location)
        }
    }

    mutating func collectRules(file: String, document: Node) {
        guard let node = document["rules"] else { return }
        guard let sequence = node.sequence else { return fail(file, node, nil, "`rules` must be a list") }
        for item in sequence {
            if rules.count >= limits.maxRules { return fail(file, item, nil, "the pack exceeds the limit of \(limits.maxRules) rules") }
            if let rule = parseRule(file: file, node: item) { rules.append(rule) }
        }
    }

    mutating func parseRule(file: String, node: Node) -> Rule? {
        guard let mapping = node.mapping else { fail(file, node, nil, "a rule must be a mapping"); return nil }
        let errorCount = errors.count
        let idNode = node["id"]
        let id = idNode?.scalar?.string
        checkDuplicateKeys(file, mapping, id)
        for (key, _) in mapping where !Self.ruleKeys.contains(key.string ?? "") {
            fail(file, key, id, "unknown field `\(key.string ?? "?")`")
        }
        guard let id else { fail(file, idNode ?? node, nil, "missing or non-string `id`"); return nil }
        if !Self.isValidID(id) { fail(file, idNode, id, "id must be dotted lowercase [a-z0-9_.-], starting with a letter") }
        if let previous = ruleIDs[id] {
            fail(file, idNode, id, "duplicate id (first defined at \(previous))")
        } else {
            ruleIDs[id] = SourceLocation(file: file, line: idNode?.mark?.line ?? 0)
        }
        func requiredString(_ key: String) -> String? {
            guard let value = node[key] else { fail(file, node, id, "missing required field `\(key)`"); return nil }
            guard let text = value.scalar?.string, !text.trimmingCharacters(in: .whitespaces).isEmpty else {
                fail(file, value, id, "`\(key)` must be a non-empty string"); return nil
            }
            return text
        }
        let category = requiredString("category")
        let description = requiredString("description")
        // Evidence rules only feed the scoring model: their severity is optional.
        let isEvidence = node["mode"]?.scalar?.string == RuleMode.evidence.rawValue
        let severityText = isEvidence && node["severity"] == nil ? "low" : requiredString("severity")
        let severity = severityText.flatMap(Severity.init(rawValue:))
        if let severityText, severity == nil {
            fail(file, node["severity"], id, "unknown severity `\(severityText)` (expected low, medium, high or critical)")
        }
        let location = SourceLocation(file: file, line: node.mark?.line ?? 0)
        var rule = Rule(id: id, category: category ?? "", severity: severity ?? .low, description: description ?? "", location: location)

        if let value = node["keywords"] { rule.keywords = terms(file, value, id, field: "keywords") }
        if let value = node["unless"] { rule.unless = terms(file, value, id, field: "unless") }
        if let value = node["patterns"] { rule.patterns = patterns(file, value, id) }
        if let value = node["near"] { rule.near = nearClauses(file, value, id) }
        if let value = node["mode"] {
            if let mode = value.scalar.flatMap({ RuleMode(rawValue: $0.string) }) { rule.mode = mode } else {
                fail(file, value, id, "unknown mode `\(value.scalar?.string ?? "?")` (expected enforce, shadow or evidence)")
            }
        }
        if let value = node["views"] {
            var views: [ViewKind] = []
            for item in value.sequence.map(Array.init) ?? [] {
                if let view = item.scalar.flatMap({ ViewKind(rawValue: $0.string) }) { views.append(view) } else {
                    fail(file, item, id, "unknown view `\(item.scalar?.string ?? "?")` (expected one of \(ViewKind.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
            }
            if views.isEmpty && value.sequence?.isEmpty ?? true { fail(file, value, id, "`views` must be a non-empty list") }
            rule.views = ViewSet(views)
        }
        if let value = node["examples"] { examples(file, value, id, into: &rule) }
        if rule.keywords.isEmpty && rule.patterns.isEmpty && rule.near.isEmpty && errors.count == errorCount {
            fail(file, node, id, "a rule needs `keywords`, `patterns` or `near`")
        }
        let termCount = rule.keywords.count + rule.unless.count + rule.near.reduce(0) { $0 + $1.lists.reduce(0) { $0 + $1.count } }
        if termCount > limits.maxTermsPerRule { fail(file, node, id, "\(termCount) terms exceed the limit of \(limits.maxTermsPerRule)") }
        return errors.count == errorCount ? rule : nil
    }

    /// Expands a list of keyword-syntax items, resolving `$name` references.
    mutating func terms(_ file: String, _ node: Node, _ id: String?, field: String) -> [Term] {
        guard let items = node.sequence else { fail(file, node, id, "`\(field)` must be a list of strings"); return [] }
        if items.isEmpty { fail(file, node, id, "`\(field)` must not be empty") }
        var result: [Term] = []
        var seen: Set<String> = []
        var expanded: Set<String> = []
        expand(file, Array(items), id, field: field, into: &result, seen: &seen, expanded: &expanded, visiting: [])
        return result
    }

    /// Appends the terms of `items`, each `$list` expanded once per field (a list reached twice
    /// adds nothing new, so nested lists cost their size, not 2^depth), stopping with an error as
    /// soon as the field holds more than `maxTermsPerRule` terms.
    mutating func expand(_ file: String, _ items: [Node], _ id: String?, field: String, into result: inout [Term], seen: inout Set<String>,
                         expanded: inout Set<String>, visiting: [String]) {
        for item in items {
            if result.count > limits.maxTermsPerRule { return }
            guard let scalar = item.scalar else {
                fail(file, item, id, "`\(field)` items must be strings"); continue
            }
            let text = scalar.string
            if text.hasPrefix("$") {
                let name = String(text.dropFirst())
                guard let list = lists[name] else { fail(file, item, id, "undefined list `$\(name)`"); continue }
                if visiting.contains(name) { fail(file, item, id, "list `$\(name)` refers to itself"); continue }
                guard expanded.insert(name).inserted else { continue }
                expand(list.location.file, list.items, id, field: field, into: &result, seen: &seen, expanded: &expanded, visiting: visiting + [name])
                continue
            }
            let term = Term(parsing: text)
            // Blank: only tabs, space separators and invisible format characters (U+00A0, U+200B,
            // ...), which no view keeps as text a term could match.
            if term.text.unicodeScalars.allSatisfy({ $0 == "\t" || $0.properties.generalCategory == .spaceSeparator
                                                    || $0.properties.generalCategory == .format || $0.properties.isDefaultIgnorableCodePoint }) {
                fail(file, item, id, "empty term `\(text)` in `\(field)`"); continue
            }
            if term.text.utf8.count > limits.maxTermBytes { fail(file, item, id, "term of \(term.text.utf8.count) bytes exceeds \(limits.maxTermBytes)"); continue }
            if term.text.contains("*") { fail(file, item, id, "`*` is allowed only at the start or end of a term: `\(text)`"); continue }
            if seen.insert(term.source).inserted { result.append(term) }
        }
    }

    mutating func patterns(_ file: String, _ node: Node, _ id: String) -> [String] {
        guard let items = node.sequence, !items.isEmpty else { fail(file, node, id, "`patterns` must be a non-empty list of RE2 patterns"); return [] }
        var result: [String] = []
        for item in items {
            guard let source = item.scalar?.string, !source.isEmpty else { fail(file, item, id, "patterns must be non-empty strings"); continue }
            if source.utf8.count > limits.maxPatternBytes { fail(file, item, id, "pattern of \(source.utf8.count) bytes exceeds \(limits.maxPatternBytes)"); continue }
            do {
                let compiled = try RE2Pattern(source, options: regexOptions)
                if compiled.programSize > limits.maxProgramSize {
                    fail(file, item, id, "pattern `\(source)` compiles to program size \(compiled.programSize), over the ceiling of \(limits.maxProgramSize)")
                    continue
                }
                if compiled.firstMatch(in: "") != nil {
                    fail(file, item, id, "pattern `\(source)` matches the empty string, so it would fire on every request")
                    continue
                }
                self.compiled[CompiledPatternKey(source: source, options: regexOptions)] = compiled
            } catch {
                fail(file, item, id, "invalid RE2 pattern `\(source)`: \(error.description)")
                continue
            }
            result.append(source)
        }
        return result
    }

    mutating func nearClauses(_ file: String, _ node: Node, _ id: String) -> [NearClause] {
        guard let items = node.sequence, !items.isEmpty else { fail(file, node, id, "`near` must be a non-empty list of {all, within}"); return [] }
        var result: [NearClause] = []
        for item in items {
            guard let mapping = item.mapping else { fail(file, item, id, "a `near` entry must be a mapping with `all` and `within`"); continue }
            checkDuplicateKeys(file, mapping, id)
            for (key, _) in mapping where !["all", "within"].contains(key.string ?? "") {
                fail(file, key, id, "unknown field `\(key.string ?? "?")` in `near` (expected `all`, `within`)")
            }
            guard let within = item["within"]?.int, within > 0, within <= limits.maxWithin else {
                fail(file, item["within"] ?? item, id, "`within` must be an integer byte distance in 1...\(limits.maxWithin)"); continue
            }
            guard let all = item["all"]?.sequence, all.count >= 2 else {
                fail(file, item["all"] ?? item, id, "`all` must list at least two keyword lists"); continue
            }
            var lists: [[Term]] = []
            for list in all {
                if let reference = list.scalar?.string, reference.hasPrefix("$") {
                    lists.append(terms(file, Node([list]), id, field: "near"))
                } else {
                    lists.append(terms(file, list, id, field: "near"))
                }
            }
            if lists.allSatisfy({ !$0.isEmpty }) { result.append(NearClause(lists: lists, within: within)) }
        }
        return result
    }

    mutating func examples(_ file: String, _ node: Node, _ id: String, into rule: inout Rule) {
        guard let mapping = node.mapping else { return fail(file, node, id, "`examples` must be a mapping with `match` and/or `no_match`") }
        checkDuplicateKeys(file, mapping, id)
        for (key, value) in mapping {
            let name = key.string ?? ""
            guard name == "match" || name == "no_match" else { fail(file, key, id, "unknown field `\(name)` in `examples`"); continue }
            guard let items = value.sequence else { fail(file, value, id, "`examples.\(name)` must be a list of sentences"); continue }
            var sentences: [String] = []
            for item in items {
                guard let text = item.scalar?.string, !text.isEmpty, text.utf8.count <= limits.maxExampleBytes else {
                    fail(file, item, id, "examples must be non-empty strings of at most \(limits.maxExampleBytes) bytes"); continue
                }
                sentences.append(text)
            }
            if name == "match" { rule.matchExamples = sentences } else { rule.noMatchExamples = sentences }
        }
    }

    /// Reads the pack's `scoring:` section (at most one per pack): per category a bias, a
    /// threshold, a severity and the weights of evidence rules, which must exist and be `evidence`
    /// rules. Runs after every rule is collected.
    mutating func collectScoring(file: String, document: Node) {
        guard let node = document["scoring"] else { return }
        let here = SourceLocation(file: file, line: node.mark?.line ?? 0)
        if let previous = scoringLocation { return fail(file, node, nil, "a pack has one `scoring` section (first at \(previous))") }
        scoringLocation = here
        guard let mapping = node.mapping else { return fail(file, node, nil, "`scoring` must be a mapping with `categories`") }
        checkDuplicateKeys(file, mapping, nil)
        for (key, _) in mapping where !["trained_on", "counter_evidence", "categories"].contains(key.string ?? "") {
            fail(file, key, nil, "unknown field `\(key.string ?? "?")` in `scoring` (expected trained_on, counter_evidence, categories)")
        }
        let rulesByID = Dictionary(rules.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        guard let categories = node["categories"]?.mapping else { return fail(file, node, nil, "`scoring.categories` must be a mapping of category to model") }
        checkDuplicateKeys(file, categories, nil)
        var models: [ScoringModel.Category] = []
        for (key, value) in categories {
            let name = key.string ?? ""
            let ruleID = "score." + name
            guard !name.isEmpty, name != ScoringModel.crossCategory, Self.isValidID(ruleID) else {
                fail(file, key, nil, "scoring category `\(name)` must be a rule category other than `\(ScoringModel.crossCategory)`"); continue
            }
            if rulesByID[ruleID] != nil { fail(file, key, ruleID, "id is taken by a rule; `score.<category>` ids belong to the scoring model"); continue }
            guard let model = value.mapping else { fail(file, value, ruleID, "a scoring category must be a mapping"); continue }
            checkDuplicateKeys(file, model, ruleID)
            for (field, _) in model where !["bias", "threshold", "withdraw_below", "severity", "weights", "pairs"].contains(field.string ?? "") {
                fail(file, field, ruleID, "unknown field `\(field.string ?? "?")` (expected bias, threshold, withdraw_below, severity, weights, pairs)")
            }
            func number(_ field: String) -> Double? {
                guard let node = value[field] else { fail(file, value, ruleID, "missing `\(field)`"); return nil }
                guard let scalar = node.scalar, scalar.style == .plain, let number = Double(scalar.string), number.isFinite, abs(number) <= 1_000 else {
                    fail(file, node, ruleID, "`\(field)` must be a finite number within ±1000"); return nil
                }
                return number
            }
            let bias = number("bias")
            let threshold = number("threshold")
            let withdrawBelow = value["withdraw_below"] == nil ? 0 : number("withdraw_below")
            let severityText = value["severity"]?.scalar?.string ?? "high"
            let severity = Severity(rawValue: severityText)
            if severity == nil { fail(file, value["severity"], ruleID, "unknown severity `\(severityText)` (expected low, medium, high or critical)") }
            if !rules.contains(where: { $0.mode == .evidence && $0.category == name }) {
                fail(file, key, ruleID, "no evidence rule has category `\(name)`: the model could never be consulted")
            }
            // Weights keyed by an evidence rule id, or by two joined with `+` (a pair).
            var weights: [(rule: String, weight: Double)] = []
            var pairs: [(first: String, second: String, weight: Double)] = []
            for field in ["weights", "pairs"] {
                guard let table = value[field] else { continue }
                guard let entries = table.mapping else { fail(file, table, ruleID, "`\(field)` must be a mapping of evidence rule id to number"); continue }
                checkDuplicateKeys(file, entries, ruleID)
                for (ruleKey, weightNode) in entries {
                    let keyText = ruleKey.string ?? ""
                    let ids = field == "pairs" ? keyText.split(separator: "+", omittingEmptySubsequences: false).map(String.init) : [keyText]
                    if field == "pairs" && ids.count != 2 { fail(file, ruleKey, ruleID, "a pair is two evidence rule ids joined by `+`"); continue }
                    var valid = true
                    for evidenceID in ids {
                        guard let rule = rulesByID[evidenceID] else { fail(file, ruleKey, ruleID, "weight for unknown rule `\(evidenceID)`"); valid = false; continue }
                        guard rule.mode == .evidence || (rule.mode == .enforce && rule.category == name) else {
                            fail(file, ruleKey, ruleID, "`\(evidenceID)` is neither an evidence rule nor an enforce rule of category `\(name)`"); valid = false; continue
                        }
                        guard rule.category == name || rule.category == ScoringModel.crossCategory else {
                            fail(file, ruleKey, ruleID, "`\(evidenceID)` has category `\(rule.category)`: a model weighs its own category's evidence and `\(ScoringModel.crossCategory)`")
                            valid = false; continue
                        }
                    }
                    guard let scalar = weightNode.scalar, scalar.style == .plain, let weight = Double(scalar.string), weight.isFinite, abs(weight) <= 1_000 else {
                        fail(file, weightNode, ruleID, "weight of `\(keyText)` must be a finite number within ±1000"); continue
                    }
                    guard valid else { continue }
                    if field == "pairs" { pairs.append((ids[0], ids[1], weight)) } else { weights.append((keyText, weight)) }
                }
            }
            if let bias, let threshold, let severity {
                var category = ScoringModel.Category(name: name, bias: bias, threshold: threshold, severity: severity, weights: weights,
                                                     location: SourceLocation(file: file, line: key.mark?.line ?? 0))
                category.pairs = pairs
                category.withdrawBelow = withdrawBelow ?? 0
                models.append(category)
            }
        }
        var model = ScoringModel(categories: models, trainedOn: node["trained_on"]?.scalar?.string ?? "")
        if let list = node["counter_evidence"] {
            for item in list.sequence.map(Array.init) ?? [] {
                let id = item.scalar?.string ?? ""
                if rulesByID[id]?.mode == .evidence { model.counterEvidence.append(id) } else {
                    fail(file, item, nil, "counter_evidence names `\(id)`, which is not an evidence rule")
                }
            }
            if list.sequence == nil { fail(file, list, nil, "`counter_evidence` must be a list of evidence rule ids") }
        }
        scoring = model
    }

    /// Reads the pack's `text_model:` section (at most one per pack): the hashed n-gram model's
    /// category, severity, bias, threshold, withdrawal bound, quantisation scale and its weights as
    /// base64 of one signed byte per bucket. Runs after the scoring section.
    mutating func collectTextModel(file: String, document: Node) {
        guard let node = document["text_model"] else { return }
        if let previous = textModel?.location { return fail(file, node, nil, "a pack has one `text_model` section (first at \(previous))") }
        guard let mapping = node.mapping else { return fail(file, node, nil, "`text_model` must be a mapping") }
        checkDuplicateKeys(file, mapping, nil)
        let fields = ["featurizer", "category", "severity", "bias", "threshold", "withdraw_below", "scale", "trained_on", "rules", "crosses", "keeps", "weights"]
        for (key, _) in mapping where !fields.contains(key.string ?? "") {
            fail(file, key, nil, "unknown field `\(key.string ?? "?")` in `text_model` (expected \(fields.joined(separator: ", ")))")
        }
        let featurizer = node["featurizer"]?.scalar?.string ?? ""
        guard featurizer == TextModel.featurizer else {
            return fail(file, node["featurizer"] ?? node, nil, "`text_model.featurizer` is `\(featurizer)`; this engine computes `\(TextModel.featurizer)` (retrain the model)")
        }
        let category = node["category"]?.scalar?.string ?? ""
        let ruleID = "score." + category
        guard !category.isEmpty, category != ScoringModel.crossCategory, Self.isValidID(ruleID) else {
            return fail(file, node["category"] ?? node, nil, "`text_model.category` must be a category name other than `\(ScoringModel.crossCategory)`")
        }
        if rules.contains(where: { $0.id == ruleID }) || scoring?.categories.contains(where: { $0.name == category }) == true {
            return fail(file, node["category"] ?? node, ruleID, "id is taken by a rule or a scoring category")
        }
        func number(_ field: String, positive: Bool = false) -> Double? {
            guard let value = node[field] else { fail(file, node, ruleID, "missing `\(field)`"); return nil }
            guard let scalar = value.scalar, scalar.style == .plain, let number = Double(scalar.string), number.isFinite, abs(number) <= 1_000,
                  !positive || number > 0 else {
                fail(file, value, ruleID, "`\(field)` must be a finite number within ±1000\(positive ? ", above 0" : "")"); return nil
            }
            return number
        }
        let bias = number("bias")
        let threshold = number("threshold")
        let scale = number("scale", positive: true)
        let withdrawBelow = node["withdraw_below"] == nil ? -Double.infinity : number("withdraw_below")
        let severityText = node["severity"]?.scalar?.string ?? "high"
        let severity = Severity(rawValue: severityText)
        if severity == nil { fail(file, node["severity"], ruleID, "unknown severity `\(severityText)` (expected low, medium, high or critical)") }
        var weights: [Int8]? = nil
        if let weightsNode = node["weights"] {
            let text = weightsNode.scalar?.string ?? ""
            if let data = Data(base64Encoded: text), data.count == TextModel.bucketCount {
                weights = data.map { Int8(bitPattern: $0) }
            } else {
                fail(file, weightsNode, ruleID, "`weights` must be base64 of \(TextModel.bucketCount) signed bytes")
            }
        } else {
            fail(file, node, ruleID, "missing `weights`")
        }
        let modes = Dictionary(rules.map { ($0.id, $0.mode) }, uniquingKeysWith: { first, _ in first })
        /// A `rules` or `crosses` weight: a plain finite number within ±1000.
        func weight(_ weightNode: Node, of key: String) -> Double? {
            guard let scalar = weightNode.scalar, scalar.style == .plain, let weight = Double(scalar.string), weight.isFinite, abs(weight) <= 1_000 else {
                fail(file, weightNode, ruleID, "weight of `\(key)` must be a finite number within ±1000")
                return nil
            }
            return weight
        }
        var ruleWeights: [(rule: String, weight: Double)] = []
        if let table = node["rules"] {
            if let entries = table.mapping {
                checkDuplicateKeys(file, entries, ruleID)
                for (ruleKey, weightNode) in entries {
                    let id = ruleKey.string ?? ""
                    guard let mode = modes[id], mode != .shadow else { fail(file, ruleKey, ruleID, "weight for unknown or shadow rule `\(id)`"); continue }
                    guard let weight = weight(weightNode, of: id) else { continue }
                    ruleWeights.append((id, weight))
                }
            } else {
                fail(file, table, ruleID, "`rules` must be a mapping of rule id to weight")
            }
        }
        var crossWeights: [(rule: String, category: String, weight: Double)] = []
        if let table = node["crosses"] {
            if let entries = table.mapping {
                checkDuplicateKeys(file, entries, ruleID)
                let categories = Set(rules.filter { $0.mode != .shadow }.map(\.category))
                for (crossKey, weightNode) in entries {
                    let key = crossKey.string ?? ""
                    let parts = key.split(separator: "*", omittingEmptySubsequences: false).map(String.init)
                    guard parts.count == 2, let mode = modes[parts[0]], mode != .shadow, categories.contains(parts[1]) else {
                        fail(file, crossKey, ruleID, "cross `\(key)` must be `<rule id>*<category>` with a rule and a category of the pack"); continue
                    }
                    guard let weight = weight(weightNode, of: key) else { continue }
                    crossWeights.append((parts[0], parts[1], weight))
                }
            } else {
                fail(file, table, ruleID, "`crosses` must be a mapping of `<rule id>*<category>` to weight")
            }
            if Set(crossWeights.map(\.category)).count > 64 {
                fail(file, table, ruleID, "`crosses` may name at most 64 categories")
            }
        }
        var keeps: [String] = []
        if let list = node["keeps"] {
            if let items = list.sequence {
                for item in items {
                    let id = item.scalar?.string ?? ""
                    guard modes[id] == .enforce else { fail(file, item, ruleID, "`keeps` names `\(id)`, which is not an enforce rule of the pack"); continue }
                    keeps.append(id)
                }
            } else {
                fail(file, list, ruleID, "`keeps` must be a list of rule ids")
            }
        }
        guard let bias, let threshold, let scale, let withdrawBelow, let severity, let weights else { return }
        var model = TextModel(category: category, severity: severity, bias: bias, threshold: threshold, withdrawBelow: withdrawBelow, scale: scale,
                              weights: weights, trainedOn: node["trained_on"]?.scalar?.string ?? "",
                              location: SourceLocation(file: file, line: node.mark?.line ?? 0))
        model.ruleWeights = ruleWeights
        model.crossWeights = crossWeights
        model.keeps = keeps
        textModel = model
    }

    static func isValidID(_ id: String) -> Bool {
        guard let first = id.utf8.first, (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(first), id.utf8.count <= 128 else { return false }
        return id.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
        } && !id.hasSuffix(".") && !id.contains("..")
    }

    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 64 && name.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_")
        }
    }
}
