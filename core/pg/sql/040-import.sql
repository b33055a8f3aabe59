-- The import (core/pg/import.c): one write transaction from cr_import_begin
-- to the engine's COMMIT.  The rows of subjects and allegations the
-- database does not hold come by COPY into a staging table of the
-- importing session (pg_temp.cr_import_stage, made here, owned by the
-- service role, the session granted INSERT only) and are written set-wise
-- by cr_import_flush; a row that meets what the database holds (its
-- subject or allegation there before, or written by a row that came this
-- way) is one call of cr_import_row, which answers it as SQLite's
-- sq_import_row does.  The ids are the engine's to give (the next after the
-- highest, as SQLite's rowids; the write lock of cr_begin_write keeps them
-- free), so that both ways number alike in file order.  At the end
-- cr_import_figures settles the touched cases' figures, the engine
-- computes their priorities by core's rule (cr_priority) and cr_import_end
-- takes those that changed, fills the search documents and moves the
-- identities on, once.  A row the database holds alike (the digests of
-- cr_import_refs) is known in the engine, without a call.

-- The import under way in this session: its id, the new_case_states bits,
-- and the first id of each kind it may give (what it gave is at or above).
-- A temporary table of the service role: the session can read none of it.
CREATE FUNCTION cr_import_ctx() RETURNS TABLE (import_id bigint, states integer,
    first_subject bigint, first_case bigint, first_allegation bigint, first_link bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp AS $$
BEGIN
    -- The import's tables, made by cr_import_begin: the service role's, in this session.
    IF (SELECT count(*) FROM pg_class c
        WHERE c.oid IN (to_regclass('pg_temp.cr_import_ctx'), to_regclass('pg_temp.cr_import_stage'),
                        to_regclass('pg_temp.cr_import_touched'))
        AND c.relnamespace = pg_my_temp_schema() AND c.relkind = 'r'
        AND c.relowner = (SELECT d.datdba FROM pg_database d
                          WHERE d.datname = current_database())) <> 3 THEN
        RAISE EXCEPTION USING ERRCODE = 'CR003', MESSAGE = 'no import is under way';
    END IF;
    RETURN QUERY SELECT c.import_id, c.states, c.first_subject, c.first_case,
        c.first_allegation, c.first_link FROM pg_temp.cr_import_ctx c;
END $$;

-- SHA-256 in hex of texts, each as its length in bytes, ':', itself, ';'
-- (import.c's digest() makes the same of a row).
CREATE FUNCTION cr_import_digest(t text[]) RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = casereview, pg_catalog, pg_temp AS $$
    SELECT encode(sha256(convert_to(string_agg(octet_length(v) || ':' || v || ';', ''
                                               ORDER BY i), 'UTF8')), 'hex')
    FROM unnest(t) WITH ORDINALITY u(v, i)
$$;

-- Begin an import of the file label: the service role or an admin of the
-- pinned roster only.  Returns its id and the first id of each kind the
-- engine gives, and makes the session's staging table.
CREATE FUNCTION cr_import_begin(label text, states integer)
RETURNS TABLE (import_id bigint, next_subject bigint, next_case bigint,
    next_allegation bigint, next_link bigint)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    who text := cr_actor(NULL);
    id bigint;
BEGIN
    IF NOT cr_is_service() AND NOT EXISTS (SELECT 1 FROM people p WHERE p.login = who
                                           AND (p.roles & 4) <> 0) THEN
        RAISE EXCEPTION USING ERRCODE = 'CR403',
            MESSAGE = format('import needs the admin role; you (%s) do not have it', who);
    END IF;
    IF to_regclass('pg_temp.cr_import_ctx') IS NOT NULL
       OR to_regclass('pg_temp.cr_import_stage') IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'CR001', MESSAGE = 'an import is already under way';
    END IF;
    -- The next number, as SQLite's rowid (a rolled-back import's is given again).
    id := (SELECT coalesce(max(i.id), 0) + 1 FROM imports i);
    INSERT INTO imports(id, at, label) VALUES (id, cr_now(), label);
    CREATE TEMP TABLE cr_import_ctx ON COMMIT DROP AS
        SELECT id AS import_id, states,
            (SELECT coalesce(max(s.id), 0) + 1 FROM subjects s) AS first_subject,
            (SELECT coalesce(max(c.id), 0) + 1 FROM cases c) AS first_case,
            (SELECT coalesce(max(a.id), 0) + 1 FROM allegations a) AS first_allegation,
            (SELECT coalesce(max(k.id), 0) + 1 FROM case_links k) AS first_link;
    -- Cases whose figures (fig) or only search documents the import changes.
    CREATE TEMP TABLE cr_import_touched (id bigint PRIMARY KEY, fig boolean NOT NULL,
        line bigint NOT NULL DEFAULT 0) ON COMMIT DROP;
    -- kind: s subject, c case (its figures: n, n_sexual, date the latest
    -- allegation's, priority as core's cr_priority makes it), a allegation, l link.
    CREATE TEMP TABLE cr_import_stage (kind text NOT NULL, id bigint NOT NULL,
        line bigint NOT NULL, ref text, subject_id bigint, case_id bigint,
        surname text, forenames text, employment text, rank text, unit text,
        duty_status text, vetting_status text, category text, date text, source text,
        original_outcome text, summary text, link_kind text, status text,
        n integer, n_sexual integer, priority integer) ON COMMIT DROP;
    EXECUTE format('GRANT INSERT ON pg_temp.cr_import_stage TO %I', session_user);
    RETURN QUERY SELECT c.import_id, c.first_subject, c.first_case, c.first_allegation,
        c.first_link FROM pg_temp.cr_import_ctx c;
END $$;

-- Every reference the database holds before the import, with what a row
-- is compared with: 's' a subject (ref, id, the digest of its details but
-- vetting, its vetting status), 'a' an allegation (ref, case, subject, the
-- digest of its details; none for an erased case's).  A row that is found
-- alike needs no call; one with neither reference comes by COPY.
CREATE FUNCTION cr_import_refs() RETURNS TABLE (kind text, ref text, id bigint, owner bigint,
    digest text, vetting text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp AS $$
BEGIN
    PERFORM cr_import_ctx();
    RETURN QUERY SELECT 's'::text, s.ref, s.id, NULL::bigint,
            cr_import_digest(ARRAY[s.surname, s.forenames, s.employment, s.rank, s.unit,
                                   s.duty_status]), s.vetting_status
        FROM subjects s
        UNION ALL
        SELECT 'a'::text, a.ref, a.case_id, c.subject_id,
            CASE WHEN e.case_id IS NULL THEN
                cr_import_digest(ARRAY[a.category, a.date, a.source, a.original_outcome,
                                       a.summary]) END, NULL::text
        FROM allegations a JOIN cases c ON c.id = a.case_id
        LEFT JOIN erasures e ON e.case_id = a.case_id;
END $$;

-- Write the staged rows set-wise, in id order, and empty the stage.  The
-- stage is the session's to fill: every row is checked as the import's
-- reader checks it (cr_import_row's callers), and may only make new
-- subjects, their new cases, those cases' allegations and links.
CREATE FUNCTION cr_import_flush() RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp
-- JIT compiles these set-wise statements for a second and saves less.
SET jit = off AS $$
#variable_conflict use_column
DECLARE
    x record;
    bad record;
    n bigint;
    now bigint := cr_now();
BEGIN
    SELECT * INTO x FROM cr_import_ctx();
    SELECT s.kind, s.line INTO bad FROM pg_temp.cr_import_stage s WHERE NOT (
        (s.kind = 's' AND s.id >= x.first_subject AND octet_length(s.ref) BETWEEN 1 AND 64
         AND octet_length(s.surname) BETWEEN 1 AND 256
         AND octet_length(s.forenames) BETWEEN 1 AND 256
         AND octet_length(s.rank) BETWEEN 1 AND 256 AND octet_length(s.unit) BETWEEN 1 AND 256)
        OR (s.kind = 'c' AND s.id >= x.first_case AND s.subject_id >= x.first_subject
            AND s.n >= 0 AND s.n_sexual BETWEEN 0 AND s.n AND s.priority IS NOT NULL)
        OR (s.kind = 'a' AND s.id >= x.first_allegation AND s.case_id >= x.first_case
            AND octet_length(s.ref) BETWEEN 1 AND 64 AND s.date ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'
            AND octet_length(s.original_outcome) BETWEEN 1 AND 1024
            AND octet_length(s.summary) >= 1)
        OR (s.kind = 'l' AND s.id >= x.first_link AND s.case_id >= x.first_case
            AND length(s.ref) >= 1 AND s.status IS NOT NULL))
        LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'CR003',
            MESSAGE = format('import: staged row %s of line %s is not one an import makes',
                             bad.kind, bad.line);
    END IF;
    INSERT INTO subjects(id, ref, surname, forenames, employment, rank, unit, duty_status,
        vetting_status, import_id, import_line)
        SELECT s.id, s.ref, s.surname, s.forenames, s.employment, s.rank, s.unit,
            s.duty_status, s.vetting_status, x.import_id, s.line
        FROM pg_temp.cr_import_stage s WHERE s.kind = 's' ORDER BY s.id;
    -- A new case with its figures and priority as the engine tallied them.
    INSERT INTO cases(id, subject_id, state, state_since, created_at, n_allegations, n_sexual,
        latest_allegation, priority)
        SELECT s.id, s.subject_id, 'flagged', now, now, s.n, s.n_sexual, s.date, s.priority
        FROM pg_temp.cr_import_stage s WHERE s.kind = 'c' ORDER BY s.id;
    INSERT INTO allegations(id, ref, case_id, category, date, source, original_outcome,
        summary, import_id, import_line)
        SELECT s.id, s.ref, s.case_id, s.category, s.date, s.source, s.original_outcome,
            s.summary, x.import_id, s.line
        FROM pg_temp.cr_import_stage s WHERE s.kind = 'a' ORDER BY s.id;
    INSERT INTO case_links(id, case_id, kind, ref, status, import_id, import_line, added_at)
        SELECT s.id, s.case_id, s.link_kind, s.ref, s.status, x.import_id, s.line, now
        FROM pg_temp.cr_import_stage s WHERE s.kind = 'l' ORDER BY s.id;
    INSERT INTO pg_temp.cr_import_touched(id, fig, line)
        SELECT s.id, true, 0 FROM pg_temp.cr_import_stage s WHERE s.kind = 'c'
        ON CONFLICT (id) DO NOTHING;
    SELECT count(*) INTO n FROM pg_temp.cr_import_stage;
    TRUNCATE pg_temp.cr_import_stage;
    RETURN n;
END $$;

-- One row that meets what the database holds, as SQLite's sq_import_row
-- answers it (every staged row written before: the engine flushes first).
-- vetting NULL: none in the row; has_vetting: the file has the column.
-- The ids it would give are next_*; made_* say which it gave.  Columns are
-- named as the import's (cr_column_names).
CREATE FUNCTION cr_import_row(line bigint, subject_ref text, surname text, forenames text,
    employment text, rank text, unit text, duty_status text, vetting text, has_vetting boolean,
    allegation_ref text, category text, date text, source text, original_outcome text,
    summary text, next_subject bigint, next_case bigint, next_allegation bigint)
RETURNS TABLE (outcome text, conflict_column text, other_line bigint, other_case bigint,
    case_id bigint, state text, made_subject boolean, made_case boolean, reopened boolean,
    added_to_open boolean, updated boolean, update_case bigint, update_state text,
    b_surname text, b_forenames text, b_employment text, b_rank text, b_unit text,
    b_duty text, b_vetting text)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    x record;
    s record;
    a record;
    sid bigint;
    differs text;
    latest bigint;
    lstate text;
    now bigint := cr_now();
BEGIN
    SELECT * INTO x FROM cr_import_ctx();
    IF next_subject < x.first_subject OR next_case < x.first_case
       OR next_allegation < x.first_allegation THEN
        RAISE EXCEPTION USING ERRCODE = 'CR003', MESSAGE = 'import: ids not the import''s';
    END IF;
    -- What the import's reader checks of a value (core/import.c), checked again here.
    IF NOT (octet_length(subject_ref) BETWEEN 1 AND 64
            AND octet_length(allegation_ref) BETWEEN 1 AND 64
            AND octet_length(surname) BETWEEN 1 AND 256
            AND octet_length(forenames) BETWEEN 1 AND 256
            AND octet_length(rank) BETWEEN 1 AND 256 AND octet_length(unit) BETWEEN 1 AND 256
            AND date ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'
            AND octet_length(original_outcome) BETWEEN 1 AND 1024
            AND octet_length(summary) >= 1) THEN
        RAISE EXCEPTION USING ERRCODE = 'CR003',
            MESSAGE = format('import: line %s is not a row an import takes', line);
    END IF;
    outcome := 'added'; made_subject := false; made_case := false; reopened := false;
    added_to_open := false; updated := false; other_line := 0; other_case := 0;
    -- A row of an erased case: skipped whole.
    IF EXISTS (SELECT 1 FROM allegations e JOIN erasures r ON r.case_id = e.case_id
               WHERE e.ref = allegation_ref) THEN
        outcome := 'erased';
        RETURN NEXT;
        RETURN;
    END IF;
    SELECT * INTO s FROM subjects t WHERE t.ref = subject_ref;
    IF NOT FOUND THEN
        INSERT INTO subjects(id, ref, surname, forenames, employment, rank, unit, duty_status,
            vetting_status, import_id, import_line)
            VALUES (next_subject, subject_ref, surname, forenames, employment, rank, unit,
                    duty_status, vetting, x.import_id, line);
        sid := next_subject;
        made_subject := true;
    ELSE
        sid := s.id;
        differs := CASE
            WHEN s.surname IS DISTINCT FROM surname THEN 'surname'
            WHEN s.forenames IS DISTINCT FROM forenames THEN 'forenames'
            WHEN s.employment IS DISTINCT FROM employment THEN 'employment'
            WHEN s.rank IS DISTINCT FROM rank THEN 'rank'
            WHEN s.unit IS DISTINCT FROM unit THEN 'unit'
            WHEN s.duty_status IS DISTINCT FROM duty_status THEN 'duty_status'
            WHEN has_vetting AND s.vetting_status IS DISTINCT FROM vetting
                THEN 'vetting_status' END;
        IF differs IS NOT NULL AND s.import_id = x.import_id THEN
            outcome := 'conflict'; conflict_column := differs; other_line := s.import_line;
            RETURN NEXT;
            RETURN;
        END IF;
        IF differs IS NOT NULL THEN
            b_surname := s.surname; b_forenames := s.forenames; b_employment := s.employment;
            b_rank := s.rank; b_unit := s.unit; b_duty := s.duty_status;
            b_vetting := s.vetting_status;
            UPDATE subjects t SET surname = cr_import_row.surname,
                forenames = cr_import_row.forenames, employment = cr_import_row.employment,
                rank = cr_import_row.rank, unit = cr_import_row.unit,
                duty_status = cr_import_row.duty_status,
                vetting_status = CASE WHEN has_vetting THEN vetting ELSE t.vetting_status END,
                import_id = x.import_id, import_line = line
            WHERE t.id = sid;
            SELECT c.id, c.state INTO update_case, update_state FROM cases c
                WHERE c.subject_id = sid ORDER BY c.id DESC LIMIT 1;
            update_case := coalesce(update_case, 0);
            updated := true;
            -- Its cases' documents follow; the open ones from before, their priority.
            INSERT INTO pg_temp.cr_import_touched(id, fig, line)
                SELECT c.id, c.state <> 'closed' AND c.id < x.first_case, 0 FROM cases c
                WHERE c.subject_id = sid
                ON CONFLICT (id) DO UPDATE SET fig = cr_import_touched.fig OR excluded.fig;
        END IF;
    END IF;

    SELECT e.id, e.case_id, e.category, e.date, e.source, e.original_outcome, e.summary,
        e.import_id, e.import_line, c.subject_id INTO a
        FROM allegations e JOIN cases c ON c.id = e.case_id WHERE e.ref = allegation_ref;
    IF FOUND THEN
        other_case := a.case_id;
        other_line := CASE WHEN a.import_id = x.import_id THEN a.import_line ELSE 0 END;
        differs := CASE
            WHEN a.subject_id <> sid THEN 'subject_ref'
            WHEN a.category IS DISTINCT FROM category THEN 'category'
            WHEN a.date IS DISTINCT FROM date THEN 'allegation_date'
            WHEN a.source IS DISTINCT FROM source THEN 'source'
            WHEN a.original_outcome IS DISTINCT FROM original_outcome THEN 'original_outcome'
            WHEN a.summary IS DISTINCT FROM summary THEN 'summary' END;
        IF differs IS NULL THEN
            outcome := 'known'; case_id := a.case_id;
        ELSE
            outcome := 'conflict'; conflict_column := differs;
        END IF;
        RETURN NEXT;
        RETURN;
    END IF;

    -- A new allegation: the subject's latest case, or a new one after it.
    IF NOT made_subject THEN
        SELECT c.id, c.state INTO latest, lstate FROM cases c WHERE c.subject_id = sid
            ORDER BY c.id DESC LIMIT 1;
    END IF;
    IF latest IS NOT NULL AND NOT ((x.states >> (CASE lstate WHEN 'flagged' THEN 0
            WHEN 'in_review' THEN 1 WHEN 'awaiting_approval' THEN 2 WHEN 'panel_review' THEN 3
            WHEN 'returned' THEN 4 WHEN 'closed' THEN 5 END)) & 1 = 1) THEN
        case_id := latest;
        state := lstate;
        added_to_open := latest < x.first_case AND NOT EXISTS (
            SELECT 1 FROM pg_temp.cr_import_touched t WHERE t.id = latest AND t.line > 0);
    ELSE
        INSERT INTO cases(id, subject_id, previous_case_id, state, state_since, created_at)
            VALUES (next_case, sid, latest, 'flagged', now, now);
        case_id := next_case;
        state := 'flagged';
        made_case := true;
        reopened := latest IS NOT NULL;
    END IF;
    INSERT INTO allegations(id, ref, case_id, category, date, source, original_outcome,
        summary, import_id, import_line)
        VALUES (next_allegation, allegation_ref, case_id, category, date, source,
                original_outcome, summary, x.import_id, line);
    INSERT INTO pg_temp.cr_import_touched(id, fig, line) VALUES (case_id, true, line)
        ON CONFLICT (id) DO UPDATE SET fig = true,
            line = greatest(cr_import_touched.line, excluded.line);
    RETURN NEXT;
END $$;

-- A linked reference of import line `line` on case case_id, unless the case
-- has ever had ref (false then).  id: the one to give it.
CREATE FUNCTION cr_import_link(case_id bigint, line bigint, kind text, ref text, status text,
    id bigint) RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    x record;
BEGIN
    SELECT * INTO x FROM cr_import_ctx();
    IF id < x.first_link THEN
        RAISE EXCEPTION USING ERRCODE = 'CR003', MESSAGE = 'import: ids not the import''s';
    END IF;
    IF EXISTS (SELECT 1 FROM case_links k WHERE k.case_id = cr_import_link.case_id
               AND k.ref = cr_import_link.ref) THEN
        RETURN false;
    END IF;
    INSERT INTO case_links(id, case_id, kind, ref, status, import_id, import_line, added_at)
        VALUES (id, case_id, kind, ref, status, x.import_id, line, cr_now());
    INSERT INTO pg_temp.cr_import_touched(id, fig) VALUES (case_id, false)
        ON CONFLICT (id) DO NOTHING;
    RETURN true;
END $$;

-- The import's figures, once its rows are all in: each touched case's
-- allegations, sexual offences and latest allegation, then what its
-- priority follows (core's cr_priority, in the engine): the subject's duty
-- status, the figures with those of the subject's earlier cases when it
-- follows one, and the priority it has.
CREATE FUNCTION cr_import_figures() RETURNS TABLE (id bigint, duty text, n integer,
    n_sexual integer, latest text, priority integer)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp
-- JIT compiles these set-wise statements for a second and saves less.
SET jit = off AS $$
#variable_conflict use_column
DECLARE
    x record;
BEGIN
    SELECT * INTO x FROM cr_import_ctx();
    PERFORM cr_import_flush();
    -- The figures: a case from before adds this import's allegations to its own; a case
    -- the import made has only this import's (and may have them already: flush).
    UPDATE cases c SET n_allegations = v.n, n_sexual = v.ns, latest_allegation = v.latest
        FROM (SELECT k.id,
                  CASE WHEN k.id >= x.first_case THEN t.n ELSE k.n_allegations + t.n END AS n,
                  CASE WHEN k.id >= x.first_case THEN t.ns ELSE k.n_sexual + t.ns END AS ns,
                  CASE WHEN k.id >= x.first_case THEN t.latest
                       ELSE greatest(coalesce(k.latest_allegation, ''), t.latest) END AS latest
              FROM (SELECT e.case_id, count(*)::integer AS n,
                           count(*) FILTER (WHERE e.category = 'sexual_offence')::integer AS ns,
                           max(e.date) AS latest
                    FROM allegations e WHERE e.import_id = x.import_id GROUP BY e.case_id) t
              JOIN cases k ON k.id = t.case_id) v
        WHERE c.id = v.id AND (c.n_allegations, c.n_sexual, c.latest_allegation)
            IS DISTINCT FROM (v.n, v.ns, v.latest);
    RETURN QUERY SELECT k.id, s.duty_status, k.n_allegations + coalesce(p.n, 0),
            k.n_sexual + coalesce(p.ns, 0), k.latest_allegation, k.priority
        FROM pg_temp.cr_import_touched t JOIN cases k ON k.id = t.id
        JOIN subjects s ON s.id = k.subject_id
        LEFT JOIN LATERAL (SELECT sum(q.n_allegations)::integer AS n,
                                  sum(q.n_sexual)::integer AS ns
                           FROM cases q WHERE k.previous_case_id IS NOT NULL
                           AND q.subject_id = k.subject_id AND q.id < k.id) p ON true
        WHERE t.fig ORDER BY k.id;
END $$;

-- The import's end, before the engine commits: the priorities that changed
-- (ids[i] takes priorities[i]; only cases the import touched), the
-- import's counts, each touched case's search document, and the
-- identities moved past the ids the import gave.
CREATE FUNCTION cr_import_end(rows bigint, new_allegations bigint, new_cases bigint,
    ids bigint[], priorities bigint[])
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp
-- JIT compiles these set-wise statements for a second and saves less.
SET jit = off AS $$
#variable_conflict use_column
DECLARE
    x record;
BEGIN
    SELECT * INTO x FROM cr_import_ctx();
    PERFORM cr_import_flush();
    UPDATE cases c SET priority = v.p
        FROM unnest(ids, priorities) v(id, p)
        WHERE c.id = v.id AND c.id IN (SELECT t.id FROM pg_temp.cr_import_touched t WHERE t.fig);
    UPDATE imports i SET rows = cr_import_end.rows,
        new_allegations = cr_import_end.new_allegations, new_cases = cr_import_end.new_cases
        WHERE i.id = x.import_id;
    -- The touched cases' documents as case_documents (001-tables.sql) composes
    -- them, each case's allegations and links gathered in one pass rather than
    -- by the view's query per case (300 ms -> 18 ms for 5,000 new cases).
    INSERT INTO case_search(case_id, doc)
        SELECT c.id, search_vector(s.ref || ' ' || s.surname || ' ' || s.forenames || ' '
                                   || coalesce(a.t, '') || coalesce(' ' || k.t, ''))
        FROM pg_temp.cr_import_touched t
        JOIN cases c ON c.id = t.id
        JOIN subjects s ON s.id = c.subject_id
        LEFT JOIN (SELECT a.case_id, string_agg(a.ref || ' ' || a.summary, ' ' ORDER BY a.id) t
                   FROM allegations a JOIN pg_temp.cr_import_touched u ON u.id = a.case_id
                   GROUP BY a.case_id) a ON a.case_id = c.id
        LEFT JOIN (SELECT k.case_id, string_agg(k.ref, ' ' ORDER BY k.id) t
                   FROM case_links k JOIN pg_temp.cr_import_touched u ON u.id = k.case_id
                   WHERE k.removed_by IS NULL GROUP BY k.case_id) k ON k.case_id = c.id
        ORDER BY c.id
        ON CONFLICT (case_id) DO UPDATE SET doc = excluded.doc;
    PERFORM setval(pg_get_serial_sequence('casereview.' || t, 'id'), m, true)
        FROM (VALUES ('imports', (SELECT max(id) FROM imports)),
                     ('subjects', (SELECT max(id) FROM subjects)),
                     ('cases', (SELECT max(id) FROM cases)),
                     ('allegations', (SELECT max(id) FROM allegations)),
                     ('case_links', (SELECT max(id) FROM case_links))) v(t, m)
        WHERE m IS NOT NULL;
END $$;

REVOKE EXECUTE ON FUNCTION cr_import_ctx(), cr_import_digest(text[]) FROM PUBLIC;
