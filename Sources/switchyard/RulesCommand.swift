import ArgumentParser
import Foundation
import Switchyard
import SwitchyardMatching

/// `switchyard rules check|test`.
struct RulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "Validate a rule pack, run its examples, profile its rules, or show what the engine reads.",
        subcommands: [Check.self, Test.self, Features.self, Views.self, Profile.self]
    )

    /// Validates and compiles a pack; prints counts and warnings.
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Validate and compile a rule pack; print counts and warnings.")

        @Argument(help: "Rule pack directory (default: the built-in pack).")
        var directory: String?

        @Option(name: .customLong("rules"), help: "Rule pack directory, as in the other commands (same as the argument).")
        var rulesOption: String?

        @Flag(help: "Also list each pattern's prefilter atoms (the literals that make RE2 run it).")
        var atoms = false

        func run() throws {
            let classifier: Classifier
            do { classifier = try RulePackLocation.loadClassifier(rulesOption ?? directory) } catch {
                standardError(error.message)
                throw ExitCode(2)
            }
            let pack = classifier.pack
            var byCategory: [String: Int] = [:]
            var bySeverity: [Severity: Int] = [:]
            for rule in pack.rules {
                byCategory[rule.category, default: 0] += 1
                bySeverity[rule.severity, default: 0] += 1
            }
            let stats = classifier.statistics
            print("pack \(pack.origin) version \(pack.version): \(pack.rules.count) rules (\(pack.rules.filter { $0.mode == .shadow }.count) shadow)")
            print("categories: " + byCategory.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
            print("severities: " + Severity.allCases.compactMap { severity in bySeverity[severity].map { "\(severity.rawValue) \($0)" } }.joined(separator: ", "))
            print("keywords \(pack.rules.reduce(0) { $0 + $1.keywords.count }), near clauses \(pack.rules.reduce(0) { $0 + $1.near.count }), patterns \(pack.rules.reduce(0) { $0 + $1.patterns.count }) (\(stats.prefilteredRegexes) prefiltered, \(stats.unfilteredRegexes) run on every request)")
            print("automata: " + classifier.automatonSizes.map { "\($0.pass) \($0.patterns) literals (longest \($0.longest) B), \($0.states) states, \($0.bytes / 1024) KiB" }.joined(separator: "; "))
            if atoms {
                for rule in pack.rules {
                    for pattern in rule.patterns {
                        let groups = (try? RE2Atoms.prefilterGroups(of: pattern)) ?? []
                        let text = groups.map { $0.map { String(decoding: $0, as: UTF8.self) }.joined(separator: " | ") }
                        print("atoms \(rule.id): " + (text.isEmpty ? "(none: runs on every view)" : text.map { "(\($0))" }.joined(separator: " & ")))
                    }
                }
            }
            let warnings = PackReview.warnings(for: pack)
            for warning in warnings { print(warning) }
            print(warnings.isEmpty ? "ok" : "ok, \(warnings.count) warning(s)")
        }
    }

    /// Runs every rule's `match` and `no_match` examples.
    struct Test: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run every rule's examples; exit non-zero on any failure.")

        @Argument(help: "Rule pack directory (default: the built-in pack).")
        var directory: String?

        @Option(name: .customLong("rules"), help: "Rule pack directory, as in the other commands (same as the argument).")
        var rulesOption: String?

        func run() throws {
            let classifier: Classifier
            do { classifier = try RulePackLocation.loadClassifier(rulesOption ?? directory) } catch {
                standardError(error.message)
                throw ExitCode(2)
            }
            let result = PackReview.testExamples(classifier)
            for failure in result.failures {
                print(failure)
                if !failure.firedRules.isEmpty { print("    fired: \(failure.firedRules.joined(separator: ", "))") }
            }
            print("\(result.checked) examples, \(result.failures.count) failed")
            if !result.failures.isEmpty { throw ExitCode(1) }
        }
    }
}

extension RulesCommand {
    /// Prints the text model's features of each request on stdin, for `Rules/model/train.py`.
    struct Features: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the text model's feature buckets for each JSONL request on stdin.",
            discussion: "One line per input line: {\"id\": ..., \"features\": [bucket, ...]} (a bucket once per occurrence), or the stream's error record. The training script fits the model on these, so training and the engine read text the same way.")

        func run() throws {
            forEachRequestLine { request, writer in
                writer.key("features")
                writer.beginArray()
                for bucket in TextModel.features(of: request.text, focusStart: request.focusStart) { writer.int(bucket) }
                writer.endArray()
            }
        }
    }
}

extension RulesCommand {
    /// Prints the whole-text views of each request, so a rule author sees what terms and
    /// patterns run on.
    struct Views: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the views of each JSONL request on stdin (what keywords, patterns and the text model read).",
            discussion: "One line per input line: {\"id\", \"sanitised\", \"skeleton\", \"readable\", \"squeezed\", \"model\"}, each the view of the whole text (the engine builds the derived views only around the places a cheap scan flags, and reads decoded text as well). \"model\" lists the text model's readings: the readable view, letters split one by one joined, and words split by symbols joined.")

        func run() throws {
            forEachRequestLine { request, writer in
                var text = request.text
                text.withUTF8 { raw in Self.write(UnsafeRawBufferPointer(raw), into: &writer) }
            }
        }

        static func write(_ raw: UnsafeRawBufferPointer, into writer: inout JSONWriter) {
            var sanitised: [UInt8] = []
            Sanitiser.sanitise(raw, into: &sanitised)
            var view: [UInt8] = []
            func field(_ name: String, _ bytes: [UInt8]) {
                writer.key(name)
                writer.string(String(decoding: bytes, as: UTF8.self))
            }
            field("sanitised", sanitised)
            sanitised.withUnsafeBytes { TextViews.skeleton($0, into: &view) }
            field("skeleton", view)
            var readable: [UInt8] = []
            sanitised.withUnsafeBytes { TextViews.readable($0, into: &readable) }
            field("readable", readable)
            sanitised.withUnsafeBytes { TextViews.squeeze($0, into: &view) }
            field("squeezed", view)
            writer.key("model")
            writer.beginArray()
            writer.string(String(decoding: readable, as: UTF8.self))
            readable.withUnsafeBytes { TextModel.joinSplitLetters($0, into: &view) }
            writer.string(String(decoding: view, as: UTF8.self))
            if readable.withUnsafeBytes({ TextModel.joinSymbolSplitWords($0, into: &view) }) {
                writer.string(String(decoding: view, as: UTF8.self))
            }
            writer.endArray()
        }
    }
}

/// Reads JSONL requests from stdin and writes one JSON object per line to stdout: the request's
/// `id` and what `fields` adds, or `line` and `error` for a line that is not a request.
func forEachRequestLine(_ fields: (ModelRequest, inout JSONWriter) -> Void) {
    var number = 0
    while let line = readLine(strippingNewline: true) {
        number += 1
        var writer = JSONWriter()
        writer.beginObject()
        switch RequestDecoder.decode(line) {
        case .success(let request):
            writer.key("id")
            if let id = request.id { writer.raw(id.json) } else { writer.null() }
            fields(request, &writer)
        case .failure(let error):
            writer.key("line")
            writer.int(number)
            writer.key("error")
            writer.string(error.description)
        }
        writer.endObject()
        writer.bytes.append(UInt8(ascii: "\n"))
        FileHandle.standardOutput.write(Data(writer.bytes))
    }
}

/// Writes one line to stderr.
func standardError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
