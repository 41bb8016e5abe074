// (f) Batch routing: Router.route(_:threads:) over batches of 1, 64 and 1,024 requests from the
// generated mix, on 1 and 2 threads. One iteration routes one batch.
import Benchmark
import BenchSupport
import Switchyard

let router = Shared { () -> ModelRouter in
    let classifier = try Classifier(pack: try Packs.loadDefault())
    let policy = try PolicyLoader().load(path: Packs.defaultPolicyPath)
    return ModelRouter(classifier: classifier, policy: policy)
}
let requests = Shared { GeneratedMix.corpus(requests: 4_096, seed: 3).requests() }
let requestsPerSecond = BenchmarkMetric.custom("requests/s", polarity: .prefersLarger, useScalingFactor: false)

let benchmarks: @Sendable () -> Void = {
    for batch in [1, 64, 1_024] {
        for threads in [1, 2] {
            let batches = Shared { () -> [[ModelRequest]] in
                let all = requests.value
                return stride(from: 0, to: all.count, by: batch).map { Array(all[$0..<min(all.count, $0 + batch)]) }
            }
            Benchmark("route batch \("\(batch)".leftPad(4)) · \(threads) thread\(threads == 1 ? "" : "s")",
                      configuration: .init(metrics: [.wallClock, .throughput, requestsPerSecond], warmupIterations: 10,
                                           maxDuration: .seconds(2), maxIterations: 100_000)) { benchmark in
                let router = router.value
                let batches = batches.value
                let batch = batches[benchmark.currentIteration % batches.count]
                let start = Clock.now()
                blackHole(router.route(batch, threads: threads))
                benchmark.measurement(requestsPerSecond, Int(Double(batch.count) / Clock.seconds(since: start)))
            } setup: {
                _ = router.value
                _ = batches.value
            }
        }
    }
}

extension String {
    func leftPad(_ width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
