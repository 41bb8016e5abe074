#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Foundation
import Switchyard
import SwitchyardTools
import SwitchyardRedis
import SwitchyardServe

/// `switchyard route`: JSONL requests on stdin, one routing decision per line on stdout.
struct RouteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "route",
        abstract: "Route JSONL requests from stdin; write one decision per line to stdout.",
        discussion: """
            Lines are gathered into batches of up to --batch-size lines (and --max-batch-bytes bytes) \
            and routed over --threads cores. A batch is sent as soon as it is full, or --max-wait-ms \
            after its first line arrived (a deadline, not an idle timer), so a user typing one line \
            sees its decision at once and a steady trickle of lines is never held back longer. \
            SIGHUP reloads the rule pack and the policy (built and checked completely, every rule's \
            examples included) and reopens the audit file: the next batch is routed with them. A pack \
            or policy that fails is refused with its reason on stderr, and the loaded one keeps routing. \
            Exit status as for classify.
            """
    )

    @Option(help: "Rule pack directory (default: the built-in pack).")
    var rules: String?

    @Option(help: "Routing policy file (default: <rules>/policy/policy.yaml).")
    var policy: String?

    @Option(help: "Most lines routed together. Bigger batches keep more cores busy (a long text holds up only its own chunk); smaller ones answer each line sooner under load.")
    var batchSize: Int = 1024

    @Option(help: "A batch is also sent once its lines hold this many bytes, so memory stays bounded whatever the line lengths.")
    var maxBatchBytes: Int = 8 << 20

    @Option(help: "Longest time, in milliseconds, a batch's first line waits for more lines before the batch is routed.")
    var maxWaitMs: Int = 2

    @Option(help: "Worker threads per batch (default: all cores).")
    var threads: Int = ProcessInfoCores.active

    @Option(help: "Append one audit record per decision (schema switchyard.audit/1, hash-chained JSONL) to this file. SIGHUP reopens it (log rotation).")
    var audit: String?

    @Option(help: "Add to each risky decision's audit record an excerpt of at most this many bytes around the evidence, with e-mail and IP addresses, long numbers and secrets masked (default 0: no excerpt).")
    var auditExcerpt: Int = 0

    @Option(help: "This process's name in audit records (default: hostname:pid).")
    var instance: String?

    @Option(help: "Longest accepted input line in bytes.")
    var maxLineBytes: Int = 1 << 20

    @Flag(help: "Add each hit's rule, mode, view and byte span to decisions.")
    var explain = false

    @Option(help: "Share the policy's escalation strikes through Redis at HOST:PORT (default: counted in this process). If Redis cannot be reached, strikes are counted locally and decisions go on.")
    var strikesRedis: String?

    func validate() throws {
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive") }
        guard maxBatchBytes > 0 else { throw ValidationError("--max-batch-bytes must be positive") }
        guard maxWaitMs >= 0 else { throw ValidationError("--max-wait-ms must not be negative") }
        guard threads > 0 else { throw ValidationError("--threads must be positive") }
        guard maxLineBytes > 0 else { throw ValidationError("--max-line-bytes must be positive") }
        guard (0...4096).contains(auditExcerpt) else { throw ValidationError("--audit-excerpt must be between 0 and 4096 bytes") }
        guard auditExcerpt == 0 || audit != nil else { throw ValidationError("--audit-excerpt needs --audit FILE") }
        if let strikesRedis, RedisStrikeStore.Endpoint(strikesRedis) == nil {
            throw ValidationError("--strikes-redis must be HOST:PORT, e.g. 127.0.0.1:6379")
        }
    }

    func run() throws {
        let router: ModelRouter
        let rulesDirectory: String
        let policyPath: String
        // One strike store for the whole run, so a reload keeps every identity's strikes.
        let strikes: any StrikeStore = strikesRedis.flatMap { RedisStrikeStore.Endpoint($0) }.map { RedisStrikeStore(endpoint: $0) } ?? LocalStrikeStore()
        do {
            let classifier = try RulePackLocation.loadClassifier(rules)
            rulesDirectory = try RulePackLocation.resolve(rules)
            policyPath = policy ?? (rulesDirectory as NSString).appendingPathComponent("policy/policy.yaml")
            let loaded: RoutingPolicy
            var loader = PolicyLoader()
            loader.knownCategories = Set(classifier.rules.map(\.category))
            do { loaded = try loader.load(path: policyPath) } catch {
                throw CLIFailure(message: "policy \(policyPath) failed to load:\n\(error.description)")
            }
            router = ModelRouter(classifier: classifier, policy: loaded, strikes: strikes)
        } catch let failure as CLIFailure {
            standardError(failure.message)
            throw ExitCode(2)
        }
        var auditFile: AuditFile? = nil
        if let audit {
            do { auditFile = try AuditFile(path: audit) } catch {
                standardError("switchyard: \(error.description)")
                throw ExitCode(2)
            }
        }
        defer { auditFile?.close() }
        StandardStreams.installSignalHandlers()
        StandardStreams.installHangupHandler()

        func makeStream(_ router: ModelRouter) -> RouteStream {
            RouteStream(router: router, explain: explain, audit: auditFile != nil, instance: instance ?? AuditInstance.current,
                        auditExcerptBytes: auditExcerpt, threads: threads, maxLineBytes: maxLineBytes)
        }
        var stream = makeStream(router)
        var framer = LineFramer(maxLineBytes: maxLineBytes)
        var batch = LineBatch()
        // When the current batch must be sent: --max-wait-ms after its first line.
        var batchDeadline: ContinuousClock.Instant? = nil
        var failedLines = 0
        var auditFailure: Int32? = nil

        // SIGHUP: build and check the pack and policy afresh; on success the next batch uses them.
        func reloadIfAsked() {
            guard reloadRequested.exchange(false, ordering: .relaxed) else { return }
            let loader = EngineLoader(rulesDirectory: rulesDirectory, policyPath: policyPath, strikes: strikes)
            do {
                let engine = try loader.load()
                stream = makeStream(engine.router)
                standardError("switchyard: reloaded rules \(engine.rulesVersion) and policy \(engine.policyVersion)")
            } catch {
                // The first lines say what is wrong; a broken file makes the rest a cascade.
                let lines = error.description.split(separator: "\n", omittingEmptySubsequences: false)
                let shown = lines.prefix(12).joined(separator: "\n") + (lines.count > 12 ? "\n(\(lines.count - 12) more lines)" : "")
                standardError("switchyard: reload refused, still routing with rules \(stream.router.classifier.pack.version) and policy \(stream.router.policy.version): \(shown)")
            }
        }

        // Decisions first: a failing audit file never holds back or drops a decision. Its first
        // failure is reported, auditing stops, and the exit status says so (4).
        func flush() throws(StandardStreams.WriteFailure) {
            batchDeadline = nil
            guard !batch.isEmpty else { return }
            reloadIfAsked()
            let output = stream.process(batch)
            batch.removeAll()
            failedLines += output.failedLines
            for part in output.records where !part.isEmpty { try StandardStreams.write(part) }
            guard auditFailure == nil, let auditFile else { return }
            do {
                if reopenRequested.exchange(false, ordering: .relaxed) { try auditFile.reopen() }
                try auditFile.append(output.audit)
            } catch {
                auditFailure = error.errno ?? EIO
                standardError("switchyard: \(error.description); decisions go on, auditing stops")
            }
        }

        do {
            let readError = try StandardStreams.readChunks(waitMilliseconds: { batchDeadline.map { StandardStreams.milliseconds(until: $0) } },
                                                           midLine: { framer.bufferedByteCount > 0 }) { chunk throws(StandardStreams.WriteFailure) in
                guard let chunk else { return try flush() }  // the deadline passed with no input: send the partial batch
                var failure: StandardStreams.WriteFailure?
                framer.feed(chunk) { event in
                    if batch.isEmpty { batchDeadline = .now + .milliseconds(maxWaitMs) }
                    batch.append(event)
                    if (batch.count >= batchSize || batch.bytes.count >= maxBatchBytes) && failure == nil {
                        do { try flush() } catch { failure = error as? StandardStreams.WriteFailure ?? .failed(errno: EIO) }
                    }
                }
                if let failure { throw failure }
                // Input that keeps coming does not hold a batch past its deadline.
                if let batchDeadline, ContinuousClock.now >= batchDeadline { try flush() }
            }
            if !StandardStreams.dropsHalfReadLine(framer) { framer.finish { batch.append($0) } }
            try flush()
            if let readError {
                standardError("switchyard: reading stdin failed (errno \(readError))")
                throw ExitCode(1)
            }
        } catch let failure as StandardStreams.WriteFailure {
            switch failure {
            case .closed:
                standardError("switchyard: stdout closed; stopping")
            case .failed(let code):
                standardError("switchyard: writing output failed (errno \(code))")
            }
            throw ExitCode(3)
        }
        if let auditFile, auditFailure == nil {
            standardError("switchyard: audit chain head \(auditFile.head) after \(auditFile.chain.count) records")
        }
        if auditFailure != nil { throw ExitCode(4) }
        if failedLines > 0 { throw ExitCode(1) }
    }
}
