import SwitchyardRouting

/// The batch processor behind `switchyard route`: decodes, classifies, routes and renders a batch
/// of lines over all cores, keeping input order. Every line yields exactly one record: a decision,
/// or an error carrying the policy's fail-safe route.
public struct RouteStream: Sendable {
    public let router: Router
    /// Add each hit's view and span to decisions.
    public var explain: Bool
    /// Also render one audit record per line.
    public var audit: Bool
    /// Worker threads per batch.
    public var threads: Int
    /// The line-size limit, for `line_too_long` messages.
    public var maxLineBytes: Int

    public init(router: Router, explain: Bool = false, audit: Bool = false, threads: Int = ProcessInfoCores.active, maxLineBytes: Int = 1 << 20) {
        self.router = router
        self.explain = explain
        self.audit = audit
        self.threads = threads
        self.maxLineBytes = maxLineBytes
    }

    /// What one batch produced: output and audit bytes in input order, and how many lines failed.
    public struct Output: Sendable {
        public var records: [[UInt8]]
        public var audit: [[UInt8]]
        public var failedLines: Int
    }

    /// Processes `batch`; `timestamp` (RFC 3339) is written into audit records.
    public func process(_ batch: LineBatch, timestamp: String = "") -> Output {
        let results = router.forEachSlice(count: batch.count, threads: threads, minimumPerWorker: 4) { range, scratch in
            var records = DecisionRecords(router: router, explain: explain)
            var auditRecords = audit ? AuditRecords(router: router, timestamp: timestamp) : nil
            var failed = 0
            batch.bytes.withUnsafeBytes { all in
                for index in range {
                    let entry = batch.entries[index]
                    if entry.tooLong {
                        failed += 1
                        let decision = router.unparseable(code: "line_too_long")
                        let message = "line_too_long: line is longer than the limit of \(maxLineBytes) bytes; skipped"
                        records.error(id: nil, line: entry.number, message: message, decision: decision)
                        auditRecords?.record(id: nil, line: entry.number, request: nil, decision: decision)
                        continue
                    }
                    switch RequestDecoder.decode(UnsafeRawBufferPointer(rebasing: all[entry.range])) {
                    case .success(let request):
                        let decision = router.route(request, using: scratch)
                        records.decision(request: request, line: entry.number, decision: decision)
                        auditRecords?.record(id: request.id, line: entry.number, request: request, decision: decision)
                    case .failure(let error):
                        failed += 1
                        let code = entry.terminated || error.code == "blank_line" ? error.code : "truncated_final_line"
                        let decision = router.unparseable(code: code)
                        let message = error.description.hasPrefix(code + ":") ? error.description : "\(code): \(error.description)"
                        records.error(id: error.id, line: entry.number, message: message, decision: decision)
                        auditRecords?.record(id: error.id, line: entry.number, request: nil, decision: decision)
                    }
                }
            }
            return (records.output, auditRecords?.output ?? [], failed)
        }
        return Output(records: results.map(\.0), audit: results.map(\.1), failedLines: results.reduce(0) { $0 + $1.2 })
    }
}
