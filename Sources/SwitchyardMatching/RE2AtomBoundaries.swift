/// Where a regex's prefilter atom must sit in any match: after a non-word byte, before one.
///
/// FilteredRE2 gives atoms as bare strings, so "rat" from `\b(rat|worm)\s+in` hits inside
/// "generate", "rate" and "separate" and sends RE2 to confirm windows that cannot match. When the
/// pattern itself puts a boundary around the alternative the atom comes from, a hit without that
/// boundary cannot be the one a match needs, and the automaton can drop it. Conservative: an atom
/// gets a boundary only when
/// - it is a whole alternative of one or more literal groups (`(a|b)` or `(?:a|b)`: letters,
///   digits, spaces, `_ - '` and UTF-8, not quantified), each with `\b`, `\s` or `\W` (or `^`,
///   `$`) on that side, and no alternative of any literal group holds it inside a longer one
///   (FilteredRE2 lets "spread" stand for "spreads");
/// - the rest of the pattern (those groups blanked) does not contain it, has no character class
///   and no byte escape that could spell it;
/// - and RE2 derives no atom from the rest that contains it or lies inside it.
/// Boundaries are ASCII, as RE2's `\b` is: a byte >= 0x80 is not a word byte.
public enum RE2AtomBoundaries {
    /// The boundaries `atom` (lowercase, as FilteredRE2 gives it) has in every match of `pattern`.
    public static func boundaries(of atom: [UInt8], in pattern: String, options: RE2Options = RE2Options())
        -> (before: Bool, after: Bool) {
        let source = lowercasedLiterals(Array(pattern.utf8))
        guard atom.count >= 1 else { return (false, false) }
        var occurrences = 0
        var before = true, after = true
        var rest = source
        var index = 0
        while index < source.count {
            guard source[index] == UInt8(ascii: "("), !isEscaped(source, index), let group = literalGroup(source, open: index) else {
                index += 1
                continue
            }
            // FilteredRE2 keeps one atom for alternatives that contain it ("spread" stands for
            // "spreads" and "spreading" too), where it does not end the word: any such group
            // leaves the atom unbounded.
            if group.alternatives.contains(where: { $0 != atom && contains($0, atom) }) { return (false, false) }
            if group.alternatives.contains(atom) {
                occurrences += 1
                before = before && boundaryBefore(source, index)
                after = after && boundaryAfter(source, group.close)
                // The placeholder keeps the rest a valid pattern that cannot spell the atom.
                for position in index...group.close { rest[position] = UInt8(ascii: "#") }
            }
            index = group.close + 1
        }
        guard occurrences > 0, before || after else { return (false, false) }
        if contains(rest, atom) || rest.contains(UInt8(ascii: "[")) || hasLiteralEscape(rest) { return (false, false) }
        // RE2's own reading of the rest: no atom it derives may overlap this one.
        let restPattern = String(decoding: rest, as: UTF8.self)
        guard let groups = try? RE2Atoms.groups(of: restPattern, options: options, maxGroups: 64) else { return (false, false) }
        for other in groups.joined() where contains(other, atom) || contains(atom, other) { return (false, false) }
        return (before, after)
    }

    /// An unquantified group of literal alternatives opening at `open`: its alternatives and the
    /// index of its `)`.
    static func literalGroup(_ source: [UInt8], open: Int) -> (alternatives: [[UInt8]], close: Int)? {
        var cursor = open + 1
        if cursor + 1 < source.count, source[cursor] == UInt8(ascii: "?"), source[cursor + 1] == UInt8(ascii: ":") { cursor += 2 }
        var alternatives: [[UInt8]] = []
        var current: [UInt8] = []
        while cursor < source.count {
            let byte = source[cursor]
            if byte == UInt8(ascii: ")") {
                guard !current.isEmpty else { return nil }
                alternatives.append(current)
                let next = cursor + 1 < source.count ? source[cursor + 1] : 0
                if next == UInt8(ascii: "?") || next == UInt8(ascii: "*") || next == UInt8(ascii: "+") || next == UInt8(ascii: "{") { return nil }
                return (alternatives, cursor)
            }
            if byte == UInt8(ascii: "|") {
                guard !current.isEmpty else { return nil }
                alternatives.append(current)
                current = []
            } else if isLiteral(byte) {
                current.append(byte)
            } else {
                return nil
            }
            cursor += 1
        }
        return nil
    }

    static func isLiteral(_ byte: UInt8) -> Bool {
        (0x61...0x7A).contains(byte) || (0x30...0x39).contains(byte) || byte >= 0x80
            || byte == UInt8(ascii: " ") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "'")
    }

    /// Whether the byte at `index` is escaped (an odd number of backslashes before it).
    static func isEscaped(_ source: [UInt8], _ index: Int) -> Bool {
        var backslashes = 0
        var cursor = index - 1
        while cursor >= 0, source[cursor] == UInt8(ascii: "\\") {
            backslashes += 1
            cursor -= 1
        }
        return backslashes % 2 == 1
    }

    /// Whether `\b`, `\s`, `\s+`, `\W`, `\W+` or `^` ends just before `open`.
    static func boundaryBefore(_ source: [UInt8], _ open: Int) -> Bool {
        var end = open
        if end > 0, source[end - 1] == UInt8(ascii: "+") { end -= 1 }
        if end == open, open > 0, source[open - 1] == UInt8(ascii: "^"), !isEscaped(source, open - 1) { return true }
        guard end >= 2, source[end - 2] == UInt8(ascii: "\\"), !isEscaped(source, end - 2) else { return false }
        let letter = source[end - 1]
        return letter == UInt8(ascii: "b") && end == open || letter == UInt8(ascii: "s") || letter == UInt8(ascii: "W")
    }

    /// Whether `\b`, `\s`, `\W` or `$` follows the `)` at `close`.
    static func boundaryAfter(_ source: [UInt8], _ close: Int) -> Bool {
        guard close + 1 < source.count else { return false }
        if source[close + 1] == UInt8(ascii: "$") { return true }
        guard close + 2 < source.count, source[close + 1] == UInt8(ascii: "\\") else { return false }
        let letter = source[close + 2]
        return letter == UInt8(ascii: "b") || letter == UInt8(ascii: "s") || letter == UInt8(ascii: "W")
    }

    /// Escapes that spell a literal byte or scalar (`\x`, `\Q`, octal digits) or a class.
    static func hasLiteralEscape(_ source: [UInt8]) -> Bool {
        for index in 0..<max(source.count - 1, 0) where source[index] == UInt8(ascii: "\\") && !isEscaped(source, index) {
            let next = source[index + 1]
            if next == UInt8(ascii: "x") || next == UInt8(ascii: "Q") || next == UInt8(ascii: "p") || next == UInt8(ascii: "P")
                || next == UInt8(ascii: "C") || (0x30...0x37).contains(next) { return true }
        }
        return false
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, needle.count <= haystack.count else { return needle.isEmpty }
        for start in 0...(haystack.count - needle.count) where haystack[start..<start + needle.count].elementsEqual(needle) { return true }
        return false
    }

    /// The pattern with ASCII letters lowercased, except the letter of an escape (`\W` is not `\w`).
    static func lowercasedLiterals(_ source: [UInt8]) -> [UInt8] {
        var result = source
        var index = 0
        while index < result.count {
            if result[index] == UInt8(ascii: "\\") {
                index += 2
                continue
            }
            if (0x41...0x5A).contains(result[index]) { result[index] |= 0x20 }
            index += 1
        }
        return result
    }
}
