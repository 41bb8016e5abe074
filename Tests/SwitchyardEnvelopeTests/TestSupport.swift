import XCTest
@testable import SwitchyardEnvelope

/// SplitMix64: a small, seeded, reproducible generator for the randomised tests.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

/// Parses and returns the value or the error.
func parseResult(_ input: [UInt8], maxDepth: Int = 64) -> Result<JSONValue, JSONParseError> {
    input.withUnsafeBytes { buffer in
        Result { () throws(JSONParseError) -> JSONValue in try StrictJSON.parse(buffer, maxDepth: maxDepth) }
    }
}

func parseResult(_ input: String, maxDepth: Int = 64) -> Result<JSONValue, JSONParseError> {
    parseResult(bytes(input), maxDepth: maxDepth)
}

/// Asserts that `input` fails with `code` at `offset` and returns the error.
@discardableResult
func assertParseError(_ input: [UInt8], _ code: JSONParseError.Code, at offset: Int, maxDepth: Int = 64,
                      file: StaticString = #filePath, line: UInt = #line) -> JSONParseError? {
    switch parseResult(input, maxDepth: maxDepth) {
    case .success(let value):
        XCTFail("expected \(code.rawValue) at \(offset), parsed \(value)", file: file, line: line)
        return nil
    case .failure(let error):
        XCTAssertEqual(error.code, code, "\(error)", file: file, line: line)
        XCTAssertEqual(error.offset, offset, "\(error)", file: file, line: line)
        return error
    }
}

@discardableResult
func assertParseError(_ input: String, _ code: JSONParseError.Code, at offset: Int, maxDepth: Int = 64,
                      file: StaticString = #filePath, line: UInt = #line) -> JSONParseError? {
    assertParseError(bytes(input), code, at: offset, maxDepth: maxDepth, file: file, line: line)
}

func assertParses(_ input: String, _ expected: JSONValue, maxDepth: Int = 64,
                  file: StaticString = #filePath, line: UInt = #line) {
    switch parseResult(input, maxDepth: maxDepth) {
    case .success(let value): XCTAssertEqual(value, expected, input, file: file, line: line)
    case .failure(let error): XCTFail("\(input): \(error)", file: file, line: line)
    }
}

func num(_ literal: String) -> JSONValue { .number(JSONNumber(literal: literal)) }

func obj(_ members: [(String, JSONValue)]) -> JSONValue {
    .object(JSONObject(members.map { (key: $0.0, value: $0.1) }))
}
