import Foundation
import Switchyard

/// Rule packs for the benchmarks: the default pack, its "stripped" variant (same semantics in every
/// engine) and generated packs of any size.
public enum Packs {
    /// The Switchyard checkout (this file is Benchmarks/Sources/BenchSupport/Packs.swift).
    public static let checkout = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// `SWITCHYARD_RULES`, else the checkout's `Rules/`.
    public static var defaultDirectory: String {
        ProcessInfo.processInfo.environment["SWITCHYARD_RULES"] ?? (checkout as NSString).appendingPathComponent("Rules")
    }

    public static var defaultPolicyPath: String {
        (defaultDirectory as NSString).appendingPathComponent("policy/policy.yaml")
    }

    public static func loadDefault() throws -> RulePack {
        try RuleLoader().load(directory: defaultDirectory)
    }

    /// The pack with `near` and `unless` removed and every rule on the raw view only: a rule then
    /// fires iff any keyword or pattern matches, which every peer engine can express. Rules left
    /// with neither keywords nor patterns are dropped.
    public static func stripped(_ pack: RulePack) -> RulePack {
        var rules: [Rule] = []
        for var rule in pack.rules {
            rule.near = []
            rule.unless = []
            rule.views = ViewSet([.raw])
            rule.mode = .enforce
            if !rule.keywords.isEmpty || !rule.patterns.isEmpty { rules.append(rule) }
        }
        return RulePack(rules: rules, version: pack.version + "-stripped", origin: pack.origin + " (stripped)")
    }

    // MARK: generated packs

    static let syllables = ["ka", "vo", "ru", "zin", "tel", "mir", "sa", "nob", "qua", "lek", "dro", "fen", "gul", "hax", "ib",
                            "jor", "ply", "ost", "wen", "yur", "bex", "cid", "dul", "emo", "fro", "gri", "tav", "ulm", "vex", "zor"]

    /// A pronounceable made-up word: 2-4 syllables.
    static func pseudoWord(_ random: inout SplitMix64) -> String {
        (0..<(2 + random.below(3))).map { _ in random.pick(syllables) }.joined()
    }

    /// YAML for a pack of `ruleCount` rules over a made-up vocabulary: every rule has 1-3
    /// keywords; 40% add a `near` clause (a shared list of common verbs near made-up capability
    /// terms); 10% a regex with literal atoms (3% with a common-verb prefix, the expensive kind);
    /// 10% an `unless` term; about 2% of keywords are pairs of ordinary English words that the
    /// generated traffic sometimes contains.
    public static func generatedYAML(ruleCount: Int, seed: UInt64 = 7) -> String {
        var random = SplitMix64(seed: seed)
        var yaml = """
            lists:
              gen_verbs: [write, build, create, make, design, develop, draft, "put together"]
            rules:

            """
        func quoted(_ s: String) -> String { "\"\(s)\"" }
        for index in 0..<ruleCount {
            let base = pseudoWord(&random)
            var keywords: [String] = []
            for _ in 0..<(1 + random.below(3)) {
                switch random.below(50) {
                case 0: keywords.append("\(random.pick(TextGenerator.adjectives)) \(random.pick(TextGenerator.nouns))")
                case 1...10: keywords.append("\(pseudoWord(&random)) \(random.pick(["toolkit", "engine", "loader", "kit", "module"]))")
                case 11...15: keywords.append(pseudoWord(&random) + "*")
                default: keywords.append(pseudoWord(&random))
                }
            }
            yaml += """
                  - id: gen.r\(index)
                    category: gen-\(index % 12)
                    severity: \(["medium", "high", "high", "critical"][index % 4])
                    description: generated rule \(index)
                    keywords: [\(keywords.map(quoted).joined(separator: ", "))]

                """
            if random.chance(40) {
                let capabilities = (0..<(2 + random.below(3))).map { _ in random.chance(20) ? "\(pseudoWord(&random)) \(random.pick(TextGenerator.nouns))" : pseudoWord(&random) }
                yaml += """
                        near:
                          - all: [$gen_verbs, [\(capabilities.map(quoted).joined(separator: ", "))]]
                            within: \(40 + random.below(5) * 10)

                    """
            }
            if random.chance(10) {
                let pattern: String
                if random.chance(30) {
                    pattern = #"\b(?:write|build|create)\b.{0,30}\b\#(base)\w*"#
                } else {
                    pattern = #"\b\#(base)\w*\s+(?:\#(pseudoWord(&random))|\#(pseudoWord(&random)))\b"#
                }
                yaml += "    patterns: ['\(pattern)']\n"
            }
            if random.chance(10) {
                yaml += "    unless: [\(quoted(base + " research"))]\n"
            }
        }
        return yaml
    }

    /// Loads a generated pack through the YAML loader, as a real pack would be.
    public static func generated(ruleCount: Int, seed: UInt64 = 7) throws -> RulePack {
        try RuleLoader().load(files: [(name: "generated-\(ruleCount).yaml", bytes: Array(generatedYAML(ruleCount: ruleCount, seed: seed).utf8))],
                              origin: "generated \(ruleCount)")
    }
}
