import Switchyard
import SwitchyardRouting

/// The report as JSON (`switchyard.report/1`) and as Markdown.
extension AuditReport {
    /// One JSON object: `schema`, `since`, `files`, `records`, `skipped`, `before_since`, `fleet`,
    /// `orgs` and `users` (each with the counts of `ActivityCounts`), keys sorted within maps.
    package func json() -> String {
        var writer = JSONWriter(capacity: 8192)
        writer.beginObject()
        writer.key("schema")
        writer.string("switchyard.report/1")
        writer.key("since")
        if let since { writer.string(AuditClock.format(seconds: Int(since.rounded(.down)), milliseconds: Int((since - since.rounded(.down)) * 1000))) } else { writer.null() }
        writer.key("files")
        writer.beginArray()
        for file in files { writer.string(file) }
        writer.endArray()
        writer.key("records")
        writer.int(records)
        writer.key("skipped")
        writer.int(skipped)
        writer.key("before_since")
        writer.int(before)
        writer.key("fleet")
        writer.beginObject()
        Self.write(fleet, into: &writer, days: true)
        writer.key("users")
        writer.int(users.count)
        writer.key("orgs")
        writer.int(orgs.count)
        writer.endObject()
        writer.key("orgs")
        writer.beginArray()
        for org in rankedOrgs {
            writer.beginObject()
            writer.key("org")
            writer.string(org.org)
            writer.key("users")
            writer.beginArray()
            for user in org.users.sorted() { writer.string(user) }
            writer.endArray()
            Self.write(org.counts, into: &writer, days: false)
            writer.endObject()
        }
        writer.endArray()
        writer.key("users")
        writer.beginArray()
        for user in rankedUsers {
            writer.beginObject()
            writer.key("user")
            writer.string(user.user)
            writer.key("org")
            if let org = user.org { writer.string(org) } else { writer.null() }
            Self.write(user.counts, into: &writer, days: false)
            writer.endObject()
        }
        writer.endArray()
        writer.endObject()
        return writer.jsonString + "\n"
    }

    private static func write(_ counts: ActivityCounts, into writer: inout JSONWriter, days: Bool) {
        func map(_ name: String, _ values: [String: Int]) {
            writer.key(name)
            writer.beginObject()
            for (key, value) in values.sorted(by: { $0.key < $1.key }) {
                writer.key(key)
                writer.int(value)
            }
            writer.endObject()
        }
        writer.key("decisions")
        writer.int(counts.decisions)
        writer.key("risky")
        writer.int(counts.risky)
        map("routes", counts.routes)
        map("categories", counts.categoryCounts)
        map("severities", counts.severities)
        writer.key("first_seen")
        if counts.firstSeen.isEmpty { writer.null() } else { writer.string(counts.firstSeen) }
        writer.key("last_seen")
        if counts.lastSeen.isEmpty { writer.null() } else { writer.string(counts.lastSeen) }
        writer.key("top_rules")
        writer.beginArray()
        for (rule, count) in ranked(counts.rules).prefix(topRuleCount) {
            writer.beginObject()
            writer.key("rule")
            writer.string(rule)
            writer.key("decisions")
            writer.int(count)
            writer.endObject()
        }
        writer.endArray()
        map("shadow_rules", counts.shadowRules)
        map("escalations", counts.escalations)
        writer.key("example_text_sha256")
        writer.beginArray()
        for hash in counts.exampleHashes { writer.string(hash) }
        writer.endArray()
        if days { map("risky_by_day", counts.riskyByDay) }
    }

    /// A readable summary: the period, fleet totals, organisations and users with risky activity.
    package func markdown() -> String {
        var out = "# Switchyard audit report\n\n"
        out += "Audit logs: \(files.map { "`\($0)`" }.joined(separator: ", ")). "
        out += "\(records) decisions"
        if let since { out += " since \(AuditClock.format(seconds: Int(since)))" }
        if !fleet.firstSeen.isEmpty { out += ", from \(fleet.firstSeen) to \(fleet.lastSeen)" }
        out += "; \(users.count) users in \(orgs.count) organisations."
        if skipped > 0 { out += " \(skipped) lines were not v1 decision records and were left out." }
        out += "\n\n## Fleet\n\n"
        out += "\(fleet.decisions) decisions, \(fleet.risky) risky (\(Self.percent(fleet.risky, of: fleet.decisions))).\n\n"
        out += Self.table(["route", "decisions"], Self.ranked(fleet.routes).map { [$0.key, String($0.value)] })
        out += Self.table(["category", "decisions", "first seen", "last seen"],
                          fleet.categories.sorted { ($0.value.decisions, $1.key) > ($1.value.decisions, $0.key) }
                              .map { [$0.key, String($0.value.decisions), $0.value.firstSeen, $0.value.lastSeen] })
        out += Self.table(["severity", "decisions"], Severity.allCases.reversed().compactMap { level in
            fleet.severities[level.rawValue].map { [level.rawValue, String($0)] }
        })
        out += Self.table(["rule", "decisions"], Self.ranked(fleet.rules).prefix(Self.topRuleCount).map { ["`\($0.key)`", String($0.value)] })
        out += Self.table(["escalated identity's decisions", "decisions"], Self.ranked(fleet.escalations).map { [$0.key, String($0.value)] })
        out += "## Organisations\n\n"
        out += Self.table(["organisation", "users", "decisions", "risky", "categories", "first seen", "last seen"], rankedOrgs.map { org in
            [org.org, String(org.users.count), String(org.counts.decisions), String(org.counts.risky),
             Self.summary(org.counts.categoryCounts), org.counts.firstSeen, org.counts.lastSeen]
        })
        out += "## Users\n\n"
        out += Self.table(["user", "organisation", "decisions", "risky", "categories", "severities", "routes", "escalations", "top rules",
                           "example text SHA-256"],
                          rankedUsers.map { user in
            [user.user, user.org ?? "", String(user.counts.decisions), String(user.counts.risky),
             Self.summary(user.counts.categoryCounts), Self.summary(user.counts.severities), Self.summary(user.counts.routes),
             Self.summary(user.counts.escalations),
             Self.ranked(user.counts.rules).prefix(3).map { "`\($0.key)` \($0.value)" }.joined(separator: ", "),
             user.counts.exampleHashes.map { "`\($0.prefix(16))…`" }.joined(separator: " ")]
        })
        out += "First and last seen per user:\n\n"
        out += Self.table(["user", "first seen", "last seen"], rankedUsers.map { [$0.user, $0.counts.firstSeen, $0.counts.lastSeen] })
        return out
    }

    static func percent(_ part: Int, of whole: Int) -> String {
        guard whole > 0 else { return "0%" }
        return "\((Double(part) * 1000 / Double(whole)).rounded() / 10)%"
    }

    /// `name count, name count` by count.
    static func summary(_ counts: [String: Int]) -> String {
        ranked(counts).map { "\($0.key) \($0.value)" }.joined(separator: ", ")
    }

    static func table(_ header: [String], _ rows: [[String]]) -> String {
        guard !rows.isEmpty else { return "" }
        func escape(_ cell: String) -> String { cell.replacingPipes() }
        var out = "| " + header.joined(separator: " | ") + " |\n"
        out += "|" + header.map { _ in "---" }.joined(separator: "|") + "|\n"
        for row in rows { out += "| " + row.map(escape).joined(separator: " | ") + " |\n" }
        return out + "\n"
    }
}

extension String {
    /// `|` escaped for a Markdown table cell.
    func replacingPipes() -> String {
        var out = ""
        for character in self { out += character == "|" ? "\\|" : String(character) }
        return out
    }
}
