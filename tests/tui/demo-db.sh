# Sourced by the role scenarios' .setup (run.sh): the demo's database in place of t.db.
# `demo` (tui/cli/demo.c) makes 300 cases and takes them through the real workflow to the
# mix a review in progress has, at the pinned clock; the tests' roster (good.yaml) is then
# adopted, so that the people of the screen tests play it.  Made once, copied for each.
if [ ! -f demo/casereview.db ]; then
    printf 'keys q\n' >demo-quit.keys
    "$CASEREVIEW" --as cadmin --script demo-quit.keys demo --dir demo --cases 300 \
        >/dev/null 2>"$T/demo.err" || fail "demo: $(cat "$T/demo.err")"
    AS=cadmin cr --db demo/casereview.db config adopt "$CASEREVIEW_CONFIG"
    expect_rc 0
fi
cp demo/casereview.db t.db && cp demo/casereview.db.key t.db.key
rm -f t.db-wal t.db-shm
