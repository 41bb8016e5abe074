// A strict RFC 8259 JSON parser over UTF-8 bytes. Pure Swift standard library.
//
// Strictness, in the order checks are applied:
//  1. The whole input is validated as UTF-8 first (Unicode Table 3-7: no overlongs, no encoded
//     surrogates, nothing above U+10FFFF, no truncated sequences). Invalid UTF-8 anywhere wins over
//     any other error and is reported at the offset of the first byte of the ill-formed sequence.
//  2. The grammar is parsed in one pass, reporting the first error in document order:
//     raw control characters (< 0x20) in strings, bad escapes, numbers outside the RFC grammar
//     (no leading zeros, no `+`, no NaN/Infinity), trailing characters after the value → invalid_json;
//     unpaired surrogate escapes → invalid_unicode_escape (`\u0000` is accepted);
//     a key equal to an earlier key of the same object → duplicate_key (at the repeated key's quote);
//     more than `maxDepth` nested arrays/objects → too_deep (at the bracket that is one too many).
//
// The parser is iterative (an explicit container stack), so no input can exhaust the call stack
// whatever `maxDepth` is.

/// A parsed JSON value.
package enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)
}

extension JSONValue {
    /// The string payload, or nil for any other kind of value.
    package var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The object payload, or nil for any other kind of value.
    package var objectValue: JSONObject? {
        if case .object(let o) = self { return o }
        return nil
    }

    /// The array payload, or nil for any other kind of value.
    package var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    /// The boolean payload, or nil for any other kind of value.
    package var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    /// The number payload, or nil for any other kind of value.
    package var numberValue: JSONNumber? {
        if case .number(let n) = self { return n }
        return nil
    }

    /// True for `null`.
    package var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// A short name of the kind of value, for error messages ("string", "object", …).
    package var kindName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .number: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }
}

/// A JSON number kept exactly as written, so that it can be echoed back unchanged.
public struct JSONNumber: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// The literal as written, e.g. "42", "-1.5e3".
    public var literal: String

    public init(literal: String) {
        self.literal = literal
    }

    public init(_ value: Int) {
        self.literal = String(value)
    }

    /// The value as an `Int`, if the literal is an integer that fits.
    public var intValue: Int? { Int(literal) }

    /// The value as a `Double` (nearest representable; may be infinite for huge exponents).
    public var doubleValue: Double? { Double(literal) }

    public var description: String { literal }
}

/// A JSON object with its members in document order.
///
/// Objects produced by `StrictJSON.parse` never hold two keys that compare equal as Swift strings
/// (canonical equivalence), which is stricter than byte equality.
package struct JSONObject: Sendable, Equatable {
    /// The members, in document order.
    package var members: [(key: String, value: JSONValue)]

    package init(_ members: [(key: String, value: JSONValue)] = []) {
        self.members = members
    }

    /// The value of the first member whose key has exactly the UTF-8 bytes of `key`, or nil.
    /// (Exact bytes, like other JSON readers: "\u{212A}ey" (Kelvin sign) does not match "Key".)
    package subscript(key: String) -> JSONValue? {
        for member in members where utf8Equal(member.key, key) {
            return member.value
        }
        return nil
    }

    /// The keys in document order.
    package var keys: [String] { members.map { $0.key } }

    package var count: Int { members.count }

    package var isEmpty: Bool { members.isEmpty }

    /// Order-sensitive equality: same keys (byte for byte) with equal values in the same order.
    package static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.members.count == rhs.members.count else { return false }
        for i in lhs.members.indices {
            let l = lhs.members[i], r = rhs.members[i]
            guard utf8Equal(l.key, r.key), l.value == r.value else { return false }
        }
        return true
    }
}

/// Why `StrictJSON.parse` refused its input.
package struct JSONParseError: Error, Equatable, CustomStringConvertible {
    package enum Code: String, Sendable {
        case invalidJSON = "invalid_json"
        case invalidUTF8 = "invalid_utf8"
        case invalidUnicodeEscape = "invalid_unicode_escape"
        case duplicateKey = "duplicate_key"
        case tooDeep = "too_deep"
    }

    package var code: Code
    /// Byte offset in the input.
    package var offset: Int
    package var message: String
    /// The top-level object's `id` (a string or a number), when it was read before the error, so
    /// an error record can still name its request.
    package var rootID: JSONValue? = nil

    package init(code: Code, offset: Int, message: String) {
        self.code = code
        self.offset = offset
        self.message = message
    }

    /// "<code>: <message> at byte N", e.g. "invalid_json: unexpected end of input at byte 40".
    package var description: String {
        "\(code.rawValue): \(message) at byte \(offset)"
    }
}

package enum StrictJSON {
    /// Parses exactly one JSON value (with optional surrounding whitespace) from `bytes`.
    package static func parse(_ bytes: UnsafeRawBufferPointer, maxDepth: Int = 64) throws(JSONParseError) -> JSONValue {
        if let bad = UTF8Validation.firstInvalidOffset(bytes) {
            throw JSONParseError(code: .invalidUTF8, offset: bad, message: "invalid UTF-8")
        }
        var parser = Parser(bytes: bytes, maxDepth: maxDepth)
        do {
            return try parser.parseDocument()
        } catch {
            var error = error
            error.rootID = parser.rootID
            throw error
        }
    }

    /// Convenience for tests and cold paths.
    package static func parse(_ bytes: [UInt8], maxDepth: Int = 64) throws(JSONParseError) -> JSONValue {
        let result: Result<JSONValue, JSONParseError> = bytes.withUnsafeBytes { buffer in
            Result { () throws(JSONParseError) -> JSONValue in try parse(buffer, maxDepth: maxDepth) }
        }
        return try result.get()
    }

    /// Convenience for tests and cold paths.
    package static func parse(_ text: String, maxDepth: Int = 64) throws(JSONParseError) -> JSONValue {
        try parse(Array(text.utf8), maxDepth: maxDepth)
    }
}

// MARK: - UTF-8 validation

enum UTF8Validation {
    /// Offset of the first byte of the first ill-formed UTF-8 sequence, or nil when all is valid.
    static func firstInvalidOffset(_ p: UnsafeRawBufferPointer) -> Int? {
        let n = p.count
        var i = 0
        while i < n {
            // ASCII fast path, eight bytes at a time.
            while i &+ 8 <= n {
                let word = p.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                if word & 0x8080_8080_8080_8080 != 0 { break }
                i &+= 8
            }
            if i >= n { break }
            let b0 = p[i]
            if b0 < 0x80 {
                i &+= 1
                continue
            }
            let length: Int
            var lo: UInt8 = 0x80, hi: UInt8 = 0xBF   // allowed range of the second byte
            switch b0 {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; lo = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; hi = 0x9F
            case 0xF0: length = 4; lo = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; hi = 0x8F
            default: return i   // continuation byte without lead, C0, C1, F5...FF
            }
            guard i &+ length <= n else { return i }
            let b1 = p[i &+ 1]
            guard b1 >= lo && b1 <= hi else { return i }
            var k = 2
            while k < length {
                let b = p[i &+ k]
                guard b & 0xC0 == 0x80 else { return i }
                k &+= 1
            }
            i &+= length
        }
        return nil
    }
}

// MARK: - Parser

private let quote: UInt8 = 0x22       // "
private let backslash: UInt8 = 0x5C   // \
private let comma: UInt8 = 0x2C
private let colon: UInt8 = 0x3A
private let openBrace: UInt8 = 0x7B
private let closeBrace: UInt8 = 0x7D
private let openBracket: UInt8 = 0x5B
private let closeBracket: UInt8 = 0x5D

/// Objects with at most this many members are checked for duplicate keys by a linear scan;
/// larger ones build a set of their keys.
private let linearDuplicateScanLimit = 12

private struct Container {
    var isObject: Bool
    var elements: [JSONValue] = []
    var members: [(key: String, value: JSONValue)] = []
    var pendingKey: String = ""
    var keySet: Set<String>? = nil

    init(isObject: Bool) {
        self.isObject = isObject
        if isObject {
            members.reserveCapacity(4)
        } else {
            elements.reserveCapacity(4)
        }
    }

    /// Records `key` as the pending key; false when it repeats an earlier key.
    mutating func acceptKey(_ key: String) -> Bool {
        if var set = keySet {
            keySet = nil   // keep the set uniquely referenced while mutating it
            let inserted = set.insert(key).inserted
            keySet = set
            if !inserted { return false }
        } else {
            for member in members where member.key == key { return false }
            if members.count >= linearDuplicateScanLimit {
                var set = Set<String>(minimumCapacity: members.count * 2 + 2)
                for member in members { set.insert(member.key) }
                set.insert(key)
                keySet = set
            }
        }
        pendingKey = key
        return true
    }
}

private struct Parser {
    let p: UnsafeRawBufferPointer
    let n: Int
    let maxDepth: Int
    var pos = 0
    var scratch: [UInt8] = []
    /// The top-level object's `id`, once read (for error records).
    var rootID: JSONValue? = nil

    init(bytes: UnsafeRawBufferPointer, maxDepth: Int) {
        self.p = bytes
        self.n = bytes.count
        self.maxDepth = maxDepth
    }

    // MARK: Errors

    func fail(_ message: String, at offset: Int) -> JSONParseError {
        JSONParseError(code: .invalidJSON, offset: offset, message: message)
    }

    func endOfInput() -> JSONParseError {
        fail("unexpected end of input", at: n)
    }

    /// "unexpected character 'x'" or, for bytes that are not printable ASCII, "unexpected byte 0xNN".
    func unexpected(at offset: Int, _ context: String = "") -> JSONParseError {
        guard offset < n else { return endOfInput() }
        let b = p[offset]
        var message: String
        if b >= 0x20 && b < 0x7F {
            message = "unexpected character '\(String(UnicodeScalar(b)))'"
        } else {
            message = "unexpected byte 0x\(hexByte(b))"
        }
        if !context.isEmpty { message += " " + context }
        return fail(message, at: offset)
    }

    // MARK: Whitespace

    @inline(__always)
    mutating func skipWhitespace() {
        while pos < n {
            switch p[pos] {
            case 0x20, 0x09, 0x0A, 0x0D: pos &+= 1
            default: return
            }
        }
    }

    // MARK: Document

    mutating func parseDocument() throws(JSONParseError) -> JSONValue {
        var stack: [Container] = []
        skipWhitespace()

        nextValue: while true {
            // Expecting a value at `pos` (whitespace already skipped).
            guard pos < n else { throw endOfInput() }
            var value: JSONValue
            let c = p[pos]
            switch c {
            case openBrace, openBracket:
                if stack.count >= maxDepth {
                    throw JSONParseError(code: .tooDeep, offset: pos,
                                         message: "nesting deeper than \(max(maxDepth, 0)) levels")
                }
                let isObject = c == openBrace
                pos &+= 1
                skipWhitespace()
                guard pos < n else { throw endOfInput() }
                if p[pos] == (isObject ? closeBrace : closeBracket) {
                    pos &+= 1
                    value = isObject ? .object(JSONObject()) : .array([])
                } else {
                    var container = Container(isObject: isObject)
                    if isObject {
                        try parseKey(into: &container)
                    }
                    stack.append(container)
                    continue nextValue
                }
            case quote:
                value = .string(try parseString())
            case UInt8(ascii: "t"):
                try parseLiteral("true")
                value = .bool(true)
            case UInt8(ascii: "f"):
                try parseLiteral("false")
                value = .bool(false)
            case UInt8(ascii: "n"):
                try parseLiteral("null")
                value = .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                value = .number(try parseNumber())
            default:
                throw unexpected(at: pos)
            }

            // A complete value: attach it to the enclosing container, closing containers as needed.
            while true {
                guard !stack.isEmpty else {
                    skipWhitespace()
                    if pos < n { throw unexpected(at: pos, "after the JSON value") }
                    return value
                }
                let top = stack.count &- 1
                let isObject = stack[top].isObject
                if isObject {
                    var key = ""
                    swap(&key, &stack[top].pendingKey)
                    if top == 0 && rootID == nil && key == "id" {
                        switch value {
                        case .string, .number: rootID = value
                        default: break
                        }
                    }
                    stack[top].members.append((key: key, value: value))
                } else {
                    stack[top].elements.append(value)
                }
                skipWhitespace()
                guard pos < n else { throw endOfInput() }
                let d = p[pos]
                if d == comma {
                    pos &+= 1
                    skipWhitespace()
                    if isObject {
                        try parseKey(into: &stack[top])
                    }
                    continue nextValue
                }
                if d == (isObject ? closeBrace : closeBracket) {
                    pos &+= 1
                    let done = stack.removeLast()
                    value = done.isObject ? .object(JSONObject(done.members)) : .array(done.elements)
                    continue
                }
                throw unexpected(at: pos, isObject ? "(expected ',' or '}')" : "(expected ',' or ']')")
            }
        }
    }

    /// Parses `"key" :` followed by whitespace, leaving `pos` at the value.
    mutating func parseKey(into container: inout Container) throws(JSONParseError) {
        guard pos < n else { throw endOfInput() }
        guard p[pos] == quote else { throw unexpected(at: pos, "(expected a string key)") }
        let keyOffset = pos
        let key = try parseString()
        if !container.acceptKey(key) {
            throw JSONParseError(code: .duplicateKey, offset: keyOffset,
                                 message: "duplicate key \(JSONWriter.quoted(abbreviated(key)))")
        }
        skipWhitespace()
        guard pos < n else { throw endOfInput() }
        guard p[pos] == colon else { throw unexpected(at: pos, "(expected ':')") }
        pos &+= 1
        skipWhitespace()
    }

    func abbreviated(_ s: String) -> String {
        let limit = 64
        guard s.unicodeScalars.count > limit else { return s }
        return String(String.UnicodeScalarView(s.unicodeScalars.prefix(limit))) + "…"
    }

    // MARK: Literals

    mutating func parseLiteral(_ word: StaticString) throws(JSONParseError) {
        let start = pos
        let count = word.utf8CodeUnitCount
        let w = word.utf8Start
        for k in 0..<count {
            let i = start &+ k
            guard i < n else { throw endOfInput() }
            guard p[i] == w[k] else { throw fail("invalid literal", at: start) }
        }
        pos = start &+ count
    }

    // MARK: Numbers

    mutating func parseNumber() throws(JSONParseError) -> JSONNumber {
        let start = pos
        var i = pos
        if p[i] == UInt8(ascii: "-") {
            i &+= 1
        }
        guard i < n else { throw endOfInput() }
        let first = p[i]
        if first == UInt8(ascii: "0") {
            i &+= 1
            if i < n && isDigit(p[i]) {
                throw fail("invalid number (leading zero)", at: i)
            }
        } else if isDigit(first) {
            i &+= 1
            while i < n && isDigit(p[i]) { i &+= 1 }
        } else {
            throw fail("invalid number (expected a digit)", at: i)
        }
        if i < n && p[i] == UInt8(ascii: ".") {
            i &+= 1
            guard i < n else { throw endOfInput() }
            guard isDigit(p[i]) else { throw fail("invalid number (expected a digit after '.')", at: i) }
            while i < n && isDigit(p[i]) { i &+= 1 }
        }
        if i < n && (p[i] == UInt8(ascii: "e") || p[i] == UInt8(ascii: "E")) {
            i &+= 1
            if i < n && (p[i] == UInt8(ascii: "+") || p[i] == UInt8(ascii: "-")) { i &+= 1 }
            guard i < n else { throw endOfInput() }
            guard isDigit(p[i]) else { throw fail("invalid number (expected a digit in the exponent)", at: i) }
            while i < n && isDigit(p[i]) { i &+= 1 }
        }
        pos = i
        let literal = String(decoding: UnsafeRawBufferPointer(rebasing: p[start..<i]), as: UTF8.self)
        return JSONNumber(literal: literal)
    }

    // MARK: Strings

    /// Parses a string starting at the opening quote at `pos`; leaves `pos` after the closing quote.
    mutating func parseString() throws(JSONParseError) -> String {
        let start = pos &+ 1
        var i = start
        // Fast scan: stop at the first quote, backslash or control character.
        while i < n {
            while i &+ 8 <= n {
                let w = p.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                if hasByteLess(w, than: 0x20) || hasByte(w, equalTo: quote) || hasByte(w, equalTo: backslash) {
                    break
                }
                i &+= 8
            }
            guard i < n else { break }
            let b = p[i]
            if b == quote {
                pos = i &+ 1
                return String(decoding: UnsafeRawBufferPointer(rebasing: p[start..<i]), as: UTF8.self)
            }
            if b == backslash { return try parseEscapedString(start: start, firstEscape: i) }
            if b < 0x20 { throw controlCharacter(at: i) }
            i &+= 1
        }
        throw endOfInput()
    }

    func controlCharacter(at i: Int) -> JSONParseError {
        fail("unescaped control character 0x\(hexByte(p[i])) in string", at: i)
    }

    mutating func parseEscapedString(start: Int, firstEscape: Int) throws(JSONParseError) -> String {
        scratch.removeAll(keepingCapacity: true)
        appendToScratch(start, firstEscape)
        var i = firstEscape
        while true {
            guard i < n else { throw endOfInput() }
            let b = p[i]
            if b == quote {
                pos = i &+ 1
                // Valid UTF-8: the input was validated and escapes only add well-formed scalars.
                return String(decoding: scratch, as: UTF8.self)
            }
            if b < 0x20 { throw controlCharacter(at: i) }
            if b != backslash {
                // Copy a run of ordinary bytes, found eight at a time as in `parseString`.
                var j = i &+ 1
                while j &+ 8 <= n {
                    let w = p.loadUnaligned(fromByteOffset: j, as: UInt64.self)
                    if hasByteLess(w, than: 0x20) || hasByte(w, equalTo: quote) || hasByte(w, equalTo: backslash) { break }
                    j &+= 8
                }
                while j < n {
                    let c = p[j]
                    if c == quote || c == backslash || c < 0x20 { break }
                    j &+= 1
                }
                appendToScratch(i, j)
                i = j
                continue
            }
            // An escape at i.
            guard i &+ 1 < n else { throw endOfInput() }
            let e = p[i &+ 1]
            switch e {
            case quote, backslash, UInt8(ascii: "/"): scratch.append(e)
            case UInt8(ascii: "b"): scratch.append(0x08)
            case UInt8(ascii: "f"): scratch.append(0x0C)
            case UInt8(ascii: "n"): scratch.append(0x0A)
            case UInt8(ascii: "r"): scratch.append(0x0D)
            case UInt8(ascii: "t"): scratch.append(0x09)
            case UInt8(ascii: "u"):
                let unit = try hex4(at: i &+ 2, escapeOffset: i)
                var scalar = UInt32(unit)
                if unit >= 0xDC00 && unit <= 0xDFFF {
                    throw JSONParseError(code: .invalidUnicodeEscape, offset: i,
                                         message: "unpaired low surrogate escape \\u\(hex4String(unit))")
                }
                if unit >= 0xD800 && unit <= 0xDBFF {
                    let next = i &+ 6
                    guard next < n else { throw endOfInput() }
                    guard p[next] == backslash else { throw unpairedHigh(unit, at: i) }
                    guard next &+ 1 < n else { throw endOfInput() }
                    guard p[next &+ 1] == UInt8(ascii: "u") else { throw unpairedHigh(unit, at: i) }
                    let low = try hex4(at: next &+ 2, escapeOffset: next)
                    guard low >= 0xDC00 && low <= 0xDFFF else { throw unpairedHigh(unit, at: i) }
                    scalar = 0x10000 &+ ((UInt32(unit) &- 0xD800) << 10) &+ (UInt32(low) &- 0xDC00)
                    i &+= 6
                }
                appendUTF8(scalar)
                i &+= 6
                continue
            default:
                throw fail("invalid escape sequence", at: i)
            }
            i &+= 2
        }
    }

    func unpairedHigh(_ unit: UInt16, at offset: Int) -> JSONParseError {
        JSONParseError(code: .invalidUnicodeEscape, offset: offset,
                       message: "unpaired high surrogate escape \\u\(hex4String(unit))")
    }

    /// Four hex digits at `at`; errors are reported at the escape's backslash.
    func hex4(at: Int, escapeOffset: Int) throws(JSONParseError) -> UInt16 {
        var v: UInt16 = 0
        for k in 0..<4 {
            let i = at &+ k
            guard i < n else { throw endOfInput() }
            let b = p[i]
            let d: UInt8
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = b &- UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = b &- UInt8(ascii: "a") &+ 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = b &- UInt8(ascii: "A") &+ 10
            default: throw fail("invalid \\u escape (expected four hex digits)", at: escapeOffset)
            }
            v = v << 4 | UInt16(d)
        }
        return v
    }

    mutating func appendToScratch(_ from: Int, _ to: Int) {
        guard from < to else { return }
        scratch.append(contentsOf: UnsafeRawBufferPointer(rebasing: p[from..<to]))
    }

    mutating func appendUTF8(_ v: UInt32) {
        switch v {
        case 0..<0x80:
            scratch.append(UInt8(truncatingIfNeeded: v))
        case 0x80..<0x800:
            scratch.append(UInt8(truncatingIfNeeded: 0xC0 | (v >> 6)))
            scratch.append(UInt8(truncatingIfNeeded: 0x80 | (v & 0x3F)))
        case 0x800..<0x10000:
            scratch.append(UInt8(truncatingIfNeeded: 0xE0 | (v >> 12)))
            scratch.append(UInt8(truncatingIfNeeded: 0x80 | ((v >> 6) & 0x3F)))
            scratch.append(UInt8(truncatingIfNeeded: 0x80 | (v & 0x3F)))
        default:
            scratch.append(UInt8(truncatingIfNeeded: 0xF0 | (v >> 18)))
            scratch.append(UInt8(truncatingIfNeeded: 0x80 | ((v >> 12) & 0x3F)))
            scratch.append(UInt8(truncatingIfNeeded: 0x80 | ((v >> 6) & 0x3F)))
            scratch.append(UInt8(truncatingIfNeeded: 0x80 | (v & 0x3F)))
        }
    }
}

// MARK: - Byte helpers

/// True when the two strings have exactly the same UTF-8 bytes (stricter than `==`, which
/// compares by canonical equivalence).
@inline(__always)
func utf8Equal(_ a: String, _ b: String) -> Bool {
    // `==` is fast for the common mismatch; bytes are compared only when it says equal.
    guard a.utf8.count == b.utf8.count, a == b else { return false }
    return a.utf8.elementsEqual(b.utf8)
}

@inline(__always)
private func isDigit(_ b: UInt8) -> Bool {
    b &- UInt8(ascii: "0") < 10
}

@inline(__always)
private func hasByteLess(_ w: UInt64, than n: UInt8) -> Bool {
    // Exact for n <= 128: true when some byte of w is < n.
    (w &- 0x0101_0101_0101_0101 &* UInt64(n)) & ~w & 0x8080_8080_8080_8080 != 0
}

@inline(__always)
private func hasByte(_ w: UInt64, equalTo b: UInt8) -> Bool {
    let x = w ^ (0x0101_0101_0101_0101 &* UInt64(b))
    return (x &- 0x0101_0101_0101_0101) & ~x & 0x8080_8080_8080_8080 != 0
}

private func hexByte(_ b: UInt8) -> String { HexDigits.byte(b, uppercase: true) }

private func hex4String(_ v: UInt16) -> String {
    hexByte(UInt8(truncatingIfNeeded: v >> 8)) + hexByte(UInt8(truncatingIfNeeded: v))
}
