import XCTest
@testable import SwitchyardEnvelope

/// Random inputs must never crash the parser or the decoder; whatever parses must round-trip.
final class FuzzTests: XCTestCase {

    static let seeds: [String] = [
        #"{"id": "r1", "text": "hello"}"#,
        #"{"id": 42, "prompt": "p", "model": "m", "user": {"id": "u", "org": "o", "verified": true, "nationality": "de", "country": "US"}}"#,
        #"{"id": "r3", "messages": [{"role": "system", "content": "s"}, {"role": "user", "content": [{"type": "text", "text": "a\u0000b"}, {"type": "image_url"}]}]}"#,
        #"[1, -2.5e+10, 0.0, true, false, null, "\ud83d\ude00\u2028\n", {"a": [], "b": {}}]"#,
        #"{"nested": [[[[{"x": [1, [2, [3]]]}]]]], "s": "é\\\"\/"}"#,
        "\u{FEFF}{\"text\": \"bom\"}\r",
    ]

    /// Bytes that matter to the grammar, plus UTF-8 edge bytes.
    static let alphabet: [UInt8] = Array(#"{}[],:"\/ bfnrtu0123456789-+.eEaAdDFlsx"#.utf8)
        + [0x00, 0x09, 0x0A, 0x0D, 0x1F, 0x7F, 0x80, 0xBF, 0xC0, 0xC2, 0xE0, 0xED, 0xEF, 0xBB, 0xF0, 0xF4, 0xF5, 0xFF]

    func check(_ input: [UInt8], file: StaticString = #filePath, line: UInt = #line) {
        switch parseResult(input) {
        case .success(let value):
            var writer = JSONWriter()
            writer.value(value)
            switch parseResult(writer.bytes) {
            case .success(let again): XCTAssertEqual(again, value, file: file, line: line)
            case .failure(let error): XCTFail("writer output does not parse: \(error)", file: file, line: line)
            }
        case .failure(let error):
            XCTAssertTrue(error.offset >= 0 && error.offset <= input.count, "\(error)", file: file, line: line)
            XCTAssertFalse(error.message.isEmpty, file: file, line: line)
        }
        switch RequestDecoder.decode(input) {
        case .success(let request):
            XCTAssertTrue(request.text.utf8.count <= input.count + 64, file: file, line: line)
        case .failure(let error):
            XCTAssertFalse(error.code.isEmpty, file: file, line: line)
        }
    }

    func testRandomBytes() {
        var rng = SeededGenerator(seed: 0xF022_0001)
        for _ in 0..<20_000 {
            let length = Int.random(in: 0...48, using: &rng)
            let useAlphabet = Bool.random(using: &rng)
            let input: [UInt8] = (0..<length).map { _ in
                useAlphabet ? Self.alphabet.randomElement(using: &rng)! : UInt8.random(in: 0...255, using: &rng)
            }
            check(input)
        }
    }

    func testMutationsOfValidDocuments() {
        var rng = SeededGenerator(seed: 0xF022_0002)
        let documents = Self.seeds.map { Array($0.utf8) }
        for document in documents {
            check(document)
        }
        for _ in 0..<30_000 {
            var input = documents.randomElement(using: &rng)!
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let position = Int.random(in: 0...input.count, using: &rng)
                switch Int.random(in: 0..<7, using: &rng) {
                case 0 where position < input.count:   // replace with a random byte
                    input[position] = UInt8.random(in: 0...255, using: &rng)
                case 1 where position < input.count:   // replace with a grammar byte
                    input[position] = Self.alphabet.randomElement(using: &rng)!
                case 2:                                 // insert
                    input.insert(Self.alphabet.randomElement(using: &rng)!, at: position)
                case 3 where position < input.count:   // delete
                    input.remove(at: position)
                case 4:                                 // truncate
                    input.removeSubrange(position...)
                case 5:                                 // duplicate a slice
                    let end = min(input.count, position + Int.random(in: 1...12, using: &rng))
                    input.insert(contentsOf: input[position..<end], at: position)
                default:                                // flip a bit
                    if position < input.count { input[position] ^= UInt8(1) << UInt8.random(in: 0...7, using: &rng) }
                }
            }
            check(input)
        }
    }

    func testRandomStreamsThroughFramerAndDecoder() {
        // The stream contract: one outcome per line, whatever the bytes and the read splits.
        var rng = SeededGenerator(seed: 0xF022_0003)
        let documents = Self.seeds.map { Array($0.utf8) }
        for _ in 0..<300 {
            var stream: [UInt8] = []
            for _ in 0..<Int.random(in: 0...10, using: &rng) {
                var line = documents.randomElement(using: &rng)!
                if Bool.random(using: &rng), !line.isEmpty {
                    line[Int.random(in: 0..<line.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                }
                stream += line.filter { $0 != 0x0A } + [0x0A]
            }
            if Bool.random(using: &rng) { stream += documents.randomElement(using: &rng)!.prefix(Int.random(in: 0...20, using: &rng)) }
            let expectedLines = referenceEvents(stream, max: 120).count
            var framer = LineFramer(maxLineBytes: 120)
            var outcomes = 0
            var numbers: [Int] = []
            var start = 0
            let cuts = (0..<Int.random(in: 0...5, using: &rng)).map { _ in Int.random(in: 0...stream.count, using: &rng) }.sorted()
            let handle: (LineFramer.Event) -> Void = { event in
                switch event {
                case .line(let view, let number, _):
                    _ = RequestDecoder.decode(view)
                    numbers.append(number)
                case .tooLong(let number, _):
                    numbers.append(number)
                }
                outcomes += 1
            }
            for cut in cuts + [stream.count] {
                Array(stream[start..<cut]).withUnsafeBytes { framer.feed($0, handle) }
                start = cut
            }
            framer.finish(handle)
            XCTAssertEqual(outcomes, expectedLines)
            XCTAssertEqual(numbers, Array(1...max(1, expectedLines)).prefix(expectedLines).map { $0 })
        }
    }
}
