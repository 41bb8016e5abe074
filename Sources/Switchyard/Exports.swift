// What a Swift gateway imports: `import Switchyard` brings the request envelope (decoding), the
// rules (loading, compiling, classifying, verdicts) and routing (policy, router, decisions). The
// matching engine underneath (automaton, RE2 set, views, decoders) is not re-exported: tools and
// tests that need it import SwitchyardMatching themselves.
@_exported import SwitchyardEnvelope
@_exported import SwitchyardRules
@_exported import SwitchyardRouting
