/// Base64 decoding (standard and URL-safe alphabets) for the generated tables and the decoders,
/// and base32 (RFC 4648) for the decoders.
enum Base64 {
    /// 6-bit value of each byte: `A–Z a–z 0–9` as usual, `+` and `-` → 62, `/` and `_` → 63;
    /// 0xFF for every other byte.
    static let values = ByteTable { byte in
        switch UInt8(byte) {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return UInt8(byte) - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return UInt8(byte) - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt8(byte) - UInt8(ascii: "0") + 52
        case UInt8(ascii: "+"), UInt8(ascii: "-"): return 62
        case UInt8(ascii: "/"), UInt8(ascii: "_"): return 63
        default: return 0xFF
        }
    }

    /// Decodes a generated table: base64 text with line breaks and indentation, ending at the
    /// first `=` or at the end. Returns the number of bytes written (never more than `output.count`).
    static func decodeTable(_ text: UnsafeBufferPointer<UInt8>, into output: UnsafeMutableRawBufferPointer) -> Int {
        var accumulator: UInt32 = 0
        var bits = 0
        var written = 0
        for byte in text {
            if byte == UInt8(ascii: "=") { break }
            let value = values[byte]
            if value == 0xFF { continue }  // whitespace and line breaks
            accumulator = accumulator << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                guard written < output.count else { return written + 1 }
                output[written] = UInt8(truncatingIfNeeded: accumulator >> UInt32(bits))
                written += 1
            }
        }
        return written
    }

    /// Decodes the base64 characters of `source[start..<end]` (CR and LF are skipped, `=` ends
    /// the data) into `out[at...]`, writing at most `limit` bytes. A trailing group of one
    /// character (6 bits, no whole byte) is dropped. Returns the bytes written and whether the
    /// limit cut the output short.
    static func decode(
        _ source: UnsafePointer<UInt8>, from start: Int, to end: Int,
        into out: UnsafeMutablePointer<UInt8>, at: Int, limit: Int
    ) -> (written: Int, truncated: Bool) {
        decode(source, from: start, to: end, values: values, bitsPerCharacter: 6, into: out, at: at, limit: limit)
    }

    /// Decodes the base32 characters (`A–Z 2–7`) of `source[start..<end]` like `decode`: `=` ends
    /// the data, a trailing partial byte is dropped.
    static func decodeBase32(
        _ source: UnsafePointer<UInt8>, from start: Int, to end: Int,
        into out: UnsafeMutablePointer<UInt8>, at: Int, limit: Int
    ) -> (written: Int, truncated: Bool) {
        decode(source, from: start, to: end, values: base32Values, bitsPerCharacter: 5, into: out, at: at, limit: limit)
    }

    /// 5-bit value of each byte: `A–Z` → 0–25, `2–7` → 26–31; 0xFF for every other byte.
    static let base32Values = ByteTable { byte in
        switch UInt8(byte) {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return UInt8(byte) - UInt8(ascii: "A")
        case UInt8(ascii: "2")...UInt8(ascii: "7"): return UInt8(byte) - UInt8(ascii: "2") + 26
        default: return 0xFF
        }
    }

    /// The shared decoding loop: each character carries `bitsPerCharacter` bits (its entry in
    /// `values`; 0xFF skips the byte), `=` ends the data, whole bytes go out as they fill up.
    private static func decode(
        _ source: UnsafePointer<UInt8>, from start: Int, to end: Int, values: ByteTable, bitsPerCharacter: Int,
        into out: UnsafeMutablePointer<UInt8>, at: Int, limit: Int
    ) -> (written: Int, truncated: Bool) {
        // SAFETY: reads stay in `start..<end` of `source`; writes stay in `at..<at + limit` of `out`.
        var accumulator: UInt32 = 0
        var bits = 0
        var written = 0
        var index = start
        while index < end {
            let byte = source[index]
            index += 1
            if byte == UInt8(ascii: "=") { break }
            let value = values[byte]
            if value == 0xFF { continue }
            accumulator = accumulator << UInt32(bitsPerCharacter) | UInt32(value)
            bits += bitsPerCharacter
            if bits >= 8 {
                bits -= 8
                if written == limit { return (written, true) }
                out[at + written] = UInt8(truncatingIfNeeded: accumulator >> UInt32(bits))
                written += 1
            }
        }
        return (written, false)
    }
}
