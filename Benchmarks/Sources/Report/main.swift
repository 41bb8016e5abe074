// switchyard-bench-report: every engine measured in ONE process, interleaved round by round, on
// the same inputs, so that the ratios hold on a shared machine where absolute figures drift.
// Prints a Markdown report (the tables of Benchmarks/README.md) on stdout, progress on stderr.
//
//   swift run -c release switchyard-bench-report [--quick] [--corpus FILE] [--skip-pipeline]
//                                               [--sections agreement,latency,regex,throughput,compile,scaling,batch,pipeline]
//
// Ratios are "Switchyard ×": how many times faster Switchyard is than the peer on the same
// inputs (peer time ÷ Switchyard time); below 1 means the peer is faster.
import BenchSupport
import Foundation
import Switchyard
import SwitchyardMatching

// MARK: options

let arguments = CommandLine.arguments.dropFirst()
let quick = arguments.contains("--quick")
let skipPipeline = arguments.contains("--skip-pipeline")
let corpusPath: String? = {
    if let index = arguments.firstIndex(of: "--corpus"), arguments.index(after: index) < arguments.endIndex { return arguments[arguments.index(after: index)] }
    return ProcessInfo.processInfo.environment["SWITCHYARD_CORPUS"].flatMap { $0.isEmpty ? nil : $0 }
}()
/// Seconds each engine gets per latency cell, and passes per corpus.
/// `--sections a,b`: run only those (agreement, latency, regex, throughput, compile, scaling,
/// batch, pipeline); default all.
let sections: Set<String>? = {
    guard let index = arguments.firstIndex(of: "--sections"), arguments.index(after: index) < arguments.endIndex else { return nil }
    return Set(arguments[arguments.index(after: index)].split(separator: ",").map(String.init))
}()
func want(_ section: String) -> Bool { sections?.contains(section) ?? true }
let cellBudget = quick ? 0.15 : 0.5
let passes = quick ? 3 : 5
let loopStride = 20

func emit(_ line: String = "") {
    print(line)
}
var problems: [String] = []
/// Facts about the pack met while building inputs (possible false positives, cancelled sentences).
var packNotes: [String] = []
let startedAt = Date()
let loadAtStart = Machine.loadAverage

// MARK: setup

if let index = arguments.firstIndex(of: "--dump-patterns"), arguments.index(after: index) < arguments.endIndex {
    // Diagnostics: the peers' patterns, one per line, for trying them in other tools.
    let peer = PeerPatterns(pack: try Packs.loadDefault())
    try peer.patterns.joined(separator: "\n").write(toFile: arguments[arguments.index(after: index)], atomically: true, encoding: .utf8)
    exit(0)
}

note("loading the default pack from \(Packs.defaultDirectory)")
let pack = try Packs.loadDefault()
let full = try EngineSet(pack: pack)
let strippedPack = Packs.stripped(pack)
let stripped = try EngineSet(pack: strippedPack)
problems += full.problems
problems += checkRiskySentences(full.switchyard.classifier)
let generated = GeneratedMix.corpus()
var corpora = [generated]
if let corpusPath {
    let limit = ProcessInfo.processInfo.environment["SWITCHYARD_CORPUS_LIMIT"].flatMap(Int.init) ?? .max
    let (external, skipped) = try Corpus.load(jsonl: corpusPath, limit: limit)
    note("\(corpusPath): \(external.count) requests, \(Format.bytes(external.totalBytes)) of text, \(skipped) lines skipped")
    corpora.append(external)
}

// MARK: header

let formatter = DateFormatter()
formatter.dateFormat = "yyyy-MM-dd HH:mm"
let statistics = full.switchyard.classifier.statistics
emit("# Switchyard benchmark report")
emit()
emit("- Date: \(formatter.string(from: startedAt)); machine: \(Machine.cores) cores (`nproc`), \(Machine.cpuModel); load average at start \(loadAtStart)")
emit("- Pack: \(pack.origin), version \(pack.version): \(pack.rules.count) rules; peers get \(full.peerPatterns.keywordCount) keywords + \(full.peerPatterns.regexCount) regexes = \(full.peerPatterns.patterns.count) patterns (no `near`, no `unless`)")
emit("- Switchyard automaton: \(statistics.automatonPatterns) literals, \(statistics.automatonStates) states, \(Format.bytes(statistics.automatonBytes)); \(statistics.prefilteredRegexes) prefiltered regexes, \(statistics.unfilteredRegexes) unfiltered")
emit("- Vectorscan \(VectorscanEngine.version)\(full.vectorscan.map { $0.utf8 ? ", HS_FLAG_UTF8" : ", without HS_FLAG_UTF8" } ?? ", not built"); RE2::Set and the RE2 loop use the library's RE2Options (case-insensitive, max_mem 64 MiB)")
for corpus in corpora {
    emit("- Corpus `\(corpus.name)`: \(corpus.count) requests, \(Format.bytes(corpus.totalBytes)) of text, p50 \(corpus.sizePercentile(0.5)) B, p99 \(corpus.sizePercentile(0.99)) B")
}
emit("- Ratios: **Switchyard ×** = peer time ÷ Switchyard time on the same inputs in the same process, interleaved (>1: Switchyard is faster)")
emit()

// MARK: agreement

if want("agreement") {
    emit("## Agreement (stripped pack: no `near`/`unless`, raw view; a rule fires iff a keyword or pattern matches)")
    emit()
    for corpus in corpora {
        note("agreement check on \(corpus.name)")
        let check = Agreement(engines: stripped, corpus: corpus, loopStride: loopStride)
        check.report(corpusName: corpus.name)
        emit("- `\(corpus.name)`: \(check.summary)\(check.passed ? "" : " — **DISAGREEMENT**")")
        for example in check.examples.prefix(5) { emit("  - \(example)") }
        if !check.passed { problems.append("engines disagree on \(corpus.name): \(check.summary)") }
    }
    emit()
}

/// Median seconds of `runs` calls of `body`.
func medianSeconds(_ runs: Int, _ body: () throws -> Void) rethrows -> Double {
    var times: [Double] = []
    for _ in 0..<runs {
        let start = Clock.now()
        try body()
        times.append(Clock.seconds(since: start))
    }
    return times.sorted()[times.count / 2]
}

func seconds(_ value: Double) -> String { Format.duration(UInt64(value * 1e9)) }

// MARK: latency

/// Times calls of each engine on `text`, round-robin in chunks, until each has used `budget`
/// seconds (at least `minimum` calls).
func interleavedLatency(_ engines: [any RuleEngine], _ text: [UInt8], budget: Double, minimum: Int = 3, maximum: Int = 200_000) -> [Samples] {
    var samples = [Samples](repeating: Samples(), count: engines.count)
    var spent = [UInt64](repeating: 0, count: engines.count)
    let limit = UInt64(budget * 1e9)
    text.withUnsafeBytes { text in
        for engine in engines { _ = engine.scan(text) }  // warm caches
        var round = 0
        while true {
            var active = false
            for offset in engines.indices {
                let index = (offset + round) % engines.count
                guard (spent[index] < limit || samples[index].count < minimum) && samples[index].count < maximum else { continue }
                active = true
                // A chunk of about 5 ms (one call for slow engines).
                let chunkStart = Clock.now()
                while Clock.now() - chunkStart < 5_000_000 && samples[index].count < maximum {
                    let start = Clock.now()
                    _ = engines[index].scan(text)
                    let elapsed = Clock.now() - start
                    samples[index].add(elapsed)
                    spent[index] += elapsed
                }
            }
            round += 1
            if !active { break }
        }
    }
    return samples
}

func speedup(_ peer: Double?, _ switchyard: Double?) -> String {
    guard let peer, let switchyard, switchyard > 0 else { return "—" }
    return Format.ratio(peer / switchyard)
}

if want("latency") {
    emit("## Latency per call (one thread; p50 / p99 / p999 of single calls)")
    emit()
    let peerNames = full.all.dropFirst().map(\.name)
    emit("| prompt | " + full.all.map { "\($0.name) p50 / p99 / p999" }.joined(separator: " | ") + " | " + peerNames.map { "Switchyard × \($0) (p50)" }.joined(separator: " | ") + " |")
    emit("|---|" + String(repeating: "---:|", count: full.all.count + peerNames.count))
    for size in latencySizes {
        let inputs = LatencyInputs(size: size, variants: 1, classifier: full.switchyard.classifier)
        problems += inputs.problems
        packNotes += inputs.scrubbed.map { "\(Format.size(size)) inputs: \($0)" }
        for risky in [false, true] {
            note("latency \(Format.size(size)) \(risky ? "risky" : "clean")")
            let text = risky ? inputs.risky[0] : inputs.clean[0]
            let samples = interleavedLatency(full.all, text, budget: size >= 64 << 10 ? cellBudget * 2 : cellBudget)
            let cells = samples.map { "\(Format.duration($0.median)) / \(Format.duration($0.reliablePercentile(0.99))) / \(Format.duration($0.reliablePercentile(0.999)))" }
            let p50 = samples.map { $0.median.map { Double($0) } }
            let ratios = p50.dropFirst().map { speedup($0, p50[0]) }
            emit("| \(Format.size(size)) \(risky ? "risky" : "clean") | " + cells.joined(separator: " | ") + " | " + ratios.joined(separator: " | ") + " |")
        }
    }
    emit()
    emit("p99 and p999 are shown only with at least 1,000 and 10,000 samples. 64 B risky is the sentence alone.")
    emit()
}

// MARK: regex costs

/// Where risky prompts spend their time: each pack regex alone (RE2, leftmost match span as
/// Switchyard's confirmation asks for it) on the 1 KB and 64 KB risky prompts.
if want("regex") {
    emit("## Diagnostics: the costliest regexes on risky prompts (each pattern alone, RE2 firstMatch, median of 3)")
    emit()
    emit("| prompt | Switchyard classify | all \(pack.rules.flatMap(\.patterns).count) regexes, sum | slowest regexes (rule: time, match?) |")
    emit("|---|---:|---:|---|")
    for size in [1024, 64 << 10] {
        let inputs = LatencyInputs(size: size, variants: 1, classifier: full.switchyard.classifier)
        let text = inputs.risky[0]
        var costs: [(rule: String, seconds: Double, matched: Bool)] = []
        try text.withUnsafeBytes { buffer in
            for rule in pack.rules {
                for source in rule.patterns {
                    let pattern = try RE2Pattern(source)
                    _ = pattern.firstMatch(in: buffer)
                    var matched = false
                    let time = medianSeconds(3) { matched = pattern.firstMatch(in: buffer) != nil }
                    costs.append((rule.id, time, matched))
                }
            }
            let classify = medianSeconds(3) { _ = full.switchyard.scan(buffer) }
            costs.sort { $0.seconds > $1.seconds }
            let total = costs.reduce(0) { $0 + $1.seconds }
            let top = costs.prefix(5).map { "\($0.rule): \(seconds($0.seconds))\($0.matched ? " (match)" : "")" }.joined(separator: "; ")
            emit("| \(Format.size(size)) risky | \(seconds(classify)) | \(seconds(total)) | \(top) |")
        }
    }
    emit()
}

// MARK: corpus throughput

struct PassResult {
    var megabytesPerSecond: Double
    var requestsPerSecond: Double
}

/// `passes` timed passes of every engine over its corpus, interleaved; the median pass of each.
func interleavedPasses(_ runs: [(engine: any RuleEngine, corpus: Corpus)], passes: Int) -> [PassResult] {
    var times = [[Double]](repeating: [], count: runs.count)
    for run in runs { run.corpus.forEach { _, text in _ = run.engine.scan(text) } }  // warm up
    for pass in 0..<passes {
        for offset in runs.indices {
            let index = (offset + pass) % runs.count
            let run = runs[index]
            let start = Clock.now()
            var fired = 0
            run.corpus.forEach { _, text in fired &+= run.engine.scan(text) }
            times[index].append(Clock.seconds(since: start))
            if fired == Int.min { print(fired) }
        }
    }
    return runs.indices.map { index in
        let median = times[index].sorted()[times[index].count / 2]
        return PassResult(megabytesPerSecond: Double(runs[index].corpus.totalBytes) / 1e6 / median,
                          requestsPerSecond: Double(runs[index].corpus.count) / median)
    }
}

/// Per-request latency over one pass.
func requestLatency(_ engine: any RuleEngine, _ corpus: Corpus) -> Samples {
    var samples = Samples()
    samples.values.reserveCapacity(corpus.count)
    corpus.forEach { _, text in
        let start = Clock.now()
        _ = engine.scan(text)
        samples.add(Clock.now() - start)
    }
    return samples
}

/// In-process MB/s per corpus and engine, for the pipeline's comparison.
var throughputSummary: [String: [String: Double]] = [:]
if want("throughput") {
    /// RE2::Set with the budget PEERS.md measured with: a large set's lazy DFA thrashes below it.
    let re2SetLarge = try? RE2SetEngine(full.peerPatterns, options: RE2Options(maxMemory: 256 << 20))
    emit("## Throughput over a corpus (one thread, one call per request; median of \(passes) interleaved passes)")
    emit()
    for corpus in corpora {
        note("throughput on \(corpus.name)")
        let sample = corpus.sample(every: loopStride)
        var runs: [(name: String, engine: any RuleEngine, corpus: Corpus)] = [
            ("Switchyard (default pack)", full.switchyard, corpus),
            ("Switchyard (stripped pack)", stripped.switchyard, corpus),
        ]
        if let vectorscan = full.vectorscan { runs.append(("Vectorscan", vectorscan, corpus)) }
        if let re2Set = full.re2Set { runs.append(("RE2::Set", re2Set, corpus)) }
        if let bigSet = re2SetLarge { runs.append(("RE2::Set, max_mem 256 MiB", bigSet, corpus)) }
        runs.append(("Switchyard (default pack), 1 in \(loopStride)", full.switchyard, sample))
        if let re2Loop = full.re2Loop { runs.append(("RE2 loop, 1 in \(loopStride)", re2Loop, sample)) }
        let results = interleavedPasses(runs.map { ($0.engine, $0.corpus) }, passes: passes)
        let baseline = results[0].megabytesPerSecond
        let sampleBaseline = results[runs.firstIndex { $0.name.hasPrefix("Switchyard (default pack), 1 in") }!].megabytesPerSecond
        emit("### `\(corpus.name)` (\(corpus.count) requests, \(Format.bytes(corpus.totalBytes)))")
        emit()
        emit("| engine | MB/s | requests/s | p50 / p99 / p999 per request | Switchyard × |")
        emit("|---|---:|---:|---:|---:|")
        for (index, run) in runs.enumerated() {
            let latency = requestLatency(run.engine, run.corpus)
            let ratio: String
            if run.name.hasPrefix("Switchyard (default pack)") {
                ratio = "1"
            } else if run.name.hasPrefix("RE2 loop") {
                ratio = speedup(sampleBaseline, results[index].megabytesPerSecond)
            } else {
                ratio = speedup(baseline, results[index].megabytesPerSecond)
            }
            throughputSummary[corpus.name, default: [:]][run.name] = results[index].megabytesPerSecond
            emit("| \(run.name) | \(Format.rate(results[index].megabytesPerSecond)) | \(Format.rate(results[index].requestsPerSecond)) | \(Format.duration(latency.median)) / \(Format.duration(latency.reliablePercentile(0.99))) / \(Format.duration(latency.reliablePercentile(0.999))) | \(ratio) |")
        }
        emit()
    }
    emit("Peers run the pack's keywords and regexes only: on the default pack Switchyard also evaluates `near` and `unless`, which they do not; the stripped-pack row is the like-for-like comparison (same semantics, agreement-checked above). The RE2 loop's ratio is against Switchyard on the same 1-in-\(loopStride) sample.")
    emit()
}

// MARK: compile

if want("compile") {
    note("compile times")
    emit("## Loading and compiling the default pack (median of 5)")
    emit()
    emit("| step | time | heap kept while alive | notes |")
    emit("|---|---:|---:|---|")
    let loadTime = try medianSeconds(5) { _ = try Packs.loadDefault() }
    emit("| load YAML (RuleLoader, validates every regex) | \(seconds(loadTime)) | — | \(pack.rules.count) rules |")
    let switchyardCompile = try medianSeconds(5) { _ = try Classifier(pack: pack) }
    let switchyardHeap = try Machine.retainedHeap { try Classifier(pack: pack) }
    emit("| compile · Switchyard | \(seconds(switchyardCompile)) | \(Format.bytes(switchyardHeap.bytes)) | automaton \(Format.bytes(statistics.automatonBytes)), \(statistics.automatonStates) states |")
    let vectorscanCompile = try medianSeconds(5) { _ = try VectorscanEngine(full.peerPatterns) }
    let vectorscanHeap = try Machine.retainedHeap { try VectorscanEngine(full.peerPatterns) }
    emit("| compile · Vectorscan | \(seconds(vectorscanCompile)) | \(Format.bytes(vectorscanHeap.bytes)) | database \(Format.bytes(vectorscanHeap.value.databaseBytes)), scratch \(Format.bytes(vectorscanHeap.value.scratchBytes)) |")
    let setCompile = try medianSeconds(5) { _ = try RE2SetEngine(full.peerPatterns) }
    let setHeap = try Machine.retainedHeap { try RE2SetEngine(full.peerPatterns) }
    emit("| compile · RE2::Set | \(seconds(setCompile)) | \(Format.bytes(setHeap.bytes)) | before its lazy-DFA cache grows |")
    let loopCompile = try medianSeconds(5) { _ = try RE2LoopEngine(full.peerPatterns) }
    let loopHeap = try Machine.retainedHeap { try RE2LoopEngine(full.peerPatterns) }
    emit("| compile · RE2 loop | \(seconds(loopCompile)) | \(Format.bytes(loopHeap.bytes)) | \(full.peerPatterns.patterns.count) RE2 objects |")
    emit()
}

// MARK: scaling

if want("scaling") {
    note("scaling")
    let scalingCorpus = generated.prefix(2_000)
    emit("## Scaling with rule count (generated packs; throughput on the first 2,000 requests of `\(generated.name)` (\(Format.bytes(scalingCorpus.totalBytes))), median of \(passes) interleaved passes)")
    emit()
    emit("| rules | load YAML | compile · Switchyard | automaton | Switchyard MB/s | vs 100 rules | compile · Vectorscan | Vectorscan MB/s | compile · RE2::Set | RE2::Set MB/s |")
    emit("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    var scalingBase: Double?
    for count in [100, 1_000, 10_000] {
        note("scaling: \(count) rules")
        let yaml = Array(Packs.generatedYAML(ruleCount: count).utf8)
        let runs = count >= 10_000 ? 3 : 5
        var generatedPack: RulePack? = nil
        let load = try medianSeconds(runs) { generatedPack = try RuleLoader().load(files: [(name: "generated.yaml", bytes: yaml)]) }
        let engines = try EngineSet(pack: generatedPack!, peers: true, loop: false, re2Set: count <= 1_000)
        problems += engines.problems.map { "scaling \(count): \($0)" }
        let compile = try medianSeconds(runs) { _ = try Classifier(pack: generatedPack!) }
        var runList: [(engine: any RuleEngine, corpus: Corpus)] = [(engines.switchyard, scalingCorpus)]
        if let vectorscan = engines.vectorscan { runList.append((vectorscan, scalingCorpus)) }
        if let re2Set = engines.re2Set { runList.append((re2Set, scalingCorpus)) }
        let results = interleavedPasses(runList, passes: passes)
        let megabytesPerSecond = results[0].megabytesPerSecond
        if scalingBase == nil { scalingBase = megabytesPerSecond }
        let vectorscanMBps = engines.vectorscan == nil ? "—" : Format.rate(results[1].megabytesPerSecond)
        let setMBps = engines.re2Set == nil ? "—" : Format.rate(results[runList.count - 1].megabytesPerSecond)
        let stats = engines.switchyard.classifier.statistics
        emit("| \(count) | \(seconds(load)) | \(seconds(compile)) | \(Format.bytes(stats.automatonBytes)) | \(Format.rate(megabytesPerSecond)) | \(Format.ratio(megabytesPerSecond / scalingBase!)) | \(engines.compileSeconds["Vectorscan"].map(seconds) ?? "—") | \(vectorscanMBps) | \(engines.compileSeconds["RE2::Set"].map(seconds) ?? "—") | \(setMBps) |")
    }
    emit()
    emit("Peer compile times are single builds; RE2::Set is left out at 10,000 rules (21k patterns: one pass over this corpus took minutes). Generated rules: 1-3 keywords each, 40% with a `near` clause over common verbs, 10% with a regex (a third of them with a common-verb prefix), 10% with an `unless` term.")
    emit()
}

// MARK: batch routing

if want("batch") {
    note("batch routing")
    let policy = try PolicyLoader().load(path: Packs.defaultPolicyPath)
    let router = ModelRouter(classifier: full.switchyard.classifier, policy: policy)
    let routed = GeneratedMix.corpus(requests: 4_096, seed: 3).requests()
    let routedBytes = routed.reduce(0) { $0 + $1.text.utf8.count }
    var batchTimes: [String: [Double]] = [:]
    var batchCPU: [String: Double] = [:]
    var batchWall: [String: Double] = [:]
    let batchConfigs = [(1, 1), (1, 2), (64, 1), (64, 2), (1_024, 1), (1_024, 2)]
    for pass in 0..<passes {
        for offset in batchConfigs.indices {
            let (batch, threads) = batchConfigs[(offset + pass) % batchConfigs.count]
            let start = Clock.now()
            let cpuStart = Machine.cpuSeconds
            var index = 0
            var routedCount = 0
            while index < routed.count {
                let slice = Array(routed[index..<min(routed.count, index + batch)])
                routedCount += router.route(slice, threads: threads).count
                index += batch
            }
            let wall = Clock.seconds(since: start)
            batchTimes["\(batch)/\(threads)", default: []].append(wall)
            batchWall["\(batch)/\(threads)", default: 0] += wall
            batchCPU["\(batch)/\(threads)", default: 0] += Machine.cpuSeconds - cpuStart
            precondition(routedCount == routed.count)
        }
    }
    let batchRate = { (batch: Int, threads: Int) -> Double in
        let times = batchTimes["\(batch)/\(threads)"]!.sorted()
        return Double(routed.count) / times[times.count / 2]
    }
    emit("## Batch routing (ModelRouter.route(_:threads:), \(routed.count) requests of the generated mix, \(Format.bytes(routedBytes)); median of \(passes) interleaved passes)")
    emit()
    emit("| batch | 1 thread req/s | 2 threads req/s | 2 threads ÷ 1 | 1 thread ÷ batch 1 | 2 threads ÷ batch 1 | CPU ÷ wall, 2 threads |")
    emit("|---:|---:|---:|---:|---:|---:|---:|")
    for batch in [1, 64, 1_024] {
        let key = "\(batch)/2"
        emit("| \(batch) | \(Format.rate(batchRate(batch, 1))) | \(Format.rate(batchRate(batch, 2))) | \(Format.ratio(batchRate(batch, 2) / batchRate(batch, 1))) | \(Format.ratio(batchRate(batch, 1) / batchRate(1, 1))) | \(Format.ratio(batchRate(batch, 2) / batchRate(1, 2))) | \(String(format: "%.2f", batchCPU[key]! / batchWall[key]!)) |")
    }
    emit()
    emit("A batch of 1 always runs on the calling thread (the router spreads a batch only when each worker gets at least \(ModelRouter.minimumPerWorker) requests). \"CPU ÷ wall\" near 2 means both threads ran; near 1 on a busy machine means the second core was taken by other work. Load average during the run: \(Machine.loadAverage).")
    emit()
}

// MARK: pipeline

if want("pipeline") && !skipPipeline {
    let candidates: [String] = [ProcessInfo.processInfo.environment["SWITCHYARD_BIN"],
                      URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("switchyard").path,
                      (Packs.checkout as NSString).appendingPathComponent(".build/release/switchyard")].compactMap { $0 }
    if let executable = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) {
        note("pipeline with \(executable)")
        emit("## The stdin pipeline end to end (`\(executable.replacingOccurrences(of: Packs.checkout + "/", with: ""))`, output to /dev/null, median of 3 runs)")
        emit()
        emit("| command | corpus | MB/s (JSONL in) | MB/s (text) | requests/s | text MB/s after start-up | start-up (empty input) | in-process Switchyard ÷ pipeline |")
        emit("|---|---|---:|---:|---:|---:|---:|---:|")
        /// Median wall time of 3 runs of `arguments` with stdin from `path`; the worst exit status.
        func runs(_ arguments: [String], _ path: String) throws -> (seconds: Double, status: Int32) {
            var times: [Double] = []
            var status: Int32 = 0
            for _ in 0..<3 {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: executable)
                process.arguments = arguments + ["--rules", Packs.defaultDirectory]
                process.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
                process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
                let start = Clock.now()
                try process.run()
                process.waitUntilExit()
                times.append(Clock.seconds(since: start))
                status = max(status, process.terminationStatus)
            }
            return (times.sorted()[1], status)
        }
        var files: [(corpus: Corpus, path: String, temporary: Bool)] = []
        let generatedPath = NSTemporaryDirectory() + "switchyard-bench-report-\(getpid()).jsonl"
        _ = FileManager.default.createFile(atPath: generatedPath, contents: Data(generated.jsonl()))
        files.append((generated, generatedPath, true))
        if let corpusPath, corpora.count > 1 { files.append((corpora[1], corpusPath, false)) }
        for (corpus, path, _) in files {
            let jsonlBytes = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            for (name, extra) in [("classify", ["classify"]), ("route", ["route"]), ("route --threads 1", ["route", "--threads", "1"])] {
                let startup = try runs(extra, "/dev/null").seconds
                let (median, status) = try runs(extra, path)
                let inProcess = throughputSummary[corpus.name]?["Switchyard (default pack)"] ?? .nan
                let textRate = Double(corpus.totalBytes) / 1e6 / median
                let steadyRate = Double(corpus.totalBytes) / 1e6 / max(1e-6, median - startup)
                let failed = status > 1 ? " (exit status \(status))" : ""
                emit("| `\(name)` | \(corpus.name) | \(Format.rate(Double(jsonlBytes) / 1e6 / median)) | \(Format.rate(textRate)) | \(Format.rate(Double(corpus.count) / median)) | \(Format.rate(steadyRate)) | \(seconds(startup)) | \(Format.ratio(inProcess / steadyRate))\(failed) |")
                if status > 1 { problems.append("pipeline \(name) on \(corpus.name): exit status \(status)") }
            }
        }
        try? FileManager.default.removeItem(atPath: generatedPath)
        emit()
        emit("Each run includes start-up (loading and compiling the pack); \"after start-up\" subtracts the time of a run on empty input. `route` uses its defaults (batches of 1,024 lines or 8 MiB, all cores). The last column compares the after-start-up text rate with one-thread in-process classification of the same corpus (>1: the pipeline costs more than classification alone).")
        emit()
    } else {
        problems.append("pipeline skipped: no switchyard executable (looked in \(candidates)); run `swift build -c release --product switchyard` in Benchmarks/ or set SWITCHYARD_BIN")
    }
}

// MARK: footer

emit("## Notes on the pack (seen while building the inputs)")
emit()
if packNotes.isEmpty {
    emit("None: the generated clean prompts fire nothing and every risky prompt fires.")
} else {
    var seen = Set<String>()
    for fact in packNotes where seen.insert(fact).inserted { emit("- \(fact)") }
}
emit()

emit("## Problems")
emit()
if problems.isEmpty {
    emit("None.")
} else {
    for problem in problems { emit("- \(problem)") }
    loud("PROBLEMS:\n" + problems.joined(separator: "\n"))
}
emit()
emit("Finished in \(Int(Date().timeIntervalSince(startedAt))) s; load average at end \(Machine.loadAverage); peak RSS \(Format.bytes(Machine.peakResidentBytes)).")
