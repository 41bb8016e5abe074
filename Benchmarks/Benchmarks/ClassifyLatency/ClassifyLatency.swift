// (a) Per-call latency of classifying one prompt of 64 B … 1 MiB, clean and risky, for Switchyard
// and the peers compiled from the same pack; (c) mallocs per call (package-benchmark's malloc
// metrics; the 1 KB rows are the ones DESIGN.md quotes).
import Benchmark
import BenchSupport
import Foundation
import Switchyard
import SwitchyardMatching

let pack = Shared { try Packs.loadDefault() }
let switchyard = Shared { try SwitchyardEngine(pack: pack.value) }
let peerPatterns = Shared { PeerPatterns(pack: pack.value) }
let vectorscan = Shared { try VectorscanEngine(peerPatterns.value) }
let re2Set = Shared { try RE2SetEngine(peerPatterns.value) }
let re2Loop = Shared { try RE2LoopEngine(peerPatterns.value) }
let engines: [(name: String, get: @Sendable () -> any RuleEngine)] = [
    ("Switchyard", { switchyard.value }), ("Vectorscan", { vectorscan.value }),
    ("RE2::Set", { re2Set.value }), ("RE2 loop", { re2Loop.value }),
]
let regexSet = Shared { try RE2PatternSet(pack.value.rules.flatMap(\.patterns)) }
/// The pack's regexes without prefilter atoms (Switchyard runs them on every request).
let atomlessSet = Shared { () -> RE2PatternSet? in
    let atomless = try pack.value.rules.flatMap(\.patterns).filter { try RE2Atoms.atoms(of: $0).isEmpty }
    note("atomless regexes in the pack: \(atomless.count)")
    return atomless.isEmpty ? nil : try RE2PatternSet(atomless)
}
let inputs = Dictionary(uniqueKeysWithValues: latencySizes.map { size in
    (size, Shared { () -> LatencyInputs in
        let made = LatencyInputs(size: size, variants: 1, classifier: switchyard.value.classifier)
        if !made.problems.isEmpty { loud(made.problems.joined(separator: "\n")) }
        return made
    })
})

/// Instructions come from perf events, which need a CPU PMU: this VM has none (no
/// /sys/bus/event_source/devices/cpu), and asking for them there only adds allocations of the
/// harness's own to every iteration (16 per iteration measured), so the metric is left out.
let latencyMetrics: [BenchmarkMetric] = [.wallClock, .mallocCountTotal, .throughput]
    + (FileManager.default.fileExists(atPath: "/sys/bus/event_source/devices/cpu") ? [.instructions] : [])

let benchmarks: @Sendable () -> Void = {
    // The harness's own cost per iteration (here 0 mallocs and about 65 ns): subtract this row's
    // mallocs and time from the others.
    Benchmark("classify baseline · no-op",
              configuration: .init(metrics: latencyMetrics,
                                   warmupIterations: 100, maxDuration: .seconds(1), maxIterations: 200_000)) { benchmark in
        let text: [UInt8] = [0x61]
        text.withUnsafeBytes { text in
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations { blackHole(text.count) }
            benchmark.stopMeasurement()
        }
    }
    // Attribution of the clean path's mallocs: Switchyard on 1 KB that holds no literal of the
    // pack at all; one RE2::Set "any match?" pass (what the clean path runs when a regex atom was
    // seen) over the regexes of the pack, on the clean 1 KB prompt; and the set of the pack's
    // atomless regexes asked for its matches (RE2 allocates for the result).
    let diagnostics = Benchmark.Configuration(metrics: [.wallClock, .mallocCountTotal], warmupIterations: 100,
                                              maxDuration: .seconds(1), maxIterations: 200_000)
    Benchmark("mallocs · Switchyard · 1KB of one letter", configuration: diagnostics) { benchmark in
        let scanner = switchyard.value
        let text = [UInt8](repeating: UInt8(ascii: "q"), count: 1024)
        text.withUnsafeBytes { text in
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations { blackHole(scanner.scan(text)) }
            benchmark.stopMeasurement()
        }
    } setup: { _ = switchyard.value }
    Benchmark("mallocs · RE2PatternSet.matchesAny · 1KB clean", configuration: diagnostics) { benchmark in
        let set = regexSet.value
        inputs[1024]!.value.clean[0].withUnsafeBytes { text in
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations { blackHole(try? set.matchesAny(in: text)) }
            benchmark.stopMeasurement()
        }
    } setup: {
        _ = regexSet.value
        _ = inputs[1024]!.value
    }

    Benchmark("mallocs · RE2PatternSet.matches (atomless regexes) · 1KB of one letter", configuration: diagnostics) { benchmark in
        guard let set = atomlessSet.value else { return }
        let scratch = RE2PatternSet.Scratch()
        let text = [UInt8](repeating: UInt8(ascii: "q"), count: 1024)
        text.withUnsafeBytes { text in
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations { try? set.matches(in: text, scratch: scratch) { blackHole($0) } }
            benchmark.stopMeasurement()
        }
    } setup: { _ = atomlessSet.value }

    for size in latencySizes {
        for risky in [false, true] {
            for engine in engines {
                let name = "classify \(Format.size(size).replacingOccurrences(of: " ", with: "")) \(risky ? "risky" : "clean") · \(engine.name)"
                let slow = engine.name == "RE2 loop" && size >= 64 << 10
                Benchmark(name,
                          configuration: .init(metrics: latencyMetrics,
                                               warmupIterations: slow ? 1 : 100,
                                               maxDuration: .seconds(slow ? 2 : 1), maxIterations: 200_000)) { benchmark in
                    let scanner = engine.get()
                    let text = risky ? inputs[size]!.value.risky[0] : inputs[size]!.value.clean[0]
                    text.withUnsafeBytes { text in
                        benchmark.startMeasurement()
                        for _ in benchmark.scaledIterations { blackHole(scanner.scan(text)) }
                        benchmark.stopMeasurement()
                    }
                } setup: {
                    _ = engine.get()
                    _ = inputs[size]!.value
                }
            }
        }
    }
}
