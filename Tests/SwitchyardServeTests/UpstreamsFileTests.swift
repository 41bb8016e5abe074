import Foundation
import SwitchyardServe
import XCTest

/// The upstreams file is untrusted input: every problem is refused with file:line.
final class UpstreamsFileTests: XCTestCase {
    func parse(_ text: String, environment: [String: String] = ["OPUS_KEY": "sk-opus"]) -> Result<Upstreams, Upstreams.LoadErrors> {
        Result { () throws(Upstreams.LoadErrors) in try Upstreams.parse(bytes: Array(text.utf8), name: "up.yaml", environment: environment) }
    }

    func errors(_ text: String, environment: [String: String] = [:]) -> String {
        switch parse(text, environment: environment) {
        case .success: return ""
        case .failure(let errors): return errors.description
        }
    }

    func testAValidFile() throws {
        let upstreams = try parse("""
            # models and where they run
            fable-5:
              base_url: http://10.0.0.5:8000/v1/
            opus-4.8:
              base_url: https://models.internal/opus/v1
              api_key_env: OPUS_KEY
            """).get()
        XCTAssertEqual(upstreams["fable-5"], Upstreams.Upstream(baseURL: "http://10.0.0.5:8000/v1"))
        XCTAssertEqual(upstreams["opus-4.8"]?.apiKey, "sk-opus")
        XCTAssertNil(upstreams["mythos-5"])
    }

    func testProblemsAreRefusedWithFileAndLine() {
        XCTAssertEqual(errors("fable-5:\n  base_url: http://a/v1\n  timeout: 3\n"),
                       "up.yaml:3: fable-5.timeout: unknown key (expected one of api_key_env, base_url)")
        XCTAssertEqual(errors("fable-5:\n  base_url: ftp://a/v1\n"), "up.yaml:2: fable-5.base_url: `ftp://a/v1`: only http and https are supported")
        XCTAssertEqual(errors("fable-5:\n  api_key_env: NOPE\n"),
                       "up.yaml:2: fable-5.api_key_env: environment variable NOPE is not set")
        XCTAssertTrue(errors("fable-5:\n  api_key_env: X\n  base_url: http://a\n", environment: ["X": "k"]).isEmpty)
        XCTAssertEqual(errors("fable-5:\n  api_key_env: X\n", environment: ["X": "k"]), "up.yaml:1: fable-5: base_url is required")
        XCTAssertEqual(errors("Fable-5:\n  base_url: http://a\n"), "up.yaml:1: `Fable-5` is not a model name ([a-z0-9][a-z0-9._-]*)")
        XCTAssertTrue(errors("fable-5:\n  base_url: http://a\nfable-5:\n  base_url: http://b\n").contains("up.yaml:3: fable-5: duplicate model (first at line 1)"))
        XCTAssertTrue(errors("fable-5:\n  base_url: http://user:pw@a/v1\n").contains("up.yaml:2:"))
        XCTAssertTrue(errors("fable-5:\n  base_url: !!binary aGk=\n").contains("tags"))
        XCTAssertTrue(errors("- fable-5\n").contains("up.yaml:1: must be a mapping"))
        XCTAssertTrue(errors("fable-5: [unclosed\n").contains("invalid YAML"))
        XCTAssertTrue(errors("").contains("file is empty"))
    }

    func testTheCommandRefusesABadUpstreamsFileWithExitStatus2() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("bad-upstreams-\(UUID().uuidString).yaml")
        defer { try? FileManager.default.removeItem(at: file) }
        try "fable-5:\n  base_url: http://a/v1\n  bogus: 1\n".write(to: file, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = ServeFixtures.executable
        process.arguments = ["serve", "--listen", "127.0.0.1:0", "--rules", ServeFixtures.rulesDirectory, "--upstreams", file.path]
        let stderr = Pipe()
        process.standardError = stderr
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let message = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 2)
        XCTAssertTrue(message.contains("\(file.path):3: fable-5.bogus: unknown key"), message)
    }
}
