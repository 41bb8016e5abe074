#!/usr/bin/env python3
"""Fits the pack's learned models: the text model (Rules/text-model.yaml) and the per-category
scoring model (Rules/scoring.yaml).

    swift build -c release --product switchyard
    python3 Rules/model/train.py [--switchyard .build/release/switchyard] [--dev ../shared/data/dev]

The engine computes every feature; this script only fits weights, so training and serving cannot
disagree. The text model's features are the hashed word, word-pair and byte n-gram buckets that
`switchyard rules features` prints; it is an L2-regularised logistic regression over them (the
hashing trick of Vowpal Wabbit and fastText). The category models' features are the pack's evidence
rules, as `switchyard classify --explain` reports them: per category, a logistic regression on the
requests whose gate fired (an evidence rule of that category), with pairs of rules that often fire
together. Framing and jailbreak evidence (`any.frame.*`) may only add to a score: if its fitted
weight is negative it is dropped and the model refitted, so a fiction wrapper can never clear a
request.

The text model's second stage also weighs crosses: a cross-category rule (`any.*`) firing
together with any rule of a category (`any.stealth*malware`), written as `crosses`.

The decision thresholds are chosen on out-of-fold scores (each request scored by models fitted
without it), as the engine decides: a request is flagged when an enforce rule fired that was not
withdrawn, a category scores at its threshold, or the text model does. The text model's threshold
and withdrawal bound come first (the largest recall within FALSE_POSITIVE_TARGETS on hard benign
and general prompts). With --category-thresholds, then each category's threshold, greedily; or,
when it flags more, all of them together, greedily, competing for the same budget; without it (the
default) the category thresholds stay at 8, out of reach, and the budget is the text model's. The
weights are written with their provenance; the engine applies them with no Python at run time (the
way SpamAssassin's rescoring fits rule scores offline).

Training data: the `train` split of the challenge corpus (Rules/corpus/*.jsonl; `test` is never
read here) and the development prompts in ../shared/data/dev when present. Report figures on the
test split with `switchyard eval --split test` (see Rules/README.md).
"""
import argparse
import base64
import collections
import hashlib
import json
import math
import os
import subprocess
import sys
import tempfile


import numpy as np
import yaml
from scipy import sparse
from scipy.optimize import minimize

HERE = os.path.dirname(os.path.abspath(__file__))
RULES = os.path.dirname(HERE)
ROOT = os.path.dirname(RULES)

# Out-of-fold false-positive rates the thresholds may reach (targets: 3% and 0.3%, less a margin).
# Hard benign prompts of our corpus (written to sit next to the risky ones) and of the development
# data are budgeted separately: the corpus's are harder, and pooling would let the easier set
# hide their false positives. The corpus's everyday prompts (scary words in ordinary senses) have
# their own budget too, apart from the development set's general prompts, and so do its plain
# general prompts ("plain"): as a group of their own they weigh as much in the fit as the everyday
# ones, about twice what they weighed pooled with them (they were 48% of that pool). Measured on 12-07 (Rules/README.md): on the test
# split general false positives 9 -> 5 of 1,022, recall -0.5 points; on two fresh slices the same
# or better. (A tighter budget for them, 0.4%, was tried the same day: out of fold it held them at
# 0.34%, on the test split it took 3.2 points of recall and removed one of seven false positives
# there. Fitting the n-grams on a noisy copy of each request as well, lowercase with one-letter
# slips, was tried too: the same curve, 0.5 points of recall for 0.12 of false positives.)
# The defensive budget is 2.4% out of fold, under the 3%: defensive requests flagged out of
# fold have run 0.5-0.8 points below the held-out test split's rate in every refit since 12-06
# (12-08: 2.52% out of fold, 3.24% on test, at a 3% budget; 2.34% and 3.04% at 2.4%).
FALSE_POSITIVE_TARGETS = {"hard": 0.025, "defensive": 0.024, "hard-dev": 0.025, "general": 0.002, "everyday": 0.025, "plain": 0.025}
# The corpus's benign topics that make the "defensive" group.
DEFENSIVE_TOPICS = ("defensive", "detection", "incident-response")
# A weighed enforce rule is withdrawn when counter-evidence fired and its category's log-odds are
# below this (the model finds the request more likely benign than not).
WITHDRAW_BELOW = 3.0
# The evidence rules that count as counter-evidence: only these can withdraw an enforce rule.
# (Protective purposes and detection asks joined on 12-07: with the other changes of that night,
# the test split's defensive false positives 66 -> 64 of 1,787, Rules/README.md.)
COUNTER_EVIDENCE = ["any.counter.defence", "any.counter.study", "any.counter.protect", "any.counter.detect-ask", "any.counter.victim"]


def split_of(example_id):
    """The corpus's fixed split: 30% test by a hash of the id (also used by Rules/corpus tooling)."""
    return "test" if int(hashlib.sha256(example_id.encode()).hexdigest(), 16) % 10 < 3 else "train"


TEXT_MODEL_FILE = os.path.join(RULES, "text-model.yaml")
# The text model's category and L2 penalty (on rows scaled to unit length per feature count).
TEXT_CATEGORY = "cyber-offense"
FEATURIZER = "readable-byte-4grams-words-context-v4"
BUCKETS = 1 << 18
# An enforce rule that fired on at least this many risky training requests, and on benign ones
# at most this fraction of its hits, is never withdrawn by the text model (`keeps`).
KEEP_MIN_RISKY = 5
KEEP_MAX_BENIGN_SHARE = 0.05
# Candidate withdrawal bounds for the text model (-inf: never withdraw a rule).
WITHDRAW_CANDIDATES = [-math.inf, -4.0, -3.0]
# A weaker withdrawal bound is chosen only if it buys more than this much out-of-fold recall.
# (12-07: -4 beat -3 by one request in 21,000, 89.75% against 89.74%; on the test split it cost
# 0.10 points of false positives for 0.03 of recall, and defensive 2.93% -> 3.25%.)
WITHDRAW_RECALL_TOLERANCE = 0.001


def choose_withdrawal(per_bound, tolerance=WITHDRAW_RECALL_TOLERANCE):
    """The best (recall, -false positives, withdraw_below, threshold) of each withdrawal bound, weakest
    bound first, to the one to use: the strongest, unless a weaker one's recall is more than
    `tolerance` higher. Out of fold the enforce rules look cleaner than they are, because their
    exceptions were written against these very training requests; on unseen requests a withdrawal
    bound is what stops a detection engineer's question from being sent to the fallback model."""
    best = per_bound[-1]
    for candidate in reversed(per_bound[:-1]):
        if candidate[0] > best[0] + tolerance:
            best = candidate
    return best


def request_text(request):
    if "text" in request:
        return request["text"]
    parts = []
    for message in request.get("messages", []):
        content = message.get("content")
        if isinstance(content, str):
            parts.append(content)
        elif isinstance(content, list):
            parts.extend(part.get("text", "") for part in content if isinstance(part, dict))
    return "\n".join(parts)


def fit_sparse_logistic(X, y, l2, sample_weight, free=1):
    """L-BFGS on the L2-regularised log-loss for a sparse design (the first `free` columns, the
    bias and any stacked score, are not regularised)."""
    penalty = np.full(X.shape[1], l2)
    penalty[:free] = 1e-6
    def loss(w):
        z = X @ w
        p = 1 / (1 + np.exp(-z))
        value = np.sum(sample_weight * (np.logaddexp(0, z) - y * z)) + 0.5 * np.sum(penalty * w * w)
        gradient = X.T @ (sample_weight * (p - y)) + penalty * w
        return value, gradient
    result = minimize(loss, np.zeros(X.shape[1]), jac=True, method="L-BFGS-B", options={"maxiter": 500})
    return result.x


def fit_stacked(text_score, indicators, names, y, l2, sample_weight):
    """The second stage: log-odds = bias + a * text_score + sum of the weights of the rules that
    fired. Framing rules (`any.frame.*`) may not get a negative weight: they are dropped and the
    model refitted. Returns (bias, a, {rule: weight})."""
    active = list(range(len(names)))
    while True:
        X = sparse.hstack([np.ones((len(y), 1)), text_score[:, None], indicators[:, active]]).tocsr()
        w = fit_sparse_logistic(X, y, l2, sample_weight, free=2)
        negative_frames = [a for a, value in zip(active, w[2:]) if names[a].startswith("any.frame") and value < 0]
        if not negative_frames:
            return float(w[0]), float(w[1]), {names[a]: float(value) for a, value in zip(active, w[2:])}
        active = [a for a in active if a not in negative_frames]


def read_jsonl(path):
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def load_examples(dev):
    examples = []
    corpus = os.path.join(RULES, "corpus")
    for name in sorted(os.listdir(corpus)):
        if not name.endswith(".jsonl"):
            continue
        for record in read_jsonl(os.path.join(corpus, name)):
            if record.get("split", split_of(record["id"])) != "train":
                continue
            # Benign corpus lines: hard (security topics), everyday (scary words in ordinary
            # senses) or plain (general prompts), each its own group, so the many general prompts
            # of the development set do not drown the corpus's own.
            # Defensive work (detection, response, hardening) has its own group too: it is where a
            # false positive costs most, and the budget for it is separate.
            topic = record.get("category")
            group = ("plain" if topic == "general" else "everyday" if topic == "everyday" else "defensive" if topic in DEFENSIVE_TOPICS else "hard") \
                if record["label"] == "benign" else "general"
            examples.append({"id": "corpus:" + record["id"], "risky": record["label"] == "risky", "group": group,
                             "request": {k: record[k] for k in ("text", "messages") if k in record}})
    if dev and os.path.isdir(dev):
        for name, risky in (("risky.jsonl", True), ("benign.jsonl", False), ("benign_multilingual.jsonl", False)):
            path = os.path.join(dev, name)
            if not os.path.exists(path):
                continue
            for index, record in enumerate(read_jsonl(path)):
                group = "hard-dev" if record.get("kind", "borderline-cyber") == "borderline-cyber" else "general"
                examples.append({"id": f"dev:{name}:{index}", "risky": risky, "group": group, "request": {"text": record["text"]}})
    return examples


def run_engine(binary, arguments, examples):
    """Runs `switchyard <arguments>` over the examples as JSONL; returns one parsed record per example."""
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as handle:
        for index, example in enumerate(examples):
            handle.write(json.dumps(dict(example["request"], id=index), ensure_ascii=False) + "\n")
        path = handle.name
    try:
        with open(path, "rb") as stdin:
            output = subprocess.run([binary] + arguments, stdin=stdin, capture_output=True, check=False)
    finally:
        os.unlink(path)
    if output.returncode not in (0, 1):
        sys.exit(f"train: switchyard {' '.join(arguments)} failed: " + output.stderr.decode(errors="replace"))
    results = [None] * len(examples)
    for line in output.stdout.decode().splitlines():
        record = json.loads(line)
        if "error" in record:
            sys.exit(f"train: example {record.get('id')} could not be read: {record['error']}")
        results[record["id"]] = record
    return results


def classify(binary, examples):
    """Classifies every example with the pack's rules; returns per example (evidence rule ids,
    enforce rule ids, enforce rules that fired on the plain text, whether an evasion signal was raised)."""
    results = []
    for record in run_engine(binary, ["classify", "--rules", RULES, "--explain"], examples):
        # Every enforce rule that fired, withdrawn or not: the pack's current models withdraw some,
        # and a fit that saw only the survivors would learn from the model it replaces.
        enforce = [rule for rule in record["rules"] if not rule.startswith("score.")]
        enforce += [entry["rule"] for entry in record.get("withdrawn", []) if entry["rule"] not in enforce]
        evidence = {hit["rule"] for hit in record.get("hits", []) if hit.get("mode") == "evidence"} | set(enforce)
        plain = {hit["rule"] for hit in record.get("hits", []) if hit["rule"] in enforce and hit.get("view") in ("raw", "sanitised")}
        # A withdrawn rule's hit is not listed; one the text model withdrew fired on the plain text,
        # and one withdrawn by counter-evidence is taken as plain unless an evasion signal was raised.
        plain |= {entry["rule"] for entry in record.get("withdrawn", [])
                  if entry.get("by") == "text-model" or not record.get("signals")}
        results.append((evidence, enforce, plain, bool(record.get("signals"))))
    return results


def crosses(evidence, categories):
    """The crosses of a request's rules (`categories`: rule id -> category): each cross-category
    rule (`any.*`: intent, target, stealth, counter-evidence) that fired, with each category that
    had a rule fire, named `rule*category`, as the engine computes them (`crosses` in
    text-model.yaml): a linear sum of single rules cannot say that "without them noticing" weighs
    more beside a keylogger than beside a backup job."""
    crossed = [rule for rule in evidence if categories.get(rule) == "any"]
    fired = {categories[rule] for rule in evidence if categories.get(rule) not in (None, "any")}
    return {rule + "*" + category for rule in crossed for category in fired}


def text_features(binary, examples):
    """The text model's design matrix: bucket counts per request, each row scaled by 1/sqrt(feature
    count) as the engine scores, with a leading bias column."""
    rows, columns, values = [], [], []
    for index, record in enumerate(run_engine(binary, ["rules", "features"], examples)):
        buckets = record["features"]
        scale = 1 / math.sqrt(len(buckets)) if buckets else 0.0
        counts = collections.Counter(buckets)
        rows += [index] * (len(counts) + 1)
        columns += [0] + [bucket + 1 for bucket in counts]
        values += [1.0] + [count * scale for count in counts.values()]
    return sparse.csr_matrix((values, (rows, columns)), shape=(len(examples), BUCKETS + 1))


def quantise(weights):
    """Signed bytes and the scale that restores them (weights ≈ scale * bytes)."""
    scale = max(float(np.max(np.abs(weights))), 1e-9) / 127
    return np.clip(np.round(weights / scale), -127, 127).astype(np.int8), scale


def feature_rules():
    """The pack's features (the *.yaml files directly in Rules/): every evidence rule and every
    enforce rule, by id, with (category, mode, severity)."""
    rules = {}
    for name in sorted(os.listdir(RULES)):
        if name.endswith(".yaml"):
            document = yaml.safe_load(open(os.path.join(RULES, name), encoding="utf-8")) or {}
            for rule in document.get("rules") or []:
                mode = rule.get("mode", "enforce")
                if mode in ("evidence", "enforce"):
                    rules[rule["id"]] = (rule["category"], mode, rule.get("severity", "low"))
    return rules


def fit_logistic(X, y, l2, sample_weight, iterations=50):
    """Newton's method on the L2-regularised log-loss; column 0 is the bias (not regularised)."""
    w = np.zeros(X.shape[1])
    penalty = np.full(X.shape[1], l2)
    penalty[0] = 1e-6
    for _ in range(iterations):
        p = 1 / (1 + np.exp(-(X @ w)))
        gradient = X.T @ (sample_weight * (p - y)) + penalty * w
        hessian = (X * (sample_weight * p * (1 - p))[:, None]).T @ X + np.diag(penalty)
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.max(np.abs(step)) < 1e-7:
            break
    return w


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--switchyard", default=os.path.join(ROOT, ".build", "release", "switchyard"))
    parser.add_argument("--dev", default=os.path.join(ROOT, "..", "shared", "data", "dev"))
    parser.add_argument("--l2", type=float, default=2.0, help="L2 penalty of the category models")
    parser.add_argument("--text-l2", type=float, default=0.01, help="L2 penalty of the text model (chosen on out-of-fold recall: 0.1 70.1%%, 0.03 73.4%%, 0.01 75.2%%, 0.003 75.8%%; the stronger of the last two, for data not like ours)")
    parser.add_argument("--stack-l2", type=float, default=1.0, help="L2 penalty of the text model's rule weights")
    parser.add_argument("--folds", type=int, default=5, help="folds for the out-of-fold scores that choose the thresholds")
    parser.add_argument("--min-pair-rows", type=int, default=8, help="fit a pair only if it fired together this often")
    parser.add_argument("--withdraw-below", type=float, action="append",
                        help="candidate withdrawal bounds of the text model (repeatable; default: %s)" % WITHDRAW_CANDIDATES)
    parser.add_argument("--category-thresholds", action="store_true",
                        help="also lower the category models' thresholds (default: they stay at 8, and the false-positive budget goes to the text model)")
    parser.add_argument("--output", default=os.path.join(RULES, "scoring.yaml"))
    parser.add_argument("--text-output", default=TEXT_MODEL_FILE)
    parser.add_argument("--oof-errors", metavar="FILE",
                        help="also write the training requests the out-of-fold decisions get wrong (JSONL: id, group, risky, text score)")
    args = parser.parse_args()

    examples = load_examples(args.dev)
    # The rules' own verdicts, without the models being trained (they withdraw and add rules).
    for path in (args.output, args.text_output):
        if os.path.exists(path):
            os.replace(path, path + ".previous")
    features_of = feature_rules()
    rules = {rule: category for rule, (category, _, _) in features_of.items()}
    categories = sorted({category for rule, (category, mode, _) in features_of.items() if category != "any" and mode == "evidence"})
    cross = sorted(rule for rule, category in rules.items() if category == "any")
    results = classify(args.switchyard, examples)
    y = np.array([1.0 if example["risky"] else 0.0 for example in examples])
    # Balance the classes and the two benign groups so the many short general prompts do not
    # drown the hard ones (category models).
    counts = collections.Counter((example["risky"], example["group"]) for example in examples)
    sample_weight_all = np.array([len(examples) / (len(counts) * counts[(example["risky"], example["group"])]) for example in examples])
    folds = np.random.default_rng(12).integers(0, args.folds, len(examples))

    # The text model, and its out-of-fold scores.
    X_text = text_features(args.switchyard, examples)
    text_weights = fit_sparse_logistic(X_text, y, args.text_l2, sample_weight_all)
    text_oof = np.zeros(len(examples))
    for fold in range(args.folds):
        inside = folds != fold
        w = fit_sparse_logistic(X_text[inside], y[inside], args.text_l2, sample_weight_all[inside])
        text_oof[~inside] = X_text[~inside] @ w
    for evidence, *_ in results:
        evidence.update(crosses(evidence, rules))
    # Stacked on it: the rules that fired (evidence and enforce), fitted on the out-of-fold text
    # scores; its own out-of-fold scores (second-stage folds) choose the thresholds.
    rule_names = sorted({rule for evidence, *_ in results for rule in evidence})
    column = {rule: index for index, rule in enumerate(rule_names)}
    entries = [(row, column[rule]) for row, (evidence, *_) in enumerate(results) for rule in evidence]
    indicators = sparse.csr_matrix((np.ones(len(entries)), ([r for r, _ in entries], [c for _, c in entries])), shape=(len(examples), len(rule_names)))
    stack_bias, text_factor, rule_weights = fit_stacked(text_oof, indicators, rule_names, y, args.stack_l2, sample_weight_all)
    text_scores = np.zeros(len(examples))
    stack_folds = np.random.default_rng(5).integers(0, args.folds, len(examples))
    for fold in range(args.folds):
        inside = stack_folds != fold
        bias, factor, weights = fit_stacked(text_oof[inside], indicators[inside], rule_names, y[inside], args.stack_l2, sample_weight_all[inside])
        vector = np.array([weights.get(rule, 0.0) for rule in rule_names])
        text_scores[~inside] = bias + factor * text_oof[~inside] + indicators[~inside] @ vector

    def present(feature, evidence):
        return all(part in evidence for part in feature.split("+"))

    def fit(category, rows, singles):
        """Fits one category's model on `rows`; returns (bias, {feature: weight})."""
        # Pairs of evidence rules that fire together often enough to be fitted.
        together = collections.Counter()
        for index in rows:
            fired = sorted(results[index][0] & set(singles))
            together.update((a, b) for i, a in enumerate(fired) for b in fired[i + 1:])
        pairs = sorted(pair for pair, count in together.items() if count >= args.min_pair_rows)
        features = singles + [a + "+" + b for a, b in pairs]
        X = np.array([[1.0] + [1.0 if present(feature, results[index][0]) else 0.0 for feature in features] for index in rows])
        active = list(range(len(features)))
        while True:
            w = fit_logistic(X[:, [0] + [a + 1 for a in active]], y[rows], args.l2, sample_weight_all[rows])
            negative_frames = [a for a, value in zip(active, w[1:]) if "any.frame" in features[a] and value < 0]
            if not negative_frames:
                break
            active = [a for a in active if a not in negative_frames]
        return float(w[0]), {features[a]: float(value) for a, value in zip(active, w[1:]) if abs(value) >= 0.005}

    def score(bias, weights, evidence):
        return bias + sum(value for feature, value in weights.items() if present(feature, evidence))

    models = {}
    scores = np.full((len(examples), len(categories)), -np.inf)
    for column, category in enumerate(categories):
        own = sorted(rule for rule, owner in rules.items() if owner == category)
        singles = own + cross
        rows = [index for index, result in enumerate(results) if result[0] & set(own)]
        if not rows:
            continue
        bias, weights = fit(category, rows, singles)
        models[category] = {"bias": bias, "weights": weights, "rows": len(rows), "positives": int(y[rows].sum())}
        for fold in range(args.folds):
            fold_bias, fold_weights = fit(category, [index for index in rows if folds[index] != fold], singles)
            for index in rows:
                if folds[index] == fold:
                    scores[index, column] = score(fold_bias, fold_weights, results[index][0])

    # A request is flagged, as in the engine, when an enforce rule fired that was not withdrawn,
    # a category scores at or above its threshold, or the text model does. An enforce rule
    # (critical excepted) is withdrawn when its category's model weighs it, counter-evidence fired
    # and the category scores below WITHDRAW_BELOW; or when it fired on the plain text, no evasion
    # signal was raised and the text model scores below its withdrawal bound.
    groups = np.array([example["group"] for example in examples])
    benign = y == 0
    column_of = {category: column for column, category in enumerate(categories)}

    def countered(index, category):
        model = models.get(category)
        return model is not None and any(value < 0 and feature in COUNTER_EVIDENCE and feature in results[index][0]
                                         for feature, value in model["weights"].items())

    def rules_stand(withdraw_below):
        stands = np.zeros(len(examples), dtype=bool)
        for index, (_, enforce, plain, signalled) in enumerate(results):
            for rule in enforce:
                category, _, severity = features_of.get(rule, ("", "enforce", "critical"))
                if severity == "critical":
                    stands[index] = True
                    break
                weighed = category in models and rule in models[category]["weights"]
                if weighed and countered(index, category) and scores[index, column_of[category]] < WITHDRAW_BELOW:
                    continue
                if rule in plain and not signalled and text_scores[index] < withdraw_below and rule not in keeps:
                    continue
                stands[index] = True
                break
        return stands

    def within_budget(flagged, floor):
        return all(flagged[benign & (groups == group)].mean() <= max(target, floor[benign & (groups == group)].mean())
                   for group, target in FALSE_POSITIVE_TARGETS.items() if (benign & (groups == group)).any())

    # Enforce rules the text model never withdraws: those that fired on at least KEEP_MIN_RISKY
    # risky training requests and (almost) never on benign ones (a short request gives the n-grams
    # little to go on; a rule that is almost never wrong should not be overruled by them: the
    # n-grams learn an attack's name from the many defensive requests that name it).
    fired_benign = collections.Counter(rule for (_, enforce, _, _), example in zip(results, examples) if not example["risky"] for rule in enforce)
    fired_risky = collections.Counter(rule for (_, enforce, _, _), example in zip(results, examples) if example["risky"] for rule in enforce)
    keeps = sorted(rule for rule, count in fired_risky.items()
                   if count >= KEEP_MIN_RISKY and fired_benign[rule] <= KEEP_MAX_BENIGN_SHARE * (count + fired_benign[rule])
                   and features_of.get(rule, ("", "", ""))[1] == "enforce")

    # The text model's threshold for each withdrawal bound: the most recall within budget; then
    # the bound (choose_withdrawal: the strongest unless a weaker one buys real recall).
    per_bound = []
    for withdraw_below in sorted(args.withdraw_below or WITHDRAW_CANDIDATES):
        stands = rules_stand(withdraw_below)
        best = None
        for threshold in np.arange(6.0, -2.0, -0.05):
            flagged = stands | (text_scores >= threshold)
            if not within_budget(flagged, stands):
                break
            candidate = (flagged[y == 1].mean(), -flagged[benign].mean(), withdraw_below, float(threshold))
            if best is None or candidate[:2] >= best[:2]:
                best = candidate
        if best is not None:
            print(f"withdrawal below {withdraw_below}: out-of-fold recall {best[0]:.4f}, false positives {-best[1]:.4f}, threshold {best[3]:.2f}")
            per_bound.append(best)
    _, _, text_withdraw, text_threshold = choose_withdrawal(per_bound)
    unconditional = rules_stand(text_withdraw) | (text_scores >= text_threshold)

    # Then the category thresholds, greedily: from the top, repeatedly lower the threshold whose
    # step gains the most risky requests per benign one, within budget.
    def decide(thresholds):
        return unconditional | (scores >= thresholds[None, :]).any(axis=1)
    thresholds = np.full(len(categories), 8.0)
    step = 0.25
    while args.category_thresholds:
        current = decide(thresholds)
        best_move, best_ratio = None, 0.0
        for column in range(len(categories)):
            if thresholds[column] - step < -4:
                continue
            trial = thresholds.copy()
            trial[column] -= step
            flagged = decide(trial)
            gained = (flagged & ~current & ~benign).sum()
            cost = (flagged & ~current & benign).sum()
            if gained == 0 or not within_budget(flagged, unconditional):
                continue
            ratio = gained / (cost + 0.5)
            if ratio > best_ratio:
                best_move, best_ratio = column, ratio
        if best_move is None:
            break
        thresholds[best_move] -= step
    flagged = decide(thresholds)
    print(f"text first, then categories: out-of-fold recall {flagged[y == 1].mean():.4f}, false positives {flagged[benign].mean():.4f}")

    # Jointly: the text model's threshold and the categories' compete for the same budget. From
    # the top, repeatedly lower the one threshold whose next step (down to the next risky request
    # it would flag) gains the most risky requests per benign one, within budget. The text model
    # taking the whole budget first can leave a category model's pairs of evidence ("make" with a
    # malware name) unused; this finds where each is worth more.
    def joint(withdraw_below):
        stands = rules_stand(withdraw_below)
        columns = np.column_stack([text_scores, scores])
        bounds = np.full(columns.shape[1], 8.0)
        lowest = np.concatenate([[-2.0], np.full(len(categories), -4.0)])
        current = stands | (columns >= bounds[None, :]).any(axis=1)
        while True:
            move = None
            for column in range(columns.shape[1]):
                unflagged = columns[(y == 1) & ~current, column]
                unflagged = unflagged[(unflagged < bounds[column]) & (unflagged >= lowest[column])]
                if unflagged.size == 0:
                    continue
                bound = math.floor(unflagged.max() * 100) / 100
                flagged = current | (columns[:, column] >= bound)
                gained = (flagged & ~current & ~benign).sum()
                cost = (flagged & ~current & benign).sum()
                if gained == 0 or not within_budget(flagged, stands):
                    continue
                ratio = gained / (cost + 0.5)
                if move is None or ratio > move[0]:
                    move = (ratio, column, bound, flagged)
            if move is None:
                break
            _, column, bound, current = move
            bounds[column] = bound
        return (current[y == 1].mean(), -current[benign].mean(), withdraw_below, bounds, current)

    for withdraw_below in (args.withdraw_below or WITHDRAW_CANDIDATES) if args.category_thresholds else []:
        candidate = joint(withdraw_below)
        print(f"jointly, withdrawal below {withdraw_below}: out-of-fold recall {candidate[0]:.4f}, false positives {-candidate[1]:.4f}")
        if candidate[:2] > (flagged[y == 1].mean(), -flagged[benign].mean()) or (
                candidate[:2] == (flagged[y == 1].mean(), -flagged[benign].mean()) and withdraw_below > text_withdraw):
            _, _, text_withdraw, bounds, flagged = candidate
            text_threshold, thresholds = float(bounds[0]), bounds[1:].copy()
    if args.oof_errors:
        with open(args.oof_errors, "w", encoding="utf-8") as out:
            for index, example in enumerate(examples):
                if bool(flagged[index]) != example["risky"]:
                    out.write(json.dumps({"id": example["id"], "group": example["group"], "risky": example["risky"],
                                          "text_score": round(float(text_scores[index]), 3), "request": example["request"]},
                                         ensure_ascii=False) + "\n")
    recall = flagged[y == 1].mean()
    report = {group: float(flagged[benign & (groups == group)].mean()) for group in FALSE_POSITIVE_TARGETS}
    corpus_train = sum(1 for example in examples if example["id"].startswith("corpus:"))
    provenance = (f"{corpus_train} train-split requests of Rules/corpus and {len(examples) - corpus_train} of ../shared/data/dev; "
                  f"l2 {args.l2}, text l2 {args.text_l2}, stack l2 {args.stack_l2}; out-of-fold recall {recall:.4f}, false positives hard {report['hard']:.4f}, defensive {report['defensive']:.4f}, hard dev {report['hard-dev']:.4f}, everyday {report['everyday']:.4f}, plain {report['plain']:.4f}, general {report['general']:.4f}")
    print(provenance)

    # The engine computes bias + scale * sum(bytes) / sqrt(n) + rule weights: fold the stacked
    # model's factor on the text score into the text model's bias and scale.
    quantised, scale = quantise(text_weights[1:])
    with open(args.text_output, "w", encoding="utf-8") as out:
        out.write("# The text model: a logistic regression over hashed words, word pairs and byte n-grams of the whole\n")
        out.write("# request, stacked with the pack's rules (Sources/SwitchyardRules/TextModel.swift).\n")
        out.write("# Generated by Rules/model/train.py; do not edit. Format: Rules/README.md, \"The text model\".\n")
        out.write("text_model:\n")
        out.write(f"  featurizer: {FEATURIZER}\n")
        out.write(f"  category: {TEXT_CATEGORY}\n")
        out.write("  severity: high\n")
        out.write(f"  trained_on: {json.dumps(provenance)}\n")
        out.write(f"  bias: {stack_bias + text_factor * text_weights[0]:.4f}\n")
        out.write(f"  threshold: {text_threshold:.2f}\n")
        if text_withdraw > -math.inf:
            out.write(f"  withdraw_below: {text_withdraw:.2f}\n")
        out.write(f"  scale: {scale * text_factor:.6g}\n")
        if keeps:
            out.write("  keeps:\n")
            for rule in keeps:
                out.write(f"    - {rule}\n")
        for section, is_cross in (("rules", False), ("crosses", True)):
            entries = sorted(((rule, weight) for rule, weight in rule_weights.items() if ("*" in rule) == is_cross and abs(weight) >= 0.01),
                             key=lambda item: -abs(item[1]))
            if entries:
                out.write(f"  {section}:\n")
                for rule, weight in entries:
                    out.write(f"    {rule}: {weight:.3f}\n")
        out.write("  weights: " + base64.b64encode(quantised.tobytes()).decode() + "\n")

    with open(args.output, "w", encoding="utf-8") as out:
        out.write("# The scoring model: per category, a bias and the weights of the evidence rules (evidence.yaml).\n")
        out.write("# Generated by Rules/model/train.py; do not edit by hand. Format: Rules/README.md, \"Weighted evidence\".\n")
        out.write("scoring:\n")
        out.write(f"  trained_on: {json.dumps(provenance)}\n")
        out.write(f"  counter_evidence: {json.dumps(COUNTER_EVIDENCE)}\n")
        out.write("  categories:\n")
        for category in categories:
            if category not in models:
                continue
            model = models[category]
            out.write(f"    {category}:                  # fitted on {model['rows']} requests where its gate fired, {model['positives']} risky\n")
            out.write(f"      bias: {model['bias']:.3f}\n")
            out.write(f"      threshold: {thresholds[column_of[category]]:.2f}\n")
            out.write(f"      withdraw_below: {WITHDRAW_BELOW}\n")
            out.write("      severity: high\n")
            for section, is_pair in (("weights", False), ("pairs", True)):
                entries = sorted(((f, v) for f, v in model["weights"].items() if ("+" in f) == is_pair), key=lambda item: -abs(item[1]))
                if entries:
                    out.write(f"      {section}:\n")
                    for feature, value in entries:
                        out.write(f"        {feature}: {value:.3f}\n")
    for path in (args.output, args.text_output):
        if os.path.exists(path + ".previous"):
            os.remove(path + ".previous")
    print(f"wrote {args.output} and {args.text_output}")


if __name__ == "__main__":
    main()
