/// Writes the JSONL records of the `classify` stream (see ARCHITECTURE.md, "Contracts"): one
/// verdict or one error per input line.
public struct StreamRecords {
    /// The records written so far, one per line; the caller writes them out and calls `reset()`.
    public private(set) var output: [UInt8] = []
    /// Builds one record at a time.
    private var writer = JSONWriter(capacity: 4096)

    /// Creates an empty record buffer.
    public init() { output.reserveCapacity(1 << 16) }

    /// Forgets the bytes written so far, keeping the capacity.
    public mutating func reset() { output.removeAll(keepingCapacity: true) }

    /// Ends the record being written: moves it to `output` with its newline.
    private mutating func endRecord() {
        output.append(contentsOf: writer.bytes)
        output.append(UInt8(ascii: "\n"))
        writer.reset()
    }

    /// Appends `{"id", "risky", "score", "categories", "rules"}` and, with `explain`, each hit's
    /// rule, view and byte span, then a newline. `indeterminate` is added when the text could not be
    /// fully inspected.
    public mutating func verdict(id: RequestID?, line: Int, verdict: Verdict, rules: [Rule], explain: Bool) {
        writer.beginObject()
        writeID(id, line: line)
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
        let shadow = verdict.hits.filter { rules[$0.rule].mode == .shadow }
        if !shadow.isEmpty {
            writer.key("shadow_rules")
            writer.beginArray()
            for hit in shadow { writer.string(rules[hit.rule].id) }
            writer.endArray()
        }
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
        writer.endObject()
        endRecord()
    }

    /// Appends `{"id": <id or null>, "line": N, "error": "<code>: <message>"}` and a newline.
    public mutating func error(id: RequestID?, line: Int, code: String, message: String) {
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
        writer.string(message.hasPrefix(code + ":") ? message : "\(code): \(message)")
        writer.endObject()
        endRecord()
    }

    /// `"id": <echoed id>`, or the line number when the request had none.
    private mutating func writeID(_ id: RequestID?, line: Int) {
        writer.key("id")
        switch id {
        case .string(let text): writer.string(text)
        case .number(let number): writer.raw(number.literal)
        case nil: writer.int(line)
        }
    }
}
