#!/usr/bin/env python3
"""Tests of the training and lexicon scripts' own logic (run by `make test`)."""
import os
import sys
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import importlib.util


def load(name, file):
    spec = importlib.util.spec_from_file_location(name, os.path.join(os.path.dirname(os.path.abspath(__file__)), file))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


train = load("train", "train.py")
lexicons = load("lexicons", "generate-lexicons.py")


class TrainTests(unittest.TestCase):
    def test_logistic_fit_separates_and_weights_the_informative_feature(self):
        # Feature 1 decides the label; feature 2 is noise.
        rng = np.random.default_rng(7)
        informative = rng.integers(0, 2, 400)
        noise = rng.integers(0, 2, 400)
        X = np.column_stack([np.ones(400), informative, noise]).astype(float)
        y = informative.astype(float)
        w = train.fit_logistic(X, y, l2=0.1, sample_weight=np.ones(400))
        self.assertGreater(w[1], 3)
        self.assertLess(abs(w[2]), 0.5)
        sparse_w = train.fit_sparse_logistic(train.sparse.csr_matrix(X), y, 0.1, np.ones(400))
        self.assertAlmostEqual(sparse_w[1], w[1], delta=0.2)

    def test_crosses_pair_each_cross_category_rule_with_each_category_that_fired(self):
        categories = {"any.stealth": "any", "any.intent.request": "any", "malware.cap.name": "malware",
                      "malware.rat.build": "malware", "intrusion.cap.name": "intrusion"}
        self.assertEqual(train.crosses({"any.stealth", "malware.cap.name", "malware.rat.build", "intrusion.cap.name"}, categories),
                         {"any.stealth*malware", "any.stealth*intrusion"})
        self.assertEqual(train.crosses({"any.stealth", "any.intent.request"}, categories), set())
        self.assertEqual(train.crosses({"malware.cap.name", "score.cyber-offense"}, categories), set())

    def test_split_is_fixed_and_about_thirty_percent(self):
        ids = [f"x-{i}" for i in range(2000)]
        share = sum(train.split_of(i) == "test" for i in ids) / len(ids)
        self.assertAlmostEqual(share, 0.3, delta=0.03)
        self.assertEqual(train.split_of("ra-mal-0001"), train.split_of("ra-mal-0001"))

    def test_quantised_weights_restore_within_half_a_step(self):
        weights = np.array([0.0, 1.27, -0.635, 0.001, -1.27])
        quantised, scale = train.quantise(weights)
        self.assertEqual(quantised.dtype, np.int8)
        self.assertEqual(list(quantised[[0, 1, 4]]), [0, 127, -127])
        self.assertTrue(np.all(np.abs(quantised * scale - weights) <= scale / 2 + 1e-12))

    def test_a_weaker_withdrawal_must_buy_real_recall(self):
        inf = -float("inf")
        never, weak, strong = (0.8975, -0.013, inf, 0.2), (0.8975, -0.012, -4.0, 0.25), (0.8974, -0.011, -3.0, 0.25)
        # One request in ten thousand is not worth the weaker bound's false positives.
        self.assertEqual(train.choose_withdrawal([never, weak, strong])[2], -3.0)
        # Half a point is.
        self.assertEqual(train.choose_withdrawal([never, (0.9030, -0.012, -4.0, 0.25), strong])[2], -4.0)
        self.assertEqual(train.choose_withdrawal([(0.9100, -0.02, inf, 0.2), (0.9030, -0.012, -4.0, 0.25), strong])[2], inf)
        self.assertEqual(train.choose_withdrawal([strong])[2], -3.0)

    def test_withdrawal_candidates_never_withdraw_on_a_coin_toss(self):
        # The text model may overrule a written rule only when it is confident (log-odds at most -3).
        self.assertIn(-float("inf"), train.WITHDRAW_CANDIDATES)
        self.assertTrue(all(bound <= -3 for bound in train.WITHDRAW_CANDIDATES))

    def test_classify_counts_the_rules_the_current_models_withdrew(self):
        # The pack's models withdraw some enforce rules; the fit must still see them fire, or a
        # rule that hits many benign requests would look clean and be kept from withdrawal.
        records = [{"id": 0, "risky": False, "rules": [], "hits": [{"rule": "any.counter.defence", "mode": "evidence", "view": "raw"}],
                    "withdrawn": [{"rule": "malware.keylogger.build", "by": "counter-evidence"}]},
                   {"id": 1, "risky": True, "rules": ["malware.keylogger.build", "score.malware"],
                    "hits": [{"rule": "malware.keylogger.build", "view": "decoded"}], "signals": ["base64"]}]
        original = train.run_engine
        train.run_engine = lambda binary, arguments, examples: records
        try:
            results = train.classify("switchyard", [{}, {}])
        finally:
            train.run_engine = original
        evidence, enforce, plain, signalled = results[0]
        self.assertEqual(enforce, ["malware.keylogger.build"])
        self.assertIn("malware.keylogger.build", evidence)
        self.assertEqual(plain, {"malware.keylogger.build"})
        self.assertFalse(signalled)
        _, enforce, plain, signalled = results[1]
        self.assertEqual(enforce, ["malware.keylogger.build"])
        self.assertEqual(plain, set())
        self.assertTrue(signalled)

    def test_request_text_reads_every_turn(self):
        request = {"messages": [{"role": "system", "content": "a"}, {"role": "user", "content": [{"type": "text", "text": "b"}]}]}
        self.assertEqual(train.request_text(request), "a\nb")


class LexiconTests(unittest.TestCase):
    def test_one_edit_forms(self):
        forms = lexicons.one_edit_forms("keylogger")
        self.assertIn("kelogger", forms)      # dropped letter
        self.assertIn("kyelogger", forms)     # swapped neighbours
        self.assertIn("keyleogger", forms)    # inserted e
        self.assertNotIn("keylogger", forms)

    def test_usable_names_drop_short_and_common_ones(self):
        self.assertIsNone(lexicons.usable_name("Net", set()))
        self.assertIsNone(lexicons.usable_name("Avenger", {"avenger"}))
        self.assertEqual(lexicons.usable_name("TrickBot", set()), "trickbot")


if __name__ == "__main__":
    unittest.main()
