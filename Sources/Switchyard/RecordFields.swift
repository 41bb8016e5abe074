/// Fields shared by the stream records of `classify`, `route` and the audit log.
extension JSONWriter {
    /// `"id": <echoed id>`; without one, the line number (`fallbackLine`) or `null`.
    mutating func requestID(_ id: RequestID?, fallbackLine: Int?) {
        key("id")
        switch id {
        case .string(let text): string(text)
        case .number(let number): raw(number.literal)
        case nil: if let fallbackLine { int(fallbackLine) } else { null() }
        }
    }

    /// `"risky", "score", "categories", "rules"` (enforce-mode ids), then `"indeterminate"` and
    /// `"signals"` when present.
    mutating func verdictFields(_ verdict: Verdict, rules: [Rule]) {
        key("risky")
        bool(verdict.risky)
        key("score")
        double(verdict.score)
        key("categories")
        beginArray()
        for category in verdict.categories(in: rules) { string(category) }
        endArray()
        key("rules")
        beginArray()
        for hit in verdict.hits where rules[hit.rule].mode == .enforce { string(rules[hit.rule].id) }
        endArray()
        if let indeterminate = verdict.indeterminate {
            key("indeterminate")
            string(indeterminate.rawValue)
        }
        if !verdict.signals.isEmpty {
            key("signals")
            beginArray()
            for signal in verdict.signals.list { string(signal.rawValue) }
            endArray()
        }
    }

    /// `"hits": [{"rule", ("mode",) "view", "span", "text_span", ("role")}]`, for `--explain`:
    /// `span` is in the view, `text_span` in the request text (the disguised words or encoded
    /// blob as written). A hit in one part of a request joined from several parts names the
    /// part's role (`system`, `user`, …).
    mutating func hitFields(_ verdict: Verdict, rules: [Rule], includeMode: Bool, request: ModelRequest? = nil) {
        key("hits")
        beginArray()
        for hit in verdict.hits {
            beginObject()
            key("rule")
            string(rules[hit.rule].id)
            if includeMode || rules[hit.rule].mode == .evidence {
                key("mode")
                string(rules[hit.rule].mode.rawValue)
            }
            key("view")
            string(hit.view.rawValue)
            key("span")
            beginArray()
            int(hit.span.lowerBound)
            int(hit.span.upperBound)
            endArray()
            key("text_span")
            beginArray()
            int(hit.textSpan.lowerBound)
            int(hit.textSpan.upperBound)
            endArray()
            if let request, let role = request.role(of: hit.textSpan) {
                key("role")
                string(role)
            }
            endObject()
        }
        endArray()
    }

    /// `"scores": [{"category", "score", "threshold", "evidence": {rule: weight}}]`: the scoring
    /// model's categories whose gate fired, `"text_score"`, the text model's log-odds, and
    /// `"withdrawn": [{"rule", "by"}]`, enforce rules a model withdrew, for `--explain`.
    mutating func scoreFields(_ verdict: Verdict, rules: [Rule]) {
        if let textScore = verdict.textScore {
            key("text_score")
            double((textScore * 1000).rounded() / 1000)
        }
        if !verdict.withdrawn.isEmpty {
            key("withdrawn")
            beginArray()
            for withdrawal in verdict.withdrawn {
                beginObject()
                key("rule")
                string(rules[withdrawal.rule].id)
                key("by")
                string(withdrawal.cause.name)
                endObject()
            }
            endArray()
        }
        guard !verdict.scores.isEmpty else { return }
        key("scores")
        beginArray()
        for score in verdict.scores {
            beginObject()
            key("category")
            string(score.category)
            key("score")
            double((score.score * 1000).rounded() / 1000)
            key("threshold")
            double(score.threshold)
            key("bias")
            double(score.bias)
            key("evidence")
            beginObject()
            for contribution in score.contributions {
                key(rules[contribution.rule].id + (contribution.second.map { "+" + rules[$0].id } ?? ""))
                double(contribution.weight)
            }
            endObject()
            endObject()
        }
        endArray()
    }

    /// `"route", "model"` (null when blocked) and `"shadow_route"` in shadow mode.
    mutating func routeFields(_ decision: RoutingDecision) {
        key("route")
        string(decision.route.rawValue)
        key("model")
        if let model = decision.model { string(model) } else { null() }
        if let shadow = decision.shadowRoute {
            key("shadow_route")
            string(shadow.rawValue)
        }
    }

    /// `"reasons"` and the versions of the rule pack and the policy.
    mutating func reasonAndVersionFields(_ decision: RoutingDecision, router: ModelRouter) {
        key("reasons")
        beginArray()
        for reason in decision.reasons { string(reason) }
        endArray()
        key("rules_version")
        string(router.classifier.pack.version)
        key("policy_version")
        string(router.policy.version)
    }
}

/// Output records, one per line, built one at a time with a reused writer.
struct RecordBuffer {
    private(set) var output: [UInt8] = []
    var writer = JSONWriter(capacity: 4096)

    /// Moves the record being written to `output` with its newline.
    mutating func endRecord() {
        output.append(contentsOf: writer.bytes)
        output.append(UInt8(ascii: "\n"))
        writer.reset()
    }

    /// Forgets the records already written out, keeping the capacity.
    mutating func reset() { output.removeAll(keepingCapacity: true) }
}
