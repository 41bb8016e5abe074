/// Weighted evidence: a linear model per category over the pack's `evidence` rules, fitted offline
/// (`Rules/model/train.py`) and applied at line rate.
///
/// Evidence rules never make a request risky by themselves. For each category, the model is
/// consulted only when an evidence rule *of that category* fired (its gate); the category's score
/// is then `bias + Σ weight(rule) + Σ weight(pair)` over every fired evidence rule it weighs (its
/// own and the cross-category `any` ones: target, stealth, counter-evidence, framing...) and every
/// pair of them that fired together. A score at or above
/// `threshold` fires the category's synthetic rule `score.<category>`, an ordinary enforce rule of
/// the category's severity, so routing, reasons and audit treat it like any other rule.
///
/// A model may also weigh its category's enforce rules (they gate it too). Such a rule is a
/// feature as well as a verdict: it still fires on its own, unless counter-evidence (a negative
/// weight on a rule listed in `counter_evidence`: detection, defence, study) leaves its category's
/// score below `withdrawBelow`, and then it is withdrawn from the verdict. Framing never counts as counter-evidence (its weights are never
/// negative), so a fiction wrapper cannot withdraw a rule.
package struct ScoringModel: Sendable {
    /// One category's linear model.
    package struct Category: Sendable {
        /// The category it scores (the `category` of its gate rules and of its synthetic rule).
        package var name: String
        /// Log-odds before any evidence.
        package var bias: Double
        /// The score at or above which the category fires.
        package var threshold: Double
        /// Severity of the synthetic rule `score.<name>`.
        package var severity: Severity
        /// Counter-evidence withdraws the category's weighed enforce rules only while the score is
        /// below this (default 0: the model finds the request more likely benign than not).
        package var withdrawBelow: Double = 0
        /// Weight of each evidence rule, by rule id.
        package var weights: [(rule: String, weight: Double)]
        /// Weight of two evidence rules firing together (an interaction the single weights cannot
        /// express, e.g. a request form *and* a third-party target).
        package var pairs: [(first: String, second: String, weight: Double)] = []
        /// Where the category is written.
        package var location: SourceLocation

        /// Creates a category model.
        package init(name: String, bias: Double, threshold: Double, severity: Severity, weights: [(rule: String, weight: Double)], location: SourceLocation) {
            self.name = name
            self.bias = bias
            self.threshold = threshold
            self.severity = severity
            self.weights = weights
            self.location = location
        }

        /// Id of the rule this category fires.
        package var ruleID: String { "score." + name }
    }

    /// The models, in file order.
    package var categories: [Category]
    /// The evidence rules that count as counter-evidence (defence, detection, study): only these,
    /// with a negative weight, can withdraw an enforce rule.
    package var counterEvidence: [String] = []
    /// Free-form provenance written by the training script (data, date, figures).
    package var trainedOn: String

    /// Creates a model.
    package init(categories: [Category], trainedOn: String = "") {
        self.categories = categories
        self.trainedOn = trainedOn
    }

    /// Evidence rules whose category is this one weigh into every category's model and gate none.
    package static let crossCategory = "any"
}

/// The scoring model compiled against a pack's rule indices.
struct ScoringTables: Sendable {
    /// Per category model: bias, threshold and the index of its synthetic rule.
    let bias: [Double]
    let threshold: [Double]
    let withdrawBelow: [Double]
    let scoreRule: [Int]
    /// Per rule: the models it weighs into, `contributionModel[ruleContributionStart[r] ..<
    /// ruleContributionStart[r + 1]]`, with `contributionWeight` alongside.
    let ruleContributionStart: [Int32]
    let contributionModel: [Int32]
    let contributionWeight: [Double]
    /// Per rule: the model it gates, or -1.
    let ruleGate: [Int32]
    /// Per rule: whether it is a model's synthetic `score.` rule (which adds nothing to the
    /// verdict's severity score: a model's own verdict is one signal, not several).
    let ruleIsScore: [Bool]
    /// Per rule: whether it is an enforce rule that a model weighs (and so may withdraw).
    let ruleIsWeighedEnforce: [Bool]
    /// Per rule: whether it is counter-evidence.
    let ruleIsCounter: [Bool]
    /// Per model: its pairs, `pairFirst/pairSecond/pairWeight[modelPairStart[m] ..< modelPairStart[m + 1]]`.
    let modelPairStart: [Int32]
    let pairFirst: [Int32]
    let pairSecond: [Int32]
    let pairWeight: [Double]

    var modelCount: Int { bias.count }

    /// An empty table set: no model.
    init(ruleCount: Int) {
        bias = []
        threshold = []
        withdrawBelow = []
        scoreRule = []
        ruleContributionStart = Array(repeating: 0, count: ruleCount + 1)
        contributionModel = []
        contributionWeight = []
        ruleGate = Array(repeating: -1, count: ruleCount)
        ruleIsScore = Array(repeating: false, count: ruleCount)
        ruleIsWeighedEnforce = Array(repeating: false, count: ruleCount)
        ruleIsCounter = Array(repeating: false, count: ruleCount)
        modelPairStart = [0]
        pairFirst = []
        pairSecond = []
        pairWeight = []
    }

    /// Compiles `model` against `rules` (which hold its synthetic rules). The loader has checked that
    /// every weighted rule exists and is an evidence rule.
    init(model: ScoringModel, rules: [Rule]) {
        var indexByID: [String: Int] = [:]
        for (index, rule) in rules.enumerated() { indexByID[rule.id] = index }
        var perRule = Array(repeating: [(Int32, Double)](), count: rules.count)
        var gate = Array(repeating: Int32(-1), count: rules.count)
        var bias: [Double] = []
        var threshold: [Double] = []
        var withdrawBelow: [Double] = []
        var scoreRule: [Int] = []
        var pairStarts: [Int32] = [0]
        var pairFirst: [Int32] = []
        var pairSecond: [Int32] = []
        var pairWeight: [Double] = []
        for (modelIndex, category) in model.categories.enumerated() {
            for pair in category.pairs {
                guard let first = indexByID[pair.first], let second = indexByID[pair.second] else { continue }
                pairFirst.append(Int32(first))
                pairSecond.append(Int32(second))
                pairWeight.append(pair.weight)
            }
            pairStarts.append(Int32(pairFirst.count))
            bias.append(category.bias)
            threshold.append(category.threshold)
            withdrawBelow.append(category.withdrawBelow)
            scoreRule.append(indexByID[category.ruleID] ?? -1)
            for (ruleID, weight) in category.weights {
                guard let rule = indexByID[ruleID] else { continue }
                perRule[rule].append((Int32(modelIndex), weight))
            }
            for (index, rule) in rules.enumerated() where rule.mode != .shadow && rule.category == category.name && index != indexByID[category.ruleID] {
                gate[index] = Int32(modelIndex)
            }
        }
        var starts: [Int32] = [0]
        var models: [Int32] = []
        var weights: [Double] = []
        for contributions in perRule {
            for (model, weight) in contributions {
                models.append(model)
                weights.append(weight)
            }
            starts.append(Int32(models.count))
        }
        self.bias = bias
        self.threshold = threshold
        self.withdrawBelow = withdrawBelow
        self.scoreRule = scoreRule
        ruleContributionStart = starts
        contributionModel = models
        contributionWeight = weights
        ruleGate = gate
        var isScore = Array(repeating: false, count: rules.count)
        for index in scoreRule where index >= 0 { isScore[index] = true }
        ruleIsScore = isScore
        let counter = Set(model.counterEvidence)
        ruleIsCounter = rules.map { counter.contains($0.id) }
        ruleIsWeighedEnforce = rules.indices.map { rules[$0].mode == .enforce && !isScore[$0] && starts[$0 + 1] > starts[$0] }
        modelPairStart = pairStarts
        self.pairFirst = pairFirst
        self.pairSecond = pairSecond
        self.pairWeight = pairWeight
    }
}
