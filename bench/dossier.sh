#!/usr/bin/env bash
# bench/dossier.sh - end-to-end dossier submissions per second and p99 latency at 64
# concurrent clients (wrk -t2 -c64), on one node with SQLite.
#
# Each request is a one-stop-desk submission (channel 1, in person) of the demo procedure
# 2.000488.000.00.00.H61 by hcc.tiepnhan: JSON parse, applicant validation (personal ID),
# procedure lookup, component completeness, daily code from the per-agency sequence, insert,
# timeline event, audit record, notification outbox row, workflow start (tthc-generic) and
# its first step - all in one transaction - then the reply. Goal (issue 6): >= 300/s with
# p99 < 100 ms on 2 cores.
#
# Environment: EGOV_BIN (default build/egov), BENCH_RUNS (3), BENCH_DURATION (10s),
#   BENCH_TMPDIR (where the data dir goes; default /tmp; /dev/shm shows the CPU cost alone).
# Besides throughput and latency it records the server's CPU time per submission, which the
# other tenants of a shared machine distort much less than the throughput.
# Writes bench/results/dossier.md (BENCH_OUT overrides): machine, date, command, medians.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
BIN=${EGOV_BIN:-$ROOT/build/egov}
RUNS=${BENCH_RUNS:-3}
DURATION=${BENCH_DURATION:-10s}
OUT=${BENCH_OUT:-$ROOT/bench/results/dossier.md}
for tool in wrk curl; do
    command -v "$tool" >/dev/null 2>&1 || { echo "dossier bench: $tool not found" >&2; exit 1; }
done
TMP=$(mktemp -d "${BENCH_TMPDIR:-/tmp}"/egov-bench-dossier.XXXXXX)
PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$TMP"; }
trap cleanup EXIT INT TERM

"$BIN" init --data-dir "$TMP/data" --demo >/dev/null
"$BIN" serve --data-dir "$TMP/data" --listen 127.0.0.1:0 >"$TMP/out" 2>"$TMP/err" &
PID=$!
for _ in $(seq 100); do grep -q '^listening on' "$TMP/out" 2>/dev/null && break; sleep 0.1; done
URL=$(sed -n 's/^listening on \(http[^ ]*\).*/\1/p' "$TMP/out" | head -1)
[ -n "$URL" ] || { echo "dossier bench: server did not start" >&2; cat "$TMP/err" >&2; exit 1; }
TOKEN=$("$BIN" token --data-dir "$TMP/data" --user hcc.tiepnhan --ttl 3600 | tail -1 | awk '{print $NF}')
printf '%%PDF-1.4\n%%%%EOF\n' >"$TMP/a.pdf"
FILE=$(curl -sf -H "Authorization: Bearer $TOKEN" -F "file=@$TMP/a.pdf" "$URL/api/v1/files" |
    sed -n 's/.*"id": *"\([^"]*\)".*/\1/p')
[ -n "$FILE" ] || { echo "dossier bench: upload failed" >&2; exit 1; }
BODY="{\"procedure_code\":\"2.000488.000.00.00.H61\",\"channel\":1,\"applicant\":{\"name\":\"Lê Văn Cường\",\"personal_id\":\"086090005678\",\"phone\":\"0987654321\"},\"components\":[{\"code\":\"TK-LLTP\",\"file_ids\":[\"$FILE\"]}]}"
probe=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
    -H 'Content-Type: application/json' -d "$BODY" "$URL/api/v1/dossiers")
[ "$probe" = 201 ] || { echo "dossier bench: probe submission got $probe" >&2; exit 1; }
cat >"$TMP/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $TOKEN"
wrk.body = '$BODY'
non201 = 0
response = function(status, headers, body) if status ~= 201 then non201 = non201 + 1 end end
done = function(summary, latency, requests)
  io.write(string.format("RESULT rps=%.1f p50=%.2f p99=%.2f errors=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
LUA
CMD="wrk -t2 -c64 -d$DURATION --timeout 10s --latency -s post.lua $URL/api/v1/dossiers"
rows=()
LOAD_BEFORE=$(cut -d" " -f1-3 /proc/loadavg)
# CPU time of the server process (user + system, clock ticks) from /proc/PID/stat: CPU per
# submission does not depend on how much of the 2 cores the other tenants leave us.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$PID/stat"; }
HZ=$(getconf CLK_TCK)
for i in $(seq "$RUNS"); do
    c0=$(cpu_ticks)
    line=$(cd "$TMP" && wrk -t2 -c64 -d"$DURATION" --timeout 10s --latency -s post.lua "$URL/api/v1/dossiers" | grep '^RESULT')
    c1=$(cpu_ticks)
    n=$(printf '%s' "$line" | sed -n 's/.*rps=\([0-9.]*\).*/\1/p')
    secs=${DURATION%s}
    cpu=$(awk -v d=$((c1 - c0)) -v hz="$HZ" -v rps="$n" -v s="$secs" 'BEGIN { r = rps * s; if (r > 0) printf "%.2f", d * 1000 / hz / r; else printf "0" }')
    line="$line cpu_ms=$cpu"
    echo "run $i: $line" >&2
    rows+=("$line")
done
med() { printf '%s\n' "${rows[@]}" | sed -n "s/.*$1=\([0-9.]*\).*/\1/p" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
RPS=$(med rps); P50=$(med p50); P99=$(med p99); ERR=$(med errors); CPU=$(med cpu_ms)

# Second phase: the latency the goal speaks of, at the goal's rate. The runs above are a
# closed loop (64 clients send as fast as answers come back), so their latency is
# queueing: mean latency = 64 / throughput whatever the server does. Here each of the 64
# clients waits THINK ms after every answer (wrk's delay()), which offers about
# 64 / (THINK + latency) submissions/s: BENCH_RATE (default 340) sets THINK = 64000/RATE ms so
# that the achieved rate stays at or above 300/s; the table reports the rate achieved.
RATE=${BENCH_RATE:-340}
THINK=$((64000 / RATE))
sed "s/^non201 = 0/non201 = 0\ndelay = function() return $THINK end/" "$TMP/post.lua" >"$TMP/paced.lua"
PACED_CMD="wrk -t2 -c64 -d$DURATION --timeout 10s --latency -s paced.lua $URL/api/v1/dossiers (think time ${THINK} ms per client)"
prow=()
for i in $(seq "$RUNS"); do
    line=$(cd "$TMP" && wrk -t2 -c64 -d"$DURATION" --timeout 10s --latency -s paced.lua "$URL/api/v1/dossiers" | grep '^RESULT')
    echo "paced run $i: $line" >&2
    prow+=("$line")
done
pmed() { printf '%s\n' "${prow[@]}" | sed -n "s/.*$1=\([0-9.]*\).*/\1/p" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
PRPS=$(pmed rps); PP50=$(pmed p50); PP99=$(pmed p99); PERR=$(pmed errors)
COUNT=$(curl -s -H "Authorization: Bearer $TOKEN" "$URL/api/v1/dossiers?limit=1" >/dev/null; echo ok)
mkdir -p "$(dirname "$OUT")"
{
    echo "# Dossier submission benchmark"
    echo
    echo "- date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "- machine: $(nproc) cores, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)"
    echo "- load average before the runs: $LOAD_BEFORE, after: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "  (the machine is shared; a load far above the core count makes these numbers a floor)"
    echo "- egov: $("$BIN" version 2>/dev/null | head -1), SQLite, one node, data dir on $(df --output=fstype "$TMP" | tail -1)"
    echo "- command: \`$CMD\` (POST of one in-person dossier per request; $RUNS runs, medians)"
    echo "- each request: validation, procedure lookup, code from the daily sequence, insert,"
    echo "  timeline, audit, notification outbox, workflow start - one transaction"
    echo
    echo "| metric | median | goal |"
    echo "|---|---|---|"
    echo "| submissions/s (closed loop, as fast as answers come) | $RPS | >= 300 |"
    echo "| p50 latency (ms) | $P50 | |"
    echo "| p99 latency (ms) (queueing: 64 in flight) | $P99 | |"
    echo "| non-201 / socket errors | $ERR | 0 |"
    echo "| server CPU per submission (ms, user+sys) | $CPU | <= 6.6 (2 cores / 300 per s) |"
    echo
    echo "At the goal's rate (64 clients with think time; latency is the server's, not queueing"
    echo "behind a closed loop): \`$PACED_CMD\`"
    echo
    echo "| metric | median | goal |"
    echo "|---|---|---|"
    echo "| submissions/s achieved | $PRPS | >= 300 |"
    echo "| p50 latency (ms) | $PP50 | |"
    echo "| p99 latency (ms) | $PP99 | < 100 |"
    echo "| non-201 / socket errors | $PERR | 0 |"
    echo
    echo "Runs (closed loop, then paced):"
    echo
    for r in "${rows[@]}"; do echo "- \`$r\`"; done
    for r in "${prow[@]}"; do echo "- paced: \`$r\`"; done
} >"$OUT"
cat "$OUT"
: "$COUNT"
