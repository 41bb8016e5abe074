/// Work counters of one `ClassificationScratch` (so of one thread): how many bytes each kind of
/// pass read and how much RE2 confirmation cost. Plain integers, bumped a few times per pass; sum
/// them across threads to see where a corpus's time goes (`switchyard bench` prints them).
public struct ScanStatistics: Sendable, Equatable {
    /// Requests classified.
    public var requests = 0
    /// Bytes of request text inspected.
    public var textBytes = 0
    /// Automaton passes run (every kind).
    public var passes = 0
    /// Bytes read by passes over the text as written or sanitised, and its readable variant.
    public var plainPassBytes = 0
    /// Bytes read by passes over the skeleton view.
    public var skeletonPassBytes = 0
    /// Bytes read by passes over the squeezed (split letters joined) view.
    public var squeezedPassBytes = 0
    /// Bytes read by passes over decoded text (blobs, hidden characters, ROT13, reversed).
    public var decodedPassBytes = 0
    /// Automaton hits reported to the rule tables (every pass).
    public var automatonHits = 0
    /// Requests whose encoded blobs or hidden characters were decoded.
    public var blobDecodes = 0
    /// Requests read again as ROT13 text, and as reversed text.
    public var rot13Decodes = 0
    public var reversedDecodes = 0
    /// Letter-cipher (Caesar, Atbash) and Morse readings.
    public var cipherDecodes = 0
    /// Regexes confirmed with RE2 (every atom group seen in the pass).
    public var regexRuns = 0
    /// Times a regex had more separate windows than the scratch holds, so the closest two merged.
    public var regexWindowMerges = 0
    /// Bytes RE2 searched.
    public var regexBytes = 0

    /// All zero.
    public init() {}

    /// Bytes read by every automaton pass, per byte of request text.
    public var passBytesPerTextByte: Double {
        textBytes == 0 ? 0 : Double(plainPassBytes + skeletonPassBytes + squeezedPassBytes + decodedPassBytes) / Double(textBytes)
    }

    /// Bytes RE2 searched per byte of request text.
    public var regexBytesPerTextByte: Double {
        textBytes == 0 ? 0 : Double(regexBytes) / Double(textBytes)
    }
}
