import Foundation
import SwitchyardRules
import Yams

/// Where the proxy sends each model's requests: a YAML map from model name to its OpenAI-style
/// base URL and, optionally, the environment variable holding its API key.
///
/// ```yaml
/// fable-5:
///   base_url: http://10.0.0.5:8000/v1      # `/chat/completions` or `/responses` is appended
///   api_key_env: FABLE_API_KEY            # optional; sent as `Authorization: Bearer <key>`
/// opus-4.8:
///   base_url: https://models.internal/opus/v1
/// ```
///
/// The file is untrusted input like the rule pack: unknown and duplicate keys, tags, non-http(s)
/// URLs and unset key variables are refused with `file:line:` messages.
public struct Upstreams: Sendable {
    public struct Upstream: Sendable, Equatable {
        /// Base URL without a trailing slash, e.g. `http://127.0.0.1:9000/v1`.
        public var baseURL: String
        /// Environment variable holding the API key, if any.
        public var apiKeyEnvironment: String?
        /// The key itself, read once at load time.
        public var apiKey: String?

        public init(baseURL: String, apiKeyEnvironment: String? = nil, apiKey: String? = nil) {
            self.baseURL = baseURL
            self.apiKeyEnvironment = apiKeyEnvironment
            self.apiKey = apiKey
        }
    }

    public var byModel: [String: Upstream]

    public init(_ byModel: [String: Upstream] = [:]) { self.byModel = byModel }

    public subscript(model: String) -> Upstream? { byModel[model] }

    /// One problem in an upstreams file.
    public struct LoadError: Error, Sendable, CustomStringConvertible {
        public var file: String
        public var line: Int
        public var message: String
        public var description: String { "\(file):\(line): \(message)" }
    }

    /// Every problem found in an upstreams file.
    public struct LoadErrors: Error, Sendable, CustomStringConvertible {
        public var errors: [LoadError]
        public var description: String { errors.map(\.description).joined(separator: "\n") }
    }

    /// Loads `path`; `environment` supplies API keys.
    public static func load(path: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws(LoadErrors) -> Upstreams {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LoadErrors(errors: [LoadError(file: path, line: 0, message: "cannot read the file")])
        }
        guard data.count <= 1 << 20 else {
            throw LoadErrors(errors: [LoadError(file: path, line: 0, message: "file is larger than 1 MiB")])
        }
        return try parse(bytes: [UInt8](data), name: path, environment: environment)
    }

    static let allowedKeys: Set<String> = ["base_url", "api_key_env"]

    /// Parses an upstreams file's bytes.
    public static func parse(bytes: [UInt8], name: String, environment: [String: String]) throws(LoadErrors) -> Upstreams {
        var errors: [LoadError] = []
        func fail(_ node: Node?, _ message: String, line: Int? = nil) {
            errors.append(LoadError(file: name, line: line ?? node?.mark?.line ?? 0, message: message))
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw LoadErrors(errors: [LoadError(file: name, line: 0, message: "file is not valid UTF-8")])
        }
        if let line = YAMLPrecheck.lineExceedingLimit(bytes) {
            throw LoadErrors(errors: [LoadError(file: name, line: line, message: "nests deeper than \(YAMLPrecheck.limit) levels")])
        }
        if let line = YAMLPrecheck.firstTagLine(bytes) {
            throw LoadErrors(errors: [LoadError(file: name, line: line, message: "YAML tags (`!…`) are not accepted")])
        }
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw LoadErrors(errors: [LoadError(file: name, line: 0, message: "file is empty")])
            }
            root = node
        } catch let error as LoadErrors {
            throw error
        } catch {
            var line = 0
            if let yaml = error as? YamlError {
                switch yaml {
                case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): line = mark.line
                default: break
                }
            }
            throw LoadErrors(errors: [LoadError(file: name, line: line, message: "invalid YAML: \(error)")])
        }
        guard let models = root.mapping else {
            throw LoadErrors(errors: [LoadError(file: name, line: root.mark?.line ?? 0, message: "must be a mapping of model name to upstream")])
        }
        var result: [String: Upstream] = [:]
        var seenModels: [String: Int] = [:]
        for (key, value) in models {
            guard let model = key.scalar?.string, isModelName(model) else {
                fail(key, "`\(key.scalar?.string ?? "?")` is not a model name ([a-z0-9][a-z0-9._-]*)"); continue
            }
            if let first = seenModels[model] {
                fail(key, "\(model): duplicate model (first at line \(first))"); continue
            }
            seenModels[model] = key.mark?.line ?? 0
            guard let fields = value.mapping else { fail(value, "\(model): must be a mapping with base_url"); continue }
            var seenKeys: Set<String> = []
            var baseURL: String?
            var keyVariable: String?
            var apiKey: String?
            var valid = true
            for (fieldKey, fieldValue) in fields {
                let field = fieldKey.scalar?.string ?? ""
                guard seenKeys.insert(field).inserted else { fail(fieldKey, "\(model).\(field): duplicate key"); valid = false; continue }
                guard allowedKeys.contains(field) else {
                    fail(fieldKey, "\(model).\(field): unknown key (expected one of \(allowedKeys.sorted().joined(separator: ", ")))")
                    valid = false
                    continue
                }
                guard let scalar = fieldValue.scalar?.string, !scalar.isEmpty else {
                    fail(fieldValue, "\(model).\(field): must be a non-empty string"); valid = false; continue
                }
                switch field {
                case "base_url":
                    if let problem = urlProblem(scalar) { fail(fieldValue, "\(model).base_url: \(problem)"); valid = false }
                    else { baseURL = scalar.hasSuffix("/") ? String(scalar.dropLast()) : scalar }
                case "api_key_env":
                    if !isEnvironmentName(scalar) {
                        fail(fieldValue, "\(model).api_key_env: `\(scalar)` is not an environment variable name ([A-Za-z_][A-Za-z0-9_]*)")
                        valid = false
                    } else if let key = environment[scalar], !key.isEmpty {
                        keyVariable = scalar
                        apiKey = key
                    } else {
                        fail(fieldValue, "\(model).api_key_env: environment variable \(scalar) is not set")
                        valid = false
                    }
                default: break
                }
            }
            if baseURL == nil && valid { fail(key, "\(model): base_url is required"); valid = false }
            if valid, let baseURL { result[model] = Upstream(baseURL: baseURL, apiKeyEnvironment: keyVariable, apiKey: apiKey) }
        }
        if !errors.isEmpty { throw LoadErrors(errors: errors) }
        return Upstreams(result)
    }

    static func isModelName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard let first = bytes.first, bytes.count <= 128, isLowerAlnum(first) else { return false }
        return bytes.allSatisfy { isLowerAlnum($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
    }

    private static func isLowerAlnum(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    static func isEnvironmentName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard let first = bytes.first, !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else { return false }
        return bytes.allSatisfy { byte in
            (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_")
        }
    }

    /// Why `text` is not an acceptable upstream base URL, or nil.
    static func urlProblem(_ text: String) -> String? {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased() else {
            return "`\(text)` is not a URL"
        }
        guard scheme == "http" || scheme == "https" else { return "`\(text)`: only http and https are supported" }
        guard let host = components.host, !host.isEmpty else { return "`\(text)` has no host" }
        guard components.query == nil, components.fragment == nil else { return "`\(text)` must not have a query or fragment" }
        guard components.user == nil, components.password == nil else { return "`\(text)`: put credentials in api_key_env, not in the URL" }
        return nil
    }
}
