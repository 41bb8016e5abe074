import SwitchyardMatching

/// A rule pack compiled into flat tables for the scan: a keyword automaton per kind of pass
/// (plain, skeleton, joined) over every literal form that pass reads (keywords, `near` terms,
/// `unless` terms, regex prefilter atoms) and, per automaton pattern, the list of actions a hit on
/// it triggers. Separate automata keep each one small enough for the cache and keep a pass from
/// reporting hits on forms it would ignore.
///
/// An action is one `UInt32`: the top two bits say what it does, the next two are word-boundary
/// conditions of its own (see `PatternAssembler`), the low 28 bits name its target.
///
///     fire       rule      the rule's keyword occurred
///     nearTerm   list      a term of one distinct `near` list occurred
///     except     group     a term of one `unless` group occurred (see `ExceptionGroups`)
///     candidate  regex·4+g an atom of group g of the regex occurred: once every group has
///                          occurred, confirm it with RE2 after the scan
final class RuleTables: Sendable {
    enum ActionKind: UInt32 {
        case fire = 0, nearTerm = 1, except = 2, candidate = 3
    }

    static let kindShift: UInt32 = 30
    /// Bits 28-29: the action's own boundary conditions, as `KeywordAutomaton` flags (1: nothing
    /// word-like before the hit, 2: nothing word-like after it).
    static let boundaryShift: UInt32 = 28
    static let targetMask: UInt32 = (1 << 28) - 1

    static func action(_ kind: ActionKind, _ target: Int) -> UInt32 { kind.rawValue << kindShift | UInt32(target) }

    /// One `near` clause: its distinct lists are `clauseLists[firstList ..< firstList + listCount]`,
    /// and the first of them is its anchor.
    struct NearClauseTable: Sendable {
        var rule: UInt32
        var firstList: UInt32
        var listCount: UInt32
        var within: Int
    }

    /// One distinct `near` list, shared by every clause that uses it (a verb list may sit in
    /// dozens). `listClauses[anchorStart ..< memberStart]` are the clauses it anchors and
    /// `listClauses[memberStart ..< memberEnd]` those it is another member of.
    ///
    /// Each clause is anchored on its least shared list, so common words ("write", "code") rarely
    /// anchor anything. A hit on an anchor tests its clauses at once and arms their other lists
    /// for the clause's distance; a hit on any other list tests its clauses only while armed. So a
    /// clause is still tested whenever its last term arrives, and a verb in plain prose costs one
    /// store and one comparison.
    struct NearListTable: Sendable {
        var anchorStart: UInt32
        var memberStart: UInt32
        var memberEnd: UInt32
    }

    /// One regex of one rule.
    struct RegexEntry: Sendable {
        var rule: UInt32
        var pattern: RE2Pattern
    }

    /// Per regex: one bit per atom group; a regex is confirmed only where an atom of every group
    /// occurred within `regexWindowBytes`.
    let regexGroupMasks: FlatTable<UInt8>
    /// Atom groups per regex at most (each group is a necessary condition, so more groups mean
    /// fewer candidates; FilteredRE2 rarely yields more than three disjoint ones).
    static let maxAtomGroups = 3  // `HitCollector.candidateAtom` reads exactly three slots
    /// A candidate action's target is `regex << groupShift | group`.
    static let groupShift: UInt32 = 2

    /// The automaton of one kind of pass and what its patterns do. A hit reports an offset into
    /// `program`: there, one header word (the pattern's `TermForms` in the low byte, its action
    /// count above) and then its actions, so a hit reads one place, usually one cache line.
    final class PassTables: Sendable {
        let automaton: KeywordAutomaton
        let program: FlatTable<UInt32>

        init(automaton: KeywordAutomaton, program: FlatTable<UInt32>) {
            self.automaton = automaton
            self.program = program
        }

        /// The header word of a pattern with `forms` and `actionCount` actions.
        static func header(forms: UInt8, actionCount: Int) -> UInt32 { UInt32(actionCount) << 8 | UInt32(forms) }
    }

    /// Passes over text as written, sanitised, readable or decoded (`TermForms.plain`).
    let plain: PassTables
    /// Passes over the skeleton view (`TermForms.skeleton`).
    let skeleton: PassTables
    /// Passes over the squeezed view (`TermForms.joined`).
    let joined: PassTables

    /// The tables a pass reading `forms` uses.
    func passTables(for forms: TermForms) -> PassTables {
        forms.contains(.joined) ? joined : forms.contains(.skeleton) ? skeleton : plain
    }

    let nearLists: FlatTable<NearListTable>
    let clauses: FlatTable<NearClauseTable>
    /// The distinct lists of each clause (see `NearClauseTable`).
    let clauseLists: FlatTable<UInt32>
    /// The clauses of each list (see `NearListTable`).
    let listClauses: FlatTable<UInt32>
    /// Regexes with prefilter atoms: confirmed only when an atom was seen.
    let regexes: [RegexEntry]
    /// Per regex, its rule (`regexes[i].rule`, flat for the hit collector).
    let regexRules: FlatTable<UInt32>
    /// Regexes without usable atoms, run on every view, as one RE2::Set; `unfilteredRules[i]` owns
    /// pattern `i` of the set.
    let unfiltered: RE2PatternSet?
    let unfilteredRules: [UInt32]
    /// The `unless` groups of rule r are `ruleExceptionGroups[ruleExceptionStart[r] ..<
    /// ruleExceptionStart[r + 1]]` (see `ExceptionGroups`).
    let ruleExceptionStart: FlatTable<UInt32>
    let ruleExceptionGroups: FlatTable<UInt32>
    let exceptionGroupCount: Int
    /// Per rule: the `ViewSet` bits it runs on.
    let ruleViews: FlatTable<UInt8>
    /// Whether some rule reads the sanitised view but not the raw one (then the sanitised pass
    /// must read the whole view, not just the places sanitising changed).
    let hasSanitisedOnlyRules: Bool
    /// Per rule: 1 for enforce, 0 for shadow and evidence.
    let ruleEnforced: [Bool]
    /// Per rule: whether it is an evidence rule (a feature of the scoring model).
    let ruleIsEvidence: [Bool]
    /// Bytes a derived view covers on each side of a place where it can differ from the text: far
    /// enough for the longest `near` clause or regex window plus the exception distance.
    let windowRadius: Int
    /// Newlines between two windows of a derived view: more than any rule can span.
    let windowSeparatorBytes: Int

    /// Why a pack could not be compiled (each names the rule).
    struct BuildFailure: Error {
        var message: String
    }


    /// Terms shorter than this get no ROT13 or reversed forms (short ones collide with real words).
    static let minimumTransformedTermBytes = 4

    /// Compiles `rules`; regexes found in `compiled` (by source and `regexOptions`) are not compiled again.
    init(rules: [Rule], compiled: [CompiledPatternKey: RE2Pattern] = [:], regexOptions: RE2Options, maxAutomatonStates: Int, regexWindowBytes: Int,
         exceptionDistance: Int) throws(BuildFailure) {
        var assembler = FormAssembler()
        var nearLists = NearListBuilder()
        var regexes: [RegexEntry] = []
        var regexGroupMasks: [UInt8] = []
        var unfilteredPatterns: [String] = []
        var unfilteredRules: [UInt32] = []
        let exceptions = ExceptionGroups(rules: rules)
        for (term, group) in exceptions.terms { assembler.add(term, action: Self.action(.except, group)) }
        for (index, rule) in rules.enumerated() {
            // Evidence rules are features of plain prose: their terms get no ROT13, reversed or
            // boundary-free (joined) forms, which would triple the automaton for a lexicon of tens
            // of thousands of terms. Disguised text is the enforce rules' business.
            let lean = rule.mode == .evidence
            for keyword in rule.keywords { assembler.add(keyword, action: Self.action(.fire, index), transformed: !lean, lean: lean) }
            for clause in rule.near {
                nearLists.addClause(rule: index, lists: clause.lists, within: clause.within, lean: lean)
            }
            for source in rule.patterns {
                let compiledPattern: RE2Pattern
                let groups: [[[UInt8]]]
                do {
                    if let loaded = compiled[CompiledPatternKey(source: source, options: regexOptions)] {
                        compiledPattern = loaded
                    } else {
                        compiledPattern = try RE2Pattern(source, options: regexOptions)
                    }
                    groups = try RE2Atoms.prefilterGroups(of: source, options: regexOptions, maxGroups: Self.maxAtomGroups)
                } catch {
                    throw BuildFailure(message: "\(rule.location): rule \(rule.id): pattern `\(source)`: \(error.description)")
                }
                if groups.isEmpty {
                    unfilteredPatterns.append(source)
                    unfilteredRules.append(UInt32(index))
                } else {
                    let groups = Self.withoutCommonWordGroups(groups)
                    let regex = regexes.count
                    regexes.append(RegexEntry(rule: UInt32(index), pattern: compiledPattern))
                    regexGroupMasks.append(UInt8((1 << groups.count) - 1))
                    for (group, atoms) in groups.enumerated() {
                        for atom in atoms {
                            // The pattern's own boundaries around the atom ride on the action (checked
                            // with RE2's ASCII word bytes), never on the shared automaton pattern.
                            let (before, after) = RE2AtomBoundaries.boundaries(of: atom, in: source, options: regexOptions)
                            let boundaries = UInt32(before ? 1 : 0) | UInt32(after ? 2 : 0)
                            assembler.add(atom, wordStart: false, wordEnd: false, form: .plain,
                                          action: Self.action(.candidate, regex << Int(Self.groupShift) | group) | boundaries << Self.boundaryShift)
                        }
                    }
                }
            }
        }
        guard rules.count < Int(Self.targetMask), nearLists.count < Int(Self.targetMask), regexes.count < Int(Self.targetMask >> Self.groupShift),
              exceptions.count < Int(Self.targetMask) else {
            throw BuildFailure(message: "pack too large: more than \(Self.targetMask) rules, near lists, regexes or unless groups")
        }
        let near = nearLists.build()
        // ROT13 and reversed forms only mark where to decode, and a clause needs its anchor, so
        // anchor lists carry them, and the other lists only of clauses whose anchor has a term
        // too short for them: the shared verb lists would double the automaton.
        for (list, terms) in near.terms.enumerated() {
            for term in terms {
                assembler.add(term, action: Self.action(.nearTerm, list), transformed: near.needsTransformedForms[list], lean: near.onlyEvidence[list])
            }
        }
        plain = try assembler.plain.compile(name: "plain", maxStates: maxAutomatonStates)
        skeleton = try assembler.skeleton.compile(name: "skeleton", maxStates: maxAutomatonStates)
        joined = try assembler.joined.compile(name: "joined", maxStates: maxAutomatonStates)
        clauses = FlatTable(near.clauses)
        clauseLists = FlatTable(near.clauseLists)
        self.nearLists = FlatTable(near.lists)
        listClauses = FlatTable(near.listClauses)
        self.regexes = regexes
        regexRules = FlatTable(regexes.map(\.rule))
        self.regexGroupMasks = FlatTable(regexGroupMasks)
        self.unfilteredRules = unfilteredRules
        if unfilteredPatterns.isEmpty {
            unfiltered = nil
        } else {
            do {
                unfiltered = try RE2PatternSet(unfilteredPatterns, options: regexOptions)
            } catch {
                throw BuildFailure(message: "patterns without prefilter atoms: \(error.description)")
            }
        }
        var starts: [UInt32] = [0]
        for groups in exceptions.groupsOfRule { starts.append(starts[starts.count - 1] + UInt32(groups.count)) }
        ruleExceptionStart = FlatTable(starts)
        ruleExceptionGroups = FlatTable(exceptions.groupsOfRule.flatMap { $0.map(UInt32.init) })
        exceptionGroupCount = exceptions.count
        ruleViews = FlatTable(rules.map(\.views.rawValue))
        hasSanitisedOnlyRules = rules.contains { $0.views.isSuperset(of: .sanitisedOnly) && !$0.views.isSuperset(of: .rawOnly) }
        ruleEnforced = rules.map { $0.mode == .enforce }
        ruleIsEvidence = rules.map { $0.mode == .evidence }
        let longestNear = rules.flatMap(\.near).map(\.within).max() ?? 0
        windowRadius = max(longestNear, regexWindowBytes) + max(exceptionDistance, 0)
        windowSeparatorBytes = windowRadius + 1
    }

    /// `unless` terms grouped by the exact set of rules that use them. A list of defensive phrases
    /// that most rules share is then one group: a hit on one of its phrases records one exception
    /// span for the group, not one per rule, and each rule checks the groups it uses.
    struct ExceptionGroups {
        /// Every distinct term, in the pack's order, with its group.
        private(set) var terms: [(Term, Int)] = []
        /// Per rule: its groups.
        private(set) var groupsOfRule: [[Int]]
        private(set) var count = 0

        init(rules: [Rule]) {
            var rulesOfTerm: [Term: [Int]] = [:]
            var order: [Term] = []
            for (index, rule) in rules.enumerated() {
                for term in rule.unless {
                    if rulesOfTerm[term] == nil { order.append(term) }
                    if rulesOfTerm[term, default: []].last != index { rulesOfTerm[term, default: []].append(index) }
                }
            }
            var groupIDs: [[Int]: Int] = [:]
            groupsOfRule = Array(repeating: [], count: rules.count)
            for term in order {
                let users = rulesOfTerm[term] ?? []
                let group: Int
                if let existing = groupIDs[users] {
                    group = existing
                } else {
                    group = count
                    count += 1
                    groupIDs[users] = group
                    for rule in users { groupsOfRule[rule].append(group) }
                }
                terms.append((term, group))
            }
        }
    }

    /// Deduplicates `near` lists across clauses and picks each clause's anchor.
    private struct NearListBuilder {
        private var listIDs: [Set<Term>: Int] = [:]
        private var terms: [[Term]] = []
        private var shortestTerm: [Int] = []
        private var clauses: [(rule: Int, lists: [Int], within: Int, lean: Bool)] = []
        /// Per list: whether only evidence rules' clauses use it (then its terms are lean).
        private var onlyEvidence: [Bool] = []

        /// Number of distinct lists so far.
        var count: Int { shortestTerm.count }

        /// Adds one clause.
        mutating func addClause(rule: Int, lists: [[Term]], within: Int, lean: Bool = false) {
            var ids: [Int] = []
            for list in lists {
                let key = Set(list)
                let id: Int
                if let existing = listIDs[key] {
                    id = existing
                } else {
                    id = shortestTerm.count
                    listIDs[key] = id
                    shortestTerm.append(list.map(\.text.utf8.count).min() ?? 0)
                    terms.append(list)
                    onlyEvidence.append(true)
                }
                // The same list twice in a clause is one condition: one term satisfies both.
                if !ids.contains(id) { ids.append(id) }
            }
            clauses.append((rule, ids, within, lean))
            if !lean { for id in ids { onlyEvidence[id] = false } }
        }

        /// Flat tables: clauses with their anchor first, and each list's anchored and member
        /// clauses; and per list, its terms and whether they need ROT13 and reversed forms (the
        /// list anchors a clause, or belongs to one whose anchor has a term too short for them).
        func build() -> (clauses: [NearClauseTable], clauseLists: [UInt32], lists: [NearListTable], listClauses: [UInt32], terms: [[Term]],
                         needsTransformedForms: [Bool], onlyEvidence: [Bool]) {
            var uses = [Int](repeating: 0, count: count)
            for clause in clauses { for list in clause.lists { uses[list] += 1 } }
            var tables: [NearClauseTable] = []
            var clauseLists: [UInt32] = []
            var anchored = [[UInt32]](repeating: [], count: count)
            var members = [[UInt32]](repeating: [], count: count)
            var transformed = [Bool](repeating: false, count: count)
            for (index, clause) in clauses.enumerated() {
                // The least shared list, then the one with the longest shortest term: the rarest
                // words in the text, as far as the pack alone can tell.
                let anchor = clause.lists.min { (uses[$0], -shortestTerm[$0], $0) < (uses[$1], -shortestTerm[$1], $1) }!
                tables.append(NearClauseTable(rule: UInt32(clause.rule), firstList: UInt32(clauseLists.count), listCount: UInt32(clause.lists.count), within: clause.within))
                clauseLists.append(UInt32(anchor))
                anchored[anchor].append(UInt32(index))
                if !clause.lean { transformed[anchor] = true }
                let anchorFullyTransformed = shortestTerm[anchor] >= RuleTables.minimumTransformedTermBytes
                for list in clause.lists where list != anchor {
                    if !anchorFullyTransformed && !clause.lean { transformed[list] = true }
                    clauseLists.append(UInt32(list))
                    members[list].append(UInt32(index))
                }
            }
            var lists: [NearListTable] = []
            var listClauses: [UInt32] = []
            for list in 0..<count {
                let anchorStart = UInt32(listClauses.count)
                listClauses += anchored[list]
                let memberStart = UInt32(listClauses.count)
                listClauses += members[list]
                lists.append(NearListTable(anchorStart: anchorStart, memberStart: memberStart, memberEnd: UInt32(listClauses.count)))
            }
            return (tables, clauseLists, lists, listClauses, terms, transformed, onlyEvidence)
        }
    }

    /// Routes every form of every term to the assembler of the pass kinds that read it.
    private struct FormAssembler {
        var plain = PatternAssembler()
        var skeleton = PatternAssembler()
        var joined = PatternAssembler()

        /// Adds one pattern carrying `action` to each kind of pass in `form`, with `form`'s
        /// ROT13 / reversed markers.
        mutating func add(_ bytes: [UInt8], wordStart: Bool, wordEnd: Bool, form: TermForms, action: UInt32) {
            let markers = form.intersection(TermForms.transforms)
            if form.contains(.plain) { plain.add(bytes, wordStart: wordStart, wordEnd: wordEnd, form: markers.union(.plain), action: action) }
            if form.contains(.skeleton) { skeleton.add(bytes, wordStart: wordStart, wordEnd: wordEnd, form: markers.union(.skeleton), action: action) }
            if form.contains(.joined) { joined.add(bytes, wordStart: wordStart, wordEnd: wordEnd, form: markers.union(.joined), action: action) }
        }

        /// Adds every form of `term`: as written, sanitised, ROT13 and reversed (plain passes; the
        /// last two unless `transformed` is false), and its skeleton (skeleton and squeezed passes).
        /// `lean` (evidence-only terms): no ROT13, reversed or joined forms.
        mutating func add(_ term: Term, action: UInt32, transformed: Bool = true, lean: Bool = false) {
            let isException = action >> RuleTables.kindShift == RuleTables.ActionKind.except.rawValue
            let minimum = transformed && !lean ? RuleTables.minimumTransformedTermBytes : Int.max
            for variant in TermVariants.all(of: term, minimumTransformedBytes: minimum, isException: isException, lean: lean) {
                add(variant.bytes, wordStart: variant.wordStart, wordEnd: variant.wordEnd, form: variant.form, action: action)
            }
        }
    }

    /// Atom groups worth their hits. A group with a very common atom (three bytes or fewer, such
    /// as "the", "her", "use", or one of `commonWords`) hits every few words of prose and barely
    /// narrows where a regex can match, so it is left out while another group remains to place the
    /// windows; only a regex with nothing else keeps it. Leaving a group out never loses a match:
    /// every group is only a necessary condition. (On the perf harness's pack and corpus: half the
    /// automaton hits, 40% more RE2 confirmations, 4-8% faster, against keeping it unless two
    /// others remain.)
    static func withoutCommonWordGroups(_ groups: [[[UInt8]]]) -> [[[UInt8]]] {
        let strong = groups.filter { $0.allSatisfy { $0.count > 3 && !commonWords.contains($0) } }
        return strong.count >= 1 ? strong : groups
    }

    /// Words (and the stems FilteredRE2 cuts from them) that occur in most requests of any kind:
    /// requests ask to write, make or explain things with code, data and files.
    static let commonWords: Set<[UInt8]> = Set([
        "write", "writ", "create", "creat", "generate", "generat", "make", "build", "give", "show", "send", "need", "want", "help",
        "find", "list", "take", "turn", "work", "like", "have", "type", "sign", "code", "program", "script", "data", "file", "user",
        "name", "form", "word", "number", "information", "time", "using", "with", "from", "other", "this", "that", "your", "what", "what is",
    ].map { Array($0.utf8) })

    /// Collects one pass kind's automaton patterns, deduplicated by folded bytes and form, each
    /// with the actions a hit on it triggers.
    ///
    /// The same word is often a `near` term (whole words only) and a regex atom (anywhere): one
    /// pattern serves both, so common words cost one hit, not two. The pattern keeps the boundary
    /// conditions all its actions share, and an action that needs more carries them in its
    /// boundary bits, checked on the hit.
    private struct PatternAssembler {
        var patternIDs: [TermKey: Int] = [:]
        var patternBytes: [[UInt8]] = []
        var patternForms: [UInt8] = []
        /// Per pattern: its actions, each with its own boundary flags.
        var actionLists: [[(action: UInt32, flags: UInt8)]] = []

        /// Adds one pattern carrying `action`.
        mutating func add(_ bytes: [UInt8], wordStart: Bool, wordEnd: Bool, form: TermForms, action: UInt32) {
            // The form is part of the key: actions are shared by everything merged into one
            // pattern, so a ROT13 form must never merge with a plain term of the same bytes.
            let key = TermKey(bytes: RuleTables.foldASCII(bytes), form: form.rawValue)
            let id: Int
            if let existing = patternIDs[key] {
                id = existing
            } else {
                id = patternBytes.count
                patternIDs[key] = id
                patternBytes.append(key.bytes)
                patternForms.append(form.rawValue)
                actionLists.append([])
            }
            let flags: UInt8 = (wordStart ? 1 : 0) | (wordEnd ? 2 : 0)
            if let same = actionLists[id].firstIndex(where: { $0.action == action }) {
                actionLists[id][same].flags &= flags  // the weaker condition covers both
            } else {
                actionLists[id].append((action, flags))
            }
        }

        /// Builds the automaton and the program its hits report into.
        func compile(name: String, maxStates: Int) throws(BuildFailure) -> PassTables {
            var builder = KeywordAutomaton.Builder()
            var offsets: [UInt32] = []
            offsets.reserveCapacity(actionLists.count)
            var program: [UInt32] = []
            for (id, list) in actionLists.enumerated() {
                let shared = list.reduce(UInt8(3)) { $0 & $1.flags }
                builder.add(patternBytes[id], wordStart: shared & 1 != 0, wordEnd: shared & 2 != 0)
                offsets.append(UInt32(program.count))
                program.append(PassTables.header(forms: patternForms[id], actionCount: list.count))
                for entry in list {
                    program.append(entry.action | UInt32(entry.flags & ~shared) << RuleTables.boundaryShift)
                }
            }
            guard program.count <= Int(UInt32.max) else { throw BuildFailure(message: "\(name) keyword automaton: too many actions") }
            let automaton: KeywordAutomaton
            do {
                automaton = try builder.build(maxStates: maxStates, reporting: offsets)
            } catch {
                throw BuildFailure(message: "\(name) keyword automaton: \(error)")
            }
            return PassTables(automaton: automaton, program: FlatTable(program))
        }
    }

    /// A deduplicated automaton pattern: folded bytes plus form.
    private struct TermKey: Hashable {
        var bytes: [UInt8]
        var form: UInt8
    }

    /// ASCII letters lowered, as the automaton compares them.
    static func foldASCII(_ bytes: [UInt8]) -> [UInt8] {
        bytes.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
    }

    /// The term as it appears in the sanitised view (NFKC, case folded), so that non-ASCII terms
    /// written in any case or compatibility form match there.
    static func sanitisedForm(of bytes: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        bytes.withUnsafeBytes { _ = Sanitiser.sanitise($0, into: &output) }
        return foldASCII(output)
    }
}
