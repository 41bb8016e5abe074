import CRE2

/// Options for compiling RE2 patterns. Every default is written here once.
public struct RE2Options: Sendable, Hashable {
    /// Match ASCII and Unicode letters case-insensitively (RE2's simple case folding).
    public var caseInsensitive: Bool = true
    /// RE2's memory budget per compiled object: program plus lazy-DFA cache. RE2's own default,
    /// 8 MiB, silently slows a large set 10-15x once its cache thrashes; 64 MiB keeps the cache warm
    /// for packs of thousands of patterns. Applies per object, so it bounds, not reserves, memory.
    public var maxMemory: Int = 64 << 20
    /// Creates options with the defaults above.
    public init(caseInsensitive: Bool = true, maxMemory: Int = 64 << 20) {
        self.caseInsensitive = caseInsensitive
        self.maxMemory = maxMemory
    }

    var c: cre2_options { cre2_options(case_insensitive: caseInsensitive ? 1 : 0, max_mem: Int64(maxMemory)) }
}

/// Why an RE2 search could not answer "match" or "no match". A failed search is indeterminate:
/// callers must never read it as "no match".
public enum RE2MatchFailure: Error, Sendable, Equatable {
    /// The lazy DFA exhausted its memory budget (RE2::Set only; a single RE2 falls back to the NFA).
    case outOfMemory
    /// The object was never successfully compiled.
    case notCompiled
    /// RE2 reported an inconsistent result.
    case inconsistent
}

/// One compiled RE2 regular expression. Immutable after `init`; safe to match from many threads.
public final class RE2Pattern: @unchecked Sendable {
    // SAFETY (Sendable): `handle` is written once in init and freed in deinit; RE2 objects are
    // thread-safe for concurrent matching once constructed.
    private let handle: OpaquePointer
    /// The pattern text as given.
    public let pattern: String

    /// A pattern RE2 refused, with RE2's message.
    public struct CompileError: Error, Sendable, CustomStringConvertible {
        /// RE2's explanation, e.g. "invalid perl operator: (?<".
        public var description: String
    }

    /// Compiles `pattern`.
    /// - Throws: `CompileError` with RE2's message if the pattern is invalid or too large for `options.maxMemory`.
    public init(_ pattern: String, options: RE2Options = RE2Options()) throws(CompileError) {
        var text = pattern
        let handle = text.withUTF8 { cre2_regex_new(UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self), $0.count, options.c)! }
        guard cre2_regex_ok(handle) != 0 else {
            let message = String(cString: cre2_regex_error(handle))
            cre2_regex_delete(handle)
            throw CompileError(description: message)
        }
        self.handle = handle
        self.pattern = pattern
    }

    deinit { cre2_regex_delete(handle) }

    /// RE2's program size, a measure of the compiled pattern's cost (used for load-time ceilings).
    public var programSize: Int { Int(cre2_regex_program_size(handle)) }

    /// Finds the leftmost match in `text`, returning its byte span.
    /// - Complexity: O(n) in `text.count` (RE2's lazy DFA, falling back to the NFA; never backtracks).
    public func firstMatch(in text: UnsafeRawBufferPointer) -> Range<Int>? {
        var start = 0, end = 0
        let base = text.baseAddress?.assumingMemoryBound(to: UInt8.self)
        let status = cre2_regex_match(handle, base, text.count, &start, &end)
        return status == CRE2_MATCH ? start..<end : nil
    }

    /// Finds the leftmost match that lies inside `range` of `text`. The bytes around `range` are
    /// context for `\b` and `^`, so the answer is the one the whole text would give there.
    /// - Complexity: O(`range.count`) plus the context RE2 reads at the edges.
    public func firstMatch(in text: UnsafeRawBufferPointer, range: Range<Int>) -> Range<Int>? {
        guard range.lowerBound >= 0, range.upperBound <= text.count else { return nil }
        var start = 0, end = 0
        let base = text.baseAddress?.assumingMemoryBound(to: UInt8.self)
        let status = cre2_regex_match_range(handle, base, text.count, range.lowerBound, range.upperBound, &start, &end)
        return status == CRE2_MATCH ? start..<end : nil
    }

    /// Convenience over `firstMatch(in:)` for `[UInt8]` and `String` tests and tools.
    public func firstMatch(in text: String) -> Range<Int>? {
        var copy = text
        return copy.withUTF8 { firstMatch(in: UnsafeRawBufferPointer($0)) }
    }
}

/// The literal atoms RE2's FilteredRE2 derives for one pattern (compared case-insensitively; atoms
/// come back lowercased).
public enum RE2Atoms {
    /// Computes one sufficient group of atoms of `pattern` (the rarest): if the pattern matches a
    /// text, at least one of them occurs in it. Atoms shorter than `minimumLength` bytes are
    /// dropped; an empty list means the pattern has no usable prefilter and must run on every text.
    /// - Throws: `RE2Pattern.CompileError` if the pattern does not compile.
    public static func atoms(of pattern: String, options: RE2Options = RE2Options(), minimumLength: Int = 3) throws(RE2Pattern.CompileError) -> [[UInt8]] {
        try groups(of: pattern, options: options, minimumLength: minimumLength, maxGroups: 1).first ?? []
    }

    /// Computes up to `maxGroups` disjoint groups of atoms, rarest first: if the pattern matches a
    /// text, an atom of every group occurs in it. No groups means no usable prefilter.
    /// - Throws: `RE2Pattern.CompileError` if the pattern does not compile.
    public static func groups(of pattern: String, options: RE2Options = RE2Options(), minimumLength: Int = 3, maxGroups: Int = 3) throws(RE2Pattern.CompileError) -> [[[UInt8]]] {
        var text = pattern
        let handle = text.withUTF8 { cre2_atoms_new(UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self), $0.count, options.c, Int32(minimumLength), Int32(maxGroups)) }
        guard let handle else { throw RE2Pattern.CompileError(description: "pattern does not compile") }
        defer { cre2_atoms_delete(handle) }
        var result: [[[UInt8]]] = []
        for group in 0..<cre2_atoms_group_count(handle) {
            var atoms: [[UInt8]] = []
            for index in 0..<cre2_atoms_count(handle, group) {
                var length = 0
                let bytes = cre2_atoms_at(handle, group, index, &length)!
                // SAFETY: cre2_atoms_at returns `length` valid bytes owned by `handle`, alive until the defer.
                atoms.append(Array(UnsafeRawBufferPointer(start: bytes, count: length)))
            }
            result.append(atoms)
        }
        return result
    }

    /// The groups a prefilter uses (see `groups`): literals of `minimumLength` bytes or more, or,
    /// when the pattern has none, shorter ones that prose rarely contains: with a symbol that is
    /// not everyday punctuation (`\x`, `()`, `=`, `:;`), or with both a digit and a letter (`0x`).
    /// Each group is a necessary condition on its own, so groups with a common atom (`or`, `1`,
    /// `,`, a space) are simply left out. No groups means the pattern runs on every text.
    /// - Throws: `RE2Pattern.CompileError` if the pattern does not compile.
    public static func prefilterGroups(of pattern: String, options: RE2Options = RE2Options(), minimumLength: Int = 3,
                                       maxGroups: Int = 3) throws(RE2Pattern.CompileError) -> [[[UInt8]]] {
        let groups = try groups(of: pattern, options: options, minimumLength: minimumLength, maxGroups: maxGroups)
        guard groups.isEmpty else { return groups }
        for length in stride(from: minimumLength - 1, through: 1, by: -1) {
            let rare = try self.groups(of: pattern, options: options, minimumLength: length, maxGroups: 8)
                .filter { group in group.allSatisfy(isRareInProse) }
            if !rare.isEmpty { return Array(rare.prefix(maxGroups)) }
        }
        return []
    }

    /// Whether a short atom is rare in ordinary text (see `prefilterGroups`).
    static func isRareInProse(_ atom: [UInt8]) -> Bool {
        let everyday = Set(" \t\n\r,.'\"-?!".utf8)
        let isLetter = { (byte: UInt8) in (byte | 0x20) &- 0x61 < 26 }
        let isDigit = { (byte: UInt8) in byte &- 0x30 < 10 }
        if atom.contains(where: { !isLetter($0) && !isDigit($0) && !everyday.contains($0) }) { return true }
        return atom.contains(where: isLetter) && atom.contains(where: isDigit)
    }
}
