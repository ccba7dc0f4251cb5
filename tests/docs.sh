#!/bin/sh
# Docs move with code: the man page passes mandoc's linter, and every long
# option that `synfin --help` lists is documented in the man page and the
# README.   docs.sh SYNFIN MANPAGE README
set -u
synfin=$1 man=$2 readme=$3
status=0
if command -v mandoc >/dev/null 2>&1; then
    if ! mandoc -Tlint -Wwarning "$man"; then
        echo "mandoc -Tlint found problems in $man"
        status=1
    fi
else
    echo "SKIP: mandoc not installed, man page not linted"
    lint_skipped=1
fi
opts=$("$synfin" --help | grep -o -- '--[a-z][a-z-]*' | sort -u)
[ -n "$opts" ] || { echo "no long options in --help?"; exit 1; }
for o in $opts; do
    # mdoc writes --plain as "Fl -plain"
    if ! grep -q -- "Fl -${o#--}" "$man"; then
        echo "$o is in --help but not in $man"
        status=1
    fi
    if ! grep -q -- "$o" "$readme"; then
        echo "$o is in --help but not in $readme"
        status=1
    fi
done
# The README's jq recipes are the tested ones of synfin-json(5), verbatim.
jsonpage=$(dirname "$man")/synfin-json.5
if command -v mandoc >/dev/null 2>&1 && [ -r "$jsonpage" ]; then
    rendered=$(mandoc -Tascii "$jsonpage" | col -b 2>/dev/null ||
               mandoc -Tascii "$jsonpage")
    n=0
    while IFS= read -r line; do
        n=$((n + 1))
        recipe=$(printf '%s\n' "$line" | sed 's/^ *//')
        if ! printf '%s\n' "$rendered" | grep -qF -- "$recipe"; then
            echo "README recipe not among synfin-json(5)'s tested ones: $recipe"
            status=1
        fi
    done <<EOF_R
$(grep -E '^ +synfin .*\| jq ' "$readme")
EOF_R
    echo "$n README jq recipes found in synfin-json(5)"
fi
[ $status -eq 0 ] && echo "$(echo "$opts" | wc -l) long options documented"
[ $status -eq 0 ] && [ "${lint_skipped:-0}" = 1 ] && exit 77
exit $status
