#!/bin/sh
# Golden-file test: runs synfin in one output mode on one capture with
# TZ=UTC and compares with testdata/<case>.<mode>.out.
#   golden.sh SYNFIN CAPTURE EXPECTED MODE
# SYNFIN_UPDATE_GOLDEN=1 rewrites EXPECTED instead: --plain goldens from the
# real tcpdump -nn (cut after "length N"), the others from synfin itself,
# to be read line by line before committing.
set -u
synfin=$1 capture=$2 expected=$3 mode=$4
here=$(dirname "$0")
export TZ=UTC
case $mode in
plain) flags=--plain ;;
timeline) flags=--color=never ;;
summary) flags=-q ;;
json) flags=--json ;;
ladder) flags=--ladder; export LANG=C.UTF-8 LC_ALL=C.UTF-8 COLUMNS=80 ;;
ladder-ascii) flags="--ladder --ascii"; export COLUMNS=80 ;;
*) echo "golden.sh: unknown mode $mode" >&2; exit 2 ;;
esac
if [ "${SYNFIN_UPDATE_GOLDEN:-0}" = 1 ]; then
    if [ "$mode" = plain ]; then
        python3 "$here/tdcompare.py" --write-golden "$expected" "$synfin" \
            "$capture" >/dev/null
        rc=$?
        [ $rc -eq 77 ] && { echo "SKIP: tcpdump needed to update"; exit 77; }
        if [ $rc -eq 2 ]; then
            # tcpdump cannot read it (pcapng with several link types):
            # synfin's own lines, checked per interface by compat.sh
            "$synfin" $flags -r "$capture" >"$expected" 2>/dev/null
        fi
    else
        "$synfin" $flags -r "$capture" >"$expected" 2>/dev/null
    fi
    echo "updated $expected"
fi
if [ ! -f "$expected" ]; then
    echo "missing golden file $expected (SYNFIN_UPDATE_GOLDEN=1 makes it)"
    exit 1
fi
actual=$(mktemp)
trap 'rm -f "$actual"' EXIT
"$synfin" $flags -r "$capture" >"$actual" 2>/dev/null
rc=$?
case $capture in
*/broken-*) ;;                       # errors expected; output still compared
*) [ $rc -eq 0 ] || { echo "synfin exited $rc"; exit 1; } ;;
esac
diff -u "$expected" "$actual"
