import Switchyard
/// The line handler behind `switchyard classify`: turns each framed input line into exactly one
/// output record (a verdict or an error), in order. Owns one scratch, so use one per thread.
package struct ClassifyStream {
    package let classifier: Classifier
    /// Adds each hit's view and span to verdicts, evidence hits and the scoring model's categories.
    package let explain: Bool
    /// The records produced since the last `takeOutput`.
    package var records = StreamRecords()
    /// Number of lines that got an error record.
    package private(set) var failedLines = 0
    private let scratch: ClassificationScratch

    /// Creates a handler for `classifier`.
    package init(classifier: Classifier, explain: Bool = false) {
        self.classifier = classifier
        self.explain = explain
        scratch = classifier.makeScratch()
        scratch.keepsEvidence = explain
    }

    /// Handles one framer event, appending its record to `records`.
    package mutating func handle(_ event: LineFramer.Event) {
        switch event {
        case .tooLong(let number, _):
            failedLines += 1
            records.error(id: nil, line: number, code: "line_too_long",
                          message: "line is longer than the limit of \(limitDescription) bytes; skipped")
        case .line(let bytes, let number, let terminated):
            switch RequestDecoder.decode(bytes) {
            case .success(let request):
                let verdict = classifier.classify(request.text, focusStart: request.focusStart, using: scratch)
                records.verdict(id: request.id, line: number, verdict: verdict, rules: classifier.rules, explain: explain, request: request)
            case .failure(let error):
                failedLines += 1
                let code = terminated || error.code == "blank_line" ? error.code : "truncated_final_line"
                records.error(id: error.id, line: number, code: code, message: error.description)
            }
        }
    }

    /// Forgets the records already written out.
    package mutating func reset() { records.reset() }

    /// The line-size limit, for messages; set by the caller that owns the framer.
    package var limitDescription = ""
}
