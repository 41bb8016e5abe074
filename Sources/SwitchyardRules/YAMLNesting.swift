/// A bound on how deeply a YAML file nests, checked before the parser sees it.
///
/// Yams composes nodes recursively, so a file of 5,000 `[` or a line of 6,000 `- ` overflows the
/// stack. Rule, policy and partner files are untrusted input: this scan refuses them first, with
/// the line where the limit was passed. It over-approximates (brackets inside a multi-line quoted
/// string count), which only matters for files far deeper than any real one.
package enum YAMLNesting {
    /// The deepest nesting accepted; real packs and policies nest fewer than ten levels.
    package static let limit = 64

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
