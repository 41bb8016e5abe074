import ArgumentParser

/// `switchyard`: classify and route AI requests at line rate.
@main
struct SwitchyardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "switchyard",
        abstract: "Flags requests that seek offensive cyber capability, at line rate.",
        version: "0.3.0",
        subcommands: [ClassifyCommand.self, RouteCommand.self, ServeCommand.self, AuditCommand.self, ReportCommand.self, RulesCommand.self, EvalCommand.self,
                      BenchCommand.self]
    )
}
