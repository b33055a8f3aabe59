#!/usr/bin/env bash
# Benchmark of the workstation in scripted mode on an existing database:
# start-up to the first screen, moving a page, opening a case.  Prints
# wall-clock figures; asserts nothing.
# usage: tests/bench/tui.sh BINARY DB CONFIG
set -eu
bin=$1 db=$2 config=$3
export TERM=xterm-256color CASEREVIEW_CONFIG=$config
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
run() { # keys file -> seconds
    local start end
    start=$(date +%s.%N)
    "$bin" --as cadmin --db "$db" --script "$1" --size 80x24 >/dev/null
    end=$(date +%s.%N)
    awk -v a="$start" -v b="$end" 'BEGIN { print b - a }'
}
printf 'dump first.txt\nkeys q\n' >start.keys
base=$(run start.keys)
{ printf 'dump first.txt\n'; for _ in $(seq 1 1000); do echo 'keys <PgDn>'; done; printf 'keys q\n'; } >pages.keys
pages=$(run pages.keys)
{ printf 'dump first.txt\n'; for _ in $(seq 1 200); do echo 'keys <Enter> q <Down>'; done; printf 'keys q\n'; } >open.keys
opens=$(run open.keys)
{ printf 'keys G\ndump last.txt\nkeys q\n'; } >last.keys
last=$(run last.keys)
awk -v base="$base" -v pages="$pages" -v opens="$opens" -v last="$last" 'BEGIN {
    printf "start-up to the first screen, and quit:   %.0f ms\n", base * 1000
    printf "a page down (1000 of them):                %.2f ms each\n", (pages - base)
    printf "opening a case and back (200, audited):   %.2f ms each\n", (opens - base) * 1000 / 200
    printf "to the last page (G) and quit:            %.0f ms\n", last * 1000
}'
head -3 "$work/first.txt" | tail -1
