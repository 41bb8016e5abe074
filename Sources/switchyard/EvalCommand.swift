import ArgumentParser
import Foundation
import Switchyard
import SwitchyardTools

/// `switchyard eval`: detection quality of a pack on labelled JSONL, and recall under evasion.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Measure recall, false-positive rate and precision on labelled requests.",
        discussion: """
            Each file is JSONL with a text field (text, prompt, input or messages) and optional \
            id, category, source and kind fields, which group the results. With --evade, every \
            risky request that is caught as written is rewritten with each evasion technique and \
            with chains of two, and recall is reported per technique.
            """
    )

    @Option(help: "JSONL of risky requests (repeatable).")
    var risky: [String] = []

    @Option(help: "JSONL of benign requests (repeatable).")
    var benign: [String] = []

    @Option(help: "Rule pack directory (default: the built-in pack).")
    var rules: String?

    @Flag(help: "Print one JSON object instead of the text report.")
    var json = false

    @Option(help: "How many misses and false positives to list (0 for none).")
    var list: Int = 20

    @Flag(help: "Also measure recall under each evasion technique and chains of two.")
    var evade = false

    @Option(help: "Keep only examples whose `split` field is this (e.g. test for the challenge corpus's held-out part).")
    var split: String?

    func validate() throws {
        guard !risky.isEmpty || !benign.isEmpty else { throw ValidationError("give at least one --risky or --benign file") }
    }

    func run() throws {
        let classifier: Classifier
        do { classifier = try RulePackLocation.loadClassifier(rules) } catch {
            standardError(error.message)
            throw ExitCode(2)
        }
        var examples: [LabelledExample] = []
        for (paths, label) in [(risky, true), (benign, false)] {
            for path in paths {
                guard let data = FileManager.default.contents(atPath: path) else {
                    standardError("switchyard: cannot read \(path)")
                    throw ExitCode(2)
                }
                let (read, errors) = LabelledExample.read(jsonl: Array(data), risky: label)
                for error in errors.prefix(5) { standardError("\(path): \(error)") }
                if errors.count > 5 { standardError("\(path): \(errors.count - 5) more unreadable lines") }
                examples += read.filter { split == nil || $0.split == split }
            }
        }
        let evaluation = Evaluation(classifier: classifier, examples: examples)
        let evasion = evade ? EvasionReport(classifier: classifier, examples: examples) : nil
        if json {
            print(jsonReport(evaluation, evasion, classifier))
        } else {
            print(textReport(evaluation, evasion, classifier))
        }
    }

    private func percent(_ value: Double) -> String { String(format: "%.2f%%", value * 100) }

    private func textReport(_ e: Evaluation, _ evasion: EvasionReport?, _ classifier: Classifier) -> String {
        var lines: [String] = []
        lines.append("pack \(classifier.pack.origin) version \(classifier.pack.version), \(classifier.rules.count) rules")
        if e.risky.total > 0 { lines.append("recall          \(percent(e.risky.rate))  (\(e.risky.flagged)/\(e.risky.total) risky flagged)") }
        if e.benign.total > 0 { lines.append("false positives \(percent(e.benign.rate))  (\(e.benign.flagged)/\(e.benign.total) benign flagged)") }
        if e.risky.flagged + e.benign.flagged > 0 { lines.append("precision       \(percent(e.precision))") }
        func section(_ title: String, _ tallies: [String: Evaluation.Tally]) {
            guard !tallies.isEmpty else { return }
            lines.append("")
            lines.append(title)
            for (name, tally) in tallies.sorted(by: { $0.key < $1.key }) {
                lines.append("  \(percent(tally.rate).padding(toLength: 8, withPad: " ", startingAt: 0)) \(String(tally.flagged).leftPad(5))/\(String(tally.total).leftPad(5))  \(name.isEmpty ? "(none)" : name)")
            }
        }
        section("recall by category", e.riskyByCategory)
        section("recall by source", e.riskyBySource)
        section("recall by style", e.riskyByStyle)
        section("recall by language", e.riskyByLang)
        section("false-positive rate by kind", e.benignByKind)
        section("false-positive rate by source", e.benignBySource)
        section("false-positive rate by category", e.benignByCategory)
        section("false-positive rate by language", e.benignByLang)
        lines.append("")
        lines.append("hits per rule (risky / benign)")
        for rule in classifier.rules {
            guard rule.mode != .evidence else { continue }
            let hits = e.ruleHits[rule.id] ?? (0, 0)
            lines.append("  \(String(hits.truePositives).leftPad(5)) \(String(hits.falsePositives).leftPad(5))  \(rule.id)\(rule.mode == .shadow ? " (shadow)" : "")")
        }
        if list > 0 {
            lines.append("")
            lines.append("misses (\(e.misses.count))")
            for finding in e.misses.prefix(list) { lines.append("  \(finding.example.id) [\(finding.example.category)] \(Self.excerpt(finding.example.text))") }
            lines.append("")
            lines.append("false positives (\(e.falsePositives.count))")
            for finding in e.falsePositives.prefix(list) {
                lines.append("  \(finding.example.id) [\(finding.example.kind)] \(finding.rules.joined(separator: ",")): \(Self.excerpt(finding.example.text))")
            }
        }
        if let evasion {
            lines.append("")
            lines.append("recall under evasion, among \(evasion.seeds) risky requests caught as written")
            for (chain, tally) in evasion.results {
                let target = chain.families.count == 1 ? 0.90 : 0.75
                lines.append("  \(percent(tally.rate).padding(toLength: 8, withPad: " ", startingAt: 0)) \(tally.rate >= target ? "   " : "<- ")\(chain)")
            }
            lines.append("  single families: minimum \(percent(evasion.minimum(singles: true))); chains of two: minimum \(percent(evasion.minimum(singles: false))), overall \(percent(evasion.overall(singles: false)))")
        }
        return lines.joined(separator: "\n")
    }

    private func jsonReport(_ e: Evaluation, _ evasion: EvasionReport?, _ classifier: Classifier) -> String {
        var writer = JSONWriter(capacity: 1 << 16)
        func tally(_ t: Evaluation.Tally) {
            writer.beginObject()
            writer.key("total"); writer.int(t.total)
            writer.key("flagged"); writer.int(t.flagged)
            writer.key("rate"); writer.double(t.rate)
            writer.endObject()
        }
        func tallies(_ name: String, _ values: [String: Evaluation.Tally]) {
            writer.key(name)
            writer.beginObject()
            for (key, value) in values.sorted(by: { $0.key < $1.key }) { writer.key(key); tally(value) }
            writer.endObject()
        }
        writer.beginObject()
        writer.key("pack_version"); writer.string(classifier.pack.version)
        writer.key("risky"); tally(e.risky)
        writer.key("benign"); tally(e.benign)
        writer.key("precision"); writer.double(e.precision)
        tallies("risky_by_category", e.riskyByCategory)
        tallies("risky_by_source", e.riskyBySource)
        tallies("benign_by_kind", e.benignByKind)
        tallies("benign_by_source", e.benignBySource)
        tallies("risky_by_style", e.riskyByStyle)
        tallies("risky_by_lang", e.riskyByLang)
        tallies("benign_by_category", e.benignByCategory)
        tallies("benign_by_lang", e.benignByLang)
        writer.key("rule_hits")
        writer.beginObject()
        for rule in classifier.rules {
            let hits = e.ruleHits[rule.id] ?? (0, 0)
            writer.key(rule.id)
            writer.beginObject()
            writer.key("risky"); writer.int(hits.truePositives)
            writer.key("benign"); writer.int(hits.falsePositives)
            writer.endObject()
        }
        writer.endObject()
        writer.key("misses")
        writer.beginArray()
        for finding in e.misses.prefix(list) { writer.string(finding.example.id) }
        writer.endArray()
        writer.key("false_positives")
        writer.beginArray()
        for finding in e.falsePositives.prefix(list) {
            writer.beginObject()
            writer.key("id"); writer.string(finding.example.id)
            writer.key("rules"); writer.beginArray(); for rule in finding.rules { writer.string(rule) }; writer.endArray()
            writer.endObject()
        }
        writer.endArray()
        if let evasion {
            writer.key("evasion")
            writer.beginObject()
            writer.key("seeds"); writer.int(evasion.seeds)
            for (chain, value) in evasion.results { writer.key(chain.description); tally(value) }
            writer.endObject()
        }
        writer.endObject()
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    static func excerpt(_ text: String) -> String {
        let flat = text.replacingOccurrences(of: "\n", with: " ")
        return flat.count > 140 ? String(flat.prefix(140)) + "…" : flat
    }
}

extension String {
    func leftPad(_ width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}
