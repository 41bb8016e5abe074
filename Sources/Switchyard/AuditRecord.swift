import SwitchyardRouting

/// Short revisions of each rule's definition, for audit records: the rule pack format has no
/// per-rule revision, so a rule's revision is the first 12 hex digits of the SHA-256 of its
/// definition (id, category, severity, mode, views, keywords, patterns, near clauses, exceptions,
/// description). A synthetic scoring rule (`score.<category>`, no terms of its own) is defined by
/// the pack's weights, so the pack version is part of its definition.
package struct RuleRevisions: Sendable {
    /// One revision per rule, in the pack's rule order.
    package let revisions: [String]

    package init(pack: RulePack) {
        revisions = pack.rules.map { RuleRevisions.revision(of: $0, packVersion: pack.version) }
    }

    package static func revision(of rule: Rule, packVersion: String) -> String {
        var parts = [rule.id, rule.category, rule.severity.rawValue, rule.mode.rawValue, String(rule.views.rawValue), rule.description]
        parts.append("keywords:" + rule.keywords.map(\.source).joined(separator: "\u{1F}"))
        parts.append("patterns:" + rule.patterns.joined(separator: "\u{1F}"))
        for clause in rule.near {
            parts.append("near:\(clause.within):" + clause.lists.map { $0.map(\.source).joined(separator: "\u{1F}") }.joined(separator: "\u{1E}"))
        }
        parts.append("unless:" + rule.unless.map(\.source).joined(separator: "\u{1F}"))
        if rule.keywords.isEmpty && rule.patterns.isEmpty && rule.near.isEmpty { parts.append("pack:" + packVersion) }
        return String(AuditSchema.sha256Hex(Array(parts.joined(separator: "\0").utf8)).prefix(12))
    }
}

/// Renders one decision as an audit record body (schema `switchyard.audit/1`): a JSON object
/// without its closing brace, which `AuditChain.seal` completes with `prev` and `hash`.
///
/// Members, in this order: `schema`, `event` (`"decision"`), `time`, `instance`, `request_id`
/// (echoed id or null), `line` (input line, when there is one), `error` (the error code of a line
/// that could not be used), `user` {`id`, `org`, `verified`, `nationality`, `country`: each as
/// given}, `requested_model`, `route`, `model`, `shadow_route` (shadow policy), `reasons`, `risky`,
/// `score`, `indeterminate`, `categories`, `rules` (each fired rule: `id`, `category`,
/// `severity`, `mode`, `revision`, `view`, `span` [start, end) in that view's bytes, `role`, and
/// `"shadow": true` for shadow-mode rules, which never affect the route), `rules_version`,
/// `policy_version`, `text_sha256`, and `excerpt` when `excerptBytes` is set (see `AuditExcerpt`).
public struct AuditRecordRenderer: Sendable {
    public let router: ModelRouter
    /// Who wrote the record (a replica, host or process): `hostname:pid` by default.
    public var instance: String
    package let revisions: RuleRevisions
    /// When above 0, a risky or indeterminate decision's record carries `excerpt`: at most this
    /// many bytes of the text around the first evidence in the text as sent, with e-mail and IP
    /// addresses, long numbers and secrets masked (`AuditExcerpt`). Off (0) by default: the
    /// SHA-256 identifies a text without storing it.
    public var excerptBytes = 0

    public init(router: ModelRouter, instance: String = AuditInstance.current) {
        self.router = router
        self.instance = instance
        revisions = RuleRevisions(pack: router.classifier.pack)
    }

    /// The record body for `decision`. `request` is nil for a line that could not be decoded
    /// (`error` then names why); `time` defaults to now.
    public func body(id: RequestID?, line: Int?, request: ModelRequest?, decision: RoutingDecision, error: String? = nil,
                     time: String? = nil) -> [UInt8] {
        var writer = JSONWriter(capacity: 1024)
        write(into: &writer, id: id, line: line, request: request, decision: decision, error: error, time: time ?? AuditClock.now())
        return writer.bytes
    }

    /// Writes the body into `writer` (cleared first); reuse one writer per thread.
    package func write(into writer: inout JSONWriter, id: RequestID?, line: Int?, request: ModelRequest?, decision: RoutingDecision,
                      error: String? = nil, time: String = AuditClock.now()) {
        let rules = router.classifier.rules
        writer.reset()
        writer.beginObject()
        writer.key("schema")
        writer.string(AuditSchema.v1)
        writer.key("event")
        writer.string("decision")
        writer.key("time")
        writer.string(time)
        writer.key("instance")
        writer.string(instance)
        writer.key("request_id")
        switch id {
        case .string(let text): writer.string(text)
        case .number(let number): writer.raw(number.literal)
        case nil: writer.null()
        }
        if let line {
            writer.key("line")
            writer.int(line)
        }
        if let error {
            writer.key("error")
            writer.string(error)
        }
        if let user = request?.user {
            writer.key("user")
            writer.beginObject()
            for (key, value) in [("id", user.id), ("org", user.org)] {
                if let value {
                    writer.key(key)
                    writer.string(value)
                }
            }
            if let verified = user.verified {
                writer.key("verified")
                writer.bool(verified)
            }
            for (key, value) in [("nationality", user.nationality), ("country", user.country)] {
                if let value {
                    writer.key(key)
                    writer.string(value)
                }
            }
            writer.endObject()
        }
        if let model = request?.model {
            writer.key("requested_model")
            writer.string(model)
        }
        writer.routeFields(decision)
        writer.key("reasons")
        writer.beginArray()
        for reason in decision.reasons { writer.string(reason) }
        writer.endArray()
        if let verdict = decision.verdict {
            writer.key("risky")
            writer.bool(verdict.risky)
            writer.key("score")
            writer.double(verdict.score)
            if let indeterminate = verdict.indeterminate {
                writer.key("indeterminate")
                writer.string(indeterminate.rawValue)
            }
            writer.key("categories")
            writer.beginArray()
            for category in verdict.categories(in: rules) { writer.string(category) }
            writer.endArray()
            writer.key("rules")
            writer.beginArray()
            for hit in verdict.hits {
                let rule = rules[hit.rule]
                writer.beginObject()
                writer.key("id")
                writer.string(rule.id)
                writer.key("category")
                writer.string(rule.category)
                writer.key("severity")
                writer.string(rule.severity.rawValue)
                writer.key("mode")
                writer.string(rule.mode.rawValue)
                if rule.mode == .shadow {
                    writer.key("shadow")
                    writer.bool(true)
                }
                writer.key("revision")
                writer.string(revisions.revisions[hit.rule])
                writer.key("view")
                writer.string(hit.view.rawValue)
                writer.key("span")
                writer.beginArray()
                writer.int(hit.span.lowerBound)
                writer.int(hit.span.upperBound)
                writer.endArray()
                writer.key("text_span")
                writer.beginArray()
                writer.int(hit.textSpan.lowerBound)
                writer.int(hit.textSpan.upperBound)
                writer.endArray()
                if let request, let role = request.role(of: hit.textSpan) {
                    writer.key("role")
                    writer.string(role)
                }
                writer.endObject()
            }
            writer.endArray()
        }
        writer.key("rules_version")
        writer.string(router.classifier.pack.version)
        writer.key("policy_version")
        writer.string(router.policy.version)
        if let text = request?.text {
            writer.key("text_sha256")
            writer.string(AuditSchema.sha256Hex(text.utf8))
            if excerptBytes > 0, let verdict = decision.verdict, verdict.risky || verdict.indeterminate != nil {
                // The first hit's words as written (the text model's rule covers the whole text).
                let evidence = verdict.hits.first { $0.textSpan.count < text.utf8.count }?.textSpan
                writer.key("excerpt")
                writer.string(AuditExcerpt.make(text, around: evidence, maxBytes: excerptBytes))
            }
        }
        writer.endObject()
        writer.bytes.removeLast()  // the closing brace: `AuditChain.seal` appends prev and hash
    }
}
