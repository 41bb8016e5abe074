import SwitchyardMatching

/// Settings fixed when a classifier is built.
public struct ClassifierOptions: Sendable {
    /// Texts longer than this are inspected up to this many bytes and get an `oversize`
    /// (indeterminate) verdict.
    public var maxTextBytes: Int = 8 << 20
    /// Options for every regex in the pack.
    public var regexOptions = RE2Options()
    /// Ceiling on the keyword automaton's states (memory is states × byte classes × 4 bytes).
    public var maxAutomatonStates = 4_000_000
    /// A regex is confirmed only within this many bytes around the atoms that made it a candidate,
    /// so its cost does not grow with the text: a pattern's match must be at most this long to be
    /// found. (Merged windows; more than 8 separate windows fall back to the whole view.)
    public var regexWindowBytes = 256
    /// Creates options with the defaults above.
    public init() {}
}

/// A rule pack compiled for matching: immutable after `init` and shared by every thread. Each
/// thread classifies with its own `ClassificationScratch`.
///
/// Per view of the text, one automaton pass finds every keyword, `near` term, `unless` term and
/// regex atom; regexes whose atoms were seen are then confirmed by RE2 on that view.
public final class Classifier: Sendable {
    /// The pack this classifier was built from.
    public let pack: RulePack
    /// The options it was built with.
    public let options: ClassifierOptions
    let tables: RuleTables

    /// Why a validated pack still could not be compiled (e.g. the automaton grew past its limit).
    public struct BuildError: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Compiles `pack`.
    public init(pack: RulePack, options: ClassifierOptions = ClassifierOptions()) throws(BuildError) {
        self.pack = pack
        self.options = options
        do {
            tables = try RuleTables(rules: pack.rules, regexOptions: options.regexOptions, maxAutomatonStates: options.maxAutomatonStates)
        } catch {
            throw BuildError(description: error.message)
        }
    }

    /// The pack's rules; `RuleHit.rule` indexes this array.
    public var rules: [Rule] { pack.rules }

    /// Size facts for `rules check` and benchmarks.
    public var statistics: (automatonStates: Int, automatonPatterns: Int, automatonBytes: Int, prefilteredRegexes: Int, unfilteredRegexes: Int) {
        (tables.automaton.stateCount, tables.automaton.patternCount, tables.automaton.memoryBytes, tables.regexes.count, tables.unfilteredRules.count)
    }

    /// Fresh scratch sized for this classifier. Make one per thread and reuse it.
    public func makeScratch() -> ClassificationScratch {
        ClassificationScratch(ruleCount: pack.rules.count, slotCount: tables.slots.count, regexCount: tables.regexes.count)
    }

    /// Classifies one convenience-string text, allocating scratch for the call. Use
    /// `classify(_:using:)` on hot paths.
    public func classify(_ text: String) -> Verdict {
        classify(text, using: makeScratch())
    }

    /// Classifies `text` with the caller's scratch.
    public func classify(_ text: String, using scratch: ClassificationScratch) -> Verdict {
        var text = text
        return text.withUTF8 { classify(UnsafeRawBufferPointer($0), using: scratch) }
    }

    /// Classifies the UTF-8 bytes of one request's text.
    ///
    /// Pure-ASCII text is scanned once, standing for both the raw and the sanitised view. Other
    /// text is scanned raw, then sanitised (unless sanitising changed nothing).
    /// - Complexity: O(n) in the text length plus the cost of confirming candidate regexes.
    public func classify(_ text: UnsafeRawBufferPointer, using scratch: ClassificationScratch) -> Verdict {
        precondition(scratch.ruleCount == pack.rules.count && scratch.slotCount == tables.slots.count && scratch.regexCount == tables.regexes.count,
                     "scratch was made by a different classifier")
        var indeterminate: Indeterminate? = nil
        var inspected = text
        if text.count > options.maxTextBytes {
            inspected = UnsafeRawBufferPointer(rebasing: text[0..<options.maxTextBytes])
            indeterminate = .oversize
        }
        scratch.beginRequest()
        var failed = false
        if Sanitiser.isASCII(inspected) {
            failed = !scan(inspected, views: .defaults, using: scratch)
        } else {
            failed = !scan(inspected, views: .rawOnly, using: scratch)
            Sanitiser.sanitise(inspected, into: &scratch.sanitised)
            let unchanged = scratch.sanitised.withUnsafeBytes { $0.elementsEqual(inspected) }
            if !unchanged {
                let sanitisedFailed = scratch.sanitised.withUnsafeBytes { !scan($0, views: .sanitisedOnly, using: scratch) }
                failed = failed || sanitisedFailed
            }
        }
        if failed && indeterminate == nil { indeterminate = .regexFailure }
        return verdict(from: scratch, indeterminate: indeterminate)
    }

    /// One automaton pass over `view`, standing for `views`, then regex confirmation and the
    /// pass's exceptions. Returns false if RE2 could not finish a search.
    private func scan(_ view: UnsafeRawBufferPointer, views: ViewSet, forms: TermForms = .plain, using scratch: ClassificationScratch) -> Bool {
        scratch.beginPass()
        let generation = scratch.passGeneration
        let mask = views.rawValue
        tables.actionStart.withUnsafeBufferPointer { actionStart in
            tables.actions.withUnsafeBufferPointer { actions in
                tables.slots.withUnsafeBufferPointer { slots in
                    tables.clauses.withUnsafeBufferPointer { clauses in
                        tables.ruleViews.withUnsafeBufferPointer { ruleViews in
                            tables.patternForms.withUnsafeBufferPointer { patternForms in
                                var collector = HitCollector(actionStart: actionStart, actions: actions, slots: slots, clauses: clauses,
                                                             ruleViews: ruleViews, patternForms: patternForms, forms: forms.rawValue,
                                                             scratch: scratch, viewMask: mask, generation: generation,
                                                             regexWindow: options.regexWindowBytes)
                                tables.automaton.scan(view, into: &collector)
                            }
                        }
                    }
                }
            }
        }
        var complete = true
        func holds(_ rule: Int) -> Bool {
            tables.ruleViews[rule] & mask != 0
                && scratch.triggeredGeneration[rule] != generation
                && scratch.exceptedGeneration[rule] != generation
                && scratch.firedGeneration[rule] != scratch.requestGeneration
        }
        func trigger(_ rule: Int, _ span: Range<Int>) {
            scratch.triggeredGeneration[rule] = generation
            scratch.triggeredSpan[rule] = span
            scratch.touchedRules[scratch.touchedCount] = UInt32(rule)
            scratch.touchedCount += 1
        }
        // Candidates whose rule is still undecided: each regex runs only inside the windows around
        // its atoms (or on the whole view when it had too many), and stops at its first match.
        for index in 0..<scratch.candidateCount {
            let candidate = Int(scratch.candidates[index])
            let regex = tables.regexes[candidate]
            let rule = Int(regex.rule)
            guard holds(rule) else { continue }
            let count = Int(scratch.windowCounts[candidate])
            if count == Int(ClassificationScratch.windowOverflow) {
                if let span = regex.pattern.firstMatch(in: view) { trigger(rule, span) }
                continue
            }
            let base = candidate * ClassificationScratch.maxWindows * 2
            for window in 0..<count {
                let lower = max(0, scratch.windowBounds[base + window * 2])
                let upper = min(view.count, scratch.windowBounds[base + window * 2 + 1])
                if let span = regex.pattern.firstMatch(in: view, range: lower..<upper) {
                    trigger(rule, span)
                    break
                }
            }
        }
        if let unfiltered = tables.unfiltered {
            do {
                // The allocation-free "any?" pass first, so the clean path allocates nothing.
                if try unfiltered.matchesAny(in: view) {
                    try unfiltered.matches(in: view, scratch: scratch.setScratch) { index in
                        let rule = Int(tables.unfilteredRules[index])
                        if holds(rule) { trigger(rule, 0..<view.count) }
                    }
                }
            } catch {
                complete = false
            }
        }
        let reported = views.contains(.raw) ? ViewKind.raw : ViewKind.sanitised
        for index in 0..<scratch.touchedCount {
            let rule = Int(scratch.touchedRules[index])
            guard scratch.exceptedGeneration[rule] != generation, scratch.firedGeneration[rule] != scratch.requestGeneration else { continue }
            scratch.firedGeneration[rule] = scratch.requestGeneration
            scratch.firedRules[scratch.firedCount] = UInt32(rule)
            scratch.firedView[rule] = tables.ruleViews[rule] & reported.bit != 0 ? reported : .sanitised
            scratch.firedSpan[rule] = scratch.triggeredSpan[rule]
            scratch.firedCount += 1
        }
        return complete
    }

    /// Collects the request's fired rules into a verdict. Allocates only when a rule fired.
    private func verdict(from scratch: ClassificationScratch, indeterminate: Indeterminate?) -> Verdict {
        guard scratch.firedCount > 0 else {
            return indeterminate == nil ? .clean : Verdict(risky: false, score: 0, hits: [], indeterminate: indeterminate)
        }
        let fired = UnsafeMutableBufferPointer(rebasing: scratch.firedRules[0..<scratch.firedCount])
        // Insertion sort: few rules fire, and the standard sort may allocate a merge buffer.
        for index in fired.indices.dropFirst() {
            let value = fired[index]
            var position = index
            while position > 0 && fired[position - 1] > value {
                fired[position] = fired[position - 1]
                position -= 1
            }
            fired[position] = value
        }
        var hits: [RuleHit] = []
        hits.reserveCapacity(fired.count)
        var score = 0.0
        var risky = false
        for rule in fired {
            let index = Int(rule)
            hits.append(RuleHit(rule: index, view: scratch.firedView[index], span: scratch.firedSpan[index]))
            if tables.ruleEnforced[index] {
                risky = true
                score += pack.rules[index].severity.weight
            }
        }
        return Verdict(risky: risky, score: score, hits: hits, indeterminate: indeterminate)
    }
}

extension Verdict {
    /// The distinct categories of the enforce-mode rules that fired, in rule order.
    public func categories(in rules: [Rule]) -> [String] {
        var result: [String] = []
        for hit in hits where rules[hit.rule].mode == .enforce && !result.contains(rules[hit.rule].category) {
            result.append(rules[hit.rule].category)
        }
        return result
    }
}
