#!/usr/bin/env python3
"""Fits the scoring model's weights (Rules/scoring.yaml) on labelled requests.

    swift build -c release --product switchyard
    python3 Rules/model/train.py [--switchyard .build/release/switchyard] [--dev ../shared/data/dev]

The pack's evidence rules are the features. The script classifies every training request with the
engine itself (`switchyard classify --explain`, which lists the evidence rules that fired), so the
features it fits are exactly the ones the engine computes at line rate. Then, per category, it fits
an L2-regularised logistic regression on the requests whose gate fired (an evidence rule of that
category): label 1 for risky, 0 for benign. Framing and jailbreak evidence (`any.frame.*`) may only
add to a score: if its fitted weight is negative it is dropped and the model refitted, so a fiction
wrapper can never clear a request. One threshold for all categories is then chosen on the training
data: the lowest score at which the scores add at most the budgets below to the false-positive rates
of the enforce rules alone (hard benign and general prompts). The weights are written with their provenance; the
engine applies them with no Python at run time (the way SpamAssassin's rescoring fits rule scores
offline).

Training data: the `train` split of the challenge corpus (Rules/corpus/*.jsonl; `test` is never
read here) and the development prompts in ../shared/data/dev when present. Report figures on the
test split with `switchyard eval --split test` (see Rules/README.md).
"""
import argparse
import collections
import hashlib
import json
import math
import os
import subprocess
import sys
import tempfile

import re
import unicodedata

import numpy as np
import yaml
from scipy import sparse
from scipy.optimize import minimize

HERE = os.path.dirname(os.path.abspath(__file__))
RULES = os.path.dirname(HERE)
ROOT = os.path.dirname(RULES)

# Out-of-fold false-positive rates the thresholds may reach (targets: 3% and 0.3%, less a margin).
FALSE_POSITIVE_TARGETS = {"hard": 0.025, "general": 0.002}
# A weighed enforce rule is withdrawn when counter-evidence fired and its category's log-odds are
# below this (the model finds the request more likely benign than not).
WITHDRAW_BELOW = 3.0
# The evidence rules that count as counter-evidence: only these can withdraw an enforce rule.
COUNTER_EVIDENCE = ["any.counter.defence", "any.counter.study"]


def split_of(example_id):
    """The corpus's fixed split: 30% test by a hash of the id (also used by Rules/corpus tooling)."""
    return "test" if int(hashlib.sha256(example_id.encode()).hexdigest(), 16) % 10 < 3 else "train"


WORD_CATEGORY = "cyber-offense"
WORDS_FILE = os.path.join(RULES, "evidence-words.yaml")
TOKEN = re.compile(r"[^\W\d_][\w'-]+", re.UNICODE)


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


CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]+")


def tokens(text):
    """The request's candidate terms, in keyword syntax: words of three or more letters, pairs of
    words separated by one space ("my ex"), and pairs of Chinese or Japanese characters, which
    match inside a run (`*勒索*`): those scripts have no spaces."""
    text = unicodedata.normalize("NFKC", text).lower()
    terms = set()
    previous = None
    for match in TOKEN.finditer(text):
        token = match.group().strip("'-")
        if CJK.search(token) or len(token) < 2:
            previous = None
            continue
        if len(token) >= 3:
            terms.add(token)
        if previous is not None and text[previous.end():match.start()] == " ":
            terms.add(previous.group().strip("'-") + " " + token)
        previous = match
    for run in CJK.findall(text):
        terms.update("*" + run[i:i + 2] + "*" for i in range(len(run) - 1))
    return terms


def mine_words(examples, count, min_docs, max_share=1.0):
    """The words of the training requests that best separate risky from benign (smoothed log-odds
    of appearing in a request, among words seen in at least `min_docs` requests)."""
    risky, benign = collections.Counter(), collections.Counter()
    n_risky = sum(1 for example in examples if example["risky"])
    n_benign = len(examples) - n_risky
    for example in examples:
        (risky if example["risky"] else benign).update(tokens(request_text(example["request"])))
    scored = []
    for word in set(risky) | set(benign):
        docs = risky[word] + benign[word]
        # Words in more than `max_share` of requests ("that", "write") hit on nearly every request
        # and slow the scan (on the shared corpus, 0.08 gives 21 MB/s instead of 18 MB/s at
        # 1.0, and 0.02 gives 25 MB/s with lower recall); the default keeps them.
        if docs < min_docs or docs > max_share * len(examples) or not re.search(r"[^\x00-\x7f]|[a-z]", word):
            continue
        p_risky = (risky[word] + 1) / (n_risky + 2)
        p_benign = (benign[word] + 1) / (n_benign + 2)
        log_odds = abs(math.log(p_risky / p_benign))
        if log_odds >= 0.25:  # a term as common on both sides tells nothing
            scored.append((log_odds * math.log(1 + docs), word))
    return sorted(word for _, word in sorted(scored, reverse=True)[:count])


def write_word_rules(words):
    """One evidence rule per mined word (category cyber-offense): its weight is fitted like any feature."""
    with open(WORDS_FILE, "w", encoding="utf-8") as out:
        out.write("# Mined vocabulary: one evidence rule per word, for the cyber-offense scoring model.\n")
        out.write("# Generated by Rules/model/train.py from the train split of Rules/corpus and ../shared/data/dev; do not edit.\n")
        out.write("rules:\n")
        out.write(f"  - id: {WORD_CATEGORY}.request\n    category: {WORD_CATEGORY}\n    mode: evidence\n")
        out.write("    description: The gate of the word model, any request form.\n    keywords: [$ev_intent, $intl_intent]\n")
        for word in words:
            if word.startswith("*"):
                rule = "cjk." + hashlib.sha256(word.encode()).hexdigest()[:10]
            elif " " in word:
                rule = "phrase." + (word.replace(" ", "_") if re.fullmatch(r"[a-z0-9_ -]+", word) else "x" + hashlib.sha256(word.encode()).hexdigest()[:10])
            else:
                rule = "word." + (word if re.fullmatch(r"[a-z0-9_-]+", word) else "x" + hashlib.sha256(word.encode()).hexdigest()[:10])
            out.write(f"  - id: {rule}\n    category: {WORD_CATEGORY}\n    mode: evidence\n")
            out.write(f"    description: {json.dumps('The word ' + word)}\n    keywords: [{json.dumps(word, ensure_ascii=False)}]\n")


def fit_sparse_logistic(X, y, l2, sample_weight):
    """L-BFGS on the L2-regularised log-loss for a sparse design (column 0 is the unregularised bias)."""
    penalty = np.full(X.shape[1], l2)
    penalty[0] = 1e-6
    def loss(w):
        z = X @ w
        p = 1 / (1 + np.exp(-z))
        value = np.sum(sample_weight * (np.logaddexp(0, z) - y * z)) + 0.5 * np.sum(penalty * w * w)
        gradient = X.T @ (sample_weight * (p - y)) + penalty * w
        return value, gradient
    result = minimize(loss, np.zeros(X.shape[1]), jac=True, method="L-BFGS-B", options={"maxiter": 500})
    return result.x


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
            group = "hard" if record["label"] == "benign" and record.get("category") not in ("general", "everyday") else "general"
            examples.append({"id": "corpus:" + record["id"], "risky": record["label"] == "risky", "group": group,
                             "request": {k: record[k] for k in ("text", "messages") if k in record}})
    if dev and os.path.isdir(dev):
        for name, risky in (("risky.jsonl", True), ("benign.jsonl", False), ("benign_multilingual.jsonl", False)):
            path = os.path.join(dev, name)
            if not os.path.exists(path):
                continue
            for index, record in enumerate(read_jsonl(path)):
                group = "hard" if record.get("kind", "borderline-cyber") == "borderline-cyber" else "general"
                examples.append({"id": f"dev:{name}:{index}", "risky": risky, "group": group, "request": {"text": record["text"]}})
    return examples


def classify(binary, examples):
    """Runs the engine once over every example; returns (evidence rule ids, enforce rule ids) per example."""
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as handle:
        for index, example in enumerate(examples):
            handle.write(json.dumps(dict(example["request"], id=index), ensure_ascii=False) + "\n")
        path = handle.name
    try:
        with open(path, "rb") as stdin:
            output = subprocess.run([binary, "classify", "--rules", RULES, "--explain"], stdin=stdin, capture_output=True, check=False)
    finally:
        os.unlink(path)
    if output.returncode not in (0, 1):
        sys.exit("train: switchyard classify failed: " + output.stderr.decode(errors="replace"))
    results = [None] * len(examples)
    for line in output.stdout.decode().splitlines():
        record = json.loads(line)
        if "error" in record:
            sys.exit(f"train: example {record.get('id')} could not be classified: {record['error']}")
        enforce = [rule for rule in record["rules"] if not rule.startswith("score.")]
        evidence = {hit["rule"] for hit in record.get("hits", []) if hit.get("mode") == "evidence"} | set(enforce)
        results[record["id"]] = (evidence, enforce)
    return results


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
    parser.add_argument("--word-l2", type=float, default=3.0, help="L2 penalty of the word model")
    parser.add_argument("--folds", type=int, default=5, help="folds for the out-of-fold scores that choose the thresholds")
    parser.add_argument("--words", type=int, default=6000, help="how many mined words become evidence rules")
    parser.add_argument("--min-word-docs", type=int, default=4, help="a mined word must occur in this many training requests")
    parser.add_argument("--max-word-share", type=float, default=1.0, help="leave out words found in more than this share of requests")
    parser.add_argument("--min-pair-rows", type=int, default=8, help="fit a pair only if it fired together this often")
    parser.add_argument("--output", default=os.path.join(RULES, "scoring.yaml"))
    args = parser.parse_args()

    examples = load_examples(args.dev)
    # The old weights may name words that the new vocabulary drops: classify without them.
    if os.path.exists(args.output):
        os.replace(args.output, args.output + ".previous")
    write_word_rules(mine_words(examples, args.words, args.min_word_docs, args.max_word_share))
    features_of = feature_rules()
    rules = {rule: category for rule, (category, _, _) in features_of.items()}
    categories = sorted({category for rule, (category, mode, _) in features_of.items() if category != "any" and mode == "evidence"})
    cross = sorted(rule for rule, category in rules.items() if category == "any")
    results = classify(args.switchyard, examples)
    y = np.array([1.0 if example["risky"] else 0.0 for example in examples])
    # Balance the classes and the two benign groups so the many short general prompts do not
    # drown the hard ones.
    counts = collections.Counter((example["risky"], example["group"]) for example in examples)
    sample_weight_all = np.array([len(examples) / (len(counts) * counts[(example["risky"], example["group"])]) for example in examples])

    def present(feature, evidence):
        return all(part in evidence for part in feature.split("+"))

    def fit(category, rows, singles):
        """Fits one category's model on `rows`; returns (bias, {feature: weight})."""
        if category == WORD_CATEGORY:
            # The word model: many sparse features, no pairs.
            position = {feature: offset + 1 for offset, feature in enumerate(singles)}
            entries = [(row, position[feature]) for row, index in enumerate(rows) for feature in results[index][0] if feature in position]
            X = sparse.csr_matrix((np.ones(len(entries) + len(rows)), ([r for r, _ in entries] + list(range(len(rows))), [c for _, c in entries] + [0] * len(rows))),
                                  shape=(len(rows), len(singles) + 1))
            w = fit_sparse_logistic(X, y[rows], args.word_l2, sample_weight_all[rows])
            return float(w[0]), {feature: float(w[position[feature]]) for feature in singles
                                 if abs(w[position[feature]]) >= 0.02 and not (feature.startswith("any.frame") and w[position[feature]] < 0)}
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

    # Scores for choosing thresholds are out of fold (each request scored by a model fitted
    # without it), so the thresholds see the false positives the model makes on unseen text.
    folds = np.random.default_rng(12).integers(0, args.folds, len(examples))
    models = {}
    scores = np.full((len(examples), len(categories)), -np.inf)
    for column, category in enumerate(categories):
        own = sorted(rule for rule, owner in rules.items() if owner == category)
        singles = own + cross
        rows = [index for index, (evidence, _) in enumerate(results) if evidence & set(own)]
        if not rows:
            continue
        bias, weights = fit(category, rows, singles)
        models[category] = {"bias": bias, "weights": weights, "rows": len(rows), "positives": int(y[rows].sum())}
        for fold in range(args.folds):
            fold_bias, fold_weights = fit(category, [index for index in rows if folds[index] != fold], singles)
            for index in rows:
                if folds[index] == fold:
                    scores[index, column] = score(fold_bias, fold_weights, results[index][0])

    # Thresholds, one per category: a request is flagged when a category scores at or above its
    # threshold, or an enforce rule fired that was not withdrawn (a weighed, non-critical rule is
    # withdrawn when counter-evidence fired and its category scores below WITHDRAW_BELOW), as in
    # the engine. Greedy search: from the top, repeatedly lower the threshold whose step
    # gains the most risky requests per benign one, while the out-of-fold false-positive rates stay
    # within FALSE_POSITIVE_TARGETS (or what the rules that cannot be withdrawn already cost).
    groups = np.array([example["group"] for example in examples])
    benign = y == 0
    column_of = {category: column for column, category in enumerate(categories)}
    enforced = np.array([bool(enforce) for _, enforce in results])
    def countered(index, category):
        model = models.get(category)
        return model is not None and any(value < 0 and feature in COUNTER_EVIDENCE and feature in results[index][0]
                                         for feature, value in model["weights"].items())
    unconditional = np.zeros(len(examples), dtype=bool)
    for index, (_, enforce) in enumerate(results):
        for rule in enforce:
            category, _, severity = features_of.get(rule, ("", "enforce", "critical"))
            weighed = category in models and rule in models[category]["weights"]
            withdrawn = (weighed and severity != "critical" and countered(index, category)
                         and scores[index, column_of[category]] < WITHDRAW_BELOW)
            if not withdrawn:
                unconditional[index] = True
                break
    def decide(thresholds):
        return unconditional | (scores >= thresholds[None, :]).any(axis=1)
    def within_budget(flagged):
        return all(flagged[benign & (groups == group)].mean() <= max(target, unconditional[benign & (groups == group)].mean())
                   for group, target in FALSE_POSITIVE_TARGETS.items() if (benign & (groups == group)).any())
    thresholds = np.full(len(categories), 8.0)
    step = 0.25
    while True:
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
            if gained == 0 or not within_budget(flagged):
                continue
            ratio = gained / (cost + 0.5)
            if ratio > best_ratio:
                best_move, best_ratio = column, ratio
        if best_move is None:
            break
        thresholds[best_move] -= step
    flagged = decide(thresholds)
    recall = flagged[y == 1].mean()
    report = {group: float(flagged[benign & (groups == group)].mean()) for group in FALSE_POSITIVE_TARGETS}
    corpus_train = sum(1 for example in examples if example["id"].startswith("corpus:"))
    provenance = (f"{corpus_train} train-split requests of Rules/corpus and {len(examples) - corpus_train} of ../shared/data/dev; "
                  f"l2 {args.l2}, word l2 {args.word_l2}; out-of-fold recall {recall:.4f}, false positives hard {report['hard']:.4f}, general {report['general']:.4f}")
    print(provenance)

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
    if os.path.exists(args.output + ".previous"):
        os.remove(args.output + ".previous")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
