#!/bin/sh
# The outside view: ../shared/perf's independent harness (Vectorscan, RE2::Set and Switchyard
# through switchyard.h, one call per request, one core) on its reference pack, in one run.
#
#   Benchmarks/outside.sh [--lines N] [--reps N] [--keywords FILE --regexes FILE]
#
# Writes the harness's JSON lines to Benchmarks/.build/outside.jsonl and prints them. Another pack
# shape: pass --keywords and --regexes (one term or pattern per line, as the harness reads them).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
perf=${SWITCHYARD_PERF:-$root/../shared/perf}
data=${SWITCHYARD_DATA:-$root/../shared/data}
lines=60000
reps=3
keywords=$perf/keywords.txt
regexes=$perf/regexes.txt
while [ $# -gt 0 ]; do
    case "$1" in
    --lines) lines=$2; shift 2 ;;
    --reps) reps=$2; shift 2 ;;
    --keywords) keywords=$2; shift 2 ;;
    --regexes) regexes=$2; shift 2 ;;
    *) echo "usage: outside.sh [--lines N] [--reps N] [--keywords FILE --regexes FILE]" >&2; exit 2 ;;
    esac
done
[ -f "$perf/bench.cc" ] || { echo "outside.sh: no harness at $perf (set SWITCHYARD_PERF)" >&2; exit 1; }
if ! pkg-config --exists re2 libhs 2>/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        apt-get install -y libre2-dev libvectorscan-dev pkg-config
    else
        echo "outside.sh: install libre2-dev libvectorscan-dev pkg-config" >&2
        exit 1
    fi
fi
out=$root/Benchmarks/.build
mkdir -p "$out"
cd "$root"
g++ -O2 -march=native -std=c++17 -o "$out/perf-bench" "$perf/bench.cc" $(pkg-config --cflags --libs re2 libhs) -ldl
swift build -c release --product CSwitchyard
lib=$(swift build -c release --show-bin-path)
cc -O2 -shared -fPIC -o "$out/perf-adapter.so" "$perf/switchyard_adapter.c" -I Sources/CSwitchyardABI/include \
    -L"$lib" -lCSwitchyard -Wl,-rpath,"$lib"
if [ ! -f "$out/corpus-$lines.bin" ]; then
    python3 "$data/make-corpus.py" --lines "$lines" > "$out/corpus-$lines.jsonl"
    python3 "$perf/prep_corpus.py" "$out/corpus-$lines.jsonl" "$out/corpus-$lines"
fi
"$out/perf-bench" --corpus "$out/corpus-$lines.bin" --keywords "$keywords" --regexes "$regexes" \
    --engines hs-all,re2set-all --external "$out/perf-adapter.so" --reps "$reps" | tee "$out/outside.jsonl"
