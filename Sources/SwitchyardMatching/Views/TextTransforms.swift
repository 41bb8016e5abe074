/// Whole-text transforms for the decoded view: ROT13 and reversal. The classifier applies them
/// only when the automaton saw a term's ROT13 or reversed form, so ordinary text never pays.
public enum TextTransforms {
    /// ASCII letters rotated by 13 places; every other byte unchanged.
    public static func rot13(_ text: UnsafeRawBufferPointer, into output: inout [UInt8]) {
        output.removeAll(keepingCapacity: true)
        output.reserveCapacity(text.count)
        for byte in text {
            switch byte {
            case 0x41...0x5A: output.append((byte - 0x41 + 13) % 26 + 0x41)
            case 0x61...0x7A: output.append((byte - 0x61 + 13) % 26 + 0x61)
            default: output.append(byte)
            }
        }
    }

    /// The text's scalars in reverse order: bytes reversed, then each multi-byte UTF-8 sequence
    /// put back in order. Invalid bytes stay single bytes.
    public static func reversed(_ text: UnsafeRawBufferPointer, into output: inout [UInt8]) {
        output.removeAll(keepingCapacity: true)
        output.reserveCapacity(text.count)
        var index = text.count
        while index > 0 {
            // Walk back over continuation bytes to the start of the scalar that ends at `index`.
            var start = index - 1
            while start > 0 && index - start < 4 && text[start] & 0xC0 == 0x80 { start -= 1 }
            let lead = text[start]
            let length = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1
            if lead & 0xC0 == 0x80 || start + length != index {
                // Not a well-formed sequence ending here: emit the last byte alone.
                output.append(text[index - 1])
                index -= 1
                continue
            }
            for offset in start..<index { output.append(text[offset]) }
            index = start
        }
    }
}

/// Cheap byte scans for evasion signals on non-ASCII text.
public enum EvasionScan {
    /// Zero-width characters (U+200B–U+200D, U+2060, U+FEFF, soft hyphen U+00AD) sitting between
    /// two ASCII letters, as in "key\u{200B}logger".
    public static func invisibleInsideWords(_ text: UnsafeRawBufferPointer) -> Int {
        var count = 0
        var index = 1
        let total = text.count
        while index + 1 < total {
            let byte = text[index]
            var length = 0
            if byte == 0xE2, index + 2 < total, text[index + 1] == 0x80, (0x8B...0x8D).contains(text[index + 2]) {
                length = 3
            } else if byte == 0xE2, index + 2 < total, text[index + 1] == 0x81, text[index + 2] == 0xA0 {
                length = 3
            } else if byte == 0xEF, index + 2 < total, text[index + 1] == 0xBB, text[index + 2] == 0xBF {
                length = 3
            } else if byte == 0xC2, text[index + 1] == 0xAD {
                length = 2
            }
            if length > 0 {
                let after = index + length
                if after < total, isASCIILetter(text[index - 1]), isASCIILetter(text[after]) { count += 1 }
                index = after
            } else {
                index += 1
            }
        }
        return count
    }

    /// Whether some word mixes ASCII letters with Greek or Cyrillic letters (two-byte sequences
    /// led by 0xCE–0xD3), as look-alike substitutions do ("pаyload" with a Cyrillic а).
    public static func hasMixedScriptWord(_ text: UnsafeRawBufferPointer) -> Bool {
        var latin = false
        var lookalike = false
        var index = 0
        let total = text.count
        while index < total {
            let byte = text[index]
            if isASCIILetter(byte) {
                latin = true
                index += 1
            } else if (0xCE...0xD3).contains(byte), index + 1 < total, text[index + 1] & 0xC0 == 0x80 {
                lookalike = true
                index += 2
            } else if byte >= 0x80 {
                index += 1  // other letters and marks continue the word
            } else {
                latin = false
                lookalike = false
                index += 1
                continue
            }
            if latin && lookalike { return true }
        }
        return false
    }

    @inline(__always)
    static func isASCIILetter(_ byte: UInt8) -> Bool { (byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A }
}
