#!/bin/sh
# Installs the Debian packages egov needs (architecture.md §4) when they are missing.
# Idempotent and fast when everything is present. As root it runs apt-get; otherwise it
# prints the command to run. Then it installs the npm test tools (tests/e2e) if missing.
set -eu
cd "$(dirname "$0")/.."

PKGS="gcc make pkg-config git curl ca-certificates procps clang clang-format libclang-rt-14-dev
libmicrohttpd-dev libjansson-dev libsqlite3-dev sqlite3 libpq-dev postgresql
libxml2-dev libxmlsec1-dev libxmlsec1-openssl libssl-dev libsodium-dev libcurl4-openssl-dev
libhpdf-dev fonts-dejavu-core libqrencode-dev libcmocka-dev
chromium nodejs nginx wrk libnats-dev nats-server zip unzip poppler-utils"

missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
        missing="$missing $p"
    fi
done
# npm ships inside some nodejs builds; Debian packages it separately.
command -v npm >/dev/null 2>&1 || missing="$missing npm"

if [ -n "$missing" ]; then
    if [ "$(id -u)" = 0 ]; then
        echo "deps: installing$missing" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >&2
        # shellcheck disable=SC2086
        apt-get install -y -qq --no-install-recommends $missing >&2
    else
        echo "deps: missing packages; run as root:" >&2
        echo "  apt-get install -y$missing" >&2
        exit 1
    fi
fi

# Browser-test tools (npm, never a downloaded browser: Debian's chromium is used).
if [ -f tests/e2e/package.json ] && { [ ! -d tests/e2e/node_modules/playwright-core ] || [ ! -d tests/e2e/node_modules/openid-client ]; }; then
    (cd tests/e2e && npm install --no-audit --no-fund --loglevel=error >&2)
fi
# Vendored browser-side libraries (web/vendor), copied from npm by scripts/vendor.sh.
if [ -f scripts/vendor.sh ]; then
    sh scripts/vendor.sh
fi
exit 0
