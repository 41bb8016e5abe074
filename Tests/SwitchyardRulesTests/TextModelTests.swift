import Foundation
import SwitchyardRules
import XCTest

/// The text model: its features are fixed by definition; its score fires `score.<category>`;
/// below its withdrawal bound it withdraws plain-text enforce rules, never disguised or critical
/// ones; the loader refuses a malformed model with file and line.
final class TextModelTests: XCTestCase {
    static let rules = """
        rules:
          - id: lockers.exact
            category: lockers
            severity: medium
            description: An enforce rule the model may withdraw.
            keywords: [locker kit]
          - id: lockers.worst
            category: lockers
            severity: critical
            description: A critical rule, never withdrawn.
            keywords: [hospital locker]

        """

    /// Weights: +127 on every feature of "scramble their files", -127 on every feature of "tabletop".
    static func weights() -> [Int8] {
        var weights = [Int8](repeating: 0, count: TextModel.bucketCount)
        for bucket in TextModel.features(of: "scramble their files") { weights[bucket] = 127 }
        for bucket in TextModel.features(of: "tabletop") { weights[bucket] = -127 }
        return weights
    }

    static func modelYAML(featurizer: String = TextModel.featurizer, weights: String? = nil, category: String = "lockers", rules: String = "") -> String {
        let encoded = weights ?? Data(Self.weights().map { UInt8(bitPattern: $0) }).base64EncodedString()
        return """
            text_model:
              featurizer: \(featurizer)
              category: \(category)
              severity: high
              trained_on: written for this test
              bias: -1
              threshold: 1
              withdraw_below: -2
              scale: 0.05
            \(rules)  weights: \(encoded)

            """
    }

    private func classifier() throws -> Classifier {
        try Classifier(pack: RuleLoader().load(files: [("r.yaml", Array(Self.rules.utf8)), ("t.yaml", Array(Self.modelYAML().utf8))]))
    }

    private func loadErrors(_ model: String, rules: String = TextModelTests.rules) -> [String] {
        do {
            _ = try RuleLoader().load(files: [("r.yaml", Array(rules.utf8)), ("t.yaml", Array(model.utf8))])
            return []
        } catch {
            return error.errors.map(\.description)
        }
    }

    func testFeaturesAreWordsPairsSkipPairsAndPaddedByteNGrams() {
        // " abc " has two 4-grams (" abc", "abc "), plus the word: 3 features.
        XCTAssertEqual(TextModel.features(of: "abc").count, 3)
        // " ab " and " cd ": one 4-gram and a word each, plus the pair.
        XCTAssertEqual(TextModel.features(of: "ab cd").count, 5)
        // Three words: three 4-grams, three words, two pairs and one skip-pair (ab…ef).
        XCTAssertEqual(TextModel.features(of: "ab cd ef").count, 9)
        // ASCII case and punctuation do not matter; word order does (pairs).
        XCTAssertEqual(TextModel.features(of: "Scramble, THEIR files!"), TextModel.features(of: "scramble their files"))
        XCTAssertNotEqual(Set(TextModel.features(of: "their scramble files")), Set(TextModel.features(of: "scramble their files")))
        // Full-width letters, leet, look-alikes and diacritics are read through the readable view.
        XCTAssertEqual(TextModel.features(of: "ｓｃｒａｍｂｌｅ"), TextModel.features(of: "scramble"))
        XCTAssertEqual(TextModel.features(of: "scr4mblé"), TextModel.features(of: "scramble"))
        XCTAssertEqual(TextModel.features(of: "scr\u{0430}mble"), TextModel.features(of: "scramble"))
        // A Chinese run has no spaces but is still one word of byte n-grams; CJK punctuation separates.
        XCTAssertEqual(TextModel.features(of: "加密文件").count, 11 + 1)
        func count(_ text: String) -> Int {
            var count = 0
            var text = text
            text.withUTF8 { TextModel.forEachFeature(UnsafeRawBufferPointer($0)) { _ in count += 1 } }
            return count
        }
        XCTAssertEqual(count("加密。文件"), count("加密 文件"))
        XCTAssertEqual(count("a\u{2014}b"), count("a b"))
        XCTAssertTrue(TextModel.features(of: "").isEmpty)
        XCTAssertTrue(TextModel.features(of: "  ...  ").isEmpty)
    }

    func testContextIsReadApartFromTheAsk() throws {
        // Before `focusStart` the same words are other features (the context kinds); a text all
        // ask reads as before, and so does a focus at 0 or past the end.
        let text = "scramble their files\nwrite a tabletop"
        let focus = text.utf8.count - "write a tabletop".utf8.count
        XCTAssertEqual(TextModel.features(of: text, focusStart: 0), TextModel.features(of: text))
        XCTAssertEqual(TextModel.features(of: text, focusStart: text.utf8.count), TextModel.features(of: text))
        let split = TextModel.features(of: text, focusStart: focus)
        XCTAssertTrue(Set(split).isSuperset(of: TextModel.features(of: "write a tabletop")))
        XCTAssertTrue(Set(split).isDisjoint(with: TextModel.features(of: "scramble their files")))
        XCTAssertEqual(split.count, TextModel.features(of: "scramble their files").count + TextModel.features(of: "write a tabletop").count)

        // The classifier reads a conversation the same way: the weighted words fire the model as
        // the ask and weigh nothing as context (their context features have no weight here).
        let classifier = try classifier()
        let conversation = "write a note\nscramble their files"
        let scratch = classifier.makeScratch()
        XCTAssertTrue(classifier.classify(conversation).risky)
        XCTAssertTrue(classifier.classify(conversation, focusStart: conversation.utf8.count - "scramble their files".utf8.count, using: scratch).risky)
        XCTAssertTrue(classifier.classify(text, using: scratch).risky, "read as one ask, the weighted words outweigh the tabletop")
        XCTAssertFalse(classifier.classify(text, focusStart: focus, using: scratch).risky, "as context they weigh nothing")
    }

    func testSplitLettersAreJoinedForTheModel() {
        func joined(_ text: String) -> String {
            var output: [UInt8] = []
            var text = text
            text.withUTF8 { TextModel.joinSplitLetters(UnsafeRawBufferPointer($0), into: &output) }
            return String(decoding: output, as: UTF8.self)
        }
        XCTAssertEqual(joined("k e y l o g g e r"), "keylogger")
        XCTAssertEqual(joined("w.r.i.t.e  a  k.e.y"), "write a key")
        XCTAssertEqual(joined("a plain sentence, as written"), "a plain sentence as written")
        XCTAssertEqual(joined(""), "")
        // Where the separator changes, a word ends.
        XCTAssertEqual(joined("v i r u s t.h.a.t s.p.r.e.a.d.s"), "virus that spreads")
        XCTAssertEqual(joined("a p.o.l.y.m.o.r.p.h.i.c"), "a polymorphic")
        XCTAssertEqual(joined("w o r m, k.e.y.l.o.g.g.e.r"), "worm keylogger")
        // A letter between two runs goes with the run after it, unless a space follows it.
        XCTAssertEqual(joined("a b c.d.e"), "ab cde")
        XCTAssertEqual(joined("k.e.y l o g"), "key log")
        XCTAssertEqual(joined("W.r.i.t.e r a n s o m w a r e in P.y.t.h.o.n"), "Write ransomware in Python")
    }

    func testHTMLTagsInsideAWordAreDroppedForTheModel() {
        var output: [UInt8] = []
        var text = "a ran<b></b>som<!-- x -->ware <i>note</i> for x<y and a<b"
        let removed = text.withUTF8 { TextModel.joinSymbolSplitWords(UnsafeRawBufferPointer($0), into: &output) }
        XCTAssertTrue(removed)
        XCTAssertEqual(String(decoding: output, as: UTF8.self), "a ransomware <i>note</i> for x<y and a<b")
    }

    func testScoreIsBiasPlusScaledMeanOverRootCount() throws {
        let weights = Self.weights()
        let model = TextModel(category: "lockers", severity: .high, bias: -1, threshold: 1, withdrawBelow: -2, scale: 0.05,
                              weights: weights, location: SourceLocation(file: "t", line: 1))
        let features = TextModel.features(of: "scramble their files")
        let expected = -1 + 0.05 * Double(features.map { Int(weights[$0]) }.reduce(0, +)) / Double(features.count).squareRoot()
        var text = "scramble their files"
        let score = text.withUTF8 { model.score(UnsafeRawBufferPointer($0)) }
        XCTAssertEqual(score, expected, accuracy: 1e-9)
        XCTAssertGreaterThan(score, 1)
        var empty = ""
        XCTAssertEqual(empty.withUTF8 { model.score(UnsafeRawBufferPointer($0)) }, -1)
        // A feature counts once: ten thousand repetitions weigh what three do (three words have
        // every feature kind: word, pair and skip-pair).
        var thrice = "files files files"
        var often = Array(repeating: "files", count: 10_000).joined(separator: " ")
        XCTAssertEqual(thrice.withUTF8 { model.score(UnsafeRawBufferPointer($0)) }, often.withUTF8 { model.score(UnsafeRawBufferPointer($0)) }, accuracy: 1e-9)
    }

    func testTheModelFiresItsRuleOnTextNoRuleNames() throws {
        let classifier = try classifier()
        let verdict = classifier.classify("scramble their files")
        XCTAssertTrue(verdict.risky)
        XCTAssertEqual(verdict.hits.map { classifier.rules[$0.rule].id }, ["score.lockers"])
        XCTAssertEqual(verdict.categories(in: classifier.rules), ["lockers"])
        XCTAssertEqual(verdict.score, 0, "the model's own verdict adds no severity score")
        XCTAssertGreaterThan(verdict.textScore ?? 0, 1)
        XCTAssertEqual(verdict.hits.first?.span, 0..<20)
        // Ordinary text: clean, and no allocation-bearing fields.
        let clean = classifier.classify("bake some bread")
        XCTAssertEqual(clean, .clean)
    }

    func testConfidentBenignTextWithdrawsPlainTextRulesOnly() throws {
        let classifier = try classifier()
        // The rule stands on its own.
        XCTAssertTrue(classifier.classify("sell me a locker kit").risky)
        // In a tabletop exercise the model scores below -2: withdrawn.
        let tabletop = classifier.classify("tabletop tabletop: the locker kit")
        XCTAssertFalse(tabletop.risky, "\(tabletop)")
        XCTAssertEqual(tabletop.withdrawn, [], "only an explaining scratch lists withdrawals")
        // An explaining scratch says which rule was withdrawn and by which model.
        let scratch = classifier.makeScratch()
        scratch.keepsEvidence = true
        let explained = classifier.classify("tabletop tabletop: the locker kit", using: scratch)
        XCTAssertFalse(explained.risky)
        XCTAssertEqual(explained.withdrawn.map { "\(classifier.rules[$0.rule].id) \($0.cause.name)" }, ["lockers.exact text-model"])
        XCTAssertEqual(classifier.classify("sell me a locker kit", using: scratch).withdrawn, [], "nothing withdrawn in the next request")
        // A critical rule is never withdrawn.
        XCTAssertTrue(classifier.classify("tabletop tabletop: a hospital locker").risky)
        // A rule that fired on a disguised view is never withdrawn: the model did not read it.
        let disguised = classifier.classify("tabletop tabletop: the l0cker k1t")
        XCTAssertTrue(disguised.risky, "\(disguised)")
    }

    func testAKeptRuleIsNeverWithdrawn() throws {
        let model = Self.modelYAML(rules: "  keeps: [lockers.exact]\n")
        let classifier = try Classifier(pack: RuleLoader().load(files: [("r.yaml", Array(Self.rules.utf8)), ("t.yaml", Array(model.utf8))]))
        // The same text the plain model withdraws the rule on (see above) keeps it now.
        let tabletop = classifier.classify("tabletop tabletop: the locker kit")
        XCTAssertEqual(tabletop.hits.map { classifier.rules[$0.rule].id }, ["lockers.exact"], "\(tabletop)")
        XCTAssertEqual(loadErrors(Self.modelYAML(rules: "  keeps: [lockers.nowhere]\n")),
                       ["t.yaml:10: rule score.lockers: `keeps` names `lockers.nowhere`, which is not an enforce rule of the pack"])
        XCTAssertEqual(loadErrors(Self.modelYAML(rules: "  keeps: lockers.exact\n")),
                       ["t.yaml:10: rule score.lockers: `keeps` must be a list of rule ids"])
    }

    func testRuleWeightsAddToTheScore() throws {
        let model = Self.modelYAML(rules: "  rules:\n    lockers.exact: 2.5\n")
        let classifier = try Classifier(pack: RuleLoader().load(files: [("r.yaml", Array(Self.rules.utf8)), ("t.yaml", Array(model.utf8))]))
        let scratch = classifier.makeScratch()
        scratch.keepsEvidence = true
        let unweighed = try self.classifier()
        let unweighedScratch = unweighed.makeScratch()
        unweighedScratch.keepsEvidence = true
        let plain = unweighed.classify("sell me a locker kit", using: unweighedScratch).textScore ?? .nan
        let weighed = classifier.classify("sell me a locker kit", using: scratch)
        XCTAssertEqual((weighed.textScore ?? .nan) - plain, 2.5, accuracy: 1e-9)
        XCTAssertTrue(weighed.hits.contains { classifier.rules[$0.rule].id == "score.lockers" }, "\(weighed)")
        XCTAssertEqual(loadErrors(Self.modelYAML(rules: "  rules:\n    lockers.nowhere: 1\n")),
                       ["t.yaml:11: rule score.lockers: weight for unknown or shadow rule `lockers.nowhere`"])
    }

    func testACrossAddsOnlyWhenItsRuleAndItsCategoryFireTogether() throws {
        let rules = Self.rules + """
              - id: any.hush
                category: any
                mode: evidence
                severity: low
                description: Evidence of stealth, crossed with the lockers category.
                keywords: [quietly]

            """
        func textScore(_ text: String, crosses: String) throws -> Double {
            let model = Self.modelYAML(rules: crosses)
            let classifier = try Classifier(pack: RuleLoader().load(files: [("r.yaml", Array(rules.utf8)), ("t.yaml", Array(model.utf8))]))
            let scratch = classifier.makeScratch()
            scratch.keepsEvidence = true
            return classifier.classify(text, using: scratch).textScore ?? .nan
        }
        let crossed = "  crosses:\n    any.hush*lockers: 1.5\n"
        // Both fired: the cross adds its weight.
        XCTAssertEqual(try textScore("sell me a locker kit quietly", crosses: crossed) - textScore("sell me a locker kit quietly", crosses: ""), 1.5, accuracy: 1e-9)
        // Only one of the two: nothing.
        XCTAssertEqual(try textScore("move the boxes quietly", crosses: crossed) - textScore("move the boxes quietly", crosses: ""), 0, accuracy: 1e-9)
        XCTAssertEqual(try textScore("sell me a locker kit", crosses: crossed) - textScore("sell me a locker kit", crosses: ""), 0, accuracy: 1e-9)
        func crossErrors(_ crosses: String) -> [String] { loadErrors(Self.modelYAML(rules: crosses), rules: rules) }
        let refusal = "must be `<rule id>*<category>` with a rule and a category of the pack"
        XCTAssertEqual(crossErrors("  crosses:\n    any.hush*nowhere: 1\n"), ["t.yaml:11: rule score.lockers: cross `any.hush*nowhere` \(refusal)"])
        XCTAssertEqual(crossErrors("  crosses:\n    any.nobody*lockers: 1\n"), ["t.yaml:11: rule score.lockers: cross `any.nobody*lockers` \(refusal)"])
        XCTAssertEqual(crossErrors("  crosses:\n    any.hush: 1\n"), ["t.yaml:11: rule score.lockers: cross `any.hush` \(refusal)"])
    }

    func testMalformedModelsAreRefusedWithLocation() {
        XCTAssertEqual(loadErrors(Self.modelYAML(featurizer: "words-v0")),
                       ["t.yaml:2: `text_model.featurizer` is `words-v0`; this engine computes `\(TextModel.featurizer)` (retrain the model)"])
        XCTAssertEqual(loadErrors(Self.modelYAML(weights: "AAAA")),
                       ["t.yaml:10: rule score.lockers: `weights` must be base64 of \(TextModel.bucketCount) signed bytes"])
        let badScale = Self.modelYAML().replacingOccurrences(of: "scale: 0.05", with: "scale: 0")
        XCTAssertEqual(loadErrors(badScale), ["t.yaml:9: rule score.lockers: `scale` must be a finite number within ±1000, above 0"])
        let unknown = Self.modelYAML().replacingOccurrences(of: "  bias: -1\n", with: "  bias: -1\n  bais: 2\n")
        XCTAssertTrue(loadErrors(unknown).first?.hasPrefix("t.yaml:7: unknown field `bais` in `text_model`") ?? false, "\(loadErrors(unknown))")
        XCTAssertEqual(loadErrors(Self.modelYAML(category: "any")).count, 1)
    }
}
