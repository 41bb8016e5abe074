import Switchyard
import SwitchyardRouting

/// What the audit log says about one identity (a user, an organisation, or the whole fleet):
/// decisions counted by route, category and severity, first and last seen, top rules and a few
/// example text hashes. Counting rules (so that a count over the log gives the same numbers):
/// - `decisions`: every `decision` record; `risky`: those with `"risky": true`.
/// - `routes`: decisions by `route`.
/// - `categories`: decisions by each category in the record's `categories` (enforce-mode rules;
///   a decision in two categories counts once in each).
/// - `severities`: decisions by the highest severity among their enforce-mode rules.
/// - `rules`: decisions by each enforce-mode rule that fired (shadow and evidence rules are
///   counted apart, in `shadow_rules`, for shadow only).
package struct ActivityCounts: Sendable, Equatable {
    /// One category's activity: how often, when first and last, and example text hashes.
    package struct CategoryActivity: Sendable, Equatable {
        package var decisions = 0
        package var firstSeen = ""
        package var lastSeen = ""
        package var exampleHashes: [String] = []
    }

    package var decisions = 0
    package var risky = 0
    package var routes: [String: Int] = [:]
    package var categories: [String: CategoryActivity] = [:]
    package var severities: [String: Int] = [:]
    package var rules: [String: Int] = [:]
    package var shadowRules: [String: Int] = [:]
    /// Decisions made while the identity was escalated, by reason (`escalated:user`, `escalated:org`).
    package var escalations: [String: Int] = [:]
    /// Risky decisions per UTC day (`YYYY-MM-DD`).
    package var riskyByDay: [String: Int] = [:]
    package var firstSeen = ""
    package var lastSeen = ""
    /// Up to `AuditReport.exampleCount` text hashes of risky decisions, first seen first.
    package var exampleHashes: [String] = []

    mutating func add(_ record: AuditReport.Record) {
        decisions += 1
        if firstSeen.isEmpty || record.time < firstSeen { firstSeen = record.time }
        if record.time > lastSeen { lastSeen = record.time }
        routes[record.route, default: 0] += 1
        for category in record.categories {
            var activity = categories[category] ?? CategoryActivity()
            activity.decisions += 1
            if activity.firstSeen.isEmpty || record.time < activity.firstSeen { activity.firstSeen = record.time }
            if record.time > activity.lastSeen { activity.lastSeen = record.time }
            if let hash = record.textHash, activity.exampleHashes.count < AuditReport.exampleCount, !activity.exampleHashes.contains(hash) {
                activity.exampleHashes.append(hash)
            }
            categories[category] = activity
        }
        if let severity = record.severity { severities[severity, default: 0] += 1 }
        for rule in Set(record.enforceRules) { rules[rule, default: 0] += 1 }
        for rule in Set(record.shadowRules) { shadowRules[rule, default: 0] += 1 }
        for reason in Set(record.escalations) { escalations[reason, default: 0] += 1 }
        if record.risky {
            risky += 1
            riskyByDay[String(record.time.prefix(10)), default: 0] += 1
            if let hash = record.textHash, exampleHashes.count < AuditReport.exampleCount, !exampleHashes.contains(hash) {
                exampleHashes.append(hash)
            }
        }
    }

    /// Decisions per category, as plain counts.
    package var categoryCounts: [String: Int] { categories.mapValues(\.decisions) }
}

/// A report over one or more audit logs: per user and per organisation, and fleet totals.
package struct AuditReport: Sendable {
    static let exampleCount = 3
    /// How many top rules each identity lists.
    package static let topRuleCount = 5

    /// The fields of one decision record that the report uses.
    package struct Record: Sendable {
        package var time: String
        package var user: String?
        package var org: String?
        package var route: String
        package var risky: Bool
        package var categories: [String]
        package var severity: String?
        package var enforceRules: [String]
        package var shadowRules: [String]
        package var textHash: String?
        /// The decision's `escalated:*` reasons.
        package var escalations: [String] = []
    }

    /// One user's activity.
    package struct UserActivity: Sendable {
        package var user: String
        /// The organisation of the user's last decision.
        package var org: String?
        package var counts = ActivityCounts()
    }

    /// One organisation's activity.
    package struct OrgActivity: Sendable {
        package var org: String
        package var users: Set<String> = []
        package var counts = ActivityCounts()
    }

    /// Files read, in order.
    package var files: [String] = []
    /// Decisions before this time (seconds since the epoch) are left out.
    package var since: Double?
    /// Decision records counted.
    package var records = 0
    /// Lines left out: not JSON, not schema v1, or not a decision.
    package var skipped = 0
    /// Decision records before `since`.
    package var before = 0
    package var fleet = ActivityCounts()
    package var users: [String: UserActivity] = [:]
    package var orgs: [String: OrgActivity] = [:]

    package init(since: Double? = nil) {
        self.since = since
    }

    /// Reads the records of one audit log.
    package mutating func add(contents: [UInt8], file: String) {
        files.append(file)
        var start = 0
        while start < contents.count {
            let end = contents[start...].firstIndex(of: UInt8(ascii: "\n")) ?? contents.count
            if end > start { add(line: contents[start..<end]) }
            start = end + 1
        }
    }

    /// Reads one record line.
    package mutating func add(line: ArraySlice<UInt8>) {
        guard let record = Self.parse(line) else {
            skipped += 1
            return
        }
        if let since, let time = AuditClock.parse(record.time), time < since {
            before += 1
            return
        }
        add(record)
    }

    package mutating func add(_ record: Record) {
        records += 1
        fleet.add(record)
        let userKey = record.user ?? "(no user)"
        var user = users[userKey] ?? UserActivity(user: userKey)
        if record.org != nil { user.org = record.org }
        user.counts.add(record)
        users[userKey] = user
        let orgKey = record.org ?? "(no org)"
        var org = orgs[orgKey] ?? OrgActivity(org: orgKey)
        org.users.insert(userKey)
        org.counts.add(record)
        orgs[orgKey] = org
    }

    /// Users, most risky decisions first (then by id).
    package var rankedUsers: [UserActivity] {
        users.values.sorted { ($0.counts.risky, $1.user) > ($1.counts.risky, $0.user) }
    }

    /// Organisations, most risky decisions first (then by name).
    package var rankedOrgs: [OrgActivity] {
        orgs.values.sorted { ($0.counts.risky, $1.org) > ($1.counts.risky, $0.org) }
    }

    /// The record's report fields, or nil for a line that is not a v1 decision record.
    static func parse(_ line: ArraySlice<UInt8>) -> Record? {
        guard let object = try? StrictJSON.parse(Array(line)).objectValue,
              object["schema"]?.stringValue == AuditSchema.v1, object["event"]?.stringValue == "decision",
              let time = object["time"]?.stringValue, let route = object["route"]?.stringValue else { return nil }
        let user = object["user"]?.objectValue
        var enforce: [String] = []
        var shadow: [String] = []
        var severity: Severity? = nil
        for rule in object["rules"]?.arrayValue ?? [] {
            guard let rule = rule.objectValue, let id = rule["id"]?.stringValue else { continue }
            switch rule["mode"]?.stringValue {
            case "enforce":
                enforce.append(id)
                if let level = rule["severity"]?.stringValue.flatMap(Severity.init(rawValue:)), severity.map({ level > $0 }) ?? true {
                    severity = level
                }
            case "shadow": shadow.append(id)
            default: break
            }
        }
        return Record(time: time, user: user?["id"]?.stringValue, org: user?["org"]?.stringValue, route: route,
                      risky: object["risky"]?.boolValue ?? false,
                      categories: (object["categories"]?.arrayValue ?? []).compactMap(\.stringValue),
                      severity: severity?.rawValue, enforceRules: enforce, shadowRules: shadow,
                      textHash: object["text_sha256"]?.stringValue,
                      escalations: (object["reasons"]?.arrayValue ?? []).compactMap(\.stringValue).filter { $0.hasPrefix("escalated:") })
    }

    /// `(key, count)` pairs, largest count first, then by key.
    static func ranked(_ counts: [String: Int]) -> [(key: String, value: Int)] {
        counts.sorted { ($0.value, $1.key) > ($1.value, $0.key) }
    }
}
