import SwitchyardRouting

/// Renders the `route` stream's records: a decision per request, or an error with the fail-safe
/// decision, each on its own line.
struct DecisionRecords {
    let router: Router
    let explain: Bool
    private var buffer = RecordBuffer()
    var output: [UInt8] { buffer.output }

    init(router: Router, explain: Bool) {
        self.router = router
        self.explain = explain
    }

    /// `{"id", "route", "model", "risky", "score", "categories", "rules", "reasons", versions…}`.
    mutating func decision(request: Request, line: Int, decision: Decision) {
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
    mutating func error(id: RequestID?, line: Int, message: String, decision: Decision) {
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

/// Renders audit records: who asked, what was decided and why, and a SHA-256 of the text instead
/// of the text.
struct AuditRecords {
    let router: Router
    let timestamp: String
    private var buffer = RecordBuffer()
    var output: [UInt8] { buffer.output }

    init(router: Router, timestamp: String) {
        self.router = router
        self.timestamp = timestamp
    }

    mutating func record(id: RequestID?, line: Int, request: Request?, decision: Decision) {
        let rules = router.classifier.rules
        buffer.writer.beginObject()
        buffer.writer.key("time")
        buffer.writer.string(timestamp)
        buffer.writer.requestID(id, fallbackLine: nil)
        buffer.writer.key("line")
        buffer.writer.int(line)
        if let user = request?.user {
            buffer.writer.key("user")
            buffer.writer.beginObject()
            for (key, value) in [("id", user.id), ("org", user.org), ("nationality", user.nationality), ("country", user.country)] {
                if let value {
                    buffer.writer.key(key)
                    buffer.writer.string(value)
                }
            }
            if let verified = user.verified {
                buffer.writer.key("verified")
                buffer.writer.bool(verified)
            }
            buffer.writer.endObject()
        }
        if let model = request?.model {
            buffer.writer.key("requested_model")
            buffer.writer.string(model)
        }
        buffer.writer.routeFields(decision)
        buffer.writer.key("reasons")
        buffer.writer.beginArray()
        for reason in decision.reasons { buffer.writer.string(reason) }
        buffer.writer.endArray()
        buffer.writer.key("rules")
        buffer.writer.beginArray()
        for hit in decision.verdict?.hits ?? [] { buffer.writer.string(rules[hit.rule].id) }
        buffer.writer.endArray()
        if let verdict = decision.verdict {
            buffer.writer.key("score")
            buffer.writer.double(verdict.score)
        }
        buffer.writer.key("rules_version")
        buffer.writer.string(router.classifier.pack.version)
        buffer.writer.key("policy_version")
        buffer.writer.string(router.policy.version)
        if let text = request?.text {
            buffer.writer.key("text_sha256")
            buffer.writer.string(PackDigest.hex(of: text.utf8, length: 64))
        }
        buffer.writer.endObject()
        buffer.endRecord()
    }
}
