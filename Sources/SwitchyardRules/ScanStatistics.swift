/// Work counters of one `ClassificationScratch` (so of one thread): how many bytes each kind of
/// pass read and how much RE2 confirmation cost. Plain integers, bumped a few times per pass; sum
/// them across threads to see where a corpus's time goes (`switchyard bench` prints them).
package struct ScanStatistics: Sendable, Equatable {
    /// Requests classified.
    package var requests = 0
    /// Bytes of request text inspected.
    package var textBytes = 0
    /// Automaton passes run (every kind).
    package var passes = 0
    /// Bytes read by passes over the text as written or sanitised, and its readable variant.
    package var plainPassBytes = 0
    /// Bytes read by passes over the skeleton view.
    package var skeletonPassBytes = 0
    /// Bytes read by passes over the squeezed (split letters joined) view.
    package var squeezedPassBytes = 0
    /// Bytes read by passes over decoded text (blobs, hidden characters, ROT13, reversed).
    package var decodedPassBytes = 0
    /// Automaton hits reported to the rule tables (every pass).
    package var automatonHits = 0
    /// Requests whose encoded blobs or hidden characters were decoded.
    package var blobDecodes = 0
    /// Requests read again as ROT13 text, and as reversed text.
    package var rot13Decodes = 0
    package var reversedDecodes = 0
    /// Letter-cipher (Caesar, Atbash) and Morse readings.
    package var cipherDecodes = 0
    /// Regexes confirmed with RE2 (every atom group seen in the pass).
    package var regexRuns = 0
    /// Times a regex had more separate windows than the scratch holds, so the closest two merged.
    package var regexWindowMerges = 0
    /// Bytes RE2 searched.
    package var regexBytes = 0

    /// All zero.
    package init() {}

    /// Bytes read by every automaton pass, per byte of request text.
    package var passBytesPerTextByte: Double {
        textBytes == 0 ? 0 : Double(plainPassBytes + skeletonPassBytes + squeezedPassBytes + decodedPassBytes) / Double(textBytes)
    }

    /// Bytes RE2 searched per byte of request text.
    package var regexBytesPerTextByte: Double {
        textBytes == 0 ? 0 : Double(regexBytes) / Double(textBytes)
    }
}
