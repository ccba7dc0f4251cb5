#!/bin/bash
# The jq recipes of synfin-json(5) do what the page says they do.
#
# usage: jq_examples.sh SYNFIN TESTDATA_DIR [PAGE]
#
# PAGE (default: man/synfin-json.5 beside this script's directory) marks
# each recipe with a comment line
#     .\" jq-example: NAME CAPTURE
# followed by comment lines giving its expected output, one line each,
#     .\" jq-expect: LINE
# and then the recipe itself: the literal display (.Bd -literal ... .Ed)
# or the .Dl line that comes next.  The recipe's text is taken from the
# page source, roff escapes undone (\- \e \& \(aq \(dq), checked to be what
# mandoc(1) renders when mandoc is installed, and run with bash exactly
# as written, in a scratch directory where "capture.pcap" is
# TESTDATA_DIR/CAPTURE and "synfin" on PATH is SYNFIN.  Its standard
# output must equal the expected lines.
#
# Prints "N passed, N failed"; exits 0 if none failed, 1 otherwise, 77
# (skip) when jq is not installed, 2 on usage errors.

set -u

if [ $# -lt 2 ] || [ $# -gt 3 ]; then
    echo "usage: jq_examples.sh SYNFIN TESTDATA_DIR [PAGE]" >&2
    exit 2
fi
if ! command -v jq >/dev/null 2>&1; then
    echo "SKIP: jq not installed"
    exit 77
fi

abspath() { (cd "$(dirname "$1")" && printf '%s/%s\n' "$PWD" "$(basename "$1")"); }
synfin=$(abspath "$1")
testdata=$(cd "$2" && pwd) || exit 2
page=${3:-$(dirname "$0")/../man/synfin-json.5}
[ -x "$synfin" ] || { echo "jq_examples: $1: not executable" >&2; exit 2; }
[ -r "$page" ] || { echo "jq_examples: $page: not readable" >&2; exit 2; }

scratch=$(mktemp -d) || exit 2
trap 'rm -rf "$scratch"' EXIT
mkdir "$scratch/bin"
ln -s "$synfin" "$scratch/bin/synfin"

# The examples as records: "NAME CAPTURE", expected lines, the command,
# separated by \036 (fields) and \035 (records); roff escapes undone.
extract() {
    perl -ne '
        BEGIN { %esc = ("e" => "\\", "-" => "-", "&" => "",
                        "(aq" => "\x27", "(dq" => "\"");
                sub unroff { my $s = shift;
                             $s =~ s/\\(e|-|&|\(aq|\(dq)/$esc{$1}/g; $s } }
        chomp;
        if (/^\.\\" jq-example:\s*(\S+)\s+(\S+)\s*$/) {
            print "\035" if defined $name;
            ($name, $cap, @want, @cmd, $state) = ($1, $2);
            $state = "head";
            next;
        }
        next unless defined $state;
        if ($state eq "head") {
            if (/^\.\\" jq-expect:(?: (.*))?$/) { push @want, $1 // ""; next }
            if (/^\.Dl\s+(.*)$/) { @cmd = (unroff($1)); $state = "done"; }
            elsif (/^\.Bd\s+-literal/) { $state = "lit"; next }
            elsif (/^\.\\"/ || /^\.Pp/) { next }
            else { $state = "bad"; }
        } elsif ($state eq "lit") {
            if (/^\.Ed\b/) { $state = "done" }
            else { s/^\\&//; push @cmd, unroff($_); next }
        }
        if ($state eq "done" || $state eq "bad") {
            print join("\036", "$name $cap", join("\n", @want),
                       $state eq "bad" ? "" : join("\n", @cmd));
            undef $state; $name = undef;
            print "\035";
        }
        END { print join("\036", "$name $cap", join("\n", @want), "")
                  . "\035" if defined $state }
    ' "$page"
}

rendered=
if command -v mandoc >/dev/null 2>&1; then
    rendered=$(mandoc -Tascii "$page" | col -b | sed 's/^[[:space:]]*//')
fi

pass=0 fail=0 n=0
while IFS= read -r -d $'\035' rec; do
    [ -n "$rec" ] || continue
    IFS=$'\036' read -r -d '' head want cmd <<<"$rec"
    cmd=${cmd%$'\n'}
    name=${head%% *} cap=${head#* }
    n=$((n + 1))
    if [ -z "$cmd" ]; then
        echo "FAIL $name: no .Bd -literal display or .Dl line after the marker"
        fail=$((fail + 1)); continue
    fi
    if [ ! -r "$testdata/$cap" ]; then
        echo "FAIL $name: capture $testdata/$cap not found"
        fail=$((fail + 1)); continue
    fi
    if [ -n "$rendered" ]; then
        shown=1
        while IFS= read -r line; do
            grep -qxF -- "$line" <<<"$rendered" || shown=0
        done <<<"$cmd"
        if [ $shown = 0 ]; then
            echo "FAIL $name: the page does not render the command as run:"
            printf '    %s\n' "$cmd"
            fail=$((fail + 1)); continue
        fi
    fi
    dir="$scratch/$n"
    mkdir "$dir"
    ln -s "$testdata/$cap" "$dir/capture.pcap"
    got=$(cd "$dir" && PATH="$scratch/bin:$PATH" TZ=UTC \
          bash -o pipefail -c "$cmd" 2>"$dir/stderr")
    rc=$?
    want=${want%$'\n'}
    if [ $rc -eq 0 ] && [ "$got" = "$want" ]; then
        echo "ok   $name ($cap)"
        pass=$((pass + 1))
    else
        echo "FAIL $name ($cap): exit $rc"
        echo "  command: $cmd"
        diff <(printf '%s\n' "$want") <(printf '%s\n' "$got") |
            sed -n 's/^</  want:/p; s/^>/  got: /p'
        sed 's/^/  stderr: /' "$dir/stderr"
        fail=$((fail + 1))
    fi
done < <(extract)

if [ $n -eq 0 ]; then
    echo "FAIL: no jq-example markers in $page"
    fail=1
fi
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
