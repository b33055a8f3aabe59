#!/usr/bin/env bash
# Screen tests of the terminal interface without a human: each scenario
# (NAME.keys) runs in scripted mode against the same small database and its
# screen dumps are compared with expected/NAME-*.txt.  UPDATE=1 rewrites the
# expected dumps (then read every one of them before committing).
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../cli/lib.sh"
export TERM=xterm-256color
unset NO_COLOR VISUAL
export EDITOR="$here/fake-editor.sh"

# The database: 40 synthetic cases, a subject whose name is 100 cells wide,
# and a summary full of escape sequences and other controls.
"$CASEREVIEW" generate --cases 40 --seed 5 >cases.csv
wide=$(printf '山%.0s' $(seq 1 30))
printf '%s\n' \
    "subject_ref,surname,forenames,employment,rank,unit,duty_status,allegation_ref,category,allegation_date,source,original_outcome,summary" \
    "WIDE1,$wide,Name Of Twenty Cells Wide Here Too,officer,Police Constable,Marine Policing Unit,full,W1,sexual_offence,2024-06-01,hotline,Not recorded,A long name." \
    >special.csv
printf 'ESC1,Escape,Evie,staff,Band C,Contact Centre,full,E1,domestic_violence,2024-05-01,other,NFA,"Clear screen \033[2J red \033[31mTEXT\033[0m bell \007 and CSI \302\233 end."\n' >>special.csv
cr --db t.db import cases.csv
expect_rc 0
cr --db t.db import special.csv
expect_rc 0
cp t.db pristine.db && cp t.db.key pristine.db.key

for script in "$here"/*.keys; do
    name=$(basename "$script" .keys)
    begin "$name"
    cp pristine.db t.db && cp pristine.db.key t.db.key
    rm -f t.db-wal t.db-shm
    # The first line says who plays it and at what size: "# as LOGIN size COLSxROWS"
    read -r _ _ login _ size <"$script"
    # Cases brought to the state the scenario starts from, through the command line.
    if [ -f "$here/$name.setup" ]; then
        . "$here/$name.setup"
    fi
    mkdir -p "dumps/$name"
    (cd "dumps/$name" && CASEREVIEW="$CASEREVIEW" "$CASEREVIEW" --as "$login" --db ../../t.db --script "$script" --size "$size") \
        >"$T/out" 2>"$T/err"
    echo $? >"$T/rc"
    expect_rc 0
    expect_empty_err
    for dump in "dumps/$name"/*.txt; do
        [ -e "$dump" ] || { fail "no screen dumps"; break; }
        want="$here/expected/$name-$(basename "$dump")"
        if [ -n "${UPDATE:-}" ]; then
            cp "$dump" "$want"
        elif ! diff -u "$want" "$dump" >"$T/diff" 2>&1; then
            fail "$(basename "$dump") differs from $(basename "$want"):
$(head -60 "$T/diff")"
        fi
    done
    # Scenario checks on the database, if the scenario has any.
    if [ -f "$here/$name.check" ]; then
        . "$here/$name.check"
    fi
done

finish
