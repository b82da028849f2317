#!/bin/sh
# Copies the browser-side libraries the UI uses from npm into web/vendor/ (architecture.md §4:
# no build step; the server serves these files as they are, same-origin, so the CSP holds).
# Idempotent: when every file below is present and web/vendor/.versions matches this list,
# it exits at once without touching the network. Nothing under web/vendor/ is committed but
# web/vendor/README.md, which records the same versions for people.
#
# THE LIST. One line per file: npm package, exact version, path inside the package,
# destination under web/vendor/. Pin exact versions; update README.md with any change.
# A module that needs a library adds its lines here (e.g. bpmn-js for the workflow module:
#   bpmn-js 18.x.y dist/bpmn-viewer.production.min.js bpmn-js/bpmn-viewer.production.min.js
#   bpmn-js 18.x.y dist/assets/bpmn-js.css              bpmn-js/bpmn-js.css   ...).
VENDOR_LIST='
chart.js 4.6.1 dist/chart.umd.js chart.js/chart.umd.js
chart.js 4.6.1 LICENSE.md chart.js/LICENSE.md
bpmn-js 18.31.1 dist/bpmn-viewer.production.min.js bpmn-js/bpmn-viewer.production.min.js
bpmn-js 18.31.1 dist/assets/diagram-js.css bpmn-js/diagram-js.css
bpmn-js 18.31.1 dist/assets/bpmn-js.css bpmn-js/bpmn-js.css
bpmn-js 18.31.1 LICENSE bpmn-js/LICENSE
'
#
# Usage: sh scripts/vendor.sh [--force]
set -eu
cd "$(dirname "$0")/.."

DEST=web/vendor
PREFIX=build/npm-vendor
STAMP=$DEST/.versions
force=0
[ "${1:-}" = "--force" ] && force=1

list=$(printf '%s\n' "$VENDOR_LIST" | sed '/^[[:space:]]*$/d')

# Fast path: everything present and the stamp matches the list.
if [ "$force" = 0 ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$list" ]; then
    missing=0
    while read -r pkg ver src dst; do
        [ -s "$DEST/$dst" ] || missing=1
    done <<LIST
$list
LIST
    [ "$missing" = 0 ] && exit 0
fi

command -v npm >/dev/null 2>&1 || { echo "vendor: npm not found (apt-get install npm)" >&2; exit 1; }

# Install every pinned package into a private prefix (never into the repository's root).
specs=$(printf '%s\n' "$list" | awk '{print $1 "@" $2}' | sort -u | tr '\n' ' ')
mkdir -p "$PREFIX"
echo "vendor: npm install $specs" >&2
# shellcheck disable=SC2086
npm install --prefix "$PREFIX" --no-audit --no-fund --no-save --loglevel=error $specs >&2

# Check the installed versions, then copy.
while read -r pkg ver src dst; do
    pj="$PREFIX/node_modules/$pkg/package.json"
    [ -f "$pj" ] || { echo "vendor: $pkg not installed" >&2; exit 1; }
    got=$(node -p "require('./$pj').version")
    if [ "$got" != "$ver" ]; then
        echo "vendor: $pkg is $got, expected $ver" >&2
        exit 1
    fi
    from="$PREFIX/node_modules/$pkg/$src"
    [ -f "$from" ] || { echo "vendor: $pkg@$ver has no $src" >&2; exit 1; }
    mkdir -p "$(dirname "$DEST/$dst")"
    cp "$from" "$DEST/$dst.tmp"
    mv "$DEST/$dst.tmp" "$DEST/$dst"
    echo "vendor: $pkg@$ver $src -> $DEST/$dst" >&2
done <<LIST
$list
LIST

printf '%s\n' "$list" > "$STAMP.tmp"
# The stamp holds exactly the list, compared as text on the fast path (no trailing newline
# difference: $(cat) strips it).
mv "$STAMP.tmp" "$STAMP"
exit 0
