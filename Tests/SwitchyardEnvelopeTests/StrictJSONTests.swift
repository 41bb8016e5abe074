import XCTest
@testable import SwitchyardEnvelope

final class StrictJSONTests: XCTestCase {

    // MARK: Valid documents

    func testScalarsAndWhitespace() {
        assertParses("null", .null)
        assertParses("true", .bool(true))
        assertParses("false", .bool(false))
        assertParses(" \t\r\n 42 \n\t\r ", num("42"))
        assertParses("\"hi\"", .string("hi"))
        assertParses("\"\"", .string(""))
        assertParses("[]", .array([]))
        assertParses("{}", .object(JSONObject()))
        assertParses("[ ]", .array([]))
        assertParses("{ \n }", .object(JSONObject()))
    }

    func testNestedStructureKeepsOrder() throws {
        let value = try StrictJSON.parse(#" {"z": [1, {"y": null}, "s"], "a": true, "m": {}} "#)
        XCTAssertEqual(value, obj([
            ("z", .array([num("1"), obj([("y", .null)]), .string("s")])),
            ("a", .bool(true)),
            ("m", obj([])),
        ]))
        let object = try XCTUnwrap(value.objectValue)
        XCTAssertEqual(object.keys, ["z", "a", "m"])
        XCTAssertEqual(object["a"], .bool(true))
        XCTAssertNil(object["missing"])
        XCTAssertEqual(object["z"]?.arrayValue?.count, 3)
    }

    func testObjectEqualityIsOrderSensitive() {
        let a = JSONObject([(key: "a", value: .null), (key: "b", value: .null)])
        let b = JSONObject([(key: "b", value: .null), (key: "a", value: .null)])
        XCTAssertNotEqual(a, b)
        XCTAssertEqual(a, JSONObject([(key: "a", value: .null), (key: "b", value: .null)]))
    }

    func testSubscriptMatchesExactBytes() throws {
        // Kelvin sign K (U+212A) is canonically equivalent to "K" but is a different key.
        let value = try StrictJSON.parse(#"{"\u212Aey": 1}"#)
        let object = try XCTUnwrap(value.objectValue)
        XCTAssertNil(object["Key"])
        XCTAssertEqual(object["\u{212A}ey"], num("1"))
    }

    // MARK: Strings and escapes

    func testSimpleEscapes() {
        assertParses(#""\"\\\/\b\f\n\r\t""#, .string("\"\\/\u{08}\u{0C}\n\r\t"))
        assertParses(#""a\nb""#, .string("a\nb"))
    }

    func testUnicodeEscapes() {
        assertParses(#""\u0041\u00e9\u20AC""#, .string("Aé€"))
        assertParses(#""\u0000""#, .string("\u{0}"))
        assertParses(#""x\u0000y""#, .string("x\u{0}y"))
        assertParses(#""\ud83d\ude00""#, .string("😀"))
        assertParses(#""\uD83D\uDE00!""#, .string("😀!"))
        assertParses(#""\uDBFF\uDFFF""#, .string("\u{10FFFF}"))
        assertParses(#""\uD800\uDC00""#, .string("\u{10000}"))
        assertParses(#""\uFFFF\uD7FF\uE000""#, .string("\u{FFFF}\u{D7FF}\u{E000}"))
        assertParses(#""\u2028""#, .string("\u{2028}"))
    }

    func testRawUTF8Strings() {
        assertParses("\"héllo wörld 😀 \u{10FFFF} \u{FEFF}\"", .string("héllo wörld 😀 \u{10FFFF} \u{FEFF}"))
        assertParses("\"mixed é\\n😀\\t\u{2028}\"", .string("mixed é\n😀\t\u{2028}"))
    }

    func testFastPathAtEveryAlignment() {
        // Quote, backslash and control characters at every position around the 8-byte scan.
        for length in 0..<40 {
            let body = String(repeating: "a", count: length)
            assertParses("\"\(body)\"", .string(body))
            assertParses("\"\(body)\\n\(body)\"", .string(body + "\n" + body))
            assertParseError("\"\(body)\u{1}\(body)\"", .invalidJSON, at: 1 + length)
            assertParseError("\"\(body)", .invalidJSON, at: 1 + length)
            assertParses("\"é\(body)\"", .string("é" + body))
        }
    }

    // MARK: Numbers

    func testValidNumbers() {
        for literal in ["0", "-0", "1", "-1", "10", "1234567890", "1.5", "-1.5e3", "1E+2", "1e-2", "0.0",
                        "0e0", "0E-0", "-0.000001", "123456789012345678901234567890", "1e400", "2.5E10"] {
            assertParses(literal, num(literal))
            assertParses("[\(literal)]", .array([num(literal)]))
            assertParses("{\"n\":\(literal)}", obj([("n", num(literal))]))
        }
        XCTAssertEqual(JSONNumber(literal: "-1.5e3").doubleValue, -1500)
        XCTAssertEqual(JSONNumber(literal: "42").intValue, 42)
        XCTAssertNil(JSONNumber(literal: "4.2").intValue)
        XCTAssertEqual(JSONNumber(7).literal, "7")
    }

    func testInvalidNumbers() {
        assertParseError("01", .invalidJSON, at: 1)
        assertParseError("-01", .invalidJSON, at: 2)
        assertParseError("00", .invalidJSON, at: 1)
        assertParseError("+1", .invalidJSON, at: 0)
        assertParseError(".5", .invalidJSON, at: 0)
        assertParseError("1.", .invalidJSON, at: 2)
        assertParseError("1.e5", .invalidJSON, at: 2)
        assertParseError("1e", .invalidJSON, at: 2)
        assertParseError("1e+", .invalidJSON, at: 3)
        assertParseError("1ex", .invalidJSON, at: 2)
        assertParseError("-", .invalidJSON, at: 1)
        assertParseError("--1", .invalidJSON, at: 1)
        assertParseError("-a", .invalidJSON, at: 1)
        assertParseError("0x10", .invalidJSON, at: 1)
        assertParseError("NaN", .invalidJSON, at: 0)
        assertParseError("Infinity", .invalidJSON, at: 0)
        assertParseError("-Infinity", .invalidJSON, at: 1)
        assertParseError("1.2.3", .invalidJSON, at: 3)
        assertParseError("1_000", .invalidJSON, at: 1)
        assertParseError("[1,01]", .invalidJSON, at: 4)
    }

    // MARK: invalid_json

    func testInvalidJSONOffsetsAndMessages() {
        XCTAssertEqual(assertParseError("", .invalidJSON, at: 0)?.description,
                       "invalid_json: unexpected end of input at byte 0")
        XCTAssertEqual(assertParseError("   ", .invalidJSON, at: 3)?.message, "unexpected end of input")
        XCTAssertEqual(assertParseError(#"{"a":1"#, .invalidJSON, at: 6)?.description,
                       "invalid_json: unexpected end of input at byte 6")
        assertParseError(#"{"a":"#, .invalidJSON, at: 5)
        assertParseError(#"{"a""#, .invalidJSON, at: 4)
        assertParseError(#"{"#, .invalidJSON, at: 1)
        assertParseError("[1,2", .invalidJSON, at: 4)
        assertParseError("[1,", .invalidJSON, at: 3)
        assertParseError("[1,]", .invalidJSON, at: 3)
        assertParseError("[,1]", .invalidJSON, at: 1)
        assertParseError("[1 2]", .invalidJSON, at: 3)
        assertParseError(#"{"a" 1}"#, .invalidJSON, at: 5)
        assertParseError(#"{1:2}"#, .invalidJSON, at: 1)
        assertParseError(#"{'a':1}"#, .invalidJSON, at: 1)
        assertParseError(#"{"a":1,}"#, .invalidJSON, at: 7)
        assertParseError(#"{"a":1 "b":2}"#, .invalidJSON, at: 7)
        assertParseError(#"{"a":1]"#, .invalidJSON, at: 6)
        assertParseError("[1}", .invalidJSON, at: 2)
        assertParseError("tru", .invalidJSON, at: 3)
        assertParseError("trux", .invalidJSON, at: 0)
        assertParseError("nul", .invalidJSON, at: 3)
        assertParseError("True", .invalidJSON, at: 0)
        assertParseError("undefined", .invalidJSON, at: 0)
        XCTAssertEqual(assertParseError("{} x", .invalidJSON, at: 3)?.message,
                       "unexpected character 'x' after the JSON value")
        assertParseError("1 2", .invalidJSON, at: 2)
        assertParseError("{}{}", .invalidJSON, at: 2)
        assertParseError("\"a\"\u{0}", .invalidJSON, at: 3)
        assertParseError("é", .invalidJSON, at: 0)
        assertParseError("\u{FEFF}{}", .invalidJSON, at: 0)   // the parser itself does not skip a BOM
        assertParseError("[1,\u{A0}2]", .invalidJSON, at: 3)   // NBSP is not JSON whitespace
        assertParseError("\u{B}1", .invalidJSON, at: 0)
        assertParseError("/* c */ 1", .invalidJSON, at: 0)
    }

    func testRawControlCharactersInStrings() {
        for c: UInt8 in 0..<0x20 {
            let input: [UInt8] = [0x22, 0x61, c, 0x62, 0x22]
            let error = assertParseError(input, .invalidJSON, at: 2)
            let hex = (c < 16 ? "0" : "") + String(c, radix: 16, uppercase: true)
            XCTAssertEqual(error?.message, "unescaped control character 0x\(hex) in string")
        }
        assertParseError("\"a\\tb\tc\"", .invalidJSON, at: 5)   // after an escape (slow path)
        assertParses("\"\u{7F}\"", .string("\u{7F}"))               // DEL is allowed
    }

    func testBadEscapes() {
        XCTAssertEqual(assertParseError(#""\x""#, .invalidJSON, at: 1)?.message, "invalid escape sequence")
        assertParseError(#""ab\'""#, .invalidJSON, at: 3)
        assertParseError(#""\U0041""#, .invalidJSON, at: 1)
        assertParseError(#""\u12G4""#, .invalidJSON, at: 1)
        assertParseError(#""\u12""#, .invalidJSON, at: 1)
        assertParseError(#""\u12"#, .invalidJSON, at: 5)
        assertParseError(#""\"#, .invalidJSON, at: 2)
        assertParseError(#""\uD800\uZZZZ""#, .invalidJSON, at: 7)
    }

    // MARK: invalid_utf8

    func testInvalidUTF8() {
        let cases: [([UInt8], Int)] = [
            ([0x22, 0xC0, 0x80, 0x22], 1),               // overlong NUL
            ([0x22, 0xC1, 0xBF, 0x22], 1),               // overlong
            ([0x22, 0xE0, 0x80, 0x80, 0x22], 1),         // overlong 3-byte
            ([0x22, 0xE0, 0x9F, 0xBF, 0x22], 1),         // overlong 3-byte (U+07FF)
            ([0x22, 0xF0, 0x8F, 0xBF, 0xBF, 0x22], 1),   // overlong 4-byte
            ([0x22, 0xED, 0xA0, 0x80, 0x22], 1),         // U+D800 encoded
            ([0x22, 0xED, 0xBF, 0xBF, 0x22], 1),         // U+DFFF encoded
            ([0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], 1),   // U+110000
            ([0x22, 0xF5, 0x80, 0x80, 0x80, 0x22], 1),
            ([0x22, 0xFF, 0x22], 1),
            ([0x22, 0x80, 0x22], 1),                     // stray continuation
            ([0x22, 0x61, 0xE2, 0x82, 0x22], 2),         // truncated before the quote
            ([0x22, 0x61, 0xE2, 0x82], 2),               // truncated at the end
            ([0x22, 0xF0, 0x9F, 0x98], 1),
            ([0x22, 0xC3], 1),
            ([0x22, 0xC3, 0xC3, 0xA9, 0x22], 1),
            ([0xFF], 0),
        ]
        for (input, offset) in cases {
            let error = assertParseError(input, .invalidUTF8, at: offset)
            XCTAssertEqual(error?.message, "invalid UTF-8")
        }
        let valid: [[UInt8]] = [
            [0x22, 0xE2, 0x82, 0xAC, 0x22],          // €
            [0x22, 0xF0, 0x9F, 0x98, 0x80, 0x22],    // 😀
            [0x22, 0xED, 0x9F, 0xBF, 0x22],          // U+D7FF
            [0x22, 0xEE, 0x80, 0x80, 0x22],          // U+E000
            [0x22, 0xF4, 0x8F, 0xBF, 0xBF, 0x22],    // U+10FFFF
            [0x22, 0xC2, 0x80, 0x22],                // U+0080
        ]
        for input in valid {
            guard case .success(.string(let s)) = parseResult(input) else {
                XCTFail("\(input) should parse")
                continue
            }
            XCTAssertEqual(Array(s.utf8), Array(input[1..<(input.count - 1)]))
        }
    }

    func testInvalidUTF8WinsAndUsesAbsoluteOffset() {
        // Invalid UTF-8 anywhere is reported even if a syntax error comes first.
        var input = bytes(#"{"id": x, "text": "ab"#)
        input.append(0xFF)
        input += bytes(#""}"#)
        let error = assertParseError(input, .invalidUTF8, at: 21)
        XCTAssertEqual(error?.description, "invalid_utf8: invalid UTF-8 at byte 21")
        // Long ASCII prefix: the 8-byte fast path must still find the byte.
        for prefix in 0..<20 {
            var long = [UInt8](repeating: 0x20, count: prefix) + bytes("\"")
            long += [UInt8](repeating: 0x61, count: 17) + [0xC0, 0xAF] + bytes("\"")
            assertParseError(long, .invalidUTF8, at: prefix + 18)
        }
    }

    // MARK: invalid_unicode_escape

    func testLoneSurrogates() {
        XCTAssertEqual(assertParseError(#""\uD800""#, .invalidUnicodeEscape, at: 1)?.description,
                       #"invalid_unicode_escape: unpaired high surrogate escape \uD800 at byte 1"#)
        XCTAssertEqual(assertParseError(#""ab\udfff""#, .invalidUnicodeEscape, at: 3)?.description,
                       #"invalid_unicode_escape: unpaired low surrogate escape \uDFFF at byte 3"#)
        assertParseError(#""\uDC00\uD800""#, .invalidUnicodeEscape, at: 1)
        assertParseError(#""\uD800\u0041""#, .invalidUnicodeEscape, at: 1)
        assertParseError(#""\uD800\uD800""#, .invalidUnicodeEscape, at: 1)
        assertParseError(#""\uDBFF\uE000""#, .invalidUnicodeEscape, at: 1)
        assertParseError(#""\uD800x""#, .invalidUnicodeEscape, at: 1)
        assertParseError(#""\uD800\n""#, .invalidUnicodeEscape, at: 1)
        assertParseError(#""\uD800""#, .invalidUnicodeEscape, at: 1)
        assertParseError(#"{"k\uD800":1}"#, .invalidUnicodeEscape, at: 3)
        assertParseError(#"["ok", "x\uDE00y"]"#, .invalidUnicodeEscape, at: 9)
        assertParseError(#""\uD800"#, .invalidJSON, at: 7)   // truncated input: end of input
        assertParseError(#""\uD800\"#, .invalidJSON, at: 8)
    }

    // MARK: duplicate_key

    func testDuplicateKeys() {
        XCTAssertEqual(assertParseError(#"{"id":1,"id":2}"#, .duplicateKey, at: 8)?.description,
                       #"duplicate_key: duplicate key "id" at byte 8"#)
        assertParseError(#"{"a":{"b":1,"c":{"x":1,"x":2}}}"#, .duplicateKey, at: 23)
        assertParseError(#"[{"a":1},{"b":1,"b":1}]"#, .duplicateKey, at: 16)
        assertParseError(#"{"a":1,"\u0061":2}"#, .duplicateKey, at: 7)          // same after unescaping
        assertParseError(#"{"text":"x","b":1,"text":"y"}"#, .duplicateKey, at: 18)
        assertParseError(#"{"":1,"":2}"#, .duplicateKey, at: 6)
        // Canonically equivalent keys are refused too (precomposed vs decomposed é).
        assertParseError(#"{"\u00e9":1,"e\u0301":2}"#, .duplicateKey, at: 12)
        // Same key in different objects is fine.
        assertParses(#"{"a":{"a":1},"b":{"a":2}}"#,
                     obj([("a", obj([("a", num("1"))])), ("b", obj([("a", num("2"))]))]))
        // Keys that differ only in case are different.
        assertParses(#"{"a":1,"A":2}"#, obj([("a", num("1")), ("A", num("2"))]))
        // The message escapes the key and abbreviates long keys.
        XCTAssertEqual(assertParseError("{\"q\\\"\\n\":1,\"q\\\"\\n\":2}", .duplicateKey, at: 11)?.message,
                       #"duplicate key "q\"\n""#)
        let long = String(repeating: "k", count: 100)
        let message = assertParseError("{\"\(long)\":1,\"\(long)\":1}", .duplicateKey, at: 106)?.message
        XCTAssertEqual(message, "duplicate key \"\(String(repeating: "k", count: 64))…\"")
    }

    func testDuplicateKeysInLargeObjects() {
        // Past the linear-scan limit the parser switches to a set; check both sides of it.
        for size in 1..<40 {
            let keys = (0..<size).map { "\"k\($0)\":\($0)" }
            let valid = "{" + keys.joined(separator: ",") + "}"
            guard case .success(.object(let object)) = parseResult(valid) else {
                XCTFail("size \(size) should parse")
                continue
            }
            XCTAssertEqual(object.count, size)
            for dup in 0..<size {
                let input = "{" + keys.joined(separator: ",") + ",\"k\(dup)\":0}"
                assertParseError(input, .duplicateKey, at: valid.utf8.count)
            }
        }
    }

    // MARK: too_deep

    func testDepth() {
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        guard case .success = parseResult(ok) else { return XCTFail("64 levels should parse") }
        let deep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        XCTAssertEqual(assertParseError(deep, .tooDeep, at: 64)?.description,
                       "too_deep: nesting deeper than 64 levels at byte 64")
        let objects = String(repeating: "{\"a\":", count: 65) + "1" + String(repeating: "}", count: 65)
        assertParseError(objects, .tooDeep, at: 64 * 5)
        let mixed = String(repeating: "[{\"a\":", count: 40) + "1" + String(repeating: "}]", count: 40)
        assertParseError(mixed, .tooDeep, at: 32 * 6)
        // Empty containers count too.
        assertParseError(String(repeating: "[", count: 64) + "[]" + String(repeating: "]", count: 64),
                         .tooDeep, at: 64)
        // maxDepth parameter
        assertParseError("[[1]]", .tooDeep, at: 1, maxDepth: 1)
        assertParses("[1]", .array([num("1")]), maxDepth: 1)
        assertParses("1", num("1"), maxDepth: 0)
        assertParseError("{}", .tooDeep, at: 0, maxDepth: 0)
        // Siblings do not add depth.
        let wide = "[" + Array(repeating: "[[[]]]", count: 1000).joined(separator: ",") + "]"
        guard case .success = parseResult(wide, maxDepth: 4) else { return XCTFail("wide should parse") }
        // An unbounded opening run is refused without recursion.
        assertParseError(String(repeating: "[", count: 200_000), .tooDeep, at: 64)
        // A deep limit is honoured by the iterative parser.
        let veryDeep = String(repeating: "[", count: 3000) + String(repeating: "]", count: 3000)
        guard case .success = parseResult(veryDeep, maxDepth: 3000) else { return XCTFail("3000 levels") }
        assertParseError(String(repeating: "[", count: 3000), .invalidJSON, at: 3000, maxDepth: 3000)
    }

    func testEmptyBufferPointer() {
        let empty = UnsafeRawBufferPointer(start: nil, count: 0)
        XCTAssertThrowsError(try StrictJSON.parse(empty)) { error in
            XCTAssertEqual(error as? JSONParseError,
                           JSONParseError(code: .invalidJSON, offset: 0, message: "unexpected end of input"))
        }
    }

    func testParsesASliceOfALargerBuffer() throws {
        let line = bytes(#"xx{"a":"b"}yy"#)
        let value = try line.withUnsafeBytes { buffer in
            try StrictJSON.parse(UnsafeRawBufferPointer(rebasing: buffer[2..<11]))
        }
        XCTAssertEqual(value, obj([("a", .string("b"))]))
    }
}
