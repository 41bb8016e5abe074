import Foundation
import XCTest
import Switchyard

/// The strict JSON request parser against the cases in Tests/JSONConformance (written for this
/// project in the style of JSONTestSuite; see its README): `y_` must parse, `n_` must be refused
/// with the error record of the stream contract, `i_` must do what Tests/JSONConformance/README.md
/// says was chosen.
final class JSONConformanceTests: XCTestCase {
    private static let directory = CLIHarness.packageRoot.appendingPathComponent("Tests/JSONConformance")

    /// Every case and its expectation: `accept` or an error code.
    private func cases() throws -> [(name: String, bytes: [UInt8], expected: String)] {
        let manifest = try String(contentsOf: Self.directory.appendingPathComponent("expected.tsv"), encoding: .utf8)
        var cases: [(String, [UInt8], String)] = []
        for line in manifest.split(separator: "\n") where !line.hasPrefix("#") {
            let fields = line.split(separator: "\t").map(String.init)
            XCTAssertEqual(fields.count, 2, "bad manifest line \(line)")
            let bytes = try [UInt8](Data(contentsOf: Self.directory.appendingPathComponent(fields[0])))
            cases.append((fields[0], bytes, fields[1]))
        }
        // Every case file is in the manifest, and the other way round.
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.directory.path).filter { $0.hasSuffix(".json") }
        XCTAssertEqual(Set(files), Set(cases.map(\.0)))
        return cases
    }

    func testConformanceCases() throws {
        let cases = try cases()
        XCTAssertGreaterThanOrEqual(cases.count, 80)
        for (name, bytes, expected) in cases {
            let parsed = Result { () throws(JSONParseError) -> JSONValue in try StrictJSON.parse(bytes) }
            let decoded = RequestDecoder.decode(bytes)
            switch name.prefix(2) {
            case "y_":
                XCTAssertEqual(expected, "accept", name)
                guard case .success(let value) = parsed else {
                    XCTFail("\(name) must parse: \(parsed)")
                    continue
                }
                // What parses writes back to the same value.
                var writer = JSONWriter()
                writer.value(value)
                XCTAssertEqual(try? StrictJSON.parse(writer.bytes), value, name)
                // As a request line, only the request's own shape can be wrong.
                if case .failure(let error) = decoded {
                    XCTAssertTrue(["wrong_type", "missing_text"].contains(error.code), "\(name): \(error.description)")
                }
            case "n_":
                if case .success = parsed { XCTFail("\(name) must be refused by the parser") }
                try checkRecord(name, decoded, expected)
            case "i_":
                if expected == "accept" {
                    if case .failure(let error) = decoded { XCTFail("\(name) must be accepted: \(error.description)") }
                } else {
                    try checkRecord(name, decoded, expected)
                }
            default:
                XCTFail("\(name): a case is named y_, n_ or i_")
            }
        }
    }

    /// The line gets the documented error record: `{"id":null,"line":1,"error":"<code>: …"}`, or
    /// with the line's id when it was read before the error.
    private func checkRecord(_ name: String, _ decoded: Result<ModelRequest, RequestError>, _ expected: String) throws {
        guard case .failure(let error) = decoded else {
            XCTFail("\(name) must be refused with \(expected)")
            return
        }
        XCTAssertEqual(error.code, expected, "\(name): \(error.description)")
        var records = StreamRecords()
        records.error(id: error.id, line: 1, code: error.code, message: error.description)
        let record = String(decoding: records.output, as: UTF8.self)
        // The id is echoed when it was read before the error (these cases name theirs "r").
        let id = error.id?.json ?? "null"
        XCTAssertTrue(id == "null" || id == #""r""#, "\(name): id \(id)")
        XCTAssertTrue(record.hasPrefix(#"{"id":\#(id),"line":1,"error":"\#(expected): "#), "\(name): \(record)")
        XCTAssertTrue(record.hasSuffix("}\n"), "\(name): \(record)")
        XCTAssertNotNil(try? StrictJSON.parse(Array(records.output.dropLast())), "\(name): the record is not JSON")
    }
}
