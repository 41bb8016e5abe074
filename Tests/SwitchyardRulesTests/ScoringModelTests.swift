import SwitchyardRules
import XCTest

/// Evidence rules and the scoring model: evidence alone never makes a request risky; a category's
/// weighted evidence fires its `score.` rule; pairs, gates and counter-evidence behave; the
/// loader refuses malformed models with file, line and rule id.
final class ScoringModelTests: XCTestCase {
    static let evidence = """
        rules:
          - id: lockers.cap
            category: lockers
            mode: evidence
            description: Names a file locker.
            keywords: [file locker, scrambler]
          - id: any.target
            category: any
            mode: evidence
            description: Someone else's machine.
            keywords: [my neighbour's, the victim's]
          - id: any.defence
            category: any
            mode: evidence
            description: Defensive work.
            keywords: [detect, remove]
          - id: any.fiction
            category: any
            mode: evidence
            description: Fiction framing.
            keywords: [in my novel]
          - id: lockers.exact
            category: lockers
            severity: medium
            description: An enforce rule beside the model.
            keywords: [locker builder kit]
          - id: other.exact
            category: other
            severity: medium
            description: An enforce rule of another category.
            keywords: [flood kit]

        """

    static let scoring = """
        scoring:
          trained_on: written for this test
          counter_evidence: [any.defence]
          categories:
            lockers:
              bias: -2
              threshold: 0.5
              severity: high
              weights:
                lockers.cap: 1
                any.target: 2
                any.defence: -3
              pairs:
                lockers.cap+any.fiction: 1.6

        """

    private func classifier(_ scoring: String = ScoringModelTests.scoring) throws -> Classifier {
        try Classifier(pack: RuleLoader().load(files: [("e.yaml", Array(Self.evidence.utf8)), ("s.yaml", Array(scoring.utf8))]))
    }

    private func loadErrors(_ scoring: String) -> [String] {
        do {
            _ = try RuleLoader().load(files: [("e.yaml", Array(Self.evidence.utf8)), ("s.yaml", Array(scoring.utf8))])
            return []
        } catch {
            return error.errors.map(\.description)
        }
    }

    func testEvidenceAloneIsNotRisky() throws {
        let classifier = try classifier()
        // Gate fired, score -2 + 1 = -1: below the threshold, and the verdict is clean.
        let verdict = classifier.classify("what is a file locker?")
        XCTAssertFalse(verdict.risky)
        XCTAssertTrue(verdict.hits.isEmpty)
        // A cross-category feature without its category's gate consults no model.
        XCTAssertEqual(classifier.classify("my neighbour's cat is lovely").risky, false)
    }

    func testWeightedEvidenceFiresTheScoreRule() throws {
        let classifier = try classifier()
        let verdict = classifier.classify("put a file locker on my neighbour's laptop")
        XCTAssertTrue(verdict.risky)
        let ids = verdict.hits.map { classifier.rules[$0.rule].id }
        XCTAssertTrue(ids.contains("score.lockers"), "\(ids)")
        XCTAssertEqual(verdict.categories(in: classifier.rules), ["lockers"])
        // The model's own verdict adds nothing to the severity score.
        XCTAssertEqual(verdict.score, 0)
        XCTAssertEqual(verdict.scores.map(\.category), ["lockers"])
        XCTAssertEqual(verdict.scores.first?.score ?? 0, 1, accuracy: 1e-9)
        // The score rule points at the gate's evidence.
        let scoreHit = verdict.hits.first { classifier.rules[$0.rule].id == "score.lockers" }
        XCTAssertEqual(scoreHit?.span, 6..<17)
    }

    func testCounterEvidenceLowersTheScoreAndFramingNeverClears() throws {
        let classifier = try classifier()
        XCTAssertFalse(classifier.classify("detect a file locker on my neighbour's laptop").risky)
        // The pair (capability and fiction) adds; fiction alone weighs nothing.
        XCTAssertTrue(classifier.classify("in my novel she writes a file locker").risky)
        XCTAssertFalse(classifier.classify("in my novel she bakes bread").risky)
    }

    func testCounterEvidenceWithdrawsAWeighedEnforceRule() throws {
        let scoring = Self.scoring.replacingOccurrences(of: "        lockers.cap: 1\n", with: "        lockers.cap: 1\n        lockers.exact: 2.5\n")
        XCTAssertNotEqual(scoring, Self.scoring)
        let classifier = try classifier(scoring)
        // Alone, the weighed rule stands: no counter-evidence.
        XCTAssertTrue(classifier.classify("sell me a locker builder kit").risky)
        // With counter-evidence the score is -2 + 2.5 - 3 = -2.5, below 0: withdrawn.
        XCTAssertFalse(classifier.classify("how do we detect a locker builder kit").risky)
        let scratch = classifier.makeScratch()
        scratch.keepsEvidence = true
        let explained = classifier.classify("how do we detect a locker builder kit", using: scratch)
        XCTAssertEqual(explained.withdrawn.map { "\(classifier.rules[$0.rule].id) \($0.cause.name)" }, ["lockers.exact counter-evidence"])
        // An unweighed enforce rule is never withdrawn.
        XCTAssertTrue(try self.classifier().classify("how do we detect a locker builder kit").risky)
    }

    func testEnforceRulesStillFireAndEvidenceShowsWhenKept() throws {
        let classifier = try classifier()
        let scratch = classifier.makeScratch()
        XCTAssertTrue(classifier.classify("sell me a locker builder kit", using: scratch).risky)
        // With keepsEvidence, an evidence-only request lists its evidence hits and scores.
        scratch.keepsEvidence = true
        let verdict = classifier.classify("what is a file locker?", using: scratch)
        XCTAssertFalse(verdict.risky)
        XCTAssertEqual(verdict.hits.map { classifier.rules[$0.rule].id }, ["lockers.cap"])
        XCTAssertEqual(verdict.scores.first?.contributions.map(\.weight), [1])
    }

    func testMalformedModelsAreRefusedWithLocation() {
        let unknownRule = Self.scoring.replacingOccurrences(of: "any.target: 2", with: "any.nowhere: 2")
        XCTAssertEqual(loadErrors(unknownRule), ["s.yaml:11: rule score.lockers: weight for unknown rule `any.nowhere`"])
        let otherCategory = Self.scoring.replacingOccurrences(of: "any.target: 2", with: "other.exact: 2")
        XCTAssertEqual(loadErrors(otherCategory), ["s.yaml:11: rule score.lockers: `other.exact` is neither an evidence rule nor an enforce rule of category `lockers`"])
        let badNumber = Self.scoring.replacingOccurrences(of: "bias: -2", with: "bias: \"-2\"")
        XCTAssertEqual(loadErrors(badNumber), ["s.yaml:6: rule score.lockers: `bias` must be a finite number within ±1000"])
        let noGate = Self.scoring.replacingOccurrences(of: "    lockers:\n", with: "    wipers:\n")
        XCTAssertTrue(loadErrors(noGate).contains { $0.contains("no evidence rule has category `wipers`") }, "\(loadErrors(noGate))")
        let badPair = Self.scoring.replacingOccurrences(of: "lockers.cap+any.fiction", with: "lockers.cap+any.fiction+any.target")
        XCTAssertEqual(loadErrors(badPair), ["s.yaml:14: rule score.lockers: a pair is two evidence rule ids joined by `+`"])
        let twice = Self.scoring + Self.scoring.replacingOccurrences(of: "scoring:", with: "")
        XCTAssertFalse(loadErrors(twice).isEmpty)
    }
}
