-- The figures (store.h, "The figures"; core/sqlite/report.c): the counters
-- kept by 001-tables.sql's triggers, the cases as the figures read them
-- (now, or as they stood before a second), and the workload's reading.
--
-- Every reader must be on the pinned roster (cr_login(); the service role
-- reads as itself).  What the figures mean, and whose a user may see, is
-- core's (core/report.c); the server holds back only what core never shows
-- a person: another reviewer's outcome mix (reviewer_outcomes: supervisors
-- and admins read every row, a reviewer their own, anyone else none), the
-- workload (assigned_cases: supervisors and admins) and the cases one by
-- one (case_facts: the admin's report).
-- Rows come in the order SQLite's statements give them: a WITHOUT ROWID
-- table's key, compared byte for byte (COLLATE "C", as SQLite's BINARY).

-- The roster's role bits of the session (1 reviewer, 2 supervisor, 4 admin,
-- 8 panel: 1 << enum cr_role), all of them for the service role; refuses
-- anyone not on the roster (cr_login()).
CREATE FUNCTION cr_report_roles() RETURNS integer
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp AS $$
BEGIN
    IF cr_is_service() THEN
        RETURN -1;
    END IF;
    RETURN (SELECT roles FROM people WHERE login = cr_login());
END $$;

CREATE FUNCTION cr_case_counts()
RETURNS TABLE (state text, outcome text, categories integer, n bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp AS $$
BEGIN
    PERFORM cr_report_roles();
    RETURN QUERY SELECT c.state, c.outcome, c.categories, c.n::bigint FROM case_counts c
        ORDER BY c.state COLLATE "C", c.outcome COLLATE "C", c.categories;
END $$;

CREATE FUNCTION cr_outcome_counts()
RETURNS TABLE (state text, outcome text, vetting_review integer, n bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp AS $$
BEGIN
    PERFORM cr_report_roles();
    RETURN QUERY SELECT c.state, c.outcome, c.vetting_review, c.n::bigint FROM outcome_counts c
        WHERE c.n > 0
        ORDER BY c.state COLLATE "C", c.outcome COLLATE "C", c.vetting_review;
END $$;

CREATE FUNCTION cr_record_counts() RETURNS TABLE (name text, n bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp AS $$
BEGIN
    PERFORM cr_report_roles();
    RETURN QUERY SELECT c.name, c.n::bigint FROM counters c ORDER BY c.name COLLATE "C";
END $$;

-- Each case now (as_at 0), or as it stood before the second as_at: the
-- state the case's last audit event before then left it in (flagged when
-- none), the decision of the highest round taken before then, the
-- categories of the allegations imported before then (NULL when none: 0),
-- the subject's details as they are today.  followed: only the cases of
-- subjects with more than one case.  By case number, as SQLite reads them.
-- Case by case (a subject's unit, rank, employment): report's, which is the
-- admin's (core/disclose.c; README) and the service role's; anyone else on
-- the roster gets the stats' part (below), and is otherwise refused in core's
-- words.
CREATE FUNCTION cr_case_facts(as_at bigint, followed boolean)
RETURNS TABLE (subject_id bigint, state text, outcome text, vetting_review integer,
               categories integer, unit text, rank text, employment text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp AS $$
DECLARE
    bits integer := cr_report_roles();
BEGIN
    -- Anyone on the roster reads the stats (core/report.c's from_counters), which
    -- need only the followed subjects' cases now: for them, those cases with each
    -- subject a number of this call's own and nothing of the person (unit, rank,
    -- employment), so psql learns no more than the stats' counts of persons.
    IF bits IS NOT NULL AND bits <> 0 AND bits & 4 = 0 AND followed AND as_at = 0 THEN
        RETURN QUERY
            WITH f AS (SELECT c.subject_id AS sid, c.state AS st, c.outcome AS oc,
                              c.vetting_review AS vr, c.categories AS ca,
                              md5(c.subject_id::text || salt.v) AS k
                       FROM cases c,
                            (SELECT gen_random_uuid()::text AS v) salt
                       WHERE c.subject_id IN (SELECT x.subject_id FROM cases x
                                              WHERE x.previous_case_id IS NOT NULL))
            SELECT dense_rank() OVER (ORDER BY f.k)::bigint, f.st, f.oc, f.vr, f.ca,
                   NULL::text, NULL::text, NULL::text
            FROM f ORDER BY f.k;
        RETURN;
    END IF;
    IF bits & 4 = 0 THEN
        RAISE EXCEPTION USING ERRCODE = 'CR403',
            MESSAGE = format('report needs the admin role; you (%s) are %s', cr_login(),
                coalesce(nullif(cr_names_text(bits, ARRAY['reviewer', 'supervisor', 'admin',
                                                           'panel']), ''),
                         'on the roster without a role'));
    END IF;
    IF as_at IS NULL OR as_at < 0 THEN
        RAISE EXCEPTION USING ERRCODE = 'CR003', MESSAGE = 'figures: no such time';
    END IF;
    IF as_at = 0 THEN
        RETURN QUERY SELECT c.subject_id, c.state, c.outcome, c.vetting_review, c.categories,
                s.unit, s.rank, s.employment
            FROM cases c JOIN subjects s ON s.id = c.subject_id
            WHERE NOT followed OR c.subject_id IN
                (SELECT f.subject_id FROM cases f WHERE f.previous_case_id IS NOT NULL)
            ORDER BY c.id;
        RETURN;
    END IF;
    RETURN QUERY
        WITH a AS (
            SELECT c.id AS id, c.subject_id AS subject_id,
                coalesce((SELECT e.state_after FROM audit_events e WHERE e.case_id = c.id
                    AND e.at < as_at AND e.state_after IS NOT NULL
                    ORDER BY e.id DESC LIMIT 1), 'flagged') AS state,
                (SELECT max(d.round) FROM decisions d
                    WHERE d.case_id = c.id AND d.decided_at < as_at) AS round
            FROM cases c WHERE c.created_at < as_at AND (NOT followed OR c.subject_id IN
                (SELECT f.subject_id FROM cases f WHERE f.previous_case_id IS NOT NULL)))
        SELECT a.subject_id, a.state, d.outcome, d.vetting_review,
            (SELECT bool_or(l.category = 'domestic_violence')::integer
                    | (bool_or(l.category = 'sexual_offence')::integer << 1)
                FROM allegations l JOIN imports i ON i.id = l.import_id
                WHERE l.case_id = a.id AND i.at < as_at),
            s.unit, s.rank, s.employment
        FROM a JOIN subjects s ON s.id = a.subject_id
        LEFT JOIN decisions d ON d.case_id = a.id AND d.round = a.round
        ORDER BY a.id;
END $$;

-- The cases in state whose SLA clock started before since_before and that
-- are not paused at now.
CREATE FUNCTION cr_cases_waiting(in_state text, since_before bigint, at_now bigint)
RETURNS bigint
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp AS $$
BEGIN
    PERFORM cr_report_roles();
    RETURN (SELECT count(*) FROM cases WHERE state = in_state AND state_since < since_before
        AND state_since + clock_shift < since_before AND coalesce(paused_until, 0) <= at_now);
END $$;

-- The first decisions (round 1) taken from `from_at` up to, not including, `to_at`.
CREATE FUNCTION cr_first_decisions(from_at bigint, to_at bigint) RETURNS bigint
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp AS $$
BEGIN
    PERFORM cr_report_roles();
    RETURN (SELECT count(*) FROM decisions WHERE round = 1 AND decided_at >= from_at
        AND decided_at < to_at);
END $$;

-- Each reviewer's outcome mix (n > 0), by login: every row for a supervisor,
-- an admin or the service role, a reviewer's own rows, nothing for others
-- (core/report.c, reviewers_visible).
CREATE FUNCTION cr_reviewer_outcomes() RETURNS TABLE (reviewer text, outcome text, n bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp AS $$
DECLARE
    bits integer := cr_report_roles();
    me text := CASE WHEN cr_is_service() THEN NULL ELSE cr_login() END;
BEGIN
    RETURN QUERY SELECT r.reviewer, r.outcome, r.n::bigint FROM reviewer_outcomes r
        WHERE r.n > 0 AND (bits & 6 <> 0 OR (bits & 1 <> 0 AND r.reviewer = me))
        ORDER BY r.reviewer COLLATE "C", r.outcome COLLATE "C";
END $$;

-- The panel's finished rounds on each reviewer's decisions, by login (the
-- dashboard's dissent per round adds up every row, for everyone).
CREATE FUNCTION cr_panel_rounds() RETURNS TABLE (reviewer text, finished bigint, returned bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp AS $$
BEGIN
    PERFORM cr_report_roles();
    RETURN QUERY SELECT p.reviewer, p.finished::bigint, p.returned::bigint FROM panel_rounds p
        ORDER BY p.reviewer COLLATE "C";
END $$;

-- The open cases someone holds, by assignee, state and the second they
-- entered it: the workload, which is a supervisor's or an admin's to read
-- (core/workload.c).
CREATE FUNCTION cr_assigned_cases()
RETURNS TABLE (assignee text, state text, state_since bigint, n bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp AS $$
BEGIN
    IF cr_report_roles() & 6 = 0 THEN
        RAISE EXCEPTION USING ERRCODE = 'CR403',
            MESSAGE = format('workload needs the supervisor or admin role; you (%s) have '
                'neither: it shows every reviewer''s cases', cr_login());
    END IF;
    RETURN QUERY SELECT c.assignee, c.state, c.state_since, count(*) FROM cases c
        WHERE c.state IN ('flagged', 'in_review', 'awaiting_approval', 'panel_review',
            'returned') AND c.assignee IS NOT NULL
        GROUP BY c.assignee, c.state, c.state_since
        ORDER BY c.assignee COLLATE "C", c.state COLLATE "C", c.state_since;
END $$;

REVOKE EXECUTE ON FUNCTION cr_report_roles() FROM PUBLIC;
