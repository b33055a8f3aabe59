-- One case (core/pg/case.c and config.c): the case a key names, a case
-- loaded for a view with its votes and notes, the workflow's view of a case,
-- its history, what the quorum flags are recomputed from, drafts, and the
-- pinned configuration with the roster it publishes.  The same rows in the
-- same order as the SQLite engine's case.c, config.c and audit.c give.
--
-- Reading a case is a consultation: the service role reads every case
-- (setup, migration, the administrator's tools); a person must be on the
-- pinned roster (cr_login()) and reads only the cases need-to-know gives
-- them (core/policy.c's rule, with the roster and settings as config_put
-- published them): a person with no role but the panel only the cases that
-- went before the panel, with conflicts.same_unit none of their own unit's,
-- none of the subjects they declared a conflict with.  A case kept from
-- them is one that does not exist: CR002 "no case N" where the SQLite engine
-- says so of a missing case, no row where it gives none.  Core's own
-- refusal (naming the rule) is what a person sees through the program when
-- the case is one they may see but not act on.
--
-- A case kept from a person is not a secret's existence: core on SQLite
-- finds it, refuses with the rule that keeps it out (naming the subject's
-- unit, or the subject a conflict was declared with, or that the case has
-- not been before the panel) and records a `denied` event.  So the server
-- finds it too (cr_find_case) and gives of it, in cr_case_state, only what
-- core's refusal reads (cr_case_hidden_state): nothing of its content.
--
-- Blind voting (SPEC section 4): a panel member who could still vote on
-- the current decision sees none of its votes (cr_votes_hidden, as core's
-- view_rules), in the case's lists and in its history (cr_history applies
-- core's history_rules: other people's consultations and drafts are the
-- admin's to see, and a withheld vote names nobody), whatever the caller asks.

-- The session's need-to-know (false, NULL and none for the service role):
-- whether panel only, the unit kept out, the subjects declared.  Roles are
-- bits of enum cr_role (reviewer 1, supervisor 2, admin 4, panel 8; config.c
-- checks the numbers at build time); settings same_unit is 'on' or 'off'.
CREATE FUNCTION cr_case_scope(OUT service boolean, OUT panel_only boolean, OUT unit text,
                              OUT refs text[])
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp AS $$
DECLARE
    me text;
BEGIN
    service := cr_is_service();
    panel_only := false;
    refs := '{}';
    IF service THEN
        RETURN;
    END IF;
    me := cr_login();
    SELECT (p.roles & 7) = 0,
           CASE WHEN (SELECT st.value FROM settings st WHERE st.key = 'same_unit') = 'on'
                THEN p.unit END,
           p.conflicts
      INTO panel_only, unit, refs
      FROM people p WHERE p.login = me;
END $$;

-- Whether the session may read case id: it exists and need-to-know admits it.
CREATE FUNCTION cr_case_visible(case_id bigint) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp AS $$
DECLARE
    sc record;
BEGIN
    SELECT * INTO sc FROM cr_case_scope();
    RETURN EXISTS (SELECT 1 FROM cases c JOIN subjects s ON s.id = c.subject_id
                   WHERE c.id = cr_case_visible.case_id
                     AND NOT (sc.panel_only AND c.panel_round <= 0)
                     AND (sc.unit IS NULL OR s.unit <> sc.unit)
                     AND NOT (s.ref = ANY (sc.refs)));
END $$;

-- Raise CR002 "no case N", the SQLite engine's words for a case that does
-- not exist, unless the session may read case id.
CREATE FUNCTION cr_case_seen(case_id bigint) RETURNS void
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp AS $$
BEGIN
    IF NOT cr_case_visible(case_id) THEN
        RAISE EXCEPTION USING ERRCODE = 'CR002', MESSAGE = format('no case %s', case_id);
    END IF;
END $$;

-- Whether the sign-off of outcome is blind (panel.sign_off / panel.outcomes.
-- <outcome>.blind), as the pinned configuration published it (settings
-- 'signoff', cr_config_put); blind when none is published.
CREATE FUNCTION cr_outcome_blind(outcome text) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp AS $$
    SELECT coalesce((SELECT (e ->> 'blind')::integer <> 0
                       FROM settings st, jsonb_array_elements(st.value::jsonb) AS e
                      WHERE st.key = 'signoff'
                        AND e ->> 'outcome' = coalesce(cr_outcome_blind.outcome, 'nfa')),
                    true)
$$;

-- Whether blind voting withholds the current decision's votes of case id from
-- the session (core's view_rules): a panel member, the case with the panel
-- on a blind outcome, and the member could still vote: has not voted on this
-- decision and is not barred from it (decided, approved or returned it:
-- the rules' barred_by for vote, guard_vote).  Never the service role.
CREATE FUNCTION cr_votes_hidden(case_id bigint) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp AS $$
DECLARE
    me text;
    c cases;
BEGIN
    IF cr_is_service() THEN
        RETURN false;
    END IF;
    me := cr_login();
    SELECT * INTO c FROM cases x WHERE x.id = cr_votes_hidden.case_id;
    IF NOT FOUND OR c.state <> 'panel_review' OR c.outcome IS NULL
       OR NOT cr_outcome_blind(c.outcome)
       OR NOT EXISTS (SELECT 1 FROM people p WHERE p.login = me AND p.roles & 8 <> 0)
       OR EXISTS (SELECT 1 FROM votes v WHERE v.case_id = c.id AND v.round = c.round
                  AND v.member = me) THEN
        RETURN false;
    END IF;
    -- Barred from voting: 1 << decide (3) | 1 << approve (4) | 1 << return (5), as published.
    RETURN cr_barring_act(c.id, me, coalesce((SELECT r.barred_by FROM rules r WHERE r.action = 6),
                                             56)) IS NULL;
END $$;

-- The row cr_case_state gives of a case kept from the session: what core's
-- refusal reads (cr_policy_may_see, may_act) and nothing of the case's
-- content: its number; whether it is closed (may_act says so first; any
-- open state reads as flagged); whether it has been before the panel
-- (panel_round 0 or 1); the subject's unit only when it is the session's
-- own under conflicts.same_unit, its reference only when the session
-- declared a conflict with it.  Version 0, everything else NULL.
CREATE FUNCTION cr_case_hidden_state(case_id bigint)
RETURNS TABLE (id bigint, version integer, updated_at bigint, state text, outcome text,
               round integer, vetting_review integer, assignee text, decided_by text,
               updated_by text, approved_by text, subject_unit text, subject_ref text,
               quorum_blocked integer, panel_round integer, state_since bigint,
               clock_shift bigint, paused_until bigint, approver text, erased bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp AS $$
DECLARE
    sc record;
BEGIN
    SELECT * INTO sc FROM cr_case_scope();
    RETURN QUERY
    SELECT c.id, 0, NULL::bigint, CASE WHEN c.state = 'closed' THEN 'closed' ELSE 'flagged' END,
           NULL::text, NULL::integer, NULL::integer, NULL::text, NULL::text, NULL::text,
           NULL::text, CASE WHEN s.unit = sc.unit THEN s.unit END,
           CASE WHEN s.ref = ANY (sc.refs) THEN s.ref END, NULL::integer,
           (c.panel_round > 0)::integer, NULL::bigint, NULL::bigint, NULL::bigint, NULL::text,
           NULL::bigint
      FROM cases c JOIN subjects s ON s.id = c.subject_id
      WHERE c.id = cr_case_hidden_state.case_id;
END $$;

REVOKE EXECUTE ON FUNCTION cr_case_scope(), cr_case_visible(bigint), cr_case_seen(bigint),
  cr_outcome_blind(text), cr_votes_hidden(bigint), cr_case_hidden_state(bigint) FROM PUBLIC;

-- find_case: case n (0: none asked) and the latest case of the subject ref
-- (NULL or '': none asked); 0 for none.  As the SQLite engine's: a case
-- need-to-know keeps from the session is found, for core to refuse it by
-- its rule (and record the refusal); nothing of it is read here.
CREATE FUNCTION cr_find_case(n bigint, ref text, OUT id bigint, OUT id_of_ref bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp AS $$
BEGIN
    PERFORM cr_case_scope();
    id := 0;
    id_of_ref := 0;
    IF n > 0 AND EXISTS (SELECT 1 FROM cases c WHERE c.id = n) THEN
        id := n;
    END IF;
    IF coalesce(ref, '') <> '' THEN
        SELECT coalesce(max(c.id), 0) INTO id_of_ref
          FROM cases c JOIN subjects s ON s.id = c.subject_id
          WHERE s.ref = cr_find_case.ref;
    END IF;
END $$;

-- case_load: the case's row (the SQLite engine's CASE_ROW_COLUMNS), its
-- subject, and the approval of its current round.
CREATE FUNCTION cr_case_load(case_id bigint)
RETURNS TABLE (id bigint, sortkey bigint, priority integer, created_at bigint,
               state_since bigint, state text, outcome text, categories integer,
               n_allegations integer, duty_status text, subject_ref text, surname text,
               forenames text, rank text, unit text, assignee text, decided_by text,
               approver text, decided_at bigint, vetting_review integer, quorum_blocked integer,
               version integer, clock_shift bigint, paused_until bigint,
               previous_case_id bigint, employment text, vetting_status text, rationale text,
               round integer, approved_by text, approved_at bigint, paused_by text,
               pause_reason text, paused_at bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp AS $$
BEGIN
    PERFORM cr_case_seen(case_id);
    RETURN QUERY
    SELECT c.id, c.sortkey, c.priority, c.created_at, c.state_since, c.state, c.outcome,
           c.categories, c.n_allegations, s.duty_status, s.ref, s.surname, s.forenames, s.rank,
           s.unit, c.assignee, c.decided_by, c.approver, c.decided_at, c.vetting_review,
           c.quorum_blocked, c.version, c.clock_shift, coalesce(c.paused_until, 0),
           c.previous_case_id, s.employment, s.vetting_status, c.rationale, c.round,
           a.supervisor, a.approved_at, c.paused_by, c.pause_reason, c.paused_at
      FROM cases c JOIN subjects s ON s.id = c.subject_id
      LEFT JOIN approvals a ON a.case_id = c.id AND a.round = c.round
      WHERE c.id = cr_case_load.case_id;
END $$;

-- The lists of a loaded case, in one result: its allegations (kind
-- 'allegation': ref, category, date, source, original_outcome, summary) by
-- date then id; with votes_notes, the votes of its current round (kind
-- 'vote': member, member_kind, vote, reason; at) by id, or, when
-- hide_votes, one row of kind 'hidden' for each with nothing of it; and its
-- notes (kind 'note': author, kind, body; at) by id.  The votes are hidden
-- also whenever blind voting withholds them from the session
-- (cr_votes_hidden), whatever hide_votes says.
CREATE FUNCTION cr_case_lists(case_id bigint, votes_notes boolean, hide_votes boolean)
RETURNS TABLE (kind text, t1 text, t2 text, t3 text, t4 text, t5 text, t6 text, at bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp AS $$
DECLARE
    r integer;
BEGIN
    PERFORM cr_case_seen(case_id);
    hide_votes := coalesce(hide_votes, false) OR cr_votes_hidden(case_id);
    SELECT c.round INTO r FROM cases c WHERE c.id = cr_case_lists.case_id;
    RETURN QUERY
    SELECT x.kind, x.t1, x.t2, x.t3, x.t4, x.t5, x.t6, x.at FROM (
        SELECT 0 AS part, 'allegation' AS kind, a.ref AS t1, a.category AS t2, a.date AS t3,
               a.source AS t4, a.original_outcome AS t5, a.summary AS t6, NULL::bigint AS at,
               a.date COLLATE "C" AS k1, a.id AS k2
          FROM allegations a WHERE a.case_id = cr_case_lists.case_id
        UNION ALL
        SELECT 1, CASE WHEN hide_votes THEN 'hidden' ELSE 'vote' END,
               CASE WHEN hide_votes THEN NULL ELSE v.member END,
               CASE WHEN hide_votes THEN NULL ELSE v.member_kind END,
               CASE WHEN hide_votes THEN NULL ELSE v.vote END,
               CASE WHEN hide_votes THEN NULL ELSE v.reason END, NULL, NULL,
               CASE WHEN hide_votes THEN NULL ELSE v.created_at END, '', v.id
          FROM votes v WHERE votes_notes AND v.case_id = cr_case_lists.case_id AND v.round = r
        UNION ALL
        SELECT 2, 'note', n.author, n.kind, n.body, NULL, NULL, NULL, n.created_at, '', n.id
          FROM notes n WHERE votes_notes AND n.case_id = cr_case_lists.case_id
    ) x ORDER BY x.part, x.k1, x.k2;
END $$;

-- case_state: the case as the workflow's rules see it; of a case kept from
-- the session, only what core's refusal reads (cr_case_hidden_state).
CREATE FUNCTION cr_case_state(case_id bigint)
RETURNS TABLE (id bigint, version integer, updated_at bigint, state text, outcome text,
               round integer, vetting_review integer, assignee text, decided_by text,
               updated_by text, approved_by text, subject_unit text, subject_ref text,
               quorum_blocked integer, panel_round integer, state_since bigint,
               clock_shift bigint, paused_until bigint, approver text, erased bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp AS $$
BEGIN
    IF NOT cr_case_visible(case_id) THEN
        IF NOT EXISTS (SELECT 1 FROM cases x WHERE x.id = cr_case_state.case_id) THEN
            RAISE EXCEPTION USING ERRCODE = 'CR002', MESSAGE = format('no case %s', case_id);
        END IF;
        RETURN QUERY SELECT * FROM cr_case_hidden_state(case_id);
        RETURN;
    END IF;
    RETURN QUERY
    SELECT c.id, c.version, c.updated_at, c.state, c.outcome, c.round, c.vetting_review,
           c.assignee, c.decided_by, c.updated_by, a.supervisor, s.unit, s.ref,
           c.quorum_blocked, c.panel_round, c.state_since, c.clock_shift,
           coalesce(c.paused_until, 0), c.approver,
           (SELECT e.event FROM erasures e WHERE e.case_id = c.id)
      FROM cases c JOIN subjects s ON s.id = c.subject_id
      LEFT JOIN approvals a ON a.case_id = c.id AND a.round = c.round
      WHERE c.id = cr_case_state.case_id;
END $$;

-- The lists of the workflow's view: the votes of the current round (kind
-- 'vote': member, member_kind, vote, reason, created_at) by id, then who did
-- what in every round (kind 'act': login, action, vote or NULL, round):
-- decisions, approvals, votes, votes set aside, returns and recalls (their
-- round from their audit event's details), by round, in the order the
-- SQLite engine's query gives them (its compound select is merged from
-- parts each in its index's order: decisions, approvals, votes by member,
-- votes set aside and events by id; on one round the earlier part first).
-- None of a case kept from the session (cr_case_state gives core what its
-- refusal needs).  While blind voting withholds the round's votes from the
-- session (cr_votes_hidden: a member who could still vote), no more than the
-- program shows them (view_rules, history_rules): each vote of the round a
-- row of kind 'hidden' with nothing of it, and of the acts no vote of the
-- round but their own (set aside or not); the server works out what their
-- vote does (cr_apply's work_out, 025-apply.sql).
CREATE FUNCTION cr_case_state_lists(case_id bigint)
RETURNS TABLE (kind text, login text, action text, vote text, reason text, n bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp AS $$
DECLARE
    r integer;
    hide boolean;
    me text;
BEGIN
    IF NOT cr_case_visible(case_id) THEN
        IF NOT EXISTS (SELECT 1 FROM cases x WHERE x.id = cr_case_state_lists.case_id) THEN
            RAISE EXCEPTION USING ERRCODE = 'CR002', MESSAGE = format('no case %s', case_id);
        END IF;
        RETURN;
    END IF;
    SELECT c.round INTO r FROM cases c WHERE c.id = cr_case_state_lists.case_id;
    hide := cr_votes_hidden(case_id);
    IF hide THEN
        me := cr_login();
    END IF;
    RETURN QUERY
    SELECT x.kind, x.login, x.action, x.vote, x.reason, x.n FROM (
        SELECT 0 AS part, CASE WHEN hide THEN 'hidden' ELSE 'vote' END AS kind,
               CASE WHEN NOT hide THEN v.member END AS login,
               CASE WHEN NOT hide THEN v.member_kind END AS action,
               CASE WHEN NOT hide THEN v.vote END AS vote,
               CASE WHEN NOT hide THEN v.reason END AS reason,
               CASE WHEN NOT hide THEN v.created_at END AS n, 0 AS k1,
               '' COLLATE "C" AS k2, v.id AS k3
          FROM votes v WHERE v.case_id = cr_case_state_lists.case_id AND v.round = r
        UNION ALL
        SELECT 1, 'act', d.reviewer, 'decide', NULL, NULL, d.round::bigint, d.round, '', 0
          FROM decisions d WHERE d.case_id = cr_case_state_lists.case_id
        UNION ALL
        SELECT 2, 'act', p.supervisor, 'approve', NULL, NULL, p.round::bigint, p.round, '', 0
          FROM approvals p WHERE p.case_id = cr_case_state_lists.case_id
        UNION ALL
        SELECT 3, 'act', v.member, 'vote', v.vote, NULL, v.round::bigint, v.round,
               v.member COLLATE "C", 0
          FROM votes v WHERE v.case_id = cr_case_state_lists.case_id
            AND NOT (hide AND v.round = r AND v.member <> me)
        UNION ALL
        SELECT 4, 'act', w.member, 'vote', w.vote, NULL, w.round::bigint, w.round, '', w.id
          FROM superseded_votes w WHERE w.case_id = cr_case_state_lists.case_id
            AND NOT (hide AND w.round = r AND w.member <> me)
        UNION ALL
        SELECT 5, 'act', e.actor, 'return', NULL, NULL, e.round::bigint, e.round, '', e.id
          FROM (SELECT ev.actor, ev.id,
                       coalesce((ev.details::jsonb ->> 'round')::integer, 0) AS round
                  FROM audit_events ev
                  WHERE ev.case_id = cr_case_state_lists.case_id
                    AND ev.action IN ('return', 'recall')) e
    ) x ORDER BY x.part = 0 DESC, x.k1, x.part, x.k2, x.k3;
END $$;

-- history: the audit events of the case, in id order (none for a case the
-- session may not read, as for one that does not exist), as much of them as
-- core's history_rules (workflow.c) shows the session's person: other
-- people's views, refused views and drafts only to an admin (everyone sees
-- their own, and every action); while blind voting withholds the current
-- decision's votes (cr_votes_hidden), nobody else's view or draft, the
-- admin's included, and each vote after the last decision names nobody:
-- actor '(a panel member)', details {"vote": "hidden"}, time and number 0,
-- no os_login, listed last.  Everything to the service role.
CREATE FUNCTION cr_history(case_id bigint)
RETURNS TABLE (id bigint, at bigint, actor text, of_case bigint, action text,
               state_before text, state_after text, details text, config_digest text,
               purpose text, os_login text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp AS $$
DECLARE
    me text;
    admin boolean := true;
    hide boolean := false;
    from_id bigint;
BEGIN
    IF NOT cr_case_visible(case_id) THEN
        RETURN;
    END IF;
    IF NOT cr_is_service() THEN
        me := cr_login();
        admin := EXISTS (SELECT 1 FROM people p WHERE p.login = me AND p.roles & 4 <> 0);
        hide := cr_votes_hidden(case_id);
    END IF;
    SELECT coalesce(max(d.id), 0) INTO from_id FROM audit_events d
      WHERE d.case_id = cr_history.case_id AND d.action = 'decide';
    RETURN QUERY
    SELECT CASE WHEN x.w THEN 0 ELSE x.id END, CASE WHEN x.w THEN 0 ELSE x.at END,
           CASE WHEN x.w THEN '(a panel member)' ELSE x.actor END, x.case_id, x.action,
           x.state_before, x.state_after,
           CASE WHEN x.w THEN '{"vote": "hidden"}' ELSE x.details END, x.config_digest,
           x.purpose, CASE WHEN x.w THEN NULL ELSE x.os_login END
      FROM (SELECT e.*, hide AND e.id > from_id AND e.action = 'vote' AS w
              FROM audit_events e
              WHERE e.case_id = cr_history.case_id
                AND (me IS NULL OR e.actor = me OR (admin AND NOT hide)
                     OR NOT (e.action IN ('view', 'denied') OR e.action LIKE 'draft\_%'))) x
      ORDER BY x.w, x.id;
END $$;

-- sitting_vote_events: the vote events of the case after its last event
-- whose action is one of starts (every one when none is).
CREATE FUNCTION cr_sitting_vote_events(case_id bigint, starts text[])
RETURNS SETOF bigint
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp AS $$
BEGIN
    IF NOT cr_case_visible(case_id) THEN
        RETURN;
    END IF;
    RETURN QUERY
    SELECT e.id FROM audit_events e
      WHERE e.case_id = cr_sitting_vote_events.case_id AND e.action = 'vote'
        AND e.id > coalesce((SELECT max(b.id) FROM audit_events b
                             WHERE b.case_id = cr_sitting_vote_events.case_id
                               AND b.action = ANY (starts)), 0)
      ORDER BY e.id;
END $$;

-- quorum_cases: the cases with the panel or flagged as unable to reach
-- quorum, by number; of those only the ones the session may read.
CREATE FUNCTION cr_quorum_cases() RETURNS SETOF bigint
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp AS $$
DECLARE
    sc record;
BEGIN
    SELECT * INTO sc FROM cr_case_scope();
    RETURN QUERY
    SELECT c.id FROM cases c JOIN subjects s ON s.id = c.subject_id
      WHERE (c.state = 'panel_review' OR c.quorum_blocked = 1)
        AND NOT (sc.panel_only AND c.panel_round <= 0)
        AND (sc.unit IS NULL OR s.unit <> sc.unit)
        AND NOT (s.ref = ANY (sc.refs))
      ORDER BY c.id;
END $$;

-- Drafts: each the person's own (cr_actor: nobody reads or writes another's),
-- on a case they may read, saved at the server's time.
CREATE FUNCTION cr_draft_put(login text, case_id bigint, action text, outcome text,
                             vetting_review integer, vote text, target text, body bytea,
                             case_version bigint) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp AS $$
DECLARE
    who text := cr_actor(login);
BEGIN
    PERFORM cr_case_seen(case_id);
    INSERT INTO drafts AS d (case_id, login, action, outcome, vetting_review, vote, target, text,
                             case_version, saved_at)
      VALUES (cr_draft_put.case_id, who, cr_draft_put.action, cr_draft_put.outcome,
              cr_draft_put.vetting_review, cr_draft_put.vote, cr_draft_put.target, body,
              cr_draft_put.case_version, cr_now())
      ON CONFLICT ON CONSTRAINT drafts_pkey DO UPDATE SET
        outcome = excluded.outcome, vetting_review = excluded.vetting_review,
        vote = excluded.vote, target = excluded.target, text = excluded.text,
        case_version = excluded.case_version, saved_at = excluded.saved_at;
END $$;

-- The draft of (case, action) of the person, or no row.
CREATE FUNCTION cr_draft_get(login text, case_id bigint, action text)
RETURNS TABLE (outcome text, vetting_review integer, vote text, target text, body bytea,
               case_version integer, saved_at bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp AS $$
DECLARE
    who text := cr_actor(login);
BEGIN
    IF NOT cr_case_visible(case_id) THEN
        RETURN;
    END IF;
    RETURN QUERY
    SELECT d.outcome, d.vetting_review, d.vote, d.target, d.text, d.case_version, d.saved_at
      FROM drafts d
      WHERE d.case_id = cr_draft_get.case_id AND d.login = who AND d.action = cr_draft_get.action;
END $$;

CREATE FUNCTION cr_draft_delete(login text, case_id bigint, action text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp AS $$
DECLARE
    who text := cr_actor(login);
BEGIN
    DELETE FROM drafts d
      WHERE d.case_id = cr_draft_delete.case_id AND d.login = who
        AND d.action = cr_draft_delete.action;
END $$;

-- The pinned configuration: read by the roster and the service role.

-- config_get: the version in force (prefix NULL), or those whose digest
-- begins with prefix (the first two by id: the engine says when there are two).
CREATE FUNCTION cr_config_get(prefix text)
RETURNS TABLE (id bigint, digest text, body bytea, adopted_at bigint, adopted_by text,
               in_force integer)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp AS $$
BEGIN
    PERFORM cr_case_scope();
    IF prefix IS NULL THEN
        RETURN QUERY
        SELECT v.id, v.digest, v.text, v.adopted_at, v.adopted_by, v.in_force
          FROM config_versions v WHERE v.in_force = 1;
    ELSE
        RETURN QUERY
        SELECT v.id, v.digest, v.text, v.adopted_at, v.adopted_by, v.in_force
          FROM config_versions v WHERE left(v.digest, length(prefix)) = lower(prefix)
          ORDER BY v.id LIMIT 2;
    END IF;
END $$;

-- config_in_force: the digest of the version in force, or NULL.
CREATE FUNCTION cr_config_in_force() RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp AS $$
BEGIN
    PERFORM cr_case_scope();
    RETURN (SELECT v.digest FROM config_versions v WHERE v.in_force = 1);
END $$;

-- config_texts: every version kept, in id order.
CREATE FUNCTION cr_config_texts() RETURNS TABLE (id bigint, digest text, body bytea)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp AS $$
BEGIN
    PERFORM cr_case_scope();
    RETURN QUERY SELECT v.id, v.digest, v.text FROM config_versions v ORDER BY v.id;
END $$;

-- config_put: make the configuration (digest, its text) the version in
-- force, adopted by `by` (the session's own login, or the service role's
-- word) now, as the SQLite engine does (a version adopted again is marked,
-- not copied); and publish what the server's checks read of it: people
-- replaced whole by roster (a JSON array of {login, roles, unit,
-- conflicts: [subject_ref...], kind}), settings signoff (each outcome's
-- sign-off: a JSON array of {outcome, panel, concur, dissent,
-- require_kinds: [n by enum cr_kind], blind}), qa (the configuration's qa:
-- {on, outcomes: bits of enum cr_outcome, seed, sample_percent,
-- min_per_reviewer, reviewers: [login...]}; not configured when NULL) and
-- same_unit, and CONNECT on the database granted to each
-- login that is a role here and revoked from the roles of the roster before
-- that are in it no more (never the owner's).  Only the service role, or an
-- admin of the roster in force, may call it; an admin only to adopt (the
-- config_adopt event of this transaction, by them, from the version in
-- force to this digest: core/pin.c writes it first), and only with a roster
-- the text bears out.  The server cannot parse the YAML nor compute its
-- digest (BLAKE2b): it checks what it can of the text, that every login is
-- written as one (login: NAME), every unit, declared subject, role and
-- kind appears in it, and conflicts.same_unit is as the text says.
CREATE FUNCTION cr_config_put(digest text, body bytea, by text, same_unit boolean,
                              roster jsonb, signoff jsonb DEFAULT NULL, qa jsonb DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp AS $$
DECLARE
    who text;
    before_logins text[];
    login text;
    owner text := (SELECT pg_get_userbyid(d.datdba) FROM pg_database d
                   WHERE d.datname = current_database());
    txt text;
    bad text;
BEGIN
    IF NOT cr_is_service() THEN
        who := cr_login();
        IF NOT EXISTS (SELECT 1 FROM people p WHERE p.login = who AND p.roles & 4 <> 0) THEN
            RAISE EXCEPTION USING ERRCODE = 'CR403',
                MESSAGE = format('config adopt needs the admin role; you (%s) are not an admin '
                                 'of the configuration in force', who);
        END IF;
        PERFORM cr_actor(by);
        IF cr_config_put.digest IS NULL OR cr_config_put.digest !~ '^[0-9a-f]{64}$' THEN
            RAISE EXCEPTION USING ERRCODE = 'CR003',
                MESSAGE = format('a configuration''s digest is 64 hexadecimal digits, not %s',
                                 coalesce(cr_config_put.digest, 'none'));
        END IF;
        -- An adoption is recorded before the new version is put (core/pin.c): the event
        -- of this transaction, by this admin, from the version in force to this one.
        IF NOT EXISTS (
            SELECT 1 FROM audit_events e
            WHERE e.xmin = (pg_current_xact_id()::text::numeric % 4294967296)::text::xid
              AND e.action = 'config_adopt' AND e.actor = who AND e.case_id IS NULL
              AND e.details::jsonb ->> 'new_digest' = cr_config_put.digest
              AND e.details::jsonb ->> 'old_digest' IS NOT DISTINCT FROM
                  (SELECT v.digest FROM config_versions v WHERE v.in_force = 1)) THEN
            RAISE EXCEPTION USING ERRCODE = 'CR403',
                MESSAGE = format('you (%s) may put a configuration in force only by adopting it '
                                 '(casereview config adopt FILE), which records the adoption '
                                 'first', who);
        END IF;
        -- The roster as far as the text bears it out.
        BEGIN
            txt := convert_from(body, 'UTF8');
        EXCEPTION WHEN OTHERS THEN
            txt := NULL;
        END;
        SELECT format('%s %s', r.login, r.what) INTO bad
          FROM (SELECT p.login, CASE
                  WHEN txt IS NULL THEN 'is not in a configuration that is not UTF-8'
                  WHEN txt !~ ('login:[ \t]*["'']?' || regexp_replace(p.login,
                                 '([][^$.*+?(){}|\\-])', '\\\1', 'g') || '["'']?[ \t]*[,}\n#]')
                    THEN 'is not a login of the configuration''s text'
                  WHEN p.unit IS NOT NULL AND strpos(txt, p.unit) = 0
                    THEN format('has the unit %s, which the configuration''s text does not name',
                                p.unit)
                  WHEN p.kind IS NOT NULL AND strpos(txt, p.kind) = 0
                    THEN format('is of the kind %s, which the configuration''s text does not name',
                                p.kind)
                  WHEN EXISTS (SELECT 1 FROM unnest(ARRAY['reviewer', 'supervisor', 'admin',
                                                          'panel']) WITH ORDINALITY AS n(name, i)
                               WHERE p.roles & (1 << (n.i::integer - 1)) <> 0
                                 AND strpos(txt, n.name) = 0)
                    THEN 'has a role the configuration''s text does not name'
                  WHEN EXISTS (SELECT 1 FROM unnest(p.conflicts) AS f(ref)
                               WHERE strpos(txt, f.ref) = 0)
                    THEN 'has a declared conflict the configuration''s text does not name'
                  END AS what, p.ord
                FROM (SELECT r.login, r.roles, r.unit, r.kind, r.ord,
                             coalesce(ARRAY(SELECT jsonb_array_elements_text(r.conflicts)),
                                      '{}') AS conflicts
                        FROM ROWS FROM (jsonb_to_recordset(roster)
                               AS (login text, roles integer, unit text, conflicts jsonb,
                                   kind text)) WITH ORDINALITY
                          AS r(login, roles, unit, conflicts, kind, ord)) p) r
          WHERE r.what IS NOT NULL ORDER BY r.ord LIMIT 1;
        -- qa.reviewers: each a login of the roster given; the seed as written.
        IF bad IS NULL THEN
            SELECT format('qa.reviewers: %s is not a login of the roster', q.l) INTO bad
              FROM jsonb_array_elements_text(coalesce(cr_config_put.qa -> 'reviewers', '[]'))
                   AS q(l)
              WHERE NOT EXISTS (SELECT 1 FROM jsonb_to_recordset(roster) AS r(login text)
                                WHERE r.login = q.l)
              LIMIT 1;
        END IF;
        IF bad IS NULL AND coalesce(cr_config_put.qa ->> 'seed', '') <> ''
           AND strpos(txt, cr_config_put.qa ->> 'seed') = 0 THEN
            bad := 'qa.seed is not the configuration''s text''s';
        END IF;
        IF bad IS NULL AND (txt ~ 'same_unit:[ \t]*true') IS DISTINCT FROM cr_config_put.same_unit
        THEN
            bad := format('conflicts.same_unit %s', CASE WHEN cr_config_put.same_unit
                                                        THEN 'on is not what the text says'
                                                        ELSE 'off is not what the text says' END);
        END IF;
        IF bad IS NOT NULL THEN
            RAISE EXCEPTION USING ERRCODE = 'CR403',
                MESSAGE = format('the roster given with configuration %s is not the one its '
                                 'text gives: %s', cr_config_put.digest, bad);
        END IF;
    END IF;
    who := cr_actor(by);
    UPDATE config_versions SET in_force = 0 WHERE in_force = 1;
    INSERT INTO config_versions AS v (digest, text, adopted_at, adopted_by, in_force)
      VALUES (cr_config_put.digest, body, cr_now(), who, 1)
      ON CONFLICT ON CONSTRAINT config_versions_digest_key DO UPDATE SET in_force = 1;

    SELECT coalesce(array_agg(p.login), '{}') INTO before_logins FROM people p;
    DELETE FROM people;
    INSERT INTO people (login, roles, unit, conflicts, kind)
      SELECT r.login, r.roles, r.unit,
             coalesce(ARRAY(SELECT jsonb_array_elements_text(r.conflicts)), '{}'), r.kind
        FROM jsonb_to_recordset(roster) AS r(login text, roles integer, unit text,
                                             conflicts jsonb, kind text);
    -- Each outcome's sign-off, as given (cr_signoff_of in 025-apply.sql reads it).
    INSERT INTO settings (key, value) VALUES ('signoff', coalesce(signoff, '[]')::text)
      ON CONFLICT (key) DO UPDATE SET value = excluded.value;
    INSERT INTO settings (key, value)
      VALUES ('qa', coalesce(cr_config_put.qa, '{"on": 0, "reviewers": []}')::text)
      ON CONFLICT (key) DO UPDATE SET value = excluded.value;
    INSERT INTO settings (key, value)
      VALUES ('same_unit', CASE WHEN cr_config_put.same_unit THEN 'on' ELSE 'off' END)
      ON CONFLICT (key) DO UPDATE SET value = excluded.value;

    FOR login IN SELECT p.login FROM people p JOIN pg_roles g ON g.rolname = p.login LOOP
        EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), login);
    END LOOP;
    FOR login IN SELECT o.l FROM unnest(before_logins) o(l) JOIN pg_roles g ON g.rolname = o.l
                 WHERE o.l <> owner AND NOT EXISTS (SELECT 1 FROM people p WHERE p.login = o.l)
    LOOP
        EXECUTE format('REVOKE CONNECT ON DATABASE %I FROM %I', current_database(), login);
    END LOOP;
END $$;
