// What a Swift gateway imports: `import Switchyard` brings the envelope (request decoding),
// matching and rules modules with it.
@_exported import SwitchyardEnvelope
@_exported import SwitchyardMatching
@_exported import SwitchyardRules
@_exported import SwitchyardRouting
