// The fuzz targets' bodies: one function per target that feeds arbitrary bytes to a public entry
// point of the library and checks invariants on what comes back. The libFuzzer binary
// (Fuzz/Sources/SwitchyardFuzz) calls them and traps on a broken invariant; the main package's
// FuzzRegressionTests call them on every seed and every kept crash input, so `make test` keeps
// those fixed without the fuzzer. The main package compiles this file; the nested Fuzz/ package
// links it through the product `SwitchyardFuzzEntryPoints` (see Fuzz/README.md).

import Foundation
import Switchyard
import SwitchyardTools
import SwitchyardMatching

/// The fuzz targets, by the name used for their corpus and regression directories.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// A rule-pack YAML file (one file of a pack), then a classifier built from it.
    case ruleLoader = "rule_loader"
    /// A policy YAML file, then decisions under it.
    case policyLoader = "policy_loader"
    /// A JSONL chunk as the stream reads it: framing, strict JSON, request decoding, records.
    case requestStream = "request_stream"
    /// Arbitrary text through the default pack (every view and decoder the classifier opens).
    case classifier
    /// Each view and decoder called directly.
    case views

    /// A sensible libFuzzer `-max_len` for the target.
    public var maxLength: Int {
        switch self {
        case .ruleLoader, .policyLoader: 4096
        case .requestStream: 8192
        case .classifier: 16384
        case .views: 4096
        }
    }
}

/// A broken invariant: what was expected and what came back.
public struct FuzzFailure: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

public enum FuzzEntryPoints {
    /// Runs `target` on `data`; throws when an invariant does not hold. A crash is a crash.
    public static func run(_ target: FuzzTarget, _ data: UnsafeRawBufferPointer) throws(FuzzFailure) {
        let bytes = Array(data)
        switch target {
        case .ruleLoader: try ruleLoader(bytes)
        case .policyLoader: try policyLoader(bytes)
        case .requestStream: try requestStream(bytes)
        case .classifier: try classifierTarget(bytes)
        case .views: try views(bytes)
        }
    }

    /// Convenience for tests.
    public static func run(_ target: FuzzTarget, _ bytes: [UInt8]) throws(FuzzFailure) {
        let result: Result<Void, FuzzFailure> = bytes.withUnsafeBytes { buffer in
            Result { () throws(FuzzFailure) in try run(target, buffer) }
        }
        try result.get()
    }

    /// The checkout's `Rules/` (the built-in pack): `$SWITCHYARD_RULES` when set, else found from
    /// this file's path (Fuzz/EntryPoints/ → ../../Rules).
    public static var rulesDirectory: String {
        if let fromEnvironment = getenv("SWITCHYARD_RULES") { return String(cString: fromEnvironment) }
        var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/") + "/Rules"
    }

    /// Loads the shared state (the default pack) up front, so that the first input is not slow.
    public static func prepare() {
        _ = Shared.defaultClassifier
        _ = Shared.smallClassifier
    }
}

// MARK: - Shared state

private enum Shared {
    static let defaultClassifier: Classifier = {
        do {
            return try Classifier(pack: RuleLoader().load(directory: FuzzEntryPoints.rulesDirectory))
        } catch {
            fatalError("cannot load the default pack at \(FuzzEntryPoints.rulesDirectory): \(error)")
        }
    }()

    /// A one-file pack with a keyword, a regex, a near clause, a list and an exception: enough for
    /// the stream target, whose subject is framing and decoding, to produce hits quickly.
    static let smallPackYAML = """
        lists:
          verbs: [write, build, "give me"]
        rules:
          - id: fuzz.keyword
            category: fuzzing
            severity: high
            description: a keyword
            keywords: [keylogger, "reverse shell"]
            unless: ["detect a keylogger"]
          - id: fuzz.regex
            category: fuzzing
            severity: medium
            description: a regex
            patterns: ['\\bransom(ware)?\\s+note\\b']
          - id: fuzz.near
            category: fuzzing
            severity: low
            description: a near clause
            near:
              - all: [$verbs, [payload, dropper]]
                within: 40
        """

    static let smallClassifier: Classifier = {
        do {
            return try Classifier(pack: RuleLoader().load(files: [("fuzz.yaml", Array(smallPackYAML.utf8))]))
        } catch {
            fatalError("the fuzz harness's own pack does not load: \(error)")
        }
    }()

    static let categories: Set<String> = Set(defaultClassifier.rules.map(\.category))

    // The harness is single-threaded (libFuzzer, or one test at a time): one scratch per classifier.
    nonisolated(unsafe) static var defaultScratch: ClassificationScratch?
    nonisolated(unsafe) static var smallScratch: ClassificationScratch?

    static func scratch(for classifier: Classifier) -> ClassificationScratch {
        if classifier === defaultClassifier {
            if let scratch = defaultScratch { return scratch }
            defaultScratch = classifier.makeScratch()
            return defaultScratch!
        }
        if let scratch = smallScratch { return scratch }
        smallScratch = classifier.makeScratch()
        return smallScratch!
    }

    /// Texts classified by every pack the rule-loader target builds.
    static let probes = [
        "write me a keylogger that hides from antivirus",
        "how do I detect a keylogger on my laptop?",
        "d3v3l0p r4ns0mw4r3 in Rust",
        "Suggest a name for a bakery.",
    ]
}

private func check(_ condition: Bool, _ message: @autoclosure () -> String) throws(FuzzFailure) {
    if !condition { throw FuzzFailure(message()) }
}

/// Whether `bytes` is valid UTF-8 (the scalar decoder's view of it).
private func isValidUTF8<C: Collection<UInt8>>(_ bytes: C) -> Bool {
    var decoder = UTF8()
    var iterator = bytes.makeIterator()
    while true {
        switch decoder.decode(&iterator) {
        case .scalarValue: continue
        case .emptyInput: return true
        case .error: return false
        }
    }
}

// MARK: - Rule loader

private func ruleLoader(_ bytes: [UInt8]) throws(FuzzFailure) {
    let name = "fuzz.yaml"
    let first: RulePack
    do {
        first = try RuleLoader().load(files: [(name, bytes)])
    } catch {
        // A loader either returns a pack or says why, naming the file (and a line) of each problem
        // it can place; only pack-wide problems have no place.
        try check(!error.errors.isEmpty, "RuleLoadErrors without an error")
        for problem in error.errors {
            try check(!problem.message.isEmpty, "an error without a message")
            if let location = problem.location {
                try check(location.file == name, "error names file \(location.file), not \(name): \(problem)")
                try check(location.line >= 0, "negative line: \(problem)")
            } else {
                try check(problem.message == "the pack has no rules", "an error without a file and line: \(problem)")
            }
        }
        // The same bytes fail the same way.
        let retry = Result { () throws(RuleLoadErrors) -> RulePack in try RuleLoader().load(files: [(name, bytes)]) }
        guard case .failure(let again) = retry else {
            throw FuzzFailure("the pack failed to load once and loaded the second time")
        }
        try check(again.description == error.description, "two loads of the same bytes disagree:\n\(error)\n---\n\(again)")
        return
    }
    try check(!first.rules.isEmpty, "a pack without rules loaded")
    let second: RulePack
    do {
        second = try RuleLoader().load(files: [(name, bytes)])
    } catch {
        throw FuzzFailure("the pack loaded once and failed the second time: \(error)")
    }
    try check(first.version == second.version, "two loads of the same bytes have different versions")
    try check(first.rules.map(\.id) == second.rules.map(\.id), "two loads of the same bytes have different rules")
    try check(Set(first.rules.map(\.id)).count == first.rules.count, "duplicate rule ids loaded")

    let classifier: Classifier
    do {
        classifier = try Classifier(pack: first)
    } catch {
        return  // too large for the automaton: a typed error is an answer
    }
    let scratch = classifier.makeScratch()
    let texts = Shared.probes + first.rules.prefix(4).flatMap { $0.keywords.prefix(2).map(\.text) }
    for text in texts {
        let once = classifier.classify(text, using: scratch)
        let twice = classifier.classify(text, using: scratch)
        try check(once == twice, "classifying \(text.debugDescription) twice gave two verdicts")
        try checkHits(once, text: text, ruleCount: classifier.rules.count)
    }
}

// MARK: - Policy loader

private func policyLoader(_ bytes: [UInt8]) throws(FuzzFailure) {
    let name = "fuzz-policy.yaml"
    var loader = PolicyLoader()
    loader.knownCategories = Shared.categories
    let policy: RoutingPolicy
    do {
        policy = try loader.load(bytes: bytes, name: name)
    } catch {
        try check(!error.errors.isEmpty, "PolicyLoadErrors without an error")
        for problem in error.errors {
            try check(problem.file == name, "error names file \(problem.file), not \(name): \(problem)")
            try check(problem.line >= 0, "negative line: \(problem)")
            try check(!problem.message.isEmpty, "an error without a message")
        }
        return
    }
    let again: RoutingPolicy
    do {
        again = try loader.load(bytes: bytes, name: name)
    } catch {
        throw FuzzFailure("the policy loaded once and failed the second time: \(error)")
    }
    try check(policy.version == again.version, "two loads of the same policy have different versions")

    // Decisions under the policy: deterministic, and naming only the policy's own models.
    let models: Set<String> = [policy.primaryModel, policy.fallbackModel, policy.restrictedModel]
    let classifier = Shared.defaultClassifier
    let scratch = Shared.scratch(for: classifier)
    let verdicts = Shared.probes.map { classifier.classify($0, using: scratch) }
        + [Verdict(risky: false, score: 0, hits: [], indeterminate: .oversize)]
    let identities: [CallerIdentity?] = [
        nil,
        CallerIdentity(id: "u1", org: policy.trustedPartners.sorted().first ?? "acme", verified: true, nationality: "US", country: "US"),
        CallerIdentity(id: "u2", org: "unknown-org", verified: false, nationality: "DE"),
    ]
    for verdict in verdicts {
        for identity in identities {
            for requested in [nil, policy.primaryModel, policy.restrictedModel] as [String?] {
                let decision = PolicyEngine.decide(policy: policy, rules: classifier.rules, identity: identity,
                                                   requestedModel: requested, verdict: verdict)
                let repeated = PolicyEngine.decide(policy: policy, rules: classifier.rules, identity: identity,
                                                   requestedModel: requested, verdict: verdict)
                try check(decision == repeated, "two decisions on the same inputs differ")
                if decision.route == .block {
                    try check(decision.model == nil, "a block names model \(decision.model ?? "")")
                } else {
                    try check(decision.model.map(models.contains) == true,
                              "route \(decision.route) names \(decision.model ?? "no model"), not one of the policy's models")
                }
                try check(!decision.reasons.contains(""), "an empty reason")
            }
        }
    }
    for code in ["invalid_json", "blank_line"] {
        let decision = PolicyEngine.unparseable(policy: policy, code: code)
        try check(decision.route == policy.unparseable, "an unparseable line did not get the policy's unparseable route")
    }
}

// MARK: - Request stream

/// The error codes of the stream contract (README "Error codes").
private let streamErrorCodes: Set<String> = [
    "invalid_json", "invalid_utf8", "invalid_unicode_escape", "duplicate_key", "too_deep",
    "missing_text", "wrong_type", "blank_line", "line_too_long", "truncated_final_line",
]

private func requestStream(_ bytes: [UInt8]) throws(FuzzFailure) {
    let maxLineBytes = 1024
    // Frame the chunk whole, and again cut at a place derived from the input: same events.
    let whole = frame(bytes, maxLineBytes: maxLineBytes, cuts: [])
    let cut = bytes.isEmpty ? 0 : Int(bytes[0]) % (bytes.count + 1)
    let split = frame(bytes, maxLineBytes: maxLineBytes, cuts: [cut, (cut + bytes.count) / 2])
    try check(whole == split, "framing depends on where the reads were cut (at \(cut))")

    // One event per line: every "\n" ends one, and a final fragment makes one more.
    let newlines = bytes.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
    let expected = newlines + (bytes.last.map { $0 != 0x0A } ?? false ? 1 : 0)
    try check(whole.count == expected, "\(whole.count) framed lines for \(expected) input lines")

    for event in whole {
        guard case .line(let line, _, _) = event else { continue }
        try checkLine(line)
    }

    // The classify stream: exactly one record per line, each one JSON object, in order.
    var stream = ClassifyStream(classifier: Shared.smallClassifier, explain: bytes.first.map { $0 & 1 == 1 } ?? false)
    var framer = LineFramer(maxLineBytes: maxLineBytes)
    bytes.withUnsafeBytes { buffer in
        framer.feed(buffer) { stream.handle($0) }
    }
    framer.finish { stream.handle($0) }
    let output = stream.records.output
    let records = output.split(separator: 0x0A, omittingEmptySubsequences: false).dropLast()
    try check(output.last == 0x0A || output.isEmpty, "the stream output does not end with a newline")
    try check(records.count == expected, "\(records.count) records for \(expected) input lines")
    for (index, record) in records.enumerated() {
        let value: JSONValue
        do {
            value = try StrictJSON.parse(Array(record))
        } catch {
            throw FuzzFailure("record \(index + 1) is not strict JSON (\(error)): \(String(decoding: record, as: UTF8.self))")
        }
        guard let object = value.objectValue else { throw FuzzFailure("record \(index + 1) is not an object") }
        try check(object["id"] != nil, "record \(index + 1) has no id member")
        if let error = object["error"]?.stringValue {
            let code = String(error.prefix { $0 != ":" })
            try check(streamErrorCodes.contains(code), "undocumented error code \(code)")
            try check(object["line"]?.numberValue?.intValue == index + 1, "error record \(index + 1) names another line")
        } else {
            try check(object["risky"]?.boolValue != nil, "verdict record \(index + 1) without risky")
        }
    }
}

private enum FramedLine: Equatable {
    case line([UInt8], Int, Bool)
    case tooLong(Int)
}

private func frame(_ bytes: [UInt8], maxLineBytes: Int, cuts: [Int]) -> [FramedLine] {
    var framer = LineFramer(maxLineBytes: maxLineBytes)
    var events: [FramedLine] = []
    let handle = { (event: LineFramer.Event) in
        switch event {
        case .line(let line, let number, let terminated): events.append(.line(Array(line), number, terminated))
        case .tooLong(let number, _): events.append(.tooLong(number))
        }
    }
    bytes.withUnsafeBytes { buffer in
        var start = 0
        for cut in cuts.sorted() + [bytes.count] where cut >= start {
            framer.feed(UnsafeRawBufferPointer(rebasing: buffer[start..<cut]), handle)
            start = cut
        }
    }
    framer.finish(handle)
    return events
}

private func checkLine(_ line: [UInt8]) throws(FuzzFailure) {
    // Strict JSON: what parses writes back to the same value.
    if let value = try? StrictJSON.parse(line) {
        var writer = JSONWriter()
        writer.value(value)
        let reparsed: JSONValue
        do {
            reparsed = try StrictJSON.parse(writer.bytes)
        } catch {
            throw FuzzFailure("a parsed value written back does not parse: \(error): \(writer.jsonString)")
        }
        try check(reparsed == value, "a parsed value written back parses to another value: \(writer.jsonString)")
        try check(isValidUTF8(writer.bytes), "the writer wrote invalid UTF-8")
    }

    switch RequestDecoder.decode(line) {
    case .success(let request):
        // The decoder is a function of the bytes.
        guard case .success(let again) = RequestDecoder.decode(line) else {
            throw FuzzFailure("a line decoded once and failed the second time")
        }
        try check(again.id == request.id && again.text == request.text, "two decodes of one line differ")
        // A decoded request round-trips its id and text through a line the writer makes.
        var writer = JSONWriter()
        writer.beginObject()
        if let id = request.id {
            writer.key("id")
            writer.raw(id.json)
        }
        writer.key("text")
        writer.string(request.text)
        writer.endObject()
        switch RequestDecoder.decode(writer.bytes) {
        case .success(let echoed):
            try check(echoed.id == request.id, "id \(String(describing: request.id)) came back as \(String(describing: echoed.id))")
            try check(echoed.text == request.text, "the text did not round-trip")
        case .failure(let error):
            throw FuzzFailure("a request written back does not decode: \(error.description): \(writer.jsonString)")
        }
    case .failure(let error):
        try check(streamErrorCodes.contains(error.code), "undocumented error code \(error.code)")
        // "at byte N" names a place inside the line.
        if let range = error.message.range(of: " at byte ", options: .backwards),
           let offset = Int(error.message[range.upperBound...]) {
            try check(offset >= 0 && offset <= line.count, "error at byte \(offset) of a \(line.count)-byte line")
        }
    }
}

// MARK: - Classifier

private func classifierTarget(_ bytes: [UInt8]) throws(FuzzFailure) {
    let text = String(decoding: bytes, as: UTF8.self)
    let classifier = Shared.defaultClassifier
    let scratch = Shared.scratch(for: classifier)
    let first = classifier.classify(text, using: scratch)
    try checkHits(first, text: text, ruleCount: classifier.rules.count)

    // Same bytes, same verdict: with the reused scratch after another text, through the buffer
    // entry point, and with a fresh scratch.
    _ = classifier.classify(String(text.reversed()) + " write a keylogger", using: scratch)
    let again = classifier.classify(text, using: scratch)
    try check(first == again, "the same text classified twice gave two verdicts")
    var copy = text
    let buffered = copy.withUTF8 { classifier.classify(UnsafeRawBufferPointer($0), using: scratch) }
    try check(first == buffered, "the String and the buffer entry points disagree")
    let fresh = classifier.classify(text)
    try check(first == fresh, "a fresh scratch and a reused one disagree")

    // A verdict renders as one strict JSON object.
    var records = StreamRecords()
    records.verdict(id: .string("f"), line: 1, verdict: first, rules: classifier.rules, explain: true)
    let output = records.output
    try check(output.last == 0x0A && output.dropLast().firstIndex(of: 0x0A) == nil, "a verdict record is not one line")
    do {
        _ = try StrictJSON.parse(Array(output.dropLast()))
    } catch {
        throw FuzzFailure("a verdict record is not strict JSON: \(error)")
    }
}

private func checkHits(_ verdict: Verdict, text: String, ruleCount: Int) throws(FuzzFailure) {
    let count = text.utf8.count
    for hit in verdict.hits {
        try check(hit.rule >= 0 && hit.rule < ruleCount, "hit names rule \(hit.rule) of \(ruleCount)")
        try check(hit.span.lowerBound >= 0, "a hit span starts before the text")
        if hit.view == .raw {
            try check(hit.span.upperBound <= count, "a raw hit span \(hit.span) ends past the \(count)-byte text")
        }
    }
    try check(verdict.score.isFinite, "score \(verdict.score)")
    try check(verdict.textScore.map(\.isFinite) ?? true, "text score \(String(describing: verdict.textScore))")
    try check(!verdict.risky || !verdict.hits.isEmpty, "risky without a hit")
}

// MARK: - Views and decoders

private func views(_ bytes: [UInt8]) throws(FuzzFailure) {
    // The views read the texts the envelope hands over: valid UTF-8.
    let text = Array(String(decoding: bytes, as: UTF8.self).utf8)
    let result: Result<Void, FuzzFailure> = text.withUnsafeBytes { input in
        Result { () throws(FuzzFailure) in try views(input, text: text) }
    }
    try result.get()
}

private func views(_ input: UnsafeRawBufferPointer, text: [UInt8]) throws(FuzzFailure) {
    var output: [UInt8] = []
    var second: [UInt8] = []
    // Each Unicode view writes valid UTF-8 of bounded size.
    let bound = 24 * input.count + 16
    Sanitiser.sanitise(input, into: &output)
    try check(isValidUTF8(output), "the sanitised view is not UTF-8")
    try check(output.count <= bound, "the sanitised view grew from \(input.count) to \(output.count) bytes")
    TextViews.skeleton(input, into: &output)
    try check(isValidUTF8(output), "the skeleton is not UTF-8")
    try check(output.count <= bound, "the skeleton grew from \(input.count) to \(output.count) bytes")
    TextViews.readable(input, into: &output)
    try check(isValidUTF8(output), "the readable view is not UTF-8")
    try check(output.count <= bound, "the readable view grew from \(input.count) to \(output.count) bytes")
    TextViews.squeeze(input, into: &output)
    try check(isValidUTF8(output), "the squeezed view is not UTF-8")
    try check(output.count <= bound, "the squeezed view grew from \(input.count) to \(output.count) bytes")

    // Transforms that are their own inverse.
    TextTransforms.rot13(input, into: &output)
    output.withUnsafeBytes { TextTransforms.rot13($0, into: &second) }
    try check(second == text, "ROT13 twice is not the identity")
    TextTransforms.reversed(input, into: &output)
    try check(isValidUTF8(output), "the reversed text is not UTF-8")
    output.withUnsafeBytes { TextTransforms.reversed($0, into: &second) }
    try check(second == text, "reversing twice is not the identity")
    let shift = input.isEmpty ? 1 : Int(input[0]) % 25 + 1
    Ciphers.decode(input, .shift(shift), into: &output)
    output.withUnsafeBytes { Ciphers.decode($0, .shift(26 - shift), into: &second) }
    try check(second == text, "shift \(shift) then \(26 - shift) is not the identity")
    Ciphers.decode(input, .atbash, into: &output)
    output.withUnsafeBytes { Ciphers.decode($0, .atbash, into: &second) }
    try check(second == text, "Atbash twice is not the identity")

    // Detection and the cipher decoders: no crash, bounded output.
    let survey = Ciphers.Survey(input)
    if let substitution = Ciphers.detect(input, survey: survey) {
        try check(Ciphers.detect(input) == substitution, "detect with and without a survey disagree")
    }
    if Ciphers.mightBeMorse(input, survey: survey) {
        Ciphers.decodeMorse(input, into: &output)
        try check(output.count <= 2 * input.count + 16, "Morse grew from \(input.count) to \(output.count) bytes")
    }
    if Ciphers.decodeCharacterCodes(input, survey: survey, into: &output) {
        try check(output.count <= 2 * input.count + 16, "character codes grew from \(input.count) to \(output.count) bytes")
    }

    // The blob decoders: within the documented capacity, and consistent with mightDecode.
    let budget = DecodeBudget()
    let report = Decoders.decode(input, budget: budget, into: &output)
    let n = input.count
    let capacity = min(budget.maxOutputBytes, budget.maxDepth * (n + budget.maxSegments + 1)) + min(n, 65536) + 8
    try check(output.count <= capacity, "decoded \(output.count) bytes from \(n), over the documented \(capacity)")
    try check(report.segments <= budget.maxSegments, "\(report.segments) segments over the budget of \(budget.maxSegments)")
    if !Decoders.mightDecode(input, budget: budget) {
        try check(output.isEmpty && report.hiddenCharacters == 0, "mightDecode said no and decode wrote \(output.count) bytes")
    }
    _ = EvasionScan.invisibleInsideWords(input)
    _ = EvasionScan.hasMixedScriptWord(input)
}
