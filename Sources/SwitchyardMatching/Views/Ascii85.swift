/// Ascii85 encoding (Adobe's, with `<~` and `~>`), for the evasion generator and tests that hide
/// a request in it; the decoded view reads it back (`Decoders`, `DecodedKinds.ascii85`).
package enum Ascii85 {
    /// `bytes` as Adobe ascii85: `<~`, groups of five characters (`z` for four zero bytes; a
    /// final partial group of n bytes as n + 1 characters), `~>`.
    package static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = Array("<~".utf8)
        var index = 0
        while index < bytes.count {
            let chunk = min(4, bytes.count - index)
            var value: UInt32 = 0
            for offset in 0..<4 { value = value << 8 | UInt32(offset < chunk ? bytes[index + offset] : 0) }
            if chunk == 4 && value == 0 {
                out.append(UInt8(ascii: "z"))
            } else {
                var digits = [UInt8](repeating: 0, count: 5)
                for position in stride(from: 4, through: 0, by: -1) {
                    digits[position] = UInt8(value % 85) + 0x21
                    value /= 85
                }
                out.append(contentsOf: digits.prefix(chunk + 1))
            }
            index += chunk
        }
        out.append(contentsOf: Array("~>".utf8))
        return String(decoding: out, as: UTF8.self)
    }
}
