/// Byte classes shared by the views and the text model (the keyword automaton's own word bytes,
/// which add '_', are `KeywordAutomaton.isWordByte`).
public enum ByteClass {
    /// ASCII letters and digits, and every byte of a non-ASCII scalar: what the views and the text
    /// model read as part of a word.
    @inlinable @inline(__always)
    public static func isLetterDigitOrNonASCII(_ byte: UInt8) -> Bool {
        byte >= 0x80 || (byte | 0x20) &- 0x61 < 26 || byte &- 0x30 < 10
    }
}
