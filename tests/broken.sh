#!/bin/sh
# Deliberately broken captures (run from testdata/), each with one line on
# stderr naming the file, "synfin: FILE: what":
#   broken-*  unreadable or corrupt: status 1, everything before printed
#   warn-*    odd but readable (caplen above the snaplen, caplen 0, time
#             going back, a link type not decoded): status 0
#   broken.sh SYNFIN FILE...
synfin=$1
shift
pass=0 fail=0
for f in "$@"; do
    err=$("$synfin" -q -r "$f" 2>&1 >/dev/null)
    rc=$?
    lines=$(printf '%s\n' "$err" | grep -c .)
    case $f in
    warn-*) want=0 ;;
    *) want=1 ;;
    esac
    case $err in
    "synfin: $f: "*) named=yes ;;
    *) named=no ;;
    esac
    if [ $rc -eq $want ] && [ "$lines" -eq 1 ] && [ $named = yes ]; then
        pass=$((pass + 1))
        echo "ok: $err"
    else
        fail=$((fail + 1))
        echo "FAIL: $f: status $rc (want $want), $lines stderr lines: $err"
    fi
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
