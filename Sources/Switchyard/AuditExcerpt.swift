/// A short excerpt of a request for an audit record, with personal data and secrets masked, so a
/// reviewer can see what was asked without the log becoming a store of what users typed.
///
/// The excerpt is at most `maxBytes` bytes of the text (cut at UTF-8 scalar boundaries), centred
/// on the evidence span when there is one. Masked, in this order, each by one linear scan:
/// - `[email]`: a word with letters on both sides of an `@` and a dot after it;
/// - `[ip]`: four dot-separated groups of 1-3 digits (IPv4);
/// - `[number]`: a run of digits, spaces, dashes, dots, slashes and parentheses, starting and
///   ending with a digit, holding 7 or more digits (phone, card, account and ID numbers);
/// - `[secret]`: a word of 20 or more letters, digits and `_-+/=.` holding both a letter and a
///   digit (API keys, tokens), and the word after `password`, `passwd`, `pwd`, `token`, `secret`,
///   `apikey` or `api_key` (with `:` or `=`).
package enum AuditExcerpt {
    /// The redacted excerpt of `text` around `span` (byte offsets into `text`'s UTF-8; nil: from
    /// the start). Empty when `maxBytes` is not positive.
    package static func make(_ text: String, around span: Range<Int>?, maxBytes: Int) -> String {
        guard maxBytes > 0 else { return "" }
        let bytes = Array(text.utf8)
        var start = 0
        if let span, span.lowerBound < bytes.count, bytes.count > maxBytes {
            let spanLength = min(span.count, maxBytes)
            start = max(0, min(span.lowerBound - (maxBytes - spanLength) / 2, bytes.count - maxBytes))
        }
        var end = min(bytes.count, start + maxBytes)
        // Whole scalars only: a continuation byte neither starts nor (before `end`) ends the cut.
        while start < end, bytes[start] & 0xC0 == 0x80 { start += 1 }
        if end < bytes.count { while end > start, bytes[end] & 0xC0 == 0x80 { end -= 1 } }
        return redact(bytes[start..<end])
    }

    /// `text` with e-mail addresses, IPv4 addresses, long numbers and secrets masked.
    package static func redact<Bytes: Collection<UInt8>>(_ text: Bytes) -> String {
        let bytes = Array(text)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = 0
        var maskNextWord = false
        while index < bytes.count {
            let byte = bytes[index]
            if isSpace(byte) {
                output.append(byte)
                index += 1
                continue
            }
            // One word: up to the next space.
            var end = index
            while end < bytes.count, !isSpace(bytes[end]) { end += 1 }
            // Trailing punctuation stays readable.
            var core = end
            while core > index, trailingPunctuation.contains(bytes[core - 1]) { core -= 1 }
            let word = bytes[index..<core]
            if maskNextWord && !word.isEmpty {
                output += Array("[secret]".utf8)
                output += bytes[core..<end]
                maskNextWord = false
                index = end
                continue
            }
            if let mask = wordMask(word) {
                output += Array(mask.utf8)
                output += bytes[core..<end]
            } else if let run = numberRun(bytes, from: index) {
                output += Array("[number]".utf8)
                index = run
                continue
            } else {
                output += bytes[index..<end]
            }
            maskNextWord = introducesSecret(bytes[index..<end])
            index = end
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Left readable after a masked word ("mail me at a@b.com." keeps its full stop).
    private static let trailingPunctuation = Set(".,;:)!?".utf8)
    /// What a secret may hold besides letters and digits.
    private static let secretBytes = Set("_-+/=.".utf8)
    /// What may sit between the digits of a phone, card or account number.
    private static let numberPunctuation = Set(" -./()+".utf8)

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    private static func isLetter(_ byte: UInt8) -> Bool { (byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A }

    /// The mask for a whole word that is an e-mail address, an IPv4 address or a secret.
    private static func wordMask(_ word: ArraySlice<UInt8>) -> String? {
        if let at = word.firstIndex(of: UInt8(ascii: "@")), at > word.startIndex, word[..<at].contains(where: isLetter),
           word[(at + 1)...].contains(UInt8(ascii: ".")), word[(at + 1)...].contains(where: isLetter) {
            return "[email]"
        }
        let groups = word.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        if groups.count == 4, groups.allSatisfy({ (1...3).contains($0.count) && $0.allSatisfy(isDigit) }) { return "[ip]" }
        if word.count >= 20, word.contains(where: isLetter), word.contains(where: isDigit),
           word.allSatisfy({ isLetter($0) || isDigit($0) || secretBytes.contains($0) }) {
            return "[secret]"
        }
        return nil
    }

    /// The end of a run of digits and number punctuation starting at `start` that holds 7 or more
    /// digits and ends with a digit, or nil.
    private static func numberRun(_ bytes: [UInt8], from start: Int) -> Int? {
        guard start < bytes.count, isDigit(bytes[start]) || bytes[start] == UInt8(ascii: "+") || bytes[start] == UInt8(ascii: "(") else { return nil }
        var digits = 0
        var lastDigitEnd = start
        var index = start
        while index < bytes.count, isDigit(bytes[index]) || numberPunctuation.contains(bytes[index]) {
            if isDigit(bytes[index]) {
                digits += 1
                lastDigitEnd = index + 1
            }
            index += 1
        }
        // A letter glued to the run ("7 days", "v2.10.3-beta") makes it something else.
        if lastDigitEnd < bytes.count, isLetter(bytes[lastDigitEnd]) { return nil }
        return digits >= 7 ? lastDigitEnd : nil
    }

    /// Whether `word` names a secret whose value follows ("password:", "token=").
    private static func introducesSecret(_ word: ArraySlice<UInt8>) -> Bool {
        var lower = word.map { isLetter($0) ? $0 | 0x20 : $0 }
        guard let last = lower.last, last == UInt8(ascii: ":") || last == UInt8(ascii: "=") else { return false }
        lower.removeLast()
        return ["password", "passwd", "pwd", "token", "secret", "apikey", "api_key", "api-key"].contains(String(decoding: lower, as: UTF8.self))
    }
}
