/// Per-rule work counters, kept by a scratch while profiling (`ClassificationScratch.profile`), so
/// a rule author can see which rule costs what (`switchyard rules profile`), in the spirit of
/// Suricata's rule profiling. Off by default: each counter is one nil check on the hot path.
///
/// Arrays are indexed by rule (the pack's rule order). Not thread-safe: one per scratch.
package final class RuleProfile: @unchecked Sendable {
    // SAFETY (Sendable): owned by one scratch, used by one thread at a time like the scratch.
    /// Keyword hits that fire the rule directly.
    package var keywordHits: [Int]
    /// Hits of the rule's regex atoms (each may queue an RE2 confirmation).
    package var atomHits: [Int]
    /// `near` clauses tested (a term of one of the clause's lists occurred).
    package var clauseTests: [Int]
    /// RE2 confirmations run, bytes they searched, and the time they took.
    package var regexRuns: [Int]
    package var regexBytes: [Int]
    package var regexNanoseconds: [Int]
    /// Times the rule held in a view pass (before exceptions), and requests it fired in.
    package var triggers: [Int]
    package var fired: [Int]

    /// Zeroed counters for `ruleCount` rules.
    package init(ruleCount: Int) {
        keywordHits = Array(repeating: 0, count: ruleCount)
        atomHits = keywordHits
        clauseTests = keywordHits
        regexRuns = keywordHits
        regexBytes = keywordHits
        regexNanoseconds = keywordHits
        triggers = keywordHits
        fired = keywordHits
    }

    /// Every counter of `rule` that is not zero is work the rule caused.
    package func hasWork(_ rule: Int) -> Bool {
        keywordHits[rule] + atomHits[rule] + clauseTests[rule] + regexRuns[rule] + triggers[rule] > 0
    }
}
