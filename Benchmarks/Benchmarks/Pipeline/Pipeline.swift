// (g) The stdin pipeline end to end: the built `switchyard classify` and `switchyard route`
// executables reading a JSONL corpus on stdin, output to /dev/null. One iteration is one process
// run over the whole corpus. The executable is $SWITCHYARD_BIN, else the one built next to these
// benchmarks (`swift build -c release --product switchyard` in Benchmarks/), else the checkout's
// .build/release/switchyard.
import Benchmark
import BenchSupport
import Foundation
import Switchyard

let megabytesPerSecond = BenchmarkMetric.custom("MB/s (JSONL)", polarity: .prefersLarger, useScalingFactor: false)
let textMegabytesPerSecond = BenchmarkMetric.custom("MB/s (text)", polarity: .prefersLarger, useScalingFactor: false)
let requestsPerSecond = BenchmarkMetric.custom("requests/s", polarity: .prefersLarger, useScalingFactor: false)

struct PipelineInput {
    var path: String
    var jsonlBytes: Int
    var textBytes: Int
    var requests: Int
}

let generatedInput = Shared { () -> PipelineInput in
    let corpus = Corpora.generated
    let path = NSTemporaryDirectory() + "switchyard-bench-\(getpid()).jsonl"
    let bytes = corpus.jsonl()
    _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
    return PipelineInput(path: path, jsonlBytes: bytes.count, textBytes: corpus.totalBytes, requests: corpus.count)
}
let externalInput = Shared { () -> PipelineInput? in
    guard let path = ProcessInfo.processInfo.environment["SWITCHYARD_CORPUS"], !path.isEmpty, let corpus = Corpora.external else { return nil }
    let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
    return PipelineInput(path: path, jsonlBytes: size, textBytes: corpus.totalBytes, requests: corpus.count)
}

let executable = Shared { () -> String? in
    var candidates: [String] = []
    if let explicit = ProcessInfo.processInfo.environment["SWITCHYARD_BIN"] { candidates.append(explicit) }
    let here = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
    candidates.append(here.appendingPathComponent("switchyard").path)
    candidates.append((Packs.checkout as NSString).appendingPathComponent(".build/release/switchyard"))
    if let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) {
        note("pipeline: using \(found)")
        return found
    }
    loud("pipeline: no switchyard executable found (looked in \(candidates)); build it with\n  swift build -c release --product switchyard\nin Benchmarks/, or set SWITCHYARD_BIN")
    return nil
}

/// Runs `executable arguments` with stdin from `input` and stdout to /dev/null; returns seconds.
func run(_ arguments: [String], input: String) throws -> Double {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable.value!)
    process.arguments = arguments
    process.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: input))
    process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
    process.standardError = FileHandle.standardError
    let start = Clock.now()
    try process.run()
    process.waitUntilExit()
    let seconds = Clock.seconds(since: start)
    if process.terminationStatus != 0 && process.terminationStatus != 1 {
        throw CocoaError(.executableLoad, userInfo: [NSLocalizedDescriptionKey: "switchyard \(arguments.first!) exited with \(process.terminationStatus)"])
    }
    return seconds
}

let benchmarks: @Sendable () -> Void = {
    let configuration = Benchmark.Configuration(metrics: [.wallClock, megabytesPerSecond, textMegabytesPerSecond, requestsPerSecond],
                                                warmupIterations: 1, maxDuration: .seconds(5), maxIterations: 20)
    let rules = Packs.defaultDirectory
    let commands: [(name: String, arguments: [String])] = [
        ("classify", ["classify", "--rules", rules]),
        ("route", ["route", "--rules", rules]),
        ("route --threads 1", ["route", "--rules", rules, "--threads", "1"]),
    ]
    // Start-up alone (load and compile the pack, no input): subtract it from the rows below.
    Benchmark("stdin classify · empty input (start-up)",
              configuration: .init(metrics: [.wallClock], warmupIterations: 1, maxDuration: .seconds(5), maxIterations: 10)) { benchmark in
        guard executable.value != nil else {
            benchmark.error("no switchyard executable")
            return
        }
        _ = try run(commands[0].arguments, input: "/dev/null")
    } setup: { _ = executable.value }
    let hasExternal = !(ProcessInfo.processInfo.environment["SWITCHYARD_CORPUS"] ?? "").isEmpty
    for (corpusName, input) in [("generated", Shared { Optional(generatedInput.value) }), ("SWITCHYARD_CORPUS", externalInput)] where corpusName == "generated" || hasExternal {
        for command in commands {
            Benchmark("stdin \(command.name) · \(corpusName)", configuration: configuration) { benchmark in
                guard executable.value != nil, let input = input.value else {
                    benchmark.error("no switchyard executable or corpus")
                    return
                }
                let seconds = try run(command.arguments, input: input.path)
                benchmark.measurement(megabytesPerSecond, Int(Double(input.jsonlBytes) / 1e6 / seconds))
                benchmark.measurement(textMegabytesPerSecond, Int(Double(input.textBytes) / 1e6 / seconds))
                benchmark.measurement(requestsPerSecond, Int(Double(input.requests) / seconds))
            } setup: {
                _ = executable.value
                _ = input.value
            } teardown: {
                if corpusName == "generated" { try? FileManager.default.removeItem(atPath: generatedInput.value.path) }
            }
        }
    }
}
