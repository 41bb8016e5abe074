import SwitchyardRouting

/// One record at a time, for callers that answer one request per call (the HTTP service): the
/// exact bytes `switchyard route` and `switchyard classify` print for the same line, newline
/// included, so a service and the stream can never disagree about the contract.
public enum SingleRecords {
    /// The `route` decision record for `request` (the CLI's record for a line without an id
    /// carries the line number; a single request is line 1).
    public static func decision(router: ModelRouter, request: ModelRequest, decision: RoutingDecision, line: Int = 1, explain: Bool = false) -> [UInt8] {
        var records = DecisionRecords(router: router, explain: explain)
        records.decision(request: request, line: line, decision: decision)
        return records.output
    }

    /// The `route` error record for a request that could not be used: the error and the policy's
    /// fail-safe decision.
    public static func routeError(router: ModelRouter, error: RequestError, decision: RoutingDecision, line: Int = 1) -> [UInt8] {
        var records = DecisionRecords(router: router, explain: false)
        records.error(id: error.id, line: line, message: error.description, decision: decision)
        return records.output
    }

    /// The `classify` verdict record.
    public static func verdict(classifier: Classifier, request: ModelRequest, verdict: Verdict, line: Int = 1, explain: Bool = false) -> [UInt8] {
        var records = StreamRecords()
        records.verdict(id: request.id, line: line, verdict: verdict, rules: classifier.rules, explain: explain, request: request)
        return records.output
    }

    /// The `classify` error record.
    public static func classifyError(_ error: RequestError, line: Int = 1) -> [UInt8] {
        var records = StreamRecords()
        records.error(id: error.id, line: line, code: error.code, message: error.description)
        return records.output
    }
}
