#!/bin/sh
# Runs the golden corpus through a switchyard binary: `run.sh BINARY classify|route` writes the
# records on stdout. GoldenCorpusTests compares them with <mode>.expected.jsonl byte for byte;
# `make golden` rewrites those files with this same script. The exit status of the stream (1:
# the corpus has error lines on purpose) is not this script's.
set -u
cd "$(dirname "$0")/../.."
binary=$1
mode=$2
case $mode in
    classify) "$binary" classify --rules Rules --explain < Tests/Golden/requests.jsonl ;;
    route) "$binary" route --rules Rules --policy Rules/policy/policy.yaml < Tests/Golden/requests.jsonl ;;
    *) echo "usage: run.sh BINARY classify|route" >&2; exit 64 ;;
esac
status=$?
[ "$status" -le 1 ] || exit "$status"
exit 0
