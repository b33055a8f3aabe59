#!/usr/bin/env bash
# Text round trip: every hostile text of tests/fixtures/text/ goes into the
# decide form's rationale three ways -- typed key by key, pasted (a bracketed
# paste), and written in $EDITOR (C-o) -- at 80x24 and at 120x40, with
# resizes around (and, for multi-line texts, in the middle of) the typing,
# and the rationale stored must be the text byte for byte (CR LF and a lone
# CR stored as LF).  One scripted session per text, way and size, each on a
# case of its own, claimed beforehand through the command line and found in
# the interface by a search for its subject's reference.
# Every text is typed whole, the 50 KB one too (scripted mode takes a line's
# keys as typeahead and draws when they are all in).
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../cli/lib.sh"
export TERM=xterm-256color
unset NO_COLOR VISUAL
export TMPDIR="$T"

TEXTS="$FIXTURES/text"
TYPE_MAX=8192 # a longer text is split for typing at its last line break within this
SESSION_LIMIT=120 # seconds for one session (the longest takes a few, under ASan)

# An editor that writes the text given in $RT_TEXT, as an editor saves a text
# file: followed by one line break (which the program takes off again).
cat >"$T/editor.sh" <<'EOF'
#!/bin/sh
cat "$RT_TEXT" >"$1" && printf '\n' >>"$1"
EOF
chmod +x "$T/editor.sh"
export EDITOR="$T/editor.sh"

fixtures=("$TEXTS"/*.txt)
[ -e "${fixtures[0]}" ] || {
    echo "no texts in $TEXTS"
    exit 1
}
nfix=${#fixtures[@]}
ways=(typed pasted editor)
sizes=(80x24 120x40)

# The database: enough synthetic cases for every text and way, all claimed by
# ejones (a reviewer) through the command line.  A case is used only if
# ejones may claim it and the search for its reference finds it alone.
need=$((nfix * ${#ways[@]}))
"$CASEREVIEW" generate --cases $((need + need / 4 + 10)) --seed 11 >cases.csv
cr --db base.db import cases.csv
expect_rc 0
refs=()
ids=()
while IFS=, read -r id ref; do
    [ ${#ids[@]} -lt "$need" ] || break
    "$CASEREVIEW" --as ejones --db base.db claim "#$id" >/dev/null 2>&1 || continue
    n=$("$CASEREVIEW" --as ejones --db base.db list --search "$ref" --format csv | tail -n +2 | wc -l)
    [ "$n" -eq 1 ] || continue
    ids+=("$id")
    refs+=("$ref")
done < <("$CASEREVIEW" --as cadmin --db base.db list --sort age --format csv | tail -n +2 | cut -d, -f1,6)
if [ ${#ids[@]} -lt "$need" ]; then
    echo "only ${#ids[@]} usable cases, $need needed"
    exit 1
fi

# What must be stored: the text with CR LF and lone CR as LF.
expected() {
    local s
    if LC_ALL=C grep -q $'\r' "$1"; then
        s=$(
            cat "$1"
            echo x
        )
        s=${s%x}
        s=${s//$'\r\n'/$'\n'}
        s=${s//$'\r'/$'\n'}
        printf '%s' "$s"
    else
        cat "$1"
    fi
}

# Bytes around an offset (1-based, as cmp counts) of a file, in hex and as characters.
bytes_at() {
    local from=$(($2 > 9 ? $2 - 9 : 0))
    od -A d -t x1z -j "$from" -N 32 "$1" | head -4
}

# Split a text for typing in two parts at a line break near its middle (or,
# for a long text, at the last line break within $TYPE_MAX bytes): $1.a, $1.b.
split_text() {
    local f=$1 out=$2 lines head_lines size
    size=$(wc -c <"$f")
    lines=$(wc -l <"$f")
    if [ "$size" -gt "$TYPE_MAX" ]; then
        head_lines=$(head -c "$TYPE_MAX" "$f" | wc -l)
    else
        head_lines=$(((lines + 1) / 2))
    fi
    if [ "$head_lines" -eq 0 ]; then
        cp "$f" "$out.a"
        : >"$out.b"
    else
        head -n "$head_lines" "$f" >"$out.a"
        tail -c +$(($(wc -c <"$out.a") + 1)) "$f" >"$out.b"
    fi
}

C_K=$(printf 'C-k %.0s' $(seq 1 60)) # more than enough to cut the whole template

for s in "${!sizes[@]}"; do
    size=${sizes[$s]}
    cols=${size%x*}
    # The sizes it goes to meanwhile: another, one cell larger, and below the minimum.
    if [ "$cols" -eq 80 ]; then
        alt=100x30 near=81x25
    else
        alt=80x24 near=121x41
    fi
    db="t-$size.db"
    cp base.db "$db" && cp base.db.key "$db.key"
    k=0
    for f in "${fixtures[@]}"; do
        name=$(basename "$f" .txt)
        idx=${name%%-*}
        expected "$f" >"want-$name"
        split_text "$f" "part-$name"
        for way in "${ways[@]}"; do
            begin "$name $way $size"
            id=${ids[$k]}
            ref=${refs[$k]}
            k=$((k + 1))
            dir="dumps/$size/$name-$way"
            mkdir -p "$dir"
            keys="$dir/keys"
            {
                echo "# $name, $way, at $size, case $id"
                echo "keys / C-a C-k"
                echo "type $ref"
                echo "keys <Enter>"
                echo "keys d r <Tab> <Tab>"
                case $way in
                typed)
                    echo "keys $C_K"
                    echo "dump cleared.txt"
                    echo "resize $alt"
                    [ $((10#$idx % 2)) -eq 1 ] && printf 'resize %s\nresize %s\n' "$near" "$size"
                    echo "typefile $T/part-$name.a"
                    echo "resize $near"
                    if [ -s "part-$name.b" ]; then
                        echo "typefile $T/part-$name.b"
                    fi
                    [ $((10#$idx % 2)) -eq 1 ] && printf 'resize 60x20\nresize %s\nresize %s\n' "$alt" "$near"
                    ;;
                pasted)
                    echo "keys $C_K"
                    echo "resize $alt"
                    echo "paste $f"
                    [ $((10#$idx % 2)) -eq 1 ] && printf 'resize 79x24\nresize %s\n' "$near"
                    ;;
                editor)
                    echo "resize $alt"
                    echo "keys C-o"
                    [ $((10#$idx % 2)) -eq 1 ] && printf 'resize 60x20\nresize %s\n' "$near"
                    ;;
                esac
                echo "resize $size"
                echo "dump before.txt"
                echo "keys <F2>"
                echo "dump after.txt"
                echo "keys q"
            } >"$keys"
            # A session of its own (setsid): with no job control, a stop signal the
            # program might raise cannot hang the test; a time limit, should it hang.
            (cd "$dir" && RT_TEXT="$f" timeout -k 5 "$SESSION_LIMIT" setsid -w "$CASEREVIEW" \
                --as ejones --db "$T/$db" --script keys --size "$size") >"$T/out" 2>"$T/err"
            rc=$?
            echo $rc >"$T/rc"
            if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
                fail "the session did not end within $SESSION_LIMIT s"
            fi
            expect_rc 0
            expect_empty_err
            rm -f got
            state=$(sql "$db" "select state || ' ' || (rationale is not null) from cases where id = $id")
            if [ "$state" != "awaiting_approval 1" ]; then
                fail "case $id not decided ($state); the screen after F2 says: $(tail -1 "$dir/after.txt" 2>/dev/null)$(grep -h -i -m1 'refus\|needs\|cannot' "$dir/after.txt" 2>/dev/null)"
                continue
            fi
            sql "$db" "select writefile('$T/got', rationale) from cases where id = $id" >/dev/null
            [ -e got ] || : >got # writefile writes nothing for an empty value
            if ! cmp "want-$name" got >"$T/cmp" 2>&1; then
                off=$(sed -n 's/.* byte \([0-9]*\),.*/\1/p' "$T/cmp")
                [ -n "$off" ] || off=$(($(wc -c <"want-$name") + 1))
                fail "stored rationale differs: $(head -1 "$T/cmp") (expected $(wc -c <"want-$name") bytes, stored $(wc -c <got))
  expected (od: offsets from 0, in decimal):
$(bytes_at "want-$name" "$off")
  stored:
$(bytes_at got "$off")"
            fi
        done
    done
done

finish
