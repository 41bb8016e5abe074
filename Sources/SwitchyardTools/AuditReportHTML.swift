import Switchyard
import SwitchyardRouting

/// The report as one self-contained HTML page: inline CSS and inline SVG bar charts, no scripts,
/// no external assets, so it can be mailed, archived or opened offline.
extension AuditReport {
    package func html() -> String {
        var out = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Switchyard audit report</title>
            <style>
            body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:1100px;padding:0 1rem;color:#1d232b;background:#fff}
            h1{font-size:1.6rem;margin-bottom:.2rem}h2{margin-top:2.2rem;border-bottom:2px solid #e3e7ec;padding-bottom:.2rem}
            .meta{color:#5b6675}.cards{display:flex;gap:1rem;flex-wrap:wrap;margin:1rem 0}
            .card{border:1px solid #e3e7ec;border-radius:8px;padding:.7rem 1rem;min-width:9rem}
            .card b{display:block;font-size:1.6rem}.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,520px),1fr));gap:1.2rem;align-items:start}
            figure{margin:0;border:1px solid #e3e7ec;border-radius:8px;padding:.7rem}figcaption{font-weight:600;margin-bottom:.4rem}
            table{border-collapse:collapse;width:100%;font-size:.9rem}th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #eef1f4;vertical-align:top}
            th{background:#f6f8fa}td.n{text-align:right;font-variant-numeric:tabular-nums}code{font-size:.8rem;color:#5b6675}
            .risky{color:#b42318;font-weight:600}.wide{overflow-x:auto}
            </style></head><body>

            """
        out += "<h1>Switchyard audit report</h1>\n<p class=\"meta\">"
        out += "Audit logs: " + files.map { "<code>\(Self.escape($0))</code>" }.joined(separator: ", ") + ". "
        if let since { out += "Since \(Self.escape(AuditClock.format(seconds: Int(since)))). " }
        if !fleet.firstSeen.isEmpty { out += "Decisions from \(Self.escape(fleet.firstSeen)) to \(Self.escape(fleet.lastSeen))." }
        if skipped > 0 { out += " \(skipped) lines were not v1 decision records and were left out." }
        out += "</p>\n<div class=\"cards\">"
        for (label, value) in [("decisions", fleet.decisions), ("risky", fleet.risky), ("users", users.count), ("organisations", orgs.count),
                               ("blocked", fleet.routes["block"] ?? 0)] {
            out += "<div class=\"card\"><b>\(value)</b>\(label)</div>"
        }
        out += "</div>\n<h2>Fleet</h2>\n<div class=\"charts\">\n"
        out += Self.chart("Decisions by category", fleet.categories.sorted { ($0.value.decisions, $1.key) > ($1.value.decisions, $0.key) }
            .map { ($0.key, $0.value.decisions) }, color: "#c2410c")
        out += Self.chart("Decisions by route", Self.ranked(fleet.routes).map { ($0.key, $0.value) }, color: "#1d4ed8")
        out += Self.chart("Risky decisions by severity", Severity.allCases.reversed().compactMap { level in
            fleet.severities[level.rawValue].map { (level.rawValue, $0) }
        }, color: "#b42318")
        out += Self.chart("Risky decisions per day (UTC)", fleet.riskyByDay.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, color: "#7c3aed")
        out += Self.chart("Users with the most risky decisions", rankedUsers.filter { $0.counts.risky > 0 }.prefix(10).map { ($0.user, $0.counts.risky) }, color: "#b42318")
        out += Self.chart("Top rules", Self.ranked(fleet.rules).prefix(Self.topRuleCount).map { ($0.key, $0.value) }, color: "#0f766e")
        out += "</div>\n<h2>Organisations</h2>\n"
        out += Self.table(["organisation", "users", "decisions", "risky", "categories", "first seen", "last seen"], numeric: [1, 2, 3], rankedOrgs.map { org in
            [org.org, String(org.users.count), String(org.counts.decisions), String(org.counts.risky),
             Self.summary(org.counts.categoryCounts), org.counts.firstSeen, org.counts.lastSeen]
        })
        out += "<h2>Users</h2>\n"
        out += Self.table(["user", "organisation", "decisions", "risky", "categories", "severities", "routes", "top rules", "first seen", "last seen", "example text SHA-256"],
                          numeric: [2, 3], rankedUsers.map { user in
            [user.user, user.org ?? "", String(user.counts.decisions), String(user.counts.risky),
             Self.summary(user.counts.categoryCounts), Self.summary(user.counts.severities), Self.summary(user.counts.routes),
             Self.ranked(user.counts.rules).prefix(3).map { "\($0.key) \($0.value)" }.joined(separator: ", "),
             user.counts.firstSeen, user.counts.lastSeen, user.counts.exampleHashes.map { String($0.prefix(16)) + "…" }.joined(separator: " ")]
        })
        out += "</body></html>\n"
        return out
    }

    /// A horizontal bar chart as inline SVG (nothing when there is nothing to show).
    static func chart(_ title: String, _ bars: [(String, Int)], color: String) -> String {
        guard !bars.isEmpty else { return "" }
        let rowHeight = 24, labelWidth = 260, barWidth = 260, top = 6
        let height = top * 2 + bars.count * rowHeight
        let largest = max(1, bars.map(\.1).max() ?? 1)
        var svg = "<figure><figcaption>\(escape(title))</figcaption>"
        svg += "<svg width=\"100%\" viewBox=\"0 0 \(labelWidth + barWidth + 60) \(height)\" role=\"img\" aria-label=\"\(escape(title))\">"
        for (index, (label, value)) in bars.enumerated() {
            let y = top + index * rowHeight
            let width = max(2, value * barWidth / largest)
            let shown = label.count > 36 ? String(label.prefix(35)) + "…" : label
            svg += "<text x=\"\(labelWidth - 6)\" y=\"\(y + 16)\" text-anchor=\"end\" font-size=\"12\" fill=\"#1d232b\">\(escape(shown))<title>\(escape(label))</title></text>"
            svg += "<rect x=\"\(labelWidth)\" y=\"\(y + 4)\" width=\"\(width)\" height=\"\(rowHeight - 8)\" rx=\"3\" fill=\"\(color)\"></rect>"
            svg += "<text x=\"\(labelWidth + width + 5)\" y=\"\(y + 16)\" font-size=\"12\" fill=\"#5b6675\">\(value)</text>"
        }
        return svg + "</svg></figure>\n"
    }

    static func table(_ header: [String], numeric: Set<Int>, _ rows: [[String]]) -> String {
        guard !rows.isEmpty else { return "<p class=\"meta\">None.</p>\n" }
        var out = "<div class=\"wide\"><table><thead><tr>" + header.map { "<th>\(escape($0))</th>" }.joined() + "</tr></thead><tbody>\n"
        for row in rows {
            out += "<tr>"
            for (index, cell) in row.enumerated() {
                out += numeric.contains(index) ? "<td class=\"n\">\(escape(cell))</td>" : "<td>\(escape(cell))</td>"
            }
            out += "</tr>\n"
        }
        return out + "</tbody></table></div>\n"
    }

    /// Text escaped for HTML element content and attribute values.
    static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
