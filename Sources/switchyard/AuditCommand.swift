import ArgumentParser
import Foundation
import Switchyard
import SwitchyardTools

/// `switchyard audit`: tools for the audit log.
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Check audit logs written by `route --audit`.",
        subcommands: [Verify.self]
    )

    /// `switchyard audit verify FILE...`: checks the hash chain.
    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify the hash chain of one audit log, or of rotated files given oldest first.",
            discussion: """
                Every record must parse, have schema switchyard.audit/1, carry the previous record's \
                hash as prev (64 zeros for the first record, unless --from) and a hash that \
                recomputes. Prints "ok N records" and the chain's head hash (exit 0), or the first bad \
                line and why (exit 1). Records cut off the end leave a shorter valid chain: keep the \
                head hash elsewhere and pass it as --head to detect that.
                """
        )

        @Argument(help: "Audit log files, oldest first; they are checked as one chain.")
        var files: [String]

        @Option(help: "The hash the first record's prev must equal (the last hash of the file before a rotated one).")
        var from: String?

        @Option(help: "The hash the last record must have (a head kept elsewhere): detects records cut off the end.")
        var head: String?

        func run() throws {
            var verifier = AuditVerifier(previous: from ?? AuditSchema.genesis)
            for file in files {
                guard let data = FileManager.default.contents(atPath: file) else {
                    standardError("switchyard: cannot read \(file)")
                    throw ExitCode(2)
                }
                do { try verifier.verify(contents: Array(data), file: file) } catch {
                    print("bad \(error.description)")
                    throw ExitCode(1)
                }
            }
            if let head, head != verifier.head {
                print("bad \(files.last ?? ""): the last record's hash \(verifier.head.prefix(12))… is not the expected head \(head.prefix(12))…: records were cut off the end (or added)")
                throw ExitCode(1)
            }
            print("ok \(verifier.count) records")
            print("head \(verifier.head)")
        }
    }
}
