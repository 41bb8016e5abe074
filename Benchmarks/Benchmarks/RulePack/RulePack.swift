// (d) Loading and compiling the default pack: YAML load, Switchyard's classifier build, and each
// peer's compile, with time, heap allocated and the compiled sizes. (e) Scaling with rule count:
// generated packs of 100, 1,000 and 10,000 rules, compile time and throughput on the generated mix.
import Benchmark
import BenchSupport
import Foundation
import Switchyard

let pack = Shared { try Packs.loadDefault() }
let peerPatterns = Shared { PeerPatterns(pack: pack.value) }
let automatonKiB = BenchmarkMetric.custom("automaton KiB", polarity: .prefersSmaller, useScalingFactor: false)
let databaseKiB = BenchmarkMetric.custom("database KiB", polarity: .prefersSmaller, useScalingFactor: false)
let rulesMetric = BenchmarkMetric.custom("rules", polarity: .prefersSmaller, useScalingFactor: false)
let megabytesPerSecond = BenchmarkMetric.custom("MB/s", polarity: .prefersLarger, useScalingFactor: false)
let ruleCounts = [100, 1_000, 10_000]
let scalingCorpus = Shared { GeneratedMix.corpus(requests: 2_000) }
let generatedYAML = Dictionary(uniqueKeysWithValues: ruleCounts.map { count in (count, Shared { Array(Packs.generatedYAML(ruleCount: count).utf8) }) })
let generatedPacks = Dictionary(uniqueKeysWithValues: ruleCounts.map { count in (count, Shared { try Packs.generated(ruleCount: count) }) })
let generatedClassifiers = Dictionary(uniqueKeysWithValues: ruleCounts.map { count in (count, Shared { try SwitchyardEngine(pack: generatedPacks[count]!.value) }) })

let benchmarks: @Sendable () -> Void = {
    let compile = Benchmark.Configuration(metrics: [.wallClock, .mallocCountTotal, .mallocBytesCount, .peakMemoryResident, automatonKiB, databaseKiB, rulesMetric],
                                          warmupIterations: 1, maxDuration: .seconds(3), maxIterations: 50)

    Benchmark("default pack · load YAML", configuration: compile) { benchmark in
        let loaded = try Packs.loadDefault()
        benchmark.measurement(rulesMetric, loaded.rules.count)
        blackHole(loaded)
    }
    Benchmark("default pack · compile · Switchyard", configuration: compile) { benchmark in
        let classifier = try Classifier(pack: pack.value)
        benchmark.measurement(automatonKiB, classifier.statistics.automatonBytes / 1024)
        benchmark.measurement(rulesMetric, classifier.rules.count)
        blackHole(classifier)
    } setup: { _ = pack.value }
    Benchmark("default pack · compile · Vectorscan", configuration: compile) { benchmark in
        let engine = try VectorscanEngine(peerPatterns.value)
        benchmark.measurement(databaseKiB, (engine.databaseBytes + engine.scratchBytes) / 1024)
        blackHole(engine)
    } setup: { _ = peerPatterns.value }
    Benchmark("default pack · compile · RE2::Set", configuration: compile) { _ in
        blackHole(try RE2SetEngine(peerPatterns.value))
    } setup: { _ = peerPatterns.value }
    Benchmark("default pack · compile · RE2 loop", configuration: compile) { _ in
        blackHole(try RE2LoopEngine(peerPatterns.value))
    } setup: { _ = peerPatterns.value }

    for count in ruleCounts {
        let label = "\(count)".leftPad(5)
        Benchmark("scaling \(label) rules · load YAML", configuration: compile) { benchmark in
            let loaded = try RuleLoader().load(files: [(name: "generated.yaml", bytes: generatedYAML[count]!.value)])
            benchmark.measurement(rulesMetric, loaded.rules.count)
            blackHole(loaded)
        } setup: { _ = generatedYAML[count]!.value }
        Benchmark("scaling \(label) rules · compile · Switchyard", configuration: compile) { benchmark in
            let classifier = try Classifier(pack: generatedPacks[count]!.value)
            benchmark.measurement(automatonKiB, classifier.statistics.automatonBytes / 1024)
            blackHole(classifier)
        } setup: { _ = generatedPacks[count]!.value }
        Benchmark("scaling \(label) rules · throughput · Switchyard",
                  configuration: .init(metrics: [.wallClock, megabytesPerSecond], warmupIterations: 1, maxDuration: .seconds(3), maxIterations: 50)) { benchmark in
            let engine = generatedClassifiers[count]!.value
            let corpus = scalingCorpus.value
            let start = Clock.now()
            var fired = 0
            corpus.forEach { _, text in fired &+= engine.scan(text) }
            benchmark.measurement(megabytesPerSecond, Int(Double(corpus.totalBytes) / 1e6 / Clock.seconds(since: start)))
            blackHole(fired)
        } setup: {
            _ = generatedClassifiers[count]!.value
            _ = scalingCorpus.value
        }
    }
}

extension String {
    func leftPad(_ width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
