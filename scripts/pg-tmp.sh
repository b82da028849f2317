#!/bin/sh
# A throwaway PostgreSQL cluster for tests: initdb in a temp dir as an unprivileged user,
# on a free port, unix socket in the same dir.
#   pg-tmp.sh start   -> prints the cluster dir; "<dir>/url" holds the connection URL
#   pg-tmp.sh stop DIR
set -eu
BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$BIN" ] || { echo "pg-tmp: PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }
case "${1:-}" in
start)
    dir=$(mktemp -d /tmp/egov-pg.XXXXXX)
    chmod 755 "$dir"
    if [ "$(id -u)" = 0 ]; then
        id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
        chown postgres "$dir"
        AS="runuser -u postgres --"
    else
        AS=""
    fi
    port=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])' 2>/dev/null || echo $((20000 + $$ % 20000)))
    $AS "$BIN/initdb" -D "$dir/data" -U egov --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
    $AS "$BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=on -c max_connections=200" start >&2 \
        || { cat "$dir/server.log" >&2; exit 1; }
    $AS "$BIN/createdb" -h "$dir" -p "$port" -U egov egov_test >&2
    echo "postgresql://egov@127.0.0.1:$port/egov_test" > "$dir/url"
    echo "$port" > "$dir/port"
    echo "$dir"
    ;;
stop)
    dir=$2
    AS=""
    [ "$(id -u)" = 0 ] && AS="runuser -u postgres --"
    $AS "$BIN/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
*) echo "usage: pg-tmp.sh start | stop DIR" >&2; exit 2 ;;
esac
