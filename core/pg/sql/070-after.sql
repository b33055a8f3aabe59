-- After the decision (issue 13; core/sqlite/timeline.c, followup.c, erase.c,
-- qa.c): the subject's timeline and linked references, follow-ups, the
-- correction of an allegation, and quality assurance's rows.
--
-- Readers must be on the pinned roster.  Writers write in their own name
-- (cr_actor) at the server's time (cr_now()), and only as core allows
-- (core/timeline.c link_rule, core/followup.c AFTER_ROLES, core/erase.c
-- correct, core/qa.c): core decides and gives the messages; these are the
-- boundary that a psql session meets.  Role bits: 1 << enum cr_role
-- (1 reviewer, 2 supervisor, 4 admin, 8 panel); cr_report_roles()
-- (060-report.sql) gives the session's, -1 for the service role.
-- Who may see a case is 020-case.sql's one rule (cr_case_visible,
-- cr_case_seen: need-to-know, conflicts.same_unit, declared conflicts), on
-- every read and write here: a case kept from the session reads as none
-- (no rows; CR002 "no case N" for a write).

-- A case's search document again, from case_documents (001-tables.sql),
-- after a change of what it is made of.
CREATE FUNCTION cr_after_search(in_case bigint) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp AS $$
BEGIN
    INSERT INTO case_search AS s (case_id, doc)
        SELECT d.id, search_vector(d.subject || ' ' || d.allegations) FROM case_documents d
        WHERE d.id = in_case
        ON CONFLICT (case_id) DO UPDATE SET doc = excluded.doc;
END $$;

-- The case, or CR002.
CREATE FUNCTION cr_after_case(in_case bigint) RETURNS cases
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp AS $$
DECLARE
    c cases;
BEGIN
    SELECT * INTO c FROM cases WHERE id = in_case;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'CR002', MESSAGE = format('no case %s', in_case);
    END IF;
    RETURN c;
END $$;

-- Refuse (CR001, core's CR_ERASED_REFUSAL) what would add to a case purge
-- erased (erasures), doing naming the act.
CREATE FUNCTION cr_after_not_erased(in_case bigint, doing text) RETURNS void
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM erasures e WHERE e.case_id = in_case) THEN
        RAISE EXCEPTION USING ERRCODE = 'CR001',
            MESSAGE = format('case %s was erased (purge): nothing is added to it, so %s is '
                'refused; its tombstone stays as it is', in_case, doing);
    END IF;
END $$;

-- The session's roles as core names them ("reviewer or supervisor"), for a refusal.
CREATE FUNCTION cr_after_roles_text(bits integer) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp AS $$
    SELECT coalesce(nullif(cr_names_text(bits, ARRAY['reviewer', 'supervisor', 'admin',
                                                     'panel']), ''),
                    'on the roster without a role')
$$;

-- The timeline of the subject of a case, in three parts (the engine reads
-- them in one snapshot): its cases by number, their allegations by date then
-- reference, their links in force by case then id; for those who may see
-- the case (no case, or one kept from the session: no rows).
CREATE FUNCTION cr_timeline_cases(in_case bigint)
RETURNS TABLE (id bigint, state text, outcome text, flagged_at bigint, decided_at bigint,
               closed_at bigint, n_allegations integer)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp AS $$
BEGIN
    PERFORM cr_report_roles();
    IF NOT cr_case_visible(in_case) THEN
        RETURN;
    END IF;
    RETURN QUERY SELECT c.id, c.state, c.outcome, c.created_at, coalesce(c.decided_at, 0),
            CASE WHEN c.state = 'closed' THEN c.state_since ELSE 0 END, c.n_allegations
        FROM cases c WHERE c.subject_id = (SELECT x.subject_id FROM cases x WHERE x.id = in_case)
        ORDER BY c.id;
END $$;

CREATE FUNCTION cr_timeline_allegations(in_case bigint)
RETURNS TABLE (case_id bigint, ref text, category text, date text, source text, summary text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp AS $$
BEGIN
    PERFORM cr_report_roles();
    IF NOT cr_case_visible(in_case) THEN
        RETURN;
    END IF;
    RETURN QUERY SELECT a.case_id, a.ref, a.category, a.date, a.source, a.summary
        FROM cases c JOIN allegations a ON a.case_id = c.id
        WHERE c.subject_id = (SELECT x.subject_id FROM cases x WHERE x.id = in_case)
        ORDER BY a.date COLLATE "C", a.ref COLLATE "C";
END $$;

CREATE FUNCTION cr_timeline_links(in_case bigint)
RETURNS TABLE (case_id bigint, kind text, ref text, status text, added_by text, added_at bigint,
               import_line bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp AS $$
BEGIN
    PERFORM cr_report_roles();
    IF NOT cr_case_visible(in_case) THEN
        RETURN;
    END IF;
    RETURN QUERY SELECT k.case_id, k.kind, k.ref, k.status, k.added_by, k.added_at,
            coalesce(k.import_line, 0)::bigint
        FROM cases c JOIN case_links k ON k.case_id = c.id
        WHERE c.subject_id = (SELECT x.subject_id FROM cases x WHERE x.id = in_case)
          AND k.removed_by IS NULL
        ORDER BY k.case_id, k.id;
END $$;

-- Who may link or unlink on a case (core/timeline.c, link_rule): one who
-- may see it, not erased, a supervisor, an admin, or the reviewer who holds
-- the case.  Returns the acting login.
CREATE FUNCTION cr_after_linker(in_case bigint, actor text, what text) RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp AS $$
DECLARE
    who text := cr_actor(actor);
    bits integer := cr_report_roles();
    c cases := cr_after_case(in_case);
BEGIN
    PERFORM cr_case_seen(in_case);
    PERFORM cr_after_not_erased(in_case, what);
    IF bits & 6 <> 0 OR (bits & 1 <> 0 AND c.assignee = who) THEN
        RETURN who;
    END IF;
    IF bits & 1 <> 0 THEN
        RAISE EXCEPTION USING ERRCODE = 'CR403',
            MESSAGE = format('%s needs the reviewer who holds case %s, a supervisor or an admin; '
                'you (%s) do not hold it (%s)', what, in_case, who,
                coalesce(c.assignee, 'nobody does'));
    END IF;
    RAISE EXCEPTION USING ERRCODE = 'CR403',
        MESSAGE = format('%s needs the reviewer who holds case %s, a supervisor or an admin; '
            'you (%s) are none of these', what, in_case, who);
END $$;

-- Mark the link in force of ref on the case removed; how many (0 or 1).
CREATE FUNCTION cr_after_unlink(in_case bigint, in_ref text, who text, reason text)
RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp AS $$
DECLARE
    n integer;
BEGIN
    UPDATE case_links SET removed_by = who, removed_at = cr_now(), removed_reason = reason
        WHERE case_id = in_case AND ref = in_ref AND removed_by IS NULL;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END $$;

-- store.h link_put: the link in force of ref, if any, removed; (kind, ref,
-- status) added by the actor now; the case's search document follows.
CREATE FUNCTION cr_link_put(in_case bigint, in_kind text, in_ref text, in_status text,
                            actor text, reason text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp AS $$
DECLARE
    who text := cr_after_linker(in_case, actor, 'link');
BEGIN
    PERFORM cr_after_unlink(in_case, in_ref, who, reason);
    INSERT INTO case_links (case_id, kind, ref, status, added_by, added_at)
        VALUES (in_case, in_kind, in_ref, in_status, who, cr_now());
    PERFORM cr_after_search(in_case);
END $$;

-- store.h link_remove: CR002 when no link of ref is in force on the case.
CREATE FUNCTION cr_link_remove(in_case bigint, in_ref text, actor text, reason text)
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp AS $$
DECLARE
    who text := cr_after_linker(in_case, actor, 'unlink');
BEGIN
    IF cr_after_unlink(in_case, in_ref, who, reason) = 0 THEN
        RAISE EXCEPTION USING ERRCODE = 'CR002',
            MESSAGE = format('case %s has no linked reference %s in force', in_case, in_ref);
    END IF;
    PERFORM cr_after_search(in_case);
END $$;

-- store.h followup_add: by a supervisor or an admin who may see the case, not
-- erased, whose decision was approved (core/followup.c, followup_may), now.
CREATE FUNCTION cr_followup_add(in_case bigint, in_stage text, in_result text, in_date text,
                                in_detail text, actor text) RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp AS $$
DECLARE
    who text := cr_actor(actor);
    bits integer := cr_report_roles();
    c cases := cr_after_case(in_case);
    new_id bigint;
BEGIN
    PERFORM cr_case_seen(in_case);
    PERFORM cr_after_not_erased(in_case, 'follow-up');
    IF bits & 6 = 0 THEN
        RAISE EXCEPTION USING ERRCODE = 'CR403',
            MESSAGE = format('follow-up needs the supervisor or admin role; you (%s) are %s',
                who, cr_after_roles_text(bits));
    END IF;
    IF c.state NOT IN ('panel_review', 'closed') THEN
        RAISE EXCEPTION USING ERRCODE = 'CR001',
            MESSAGE = format('follow-up needs a case whose decision was approved (panel_review '
                'or closed); case %s is %s', c.id, c.state);
    END IF;
    INSERT INTO follow_ups (case_id, stage, result, date, detail, recorded_by, recorded_at)
        VALUES (c.id, in_stage, in_result, in_date, in_detail, who, cr_now())
        RETURNING id INTO new_id;
    RETURN new_id;
END $$;

-- store.h followup_scan: of one case (none of a case kept from the session),
-- or of every case (0): every case's for the admin (the report's figures)
-- and the service role, for anyone else those of the cases they may see; in
-- id order.
CREATE FUNCTION cr_followup_scan(in_case bigint)
RETURNS TABLE (id bigint, case_id bigint, stage text, result text, date text, detail text,
               recorded_by text, recorded_at bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp AS $$
DECLARE
    everyone boolean := cr_report_roles() & 4 <> 0;
BEGIN
    IF in_case <> 0 AND NOT cr_case_visible(in_case) THEN
        RETURN;
    END IF;
    RETURN QUERY SELECT f.id, f.case_id, f.stage, f.result, f.date, f.detail, f.recorded_by,
            f.recorded_at
        FROM follow_ups f WHERE (in_case = 0 OR f.case_id = in_case)
            AND (in_case <> 0 OR everyone OR cr_case_visible(f.case_id))
        ORDER BY f.id;
END $$;

-- store.h find_allegation: no row when none.
CREATE FUNCTION cr_find_allegation(in_ref text) RETURNS TABLE (id bigint, case_id bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp AS $$
BEGIN
    PERFORM cr_report_roles();
    RETURN QUERY SELECT a.id, a.case_id FROM allegations a WHERE a.ref = in_ref;
END $$;

-- store.h allegation_set: a correction, by an admin (core/erase.c) or the
-- service role; the case's latest allegation and priority as core worked
-- them out; the search document follows.
CREATE FUNCTION cr_allegation_set(in_id bigint, field text, value text, latest text,
                                  in_priority bigint) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp AS $$
DECLARE
    who text := cr_actor(NULL);
    the_case bigint;
BEGIN
    IF cr_report_roles() & 4 = 0 THEN
        RAISE EXCEPTION USING ERRCODE = 'CR403',
            MESSAGE = format('correct needs the admin role; you (%s) are not the admin', who);
    END IF;
    SELECT a.case_id INTO the_case FROM allegations a WHERE a.id = in_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'CR002', MESSAGE = format('correct: no allegation %s', in_id);
    END IF;
    CASE field
    WHEN 'summary' THEN UPDATE allegations SET summary = value WHERE id = in_id;
    WHEN 'date' THEN UPDATE allegations SET date = value WHERE id = in_id;
    WHEN 'source' THEN UPDATE allegations SET source = value WHERE id = in_id;
    WHEN 'original_outcome' THEN UPDATE allegations SET original_outcome = value WHERE id = in_id;
    ELSE
        RAISE EXCEPTION USING ERRCODE = 'CR003', MESSAGE = format('correct: no such field %s', field);
    END CASE;
    UPDATE cases SET latest_allegation = latest, priority = in_priority WHERE id = the_case;
    PERFORM cr_after_search(the_case);
END $$;

-- The configuration's qa: as published with it (cr_config_put: settings qa),
-- or NULL in a database no configuration was published in by this program
-- (rows copied by the service role: then only the roles are checked).
CREATE FUNCTION cr_qa_conf() RETURNS jsonb LANGUAGE sql STABLE
  SET search_path = casereview, pg_catalog, pg_temp AS $$
  SELECT (SELECT st.value::jsonb FROM settings st WHERE st.key = 'qa')
$$;
REVOKE EXECUTE ON FUNCTION cr_qa_conf() FROM PUBLIC;

-- store.h qa_put.  A row without a verdict is a selection: written by the
-- supervisor whose approval of that round it follows (core/qa.c,
-- cr_qa_on_approve), once, with the round's decider and outcome as stored.
-- A row with a verdict records it on the pending row: by the caller in
-- their own name, as core/qa.c allows (may_qa, reviewable, may_review): with
-- qa: configured, one of qa.reviewers when it lists any (cr_config_put
-- publishes them), else a reviewer or a supervisor, who may see the case, not erased, and neither
-- took, approved nor voted on the round's decision nor has seen it since
-- (an event of theirs on the case from the round's decide event on, a QA
-- view aside); core's words.  The row's selection stays as stored.  Times are the server's.  The
-- service role writes the row as given (but at the server's time).
CREATE FUNCTION cr_qa_put(in_case bigint, in_round integer, in_decider text, in_approver text,
                          in_outcome text, in_reason text, in_draw integer, in_digest text,
                          in_qa_by text, in_verdict text, in_qa_reason text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp AS $$
DECLARE
    service boolean := cr_is_service();
    who text;
    row qa;
    dec decisions;
    appr approvals;
    seen_id bigint;
    seen_action text;
    conf jsonb;
BEGIN
    IF in_qa_by IS NULL THEN
        who := cr_actor(in_approver);
        IF NOT service THEN
            SELECT * INTO dec FROM decisions d WHERE d.case_id = in_case AND d.round = in_round;
            SELECT * INTO appr FROM approvals p WHERE p.case_id = in_case AND p.round = in_round;
            IF appr.supervisor IS DISTINCT FROM who OR dec.reviewer IS DISTINCT FROM in_decider
               OR dec.outcome IS DISTINCT FROM in_outcome THEN
                RAISE EXCEPTION USING ERRCODE = 'CR001',
                    MESSAGE = format('qa: only the supervisor who approved round %s of case %s '
                        'selects it for quality review, with its decision as taken',
                        in_round, in_case);
            END IF;
            IF EXISTS (SELECT 1 FROM qa q WHERE q.case_id = in_case AND q.round = in_round) THEN
                RAISE EXCEPTION USING ERRCODE = 'CR001',
                    MESSAGE = format('qa: round %s of case %s was already selected for quality '
                        'review', in_round, in_case);
            END IF;
        END IF;
        INSERT INTO qa AS q (case_id, round, decider, approver, outcome, reason, draw,
                config_digest, selected_at, qa_by, verdict, qa_reason, qa_at)
            VALUES (in_case, in_round, in_decider, who, in_outcome, in_reason, in_draw,
                in_digest, cr_now(), NULL, NULL, NULL, NULL)
            ON CONFLICT (case_id, round) DO UPDATE SET decider = excluded.decider,
                approver = excluded.approver, outcome = excluded.outcome,
                reason = excluded.reason, draw = excluded.draw,
                config_digest = excluded.config_digest, selected_at = excluded.selected_at,
                qa_by = NULL, verdict = NULL, qa_reason = NULL, qa_at = NULL;
        RETURN;
    END IF;
    who := cr_actor(in_qa_by);
    -- Who may review for quality (core/qa.c, may_qa): qa: configured; then those
    -- of qa.reviewers when it lists any, else any reviewer or supervisor.
    IF NOT service THEN
        conf := cr_qa_conf();
        IF conf IS NOT NULL AND coalesce((conf ->> 'on')::integer, 0) = 0 THEN
            RAISE EXCEPTION USING ERRCODE = 'CR403',
                MESSAGE = 'qa: quality assurance is not configured (no qa: in the configuration)';
        ELSIF jsonb_array_length(coalesce(conf -> 'reviewers', '[]')) > 0 THEN
            IF NOT coalesce(conf -> 'reviewers', '[]') ? who THEN
                RAISE EXCEPTION USING ERRCODE = 'CR403',
                    MESSAGE = format('qa: you (%s) are not on qa.reviewers, so may not review '
                        'decisions for quality', who);
            END IF;
        ELSIF cr_report_roles() & 3 = 0 THEN
            RAISE EXCEPTION USING ERRCODE = 'CR403',
                MESSAGE = format('qa: only a reviewer or supervisor may review decisions for '
                    'quality; you (%s) are neither', who);
        END IF;
    END IF;
    SELECT * INTO row FROM qa q WHERE q.case_id = in_case AND q.round = in_round FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'CR002',
            MESSAGE = format('qa: case %s has no decision waiting for quality review', in_case);
    END IF;
    IF NOT service THEN
        PERFORM cr_case_seen(in_case);
        IF row.verdict IS NOT NULL THEN
            RAISE EXCEPTION USING ERRCODE = 'CR001',
                MESSAGE = format('qa: round %s of case %s was already reviewed for quality by %s',
                    in_round, in_case, row.qa_by);
        END IF;
        PERFORM cr_after_not_erased(in_case, 'a quality review');
        IF who = row.decider
           OR EXISTS (SELECT 1 FROM decisions d WHERE d.case_id = in_case AND d.round = in_round
                AND d.reviewer = who) THEN
            RAISE EXCEPTION USING ERRCODE = 'CR001',
                MESSAGE = format('qa: you (%s) took decision %s on case %s, so may not review '
                    'it for quality', who, in_round, in_case);
        END IF;
        IF who = row.approver
           OR EXISTS (SELECT 1 FROM approvals p WHERE p.case_id = in_case AND p.round = in_round
                AND p.supervisor = who) THEN
            RAISE EXCEPTION USING ERRCODE = 'CR001',
                MESSAGE = format('qa: you (%s) approved decision %s on case %s, so may not '
                    'review it for quality', who, in_round, in_case);
        END IF;
        IF EXISTS (SELECT 1 FROM votes v WHERE v.case_id = in_case AND v.round = in_round
                   AND v.member = who)
           OR EXISTS (SELECT 1 FROM superseded_votes v WHERE v.case_id = in_case
                      AND v.round = in_round AND v.member = who) THEN
            RAISE EXCEPTION USING ERRCODE = 'CR001',
                MESSAGE = format('qa: you (%s) voted on decision %s of case %s as a panel '
                    'member, so may not review it for quality', who, in_round, in_case);
        END IF;
        -- Seen since it was decided: the reviewer's own events on the case from
        -- the round's decide event on, a QA view ({"view": "qa"}) aside.
        SELECT e.id, e.action INTO seen_id, seen_action FROM audit_events e
          WHERE e.case_id = in_case AND e.actor = who
            AND e.id >= (SELECT min(d.id) FROM audit_events d WHERE d.case_id = in_case
                         AND d.action = 'decide'
                         AND strpos(d.details, format('"round": %s,', in_round)) > 0)
            AND NOT (e.action = 'view' AND strpos(e.details, '"view": "qa"') > 0)
          ORDER BY e.id LIMIT 1;
        IF seen_id IS NOT NULL THEN
            RAISE EXCEPTION USING ERRCODE = 'CR001',
                MESSAGE = format('qa: you (%s) have seen decision %s of case %s (event %s, %s); '
                    'a quality review is blind, so another reviewer must give it', who,
                    in_round, in_case, seen_id, seen_action);
        END IF;
    END IF;
    UPDATE qa q SET qa_by = who, verdict = in_verdict, qa_reason = in_qa_reason, qa_at = cr_now()
        WHERE q.case_id = in_case AND q.round = in_round;
END $$;

-- store.h qa_rows: of one case (0: all), only those pending when asked,
-- with the case's categories (a comma-separated list), by selected_at then
-- case and round.  Every row to a supervisor or an admin (the selection's
-- count at approval, the quality figures) and the service role; to anyone
-- else the rows of the cases they may see, and of a case kept from them
-- that they name, its row with nothing of the decision (for core to refuse
-- it by its rule: decider, approver, outcome, verdict and categories NULL).
CREATE FUNCTION cr_qa_rows(in_case bigint, pending boolean)
RETURNS TABLE (case_id bigint, round integer, decider text, approver text, outcome text,
               reason text, draw integer, config_digest text, selected_at bigint, qa_by text,
               verdict text, qa_reason text, qa_at bigint, categories text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp AS $$
DECLARE
    everyone boolean := cr_report_roles() & 6 <> 0;
BEGIN
    RETURN QUERY SELECT x.case_id, x.round,
            CASE WHEN x.seen THEN x.decider END, CASE WHEN x.seen THEN x.approver END,
            CASE WHEN x.seen THEN x.outcome END, x.reason, x.draw, x.config_digest,
            x.selected_at, CASE WHEN x.seen THEN x.qa_by END,
            CASE WHEN x.seen THEN x.verdict END, CASE WHEN x.seen THEN x.qa_reason END,
            x.qa_at,
            CASE WHEN x.seen THEN (SELECT string_agg(DISTINCT a.category, ',') FROM allegations a
                WHERE a.case_id = x.case_id) END
        FROM (SELECT q.*, everyone OR cr_case_visible(q.case_id) AS seen FROM qa q
              WHERE (in_case = 0 OR q.case_id = in_case)
                AND (NOT pending OR q.verdict IS NULL)) x
        WHERE x.seen OR in_case <> 0
        ORDER BY x.selected_at, x.case_id, x.round;
END $$;

-- store.h approved_decisions: for the quality figures, which only a
-- supervisor or an admin reads (core/qa.c, cr_qa_report).
CREATE FUNCTION cr_approved_decisions()
RETURNS TABLE (case_id bigint, round integer, reviewer text, outcome text, categories text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp AS $$
BEGIN
    IF cr_report_roles() & 6 = 0 THEN
        RAISE EXCEPTION USING ERRCODE = 'CR403',
            MESSAGE = format('only a supervisor or the admin may read the quality figures; '
                'you (%s) are neither', cr_login());
    END IF;
    RETURN QUERY SELECT d.case_id, d.round, d.reviewer, d.outcome,
            (SELECT string_agg(DISTINCT a.category, ',') FROM allegations a
                WHERE a.case_id = d.case_id)
        FROM decisions d JOIN approvals p ON p.case_id = d.case_id AND p.round = d.round
        ORDER BY d.id;
END $$;

REVOKE EXECUTE ON FUNCTION cr_after_search(bigint), cr_after_case(bigint),
    cr_after_not_erased(bigint, text), cr_after_roles_text(integer),
    cr_after_linker(bigint, text, text), cr_after_unlink(bigint, text, text, text) FROM PUBLIC;
