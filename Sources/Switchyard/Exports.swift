// What a Swift gateway imports: `import Switchyard` brings the classifier, rule loading and the
// request envelope into scope.
@_exported import SwitchyardEnvelope
@_exported import SwitchyardMatching
@_exported import SwitchyardRules
