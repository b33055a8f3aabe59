#!/usr/bin/env bash
# Benchmark of issue 11: each piece of work done by casereview and its raw
# SQLite counterpart on the same data, back to back in one run, as one table
# (work, casereview, raw SQLite, ratio).  Whole processes are timed from
# outside (bash's $EPOCHREALTIME around each run; the median of several
# runs).  A benchmark, not a test: it asserts nothing about time.
#
# usage: tests/bench/ratios.sh [--casereview BIN] [--cases N]... [--million]
#                              [--quick] [--keep DIR]
#   --casereview BIN  the program (default: build/tui/casereview, else on PATH)
#   --cases N         a size to run (repeatable; default 10000 and 100000)
#   --million         add 1,000,000 cases
#   --quick           fewer runs of each item (CI's check that it works)
set -eu
export LC_ALL=C TZ=UTC

here=$(cd "$(dirname "$0")" && pwd)
bin=
sizes=()
million=0
quick=0
keep=
while [ $# -gt 0 ]; do
    case $1 in
    --casereview) bin=$2; shift 2 ;;
    --cases) sizes+=("$2"); shift 2 ;;
    --million) million=1; shift ;;
    --quick) quick=1; shift ;;
    --keep) keep=$2; shift 2 ;;
    *) echo "usage: ratios.sh [--casereview BIN] [--cases N]... [--million] [--quick] [--keep DIR]" >&2; exit 2 ;;
    esac
done
[ ${#sizes[@]} -gt 0 ] || sizes=(10000 100000)
[ $million = 0 ] || sizes+=(1000000)
if [ -z "$bin" ]; then
    bin=$here/../../build/tui/casereview
    [ -x "$bin" ] || bin=$(command -v casereview)
fi
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
command -v sqlite3 >/dev/null || { echo "ratios.sh: sqlite3 is needed" >&2; exit 3; }

runs=11 decisions=100
[ $quick = 0 ] || { runs=3; decisions=10; }

work=${keep:-$(mktemp -d)}
mkdir -p "$work"
[ -n "$keep" ] || trap 'rm -rf "$work"' EXIT
cd "$work"
cp "$here/../fixtures/config/good.yaml" casereview.yaml
export CASEREVIEW_CONFIG=$work/casereview.yaml
unset CASEREVIEW_DB CASEREVIEW_NOW

# Seconds one run of a command takes, its output thrown away.
once() {
    local t0=$EPOCHREALTIME
    "$@" >/dev/null 2>"$work/stderr" || { echo "ratios.sh: failed: $*" >&2; cat "$work/stderr" >&2; exit 1; }
    local t1=$EPOCHREALTIME
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f\n", b - a }'
}
# The median, in seconds, of $runs runs of a command (after one warm-up).
median() {
    local i
    once "$@" >/dev/null
    for ((i = 0; i < runs; i++)); do once "$@"; done | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}
# The p-th percentile of seconds, one a line on stdin.
percentile() {
    sort -g | awk -v p="$1" '{ v[NR] = $1 } END { i = int(NR * p / 100 + 0.999999); if (i < 1) i = 1; print v[i] }'
}
ms() { awk -v s="$1" 'BEGIN { printf "%.2f ms", s * 1000 }'; }
row() { # work, casereview figure, raw figure, casereview value, raw value
    awk -v w="$1" -v a="$2" -v b="$3" -v x="$4" -v y="$5" \
        'BEGIN { printf "| %s | %s | %s | %.2fx |\n", w, a, b, (y > 0 ? x / y : 0) }'
}

cr() { "$bin" --as cadmin --db cr.db "$@"; }

echo "# ratios.sh: $(date -u +%FT%TZ), $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
echo "# casereview $("$bin" --version 2>&1 | head -1), sqlite3 $(sqlite3 --version | cut -d' ' -f1), runs $runs (median), decisions $decisions"
for n in "${sizes[@]}"; do
    rm -f cr.db* raw.db* dec.db* data.csv
    "$bin" generate --cases "$n" --seed 1 >data.csv
    rows=$(($(sqlite3 :memory: ".import --csv data.csv t" "SELECT count(*) FROM t")))
    echo
    echo "## $n cases ($rows allegations)"
    echo
    echo "| work | casereview | raw SQLite on the same data | ratio |"
    echo "| --- | --- | --- | --- |"

    # Import: every stage, against .import into a bare table, an index for
    # each that the import fills on those columns, and an FTS5 rebuild.
    t_cr=$(once "$bin" --as cadmin --db cr.db import data.csv)
    cat >raw.sql <<'EOF'
CREATE TABLE allegations (subject_ref TEXT, surname TEXT, forenames TEXT,
  employment TEXT, rank TEXT, unit TEXT, duty_status TEXT, vetting_status TEXT,
  allegation_ref TEXT, category TEXT, allegation_date TEXT, source TEXT,
  original_outcome TEXT, summary TEXT);
.import --csv --skip 1 data.csv allegations
CREATE UNIQUE INDEX allegations_ref ON allegations(allegation_ref);
CREATE INDEX subjects_ref ON allegations(subject_ref);
CREATE INDEX allegations_case ON allegations(subject_ref, allegation_date);
CREATE VIRTUAL TABLE allegation_search USING fts5(allegation_ref, summary,
  content='allegations', tokenize='unicode61 remove_diacritics 2');
INSERT INTO allegation_search(allegation_search) VALUES ('rebuild');
CREATE VIRTUAL TABLE subject_search USING fts5(subject_ref, surname, forenames,
  content='allegations', tokenize='unicode61 remove_diacritics 2');
INSERT INTO subject_search(subject_search) VALUES ('rebuild');
EOF
    t_raw=$(once sqlite3 raw.db ".read raw.sql")
    row "import $n" "$(awk -v r="$rows" -v s="$t_cr" 'BEGIN { printf "%.1fk rows/s (%.1f s)", r / s / 1000, s }')" \
        "$(awk -v r="$rows" -v s="$t_raw" 'BEGIN { printf "`.import` + indexes + FTS5 rebuild %.1fk rows/s (%.1f s)", r / s / 1000, s }')" \
        "$t_cr" "$t_raw"
    t_again=$(once "$bin" --as cadmin --db cr.db import data.csv)
    row "re-import, nothing new" "$(ms "$t_again")" "first import $(ms "$t_cr")" "$t_again" "$t_cr"

    # Search, first page: casereview quotes each word and makes the last a
    # prefix; the raw query is one FTS5 MATCH of the same words, LIMIT 50.
    surname=$(sqlite3 cr.db "SELECT surname FROM subjects WHERE surname NOT GLOB '*[^A-Za-z]*'
        GROUP BY surname ORDER BY count(*), surname LIMIT 1")
    ref=$(sqlite3 cr.db "SELECT ref FROM allegations WHERE id >= (SELECT max(id) / 2 FROM allegations) LIMIT 1")
    for s in "common word:victim:allegation_search:\"victim\"" \
        "rare surname:$surname:subject_search:\"$surname\"" \
        "reference:$ref:allegation_search:\"$ref\"" \
        "prefix:vict:allegation_search:\"vict\"*"; do
        IFS=: read -r what words table match <<<"$s"
        t_cr=$(median "$bin" --as cadmin --db cr.db list --search "$words" --limit 50)
        t_raw=$(median sqlite3 cr.db "SELECT rowid FROM $table WHERE $table MATCH '$match' LIMIT 50")
        row "search first page, $what ($words)" "$(ms "$t_cr")" "FTS5 \`MATCH '$match' LIMIT 50\` $(ms "$t_raw")" "$t_cr" "$t_raw"
    done

    # Start-up.
    t_cr=$(median "$bin" --version)
    t_raw=$(median sqlite3 --version)
    t_true=$(median /bin/true)
    row "\`casereview --version\`" "$(ms "$t_cr")" "\`sqlite3 --version\` $(ms "$t_raw")" "$t_cr" "$t_raw"
    row "\`casereview --version\` over the floor" "$(ms "$t_cr")" "\`/bin/true\` $(ms "$t_true")" "$t_cr" "$t_true"

    # A read command: stats, against sqlite3 reading the same stored counts.
    t_cr=$(median "$bin" --as cadmin --db cr.db stats)
    t_raw=$(median sqlite3 cr.db "SELECT * FROM case_counts; SELECT * FROM outcome_counts; SELECT * FROM counters")
    row "\`stats\`" "$(ms "$t_cr")" "\`sqlite3\` reading its counts $(ms "$t_raw")" "$t_cr" "$t_raw"

    # A decision from the command line (claimed first, untimed), against
    # sqlite3 running the same writes in one transaction on a copy of the
    # database (casereview numbers audit events itself: a row it did not
    # write would break its chain).
    cp cr.db dec.db
    : >cr.times
    : >raw.times
    # ejones may act on cases from units other than their own.
    mapfile -t ids < <(sqlite3 cr.db "SELECT c.id FROM cases c JOIN subjects s ON s.id = c.subject_id
        WHERE s.unit <> 'Professional Standards' AND c.state = 'flagged' ORDER BY c.id LIMIT $((2 * decisions))")
    for ((i = 0; i < decisions; i++)); do
        "$bin" --as ejones --db cr.db claim "${ids[i]}" >/dev/null
        once "$bin" --as ejones --db cr.db decide "${ids[i]}" --outcome nfa --rationale "bench $i" >>cr.times
        c=${ids[decisions + i]}
        once sqlite3 dec.db "BEGIN IMMEDIATE;
UPDATE cases SET state = 'awaiting_approval', outcome = 'nfa', rationale = 'bench $c',
  decided_by = 'ejones', decided_at = unixepoch(), round = round + 1, version = version + 1,
  updated_by = 'ejones', updated_at = unixepoch() WHERE id = $c;
INSERT INTO decisions (case_id, round, reviewer, outcome, vetting_review, rationale, decided_at)
  VALUES ($c, 1, 'ejones', 'nfa', 0, 'bench $c', unixepoch());
INSERT INTO audit_events (at, actor, case_id, action, state_before, state_after, details,
  config_digest, prev_hash, hash)
  VALUES (unixepoch(), 'ejones', $c, 'decide', 'in_review', 'awaiting_approval',
  '{\"round\": 1, \"outcome\": \"nfa\"}', 'x', randomblob(32), randomblob(32));
COMMIT;" >>raw.times
    done
    for p in 50 99; do
        t_cr=$(percentile $p <cr.times)
        t_raw=$(percentile $p <raw.times)
        row "a decision (\`decide\`), p$p of $decisions" "$(ms "$t_cr")" "\`sqlite3\` running its transaction $(ms "$t_raw")" "$t_cr" "$t_raw"
    done

    # Size on disk.
    s_cr=$(stat -c %s cr.db)
    s_csv=$(stat -c %s data.csv)
    s_raw=$(stat -c %s raw.db)
    row "database size" "$(awk -v b="$s_cr" 'BEGIN { printf "%.1f MB", b / 1e6 }')" \
        "$(awk -v b="$s_csv" 'BEGIN { printf "CSV %.1f MB", b / 1e6 }')" "$s_cr" "$s_csv"
    row "database size, against the raw import's" "$(awk -v b="$s_cr" 'BEGIN { printf "%.1f MB", b / 1e6 }')" \
        "$(awk -v b="$s_raw" 'BEGIN { printf "raw.db %.1f MB", b / 1e6 }')" "$s_cr" "$s_raw"
done
