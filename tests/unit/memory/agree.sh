#!/usr/bin/env bash
# The two engines agree: the same program (agree.c), built with each engine,
# over the same fixture, prints the same lines.
# Usage: agree.sh AGREE_SQLITE AGREE_MEMORY CONFIG
set -u
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$1" "$dir/sqlite.db" "$3" > "$dir/sqlite.txt" || { echo "the SQLite build failed"; exit 1; }
"$2" "$dir/memory.db" "$3" > "$dir/memory.txt" || { echo "the memory build failed"; exit 1; }
if ! diff -u "$dir/sqlite.txt" "$dir/memory.txt"; then
    echo "FAIL: the engines disagree (- sqlite, + memory)"
    exit 1
fi
echo "the engines agree on $(wc -l < "$dir/sqlite.txt") lines"
