#!/bin/sh
# The CI fuzz slice: every libFuzzer target for 60 s (scripts/fuzz all 60).
# Exit 77 (meson's skip) when clang is not installed.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
if ! command -v clang >/dev/null 2>&1; then
    echo "SKIP: clang not installed"
    exit 77
fi
exec "$root/scripts/fuzz" all "${FUZZ_SECONDS:-60}"
