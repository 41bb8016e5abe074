import Foundation
import Switchyard

/// Finds and loads the rule pack a command should use.
enum RulePackLocation {
    /// Where the built-in pack is looked for when `--rules` is not given, in order: the
    /// `SWITCHYARD_RULES` environment variable, `./Rules`, the checkout that built this executable
    /// (`.build/<config>/switchyard` → `Rules`), and `<prefix>/share/switchyard/Rules`.
    static func candidates() -> [String] {
        var result: [String] = []
        if let fromEnvironment = ProcessInfo.processInfo.environment["SWITCHYARD_RULES"] { result.append(fromEnvironment) }
        result.append("Rules")
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        result.append(executable.appendingPathComponent("../../Rules").standardizedFileURL.path)
        result.append(executable.appendingPathComponent("../../../Rules").standardizedFileURL.path)
        result.append(executable.appendingPathComponent("../share/switchyard/Rules").standardizedFileURL.path)
        return result
    }

    /// The directory to load: `explicit` if given, else the first candidate holding rule files.
    static func resolve(_ explicit: String?) throws(CLIFailure) -> String {
        if let explicit { return explicit }
        for candidate in candidates() {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory), isDirectory.boolValue {
                return candidate
            }
        }
        throw CLIFailure(message: "no rule pack found; pass --rules DIR (looked in: \(candidates().joined(separator: ", ")))")
    }

    /// Loads and compiles the pack in `directory` (or the built-in one).
    static func loadClassifier(_ explicit: String?) throws(CLIFailure) -> Classifier {
        let directory = try resolve(explicit)
        let pack: RulePack
        do {
            pack = try RuleLoader().load(directory: directory)
        } catch {
            throw CLIFailure(message: "rule pack \(directory) failed to load:\n\(error.description)")
        }
        do {
            return try Classifier(pack: pack)
        } catch {
            throw CLIFailure(message: "rule pack \(directory) failed to compile: \(error.description)")
        }
    }
}

/// A startup failure: the message goes to stderr and the process exits with status 2.
struct CLIFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
