#!/usr/bin/env bash
# Generate evasion variants of prompts.jsonl / benign.jsonl, classify them with
# the switchyard binary, and print per-family catch and false-positive rates.
# Usage: ./run.sh            (SWITCHYARD=/path/to/switchyard to override)
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
SWITCHYARD="${SWITCHYARD:-$HERE/../../.build/release/switchyard}"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

python3 "$HERE/evade.py" "$HERE/prompts.jsonl" > "$TMP/risky.variants.jsonl"
python3 "$HERE/evade.py" "$HERE/benign.jsonl"  > "$TMP/benign.variants.jsonl"

# classifier input: {"id": "<id>|<family>", "text": ...}
python3 - "$TMP" <<'PY'
import json, sys
d = sys.argv[1]
with open(f"{d}/requests.jsonl", "w") as out:
    for name in ("risky", "benign"):
        for line in open(f"{d}/{name}.variants.jsonl"):
            r = json.loads(line)
            out.write(json.dumps({"id": f"{r['id']}|{r['family']}", "text": r["text"]}) + "\n")
PY

# exit status 1 only means some lines got error records; they are counted below
rc=0
"$SWITCHYARD" classify < "$TMP/requests.jsonl" > "$TMP/verdicts.jsonl" || rc=$?
if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ]; then
  echo "switchyard classify failed with exit status $rc" >&2; exit "$rc"
fi

python3 - "$TMP" <<'PY'
import json, sys
from collections import defaultdict
d = sys.argv[1]
flag, err, order = {}, defaultdict(int), []
for line in open(f"{d}/verdicts.jsonl"):
    v = json.loads(line)
    rid, fam = v["id"].rsplit("|", 1)
    if "error" in v:
        err[(rid[:2], fam)] += 1
    flag[(rid, fam)] = bool(v.get("risky", False))
for line in open(f"{d}/requests.jsonl"):
    rid, fam = json.loads(line)["id"].rsplit("|", 1)
    if (rid, fam) not in flag:      # no verdict line at all: count as error
        err[(rid[:2], fam)] += 1
        flag[(rid, fam)] = False
    if fam not in order:
        order.append(fam)
risky_ids = sorted({r for r, f in flag if r.startswith("eo-")})
benign_ids = sorted({r for r, f in flag if r.startswith("eb-")})
caught = [r for r in risky_ids if flag[(r, "plain")]]
fp0 = sum(flag[(b, "plain")] for b in benign_ids)
print(f"plain recall: {len(caught)}/{len(risky_ids)} = {len(caught)/len(risky_ids):.3f}")
print(f"plain FP rate: {fp0}/{len(benign_ids)} = {fp0/len(benign_ids):.3f}")
print()
w = max(len(f) for f in order)
print(f"{'family':<{w}}  {'caught / plain-caught':>21}  {'benign FP':>15}  errors(risky/benign)")
for fam in order:
    if fam == "plain":
        continue
    k = sum(flag[(r, fam)] for r in caught)
    fp = sum(flag[(b, fam)] for b in benign_ids)
    e = f"{err[('eo', fam)]}/{err[('eb', fam)]}"
    a = f"{k}/{len(caught)} = {k/len(caught):.3f}"
    b = f"{fp}/{len(benign_ids)} = {fp/len(benign_ids):.3f}"
    print(f"{fam:<{w}}  {a:>21}  {b:>15}  {e}")
PY
