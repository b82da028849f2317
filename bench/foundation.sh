#!/usr/bin/env bash
# bench/foundation.sh - the HTTP core against nginx on the same machine (127.0.0.1 only).
#
# Measures, alternating egov and nginx so that drift hits both alike:
#   - requests/s of GET /healthz and of the static file /lib/egov.css (same bytes from web/),
#     wrk -t2 -c64 -d10s, BENCH_RUNS (default 3) runs each; medians and the egov/nginx ratio;
#   - idle RSS of `egov serve` after start (VmRSS from /proc/PID/status);
#   - time from process start to /readyz answering 200 (median of 5 starts, curl loop,
#     millisecond timestamps from date +%s%N), on an already initialised data dir.
# Writes bench/results/foundation.md (BENCH_OUT overrides) with machine, date, commands, table.
# Deployment measured: one node, SQLite (architecture.md §8 default).
#
# Environment: EGOV_BIN (default build/egov), BENCH_RUNS (3), BENCH_DURATION (10s),
#   BENCH_STARTS (5), BENCH_ONLY_NGINX=1 (measure nginx alone, e.g. before egov serves HTTP).
# Every process it starts is stopped on exit (trap); every wait loop is bounded.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

BIN=${EGOV_BIN:-$ROOT/build/egov}
RUNS=${BENCH_RUNS:-3}
DURATION=${BENCH_DURATION:-10s}
STARTS=${BENCH_STARTS:-5}
ONLY_NGINX=${BENCH_ONLY_NGINX:-0}
OUT=${BENCH_OUT:-$ROOT/bench/results/foundation.md}
THREADS=2
CONNS=64
CSS_PATH=/lib/egov.css

for tool in wrk nginx curl; do
    command -v "$tool" >/dev/null 2>&1 || { echo "foundation: $tool not found (sh scripts/deps.sh)" >&2; exit 1; }
done
if [ "$ONLY_NGINX" != 1 ] && [ ! -x "$BIN" ]; then
    echo "foundation: $BIN not found; build with make, or BENCH_ONLY_NGINX=1" >&2
    exit 1
fi
[ -f "$ROOT/web$CSS_PATH" ] || { echo "foundation: web$CSS_PATH missing" >&2; exit 1; }

TMP=$(mktemp -d /tmp/egov-bench.XXXXXX)
PIDS=()

# Stops one process: SIGTERM, up to 5 s, then SIGKILL. Bounded.
stop_pid() {
    local pid=$1 i
    kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}
cleanup() {
    local pid
    for pid in "${PIDS[@]:-}"; do [ -n "$pid" ] && stop_pid "$pid"; done
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now_ns() { date +%s%N; }

free_port() {
    python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])' 2>/dev/null \
        || node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# Waits until URL answers 200; at most $2 seconds (default 10). Returns 1 on timeout.
wait_200() {
    local url=$1 limit_ms=$(( ${2:-10} * 1000 )) t0 code
    t0=$(now_ns)
    while :; do
        code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 0.5 "$url" 2>/dev/null || true)
        [ "$code" = 200 ] && return 0
        [ $(( ($(now_ns) - t0) / 1000000 )) -ge "$limit_ms" ] && return 1
        sleep 0.005
    done
}

# True when GET PATH on 127.0.0.1:PORT answers 200. Pure bash (/dev/tcp): no process is
# spawned, so a readiness loop can poll every few hundred microseconds without taking the
# CPU the starting server needs (a curl per try costs ~20 ms here).
probe_200() { # port path
    local line=""
    { exec 3<>"/dev/tcp/127.0.0.1/$1"; } 2>/dev/null || return 1
    printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' "$2" >&3 2>/dev/null || true
    IFS= read -r -t 2 line <&3 || true
    exec 3<&- 3>&-
    case "$line" in "HTTP/1."?" 200"*) return 0 ;; esac
    return 1
}

# Milliseconds from T0_NS until 127.0.0.1:PORT/readyz answers 200; empty after LIMIT s.
time_to_ready() { # t0_ns port limit_s
    local t0=$1 port=$2 limit_ns=$(( $3 * 1000000000 )) n=0 t
    while :; do
        if probe_200 "$port" /readyz; then
            t=$(now_ns)
            echo $(( (t - t0) / 1000000 ))
            return 0
        fi
        n=$((n + 1))
        # checking the clock costs a process: do it every 200 tries (a few ms)
        if [ $((n % 200)) = 0 ] && [ $(( $(now_ns) - t0 )) -ge "$limit_ns" ]; then return 1; fi
    done
}

median() { sort -g | awk '{a[NR]=$1} END {if (NR==0) {print "n/a"} else if (NR%2) {print a[(NR+1)/2]} else {printf "%.2f\n", (a[NR/2]+a[NR/2+1])/2}}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a+0 > 0 && b+0 > 0) printf "%.2f", a/b; else print "n/a" }'; }

# ------------------------------------------------------------------ nginx
NGINX_PORT=$(free_port)
mkdir -p "$TMP/nginx/tmp"
{
    [ "$(id -u)" = 0 ] && echo "user root;"
    cat <<NGX
worker_processes 2;
daemon off;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 65;
    keepalive_requests 1000000;
    client_body_temp_path $TMP/nginx/tmp/body;
    proxy_temp_path $TMP/nginx/tmp/proxy;
    fastcgi_temp_path $TMP/nginx/tmp/fastcgi;
    uwsgi_temp_path $TMP/nginx/tmp/uwsgi;
    scgi_temp_path $TMP/nginx/tmp/scgi;
    types { text/css css; application/javascript js; text/html html; }
    default_type application/octet-stream;
    server {
        listen 127.0.0.1:$NGINX_PORT;
        root $ROOT/web;
        location = /healthz { default_type application/json; return 200 '{"status":"ok"}'; }
    }
}
NGX
} > "$TMP/nginx/nginx.conf"
nginx -t -q -c "$TMP/nginx/nginx.conf" -p "$TMP/nginx/" 2>"$TMP/nginx/test.log" || { cat "$TMP/nginx/test.log" >&2; exit 1; }
nginx -c "$TMP/nginx/nginx.conf" -p "$TMP/nginx/" 2>>"$TMP/nginx/error.log" &
PIDS+=($!)
NGINX_URL="http://127.0.0.1:$NGINX_PORT"
wait_200 "$NGINX_URL/healthz" 10 || { echo "foundation: nginx did not start" >&2; cat "$TMP/nginx/error.log" >&2; exit 1; }
echo "foundation: nginx on $NGINX_URL" >&2

# ------------------------------------------------------------------ egov
EGOV_URL=""
EGOV_PID=""
EGOV_RSS_KB=""
EGOV_NOTE=""
START_MS=()
DATA="$TMP/data"

# Starts `egov serve` on PORT; sets EGOV_PID. stdout/stderr to files in $TMP.
start_egov() {
    local port=$1
    "$BIN" serve --data-dir "$DATA" --listen "127.0.0.1:$port" >"$TMP/egov.out" 2>>"$TMP/egov.err" &
    EGOV_PID=$!
    PIDS+=("$EGOV_PID")
}

if [ "$ONLY_NGINX" != 1 ]; then
    "$BIN" init --data-dir "$DATA" --demo >"$TMP/init.out" 2>"$TMP/init.err" \
        || { echo "foundation: egov init failed:" >&2; cat "$TMP/init.err" >&2; exit 1; }

    # Start to ready, median of $STARTS starts on the initialised dir.
    for i in $(seq 1 "$STARTS"); do
        port=$(free_port)
        t0=$(now_ns)
        start_egov "$port"
        if ms=$(time_to_ready "$t0" "$port" 10); then
            START_MS+=("$ms")
        else
            EGOV_NOTE="$EGOV_NOTE /readyz did not answer 200 within 10 s on start $i."
        fi
        stop_pid "$EGOV_PID"
    done

    # The server that takes the load: port 0, URL from the first stdout line (api.md §1).
    "$BIN" serve --data-dir "$DATA" --listen 127.0.0.1:0 >"$TMP/egov.out" 2>>"$TMP/egov.err" &
    EGOV_PID=$!
    PIDS+=("$EGOV_PID")
    for i in $(seq 1 100); do
        line=$(head -n 1 "$TMP/egov.out" 2>/dev/null || true)
        case "$line" in "listening on http://"*) EGOV_URL=${line#listening on }; EGOV_URL=${EGOV_URL%/}; break ;; esac
        kill -0 "$EGOV_PID" 2>/dev/null || break
        sleep 0.1
    done
    [ -n "$EGOV_URL" ] || { echo "foundation: egov serve printed no address" >&2; tail -20 "$TMP/egov.err" >&2; exit 1; }
    wait_200 "$EGOV_URL/healthz" 10 || { echo "foundation: egov /healthz not 200" >&2; exit 1; }
    sleep 1
    EGOV_RSS_KB=$(awk '/^VmRSS:/ {print $2}' "/proc/$EGOV_PID/status")
    echo "foundation: egov on $EGOV_URL, idle RSS ${EGOV_RSS_KB} kB" >&2

    # Same bytes from both servers, or the static comparison means nothing.
    a=$(curl -s "$EGOV_URL$CSS_PATH" | sha256sum | cut -d' ' -f1)
    b=$(curl -s "$NGINX_URL$CSS_PATH" | sha256sum | cut -d' ' -f1)
    [ "$a" = "$b" ] || EGOV_NOTE="$EGOV_NOTE $CSS_PATH differs between egov and nginx."
fi

# ------------------------------------------------------------------ load
RAW="$TMP/raw.txt"
: > "$RAW"
run_wrk() { # name url
    local name=$1 url=$2 log rps non2xx
    log="$TMP/wrk-$name-$(now_ns).log"
    wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency "$url" >"$log" 2>&1 || true
    rps=$(awk '/^Requests\/sec:/ {print $2}' "$log")
    non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$log")
    p99=$(awk '$1 == "99%" {print $2}' "$log")
    [ -n "$rps" ] || rps=0
    if [ -n "$non2xx" ]; then
        echo "foundation: $name: $non2xx non-2xx responses; run not counted" >&2
        echo "$name $rps non2xx=$non2xx p99=$p99 (discarded)" >>"$RAW"
        return 0
    fi
    echo "$name $rps p99=$p99" >>"$RAW"
    echo "$rps" >>"$TMP/rps-$name"
    echo "foundation: $name $rps req/s (p99 $p99)" >&2
}

for run in $(seq 1 "$RUNS"); do
    for p in healthz css; do
        path=/healthz
        [ "$p" = css ] && path=$CSS_PATH
        if [ -n "$EGOV_URL" ]; then run_wrk "egov-$p" "$EGOV_URL$path"; fi
        run_wrk "nginx-$p" "$NGINX_URL$path"
    done
done

med() { if [ -f "$TMP/rps-$1" ]; then median <"$TMP/rps-$1"; else echo "n/a"; fi; }
EH=$(med egov-healthz); NH=$(med nginx-healthz)
EC=$(med egov-css); NC=$(med nginx-css)
RH=$(ratio "$EH" "$NH"); RC=$(ratio "$EC" "$NC")
EGOV_HWM_KB=""
if [ -n "$EGOV_PID" ] && [ -r "/proc/$EGOV_PID/status" ]; then
    EGOV_HWM_KB=$(awk '/^VmHWM:/ {print $2}' "/proc/$EGOV_PID/status")
fi

unit() { if [ "$1" = n/a ]; then echo n/a; else echo "$1 $2"; fi; }
verdict() { # value op limit
    awk -v v="$1" -v op="$2" -v l="$3" 'BEGIN {
        if (v == "n/a" || v == "") { print "not measured"; exit }
        ok = (op == ">=") ? (v + 0 >= l + 0) : (v + 0 < l + 0)
        print ok ? "yes" : "no" }'
}
if [ ${#START_MS[@]} -gt 0 ]; then
    START_MED=$(printf '%s\n' "${START_MS[@]}" | median)
    START_ALL=$(printf '%s ' "${START_MS[@]}")
else
    START_MED=n/a
    START_ALL=""
fi
RSS_MIB=n/a
[ -n "$EGOV_RSS_KB" ] && RSS_MIB=$(awk -v k="$EGOV_RSS_KB" 'BEGIN { printf "%.1f", k / 1024 }')
HWM_MIB=n/a
[ -n "$EGOV_HWM_KB" ] && HWM_MIB=$(awk -v k="$EGOV_HWM_KB" 'BEGIN { printf "%.1f", k / 1024 }')

EGOV_VERSION="not run"
if [ "$ONLY_NGINX" != 1 ]; then EGOV_VERSION=$("$BIN" version 2>/dev/null | head -1 || echo unknown); fi
[ "$ONLY_NGINX" = 1 ] && EGOV_NOTE="$EGOV_NOTE egov not run (BENCH_ONLY_NGINX=1): only the nginx half was measured."

mkdir -p "$(dirname "$OUT")"
{
    echo "# Foundation benchmark: egov HTTP core against nginx"
    echo
    echo "- Date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "- Machine: $(nproc) cores, $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo), $(awk '/^MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo) RAM, $(uname -sr)"
    echo "- egov: ${EGOV_VERSION}; nginx: $(nginx -v 2>&1 | sed 's/^nginx version: //'); wrk: $(wrk -v 2>&1 | head -1 | awk '{print $2}')"
    echo "- Deployment measured: one node, embedded SQLite, demo data (architecture.md §8 default)."
    echo "- Load from wrk on the same machine over 127.0.0.1: the servers and wrk share the $(nproc) cores."
    echo "  Runs alternate egov and nginx; each figure is the median of $RUNS runs of $DURATION."
    echo "- nginx: worker_processes 2, access_log off, sendfile on, keepalive_requests 1000000, serving the"
    echo "  same web/ directory; /healthz is \`return 200 '{\"status\":\"ok\"}'\`. egov also adds its"
    echo "  security headers, request id and metrics on every response; nginx does none of that."
    [ -n "$EGOV_NOTE" ] && echo "- Notes:$EGOV_NOTE"
    echo
    echo "## Results"
    echo
    echo "| measure | egov | nginx | egov/nginx | goal | met |"
    echo "|---|---:|---:|---:|---|---|"
    echo "| GET /healthz, requests/s | $EH | $NH | $RH | ≥ 0.5× nginx (aim 1.0×) | $(verdict "$RH" ">=" 0.5) |"
    echo "| GET $CSS_PATH ($(wc -c <"$ROOT/web$CSS_PATH") bytes), requests/s | $EC | $NC | $RC | reported | — |"
    echo "| idle RSS after start | $(unit "$RSS_MIB" MiB) | | | < 20 MiB | $(verdict "$RSS_MIB" "<" 20) |"
    echo "| start to /readyz 200 (median of ${#START_MS[@]}) | $(unit "$START_MED" ms) | | | < 200 ms | $(verdict "$START_MED" "<" 200) |"
    echo "| peak RSS during the load (VmHWM) | $(unit "$HWM_MIB" MiB) | | | reported | — |"
    echo
    echo "Start times (ms): ${START_ALL:-n/a}"
    echo
    echo "## Commands"
    echo
    echo '```sh'
    echo "make bench                      # or: bash bench/foundation.sh"
    echo "egov init --data-dir \$TMP/data --demo"
    echo "egov serve --data-dir \$TMP/data --listen 127.0.0.1:0      # load target"
    echo "egov serve --data-dir \$TMP/data --listen 127.0.0.1:\$PORT  # x$STARTS, date +%s%N before spawn to first /readyz 200 (bash /dev/tcp poll)"
    echo "nginx -c \$TMP/nginx/nginx.conf -p \$TMP/nginx/"
    echo "wrk -t$THREADS -c$CONNS -d$DURATION --latency http://127.0.0.1:\$PORT/healthz"
    echo "wrk -t$THREADS -c$CONNS -d$DURATION --latency http://127.0.0.1:\$PORT$CSS_PATH"
    echo "grep VmRSS /proc/\$PID/status   # 1 s after /healthz first answers, before any load"
    echo '```'
    echo
    echo "## Raw runs (requests/s, p99 latency)"
    echo
    echo '```'
    cat "$RAW"
    echo '```'
} >"$OUT"
echo "foundation: wrote $OUT" >&2
