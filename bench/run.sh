#!/bin/sh
# make bench: builds build/egov, then runs every bench/*.sh (each writes bench/results/<name>.md).
# Goes on after a failing bench and exits non-zero at the end if any failed.
#   sh bench/run.sh [NAME...]    only the named benches (e.g. foundation)
set -u
cd "$(dirname "$0")/.."
sh scripts/deps.sh || { echo "bench: scripts/deps.sh failed" >&2; exit 1; }
make -s || { echo "bench: build failed" >&2; exit 1; }
mkdir -p bench/results
failed=""
for b in bench/*.sh; do
    n=$(basename "$b" .sh)
    [ "$n" = run ] && continue
    if [ $# -gt 0 ]; then
        want=0
        for a in "$@"; do [ "$a" = "$n" ] && want=1; done
        [ "$want" = 1 ] || continue
    fi
    echo "== bench $n" >&2
    if bash "$b"; then echo "bench $n: ok, see bench/results/$n.md" >&2; else failed="$failed $n"; fi
done
if [ -n "$failed" ]; then echo "bench: failed:$failed" >&2; exit 1; fi
exit 0
