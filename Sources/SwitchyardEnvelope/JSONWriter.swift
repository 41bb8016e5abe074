// Appends JSON to a byte buffer without Foundation.
//
// Commas are inserted automatically: a single "a value was just completed at this level" flag is
// enough, because opening a container or writing a key clears it and finishing a value or a
// container sets it. The writer does not check that calls are balanced; that is the caller's job.

package struct JSONWriter: Sendable {
    /// The JSON written so far (UTF-8).
    package var bytes: [UInt8]
    private var needsComma = false

    package init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(max(capacity, 0))
    }

    /// Empties the buffer, keeping its capacity.
    package mutating func reset() {
        bytes.removeAll(keepingCapacity: true)
        needsComma = false
    }

    /// The buffer as a String (the writer only produces valid UTF-8).
    package var jsonString: String { String(decoding: bytes, as: UTF8.self) }

    // MARK: Structure

    package mutating func beginObject() {
        separate()
        bytes.append(UInt8(ascii: "{"))
        needsComma = false
    }

    package mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        needsComma = true
    }

    package mutating func beginArray() {
        separate()
        bytes.append(UInt8(ascii: "["))
        needsComma = false
    }

    package mutating func endArray() {
        bytes.append(UInt8(ascii: "]"))
        needsComma = true
    }

    /// Writes `"key":`; the next call writes the member's value.
    package mutating func key(_ key: String) {
        separate()
        appendQuoted(key)
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    // MARK: Values

    package mutating func string(_ value: String) {
        separate()
        appendQuoted(value)
        needsComma = true
    }

    package mutating func int(_ value: Int) {
        separate()
        appendInteger(value)
        needsComma = true
    }

    /// Shortest round-trip form; integral values without ".0" (10.0 → `10`, 7.5 → `7.5`).
    /// JSON has no NaN or infinity: those are written as `null`.
    package mutating func double(_ value: Double) {
        separate()
        if !value.isFinite {
            appendASCII("null")
        } else if value.rounded(.towardZero) == value && value.magnitude < 1e15 {
            appendInteger(Int(value))
        } else {
            // Shortest round-trip digits; large integral values print as "1000000000000000.0".
            let text = value.description
            if text.hasSuffix(".0") {
                bytes.append(contentsOf: text.utf8.dropLast(2))
            } else {
                appendASCII(text)
            }
        }
        needsComma = true
    }

    package mutating func bool(_ value: Bool) {
        separate()
        appendASCII(value ? "true" : "false")
        needsComma = true
    }

    package mutating func null() {
        separate()
        appendASCII("null")
        needsComma = true
    }

    /// Writes a number exactly as its literal.
    package mutating func number(_ value: JSONNumber) {
        raw(value.literal)
    }

    /// Writes already-serialised JSON as one value (not checked).
    package mutating func raw(_ json: String) {
        separate()
        bytes.append(contentsOf: json.utf8)
        needsComma = true
    }

    /// Writes any parsed value.
    package mutating func value(_ value: JSONValue) {
        switch value {
        case .null: null()
        case .bool(let b): bool(b)
        case .number(let n): number(n)
        case .string(let s): string(s)
        case .array(let elements):
            beginArray()
            for element in elements { self.value(element) }
            endArray()
        case .object(let object):
            beginObject()
            for member in object.members {
                key(member.key)
                self.value(member.value)
            }
            endObject()
        }
    }

    /// `s` as a JSON string literal, quotes included.
    package static func quoted(_ s: String) -> String {
        var writer = JSONWriter(capacity: s.utf8.count + 2)
        writer.appendQuoted(s)
        return writer.jsonString
    }

    // MARK: Internals

    @inline(__always)
    private mutating func separate() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
    }

    private mutating func appendASCII(_ s: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    private mutating func appendASCII(_ s: String) {
        bytes.append(contentsOf: s.utf8)
    }

    private mutating func appendInteger(_ value: Int) {
        if value == 0 {
            bytes.append(UInt8(ascii: "0"))
            return
        }
        var magnitude = value.magnitude   // UInt: no overflow for Int.min
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        // Digits are appended least significant first, then the run is reversed in place.
        let start = bytes.count
        while magnitude > 0 {
            bytes.append(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: magnitude % 10))
            magnitude /= 10
        }
        bytes[start...].reverse()
    }

    private mutating func appendQuoted(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { utf8 in
            appendEscaped(utf8)
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func appendEscaped(_ u: UnsafeBufferPointer<UInt8>) {
        let n = u.count
        var runStart = 0
        var i = 0
        while i < n {
            let b = u[i]
            let escape: StaticString?
            var width = 1
            switch b {
            case UInt8(ascii: "\""): escape = "\\\""
            case UInt8(ascii: "\\"): escape = "\\\\"
            case 0x0A: escape = "\\n"
            case 0x0D: escape = "\\r"
            case 0x09: escape = "\\t"
            case 0x08: escape = "\\b"
            case 0x0C: escape = "\\f"
            case 0x00..<0x20: escape = nil
            case 0xE2 where i &+ 2 < n && u[i &+ 1] == 0x80 && (u[i &+ 2] == 0xA8 || u[i &+ 2] == 0xA9):
                // U+2028 LINE SEPARATOR / U+2029 PARAGRAPH SEPARATOR
                escape = u[i &+ 2] == 0xA8 ? "\\u2028" : "\\u2029"
                width = 3
            default:
                i &+= 1
                continue
            }
            if runStart < i {
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: u[runStart..<i]))
            }
            if let escape {
                appendASCII(escape)
            } else {
                appendASCII("\\u00")
                bytes.append(HexDigits.digit(b >> 4))
                bytes.append(HexDigits.digit(b & 0xF))
            }
            i &+= width
            runStart = i
        }
        if runStart < n {
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: u[runStart..<n]))
        }
    }

}
