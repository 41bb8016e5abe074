import Foundation
import SwitchyardRules
import Yams

/// One problem in a policy file: file, line and the key path (e.g. `actions.severity.high`).
public struct PolicyLoadError: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var key: String
    public var message: String
    /// `file:line: key: message`.
    public var description: String { "\(file):\(line): \(key.isEmpty ? "" : key + ": ")\(message)" }
}

/// Every problem found in a policy: loading reports them all.
public struct PolicyLoadErrors: Error, Sendable, CustomStringConvertible {
    public var errors: [PolicyLoadError]
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}

/// Loads a routing policy file (YAML; format in `Rules/policy/README.md`) and the partner list it
/// names, validating both like untrusted input.
public struct PolicyLoader: Sendable {
    /// Longest policy or partner file accepted.
    public var maxFileBytes = 4 << 20
    /// Most trusted partners accepted.
    public var maxPartners = 100_000
    /// The categories the rule pack can report; when set, an action for any other category is
    /// refused (a misspelt `malwre: block` would otherwise never apply).
    public var knownCategories: Set<String>?

    public init() {}

    /// Loads the policy at `path`; a `trusted_partners.file` is resolved next to it.
    public func load(path: String) throws(PolicyLoadErrors) -> RoutingPolicy {
        let bytes = try read(path)
        var parser = PolicyParser(file: path, maxPartners: maxPartners, knownCategories: knownCategories)
        var policy = parser.parsePolicy(bytes)
        var digestInput = Array((path as NSString).lastPathComponent.utf8) + [0] + bytes
        if let partnersFile = parser.partnersFile {
            let partnersPath = partnersFile.hasPrefix("/") ? partnersFile : ((path as NSString).deletingLastPathComponent as NSString).appendingPathComponent(partnersFile)
            do {
                let partnerBytes = try read(partnersPath)
                var partnerParser = PolicyParser(file: partnersPath, maxPartners: maxPartners, knownCategories: nil)
                let partners = partnerParser.parsePartners(partnerBytes)
                parser.errors += partnerParser.errors
                policy.trustedPartners.formUnion(partners)
                digestInput += [0] + Array((partnersPath as NSString).lastPathComponent.utf8) + [0] + partnerBytes
            } catch {
                parser.errors += error.errors
            }
        }
        if !parser.errors.isEmpty { throw PolicyLoadErrors(errors: parser.errors) }
        policy.version = PackDigest.hex(of: digestInput, length: 12)
        return policy
    }

    /// Loads a policy from bytes (tests, tools); `name` appears in errors. No partner file is read.
    public func load(bytes: [UInt8], name: String = "<memory>") throws(PolicyLoadErrors) -> RoutingPolicy {
        var parser = PolicyParser(file: name, maxPartners: maxPartners, knownCategories: knownCategories)
        var policy = parser.parsePolicy(bytes)
        if !parser.errors.isEmpty { throw PolicyLoadErrors(errors: parser.errors) }
        policy.version = PackDigest.hex(of: bytes, length: 12)
        return policy
    }

    private func read(_ path: String) throws(PolicyLoadErrors) -> [UInt8] {
        // The size first: a huge file is refused without reading it.
        if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int, size > maxFileBytes {
            throw PolicyLoadErrors(errors: [PolicyLoadError(file: path, line: 0, key: "", message: "file is \(size) bytes, over the limit of \(maxFileBytes)")])
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PolicyLoadErrors(errors: [PolicyLoadError(file: path, line: 0, key: "", message: "cannot read file")])
        }
        guard data.count <= maxFileBytes else {
            throw PolicyLoadErrors(errors: [PolicyLoadError(file: path, line: 0, key: "", message: "file is \(data.count) bytes, over the limit of \(maxFileBytes)")])
        }
        return Array(data)
    }
}

/// The stateful part of policy loading.
private struct PolicyParser {
    let file: String
    let maxPartners: Int
    let knownCategories: Set<String>?
    var errors: [PolicyLoadError] = []
    var partnersFile: String?

    init(file: String, maxPartners: Int, knownCategories: Set<String>?) {
        self.file = file
        self.maxPartners = maxPartners
        self.knownCategories = knownCategories
    }

    mutating func fail(_ node: Node?, _ key: String, _ message: String) {
        errors.append(PolicyLoadError(file: file, line: node?.mark?.line ?? 0, key: key, message: message))
    }

    mutating func document(_ bytes: [UInt8]) -> Node? {
        guard let text = String(validating: bytes, as: UTF8.self) else { fail(nil, "", "file is not valid UTF-8"); return nil }
        if let line = YAMLPrecheck.lineExceedingLimit(bytes) {
            errors.append(PolicyLoadError(file: file, line: line, key: "", message: "nests deeper than \(YAMLPrecheck.limit) levels"))
            return nil
        }
        if let line = YAMLPrecheck.firstTagLine(bytes) {
            errors.append(PolicyLoadError(file: file, line: line, key: "", message: "YAML tags (`!…`, `!!binary`) are not accepted"))
            return nil
        }
        do {
            guard let node = try Yams.compose(yaml: text) else { fail(nil, "", "file is empty"); return nil }
            return node
        } catch let error as YamlError {
            var line = 0
            switch error {
            case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): line = mark.line
            default: break
            }
            errors.append(PolicyLoadError(file: file, line: line, key: "", message: "invalid YAML: \(error)"))
        } catch {
            fail(nil, "", "invalid YAML: \(error)")
        }
        return nil
    }

    /// The mapping at `node`, after refusing unknown and duplicate keys.
    mutating func mapping(_ node: Node, _ path: String, allowed: Set<String>) -> Node.Mapping? {
        guard let mapping = node.mapping else { fail(node, path, "must be a mapping"); return nil }
        var seen: Set<String> = []
        for (key, _) in mapping {
            let name = key.string ?? ""
            let keyPath = path.isEmpty ? name : path + "." + name
            if !seen.insert(name).inserted { fail(key, keyPath, "duplicate key") }
            if !allowed.contains(name) { fail(key, keyPath, "unknown key (expected one of \(allowed.sorted().joined(separator: ", ")))") }
        }
        return mapping
    }

    mutating func string(_ node: Node, _ path: String) -> String? {
        guard let text = node.scalar?.string, !text.trimmingCharacters(in: .whitespaces).isEmpty else {
            fail(node, path, "must be a non-empty string"); return nil
        }
        return text
    }

    /// `true` or `false`, unquoted. YAML 1.1's `yes`, `no`, `on`, `off` and quoted strings are
    /// refused: `require_verified: "no"` must not quietly mean false.
    mutating func bool(_ node: Node, _ path: String) -> Bool? {
        guard let scalar = node.scalar, scalar.style == .plain, scalar.string == "true" || scalar.string == "false" else {
            fail(node, path, "must be true or false (unquoted)"); return nil
        }
        return scalar.string == "true"
    }

    /// A model name: lowercase letters, digits, `.`, `_` and `-` (`mythos-5`, not `MYTHOS-5`).
    mutating func modelName(_ node: Node, _ path: String) -> String? {
        guard let name = string(node, path) else { return nil }
        guard PolicyParser.isValidOrgID(name) else {
            fail(node, path, "`\(name)` is not a model name ([a-z0-9][a-z0-9._-]*, lowercase)"); return nil
        }
        return name
    }

    mutating func parsePolicy(_ bytes: [UInt8]) -> RoutingPolicy {
        var policy = RoutingPolicy()
        guard let root = document(bytes) else { return policy }
        guard mapping(root, "", allowed: ["models", "trusted_partners", "export_control", "actions", "partner_actions", "indeterminate", "unparseable", "shadow",
                                          "escalation"]) != nil else { return policy }
        if let models = root["models"], mapping(models, "models", allowed: ["primary", "fallback", "restricted"]) != nil {
            if let node = models["primary"], let name = modelName(node, "models.primary") { policy.primaryModel = name }
            if let node = models["fallback"], let name = modelName(node, "models.fallback") { policy.fallbackModel = name }
            if let node = models["restricted"], let name = modelName(node, "models.restricted") { policy.restrictedModel = name }
            if Set([policy.primaryModel, policy.fallbackModel, policy.restrictedModel]).count != 3 {
                fail(models, "models", "primary, fallback and restricted must be three different models")
            }
        }
        if let partners = root["trusted_partners"], mapping(partners, "trusted_partners", allowed: ["file", "orgs", "require_verified"]) != nil {
            if let node = partners["file"] { partnersFile = string(node, "trusted_partners.file") }
            if let node = partners["orgs"] { policy.trustedPartners = Set(orgList(node, "trusted_partners.orgs")) }
            if let node = partners["require_verified"], let value = bool(node, "trusted_partners.require_verified") { policy.partnersRequireVerified = value }
        }
        if let control = root["export_control"], mapping(control, "export_control", allowed: ["primary", "restricted"]) != nil {
            if let node = control["primary"] { policy.primaryExportControl = exportControl(node, "export_control.primary", base: policy.primaryExportControl) }
            if let node = control["restricted"] { policy.restrictedExportControl = exportControl(node, "export_control.restricted", base: policy.restrictedExportControl) }
        }
        if let node = root["actions"] { policy.actions = actions(node, "actions", base: policy.actions) }
        if let node = root["partner_actions"] { policy.partnerActions = actions(node, "partner_actions", base: policy.partnerActions) }
        if let node = root["indeterminate"], let route = failSafeRoute(node, "indeterminate") { policy.indeterminate = route }
        if let node = root["unparseable"], let route = failSafeRoute(node, "unparseable") { policy.unparseable = route }
        if let node = root["shadow"], let value = bool(node, "shadow") { policy.shadow = value }
        if let node = root["escalation"] { policy.escalation = escalation(node, "escalation") }
        return policy
    }

    mutating func escalation(_ node: Node, _ path: String) -> EscalationPolicy {
        var result = EscalationPolicy()
        guard mapping(node, path, allowed: ["strike_severity", "user", "org", "partner_user", "partner_org"]) != nil else { return result }
        if let value = node["strike_severity"] {
            if let text = value.scalar?.string, let severity = Severity(rawValue: text) {
                result.minimumSeverity = severity
            } else {
                fail(value, path + ".strike_severity", "must be low, medium, high or critical")
            }
        }
        result.user = node["user"].flatMap { escalationLevel($0, path + ".user") }
        result.org = node["org"].flatMap { escalationLevel($0, path + ".org") }
        result.partnerUser = node["partner_user"].flatMap { escalationLevel($0, path + ".partner_user") }
        result.partnerOrg = node["partner_org"].flatMap { escalationLevel($0, path + ".partner_org") }
        return result
    }

    mutating func escalationLevel(_ node: Node, _ path: String) -> EscalationPolicy.Level? {
        guard mapping(node, path, allowed: ["threshold", "window", "action", "cooldown"]) != nil else { return nil }
        var valid = true
        var threshold = 0
        if let value = node["threshold"], let number = value.int, number >= 1, number <= LocalStrikeStore.maxStrikesPerKey {
            threshold = number
        } else {
            fail(node["threshold"] ?? node, path + ".threshold", "must be a whole number of strikes from 1 to \(LocalStrikeStore.maxStrikesPerKey)")
            valid = false
        }
        let window = duration(node["window"], node, path + ".window")
        let cooldown = duration(node["cooldown"], node, path + ".cooldown")
        var action = RiskAction.fallback
        if let value = node["action"] {
            if let text = value.scalar?.string, let parsed = RiskAction(rawValue: text), parsed != .allow {
                action = parsed
            } else {
                fail(value, path + ".action", "must be fallback or block")
                valid = false
            }
        }
        guard valid, let window, let cooldown else { return nil }
        return EscalationPolicy.Level(threshold: threshold, windowSeconds: window, action: action, cooldownSeconds: cooldown)
    }

    /// A duration: a positive number of seconds, or a number with `s`, `m`, `h` or `d`.
    mutating func duration(_ node: Node?, _ parent: Node, _ path: String) -> Double? {
        let message = "must be a duration such as 90s, 15m, 1h or 7d (at most 365d)"
        guard let node, let text = node.scalar?.string, !text.isEmpty else { fail(node ?? parent, path, message); return nil }
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        var digits = Substring(text)
        var unit = 1.0
        if let last = text.last, let scale = units[last] {
            unit = scale
            digits = text.dropLast()
        }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Double(digits), value > 0,
              value * unit <= 365 * 86400 else {
            fail(node, path, message); return nil
        }
        return value * unit
    }

    mutating func failSafeRoute(_ node: Node, _ path: String) -> ModelRoute? {
        guard let text = node.scalar?.string, let route = ModelRoute(rawValue: text), route != .restricted else {
            fail(node, path, "must be primary, fallback or block"); return nil
        }
        return route
    }

    mutating func exportControl(_ node: Node, _ path: String, base: ExportControl) -> ExportControl {
        var control = base
        guard mapping(node, path, allowed: ["allowed_nationalities", "require_verified", "partner_exception"]) != nil else { return control }
        if let list = node["allowed_nationalities"] {
            if list.scalar?.string == "any" {
                control.allowedNationalities = nil
            } else if let items = list.sequence, !items.isEmpty {
                var codes: Set<String> = []
                for item in items {
                    guard let code = item.scalar?.string, code.utf8.count == 2, code.utf8.allSatisfy({ $0 >= 0x41 && $0 <= 0x5A }) else {
                        fail(item, path + ".allowed_nationalities", "`\(item.scalar?.string ?? "?")` is not an ISO 3166-1 alpha-2 code in capitals (e.g. US, DE)")
                        continue
                    }
                    codes.insert(code)
                }
                control.allowedNationalities = codes
            } else {
                fail(list, path + ".allowed_nationalities", "must be `any` or a non-empty list of country codes")
            }
        }
        if let value = node["require_verified"], let flag = bool(value, path + ".require_verified") { control.requireVerified = flag }
        if let value = node["partner_exception"], let flag = bool(value, path + ".partner_exception") { control.partnerException = flag }
        return control
    }

    mutating func actions(_ node: Node, _ path: String, base: RiskActions) -> RiskActions {
        var table = base
        guard mapping(node, path, allowed: ["severity", "category", "block_score", "signal"]) != nil else { return table }
        if let signals = node["signal"], let entries = mapping(signals, path + ".signal", allowed: Set(Signal.allCases.map(\.rawValue))) {
            for (key, value) in entries {
                guard let signal = key.string.flatMap(Signal.init(rawValue:)) else { continue }
                if let action = riskAction(value, path + ".signal." + signal.rawValue) { table.signal[signal] = action }
            }
        }
        if let severities = node["severity"], let entries = mapping(severities, path + ".severity", allowed: Set(Severity.allCases.map(\.rawValue))) {
            for (key, value) in entries {
                guard let severity = key.string.flatMap(Severity.init(rawValue:)) else { continue }
                if let action = riskAction(value, path + ".severity." + severity.rawValue) { table.severity[severity] = action }
            }
        }
        if let categories = node["category"] {
            guard let entries = categories.mapping else { fail(categories, path + ".category", "must be a mapping of category to action"); return table }
            for (key, value) in entries {
                guard let category = key.string, !category.isEmpty else { fail(key, path + ".category", "category names must be strings"); continue }
                if let known = knownCategories, !known.contains(category) {
                    fail(key, path + ".category." + category, "no rule of the pack has category `\(category)` (known: \(known.sorted().joined(separator: ", ")))"); continue
                }
                if let action = riskAction(value, path + ".category." + category) { table.category[category] = action }
            }
        }
        if let score = node["block_score"] {
            if score.scalar?.string == "null" || score.scalar?.string == "~" {
                table.blockScore = nil
            } else if let value = score.float, value > 0 {
                table.blockScore = value
            } else {
                fail(score, path + ".block_score", "must be a positive number or null")
            }
        }
        return table
    }

    mutating func riskAction(_ node: Node, _ path: String) -> RiskAction? {
        guard let text = node.scalar?.string, let action = RiskAction(rawValue: text) else {
            fail(node, path, "must be allow, fallback or block"); return nil
        }
        return action
    }

    mutating func orgList(_ node: Node, _ path: String) -> [String] {
        guard let items = node.sequence else { fail(node, path, "must be a list of organisation ids"); return [] }
        var result: [String] = []
        for item in items {
            guard let id = item.scalar?.string, Self.isValidOrgID(id) else {
                fail(item, path, "`\(item.scalar?.string ?? "?")` is not an organisation id ([a-z0-9][a-z0-9._-]*)"); continue
            }
            result.append(id)
        }
        return result
    }

    /// Parses a partner file: `partners:` list of `{id, name}`.
    mutating func parsePartners(_ bytes: [UInt8]) -> [String] {
        guard let root = document(bytes), mapping(root, "", allowed: ["partners"]) != nil else { return [] }
        guard let list = root["partners"]?.sequence else { fail(root, "partners", "must be a list of {id, name}"); return [] }
        if list.count > maxPartners { fail(root, "partners", "\(list.count) partners exceed the limit of \(maxPartners)"); return [] }
        var seen: [String: Int] = [:]
        var result: [String] = []
        for item in list {
            guard mapping(item, "partners[]", allowed: ["id", "name", "sector", "country"]) != nil else { continue }
            guard let idNode = item["id"], let id = idNode.scalar?.string, Self.isValidOrgID(id) else {
                fail(item, "partners[].id", "missing or invalid organisation id ([a-z0-9][a-z0-9._-]*)"); continue
            }
            if let first = seen[id] { fail(idNode, "partners[].id", "duplicate partner `\(id)` (first at line \(first))"); continue }
            seen[id] = idNode.mark?.line ?? 0
            result.append(id)
        }
        return result
    }

    static func isValidOrgID(_ id: String) -> Bool {
        guard let first = id.utf8.first, id.utf8.count <= 128 else { return false }
        func allowed(_ byte: UInt8) -> Bool {
            (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39) || byte == 0x2E || byte == 0x5F || byte == 0x2D
        }
        return allowed(first) && first != 0x2E && first != 0x5F && first != 0x2D && id.utf8.allSatisfy(allowed)
    }
}
