/// Checks on a YAML file's bytes before the parser sees them. Rule, policy and partner files are
/// untrusted input.
///
/// - Nesting: Yams composes nodes recursively, so a file of 5,000 `[` or a line of 6,000 `- `
///   overflows the stack. The scan over-approximates (brackets inside a multi-line quoted string
///   count), which only matters for files far deeper than any real one.
/// - Tags: `!!binary`, `!python/object` and the like would be read as plain strings and silently
///   mean something else than their author meant; none of our formats uses them.
package enum YAMLPrecheck {
    /// The deepest nesting accepted; real packs and policies nest fewer than ten levels.
    package static let limit = 64

    /// The 1-based line of the first node with an explicit tag (`!…`), or nil.
    package static func firstTagLine(_ bytes: [UInt8]) -> Int? {
        var line = 1
        var quote: UInt8 = 0
        var previous = UInt8(ascii: "\n")   // the last byte that was not a space
        var spaced = false                  // a space or tab came after `previous`
        var index = 0
        // A node starts after a line break, `[`, `{` or `,`, or after `-`, `?` or `:` and a space.
        func nodeStarts() -> Bool {
            switch previous {
            case UInt8(ascii: "\n"), UInt8(ascii: "["), UInt8(ascii: "{"), UInt8(ascii: ","): return true
            case UInt8(ascii: "-"), UInt8(ascii: "?"), UInt8(ascii: ":"): return spaced
            default: return false
            }
        }
        while index < bytes.count {
            let byte = bytes[index]
            defer { index += 1 }
            if byte == UInt8(ascii: "\n") { line += 1 }
            if quote != 0 {
                // Inside quotes: only the closing quote matters (`''` is an escaped `'`).
                if byte == UInt8(ascii: "\\") && quote == UInt8(ascii: "\"") { index += 1; continue }
                if byte == quote {
                    if quote == UInt8(ascii: "'") && index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "'") { index += 1; continue }
                    quote = 0
                    previous = byte
                    spaced = false
                }
                continue
            }
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "\t"):
                spaced = true
            case UInt8(ascii: "\n"):
                previous = byte
                spaced = false
            case UInt8(ascii: "#") where spaced || previous == UInt8(ascii: "\n"):
                while index + 1 < bytes.count && bytes[index + 1] != UInt8(ascii: "\n") { index += 1 }
            case UInt8(ascii: "'"), UInt8(ascii: "\""):
                if nodeStarts() { quote = byte }
                previous = byte
                spaced = false
            case UInt8(ascii: "!"):
                if nodeStarts() { return line }
                previous = byte
                spaced = false
            default:
                previous = byte
                spaced = false
            }
        }
        return nil
    }

    /// The 1-based line where `bytes` nests deeper than `limit`, or nil.
    package static func lineExceedingLimit(_ bytes: [UInt8]) -> Int? {
        var line = 1
        var indents: [Int] = []     // indentation of the enclosing block levels
        var flow = 0                // open [ and {
        var index = 0
        let count = bytes.count
        while index < count {
            // Start of a line: indentation, then block sequence dashes ("- - - x").
            var column = 0
            while index < count && bytes[index] == UInt8(ascii: " ") { column += 1; index += 1 }
            let blank = index >= count || bytes[index] == UInt8(ascii: "\n") || bytes[index] == UInt8(ascii: "#")
            if !blank && flow == 0 {
                while let last = indents.last, last >= column { indents.removeLast() }
                indents.append(column)
            }
            var depth = indents.count + flow
            var quote: UInt8 = 0
            var lineStart = true
            while index < count && bytes[index] != UInt8(ascii: "\n") {
                let byte = bytes[index]
                if quote != 0 {
                    if byte == quote { quote = 0 }
                } else if byte == UInt8(ascii: "'") || byte == UInt8(ascii: "\"") {
                    quote = byte
                    lineStart = false
                } else if byte == UInt8(ascii: "#") && (index == 0 || bytes[index - 1] == UInt8(ascii: " ")) {
                    while index < count && bytes[index] != UInt8(ascii: "\n") { index += 1 }
                    break
                } else if byte == UInt8(ascii: "[") || byte == UInt8(ascii: "{") {
                    flow += 1
                    depth += 1
                    lineStart = false
                } else if byte == UInt8(ascii: "]") || byte == UInt8(ascii: "}") {
                    flow = max(0, flow - 1)
                    lineStart = false
                } else if lineStart && (byte == UInt8(ascii: "-") || byte == UInt8(ascii: "?") || byte == UInt8(ascii: ":"))
                            && index + 1 < count && bytes[index + 1] == UInt8(ascii: " ") {
                    depth += 1      // a compact nested sequence or mapping entry on the same line
                    index += 1
                } else if byte != UInt8(ascii: " ") {
                    lineStart = false
                }
                if depth > limit { return line }
                index += 1
            }
            if depth > limit { return line }
            index += 1
            line += 1
        }
        return nil
    }
}
