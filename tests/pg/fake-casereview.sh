#!/usr/bin/env bash
# A stand-in for casereview in tests/pg/libmode.sh, until the PostgreSQL
# engine runs: it prints the database argument it was given (--db, or else
# $CASEREVIEW_DB) and what psql sees through it ('session_user|database'),
# then its stdin when an argument is '-'.  'init' also makes, as
# the service role, a schema casereview with a table 'cases' of two rows.
# Exit status: that of psql.
db='' as=''
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
    case ${args[i]} in
    --db) db=${args[i + 1]} ;;
    --db=*) db=${args[i]#--db=} ;;
    --as) as=${args[i + 1]} ;;
    esac
done
[ -n "$db" ] || db=${CASEREVIEW_DB:-./casereview.db}
echo "as=$as"
echo "db=$db"
psql -X -A -t -q -v ON_ERROR_STOP=1 "$db" -c "SELECT session_user, current_database()" || exit $?
if [ "${args[*]}" != "${args[*]/init/}" ]; then
    psql -X -q -v ON_ERROR_STOP=1 "${db%%&user=*}&user=casereview" -c "CREATE SCHEMA casereview;
        CREATE TABLE casereview.cases (id int, note text);
        INSERT INTO casereview.cases VALUES (1, NULL), (2, 'a|b')" || exit $?
fi
for a in "${args[@]}"; do
    [ "$a" = - ] && echo "stdin=$(cat)"
done
exit 0
