import Switchyard
import SwitchyardRouting

/// The batch processor behind `switchyard route`: decodes, classifies, routes and renders a batch
/// of lines over all cores, keeping input order. Every line yields exactly one record: a decision,
/// or an error carrying the policy's fail-safe route.
package struct RouteStream: Sendable {
    package let router: ModelRouter
    /// Add each hit's view and span to decisions.
    package var explain: Bool
    /// Renders one audit record body per line when set (`AuditChain` or `AuditFile` seals them).
    package var auditRenderer: AuditRecordRenderer?
    /// Whether audit records are rendered.
    package var audit: Bool { auditRenderer != nil }
    /// Worker threads per batch.
    package var threads: Int
    /// The line-size limit, for `line_too_long` messages.
    package var maxLineBytes: Int

    /// `instance` names this process in audit records (default `hostname:pid`).
    /// `auditExcerptBytes` above 0 adds a redacted excerpt to risky decisions' audit records.
    package init(router: ModelRouter, explain: Bool = false, audit: Bool = false, instance: String = AuditInstance.current,
                auditExcerptBytes: Int = 0, threads: Int = ProcessInfoCores.active, maxLineBytes: Int = 1 << 20) {
        self.router = router
        self.explain = explain
        var renderer = audit ? AuditRecordRenderer(router: router, instance: instance) : nil
        renderer?.excerptBytes = auditExcerptBytes
        self.auditRenderer = renderer
        self.threads = threads
        self.maxLineBytes = maxLineBytes
    }

    /// What one batch produced: output bytes and audit record bodies (one per line, unsealed) in
    /// input order, and how many lines failed.
    package struct Output: Sendable {
        package var records: [[UInt8]]
        package var audit: [[UInt8]]
        package var failedLines: Int
    }

    /// Processes `batch`. Each audit record carries the time its decision was made.
    package func process(_ batch: LineBatch) -> Output {
        let results = router.forEachSlice(count: batch.count, threads: threads, minimumPerWorker: 4) { range, scratch in
            var records = DecisionRecords(router: router, explain: explain)
            var auditBodies: [[UInt8]] = []
            var auditWriter = JSONWriter(capacity: auditRenderer == nil ? 0 : 1024)
            func addAudit(_ id: RequestID?, _ line: Int, _ request: ModelRequest?, _ decision: RoutingDecision, error: String? = nil) {
                guard let auditRenderer else { return }
                auditRenderer.write(into: &auditWriter, id: id, line: line, request: request, decision: decision, error: error)
                auditBodies.append(auditWriter.bytes)
            }
            var failed = 0
            batch.bytes.withUnsafeBytes { all in
                for index in range {
                    let entry = batch.entries[index]
                    if entry.tooLong {
                        failed += 1
                        let decision = router.unparseable(code: "line_too_long")
                        let message = "line_too_long: line is longer than the limit of \(maxLineBytes) bytes; skipped"
                        records.error(id: nil, line: entry.number, message: message, decision: decision)
                        addAudit(nil, entry.number, nil, decision, error: "line_too_long")
                        continue
                    }
                    switch RequestDecoder.decode(UnsafeRawBufferPointer(rebasing: all[entry.range])) {
                    case .success(let request):
                        let decision = router.route(request, using: scratch)
                        records.decision(request: request, line: entry.number, decision: decision)
                        addAudit(request.id, entry.number, request, decision)
                    case .failure(let error):
                        failed += 1
                        let code = entry.terminated || error.code == "blank_line" ? error.code : "truncated_final_line"
                        let decision = router.unparseable(code: code)
                        let message = error.description.hasPrefix(code + ":") ? error.description : "\(code): \(error.description)"
                        records.error(id: error.id, line: entry.number, message: message, decision: decision)
                        addAudit(error.id, entry.number, nil, decision, error: code)
                    }
                }
            }
            return (records.output, auditBodies, failed)
        }
        return Output(records: results.map(\.0), audit: results.flatMap(\.1), failedLines: results.reduce(0) { $0 + $1.2 })
    }
}
