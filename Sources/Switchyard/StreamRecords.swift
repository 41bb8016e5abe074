/// Writes the JSONL records of the `classify` stream (see ARCHITECTURE.md, "Contracts"): one
/// verdict or one error per input line.
package struct StreamRecords {
    private var buffer = RecordBuffer()

    /// The records written so far, one per line; the caller writes them out and calls `reset()`.
    package var output: [UInt8] { buffer.output }

    /// Creates an empty record buffer.
    package init() {}

    /// Forgets the bytes written so far, keeping the capacity.
    package mutating func reset() { buffer.reset() }

    /// Appends `{"id", "risky", "score", "categories", "rules"}` and, with `explain`, each hit's
    /// rule, view and byte span, then a newline. `indeterminate` is added when the text could not be
    /// fully inspected.
    package mutating func verdict(id: RequestID?, line: Int, verdict: Verdict, rules: [Rule], explain: Bool, request: ModelRequest? = nil) {
        buffer.writer.beginObject()
        buffer.writer.requestID(id, fallbackLine: line)
        buffer.writer.verdictFields(verdict, rules: rules)
        let shadow = verdict.hits.filter { rules[$0.rule].mode == .shadow }
        if !shadow.isEmpty {
            buffer.writer.key("shadow_rules")
            buffer.writer.beginArray()
            for hit in shadow { buffer.writer.string(rules[hit.rule].id) }
            buffer.writer.endArray()
        }
        if explain {
            buffer.writer.hitFields(verdict, rules: rules, includeMode: false, request: request)
            buffer.writer.scoreFields(verdict, rules: rules)
        }
        buffer.writer.endObject()
        buffer.endRecord()
    }

    /// Appends `{"id": <id or null>, "line": N, "error": "<code>: <message>"}` and a newline.
    package mutating func error(id: RequestID?, line: Int, code: String, message: String) {
        buffer.writer.beginObject()
        buffer.writer.requestID(id, fallbackLine: nil)
        buffer.writer.key("line")
        buffer.writer.int(line)
        buffer.writer.key("error")
        buffer.writer.string(message.hasPrefix(code + ":") ? message : "\(code): \(message)")
        buffer.writer.endObject()
        buffer.endRecord()
    }
}
