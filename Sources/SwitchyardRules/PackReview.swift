import SwitchyardMatching

/// A problem worth a rule author's attention that does not stop the pack from loading.
package struct PackWarning: Sendable, CustomStringConvertible {
    package var location: SourceLocation
    package var ruleID: String
    package var message: String
    /// `file:line: rule <id>: warning: message`.
    package var description: String { "\(location): rule \(ruleID): warning: \(message)" }
}

/// One example sentence that did not behave as its rule says.
package struct ExampleFailure: Sendable, CustomStringConvertible {
    package var location: SourceLocation
    package var ruleID: String
    /// True for a `match` example that did not fire, false for a `no_match` example that did.
    package var expectedMatch: Bool
    package var sentence: String
    /// Other rules that fired on the sentence (helps when a `no_match` example is caught elsewhere).
    package var firedRules: [String]
    package var description: String {
        let what = expectedMatch ? "match example did not fire" : "no_match example fired"
        return "\(location): rule \(ruleID): \(what): \(sentence.debugDescription)"
    }
}

/// Lint and example checks behind `switchyard rules check` and `switchyard rules test`.
package enum PackReview {
    /// Warnings for a loaded pack: regexes without prefilter atoms (they run on every request),
    /// rules without examples, and very short terms that may fire on ordinary words.
    package static func warnings(for pack: RulePack, regexOptions: RE2Options = RE2Options()) -> [PackWarning] {
        var warnings: [PackWarning] = []
        for rule in pack.rules {
            func warn(_ message: String) { warnings.append(PackWarning(location: rule.location, ruleID: rule.id, message: message)) }
            for pattern in rule.patterns {
                if let groups = try? RE2Atoms.prefilterGroups(of: pattern, options: regexOptions), groups.isEmpty {
                    warn("pattern `\(pattern)` has no literal for the prefilter (3+ bytes, or a shorter one rare in prose such as `\\x` or `=`), so RE2 runs it on every request")
                }
            }
            if rule.matchExamples.isEmpty { warn("no `match` examples") }
            if rule.noMatchExamples.isEmpty { warn("no `no_match` examples") }
            let terms = rule.keywords + rule.near.flatMap { $0.lists.flatMap { $0 } }
            for term in terms where term.text.utf8.count < 3 && !(term.wordStart && term.wordEnd) {
                warn("term `\(term.source)` is shorter than 3 bytes and not a whole word: it will fire inside many words")
            }
        }
        return warnings
    }

    /// Runs every rule's examples through `classifier`; returns the failures (empty when all pass).
    /// A rule counts as firing on an example whatever its mode, so shadow and evidence rules are
    /// tested too; the learned models withdraw nothing here, since an example tests what its rule
    /// matches.
    package static func testExamples(_ classifier: Classifier) -> (checked: Int, failures: [ExampleFailure]) {
        let scratch = classifier.makeScratch()
        scratch.withdrawsRules = false
        scratch.keepsEvidence = true
        let rules = classifier.rules
        var checked = 0
        var failures: [ExampleFailure] = []
        for (index, rule) in rules.enumerated() {
            for (sentences, expected) in [(rule.matchExamples, true), (rule.noMatchExamples, false)] {
                for sentence in sentences {
                    checked += 1
                    let verdict = classifier.classify(sentence, using: scratch)
                    let fired = verdict.hits.contains { $0.rule == index }
                    if fired != expected {
                        failures.append(ExampleFailure(location: rule.location, ruleID: rule.id, expectedMatch: expected, sentence: sentence,
                                                       firedRules: verdict.hits.map { rules[$0.rule].id }))
                    }
                }
            }
        }
        return (checked, failures)
    }
}
