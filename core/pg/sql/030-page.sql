-- Pages of the queue (core/pg/page.c): the filtered pages, what waits for a
-- person, their counts, and the search, as the SQLite engine's page.c and
-- phrase.c give them: the same rows in the same order, keyset paging on the
-- same keys (cases.sortkey, the case number, or the search's case number),
-- never an offset.
--
-- Each statement is built here, from fixed fragments chosen by the
-- arguments' shape (one statement per shape, so that each uses its index);
-- every value is a parameter of EXECUTE ... USING, never text in the SQL.
--
-- Need-to-know: the scope core passes (panel only, a unit kept out, the
-- subjects declared) is applied as given, AND the server's own for the
-- session's person (cr_login(): a person with no role but the panel sees
-- only the cases that went before the panel; with settings same_unit = 'on'
-- none of their own unit's; none of the subjects they declared): the
-- intersection, so that a psql session cannot widen it (the server's scope
-- is 020-case.sql's cr_case_scope, the one every read applies).  The service
-- role (setup, export by the administrator's tools) is not narrowed.
-- Blind voting (SPEC section 4, core's cr_panel_progress): a panel member who
-- has not voted on a case's current decision, on an outcome whose sign-off is
-- blind, gets none of its votes in a row's tally (votes and kinds NULL).

-- The words typed as PostgreSQL queries, with SQLite's meaning (page.c's
-- search_query, phrase.c): the words are split at blanks (space, tab, CR,
-- LF); every token of every word is required anywhere in the case's
-- document (q: all of them ANDed); a word ending in `*` makes its last
-- token a prefix; a word of several tokens must also stand whole in one
-- field of the case (phrases: one phrase query a word, tokens followed by
-- one another).  Quotes are not syntax: they are punctuation, as in SQLite.
-- q is NULL when the words hold no token (they find nothing).
CREATE FUNCTION cr_search_query(words text, OUT q tsquery, OUT phrases tsquery[])
LANGUAGE plpgsql IMMUTABLE SET search_path = casereview, pg_catalog, pg_temp AS $$
DECLARE
    w text;
    toks text[];
    all_toks text[] := '{}';
    lit text;
BEGIN
    phrases := '{}';
    FOR w IN SELECT x FROM regexp_split_to_table(coalesce(words, ''), '[ \t\n\r]+') x
             WHERE x <> '' LOOP
        SELECT coalesce(array_agg(
                   '''' || replace(replace(t.lexeme, '\', '\\'), '''', '''''') || ''''
                   ORDER BY p.pos), '{}')
          INTO toks
          FROM unnest(search_vector(w)) t, unnest(t.positions) p(pos);
        IF cardinality(toks) = 0 THEN
            CONTINUE;
        END IF;
        IF right(w, 1) = '*' THEN
            toks[cardinality(toks)] := toks[cardinality(toks)] || ':*';
        END IF;
        all_toks := all_toks || toks;
        IF cardinality(toks) >= 2 THEN
            phrases := phrases || array_to_string(toks, ' <-> ')::tsquery;
        END IF;
    END LOOP;
    IF cardinality(all_toks) > 0 THEN
        q := array_to_string(all_toks, ' & ')::tsquery;
    END IF;
END $$;

-- The conditions every list and count ends with ($12 the scope's unit, $13
-- its subjects, $14 .. $16 the server's own, $7 the assignee filter, $8 the
-- unit filter, $6 the phrases): page.c's scope_where.
CREATE FUNCTION cr_page_scope_where(core_panel boolean, core_unit boolean, core_refs boolean,
                                    own_panel boolean, own_unit boolean, own_refs boolean,
                                    assignee boolean, unit boolean, phrases boolean)
RETURNS text LANGUAGE plpgsql IMMUTABLE SET search_path = casereview, pg_catalog, pg_temp AS $$
DECLARE
    w text := '';
BEGIN
    IF core_panel OR own_panel THEN
        w := w || ' AND c.panel_round > 0';
    END IF;
    IF core_unit THEN
        w := w || ' AND s.unit IS DISTINCT FROM $12';
    END IF;
    IF core_refs THEN
        w := w || ' AND s.ref <> ALL ($13)';
    END IF;
    IF own_unit THEN
        w := w || ' AND s.unit IS DISTINCT FROM $14';
    END IF;
    IF own_refs THEN
        w := w || ' AND s.ref <> ALL ($15)';
    END IF;
    IF assignee THEN
        w := w || ' AND c.assignee = $7 AND c.state <> ''closed''';
    END IF;
    IF unit THEN
        w := w || ' AND s.unit = $8';
    END IF;
    IF phrases THEN
        w := w || ' AND NOT EXISTS (SELECT 1 FROM unnest($6) ph(q) WHERE NOT EXISTS ('
               'SELECT 1 FROM (SELECT s.ref AS t UNION ALL SELECT s.surname '
               'UNION ALL SELECT s.forenames '
               'UNION ALL SELECT a.ref FROM allegations a WHERE a.case_id = c.id '
               'UNION ALL SELECT a.summary FROM allegations a WHERE a.case_id = c.id '
               'UNION ALL SELECT k.ref FROM case_links k WHERE k.case_id = c.id '
               'AND k.removed_by IS NULL) f WHERE search_vector(f.t) @@ ph.q))';
    END IF;
    RETURN w;
END $$;

-- " AND (...)": the cases a late cut admits ($now the time, $st/$bf the
-- states and the times before which their clock must have started).
CREATE FUNCTION cr_page_late_where(now_p int, states_p int, before_p int) RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = casereview, pg_catalog, pg_temp AS $$
    SELECT format(' AND coalesce(c.paused_until, 0) <= $%s AND EXISTS (SELECT 1 FROM '
                  'unnest($%s, $%s) l(st, bf) WHERE c.state = l.st '
                  'AND c.state_since + c.clock_shift < l.bf)', now_p, states_p, before_p)
$$;

-- What a clause of a queue admits (internal.h's struct cr_queue_clause, as
-- JSON: states, assigned, quorum_blocked, late, unrouted, not_done and
-- not_done_round as lists of names), $17 the queue's login: page.c's
-- clause_where.
CREATE FUNCTION cr_page_clause_where(k jsonb) RETURNS text
LANGUAGE plpgsql IMMUTABLE SET search_path = casereview, pg_catalog, pg_temp AS $$
DECLARE
    w text := '(';
    states text[];
    act text;
    round boolean;
    tbl text;
    who text;
    also text;
BEGIN
    IF coalesce((k ->> 'assigned')::boolean, false) THEN
        w := w || 'c.assignee = $17 AND ';
    END IF;
    SELECT coalesce(array_agg(x), '{}') INTO states FROM jsonb_array_elements_text(k -> 'states') x;
    IF cardinality(states) = 0 THEN
        w := w || 'false';
    ELSE
        w := w || format('c.state = ANY (%L::text[])', states);
    END IF;
    IF coalesce((k ->> 'quorum_blocked')::boolean, false) THEN
        w := w || ' AND c.quorum_blocked = 1';
    END IF;
    IF coalesce((k ->> 'late')::boolean, false) THEN
        w := w || cr_page_late_where(18, 19, 20);
    END IF;
    IF coalesce((k ->> 'unrouted')::boolean, false) THEN
        w := w || ' AND (c.approver IS NULL OR c.approver = $17)';
    END IF;
    FOR act, round IN
        SELECT x, false FROM jsonb_array_elements_text(coalesce(k -> 'not_done', '[]')) x
        UNION ALL
        SELECT x, true FROM jsonb_array_elements_text(coalesce(k -> 'not_done_round', '[]')) x
    LOOP
        also := '';
        CASE act
        WHEN 'decide' THEN tbl := 'decisions d'; who := 'd.reviewer';
        WHEN 'approve' THEN tbl := 'approvals a'; who := 'a.supervisor';
        WHEN 'vote' THEN tbl := 'votes v'; who := 'v.member';
        WHEN 'return' THEN
            IF round THEN
                RAISE EXCEPTION USING ERRCODE = 'CR003',
                    MESSAGE = 'what waits: an act no table records';
            END IF;
            tbl := 'audit_events e'; who := 'e.actor'; also := ' AND e.action = ''return''';
        ELSE
            RAISE EXCEPTION USING ERRCODE = 'CR003',
                MESSAGE = 'what waits: an act no table records';
        END CASE;
        w := w || format(' AND NOT EXISTS (SELECT 1 FROM %s WHERE %s.case_id = c.id', tbl,
                         right(tbl, 1));
        IF round THEN
            w := w || format(' AND %s.round = c.round', right(tbl, 1));
        END IF;
        w := w || also || format(' AND %s = $17)', who);
    END LOOP;
    RETURN w || ')';
END $$;

-- Refuse (CR403) unless the session is the service role or an admin: the
-- export is the admin's disclosure of the whole caseload.
CREATE FUNCTION cr_page_admin() RETURNS void
LANGUAGE plpgsql STABLE SET search_path = casereview, pg_catalog, pg_temp AS $$
DECLARE
    me text;
BEGIN
    IF cr_is_service() THEN
        RETURN;
    END IF;
    me := cr_login();
    IF NOT EXISTS (SELECT 1 FROM people p WHERE p.login = me AND p.roles & 4 <> 0) THEN
        RAISE EXCEPTION USING ERRCODE = 'CR403',
            MESSAGE = format('you (%s) are not an admin: the export is the admin''s', me);
    END IF;
END $$;

-- The statement of a page or count: page.c's page_sql (queue null) or
-- mine_sql (queue: the clauses).  key: 'sortkey', 'id' or 'search'; down:
-- the key read downwards.  Parameters (cr_page_run binds them all):
-- $1 cursor, $2 state, $3 outcome, $4 categories, $5 q, $6 phrases,
-- $7 assignee, $8 unit, $9 .. $11 the overdue cut, $12 $13 core's scope,
-- $14 $15 the server's, $16 the limit, $17 the queue's login, $18 .. $20 the
-- queue's late cut.
CREATE FUNCTION cr_page_sql(count_only boolean, key text, down boolean, state_p text,
                            open_p boolean, outcome_p text, no_outcome boolean,
                            has_category boolean, searching boolean, has_phrases boolean,
                            has_assignee boolean, has_unit boolean, has_late boolean,
                            core_panel boolean, core_unit boolean, core_refs boolean,
                            own_panel boolean, own_unit boolean, own_refs boolean,
                            queue jsonb)
RETURNS text LANGUAGE plpgsql IMMUTABLE SET search_path = casereview, pg_catalog, pg_temp AS $$
DECLARE
    cols text := 'c.id, c.sortkey, c.priority, c.created_at, c.state_since, c.state, '
                 'c.outcome, c.categories, c.n_allegations, s.duty_status, s.ref, s.surname, '
                 's.forenames, s.rank, s.unit, c.assignee, c.decided_by, c.approver, '
                 'c.decided_at, c.vetting_review, c.quorum_blocked, c.version, c.clock_shift, '
                 'coalesce(c.paused_until, 0) AS paused_until, ';
    k text;
    sql text;
    cl jsonb;
    first boolean := true;
BEGIN
    IF queue IS NOT NULL THEN
        k := 'c.sortkey';
        sql := format('SELECT %s%s AS k FROM cases c JOIN subjects s ON s.id = c.subject_id '
                      'WHERE c.sortkey %s $1 AND (', cols, k, CASE WHEN down THEN '<' ELSE '>' END);
        FOR cl IN SELECT x FROM jsonb_array_elements(queue) x LOOP
            sql := sql || CASE WHEN first THEN '' ELSE ' OR ' END || cr_page_clause_where(cl);
            first := false;
        END LOOP;
        sql := sql || CASE WHEN first THEN 'false' ELSE '' END || ')';
        IF state_p IS NOT NULL THEN
            sql := sql || ' AND c.state = $2';
        END IF;
        IF outcome_p IS NOT NULL THEN
            sql := sql || ' AND c.outcome = $3';
        ELSIF no_outcome THEN
            sql := sql || ' AND c.outcome IS NULL';
        END IF;
        IF has_category THEN
            sql := sql || ' AND c.categories = ANY ($4)';
        END IF;
        IF has_late THEN
            sql := sql || cr_page_late_where(9, 10, 11);
        END IF;
        IF searching THEN
            sql := sql || ' AND c.id IN (SELECT f.case_id FROM case_search f WHERE f.doc @@ $5)';
        END IF;
    ELSE
        IF key NOT IN ('sortkey', 'id', 'search') THEN
            RAISE EXCEPTION USING ERRCODE = 'CR003', MESSAGE = format('page: no key %s', key);
        END IF;
        IF key = 'search' THEN
            k := 'f.case_id';
            sql := format('SELECT %s%s AS k FROM case_search f JOIN cases c ON c.id = f.case_id '
                          'JOIN subjects s ON s.id = c.subject_id WHERE f.doc @@ $5 AND %s %s $1',
                          cols, k, k, CASE WHEN down THEN '<' ELSE '>' END);
        ELSE
            k := 'c.' || key;
            sql := format('SELECT %s%s AS k FROM cases c JOIN subjects s ON s.id = c.subject_id '
                          'WHERE %s %s $1', cols, k, k, CASE WHEN down THEN '<' ELSE '>' END);
        END IF;
        IF state_p IS NOT NULL THEN
            sql := sql || ' AND c.state = $2';
        ELSIF open_p THEN
            sql := sql || ' AND c.state <> ''closed''';
        END IF;
        IF no_outcome THEN
            sql := sql || ' AND c.outcome IS NULL';
        ELSIF outcome_p IS NOT NULL THEN
            sql := sql || ' AND c.outcome = $3';
        END IF;
        IF has_category THEN
            sql := sql || ' AND c.categories = ANY ($4)';
        END IF;
        IF has_late THEN
            sql := sql || cr_page_late_where(9, 10, 11);
        END IF;
    END IF;
    sql := sql || cr_page_scope_where(core_panel, core_unit, core_refs, own_panel, own_unit,
                                      own_refs, has_assignee, has_unit, has_phrases);
    IF count_only THEN
        RETURN 'SELECT count(*) FROM (' || sql || ' LIMIT $16) n';
    END IF;
    RETURN sql || ' ORDER BY ' || k || CASE WHEN down THEN ' DESC' ELSE '' END || ' LIMIT $16';
END $$;

-- The rows of a page, read in key order (downwards when down), limit_p of
-- them (the caller asks one more to know whether more follow), each with
-- its panel's votes of the current round when in panel_review (votes: each
-- vote; kinds: the member kind of each concurring vote; my_vote: viewer's,
-- which must be the session's own).
-- Arguments: the filter (state, open, outcome, no outcome yet, the
-- categories admitted, the words, assignee, unit), the overdue cut
-- (late_now NULL: none), core's scope, the queue (NULL for a filtered
-- page: internal.h's struct cr_queue as JSON, its login and late cut), the
-- key, direction, cursor and limit.
CREATE FUNCTION cr_page_rows(count_only boolean, state_p text, open_p boolean, outcome_p text,
                             no_outcome boolean, categories_p integer[], words text,
                             assignee_p text, unit_p text, late_now bigint, late_states text[],
                             late_before bigint[], scope_panel boolean, scope_unit text,
                             scope_refs text[], queue jsonb, queue_login text, qlate_now bigint,
                             qlate_states text[], qlate_before bigint[], key text, down boolean,
                             cursor_p bigint, limit_p bigint, viewer text, disclose boolean)
RETURNS TABLE (id bigint, sortkey bigint, priority integer, created_at bigint,
               state_since bigint, state text, outcome text, categories integer,
               n_allegations integer, duty_status text, ref text, surname text,
               forenames text, rank text, unit text, assignee text, decided_by text,
               approver text, decided_at bigint, vetting_review integer, quorum_blocked integer,
               version integer, clock_shift bigint, paused_until bigint, votes text[],
               kinds text[], my_vote text)
LANGUAGE plpgsql STABLE SET search_path = casereview, pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    own record;
    q tsquery;
    phr tsquery[] := '{}';
    searching boolean := words IS NOT NULL;
    sql text;
    me text;
    panel boolean;
BEGIN
    IF disclose THEN
        -- The export: the admin's disclosure of every case (core's
        -- cr_policy_disclosure_scope), need-to-know not applied, only for
        -- an admin (or the service role).
        PERFORM cr_page_admin();
        SELECT false AS service, false AS panel_only, NULL::text AS unit, '{}'::text[] AS refs
          INTO own;
        own.service := cr_is_service();
    ELSE
        SELECT * INTO own FROM cr_case_scope();
    END IF;
    -- The viewer is the session's own person (their vote, their blindness).
    IF viewer IS NOT NULL OR NOT own.service THEN
        me := cr_actor(viewer);
    END IF;
    IF queue IS NOT NULL AND NOT own.service THEN
        PERFORM cr_actor(queue_login); -- what waits for the session's person, no one else's
    END IF;
    panel := NOT own.service AND EXISTS (SELECT 1 FROM people p WHERE p.login = me
                                         AND p.roles & 8 <> 0);
    IF searching THEN
        SELECT x.q, x.phrases INTO q, phr FROM cr_search_query(words) x;
        IF q IS NULL THEN
            RETURN; -- words with no token in them find nothing
        END IF;
    END IF;
    sql := cr_page_sql(count_only, key, down, state_p, coalesce(open_p, false), outcome_p,
                       coalesce(no_outcome, false), categories_p IS NOT NULL, searching,
                       cardinality(phr) > 0, assignee_p IS NOT NULL,
                       unit_p IS NOT NULL, late_now IS NOT NULL, coalesce(scope_panel, false),
                       scope_unit IS NOT NULL, cardinality(scope_refs) > 0, own.panel_only,
                       own.unit IS NOT NULL, cardinality(own.refs) > 0, queue);
    IF count_only THEN
        RETURN QUERY EXECUTE 'SELECT n.count, NULL::bigint, NULL::integer, NULL::bigint, '
            'NULL::bigint, NULL, NULL, NULL::integer, NULL::integer, NULL, NULL, NULL, NULL, '
            'NULL, NULL, NULL, NULL, NULL, NULL::bigint, NULL::integer, NULL::integer, '
            'NULL::integer, NULL::bigint, NULL::bigint, NULL::text[], NULL::text[], NULL '
            'FROM (' || sql || ') n(count)'
            USING cursor_p, state_p, outcome_p, categories_p,
                  q, phr,
                  assignee_p, unit_p, late_now, late_states, late_before, scope_unit,
                  scope_refs, own.unit, own.refs, limit_p, queue_login, qlate_now,
                  qlate_states, qlate_before;
        RETURN;
    END IF;
    RETURN QUERY EXECUTE
        'SELECT r.id, r.sortkey, r.priority, r.created_at, r.state_since, r.state, r.outcome, '
        'r.categories, r.n_allegations, r.duty_status, r.ref, r.surname, r.forenames, r.rank, '
        'r.unit, r.assignee, r.decided_by, r.approver, r.decided_at, r.vetting_review, '
        'r.quorum_blocked, r.version, r.clock_shift, r.paused_until, '
        'CASE WHEN $22 AND t.mine IS NULL AND cr_outcome_blind(r.outcome) THEN NULL '
        'ELSE t.votes END, '
        'CASE WHEN $22 AND t.mine IS NULL AND cr_outcome_blind(r.outcome) THEN NULL '
        'ELSE t.kinds END, t.mine '
        'FROM (' || sql || ') r LEFT JOIN LATERAL (SELECT array_agg(v.vote ORDER BY v.id) '
        'AS votes, array_agg(v.member_kind ORDER BY v.id) FILTER (WHERE v.vote = ''concur'') '
        'AS kinds, '
        'max(v.vote) FILTER (WHERE v.member = $21) AS mine '
        'FROM votes v JOIN cases c2 ON c2.id = v.case_id AND v.round = c2.round '
        'WHERE v.case_id = r.id AND r.state = ''panel_review'') t ON true ORDER BY r.k'
        || CASE WHEN down THEN ' DESC' ELSE '' END
        USING cursor_p, state_p, outcome_p, categories_p,
              q, phr,
              assignee_p, unit_p, late_now, late_states, late_before, scope_unit,
              scope_refs, own.unit, own.refs, limit_p, queue_login, qlate_now,
              qlate_states, qlate_before, me, panel;
END $$;

-- The API: a page (or, with count_only, its count capped at limit_p, in id).
CREATE FUNCTION cr_page(count_only boolean, state_p text, open_p boolean, outcome_p text,
                        no_outcome boolean, categories_p integer[], words text,
                        assignee_p text, unit_p text, late_now bigint, late_states text[],
                        late_before bigint[], scope_panel boolean, scope_unit text,
                        scope_refs text[], key text, down boolean, cursor_p bigint,
                        limit_p bigint, viewer text)
RETURNS TABLE (id bigint, sortkey bigint, priority integer, created_at bigint,
               state_since bigint, state text, outcome text, categories integer,
               n_allegations integer, duty_status text, ref text, surname text,
               forenames text, rank text, unit text, assignee text, decided_by text,
               approver text, decided_at bigint, vetting_review integer, quorum_blocked integer,
               version integer, clock_shift bigint, paused_until bigint, votes text[],
               kinds text[], my_vote text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp AS $$
    SELECT * FROM casereview.cr_page_rows(count_only, state_p, open_p, outcome_p, no_outcome,
        categories_p, words, assignee_p, unit_p, late_now, late_states, late_before,
        scope_panel, scope_unit, scope_refs, NULL, NULL, NULL, NULL, NULL, key, down, cursor_p,
        limit_p, viewer, false)
$$;

-- The API: a page of the export (export_scan), cr_page's arguments: every
-- case core's scope admits, for an admin, the server's need-to-know not
-- applied (the export is the admin's disclosure of the whole caseload).
CREATE FUNCTION cr_export_page(count_only boolean, state_p text, open_p boolean, outcome_p text,
                               no_outcome boolean, categories_p integer[], words text,
                               assignee_p text, unit_p text, late_now bigint,
                               late_states text[], late_before bigint[], scope_panel boolean,
                               scope_unit text, scope_refs text[], key text, down boolean,
                               cursor_p bigint, limit_p bigint, viewer text)
RETURNS TABLE (id bigint, sortkey bigint, priority integer, created_at bigint,
               state_since bigint, state text, outcome text, categories integer,
               n_allegations integer, duty_status text, ref text, surname text,
               forenames text, rank text, unit text, assignee text, decided_by text,
               approver text, decided_at bigint, vetting_review integer, quorum_blocked integer,
               version integer, clock_shift bigint, paused_until bigint, votes text[],
               kinds text[], my_vote text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp AS $$
    SELECT * FROM casereview.cr_page_rows(count_only, state_p, open_p, outcome_p, no_outcome,
        categories_p, words, assignee_p, unit_p, late_now, late_states, late_before,
        scope_panel, scope_unit, scope_refs, NULL, NULL, NULL, NULL, NULL, key, down, cursor_p,
        limit_p, viewer, true)
$$;

-- The API: what waits for queue_login (clauses: JSON, see cr_page_clause_where),
-- narrowed by the filter, by sortkey; or its count.  queue_login is the
-- session's own (the service role's as given): nobody reads another's queue.
CREATE FUNCTION cr_list_mine(count_only boolean, queue jsonb, queue_login text,
                             qlate_now bigint, qlate_states text[], qlate_before bigint[],
                             state_p text, outcome_p text, no_outcome boolean,
                             categories_p integer[], words text, assignee_p text, unit_p text,
                             late_now bigint, late_states text[], late_before bigint[],
                             scope_panel boolean, scope_unit text, scope_refs text[],
                             down boolean, cursor_p bigint, limit_p bigint, viewer text)
RETURNS TABLE (id bigint, sortkey bigint, priority integer, created_at bigint,
               state_since bigint, state text, outcome text, categories integer,
               n_allegations integer, duty_status text, ref text, surname text,
               forenames text, rank text, unit text, assignee text, decided_by text,
               approver text, decided_at bigint, vetting_review integer, quorum_blocked integer,
               version integer, clock_shift bigint, paused_until bigint, votes text[],
               kinds text[], my_vote text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp AS $$
    SELECT * FROM casereview.cr_page_rows(count_only, state_p, false, outcome_p, no_outcome,
        categories_p, words, assignee_p, unit_p, late_now, late_states, late_before,
        scope_panel, scope_unit, scope_refs, coalesce(queue, '[]'), queue_login, qlate_now,
        qlate_states, qlate_before, 'sortkey', down, cursor_p, limit_p, viewer, false)
$$;

-- The API: how many cases the counters hold (the export checks it read
-- them all): for an admin or the service role, as the export.
CREATE FUNCTION cr_page_total() RETURNS bigint
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp AS $$
BEGIN
    PERFORM cr_page_admin();
    RETURN (SELECT coalesce(sum(n), 0)::bigint FROM case_counts);
END $$;

REVOKE EXECUTE ON FUNCTION cr_search_query(text), cr_page_admin(),
  cr_page_scope_where(boolean, boolean, boolean, boolean, boolean, boolean, boolean, boolean,
                      boolean),
  cr_page_late_where(int, int, int), cr_page_clause_where(jsonb),
  cr_page_sql(boolean, text, boolean, text, boolean, text, boolean, boolean, boolean, boolean,
              boolean, boolean, boolean, boolean, boolean, boolean, boolean, boolean, boolean,
              jsonb),
  cr_page_rows(boolean, text, boolean, text, boolean, integer[], text, text, text, bigint,
               text[], bigint[], boolean, text, text[], jsonb, text, bigint, text[], bigint[],
               text, boolean, bigint, bigint, text, boolean) FROM PUBLIC;
