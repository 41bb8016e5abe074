import SwitchyardRouting

/// Renders the `route` stream's records: a decision per request, or an error with the fail-safe
/// decision, each on its own line.
package struct DecisionRecords {
    package let router: ModelRouter
    package let explain: Bool
    private var buffer = RecordBuffer()
    package var output: [UInt8] { buffer.output }

    package init(router: ModelRouter, explain: Bool) {
        self.router = router
        self.explain = explain
    }

    /// `{"id", "route", "model", "risky", "score", "categories", "rules", "reasons", versions…}`.
    package mutating func decision(request: ModelRequest, line: Int, decision: RoutingDecision) {
        let rules = router.classifier.rules
        buffer.writer.beginObject()
        buffer.writer.requestID(request.id, fallbackLine: line)
        buffer.writer.routeFields(decision)
        if let verdict = decision.verdict {
            buffer.writer.verdictFields(verdict, rules: rules)
            if explain {
                buffer.writer.hitFields(verdict, rules: rules, includeMode: true, request: request)
                buffer.writer.scoreFields(verdict, rules: rules)
            }
        }
        buffer.writer.reasonAndVersionFields(decision, router: router)
        buffer.writer.endObject()
        buffer.endRecord()
    }

    /// `{"id", "line", "error", "route", "model", "reasons", versions…}`.
    package mutating func error(id: RequestID?, line: Int, message: String, decision: RoutingDecision) {
        buffer.writer.beginObject()
        buffer.writer.requestID(id, fallbackLine: nil)
        buffer.writer.key("line")
        buffer.writer.int(line)
        buffer.writer.key("error")
        buffer.writer.string(message)
        buffer.writer.routeFields(decision)
        buffer.writer.reasonAndVersionFields(decision, router: router)
        buffer.writer.endObject()
        buffer.endRecord()
    }
}
