import CVectorscan
import Foundation
import Switchyard
import SwitchyardMatching

/// One way of answering "which rules fire on this text". Each engine owns its scratch: use one
/// instance per thread.
public protocol RuleEngine: AnyObject {
    var name: String { get }
    /// Scans `text`; returns how many rules fired (negative if the engine failed).
    func scan(_ text: UnsafeRawBufferPointer) -> Int
    /// The rules (indices into the pack) that fire on `text` in the raw view, sorted.
    func firedRules(_ text: UnsafeRawBufferPointer) -> [Int]
}

/// Switchyard's classifier: automaton prefilter, RE2 confirmation, near, unless, views.
public final class SwitchyardEngine: RuleEngine {
    public let name = "Switchyard"
    public let classifier: Classifier
    let scratch: ClassificationScratch

    public init(pack: RulePack) throws {
        classifier = try Classifier(pack: pack)
        scratch = classifier.makeScratch()
    }

    public init(classifier: Classifier) {
        self.classifier = classifier
        scratch = classifier.makeScratch()
    }

    @inline(__always)
    public func scan(_ text: UnsafeRawBufferPointer) -> Int {
        classifier.classify(text, using: scratch).hits.count
    }

    public func verdict(_ text: UnsafeRawBufferPointer) -> Verdict {
        classifier.classify(text, using: scratch)
    }

    public func firedRules(_ text: UnsafeRawBufferPointer) -> [Int] {
        classifier.classify(text, using: scratch).hits.filter { $0.view == .raw }.map(\.rule).sorted()
    }
}

/// The pack's keywords and regexes as a flat list of RE2/Vectorscan patterns, each with its rule.
/// `near` and `unless` have no counterpart in a plain multi-pattern matcher and are left out.
public struct PeerPatterns: Sendable {
    public var patterns: [String] = []
    public var rules: [Int] = []
    public var ruleCount: Int
    public var keywordCount = 0
    public var regexCount = 0

    public init(pack: RulePack) {
        ruleCount = pack.rules.count
        for (index, rule) in pack.rules.enumerated() {
            for keyword in rule.keywords {
                patterns.append(Self.regex(for: keyword))
                rules.append(index)
                keywordCount += 1
            }
            for pattern in rule.patterns {
                patterns.append(pattern)
                rules.append(index)
                regexCount += 1
            }
        }
    }

    /// Switchyard's word bytes are ASCII letters, digits, '_' and every byte >= 0x80; a whole-word
    /// edge needs a neighbouring byte outside them (or the text's edge). `\b` would differ next to
    /// non-ASCII letters and for terms that begin or end with punctuation, so the boundary is spelt
    /// out as the class of ASCII non-word characters. Same meaning in RE2 and Vectorscan, UTF-8 or not.
    public static let nonWord = #"[\x00-\x2F\x3A-\x40\x5B-\x5E\x60\x7B-\x7F]"#

    /// An escaped literal with explicit word edges where the term is whole-word.
    public static func regex(for term: Term) -> String {
        var body = ""
        for scalar in term.text.unicodeScalars {
            if scalar.isASCII, let byte = UInt8(exactly: scalar.value), !(byte.isLetterOrDigit || byte == 0x20 || byte == 0x5F) {
                body += String(format: "\\x%02X", byte)
            } else {
                body.unicodeScalars.append(scalar)
            }
        }
        return (term.wordStart ? "(?:^|\(nonWord))" : "") + body + (term.wordEnd ? "(?:\(nonWord)|$)" : "")
    }
}

extension UInt8 {
    var isLetterOrDigit: Bool { (0x30...0x39).contains(self) || (0x41...0x5A).contains(self) || (0x61...0x7A).contains(self) }
}

/// Marks rules as fired at most once per scan, without clearing per scan.
struct RuleMarks {
    var generation: [UInt32]
    var fired: [Int] = []
    var current: UInt32 = 0
    init(ruleCount: Int) {
        generation = [UInt32](repeating: 0, count: max(1, ruleCount))
        fired.reserveCapacity(ruleCount)
    }
    mutating func begin() {
        current &+= 1
        if current == 0 {
            for i in generation.indices { generation[i] = 0 }
            current = 1
        }
        fired.removeAll(keepingCapacity: true)
    }
    @inline(__always)
    mutating func mark(_ rule: Int) {
        if generation[rule] != current {
            generation[rule] = current
            fired.append(rule)
        }
    }
}

/// One RE2::Set over every pattern (Switchyard's `RE2PatternSet`, library `max_mem` default).
public final class RE2SetEngine: RuleEngine {
    public let name = "RE2::Set"
    let set: RE2PatternSet
    let rules: [Int]
    let scratch: RE2PatternSet.Scratch
    var marks: RuleMarks

    public init(_ peer: PeerPatterns, options: RE2Options = RE2Options()) throws {
        set = try RE2PatternSet(peer.patterns, options: options)
        rules = peer.rules
        scratch = RE2PatternSet.Scratch(capacity: max(256, peer.patterns.count))
        marks = RuleMarks(ruleCount: peer.ruleCount)
    }

    public func scan(_ text: UnsafeRawBufferPointer) -> Int {
        marks.begin()
        do {
            try set.matches(in: text, scratch: scratch) { marks.mark(rules[$0]) }
        } catch {
            return -1
        }
        return marks.fired.count
    }

    public func firedRules(_ text: UnsafeRawBufferPointer) -> [Int] {
        _ = scan(text)
        return marks.fired.sorted()
    }
}

/// What a naive gateway does: every pattern compiled on its own, each searched in turn.
public final class RE2LoopEngine: RuleEngine {
    public let name = "RE2 loop"
    let patterns: [RE2Pattern]
    let rules: [Int]
    var marks: RuleMarks

    public init(_ peer: PeerPatterns, options: RE2Options = RE2Options()) throws {
        patterns = try peer.patterns.map { try RE2Pattern($0, options: options) }
        rules = peer.rules
        marks = RuleMarks(ruleCount: peer.ruleCount)
    }

    public func scan(_ text: UnsafeRawBufferPointer) -> Int {
        marks.begin()
        for (index, pattern) in patterns.enumerated() where pattern.firstMatch(in: text) != nil {
            marks.mark(rules[index])
        }
        return marks.fired.count
    }

    public func firedRules(_ text: UnsafeRawBufferPointer) -> [Int] {
        _ = scan(text)
        return marks.fired.sorted()
    }
}

/// Vectorscan (Hyperscan's portable fork), block mode, one database of every pattern, each with
/// HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH, and HS_FLAG_UTF8 only when `SWITCHYARD_VECTORSCAN_UTF8=1`:
/// with UTF-8 semantics every `.` and `[^…]` becomes a multi-byte automaton, and on the default pack
/// (`[^.?!\n]{0,100}`-style windows) two patterns are "too large" and one takes over three minutes
/// to compile alone (byte mode: about 4 s for the whole set). Without it, `.` and negated classes
/// count bytes, not characters; the agreement check shows whether that matters on a corpus.
public final class VectorscanEngine: RuleEngine {
    public let name = "Vectorscan"
    let engine: OpaquePointer
    /// Whether HS_FLAG_UTF8 was used.
    public let utf8: Bool
    /// Patterns Vectorscan refused (left out of the database), with its message.
    public let rejected: [(index: Int, pattern: String, message: String)]

    public struct BuildError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Whether `SWITCHYARD_VECTORSCAN_UTF8=1` asks for HS_FLAG_UTF8.
    public static var utf8Requested: Bool { ProcessInfo.processInfo.environment["SWITCHYARD_VECTORSCAN_UTF8"] == "1" }

    public init(_ peer: PeerPatterns, utf8 tryUTF8: Bool = VectorscanEngine.utf8Requested) throws {
        var lastError = ""
        for utf8 in tryUTF8 ? [true, false] : [false] {
            var excluded: [Int: String] = [:]
            while excluded.count <= peer.patterns.count {
                let kept = peer.patterns.indices.filter { excluded[$0] == nil }
                var error = [CChar](repeating: 0, count: 1024)
                var errorIndex: Int32 = -1
                let cStrings = kept.map { strdup(peer.patterns[$0]) }
                defer { cStrings.forEach { free($0) } }
                let rules = kept.map { UInt32(peer.rules[$0]) }
                let compiled: OpaquePointer? = cStrings.map { UnsafePointer($0) }.withUnsafeBufferPointer { patterns in
                    rules.withUnsafeBufferPointer { rules in
                        error.withUnsafeMutableBufferPointer { error in
                            cvs_compile(patterns.baseAddress, rules.baseAddress, UInt32(kept.count), UInt32(peer.ruleCount),
                                        utf8 ? 1 : 0, error.baseAddress, error.count, &errorIndex)
                        }
                    }
                }
                let message = error.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
                if let compiled {
                    engine = compiled
                    self.utf8 = utf8
                    rejected = excluded.keys.sorted().map { ($0, peer.patterns[$0], excluded[$0]!) }
                    return
                }
                lastError = message
                // A pattern Vectorscan cannot take at all (not a UTF-8 problem): leave it out and
                // report it. Without UTF-8 mode every refusal is treated that way.
                guard errorIndex >= 0, !utf8 || !message.lowercased().contains("utf") else { break }
                excluded[kept[Int(errorIndex)]] = message
            }
        }
        throw BuildError(description: "Vectorscan compile failed: \(lastError)")
    }

    deinit { cvs_free(engine) }

    public var databaseBytes: Int { cvs_database_bytes(engine) }
    public var scratchBytes: Int { cvs_scratch_bytes(engine) }
    public static var version: String { String(cString: cvs_version()).trimmingCharacters(in: .whitespaces) }

    @inline(__always)
    public func scan(_ text: UnsafeRawBufferPointer) -> Int {
        Int(cvs_scan(engine, text.baseAddress?.assumingMemoryBound(to: UInt8.self), text.count))
    }

    public func firedRules(_ text: UnsafeRawBufferPointer) -> [Int] {
        let count = scan(text)
        guard count > 0 else { return [] }
        let fired = cvs_fired(engine)!
        return (0..<count).map { Int(fired[$0]) }.sorted()
    }
}

/// Every engine of a comparison, compiled from one pack.
public struct EngineSet {
    public var switchyard: SwitchyardEngine
    public var vectorscan: VectorscanEngine?
    public var re2Set: RE2SetEngine?
    public var re2Loop: RE2LoopEngine?
    public var peerPatterns: PeerPatterns
    /// Problems building peers (printed loudly by callers).
    public var problems: [String] = []
    /// Seconds to compile each engine.
    public var compileSeconds: [String: Double] = [:]

    public init(pack: RulePack, peers: Bool = true, loop: Bool = true, re2Set buildSet: Bool = true) throws {
        var start = Clock.now()
        switchyard = try SwitchyardEngine(pack: pack)
        compileSeconds["Switchyard"] = Clock.seconds(since: start)
        peerPatterns = PeerPatterns(pack: pack)
        guard peers else { return }
        start = Clock.now()
        do {
            let engine = try VectorscanEngine(peerPatterns)
            vectorscan = engine
            compileSeconds["Vectorscan"] = Clock.seconds(since: start)
            if VectorscanEngine.utf8Requested && !engine.utf8 { problems.append("Vectorscan: compiled without HS_FLAG_UTF8 (the set does not compile with it)") }
            for item in engine.rejected { problems.append("Vectorscan refused pattern \(item.index) `\(item.pattern)`: \(item.message) (left out)") }
        } catch {
            problems.append("\(error)")
        }
        if buildSet {
            start = Clock.now()
            do {
                re2Set = try RE2SetEngine(peerPatterns)
                compileSeconds["RE2::Set"] = Clock.seconds(since: start)
            } catch {
                problems.append("RE2::Set: \(error)")
            }
        }
        if loop {
            start = Clock.now()
            do {
                re2Loop = try RE2LoopEngine(peerPatterns)
                compileSeconds["RE2 loop"] = Clock.seconds(since: start)
            } catch {
                problems.append("RE2 loop: \(error)")
            }
        }
    }

    /// Switchyard first, then the peers that built.
    public var all: [any RuleEngine] {
        var result: [any RuleEngine] = [switchyard]
        if let vectorscan { result.append(vectorscan) }
        if let re2Set { result.append(re2Set) }
        if let re2Loop { result.append(re2Loop) }
        return result
    }

    public func engine(named name: String) -> (any RuleEngine)? { all.first { $0.name == name } }
}
