import ArgumentParser
import Foundation
import Switchyard

extension RulesCommand {
    /// `switchyard rules profile`: which rules cost what on a corpus.
    struct Profile: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Classify a corpus once and print each rule's work, most expensive first.",
            discussion: """
                Per rule: RE2 time (ms) and confirmations, bytes RE2 searched, hits of its regex \
                atoms and keywords, near clauses tested, triggers (times it held in a view pass, \
                before exceptions) and requests it fired in (before the learned models' withdrawal). \
                Sorted by RE2 time, then by hits; rules with no work are left out. The header gives \
                the whole classification time, so a rule's share of it is plain. A rule whose atoms \
                are common words shows many atom hits and confirmations: give its pattern a rarer \
                literal (`rules check --atoms` lists them).
                """)

        @Option(help: "Rule pack directory (default: the built-in pack).")
        var rules: String?

        @Option(help: "JSONL requests to classify (default: a generated mix).")
        var corpus: String?

        @Option(help: "Print at most this many rules.")
        var top: Int = 40

        @Flag(help: "One JSON object per rule instead of the table.")
        var json = false

        func validate() throws {
            guard top > 0 else { throw ValidationError("--top must be positive") }
        }

        func run() throws {
            let classifier: Classifier
            do { classifier = try RulePackLocation.loadClassifier(rules) } catch {
                standardError(error.message)
                throw ExitCode(2)
            }
            let texts = try BenchTexts.corpus(at: corpus).texts
            let scratch = classifier.makeScratch()
            let profile = RuleProfile(ruleCount: classifier.rules.count)
            scratch.profile = profile
            let clock = ContinuousClock()
            let elapsed = clock.measure {
                texts.storage.withUnsafeBytes { all in
                    for (range, focusStart) in zip(texts.ranges, texts.focusStarts) {
                        _ = classifier.classify(UnsafeRawBufferPointer(rebasing: all[range]), focusStart: focusStart, using: scratch)
                    }
                }
            }
            let totalMilliseconds = Double(elapsed.components.seconds) * 1e3 + Double(elapsed.components.attoseconds) / 1e15
            let order = classifier.rules.indices.filter(profile.hasWork).sorted { a, b in
                if profile.regexNanoseconds[a] != profile.regexNanoseconds[b] { return profile.regexNanoseconds[a] > profile.regexNanoseconds[b] }
                return profile.atomHits[a] + profile.keywordHits[a] + profile.clauseTests[a] > profile.atomHits[b] + profile.keywordHits[b] + profile.clauseTests[b]
            }.prefix(top)
            if json {
                for rule in order {
                    var writer = JSONWriter()
                    writer.beginObject()
                    writer.key("rule"); writer.string(classifier.rules[rule].id)
                    writer.key("regex_ms"); writer.double(Double(profile.regexNanoseconds[rule]) / 1e6)
                    writer.key("regex_runs"); writer.int(profile.regexRuns[rule])
                    writer.key("regex_bytes"); writer.int(profile.regexBytes[rule])
                    writer.key("atom_hits"); writer.int(profile.atomHits[rule])
                    writer.key("keyword_hits"); writer.int(profile.keywordHits[rule])
                    writer.key("clause_tests"); writer.int(profile.clauseTests[rule])
                    writer.key("triggers"); writer.int(profile.triggers[rule])
                    writer.key("fired"); writer.int(profile.fired[rule])
                    writer.endObject()
                    print(String(decoding: writer.bytes, as: UTF8.self))
                }
                return
            }
            let regexTotal = Double(profile.regexNanoseconds.reduce(0, +)) / 1e6
            print("pack \(classifier.pack.origin) version \(classifier.pack.version): \(texts.count) requests, \(texts.totalBytes) bytes "
                  + "classified in \(String(format: "%.1f", totalMilliseconds)) ms (with profiling), RE2 \(String(format: "%.1f", regexTotal)) ms of it")
            let header = ["regex_ms", "runs", "regex_KB", "atom_hits", "kw_hits", "clauses", "triggers", "fired"]
            print(header.map { $0.padding(toLength: 10, withPad: " ", startingAt: 0) }.joined() + "rule")
            for rule in order {
                let cells = [String(format: "%.2f", Double(profile.regexNanoseconds[rule]) / 1e6), String(profile.regexRuns[rule]),
                             String(profile.regexBytes[rule] / 1024), String(profile.atomHits[rule]), String(profile.keywordHits[rule]),
                             String(profile.clauseTests[rule]), String(profile.triggers[rule]), String(profile.fired[rule])]
                print(cells.map { $0.padding(toLength: 10, withPad: " ", startingAt: 0) }.joined() + classifier.rules[rule].id)
            }
        }
    }
}
