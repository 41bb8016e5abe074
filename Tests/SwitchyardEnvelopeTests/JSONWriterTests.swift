import XCTest
@testable import SwitchyardEnvelope

final class JSONWriterTests: XCTestCase {

    func testStructureAndCommas() {
        var w = JSONWriter()
        w.beginObject()
        w.key("a"); w.int(1)
        w.key("b"); w.beginArray(); w.bool(true); w.bool(false); w.null(); w.beginArray(); w.endArray(); w.endArray()
        w.key("c"); w.beginObject(); w.key("d"); w.string("x"); w.endObject()
        w.key("e"); w.double(7.5)
        w.key("f"); w.double(10.0)
        w.key("g"); w.raw(#"{"r":[1]}"#)
        w.key("h"); w.beginObject(); w.endObject()
        w.key("i"); w.number(JSONNumber(literal: "-1.5e3"))
        w.endObject()
        XCTAssertEqual(w.jsonString,
                       #"{"a":1,"b":[true,false,null,[]],"c":{"d":"x"},"e":7.5,"f":10,"g":{"r":[1]},"h":{},"i":-1.5e3}"#)
        XCTAssertNoThrow(try StrictJSON.parse(w.bytes))
    }

    func testTopLevelSequenceAndReset() {
        var w = JSONWriter(capacity: 16)
        w.beginArray(); w.int(1); w.endArray()
        XCTAssertEqual(w.jsonString, "[1]")
        w.reset()
        XCTAssertEqual(w.bytes, [])
        w.string("a")
        XCTAssertEqual(w.jsonString, #""a""#)   // no leading comma after reset
        w.reset()
        w.beginObject(); w.key("k"); w.beginArray(); w.string("v"); w.int(2); w.endArray(); w.key("z"); w.null(); w.endObject()
        XCTAssertEqual(w.jsonString, #"{"k":["v",2],"z":null}"#)
    }

    func testIntegers() {
        for (value, text) in [(0, "0"), (7, "7"), (-7, "-7"), (10, "10"), (1234567890, "1234567890"),
                              (Int.max, "9223372036854775807"), (Int.min, "-9223372036854775808")] {
            var w = JSONWriter()
            w.int(value)
            XCTAssertEqual(w.jsonString, text)
        }
    }

    func testDoubles() {
        let cases: [(Double, String)] = [
            (7.5, "7.5"), (10.0, "10"), (0.0, "0"), (-0.0, "0"), (-3.0, "-3"), (0.1, "0.1"),
            (0.1 + 0.2, "0.30000000000000004"), (1e300, "1e+300"), (1e-7, "1e-07"),
            (123456789012345.0, "123456789012345"), (1e15, "1000000000000000"), (1e16, "1e+16"),
            (9007199254740992.0, "9007199254740992"), (-1e22, "-1e+22"), (-2.25, "-2.25"),
            (.nan, "null"), (.infinity, "null"), (-.infinity, "null"),
        ]
        for (value, text) in cases {
            var w = JSONWriter()
            w.double(value)
            XCTAssertEqual(w.jsonString, text, "\(value)")
            if value.isFinite {
                guard case .success(.number(let n)) = parseResult(w.bytes) else {
                    XCTFail("\(text) is not a JSON number")
                    continue
                }
                XCTAssertEqual(n.doubleValue, value == 0 ? 0 : value)
            }
        }
    }

    func testEscaping() {
        XCTAssertEqual(JSONWriter.quoted("plain"), #""plain""#)
        XCTAssertEqual(JSONWriter.quoted(""), #""""#)
        XCTAssertEqual(JSONWriter.quoted("a\"b\\c/d"), #""a\"b\\c/d""#)
        XCTAssertEqual(JSONWriter.quoted("\n\r\t\u{08}\u{0C}"), #""\n\r\t\b\f""#)
        XCTAssertEqual(JSONWriter.quoted("\u{0}\u{1}\u{1F}"), #""\u0000\u0001\u001f""#)
        XCTAssertEqual(JSONWriter.quoted("x\u{2028}y\u{2029}z"), #""x\u2028y\u2029z""#)
        XCTAssertEqual(JSONWriter.quoted("é😀\u{7F}\u{2027}\u{202A}"), "\"é😀\u{7F}\u{2027}\u{202A}\"")
        XCTAssertEqual(JSONWriter.quoted("\u{2028}"), #""\u2028""#)
        XCTAssertEqual(JSONWriter.quoted("ab\u{2029}"), #""ab\u2029""#)
        var w = JSONWriter()
        w.beginObject(); w.key("k\"\n"); w.string("v"); w.endObject()
        XCTAssertEqual(w.jsonString, #"{"k\"\n":"v"}"#)
    }

    func testEscapingRoundTripsThroughTheParser() {
        var rng = SeededGenerator(seed: 0x5EED_0001)
        let interesting: [Unicode.Scalar] = ["\"", "\\", "/", "\n", "\r", "\t", "\u{0}", "\u{1F}", "\u{7F}",
                                             "\u{80}", "\u{2028}", "\u{2029}", "\u{FEFF}", "\u{FFFF}",
                                             "\u{10000}", "\u{10FFFF}", "é", "😀", "a", " "]
        for _ in 0..<2000 {
            var scalars = String.UnicodeScalarView()
            for _ in 0..<Int.random(in: 0...24, using: &rng) {
                if Bool.random(using: &rng) {
                    scalars.append(interesting.randomElement(using: &rng)!)
                } else {
                    var v = UInt32.random(in: 0...0x10FFFF, using: &rng)
                    if (0xD800...0xDFFF).contains(v) { v = 0x41 }
                    scalars.append(Unicode.Scalar(v)!)
                }
            }
            let s = String(scalars)
            let quoted = JSONWriter.quoted(s)
            XCTAssertFalse(quoted.unicodeScalars.contains("\u{2028}"))
            XCTAssertFalse(quoted.unicodeScalars.contains("\u{2029}"))
            XCTAssertFalse(quoted.utf8.dropFirst().dropLast().contains { $0 < 0x20 })
            switch parseResult(quoted) {
            case .success(.string(let back)):
                XCTAssertTrue(back.utf8.elementsEqual(s.utf8), "round trip of \(quoted)")
            default:
                XCTFail("does not parse: \(quoted)")
            }
        }
    }

    func testValueRoundTrip() throws {
        let text = #"{"id":"r1","n":[1,-2.5e-3,0],"o":{"t":true,"f":false,"z":null},"s":"\u0000\u2028é"}"#
        let value = try StrictJSON.parse(text)
        var w = JSONWriter()
        w.value(value)
        XCTAssertEqual(w.jsonString, #"{"id":"r1","n":[1,-2.5e-3,0],"o":{"t":true,"f":false,"z":null},"s":"\u0000\u2028é"}"#)
        XCTAssertEqual(try StrictJSON.parse(w.bytes), value)
    }

    func testErrorLineShape() throws {
        // The error record of the stream contract.
        let error = RequestError(code: "missing_text", message: "expected text, prompt, input or user messages",
                                 id: .number(JSONNumber(literal: "7")))
        var w = JSONWriter()
        w.beginObject()
        w.key("id"); w.requestID(error.id)
        w.key("line"); w.int(17)
        w.key("error"); w.string(error.description)
        w.endObject()
        XCTAssertEqual(w.jsonString,
                       #"{"id":7,"line":17,"error":"missing_text: expected text, prompt, input or user messages"}"#)
        w.reset()
        w.requestID(nil)
        w.requestID(.string("r\"9"))
        XCTAssertEqual(w.jsonString, #"null,"r\"9""#)
    }
}
