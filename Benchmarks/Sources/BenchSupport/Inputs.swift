import Foundation
import Switchyard

/// Built once, on first use (in a benchmark's setup hook, never at registration: every benchmark
/// runs in its own process and registration happens in each of them).
public final class Shared<T>: @unchecked Sendable {
    // SAFETY (Sendable): package-benchmark calls setup and the measured closure from one thread
    // at a time; the lock covers the first build anyway.
    private let lock = NSLock()
    private var stored: T?
    private let make: () throws -> T

    public init(_ make: @escaping () throws -> T) { self.make = make }

    public var value: T {
        lock.lock()
        defer { lock.unlock() }
        if let stored { return stored }
        do {
            let made = try make()
            stored = made
            return made
        } catch {
            loud("setup failed: \(error)")
            fatalError("\(error)")
        }
    }
}

/// Prints to stderr inside a banner, so it stands out of benchmark tables.
public func loud(_ message: String) {
    let bar = String(repeating: "=", count: 78)
    FileHandle.standardError.write(Data("\n\(bar)\n\(message)\n\(bar)\n\n".utf8))
}

public func note(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

/// The prompt sizes of the latency suite.
public let latencySizes = [64, 1024, 8 << 10, 64 << 10, 1 << 20]

/// Fixed prompts of one size: clean ones verified clean and risky ones verified to fire, both
/// against the default pack.
public struct LatencyInputs {
    public let size: Int
    public var clean: [[UInt8]] = []
    public var risky: [[UInt8]] = []
    /// What could not be verified (printed loudly by callers).
    public var problems: [String] = []
    /// Facts about the pack seen while building the inputs: rules that fired on the generated
    /// benign prose (and the text they fired on) before it was scrubbed, which are worth a look as
    /// possible false positives, and risky sentences cancelled by an `unless` term in the filler.
    public var scrubbed: [String] = []

    /// `variants` texts of each kind, from distinct seeds; clean seeds that fire a rule are skipped.
    public init(size: Int, variants: Int, classifier: Classifier) {
        self.size = size
        let scratch = classifier.makeScratch()
        // Clean: generated prose; where the pack fires on it anyway (our prose is ordinary, but a
        // megabyte of it holds, say, "write" near "across the network"), the firing span is
        // overwritten with neutral filler of the same length, until nothing fires.
        for variant in 0..<variants {
            var text = TextGenerator.text(bytes: size, seed: UInt64(size) &* 1_000_003 &+ UInt64(variant), foreignPercent: 0)
            var rounds = 0
            while rounds < 100 {
                let verdict = text.withUnsafeBytes { classifier.classify($0, using: scratch) }
                if verdict.hits.isEmpty && verdict.indeterminate == nil { break }
                for hit in verdict.hits {
                    let span = hit.span.clamped(to: 0..<text.count)
                    let quote = String(decoding: text[span].prefix(120), as: UTF8.self)
                    scrubbed.append("\(classifier.rules[hit.rule].id) on \"\(quote)\"")
                    let filler = Array(String(repeating: "and so on ", count: span.count / 10 + 1).utf8.prefix(span.count))
                    text.replaceSubrange(span, with: filler)
                }
                rounds += 1
            }
            if rounds == 100 { problems.append("clean \(size) B text still fires after 100 rounds of scrubbing") }
            clean.append(text)
        }
        // Risky: our sentences in turn (the 64 B one first) until the text fires: a long filler can
        // hold a rule's `unless` term ("essay", "poem") that cancels it for the whole view.
        var tried: [String] = []
        for variant in 0..<variants {
            var chosen: [UInt8]? = nil
            for offset in 0..<TextGenerator.riskySentences.count {
                let sentence = TextGenerator.riskySentences[(variant + offset) % TextGenerator.riskySentences.count]
                let text = TextGenerator.riskyText(bytes: size, seed: UInt64(size) &+ UInt64(variant) &* 7919, risky: sentence)
                let verdict = text.withUnsafeBytes { classifier.classify($0, using: scratch) }
                if verdict.risky {
                    chosen = text
                    break
                }
                tried.append(sentence)
            }
            if let chosen {
                risky.append(chosen)
            } else {
                problems.append("no risky \(size) B text fires the pack (every sentence tried)")
                risky.append(TextGenerator.riskyText(bytes: size, seed: UInt64(size), risky: TextGenerator.riskySentences[0]))
            }
        }
        if !tried.isEmpty {
            scrubbed.append("\(size) B risky text: \(Set(tried).count) sentence(s) did not fire inside the filler (an `unless` term elsewhere in the text cancels the rule), e.g. \"\(tried[0])\"")
        }
    }
}

/// Which of our risky sentences fire which rules (a setup check: the pack changes under us).
public func checkRiskySentences(_ classifier: Classifier) -> [String] {
    var problems: [String] = []
    for sentence in TextGenerator.riskySentences {
        let verdict = classifier.classify(sentence)
        if !verdict.risky { problems.append("risky sentence fires no enforce rule: \"\(sentence)\"") }
    }
    return problems
}

/// The corpora of the throughput suites: the generated mix, plus `SWITCHYARD_CORPUS` when set.
public enum Corpora {
    public static var generated: Corpus { GeneratedMix.corpus() }

    /// `SWITCHYARD_CORPUS` loaded (at most `SWITCHYARD_CORPUS_LIMIT` requests, default all), or nil.
    public static var external: Corpus? {
        guard let path = ProcessInfo.processInfo.environment["SWITCHYARD_CORPUS"], !path.isEmpty else { return nil }
        let limit = ProcessInfo.processInfo.environment["SWITCHYARD_CORPUS_LIMIT"].flatMap(Int.init) ?? .max
        do {
            let (corpus, skipped) = try Corpus.load(jsonl: path, limit: limit)
            if skipped > 0 { note("\(path): skipped \(skipped) lines that do not decode") }
            return corpus
        } catch {
            loud("SWITCHYARD_CORPUS=\(path) could not be read: \(error)")
            return nil
        }
    }
}

/// The agreement check: on the stripped pack, every engine must fire the same rules on the raw
/// view of every request.
public struct Agreement {
    public var requests = 0
    public var loopRequests = 0
    /// Requests on which each peer's rule set differs from Switchyard's.
    public var disagreements: [String: Int] = [:]
    public var examples: [String] = []
    public var firingRequests = 0

    public var passed: Bool { disagreements.values.allSatisfy { $0 == 0 } }

    /// Compares every peer with Switchyard on `corpus`; the RE2 loop only on every `loopStride`-th
    /// request (it is slow).
    public init(engines: EngineSet, corpus: Corpus, loopStride: Int = 10) {
        let pack = engines.switchyard.classifier.rules
        for engine in engines.all.dropFirst() { disagreements[engine.name] = 0 }
        corpus.forEach { index, text in
            requests += 1
            let expected = engines.switchyard.firedRules(text)
            if !expected.isEmpty { firingRequests += 1 }
            for engine in engines.all.dropFirst() {
                if engine is RE2LoopEngine {
                    guard index % loopStride == 0 else { continue }
                    loopRequests += 1
                }
                let got = engine.firedRules(text)
                if got != expected {
                    disagreements[engine.name, default: 0] += 1
                    if examples.count < 12 {
                        let only = Set(expected).subtracting(got).map { pack[$0].id }, extra = Set(got).subtracting(expected).map { pack[$0].id }
                        let snippet = String(decoding: text.prefix(100), as: UTF8.self).replacingOccurrences(of: "\n", with: " ")
                        examples.append("request \(index) [\(engine.name)] only Switchyard: \(only.sorted()), only \(engine.name): \(extra.sorted()) — \"\(snippet)…\"")
                    }
                }
            }
        }
    }

    public var summary: String {
        let counts = disagreements.keys.sorted().map { "\($0) \(disagreements[$0]!)" }.joined(separator: ", ")
        return "agreement check on \(requests) requests (\(firingRequests) fire a rule; RE2 loop on \(loopRequests)): disagreements: \(counts)"
    }

    /// Prints the result: loudly when any engine disagrees.
    public func report(corpusName: String) {
        if passed {
            note("AGREEMENT OK (\(corpusName)): \(summary)")
        } else {
            loud("AGREEMENT CHECK FAILED (\(corpusName)): \(summary)\n" + examples.joined(separator: "\n"))
        }
    }
}
