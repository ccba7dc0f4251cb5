#!/bin/sh
# --ladder-svg on every capture: a well-formed XML document (xmllint) that
# a real renderer (rsvg-convert) turns into a non-empty PNG, with one
# diagram heading per flow.   svg_check.sh SYNFIN CAPTURE...
set -u
synfin=$1
shift
for tool in xmllint rsvg-convert; do
    command -v $tool >/dev/null 2>&1 || { echo "SKIP: $tool not installed"; exit 77; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
for cap in "$@"; do
    rm -f "$tmp/l.svg"
    "$synfin" --ladder-svg "$tmp/l.svg" -r "$cap" >/dev/null 2>&1
    if [ ! -e "$tmp/l.svg" ]; then
        case $cap in
        */broken-*) pass=$((pass + 1)); continue ;;   # failed to open: no SVG
        esac
    fi
    flows=$("$synfin" --json -r "$cap" 2>/dev/null | grep -c '"type":"flow"')
    heads=$(grep -c 'class="h">\[' "$tmp/l.svg")
    if xmllint --noout "$tmp/l.svg" 2>"$tmp/x.err" &&
       rsvg-convert -o "$tmp/l.png" "$tmp/l.svg" 2>"$tmp/r.err" &&
       [ -s "$tmp/l.png" ] && { [ "$heads" = "$flows" ] || [ "$flows" -gt 10000 ]; }; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        echo "FAIL: $cap: $flows flows, $heads diagrams; $(cat "$tmp/x.err" "$tmp/r.err" | head -3)"
    fi
done
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
