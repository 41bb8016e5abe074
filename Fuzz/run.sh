#!/bin/sh
# Builds the libFuzzer binary (release, -sanitize=fuzzer,address) and runs each target for
# $FUZZ_SECONDS seconds (default 60). Inputs that crash or break an invariant are copied to
# Fuzz/Regressions/<target>/, which the main test suite replays (FuzzRegressionTests).
# Exit status 1 when any target found something. `make fuzz` runs this.
#   FUZZ_SECONDS=20 Fuzz/run.sh                     # a short budget (CI)
#   FUZZ_TARGETS="classifier views" Fuzz/run.sh     # some targets only
set -eu
cd "$(dirname "$0")"
seconds=${FUZZ_SECONDS:-60}
targets=${FUZZ_TARGETS:-"rule_loader policy_loader request_stream classifier views"}
# SwiftPM passes --sanitize=fuzzer --sanitize=address to swiftc as two flags, and swiftc 6.3 keeps
# only the last: the Swift code would get ASan but no coverage, and libFuzzer would fuzz blind
# ("no interesting inputs were found"). The joined -Xswiftc flag comes last and carries both;
# --sanitize still instruments the C and C++ targets and links libFuzzer's main.
build="swift build -c release --sanitize=fuzzer --sanitize=address -Xswiftc -sanitize=fuzzer,address"

started=$(date +%s)
$build
echo "fuzz build: $(( $(date +%s) - started )) s" >&2
binary="$($build --show-bin-path)/switchyard-fuzz"

found=0
for target in $targets; do
    case $target in
        rule_loader|policy_loader|views) max_len=4096 ;;
        request_stream) max_len=8192 ;;
        classifier) max_len=16384 ;;
        *) echo "unknown fuzz target $target" >&2; exit 64 ;;
    esac
    # New inputs go to a working corpus under .build; the checked-in seeds are read, never written.
    corpus=.build/fuzz-corpus/$target
    artifacts=.build/fuzz-artifacts/$target
    mkdir -p "$corpus" "$artifacts" "Regressions/$target"
    log=.build/fuzz-$target.log
    echo "fuzzing $target for ${seconds}s (max_len $max_len; log Fuzz/$log)" >&2
    if FUZZ_TARGET=$target "$binary" "$corpus" "Corpus/$target" "Regressions/$target" \
        -max_total_time="$seconds" -max_len="$max_len" -timeout=10 -rss_limit_mb=4096 \
        -artifact_prefix="$artifacts/" -print_final_stats=1 >"$log" 2>&1; then
        grep -E '^stat::number_of_executed_units|^#[0-9]+.*DONE' "$log" | tail -2 >&2 || true
    else
        found=1
        echo "$target: the fuzzer stopped on a finding; the end of its log:" >&2
        tail -40 "$log" >&2
    fi
    for artifact in "$artifacts"/crash-* "$artifacts"/leak-* "$artifacts"/timeout-* "$artifacts"/oom-*; do
        [ -f "$artifact" ] || continue
        cp "$artifact" "Regressions/$target/"
        echo "kept Fuzz/Regressions/$target/$(basename "$artifact")" >&2
        rm "$artifact"
    done
done
exit $found
