import XCTest
@testable import SwitchyardEnvelope

/// A framer event with the line bytes copied out.
enum Recorded: Equatable, CustomStringConvertible {
    case line([UInt8], number: Int, terminated: Bool)
    case tooLong(number: Int, length: Int)

    init(_ event: LineFramer.Event) {
        switch event {
        case .line(let view, let number, let terminated): self = .line(Array(view), number: number, terminated: terminated)
        case .tooLong(let number, let length): self = .tooLong(number: number, length: length)
        }
    }

    var description: String {
        switch self {
        case .line(let b, let n, let t): return "line#\(n)(\(String(decoding: b, as: UTF8.self).debugDescription)\(t ? "" : ", unterminated"))"
        case .tooLong(let n, let l): return "tooLong#\(n)(\(l))"
        }
    }
}

/// What the framer must produce, computed the obvious way on the whole stream.
func referenceEvents(_ stream: [UInt8], max: Int) -> [Recorded] {
    var out: [Recorded] = []
    var number = 1
    var start = 0
    for i in stream.indices where stream[i] == 0x0A {
        let content = Array(stream[start..<i])
        out.append(content.count > max ? .tooLong(number: number, length: max + 1)
                                        : .line(content, number: number, terminated: true))
        number += 1
        start = i + 1
    }
    if start < stream.count {
        let content = Array(stream[start...])
        out.append(content.count > max ? .tooLong(number: number, length: max + 1)
                                        : .line(content, number: number, terminated: false))
    }
    return out
}

/// Feeds `stream` cut at `cuts` (sorted offsets) and records the events; checks the buffer bound.
func framedEvents(_ stream: [UInt8], max: Int, cuts: [Int], file: StaticString = #filePath, line: UInt = #line) -> [Recorded] {
    var framer = LineFramer(maxLineBytes: max)
    var out: [Recorded] = []
    var start = 0
    for cut in cuts + [stream.count] {
        let chunk = Array(stream[start..<cut])
        chunk.withUnsafeBytes { buffer in
            framer.feed(buffer) { out.append(Recorded($0)) }
        }
        XCTAssertLessThanOrEqual(framer.bufferedByteCount, max, file: file, line: line)
        start = cut
    }
    framer.finish { out.append(Recorded($0)) }
    XCTAssertEqual(framer.bufferedByteCount, 0, file: file, line: line)
    return out
}

final class LineFramerTests: XCTestCase {

    func testBasicLines() {
        let stream = bytes("a\n\nbcd\r\nlast")
        let expected: [Recorded] = [
            .line(bytes("a"), number: 1, terminated: true),
            .line([], number: 2, terminated: true),
            .line(bytes("bcd\r"), number: 3, terminated: true),
            .line(bytes("last"), number: 4, terminated: false),
        ]
        XCTAssertEqual(framedEvents(stream, max: 10, cuts: []), expected)
        XCTAssertEqual(referenceEvents(stream, max: 10), expected)
        XCTAssertEqual(framedEvents(stream, max: 10, cuts: [1, 2, 5, 9]), expected)
    }

    func testEmptyInput() {
        XCTAssertEqual(framedEvents([], max: 10, cuts: []), [])
        XCTAssertEqual(framedEvents([], max: 10, cuts: [0, 0]), [])
        var framer = LineFramer(maxLineBytes: 4)
        var count = 0
        framer.finish { _ in count += 1 }
        framer.feed(UnsafeRawBufferPointer(start: nil, count: 0)) { _ in count += 1 }
        framer.finish { _ in count += 1 }
        XCTAssertEqual(count, 0)
        XCTAssertEqual(framer.nextLineNumber, 1)
    }

    func testTerminatedFinalLineYieldsNothingAtFinish() {
        XCTAssertEqual(framedEvents(bytes("x\n"), max: 4, cuts: []), [.line(bytes("x"), number: 1, terminated: true)])
        XCTAssertEqual(framedEvents(bytes("\n"), max: 4, cuts: []), [.line([], number: 1, terminated: true)])
    }

    func testUnterminatedFinalLine() {
        XCTAssertEqual(framedEvents(bytes("ab\ncd"), max: 4, cuts: [4]),
                       [.line(bytes("ab"), number: 1, terminated: true), .line(bytes("cd"), number: 2, terminated: false)])
        // Exactly at the limit is fine; one more byte is too long and yields nothing at finish.
        XCTAssertEqual(framedEvents(bytes("abcd"), max: 4, cuts: [2]), [.line(bytes("abcd"), number: 1, terminated: false)])
        XCTAssertEqual(framedEvents(bytes("abcde"), max: 4, cuts: [2]), [.tooLong(number: 1, length: 5)])
    }

    func testTooLongIsReportedAsSoonAsTheCapIsCrossed() {
        var framer = LineFramer(maxLineBytes: 4)
        var events: [Recorded] = []
        for piece in ["ab", "cd", "e", "fgh", "ij\nok", "\n"] {
            bytes(piece).withUnsafeBytes { framer.feed($0) { events.append(Recorded($0)) } }
            if piece == "e" {
                XCTAssertEqual(events, [.tooLong(number: 1, length: 5)], "reported on the 5th byte")
            }
            XCTAssertEqual(framer.bufferedByteCount, ["ab": 2, "cd": 4, "ij\nok": 2][piece] ?? 0)
        }
        framer.finish { events.append(Recorded($0)) }
        XCTAssertEqual(events, [.tooLong(number: 1, length: 5), .line(bytes("ok"), number: 2, terminated: true)])
    }

    func testZeroLimit() {
        XCTAssertEqual(framedEvents(bytes("\na\n\n"), max: 0, cuts: [2]),
                       [.line([], number: 1, terminated: true), .tooLong(number: 2, length: 1),
                        .line([], number: 3, terminated: true)])
    }

    func testTooLongLineAtEveryPositionAndEverySplit() {
        let max = 6
        let short = ["a", "", "bcdef\r", "ghijkl"]
        for position in 0...short.count {
            for longLength in [7, 8, 20] {
                for terminatedAtEnd in [true, false] {
                    var lines = short
                    lines.insert(String(repeating: "L", count: longLength), at: position)
                    var stream = bytes(lines.joined(separator: "\n"))
                    if terminatedAtEnd { stream.append(0x0A) }
                    let expected = referenceEvents(stream, max: max)
                    XCTAssertEqual(expected.filter { if case .tooLong = $0 { return true } else { return false } }.count, 1)
                    XCTAssertEqual(framedEvents(stream, max: max, cuts: []), expected)
                    for cut in 0...stream.count {
                        XCTAssertEqual(framedEvents(stream, max: max, cuts: [cut]), expected, "cut \(cut)")
                    }
                    // Byte at a time.
                    XCTAssertEqual(framedEvents(stream, max: max, cuts: Array(0...stream.count)), expected)
                }
            }
        }
    }

    func testRandomChunkSplitsMatchOneChunk() {
        var rng = SeededGenerator(seed: 0xF4A3_E001)
        let alphabet: [UInt8] = Array("ab{}\"\\ \r\t".utf8) + [0xC3, 0xA9, 0x00, 0xFF]
        for _ in 0..<400 {
            let max = [0, 1, 3, 8, 16, 64].randomElement(using: &rng)!
            var stream: [UInt8] = []
            for _ in 0..<Int.random(in: 0...12, using: &rng) {
                let length = Int.random(in: 0...(2 * max + 2), using: &rng)
                for _ in 0..<length { stream.append(alphabet.randomElement(using: &rng)!) }
                stream.append(0x0A)
            }
            if Bool.random(using: &rng) {
                for _ in 0..<Int.random(in: 0...(2 * max + 2), using: &rng) { stream.append(alphabet.randomElement(using: &rng)!) }
            }
            let expected = referenceEvents(stream, max: max)
            XCTAssertEqual(framedEvents(stream, max: max, cuts: []), expected)
            for _ in 0..<8 {
                let cuts = (0..<Int.random(in: 0...6, using: &rng)).map { _ in Int.random(in: 0...stream.count, using: &rng) }.sorted()
                XCTAssertEqual(framedEvents(stream, max: max, cuts: cuts), expected, "cuts \(cuts)")
            }
        }
    }

    func testLongStreamsAcrossWordBoundaries() {
        // Newlines at every offset relative to the 8-byte scan.
        for gap in 0..<20 {
            var stream: [UInt8] = []
            for _ in 0..<5 { stream += [UInt8](repeating: 0x61, count: gap) + [0x0A] }
            XCTAssertEqual(framedEvents(stream, max: 100, cuts: []), referenceEvents(stream, max: 100))
            XCTAssertEqual(framedEvents(stream, max: 10, cuts: [min(7, stream.count)]), referenceEvents(stream, max: 10))
        }
    }

    func testLinesInsideOneChunkAreViewsWithoutCopy() {
        let stream = bytes("one\ntwo\nthr")
        var framer = LineFramer(maxLineBytes: 100)
        stream.withUnsafeBytes { chunk in
            let lower = UInt(bitPattern: chunk.baseAddress!)
            let upper = lower + UInt(chunk.count)
            var seen = 0
            framer.feed(chunk) { event in
                guard case .line(let view, _, _) = event else { return XCTFail("\(event)") }
                let address = UInt(bitPattern: view.baseAddress!)
                XCTAssertTrue(address >= lower && address + UInt(view.count) <= upper, "view into the chunk")
                seen += 1
            }
            XCTAssertEqual(seen, 2)
        }
        XCTAssertEqual(framer.bufferedByteCount, 3)   // only the split line is copied
        var events: [Recorded] = []
        bytes("ee\n").withUnsafeBytes { framer.feed($0) { events.append(Recorded($0)) } }
        XCTAssertEqual(events, [.line(bytes("three"), number: 3, terminated: true)])
    }

    func testThrowingBodyLeavesNoStaleBytes() {
        struct Stop: Error {}
        var framer = LineFramer(maxLineBytes: 100)
        bytes("ab").withUnsafeBytes { framer.feed($0) { _ in XCTFail("no line yet") } }
        XCTAssertThrowsError(try bytes("c\n").withUnsafeBytes { chunk in
            try framer.feed(chunk) { _ in throw Stop() }
        })
        var events: [Recorded] = []
        bytes("d\n").withUnsafeBytes { framer.feed($0) { events.append(Recorded($0)) } }
        XCTAssertEqual(events, [.line(bytes("d"), number: 2, terminated: true)])
    }

    func testThrowingBodyInEveryPath() {
        struct Stop: Error {}
        // Throwing from a too-long event, a view line, a buffered line and finish: the error
        // propagates and the framer carries on with the next line.
        var framer = LineFramer(maxLineBytes: 3)
        var seen: [Recorded] = []
        let record: (LineFramer.Event) -> Void = { seen.append(Recorded($0)) }
        let stop: (LineFramer.Event) throws -> Void = { seen.append(Recorded($0)); throw Stop() }
        XCTAssertThrowsError(try bytes("toolong").withUnsafeBytes { c in try framer.feed(c, stop) })   // tooLong #1
        bytes("x\nab").withUnsafeBytes { framer.feed($0, record) }                                    // ends #1, buffers "ab"
        XCTAssertThrowsError(try bytes("c\n").withUnsafeBytes { c in try framer.feed(c, stop) })      // buffered #2
        XCTAssertEqual(framer.bufferedByteCount, 0)
        XCTAssertThrowsError(try bytes("d\nlost\n").withUnsafeBytes { c in try framer.feed(c, stop) }) // view #3; rest dropped
        bytes("f").withUnsafeBytes { framer.feed($0, record) }
        XCTAssertThrowsError(try framer.finish(stop))                                                  // unterminated #4
        XCTAssertEqual(framer.bufferedByteCount, 0)
        bytes("e\n").withUnsafeBytes { framer.feed($0, record) }
        framer.finish(record)
        XCTAssertEqual(seen, [.tooLong(number: 1, length: 4), .line(bytes("abc"), number: 2, terminated: true),
                              .line(bytes("d"), number: 3, terminated: true), .line(bytes("f"), number: 4, terminated: false),
                              .line(bytes("e"), number: 5, terminated: true)])
    }

    func testCopiesAreIndependent() {
        var a = LineFramer(maxLineBytes: 10)
        bytes("ab").withUnsafeBytes { a.feed($0) { _ in XCTFail() } }
        var b = a
        var fromA: [Recorded] = [], fromB: [Recorded] = []
        bytes("X\n").withUnsafeBytes { a.feed($0) { fromA.append(Recorded($0)) } }
        bytes("YZ\n").withUnsafeBytes { b.feed($0) { fromB.append(Recorded($0)) } }
        XCTAssertEqual(fromA, [.line(bytes("abX"), number: 1, terminated: true)])
        XCTAssertEqual(fromB, [.line(bytes("abYZ"), number: 1, terminated: true)])
    }

    func testUnlimitedLimitGrowsInsteadOfAllocatingItAll() {
        var framer = LineFramer(maxLineBytes: .max)
        var events: [Recorded] = []
        let piece = [UInt8](repeating: 0x61, count: 700_000)
        for _ in 0..<4 {
            piece.withUnsafeBytes { framer.feed($0) { events.append(Recorded($0)) } }
        }
        XCTAssertEqual(framer.bufferedByteCount, 2_800_000)
        bytes("b\nc").withUnsafeBytes { framer.feed($0) { events.append(Recorded($0)) } }
        framer.finish { events.append(Recorded($0)) }
        XCTAssertEqual(events, [.line(Array(repeating: 0x61, count: 2_800_000) + [0x62], number: 1, terminated: true),
                                .line(bytes("c"), number: 2, terminated: false)])
    }

    func testLargeLimitDoesNotStoreDiscardedBytes() {
        // A 1 MiB line against a 1 KiB cap, fed in 4 KiB chunks: never more than the cap is held.
        let max = 1024
        var framer = LineFramer(maxLineBytes: max)
        var events: [Recorded] = []
        let chunk = [UInt8](repeating: 0x7A, count: 4096)
        chunk.withUnsafeBytes { buffer in
            for _ in 0..<256 {
                framer.feed(buffer) { events.append(Recorded($0)) }
                XCTAssertLessThanOrEqual(framer.bufferedByteCount, max)
            }
        }
        bytes("\n{}\n").withUnsafeBytes { framer.feed($0) { events.append(Recorded($0)) } }
        framer.finish { events.append(Recorded($0)) }
        XCTAssertEqual(events, [.tooLong(number: 1, length: max + 1), .line(bytes("{}"), number: 2, terminated: true)])
    }
}
