#!/bin/sh
# Each broken capture (run from testdata/): status 1 and exactly one line
# on stderr, "synfin: FILE: what", naming the file.
#   broken.sh SYNFIN FILE...
synfin=$1
shift
pass=0 fail=0
for f in "$@"; do
    err=$("$synfin" -q -r "$f" 2>&1 >/dev/null)
    rc=$?
    lines=$(printf '%s\n' "$err" | grep -c .)
    case $err in
    "synfin: $f: "*) named=yes ;;
    *) named=no ;;
    esac
    if [ $rc -eq 1 ] && [ "$lines" -eq 1 ] && [ $named = yes ]; then
        pass=$((pass + 1))
        echo "ok: $err"
    else
        fail=$((fail + 1))
        echo "FAIL: $f: status $rc, $lines stderr lines: $err"
    fi
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
