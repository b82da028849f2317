#!/bin/sh
# make test: installs what is missing, builds, runs every suite (format, unit on SQLite and
# PostgreSQL, API, browser, sanitizer build, short fuzz runs) and ends with one line
# "N passed, N failed". Exit status 0 only when nothing failed.
#   EGOV_TEST_QUICK=1  skips the sanitizer and fuzz stages (local iteration only; CI runs all).
set -u
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PASS=0
FAIL=0
FAILED=""
LOGDIR=build/test-logs
mkdir -p "$LOGDIR"

ok() { PASS=$((PASS + 1)); }
ko() { FAIL=$((FAIL + 1)); FAILED="$FAILED
  - $1"; echo "FAIL: $1" >&2; }
stage() { echo "== $*" >&2; }

# Counts TAP lines ("ok N", "not ok N") of a log, adding to PASS/FAIL; a run with no TAP
# line at all but a non-zero exit counts as one failure.
count_tap() { # log name rc
    p=$(grep -cE '^(    )?ok [0-9]+' "$1" || true)
    f=$(grep -cE '^(    )?not ok [0-9]+' "$1" || true)
    # node's TAP nests subtests; count top-level results only when nested ones exist
    pn=$(grep -cE '^ok [0-9]+' "$1" || true)
    fn=$(grep -cE '^not ok [0-9]+' "$1" || true)
    if [ $((pn + fn)) -gt 0 ]; then p=$pn; f=$fn; fi
    # node's runner prints its own totals (subtests included): prefer them
    if grep -qE '^# pass [0-9]+' "$1"; then
        p=$(grep -E '^# pass [0-9]+' "$1" | tail -1 | awk '{print $3}')
        f=$(grep -E '^# fail [0-9]+' "$1" | tail -1 | awk '{print $3}')
    fi
    PASS=$((PASS + p))
    FAIL=$((FAIL + f))
    if [ "$f" -gt 0 ]; then
        FAILED="$FAILED
  - $2: $(grep -E '^(    )?not ok' "$1" | head -5 | tr '\n' ';')"
    fi
    if [ "$3" != 0 ] && [ "$f" = 0 ]; then ko "$2 (exit $3, see $1)"; fi
    if [ $((p + f)) = 0 ] && [ "$3" = 0 ]; then ko "$2 ran no test"; fi
}

stage "dependencies"
if sh scripts/deps.sh; then ok; else ko "scripts/deps.sh"; fi

stage "format"
if make -s format-check >"$LOGDIR/format.log" 2>&1; then ok; else ko "clang-format (see $LOGDIR/format.log)"; fi

stage "build (gcc, -Werror)"
if make -s -j2 all unit >"$LOGDIR/build.log" 2>&1; then ok; else
    ko "build (see $LOGDIR/build.log)"; tail -30 "$LOGDIR/build.log" >&2
fi

stage "PostgreSQL throwaway cluster"
PGTMP=""
if PGTMP=$(sh scripts/pg-tmp.sh start 2>"$LOGDIR/pg.log"); then
    ok
    EGOV_TEST_PG=$(cat "$PGTMP/url")
    export EGOV_TEST_PG
else
    ko "could not start a local PostgreSQL cluster (see $LOGDIR/pg.log)"
fi
export EGOV_REQUIRE_PG=1
trap '[ -n "$PGTMP" ] && sh scripts/pg-tmp.sh stop "$PGTMP"' EXIT INT TERM

run_units() { # build-dir label
    for t in "$1"/tests/test_*; do
        [ -x "$t" ] || continue
        n=$(basename "$t")
        log="$LOGDIR/$2-$n.log"
        CMOCKA_MESSAGE_OUTPUT=TAP "$t" >"$log" 2>&1
        count_tap "$log" "$2 $n" $?
    done
}
run_node() { # dir label bin
    files=$(ls "$1"/*.test.mjs 2>/dev/null)
    [ -n "$files" ] || return 0
    log="$LOGDIR/$2.log"
    # shellcheck disable=SC2086
    EGOV_BIN="$3" node --test --test-reporter=tap --test-concurrency=1 $files >"$log" 2>&1
    count_tap "$log" "$2" $?
}

stage "unit tests"
run_units build unit
stage "API tests"
run_node tests/api api "$ROOT/build/egov"
stage "browser tests"
run_node tests/e2e e2e "$ROOT/build/egov"

if [ "${EGOV_TEST_QUICK:-0}" != 1 ]; then
    stage "sanitizer build (clang, ASan+UBSan)"
    if make -s -j2 BUILD=build/asan SAN=1 CC=clang build/asan/egov unit >"$LOGDIR/asan-build.log" 2>&1; then
        ok
        export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
        export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
        run_units build/asan asan
        run_node tests/api asan-api "$ROOT/build/asan/egov"
        unset ASAN_OPTIONS UBSAN_OPTIONS
    else
        ko "sanitizer build (see $LOGDIR/asan-build.log)"
    fi
    stage "fuzz (short runs)"
    if make -s fuzz-build >"$LOGDIR/fuzz-build.log" 2>&1; then
        for f in build/fuzz/bin/fuzz_*; do
            [ -x "$f" ] || continue
            n=$(basename "$f")
            if sh scripts/fuzz.sh 10 "$n" >"$LOGDIR/$n.log" 2>&1; then ok; else ko "fuzz $n (see $LOGDIR/$n.log)"; fi
        done
    else
        ko "fuzz build (see $LOGDIR/fuzz-build.log)"
    fi
fi

echo
if [ "$FAIL" -gt 0 ]; then echo "Failures:$FAILED"; echo; fi
echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
