#!/usr/bin/env bash
# Benchmark of issue 11: each piece of work done by casereview and its raw
# SQLite counterpart on the same data, back to back in one run, as one table
# (work, casereview, raw SQLite, ratio).  Whole processes are timed from
# outside (bash's $EPOCHREALTIME around each run; the median of several
# runs); the import's peak memory is its ru_maxrss (python3's wait4).  The
# workstation's keys are timed in scripted mode (casereview-test, the
# program with the test hooks, found beside the program), by the difference
# between runs with and without a thousand keys.  A benchmark, not a test:
# it asserts nothing about time.
#
# It measures either search schema: two FTS5 tables (allegation_search and
# subject_search, casereview appending a prefix `*`) or one row per case
# (case_search, prefix only where the user types `*`), whichever the import
# made; the raw counterparts of the import and the search follow it.
#
# PostgreSQL (issue 14): where PostgreSQL's server programs are installed
# (and unless --no-pg), the same run starts one throwaway cluster
# (tests/pg/cluster.sh) and prints a second table per size: casereview on
# PostgreSQL against psql on the same data and the same cluster.  The import
# (as the roster's admin, into a database `casereview init` made) against
# `psql \copy` of the same CSV into a bare table, and against \copy plus the
# search documents (one per subject, as SQLite's counterpart, through the
# engine's own search_vector) and their GIN index; a queue page against psql
# running its SELECT; the first search page of a common word against psql
# running the same @@ newest first; a decision against psql running the same
# writes in one transaction on a copy of the database.
#
# usage: tests/bench/ratios.sh [--casereview BIN] [--scripted BIN] [--cases N]...
#                              [--million] [--quick] [--keep DIR] [--no-pg]
#   --casereview BIN  the program (default: build/tui/casereview, else on PATH)
#   --scripted BIN    the program with the test hooks, for the keys (default:
#                     casereview-test beside the program; none: no key rows)
#   --cases N         a size to run (repeatable; default 10000 and 100000)
#   --million         add 1,000,000 cases
#   --quick           fewer runs of each item (CI's check that it works)
#   --no-pg           no PostgreSQL table (the default where PostgreSQL is installed)
set -eu
export LC_ALL=C TZ=UTC

here=$(cd "$(dirname "$0")" && pwd)
bin=
tbin=
sizes=()
million=0
quick=0
keep=
pg=1
while [ $# -gt 0 ]; do
    case $1 in
    --casereview) bin=$2; shift 2 ;;
    --scripted) tbin=$2; shift 2 ;;
    --cases) sizes+=("$2"); shift 2 ;;
    --million) million=1; shift ;;
    --quick) quick=1; shift ;;
    --keep) keep=$2; shift 2 ;;
    --no-pg) pg=0; shift ;;
    *) echo "usage: ratios.sh [--casereview BIN] [--scripted BIN] [--cases N]... [--million] [--quick] [--keep DIR] [--no-pg]" >&2; exit 2 ;;
    esac
done
[ ${#sizes[@]} -gt 0 ] || sizes=(10000 100000)
[ $million = 0 ] || sizes+=(1000000)
if [ -z "$bin" ]; then
    bin=$here/../../build/tui/casereview
    [ -x "$bin" ] || bin=$(command -v casereview)
fi
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
[ -n "$tbin" ] || tbin=$(dirname "$bin")/casereview-test
if [ -x "$tbin" ]; then
    tbin=$(cd "$(dirname "$tbin")" && pwd)/$(basename "$tbin")
else
    echo "ratios.sh: no $tbin (the program with the test hooks): no rows for the keys" >&2
    tbin=
fi
command -v sqlite3 >/dev/null || { echo "ratios.sh: sqlite3 is needed" >&2; exit 3; }
command -v python3 >/dev/null || { echo "ratios.sh: python3 is needed" >&2; exit 3; }

runs=11 decisions=100
[ $quick = 0 ] || { runs=3; decisions=10; }

work=${keep:-$(mktemp -d)}
mkdir -p "$work"
[ -n "$keep" ] || trap 'rm -rf "$work"' EXIT
cd "$work"
cp "$here/../fixtures/config/good.yaml" casereview.yaml
export CASEREVIEW_CONFIG=$work/casereview.yaml
unset CASEREVIEW_DB CASEREVIEW_NOW

# One throwaway PostgreSQL cluster for the run (tests/pg/cluster.sh: its
# socket in a directory of its own, fsync off, stopped and removed at exit).
if [ $pg = 1 ]; then
    # shellcheck source=tests/pg/cluster.sh
    . "$here/../pg/cluster.sh"
    pg_rc=0
    pg_cluster_start 2>"$work/pg.err" || pg_rc=$?
    if [ $pg_rc = 77 ]; then
        echo "ratios.sh: PostgreSQL is not installed: no PostgreSQL table" >&2
        pg=0
    elif [ $pg_rc != 0 ]; then
        cat "$work/pg.err" >&2
        pg_cluster_stop
        exit 1
    else
        pg_cluster_trap
        # pg_ctl stops it as its owner, who may not enter $work.
        pg_on_exit 'cd /'
    fi
fi

# Seconds one run of a command takes, its output thrown away.
once() {
    local t0=$EPOCHREALTIME
    "$@" >/dev/null 2>"$work/stderr" || { echo "ratios.sh: failed: $*" >&2; cat "$work/stderr" >&2; exit 1; }
    local t1=$EPOCHREALTIME
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f\n", b - a }'
}
# Seconds and peak resident memory (kB) of one run of a command: its
# ru_maxrss from wait4.  The child is forked from a python3 without its
# site modules, whose pages count until the exec: a floor of about 4 MB.
measure() {
    python3 -I -S -c '
import os, sys, time
t0 = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
        os.dup2(os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644), 2)
        os.execvp(sys.argv[2], sys.argv[2:])
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
t1 = time.perf_counter()
print("%.6f %d" % (t1 - t0, usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status))
' "$work/stderr" "$@" || { echo "ratios.sh: failed: $*" >&2; cat "$work/stderr" >&2; exit 1; }
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
mb() { awk -v k="$1" 'BEGIN { printf "%.1f MB", k * 1024 / 1e6 }'; }
row() { # work, casereview figure, raw figure, casereview value, raw value
    awk -v w="$1" -v a="$2" -v b="$3" -v x="$4" -v y="$5" \
        'BEGIN { printf "| %s | %s | %s | %.2fx |\n", w, a, b, (y > 0 ? x / y : 0) }'
}

cr() { "$bin" --as cadmin --db cr.db "$@"; }

# The SELECT core/sqlite/page.c runs for the first page of the whole queue
# (riskiest first) as the admin sees it, whose scope keeps nothing out.
page_sql() { # cursor, rows
    echo "SELECT c.id, c.sortkey, c.priority, c.created_at, c.state_since, c.state, c.outcome,
  c.categories, c.n_allegations, s.duty_status, s.ref, s.surname, s.forenames, s.rank,
  s.unit, c.assignee, c.decided_by, c.decided_at, c.vetting_review, c.quorum_blocked,
  c.version FROM cases c JOIN subjects s ON s.id = c.subject_id WHERE c.sortkey > $1
  ORDER BY c.sortkey LIMIT $(($2 + 1));"
}

# The workstation's keys, in scripted mode at 80x24 (21 rows a screen), as
# the per-key difference between runs with and without the keys.
keys=$(mktemp -d "$work/keys.XXXX")
k() { printf 'keys %s\n' "$@"; }
scripted() { LC_ALL=C.UTF-8 TERM=xterm-256color "$tbin" --as cadmin --db cr.db --script "$1" --size 80x24; }

# The PostgreSQL table of one size: casereview on PostgreSQL against psql on
# the same data and cluster (see the top).  $rows, data.csv and $t_sqlite
# (casereview's import on SQLite in this run) as the size's loop left them.
pgq() { # psql as the cluster's superuser on database $1, unaligned, quiet
    local d=$1
    shift
    PGOPTIONS="-c search_path=casereview" psql -X -A -t -q -v ON_ERROR_STOP=1 -h "$PG_DIR" -U postgres -d "$d" "$@"
}
pg_table() {
    local n=$1 db=crbench dec=crbench_dec t_cr t_raw t_copy t_docs t_again i c
    pg_psql -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" \
        -c "DROP DATABASE IF EXISTS $dec WITH (FORCE)"
    pg_newdb $db "$CASEREVIEW_CONFIG"
    local as_admin as_owner as_ejones
    as_admin=$(pg_connstr $db cadmin)
    as_owner=$(pg_connstr $db casereview)
    as_ejones=$(pg_connstr $db ejones)
    # The schema, by the service role on behalf of the admin (README, "Setting it up").
    "$bin" --as cadmin --db "$as_owner" init >/dev/null 2>"$work/stderr" ||
        { echo "ratios.sh: casereview init on PostgreSQL failed:" >&2; cat "$work/stderr" >&2; exit 1; }
    echo
    echo "PostgreSQL $(psql -X -A -t -h "$PG_DIR" -U postgres -d postgres -c 'SHOW server_version' | cut -d' ' -f1), $n cases; load average $(cut -d' ' -f1-3 /proc/loadavg):"
    echo
    echo "| work | casereview on PostgreSQL | psql on the same data and cluster | ratio |"
    echo "| --- | --- | --- | --- |"

    # Import, as the roster's admin (a person's role: the server's checks
    # and audit bookkeeping run, as for real work), against \copy of the
    # same CSV into a bare table; then against \copy plus the search
    # documents (one per subject, composed as SQLite's counterpart composes
    # them, through the engine's search_vector) and their GIN index.
    t_cr=$(once "$bin" --as cadmin --db "$as_admin" import data.csv)
    pgq $db -c "CREATE SCHEMA raw; CREATE TABLE raw.allegations (subject_ref text, surname text,
  forenames text, employment text, rank text, unit text, duty_status text, vetting_status text,
  allegation_ref text, category text, allegation_date text, source text, original_outcome text,
  summary text)"
    t_copy=$(once pgq $db -c "\\copy raw.allegations FROM 'data.csv' WITH (FORMAT csv, HEADER true)")
    t_docs=$(once pgq $db -c "CREATE TABLE raw.search AS SELECT min(ctid) AS first,
  search_vector(subject_ref || ' ' || min(surname) || ' ' || min(forenames) || ' '
                || string_agg(allegation_ref || ' ' || summary, ' ' ORDER BY ctid)) AS doc
  FROM raw.allegations GROUP BY subject_ref" -c "CREATE INDEX raw_search_doc ON raw.search USING gin (doc)")
    t_raw=$(awk -v a="$t_copy" -v b="$t_docs" 'BEGIN { printf "%.6f", a + b }')
    row "PostgreSQL: import $n" "$(awk -v r="$rows" -v s="$t_cr" 'BEGIN { printf "%.1fk rows/s (%.1f s)", r / s / 1000, s }')" \
        "$(awk -v r="$rows" -v s="$t_copy" 'BEGIN { printf "`\\copy` into a bare table %.1fk rows/s (%.2f s)", r / s / 1000, s }')" \
        "$t_cr" "$t_copy"
    row "PostgreSQL: import $n, against \\copy and the search index" "$(awk -v s="$t_cr" 'BEGIN { printf "%.1f s", s }')" \
        "$(awk -v r="$rows" -v s="$t_raw" -v d="$t_docs" 'BEGIN { printf "`\\copy`, then one document a subject and its GIN index (%.2f s) %.1fk rows/s (%.2f s)", d, r / s / 1000, s }')" \
        "$t_cr" "$t_raw"
    row "PostgreSQL: import $n, against casereview's on SQLite" "$(awk -v s="$t_cr" 'BEGIN { printf "%.1f s", s }')" \
        "$(awk -v s="$t_sqlite" 'BEGIN { printf "SQLite, this run %.1f s", s }')" "$t_cr" "$t_sqlite"
    t_again=$(for _ in 1 2 3; do once "$bin" --as cadmin --db "$as_admin" import data.csv; done | sort -g | sed -n 2p)
    row "PostgreSQL: re-import, nothing new (median of 3)" "$(ms "$t_again")" "first import $(ms "$t_cr")" "$t_again" "$t_cr"

    # A page of the queue (audited), against psql running the page's SELECT.
    t_cr=$(median "$bin" --as cadmin --db "$as_admin" list --limit 50)
    t_raw=$(median pgq $db -c "$(page_sql 0 50)")
    row "PostgreSQL: \`list --limit 50\` (audited)" "$(ms "$t_cr")" "\`psql\` running its page's SELECT $(ms "$t_raw")" "$t_cr" "$t_raw"

    # Search, first page of a common word: newest first, 50, against psql
    # running the same match on case_search, newest first.
    t_cr=$(median "$bin" --as cadmin --db "$as_admin" list --search victim --limit 50)
    t_raw=$(median pgq $db -c "SELECT case_id FROM case_search WHERE doc @@ to_tsquery('folded', 'victim')
  ORDER BY case_id DESC LIMIT 50")
    row "PostgreSQL: search first page, common word (victim)" "$(ms "$t_cr")" \
        "\`psql\`: \`doc @@ 'victim' ORDER BY case_id DESC LIMIT 50\` $(ms "$t_raw")" "$t_cr" "$t_raw"

    # A decision (claimed first, untimed), against psql running the same
    # writes (the case, the decision, an audit event) in one transaction on a
    # copy of the database, as its owner (the service role: a person's role
    # may write no table, and the server numbers and seals events itself).
    pg_psql -c "CREATE DATABASE $dec TEMPLATE $db OWNER casereview STRATEGY FILE_COPY"
    : >pg-cr.times
    : >pg-raw.times
    mapfile -t ids < <(pgq $db -c "SELECT c.id FROM cases c JOIN subjects s ON s.id = c.subject_id
        WHERE s.unit <> 'Professional Standards' AND c.state = 'flagged' ORDER BY c.id LIMIT $((2 * decisions))")
    for ((i = 0; i < decisions; i++)); do
        "$bin" --as ejones --db "$as_ejones" claim "${ids[i]}" >/dev/null
        once "$bin" --as ejones --db "$as_ejones" decide "${ids[i]}" --outcome nfa --rationale "bench $i" >>pg-cr.times
        c=${ids[decisions + i]}
        once psql -X -A -t -q -v ON_ERROR_STOP=1 -h "$PG_DIR" -U casereview -d $dec -c "BEGIN;
UPDATE casereview.cases SET state = 'awaiting_approval', outcome = 'nfa', rationale = 'bench $c',
  decided_by = 'ejones', decided_at = extract(epoch FROM now())::bigint, round = round + 1,
  version = version + 1, updated_by = 'ejones', updated_at = extract(epoch FROM now())::bigint
  WHERE id = $c;
INSERT INTO casereview.decisions (case_id, round, reviewer, outcome, vetting_review, rationale, decided_at)
  VALUES ($c, 1, 'ejones', 'nfa', 0, 'bench $c', extract(epoch FROM now())::bigint);
INSERT INTO casereview.audit_events (id, at, actor, case_id, action, state_before, state_after, details,
  config_digest, prev_hash, hash)
  VALUES ((SELECT max(id) + 1 FROM casereview.audit_events), extract(epoch FROM now())::bigint,
  'ejones', $c, 'decide', 'in_review', 'awaiting_approval',
  '{\"round\": 1, \"outcome\": \"nfa\"}', 'x', sha256(random()::text::bytea), sha256(random()::text::bytea));
COMMIT;" >>pg-raw.times
    done
    for p in 50 99; do
        t_cr=$(percentile $p <pg-cr.times)
        t_raw=$(percentile $p <pg-raw.times)
        row "PostgreSQL: a decision (\`decide\`), p$p of $decisions" "$(ms "$t_cr")" "\`psql\` running its transaction $(ms "$t_raw")" "$t_cr" "$t_raw"
    done

    # Size: casereview's schema (tables, indexes, TOAST) against the CSV and
    # the raw tables (the bare table, the documents and their index).
    local s_cr s_raw s_csv
    s_cr=$(pgq $db -c "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'casereview' AND c.relkind = 'r'")
    s_raw=$(pgq $db -c "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'raw' AND c.relkind = 'r'")
    s_csv=$(stat -c %s data.csv)
    row "PostgreSQL: database size" "$(awk -v b="$s_cr" 'BEGIN { printf "%.1f MB", b / 1e6 }')" \
        "$(awk -v b="$s_csv" 'BEGIN { printf "CSV %.1f MB", b / 1e6 }')" "$s_cr" "$s_csv"
    row "PostgreSQL: database size, against the raw import's" "$(awk -v b="$s_cr" 'BEGIN { printf "%.1f MB", b / 1e6 }')" \
        "$(awk -v b="$s_raw" 'BEGIN { printf "the bare table, the documents and their index %.1f MB", b / 1e6 }')" "$s_cr" "$s_raw"
    pg_psql -c "DROP DATABASE $db WITH (FORCE)" -c "DROP DATABASE $dec WITH (FORCE)"
}

first_rss=
echo "# ratios.sh: $(date -u +%FT%TZ), $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
echo "# casereview $("$bin" --version 2>&1 | head -1), sqlite3 $(sqlite3 --version | cut -d' ' -f1), runs $runs (median), decisions $decisions"
for n in "${sizes[@]}"; do
    rm -f cr.db* raw.db* idx.db* dec.db* data.csv
    "$bin" generate --cases "$n" --seed 1 >data.csv
    rows=$(($(sqlite3 :memory: ".import --csv data.csv t" "SELECT count(*) FROM t")))
    echo
    echo "## $n cases ($rows allegations; load average $(cut -d" " -f1-3 /proc/loadavg))"
    echo
    echo "| work | casereview | raw SQLite on the same data | ratio |"
    echo "| --- | --- | --- | --- |"

    # Import: every stage, against the sum of the raw stages (issue 11):
    # .import into a bare table and the search index of the schema the
    # import made (one FTS5 row per subject, case_search; or an FTS5 rebuild
    # of the two tables), then CREATE INDEX of every index the import left
    # on cases, subjects and allegations, each on the same table with the
    # same rows (a copy of casereview's database without them; a UNIQUE
    # constraint's index as a CREATE UNIQUE INDEX of its column).
    m=$(measure "$bin" --as cadmin --db cr.db import data.csv)
    read -r t_cr rss_cr <<<"$m"
    t_sqlite=$t_cr
    rm -f idx.db*
    sqlite3 cr.db ".backup idx.db"
    sqlite3 idx.db "PRAGMA journal_mode = DELETE" >/dev/null
    sqlite3 idx.db "SELECT CASE WHEN sql IS NULL THEN 'CREATE UNIQUE INDEX raw_' || tbl_name ||
        '_ref ON ' || tbl_name || '(ref);' ELSE sql || ';' END FROM sqlite_schema
        WHERE type = 'index' AND tbl_name IN ('cases', 'subjects', 'allegations')
        ORDER BY rowid" >idx.sql
    sqlite3 idx.db "SELECT 'DROP INDEX \"' || name || '\";' FROM sqlite_schema WHERE type = 'index'
        AND sql IS NOT NULL AND tbl_name IN ('cases', 'subjects', 'allegations')" | sqlite3 idx.db
    n_indexes=$(grep -c . idx.sql)
    # The search table as casereview's schema made it (empty: the two tables of before).
    case_search=$(sqlite3 cr.db "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = 'case_search'")
    cat >raw.sql <<'SQL'
CREATE TABLE allegations (subject_ref TEXT, surname TEXT, forenames TEXT,
  employment TEXT, rank TEXT, unit TEXT, duty_status TEXT, vetting_status TEXT,
  allegation_ref TEXT, category TEXT, allegation_date TEXT, source TEXT,
  original_outcome TEXT, summary TEXT);
.import --csv --skip 1 data.csv allegations
SQL
    if [ -n "$case_search" ]; then
        # The same table, with the same options; a case's document is its
        # subject's, as one row per subject (case numbers in import order).
        fts_work="one FTS5 row per subject"
        cat >>raw.sql <<SQL
$case_search;
INSERT INTO case_search(rowid, subject, allegations)
  SELECT min(rowid), subject_ref || ' ' || surname || ' ' || forenames,
    group_concat(allegation_ref || ' ' || summary, ' ')
  FROM allegations GROUP BY subject_ref ORDER BY 1;
SQL
    else
        fts_work="FTS5 rebuild"
        cat >>raw.sql <<'SQL'
CREATE VIRTUAL TABLE allegation_search USING fts5(allegation_ref, summary,
  content='allegations', tokenize='unicode61 remove_diacritics 2');
INSERT INTO allegation_search(allegation_search) VALUES ('rebuild');
CREATE VIRTUAL TABLE subject_search USING fts5(subject_ref, surname, forenames,
  content='allegations', tokenize='unicode61 remove_diacritics 2');
INSERT INTO subject_search(subject_search) VALUES ('rebuild');
SQL
    fi
    m=$(measure sqlite3 raw.db ".read raw.sql")
    read -r t_raw rss_raw <<<"$m"
    m=$(measure sqlite3 idx.db ".read idx.sql")
    read -r t_idx rss_idx <<<"$m"
    [ "$rss_idx" -le "$rss_raw" ] || rss_raw=$rss_idx
    rm -f idx.db*
    t_raw=$(awk -v a="$t_raw" -v b="$t_idx" 'BEGIN { printf "%.6f", a + b }')
    row "import $n" "$(awk -v r="$rows" -v s="$t_cr" 'BEGIN { printf "%.1fk rows/s (%.1f s)", r / s / 1000, s }')" \
        "$(awk -v r="$rows" -v s="$t_raw" -v f="$fts_work" -v i="$t_idx" -v k="$n_indexes" 'BEGIN { printf "`.import` + %s, then its %d indexes (%.1f s) %.1fk rows/s (%.1f s)", f, k, i, r / s / 1000, s }')" \
        "$t_cr" "$t_raw"
    row "import $n, peak memory (RSS)" "$(mb "$rss_cr")" "the raw stages (the larger) $(mb "$rss_raw")" "$rss_cr" "$rss_raw"
    # Memory flat: the largest import against the size before it (1M against 100k).
    if [ -n "$first_rss" ] && [ "$n" = "${sizes[-1]}" ]; then
        row "import $n, peak memory against the import of $first_n" "$(mb "$rss_cr")" \
            "$(mb "$first_rss") at $first_n cases" "$rss_cr" "$first_rss"
    fi
    first_n=$n first_rss=$rss_cr
    # The median of three re-imports: one run swings by a third on a shared machine.
    t_again=$(for _ in 1 2 3; do once "$bin" --as cadmin --db cr.db import data.csv; done | sort -g | sed -n 2p)
    row "re-import, nothing new (median of 3)" "$(ms "$t_again")" "first import $(ms "$t_cr")" "$t_again" "$t_cr"

    # Search, first page.  With case_search, results come newest first and a
    # word is a prefix only when the user types `*`: the raw query is the
    # same MATCH on it, newest first, LIMIT 50.  Without it, casereview
    # quotes each word and makes the last a prefix, and the raw query is one
    # MATCH of the same words on the table holding them, LIMIT 50.
    surname=$(sqlite3 cr.db "SELECT surname FROM subjects WHERE surname NOT GLOB '*[^A-Za-z]*'
        GROUP BY surname ORDER BY count(*), surname LIMIT 1")
    ref=$(sqlite3 cr.db "SELECT ref FROM allegations WHERE id >= (SELECT max(id) / 2 FROM allegations) LIMIT 1")
    if [ -n "$case_search" ]; then
        # Each token of the reference required: the index (detail=none)
        # answers no phrase, so casereview asks the same and then checks,
        # on the cases found, that the tokens stand together.
        tokens=$(printf '%s\n' "$ref" | tr -cs 'A-Za-z0-9\n' ' ' | sed 's/^ *//; s/ *$//; s/[^ ]*/"&"/g')
        searches=("common word:victim:case_search:\"victim\"" "rare surname:$surname:case_search:\"$surname\""
            "reference:$ref:case_search:$tokens" "prefix:vict*:case_search:\"vict\"*")
        newest=" ORDER BY rowid DESC"
    else
        searches=("common word:victim:allegation_search:\"victim\"" "rare surname:$surname:subject_search:\"$surname\""
            "reference:$ref:allegation_search:\"$ref\"" "prefix:vict:allegation_search:\"vict\"*")
        newest=
    fi
    for s in "${searches[@]}"; do
        IFS=: read -r what words table match <<<"$s"
        t_cr=$(median "$bin" --as cadmin --db cr.db list --search "$words" --limit 50)
        t_raw=$(median sqlite3 cr.db "SELECT rowid FROM $table WHERE $table MATCH '$match'$newest LIMIT 50")
        row "search first page, $what ($words)" "$(ms "$t_cr")" "FTS5 \`MATCH '$match'$newest LIMIT 50\` $(ms "$t_raw")" "$t_cr" "$t_raw"
    done

    # Start-up.
    t_cr=$(median "$bin" --version)
    t_raw=$(median sqlite3 --version)
    t_true=$(median /bin/true)
    row "\`casereview --version\`" "$(ms "$t_cr")" "\`sqlite3 --version\` $(ms "$t_raw")" "$t_cr" "$t_raw"
    row "\`casereview --version\` over the floor" "$(ms "$t_cr")" "\`/bin/true\` $(ms "$t_true")" "$t_cr" "$t_true"

    # Read commands: a page of the queue (audited: its begin and end events
    # commit), against sqlite3 running the engine's SELECT for that page;
    # stats, against sqlite3 reading the same stored counts.
    t_cr=$(median "$bin" --as cadmin --db cr.db list --limit 50)
    t_raw=$(median sqlite3 cr.db "$(page_sql 0 50)")
    row "\`list --limit 50\` (audited)" "$(ms "$t_cr")" "\`sqlite3\` running its page's SELECT $(ms "$t_raw")" "$t_cr" "$t_raw"
    t_cr=$(median "$bin" --as cadmin --db cr.db stats)
    t_raw=$(median sqlite3 cr.db "SELECT * FROM case_counts; SELECT * FROM outcome_counts; SELECT * FROM counters")
    row "\`stats\`" "$(ms "$t_cr")" "\`sqlite3\` reading its counts $(ms "$t_raw")" "$t_cr" "$t_raw"

    # The workstation's keys (scripted, 80x24: 21 rows a screen), each
    # reading and drawing a screen: PgDn from the top, against sqlite3
    # reading the same pages by keyset in one process; PgUp back from the
    # end (G), against PgDn over the same pages.  Per key, from the median
    # of the differences between runs with and without the keys.
    nk=$((n / 21 - 2))
    [ $nk -le 1000 ] || nk=1000
    if [ -n "$tbin" ] && [ $nk -lt 1 ]; then
        echo "ratios.sh: $n cases fill less than three screens: no rows for PgDn and PgUp" >&2
    fi
    if [ -n "$tbin" ] && [ $nk -ge 1 ]; then
        # x O: all cases, the closed too (the workstation opens on what
        # waits for the user: the admin's is empty), riskiest first, as the
        # raw pages read them.
        { k x O q y; } >"$keys/start"
        { k x O; for ((i = 0; i < nk; i++)); do k '<PgDn>'; done; k q y; } >"$keys/down"
        { k x O G q y; } >"$keys/last"
        { k x O G; for ((i = 0; i < nk; i++)); do k '<PgUp>'; done; k q y; } >"$keys/up"
        { k x O G; for ((i = 0; i < nk; i++)); do k '<PgUp>'; done; for ((i = 0; i < nk; i++)); do k '<PgDn>'; done; k q y; } >"$keys/updown"
        # The pages PgDn reads from the top: after the 21st row, the 42nd, ...
        sqlite3 cr.db "SELECT sortkey FROM (SELECT sortkey, row_number() OVER (ORDER BY sortkey) AS r FROM cases)
            WHERE r % 21 = 0 ORDER BY sortkey LIMIT $nk" | while read -r key; do page_sql "$key" 21; done >"$keys/pages.sql"
        page_sql 0 21 >"$keys/page.sql"
        : >"$keys/times"
        once scripted "$keys/start" >/dev/null # a warm-up
        for ((r = 0; r < runs; r++)); do
            echo "$(once scripted "$keys/start") $(once scripted "$keys/down") $(once scripted "$keys/last")" \
                "$(once scripted "$keys/up") $(once scripted "$keys/updown")" \
                "$(once sqlite3 cr.db ".read $keys/page.sql") $(once sqlite3 cr.db ".read $keys/pages.sql")" >>"$keys/times"
        done
        per_key() { # column with the keys, column without -> seconds a key (median over the runs)
            awk -v a="$1" -v b="$2" -v n="$nk" '{ print ($a - $b) / n }' "$keys/times" |
                sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
        }
        t_down=$(per_key 2 1)
        t_raw=$(per_key 7 6)
        t_up=$(per_key 4 3)
        t_down_deep=$(per_key 5 4)
        row "PgDn in the workstation, per key ($nk from the top)" "$(ms "$t_down")" \
            "\`sqlite3\` reading the same pages by keyset $(ms "$t_raw")" "$t_down" "$t_raw"
        row "PgUp in the workstation, per key ($nk back from the end)" "$(ms "$t_up")" \
            "PgDn over the same pages $(ms "$t_down_deep")" "$t_up" "$t_down_deep"
    fi

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
        "$(awk -v b="$s_raw" 'BEGIN { printf "raw.db (the bare table and its search index) %.1f MB", b / 1e6 }')" "$s_cr" "$s_raw"
    [ $pg = 0 ] || pg_table "$n"
done
