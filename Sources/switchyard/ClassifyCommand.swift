import ArgumentParser
import Switchyard
import SwitchyardTools

/// `switchyard classify`: JSONL requests on stdin, one verdict (or error) per line on stdout.
struct ClassifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classify",
        abstract: "Classify JSONL requests from stdin; write one verdict per line to stdout.",
        discussion: """
            Exit status: 0 when every line was classified, 1 when at least one line got an error \
            record, 2 when the rule pack could not be loaded, 3 when stdout was closed.
            """
    )

    @Option(help: "Rule pack directory (default: the built-in pack).")
    var rules: String?

    @Option(help: "Longest accepted input line in bytes; longer lines get a line_too_long error.")
    var maxLineBytes: Int = 1 << 20

    @Flag(help: "Add each hit's rule, view and byte span to verdicts.")
    var explain = false

    func validate() throws {
        guard maxLineBytes > 0 else { throw ValidationError("--max-line-bytes must be positive") }
    }

    func run() throws {
        let classifier: Classifier
        do { classifier = try RulePackLocation.loadClassifier(rules) } catch {
            standardError(error.message)
            throw ExitCode(2)
        }
        StandardStreams.installSignalHandlers()
        var stream = ClassifyStream(classifier: classifier, explain: explain)
        stream.limitDescription = String(maxLineBytes)
        var framer = LineFramer(maxLineBytes: maxLineBytes)
        do {
            let readError = try StandardStreams.readChunks(midLine: { framer.bufferedByteCount > 0 }) { chunk throws(StandardStreams.WriteFailure) in
                framer.feed(chunk) { stream.handle($0) }
                try flush(&stream)
            }
            if !StandardStreams.dropsHalfReadLine(framer) { framer.finish { stream.handle($0) } }
            try flush(&stream)
            if let readError {
                standardError("switchyard: reading stdin failed (errno \(readError))")
                throw ExitCode(1)
            }
        } catch let failure as StandardStreams.WriteFailure {
            switch failure {
            case .closed:
                standardError("switchyard: stdout closed; stopping")
                throw ExitCode(3)
            case .failed(let code):
                standardError("switchyard: writing stdout failed (errno \(code))")
                throw ExitCode(3)
            }
        }
        if stream.failedLines > 0 { throw ExitCode(1) }
    }

    private func flush(_ stream: inout ClassifyStream) throws(StandardStreams.WriteFailure) {
        guard !stream.records.output.isEmpty else { return }
        try StandardStreams.write(stream.records.output)
        stream.reset()
    }
}
