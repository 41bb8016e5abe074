import Foundation
import Switchyard

/// Request texts stored back to back in one buffer, so a pass over the corpus touches no ARC and
/// no per-request allocation.
public struct Corpus: Sendable {
    public let name: String
    public private(set) var storage: [UInt8] = []
    public private(set) var ranges: [Range<Int>] = []

    public init(name: String) { self.name = name }

    public init(name: String, texts: [[UInt8]]) {
        self.name = name
        storage.reserveCapacity(texts.reduce(0) { $0 + $1.count })
        for text in texts { append(text) }
    }

    public mutating func append(_ text: some Collection<UInt8>) {
        let start = storage.count
        storage.append(contentsOf: text)
        ranges.append(start..<storage.count)
    }

    public var count: Int { ranges.count }
    public var totalBytes: Int { storage.count }

    /// Calls `body` with every request's bytes, in order.
    @inlinable
    public func forEach(_ body: (Int, UnsafeRawBufferPointer) -> Void) {
        storage.withUnsafeBytes { all in
            for (index, range) in ranges.enumerated() {
                body(index, UnsafeRawBufferPointer(rebasing: all[range]))
            }
        }
    }

    /// Every `stride`-th request: a smaller corpus with the same mix (for slow engines).
    public func sample(every stride: Int) -> Corpus {
        var result = Corpus(name: "\(name) (1 in \(stride))")
        for index in Swift.stride(from: 0, to: count, by: stride) { result.append(storage[ranges[index]]) }
        return result
    }

    /// The first `limit` requests.
    public func prefix(_ limit: Int) -> Corpus {
        var result = Corpus(name: "\(name) (first \(limit))")
        for range in ranges.prefix(limit) { result.append(storage[range]) }
        return result
    }

    public func text(_ index: Int) -> String { String(decoding: storage[ranges[index]], as: UTF8.self) }

    /// Text size percentiles, for describing a corpus.
    public func sizePercentile(_ p: Double) -> Int {
        let sizes = ranges.map(\.count).sorted()
        guard !sizes.isEmpty else { return 0 }
        return sizes[min(sizes.count - 1, Int(Double(sizes.count) * p))]
    }

    /// Requests for the router (plain `text` requests; identity-free).
    public func requests(limit: Int = .max) -> [ModelRequest] {
        (0..<min(limit, count)).map { ModelRequest(id: .string("r\($0)"), text: text($0)) }
    }

    /// The corpus as JSONL request lines (alternating `text`, `prompt` and `messages` shapes).
    public func jsonl() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(totalBytes + count * 64)
        let encoder = JSONEncoder()
        for index in 0..<count {
            // A Swift string always encodes as a JSON string, so the try cannot fail.
            let quoted = String(decoding: try! encoder.encode(text(index)), as: UTF8.self)
            let line: String
            switch index % 3 {
            case 0: line = #"{"id":"g\#(index)","text":\#(quoted)}"#
            case 1: line = #"{"id":"g\#(index)","prompt":\#(quoted),"model":"fable-5"}"#
            default: line = #"{"id":"g\#(index)","messages":[{"role":"system","content":"You are helpful."},{"role":"user","content":\#(quoted)}]}"#
            }
            out += line.utf8
            out.append(0x0A)
        }
        return out
    }

    /// Loads a JSONL request file (`SWITCHYARD_CORPUS`): each line decoded as the CLI does, lines
    /// that do not decode skipped (and counted).
    public static func load(jsonl path: String, limit: Int = .max) throws -> (corpus: Corpus, skipped: Int) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: path])
        }
        var corpus = Corpus(name: (path as NSString).lastPathComponent)
        var skipped = 0
        data.withUnsafeBytes { (all: UnsafeRawBufferPointer) in
            var start = 0
            while start < all.count && corpus.count < limit {
                var end = start
                while end < all.count && all[end] != 0x0A { end += 1 }
                if end > start {
                    switch RequestDecoder.decode(UnsafeRawBufferPointer(rebasing: all[start..<end])) {
                    case .success(let request): corpus.append(request.text.utf8)
                    case .failure: skipped += 1
                    }
                }
                start = end + 1
            }
        }
        return (corpus, skipped)
    }
}

/// The deterministic generated mix: most requests short, most bytes in long chat contexts, a few
/// risky requests, a little non-ASCII text.
public enum GeneratedMix {
    /// - Parameters:
    ///   - requests: number of requests.
    ///   - longPercent: share of long (4-64 KiB) chat contexts.
    public static func corpus(requests: Int = 10_000, longPercent: Int = 5, seed: UInt64 = 1) -> Corpus {
        var random = SplitMix64(seed: seed)
        var corpus = Corpus(name: "generated mix")
        for _ in 0..<requests {
            if random.chance(longPercent) {
                // 4-64 KiB, log-uniform.
                let bytes = Int(4096.0 * pow(16.0, Double(random.below(1000)) / 1000.0))
                let risky = random.chance(10) ? random.pick(TextGenerator.riskySentences) : nil
                corpus.append(TextGenerator.chat(bytes: bytes, random: &random, risky: risky))
            } else if random.chance(5) {
                var text = Array(random.pick(TextGenerator.riskySentences).utf8)
                if random.chance(50) { text = Array(TextGenerator.sentence(&random).utf8) + text }
                corpus.append(text)
            } else {
                // 30 B - 2 KB, log-uniform: p50 near 250 B.
                let bytes = Int(30.0 * pow(70.0, Double(random.below(1000)) / 1000.0))
                var text: [UInt8] = []
                while text.count < bytes { text += TextGenerator.sentence(&random, foreignPercent: 3).utf8 }
                corpus.append(text)
            }
        }
        return corpus
    }
}
