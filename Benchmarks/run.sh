#!/bin/sh
# Switchyard's benchmarks, all of them, with one command (this is what `make bench` runs):
#
#   Benchmarks/run.sh            the package-benchmark suites, then the interleaved comparison report
#   Benchmarks/run.sh suites [package-benchmark options]   only the suites, e.g. --target ClassifyLatency
#   Benchmarks/run.sh report [--quick] [--corpus FILE]     only the report (Markdown on stdout)
#   Benchmarks/run.sh outside [outside.sh options]         only ../shared/perf's harness (Benchmarks/outside.sh)
#
# SWITCHYARD_CORPUS=FILE.jsonl adds that corpus to the throughput suite, the agreement check and the
# pipeline suite. The report is also written to Benchmarks/.build/report.md.
set -eu
cd "$(dirname "$0")"

# Vectorscan (the peer engine) is a Debian package; RE2 comes with the library's own dependencies.
if [ ! -f /usr/include/hs/hs.h ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        apt-get install -y libvectorscan-dev
    else
        echo "run.sh: Vectorscan is missing; install it with: sudo apt-get install libvectorscan-dev" >&2
        exit 1
    fi
fi

what=${1:-all}
[ $# -gt 0 ] && shift

# Incremental release builds of the library through this path dependency (with cross-module
# optimisation) can keep stale code after a struct's layout changes, which showed up as a double
# free in RuleTables. Rebuild the library's modules every time (about 40 s); the benchmark
# package's own dependencies stay cached.
# The build plan goes too: a cached plan still names the deleted modules' files ("unable to load
# output file map") when no source file was added or removed since the last run.
for dir in .build/*/release; do
    [ -d "$dir" ] || continue
    rm -rf "$dir"/CRE2.build "$dir"/CSwitchyard*.build "$dir"/Switchyard*.build "$dir"/switchyard.build \
        "$dir"/switchyard_bench_report.build "$dir"/switchyard "$dir"/switchyard-bench-report
done
rm -f .build/release.yaml .build/build.db

# The CLI next to the benchmark executables, for the stdin-pipeline suite.
swift build -c release --product switchyard

case "$what" in
suites)
    swift package benchmark --no-progress "$@"
    ;;
report)
    swift build -c release --product switchyard-bench-report
    .build/release/switchyard-bench-report "$@" | tee .build/report.md
    ;;
outside)
    ./outside.sh "$@"
    ;;
all)
    swift build -c release --product switchyard-bench-report
    swift package benchmark --no-progress "$@"
    .build/release/switchyard-bench-report | tee .build/report.md
    # The outside view beside the suites, when the harness is there.
    if [ -f "${SWITCHYARD_PERF:-../../shared/perf}/bench.cc" ]; then ./outside.sh; fi
    ;;
*)
    echo "usage: run.sh [all|suites|report|outside] [options]" >&2
    exit 2
    ;;
esac
