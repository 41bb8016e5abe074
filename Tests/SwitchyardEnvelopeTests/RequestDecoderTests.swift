import XCTest
@testable import SwitchyardEnvelope

final class RequestDecoderTests: XCTestCase {

    func decoded(_ line: String, file: StaticString = #filePath, line l: UInt = #line) -> ModelRequest? {
        decoded(bytes(line), file: file, line: l)
    }

    func decoded(_ line: [UInt8], file: StaticString = #filePath, line l: UInt = #line) -> ModelRequest? {
        switch RequestDecoder.decode(line) {
        case .success(let request): return request
        case .failure(let error):
            XCTFail("unexpected \(error)", file: file, line: l)
            return nil
        }
    }

    func failure(_ line: String, file: StaticString = #filePath, line l: UInt = #line) -> RequestError? {
        failure(bytes(line), file: file, line: l)
    }

    func failure(_ line: [UInt8], file: StaticString = #filePath, line l: UInt = #line) -> RequestError? {
        switch RequestDecoder.decode(line) {
        case .success(let request):
            XCTFail("expected an error, got \(request)", file: file, line: l)
            return nil
        case .failure(let error): return error
        }
    }

    // MARK: Text forms

    func testAnErrorCarriesTheIDReadBeforeIt() {
        func errorID(_ line: String) -> RequestID? {
            guard case .failure(let error) = RequestDecoder.decode(line) else { XCTFail("decoded: \(line)"); return nil }
            return error.id
        }
        XCTAssertEqual(errorID(#"{"id": "x1", "id": "x2", "text": "a"}"#), .string("x1"))
        XCTAssertEqual(errorID(#"{"id": "x3", "text": "a", "text": "b"}"#), .string("x3"))
        XCTAssertEqual(errorID(#"{"id": 7, "text": "a", "#)?.description, "7")
        // An id after the error, or one nested deeper, was never read.
        XCTAssertNil(errorID(#"{"text": "a", "text": "b", "id": "late"}"#))
        XCTAssertNil(errorID(#"{"user": {"id": "u"}, "text": "a", "text": "b"}"#))
    }

    func testTextPromptInput() {
        XCTAssertEqual(decoded(#"{"id": "r1", "text": "hello"}"#),
                       ModelRequest(id: .string("r1"), text: "hello", parts: [TextPart(role: "text", range: 0..<5)]))
        XCTAssertEqual(decoded(#"{"prompt": "p"}"#)?.text, "p")
        XCTAssertEqual(decoded(#"{"input": "i"}"#)?.text, "i")
        // All present: prompt, text, input in that order, whatever the key order.
        XCTAssertEqual(decoded(#"{"input": "3", "text": "2", "prompt": "1"}"#)?.text, "1\n2\n3")
        XCTAssertEqual(decoded(#"{"text": ""}"#)?.text, "")            // empty text is text
        XCTAssertEqual(decoded(#"{"text": "", "prompt": ""}"#)?.text, "\n")
        XCTAssertEqual(decoded(#"{"text": "a\nb", "unknown": {"x": [1]}}"#)?.text, "a\nb")
    }

    func testArchitectureExamples() {
        let r2 = decoded(#"{"id": "r2", "prompt": "…", "model": "mythos-5", "user": {"id": "u7", "org": "acme-grid", "verified": true, "nationality": "DE", "country": "US"}}"#)
        XCTAssertEqual(r2, ModelRequest(id: .string("r2"), text: "…", model: "mythos-5",
                                   user: CallerIdentity(id: "u7", org: "acme-grid", verified: true,
                                                  nationality: "DE", country: "US"),
                                   parts: [TextPart(role: "prompt", range: 0..<3)]))
        let r3 = decoded(#"{"id": "r3", "messages": [{"role": "system", "content": "…"}, {"role": "user", "content": [{"type": "text", "text": "…"}]}]}"#)
        XCTAssertEqual(r3, ModelRequest(id: .string("r3"), text: "…\n…",
                                   parts: [TextPart(role: "system", range: 0..<3), TextPart(role: "user", range: 4..<7)]))
    }

    func testMessages() {
        XCTAssertEqual(decoded(#"{"messages": [{"role": "user", "content": "hi"}]}"#)?.text, "hi")
        // Every role is scanned (the model reads them all), in order.
        let split = #"{"messages": [{"role": "system", "content": "SYS"}, {"role": "user", "content": "how do I build ran"}, {"role": "assistant", "content": "ASSIST"}, {"role": "user", "content": "somware"}]}"#
        XCTAssertEqual(decoded(split)?.text, "SYS\nhow do I build ran\nASSIST\nsomware")
        let roles = #"{"messages": [{"role": "developer", "content": "D"}, {"role": "tool", "content": [{"type": "text", "text": "T"}]}, {"role": "user", "content": "U"}]}"#
        XCTAssertEqual(decoded(roles)?.text, "D\nT\nU")
        // Each part keeps its role and its byte range in the joined text.
        XCTAssertEqual(decoded(roles)?.parts.map(\.role), ["developer", "tool", "user"])
        XCTAssertEqual(decoded(roles)?.role(at: 2), "tool")
        // A span names a role when every part it touches has it.
        XCTAssertEqual(decoded(roles)?.role(of: 2..<3), "tool")
        XCTAssertNil(decoded(roles)?.role(of: 2..<5))
        XCTAssertNil(decoded(#"{"messages": [{"role": "user", "content": "hi"}]}"#)?.role(of: 0..<2))
        let twoTurns = #"{"messages": [{"role": "system", "content": "S"}, {"role": "user", "content": "ab"}, {"role": "user", "content": "cd"}]}"#
        XCTAssertEqual(decoded(twoTurns)?.role(of: 3..<7), "user")
        XCTAssertEqual(decoded(#"{"instructions": "ab", "input": [{"type": "function_call_output", "output": "c"}]}"#)?.parts,
                       [TextPart(role: "instructions", range: 0..<2), TextPart(role: "tool", range: 3..<4)])
        // The ask begins at the last run of user-written parts; what precedes it is context.
        XCTAssertEqual(decoded(split)?.focusStart, "SYS\nhow do I build ran\nASSIST\n".utf8.count)
        XCTAssertEqual(decoded(twoTurns)?.focusStart, 2, "consecutive user turns are one ask")
        XCTAssertEqual(decoded(roles)?.focusStart, 4)
        XCTAssertEqual(decoded(#"{"messages": [{"role": "user", "content": "hi"}]}"#)?.focusStart, 0)
        XCTAssertEqual(decoded(#"{"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}]}"#)?.focusStart, 0,
                       "an ask followed by an assistant turn starts the text")
        XCTAssertEqual(decoded(#"{"instructions": "ab", "input": "cd"}"#)?.focusStart, 3)
        // Parts: text taken, images skipped, parts joined.
        let parts = #"{"messages": [{"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "image_url", "image_url": {"url": "http://x"}}, {"type": "text", "text": "b"}]}]}"#
        XCTAssertEqual(decoded(parts)?.text, "a\nb")
        // Other fields first, then messages.
        XCTAssertEqual(decoded(#"{"messages": [{"role": "user", "content": "m"}], "prompt": "p"}"#)?.text, "p\nm")
        // A turn without content (an assistant's tool call) contributes nothing; any other shape is refused.
        XCTAssertEqual(decoded(#"{"messages": [{"role": "assistant", "content": null, "tool_calls": []}, {"role": "user", "content": "u"}]}"#)?.text, "u")
        XCTAssertEqual(failure(#"{"messages": [{"role": "tool", "content": 5}, {"role": "user", "content": "u"}]}"#)?.code, "wrong_type")
        // Any role name is read, whatever its case.
        XCTAssertEqual(decoded(#"{"messages": [{"role": "User", "content": "u"}]}"#)?.text, "u")
        // A user turn with null or no content contributes nothing.
        XCTAssertEqual(decoded(#"{"messages": [{"role": "user"}, {"role": "user", "content": null}, {"role": "user", "content": "x"}]}"#)?.text, "x")
        XCTAssertEqual(decoded(#"{"messages": [{"role": "user", "content": ""}]}"#)?.text, "")
        XCTAssertEqual(decoded(#"{"messages": [{"role": "user", "content": []}], "text": "t"}"#)?.text, "t")
        XCTAssertEqual(decoded(#"{"messages": null, "text": "t"}"#)?.text, "t")
    }

    func testResponsesShape() {
        // Responses API: instructions first, then the input items (strings, messages, tool output).
        let line = #"{"instructions": "I", "input": ["a", {"role": "user", "content": [{"type": "input_text", "text": "b"}]}, {"type": "function_call_output", "output": "c"}]}"#
        XCTAssertEqual(decoded(line)?.text, "I\na\nb\nc")
        XCTAssertEqual(decoded(#"{"input": "x", "instructions": "y"}"#)?.text, "y\nx")
        XCTAssertEqual(failure(#"{"input": [5]}"#)?.message, "input[0] must be an object")
        XCTAssertEqual(failure(#"{"instructions": 5, "text": "t"}"#)?.message, "instructions must be a string")
        // The OpenAI end-user string is an identity id (the gateway decides whether to trust it).
        XCTAssertEqual(decoded(#"{"text": "t", "user": "u7"}"#)?.user, CallerIdentity(id: "u7"))
    }

    func testMissingText() {
        for line in [#"{}"#, #"{"id": "r7"}"#, #"{"messages": []}"#, #"{"input": []}"#,
                     #"{"messages": [{"role": "user", "content": [{"type": "image_url"}]}]}"#,
                     #"{"text": null}"#, #"{"model": "m"}"#] {
            let error = failure(line)
            XCTAssertEqual(error?.code, "missing_text", line)
            XCTAssertEqual(error?.message, "expected text, prompt, input, instructions or messages")
        }
        XCTAssertEqual(failure(#"{"id": "r7", "model": "m"}"#),
                       RequestError(code: "missing_text", message: "expected text, prompt, input, instructions or messages",
                                    id: .string("r7")))
        XCTAssertEqual(failure(#"{"id": "r7"}"#)?.description,
                       "missing_text: expected text, prompt, input, instructions or messages")
    }

    // MARK: id

    func testID() {
        XCTAssertEqual(decoded(#"{"id": "abc", "text": "t"}"#)?.id, .string("abc"))
        XCTAssertEqual(decoded(#"{"id": 42, "text": "t"}"#)?.id, .number(JSONNumber(literal: "42")))
        XCTAssertEqual(decoded(#"{"id": -1.50e2, "text": "t"}"#)?.id, .number(JSONNumber(literal: "-1.50e2")))
        XCTAssertEqual(decoded(#"{"text": "t"}"#)?.id, nil)
        XCTAssertEqual(decoded(#"{"id": null, "text": "t"}"#)?.id, nil)
        XCTAssertEqual(decoded(#"{"id": "", "text": "t"}"#)?.id, .string(""))
        for bad in [#"{"id": true, "text": "t"}"#, #"{"id": [1], "text": "t"}"#, #"{"id": {}, "text": "t"}"#] {
            XCTAssertEqual(failure(bad), RequestError(code: "wrong_type", message: "id must be a string or a number"))
        }
        XCTAssertEqual(RequestID.number(JSONNumber(literal: "1e3")).json, "1e3")
        XCTAssertEqual(RequestID.string("a\"b").json, #""a\"b""#)
    }

    // MARK: wrong_type

    func testWrongTypes() {
        let cases: [(String, String)] = [
            (#"[]"#, "request must be a JSON object"),
            (#"3"#, "request must be a JSON object"),
            (#"null"#, "request must be a JSON object"),
            (#""text""#, "request must be a JSON object"),
            (#"{"id": "r", "text": 5}"#, "text must be a string"),
            (#"{"id": "r", "prompt": ["a"]}"#, "prompt must be a string"),
            (#"{"id": "r", "input": {"text": "a"}}"#, "input must be a string"),
            (#"{"id": "r", "messages": "hi"}"#, "messages must be an array"),
            (#"{"id": "r", "messages": ["hi"]}"#, "messages[0] must be an object"),
            (#"{"id": "r", "messages": [{"content": "hi"}]}"#, "messages[0].role must be a string"),
            (#"{"id": "r", "messages": [{"role": 1, "content": "hi"}]}"#, "messages[0].role must be a string"),
            (#"{"id": "r", "messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "a"}, {"role": "user", "content": 7}]}"#,
             "messages[2].content must be a string or an array of parts"),
            (#"{"id": "r", "messages": [{"role": "user", "content": ["a"]}]}"#, "messages[0].content[0] must be an object"),
            (#"{"id": "r", "messages": [{"role": "user", "content": [{"type": "text", "text": "a"}, {"text": 3}]}]}"#,
             "messages[0].content[1].text must be a string"),
            (#"{"id": "r", "text": "t", "model": 5}"#, "model must be a string"),
            (#"{"id": "r", "text": "t", "user": 7}"#, "user must be an object or a string"),
            (#"{"id": "r", "text": "t", "user": {"id": 7}}"#, "user.id must be a string"),
            (#"{"id": "r", "text": "t", "user": {"org": false}}"#, "user.org must be a string"),
            (#"{"id": "r", "text": "t", "user": {"verified": "yes"}}"#, "user.verified must be a boolean"),
            (#"{"id": "r", "text": "t", "user": {"nationality": "DEU"}}"#, "user.nationality must be a two-letter country code"),
            (#"{"id": "r", "text": "t", "user": {"country": "U"}}"#, "user.country must be a two-letter country code"),
            (#"{"id": "r", "text": "t", "user": {"country": "U1"}}"#, "user.country must be a two-letter country code"),
            (#"{"id": "r", "text": "t", "user": {"country": "ÜS"}}"#, "user.country must be a two-letter country code"),
            (#"{"id": "r", "text": "t", "user": {"country": 49}}"#, "user.country must be a two-letter country code"),
        ]
        for (line, message) in cases {
            let error = failure(line)
            XCTAssertEqual(error?.code, "wrong_type", line)
            XCTAssertEqual(error?.message, message, line)
            if line.hasPrefix("{") {
                XCTAssertEqual(error?.id, .string("r"), line)   // the id is carried
            } else {
                XCTAssertNil(error?.id)
            }
        }
        XCTAssertEqual(failure(#"{"id": 9, "text": 5}"#)?.id, .number(JSONNumber(literal: "9")))
    }

    // MARK: Identity

    func testIdentity() {
        let r = decoded(#"{"text": "t", "user": {"id": "u1", "org": "o", "verified": false, "nationality": "de", "country": "uS", "extra": 1}}"#)
        XCTAssertEqual(r?.user, CallerIdentity(id: "u1", org: "o", verified: false, nationality: "DE", country: "US"))
        XCTAssertEqual(decoded(#"{"text": "t", "user": {}}"#)?.user, CallerIdentity())
        XCTAssertEqual(decoded(#"{"text": "t", "user": null}"#)?.user, nil)
        XCTAssertEqual(decoded(#"{"text": "t"}"#)?.user, nil)
        XCTAssertEqual(decoded(#"{"text": "t", "user": {"country": null, "org": "x"}}"#)?.user, CallerIdentity(org: "x"))
        XCTAssertEqual(decoded(#"{"text": "t", "model": "opus-4.8"}"#)?.model, "opus-4.8")
        XCTAssertEqual(decoded(#"{"text": "t", "model": null}"#)?.model, nil)
    }

    /// Country codes are normalised however an identity is made, not only by the decoder: a
    /// gateway that builds `CallerIdentity(nationality: "de")` gets the "DE" a policy names.
    func testIdentityNormalisesCountryCodesOnEveryAssignment() {
        var identity = CallerIdentity(nationality: "de", country: "uS")
        XCTAssertEqual(identity.nationality, "DE")
        XCTAssertEqual(identity.country, "US")
        identity.nationality = "fr"
        XCTAssertEqual(identity.nationality, "FR")
        XCTAssertEqual(identity, CallerIdentity(nationality: "FR", country: "US"))
        // Not a two-letter code: kept as given (the decoder refuses it on the wire).
        XCTAssertEqual(CallerIdentity(country: "Germany").country, "Germany")
        XCTAssertNil(CallerIdentity().nationality)
    }

    // MARK: Line handling

    func testBlankLines() {
        for line in ["", " ", "\t \t", "\r", "  \r", "\u{FEFF}", "\u{FEFF} \r"] {
            XCTAssertEqual(failure(line), RequestError(code: "blank_line", message: "blank line"), line.debugDescription)
        }
    }

    func testBOMAndCRLF() {
        let bom = decoded("\u{FEFF}{\"id\": 1, \"text\": \"t\"}\r")
        XCTAssertEqual(bom?.notes, [.byteOrderMark])
        XCTAssertEqual(bom?.notes.reasonCodes, ["bom"])
        XCTAssertEqual(bom?.text, "t")
        let crlf = decoded("{\"text\": \"t\"}\r")
        XCTAssertEqual(crlf?.notes, [])
        XCTAssertEqual(crlf?.text, "t")
        // Only one "\r" is stripped; it is JSON whitespace anyway, and a second BOM is not stripped.
        XCTAssertEqual(decoded("{\"text\": \"t\"}\r\r")?.text, "t")
        XCTAssertEqual(failure("\u{FEFF}\u{FEFF}{}")?.code, "invalid_json")
        // A "\r" inside the text stays.
        XCTAssertEqual(decoded("{\"text\": \"a\\r\"}\r")?.text, "a\r")
        // Error offsets count the BOM: they refer to the line as given.
        XCTAssertEqual(failure("\u{FEFF}{\"text\": 1,}")?.description,
                       "invalid_json: unexpected character '}' (expected a string key) at byte 14")
        XCTAssertEqual(failure("{\"text\": 1,}")?.description,
                       "invalid_json: unexpected character '}' (expected a string key) at byte 11")
    }

    func testControlCharacterNote() {
        let nul = decoded(#"{"text": "a\u0000b"}"#)
        XCTAssertEqual(nul?.text, "a\u{0}b")
        XCTAssertEqual(nul?.notes, [.controlCharacters])
        XCTAssertEqual(nul?.notes.reasonCodes, ["control_chars"])
        XCTAssertEqual(decoded(#"{"text": "\u001b[31m"}"#)?.notes, [.controlCharacters])
        XCTAssertEqual(decoded(#"{"text": "tab\tnl\ncr\r"}"#)?.notes, [])
        XCTAssertEqual(decoded(#"{"text": "del\u007f"}"#)?.notes, [])
        let both = decoded("\u{FEFF}{\"messages\": [{\"role\": \"user\", \"content\": \"\\u0007\"}]}")
        XCTAssertEqual(both?.notes, [.controlCharacters, .byteOrderMark])
        XCTAssertEqual(both?.notes.reasonCodes, ["control_chars", "bom"])
        // Controls in fields other than the text do not count.
        XCTAssertEqual(decoded(#"{"text": "t", "model": "\u0001"}"#)?.notes, [])
    }

    // MARK: JSON errors

    func testJSONErrorsKeepTheirCodes() {
        XCTAssertEqual(failure(#"{"id": "r1", "text": "unterminated"#)?.description,
                       "invalid_json: unexpected end of input at byte 34")
        // The id was read before the error: the error record names the request.
        XCTAssertEqual(failure(#"{"id": "r1", "text": "unterminated"#)?.id, .string("r1"))
        XCTAssertEqual(failure(#"{"id":"a","id":"b","text":"t"}"#)?.description,
                       #"duplicate_key: duplicate key "id" at byte 10"#)
        XCTAssertEqual(failure(#"{"text": "\udfff"}"#)?.code, "invalid_unicode_escape")
        XCTAssertEqual(failure([0x7B, 0x22, 0x74, 0xFF])?.description, "invalid_utf8: invalid UTF-8 at byte 3")
        XCTAssertEqual(failure([0xEF, 0xBB, 0xBF, 0x7B, 0x22, 0x74, 0xFF])?.description,
                       "invalid_utf8: invalid UTF-8 at byte 6")
        XCTAssertEqual(failure([0xEF, 0xBB, 0x7B])?.description, "invalid_utf8: invalid UTF-8 at byte 0")
        let deep = "{\"text\": \"t\", \"x\": " + String(repeating: "[", count: 64) + String(repeating: "]", count: 64) + "}"
        XCTAssertEqual(failure(deep)?.code, "too_deep")
        XCTAssertEqual(failure(#"{"text": "t"} {"text": "u"}"#)?.code, "invalid_json")
    }

    func testDecodeFromAViewIntoALargerBuffer() {
        let stream = bytes("{\"text\": \"one\"}\n{\"text\": \"two\"}\n")
        let result = stream.withUnsafeBytes { buffer in
            RequestDecoder.decode(UnsafeRawBufferPointer(rebasing: buffer[16..<31]))
        }
        XCTAssertEqual(try result.get().text, "two")
    }
}
