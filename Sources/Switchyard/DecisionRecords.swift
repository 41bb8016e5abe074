import SwitchyardRouting

/// Renders the `route` stream's records: a decision per request, or an error with the fail-safe
/// decision, each on its own line.
struct DecisionRecords {
    let router: Router
    let explain: Bool
    private(set) var output: [UInt8] = []
    private var writer = JSONWriter(capacity: 1024)

    init(router: Router, explain: Bool) {
        self.router = router
        self.explain = explain
    }

    /// `{"id", "route", "model", "risky", "score", "categories", "rules", "reasons", versions…}`.
    mutating func decision(request: Request, line: Int, decision: Decision) {
        let rules = router.classifier.rules
        writer.beginObject()
        writer.key("id")
        switch request.id {
        case .string(let text): writer.string(text)
        case .number(let number): writer.raw(number.literal)
        case nil: writer.int(line)
        }
        writeRoute(decision)
        if let verdict = decision.verdict {
            writer.key("risky")
            writer.bool(verdict.risky)
            writer.key("score")
            writer.double(verdict.score)
            writer.key("categories")
            writer.beginArray()
            for category in verdict.categories(in: rules) { writer.string(category) }
            writer.endArray()
            writer.key("rules")
            writer.beginArray()
            for hit in verdict.hits where rules[hit.rule].mode == .enforce { writer.string(rules[hit.rule].id) }
            writer.endArray()
            if let indeterminate = verdict.indeterminate {
                writer.key("indeterminate")
                writer.string(indeterminate.rawValue)
            }
            if !verdict.signals.isEmpty {
                writer.key("signals")
                writer.beginArray()
                for signal in verdict.signals.list { writer.string(signal.rawValue) }
                writer.endArray()
            }
            if explain {
                writer.key("hits")
                writer.beginArray()
                for hit in verdict.hits {
                    writer.beginObject()
                    writer.key("rule")
                    writer.string(rules[hit.rule].id)
                    writer.key("mode")
                    writer.string(rules[hit.rule].mode.rawValue)
                    writer.key("view")
                    writer.string(hit.view.rawValue)
                    writer.key("span")
                    writer.beginArray()
                    writer.int(hit.span.lowerBound)
                    writer.int(hit.span.upperBound)
                    writer.endArray()
                    writer.endObject()
                }
                writer.endArray()
            }
        }
        writeReasonsAndVersions(decision)
        endRecord()
    }

    /// `{"id", "line", "error", "route", "model", "reasons", versions…}`.
    mutating func error(id: RequestID?, line: Int, message: String, decision: Decision) {
        writer.beginObject()
        writer.key("id")
        switch id {
        case .string(let text): writer.string(text)
        case .number(let number): writer.raw(number.literal)
        case nil: writer.null()
        }
        writer.key("line")
        writer.int(line)
        writer.key("error")
        writer.string(message)
        writeRoute(decision)
        writeReasonsAndVersions(decision)
        endRecord()
    }

    private mutating func writeRoute(_ decision: Decision) {
        writer.key("route")
        writer.string(decision.route.rawValue)
        writer.key("model")
        if let model = decision.model { writer.string(model) } else { writer.null() }
        if let shadow = decision.shadowRoute {
            writer.key("shadow_route")
            writer.string(shadow.rawValue)
        }
    }

    private mutating func writeReasonsAndVersions(_ decision: Decision) {
        writer.key("reasons")
        writer.beginArray()
        for reason in decision.reasons { writer.string(reason) }
        writer.endArray()
        writer.key("rules_version")
        writer.string(router.classifier.pack.version)
        writer.key("policy_version")
        writer.string(router.policy.version)
        writer.endObject()
    }

    private mutating func endRecord() {
        output.append(contentsOf: writer.bytes)
        output.append(UInt8(ascii: "\n"))
        writer.reset()
    }
}

/// Renders audit records: who asked, what was decided and why, and a SHA-256 of the text instead
/// of the text.
struct AuditRecords {
    let router: Router
    let timestamp: String
    private(set) var output: [UInt8] = []
    private var writer = JSONWriter(capacity: 1024)

    init(router: Router, timestamp: String) {
        self.router = router
        self.timestamp = timestamp
    }

    mutating func record(id: RequestID?, line: Int, request: Request?, decision: Decision) {
        let rules = router.classifier.rules
        writer.beginObject()
        writer.key("time")
        writer.string(timestamp)
        writer.key("id")
        switch id {
        case .string(let text): writer.string(text)
        case .number(let number): writer.raw(number.literal)
        case nil: writer.null()
        }
        writer.key("line")
        writer.int(line)
        if let user = request?.user {
            writer.key("user")
            writer.beginObject()
            for (key, value) in [("id", user.id), ("org", user.org), ("nationality", user.nationality), ("country", user.country)] {
                if let value {
                    writer.key(key)
                    writer.string(value)
                }
            }
            if let verified = user.verified {
                writer.key("verified")
                writer.bool(verified)
            }
            writer.endObject()
        }
        if let model = request?.model {
            writer.key("requested_model")
            writer.string(model)
        }
        writer.key("route")
        writer.string(decision.route.rawValue)
        writer.key("model")
        if let model = decision.model { writer.string(model) } else { writer.null() }
        if let shadow = decision.shadowRoute {
            writer.key("shadow_route")
            writer.string(shadow.rawValue)
        }
        writer.key("reasons")
        writer.beginArray()
        for reason in decision.reasons { writer.string(reason) }
        writer.endArray()
        writer.key("rules")
        writer.beginArray()
        for hit in decision.verdict?.hits ?? [] { writer.string(rules[hit.rule].id) }
        writer.endArray()
        if let verdict = decision.verdict {
            writer.key("score")
            writer.double(verdict.score)
        }
        writer.key("rules_version")
        writer.string(router.classifier.pack.version)
        writer.key("policy_version")
        writer.string(router.policy.version)
        if let text = request?.text {
            writer.key("text_sha256")
            writer.string(PackDigest.hex(of: Array(text.utf8), length: 64))
        }
        writer.endObject()
        output.append(contentsOf: writer.bytes)
        output.append(UInt8(ascii: "\n"))
        writer.reset()
    }
}
