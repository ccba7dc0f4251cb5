#!/bin/sh
# Compatibility test: synfin --plain against the real tcpdump -nn on one
# capture, with every timestamp style and -S (tests/tdcompare.py does the
# comparison). Exit 77 (skip) when tcpdump is not installed.
set -u
synfin=$1 capture=$2
here=$(dirname "$0")
command -v tcpdump >/dev/null 2>&1 || { echo "SKIP: tcpdump not installed"; exit 77; }
status=0
for flags in "" "-S" "-tt --nano" "-ttt" "-tttt" "-ttttt" "-t -S"; do
    # shellcheck disable=SC2086
    python3 "$here/tdcompare.py" "$synfin" "$capture" $flags || status=1
done
exit $status
