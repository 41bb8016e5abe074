// (b) Throughput (MB/s and requests/s) over a corpus: the generated mix and, when SWITCHYARD_CORPUS
// names a JSONL file, that corpus. One iteration is one pass over the corpus, one call per request,
// on one thread. The RE2 loop runs on every 20th request (it is about 100x slower), and Switchyard
// is measured on that same sample for its ratio. The agreement check (stripped pack: every engine
// fires the same rules on the raw view) runs in the setup of the "agreement" benchmarks.
import Benchmark
import BenchSupport
import Foundation
import Switchyard

let pack = Shared { try Packs.loadDefault() }
let strippedPack = Shared { Packs.stripped(pack.value) }
let full = Shared { try EngineSet(pack: pack.value) }
let stripped = Shared { try EngineSet(pack: strippedPack.value) }
let corpora: [(name: String, corpus: Shared<Corpus?>)] = [
    ("generated", Shared { Corpora.generated }),
    ("SWITCHYARD_CORPUS", Shared { Corpora.external }),
]
let loopStride = 20
let megabytesPerSecond = BenchmarkMetric.custom("MB/s", polarity: .prefersLarger, useScalingFactor: false)
let requestsPerSecond = BenchmarkMetric.custom("requests/s", polarity: .prefersLarger, useScalingFactor: false)
let disagreeing = BenchmarkMetric.custom("disagreeing requests", polarity: .prefersSmaller, useScalingFactor: false)

func pass(_ engine: any RuleEngine, _ corpus: Corpus, _ benchmark: Benchmark) {
    let start = Clock.now()
    var fired = 0
    corpus.forEach { _, text in fired &+= engine.scan(text) }
    let seconds = Clock.seconds(since: start)
    blackHole(fired)
    benchmark.measurement(megabytesPerSecond, Int(Double(corpus.totalBytes) / 1e6 / seconds))
    benchmark.measurement(requestsPerSecond, Int(Double(corpus.count) / seconds))
}

let benchmarks: @Sendable () -> Void = {
    let hasExternal = !(ProcessInfo.processInfo.environment["SWITCHYARD_CORPUS"] ?? "").isEmpty
    let configuration = Benchmark.Configuration(metrics: [.wallClock, megabytesPerSecond, requestsPerSecond],
                                                warmupIterations: 1, maxDuration: .seconds(3), maxIterations: 50)
    for (corpusName, corpus) in corpora where corpusName == "generated" || hasExternal {
        let sample = Shared { corpus.value!.sample(every: loopStride) }
        for (packName, engines) in [("default pack", full), ("stripped pack", stripped)] {
            for engineName in ["Switchyard", "Vectorscan", "RE2::Set"] where engineName == "Switchyard" || packName == "default pack" {
                Benchmark("corpus \(corpusName) · \(packName) · \(engineName)", configuration: configuration) { benchmark in
                    pass(engines.value.engine(named: engineName)!, corpus.value!, benchmark)
                } setup: {
                    _ = engines.value
                    _ = corpus.value
                }
            }
            for engineName in ["Switchyard", "RE2 loop"] where packName == "default pack" {
                Benchmark("corpus \(corpusName) 1-in-\(loopStride) · \(packName) · \(engineName)", configuration: configuration) { benchmark in
                    pass(engines.value.engine(named: engineName)!, sample.value, benchmark)
                } setup: {
                    _ = engines.value
                    _ = sample.value
                }
            }
        }
        Benchmark("agreement \(corpusName) · stripped pack",
                  configuration: .init(metrics: [disagreeing], warmupIterations: 0, maxIterations: 1)) { benchmark in
            let check = Agreement(engines: stripped.value, corpus: corpus.value!, loopStride: loopStride)
            check.report(corpusName: corpusName)
            benchmark.measurement(disagreeing, check.disagreements.values.reduce(0, +))
            if !check.passed { benchmark.error("engines disagree: \(check.summary)") }
        } setup: {
            let engines = stripped.value
            if !engines.problems.isEmpty { loud(engines.problems.joined(separator: "\n")) }
            _ = corpus.value
        }
    }
}
