/// Hexadecimal digits for the envelope's JSON writer and parser messages, and for the tools that
/// build hex evasion samples: one table instead of a copy per file.
package enum HexDigits {
    /// The digit for `value` (0–15).
    @inline(__always)
    package static func digit(_ value: UInt8, uppercase: Bool = false) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") &+ value : (uppercase ? UInt8(ascii: "A") : UInt8(ascii: "a")) &+ (value &- 10)
    }

    /// Two digits for `byte` ("0a", or "0A" with `uppercase`).
    package static func byte(_ byte: UInt8, uppercase: Bool = false) -> String {
        String(decoding: [digit(byte >> 4, uppercase: uppercase), digit(byte & 0xF, uppercase: uppercase)], as: UTF8.self)
    }
}
