#!/bin/sh
# Runs libFuzzer targets: fuzz.sh SECONDS [TARGET]. Corpora live in tests/fuzz/corpus/<target>.
set -eu
cd "$(dirname "$0")/.."
secs=${1:-60}
only=${2:-}
for f in build/fuzz/bin/fuzz_*; do
    n=$(basename "$f")
    [ -z "$only" ] || [ "$only" = "$n" ] || continue
    corpus=tests/fuzz/corpus/${n#fuzz_}
    work=build/fuzz/corpus/${n#fuzz_}
    mkdir -p "$work"
    [ -d "$corpus" ] && cp -n "$corpus"/* "$work"/ 2>/dev/null || true
    echo "fuzz $n for ${secs}s" >&2
    "$f" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix=build/fuzz/ "$work"
done
