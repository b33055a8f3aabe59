-- Changes to a case, checked by the server (pg-design.md, "Rules"): the
-- engine's apply (core/pg/apply.c) is one call of cr_apply, which writes
-- what the SQLite engine's sq_apply writes (core/sqlite/case.c), at
-- cr_now(), by the session's own login (cr_actor), after checking the
-- change against the workflow's rules as core published them (cr_rules_put,
-- when a configuration is pinned or adopted: workflow.c's rules[] and
-- barred_by(), written once there).  Core has checked every rule before it
-- calls, with its own words and what the user may do instead; these checks
-- are the trust boundary for whoever calls the functions some other way
-- (psql): they give no more power than the program.  The service role (the
-- program's own setup, migration and system changes) is trusted: its
-- changes are written as given.
--
-- Bits as core numbers them: states (enum cr_state) flagged 0, in_review 1,
-- awaiting_approval 2, panel_review 3, returned 4, closed 5; roles (enum
-- cr_role) reviewer 0, supervisor 1, admin 2, panel 3; actions (enum
-- cr_action) claim 0, release 1, assign 2, decide 3, approve 4, return 5,
-- vote 6, note 7, reconvene 8, recall 9.

-- The name of a state, action or role by its number (NULL when out of range).
CREATE FUNCTION cr_state_of(n integer) RETURNS text LANGUAGE sql IMMUTABLE
  SET search_path = casereview, pg_catalog, pg_temp AS $$
  SELECT (ARRAY['flagged', 'in_review', 'awaiting_approval', 'panel_review', 'returned',
                'closed'])[n + 1]
$$;
CREATE FUNCTION cr_state_number(s text) RETURNS integer LANGUAGE sql IMMUTABLE
  SET search_path = casereview, pg_catalog, pg_temp AS $$
  SELECT pg_catalog.array_position(ARRAY['flagged', 'in_review', 'awaiting_approval',
                                         'panel_review', 'returned', 'closed'], s) - 1
$$;
CREATE FUNCTION cr_action_of(n integer) RETURNS text LANGUAGE sql IMMUTABLE
  SET search_path = casereview, pg_catalog, pg_temp AS $$
  SELECT (ARRAY['claim', 'release', 'assign', 'decide', 'approve', 'return', 'vote', 'note',
                'reconvene', 'recall'])[n + 1]
$$;

-- Names of the bits set, as core's cr_names_text says them: "a", "a or b",
-- "a, b, or c".
CREATE FUNCTION cr_names_text(bits integer, names text[]) RETURNS text LANGUAGE plpgsql
  IMMUTABLE SET search_path = casereview, pg_catalog, pg_temp AS $$
DECLARE
    picked text[] := '{}';
    total integer;
BEGIN
    FOR i IN 1 .. pg_catalog.array_length(names, 1) LOOP
        IF bits & (1 << (i - 1)) <> 0 THEN
            picked := picked || names[i];
        END IF;
    END LOOP;
    total := coalesce(pg_catalog.array_length(picked, 1), 0);
    IF total <= 1 THEN
        RETURN coalesce(picked[1], '');
    ELSIF total = 2 THEN
        RETURN picked[1] || ' or ' || picked[2];
    END IF;
    RETURN pg_catalog.array_to_string(picked[1:total - 1], ', ') || ', or ' || picked[total];
END $$;

-- Whether the session may publish what the whole roster works under (the
-- rules, the quorum flags core recomputes): the service role, or an admin
-- of the pinned roster.
CREATE FUNCTION cr_may_publish() RETURNS boolean LANGUAGE plpgsql STABLE
  SET search_path = casereview, pg_catalog, pg_temp AS $$
BEGIN
    RETURN cr_is_service() OR EXISTS (SELECT 1 FROM people
                                      WHERE login = session_user AND roles & 4 <> 0);
END $$;

-- The first act of who on the case that bars them from an action whose
-- barred_by bits are barred (workflow.c's barring_act), as the words of
-- core's refusal ("decided case 7 (decision 1)", "returned decision 2 of
-- case 7"), or NULL.  The acts are read as the SQLite engine reads them for
-- cr_case_state: decisions, approvals, votes (those a reconvene set aside
-- too), and returns and recalls, which leave no row of their own: their
-- audit events and their notes (kind 'return', by the one who returned).
CREATE FUNCTION cr_barring_act(case_no bigint, who text, barred integer) RETURNS text
  LANGUAGE sql STABLE SET search_path = casereview, pg_catalog, pg_temp AS $$
  SELECT CASE a.act
           WHEN 3 THEN pg_catalog.format('decided case %s (decision %s)', case_no, a.round)
           ELSE pg_catalog.format('%s decision %s of case %s',
                                  CASE WHEN a.act = 4 THEN 'approved'
                                       WHEN a.act = 5 THEN 'returned'
                                       WHEN a.vote = 'recuse' THEN 'recused from'
                                       ELSE 'voted on' END, a.round, case_no)
         END
  FROM (SELECT 3 AS act, NULL::text AS vote, round FROM decisions
          WHERE case_id = case_no AND reviewer = who
        UNION ALL SELECT 4, NULL, round FROM approvals
          WHERE case_id = case_no AND supervisor = who
        UNION ALL SELECT 6, vote, round FROM votes WHERE case_id = case_no AND member = who
        UNION ALL SELECT 6, vote, round FROM superseded_votes
          WHERE case_id = case_no AND member = who
        UNION ALL SELECT 5, NULL,
          coalesce(pg_catalog.substring(details, '"round": *([0-9]+)')::integer, 0)
          FROM audit_events
          WHERE case_id = case_no AND actor = who AND action IN ('return', 'recall')
        UNION ALL SELECT 5, NULL, coalesce((SELECT max(d.round) FROM decisions d
                                            WHERE d.case_id = case_no
                                              AND d.decided_at <= n.created_at), 0)
          FROM notes n WHERE n.case_id = case_no AND n.author = who AND n.kind = 'return') a
  WHERE barred & (1 << a.act) <> 0
  ORDER BY a.round, a.act
  LIMIT 1
$$;

-- Whether a person declared a conflict of interest with the case's subject
-- (people.conflicts: the subject references of conflicts.declared).
CREATE FUNCTION cr_declared_conflict(case_no bigint, who text) RETURNS boolean
  LANGUAGE sql STABLE SET search_path = casereview, pg_catalog, pg_temp AS $$
  SELECT EXISTS (SELECT 1 FROM people p, cases c JOIN subjects s ON s.id = c.subject_id
                 WHERE p.login = who AND c.id = case_no AND s.ref = ANY (p.conflicts))
$$;

-- The subject's unit when conflicts.same_unit keeps a person from the case
-- (core/policy.c, same_unit: the person's unit is the subject's), or NULL.
CREATE FUNCTION cr_same_unit(case_no bigint, who text) RETURNS text
  LANGUAGE sql STABLE SET search_path = casereview, pg_catalog, pg_temp AS $$
  SELECT s.unit FROM people p, cases c JOIN subjects s ON s.id = c.subject_id
  WHERE p.login = who AND c.id = case_no AND p.unit = s.unit
    AND (SELECT st.value FROM settings st WHERE st.key = 'same_unit') = 'on'
$$;

-- Whether a conflict of interest (same unit, or declared) keeps a person
-- from the case (workflow.c, conflicted).
CREATE FUNCTION cr_conflicted(case_no bigint, who text) RETURNS boolean
  LANGUAGE sql STABLE SET search_path = casereview, pg_catalog, pg_temp AS $$
  SELECT cr_declared_conflict(case_no, who) OR cr_same_unit(case_no, who) IS NOT NULL
$$;

-- Core's refusal for someone else's conflict (policy.c,
-- cr_policy_conflict_text, not self), or NULL when there is none.
CREATE FUNCTION cr_conflict_text(case_no bigint, who text) RETURNS text
  LANGUAGE sql STABLE SET search_path = casereview, pg_catalog, pg_temp AS $$
  SELECT CASE
    WHEN cr_declared_conflict(case_no, who)
      THEN pg_catalog.format('%s has a declared conflict of interest with the subject of case '
                             '%s, so they cannot review this case', who, case_no)
    WHEN cr_same_unit(case_no, who) IS NOT NULL
      THEN pg_catalog.format('%s is in the subject''s unit (%s), and with conflicts.same_unit '
                             'they cannot review this case', who, cr_same_unit(case_no, who))
  END
$$;

-- A time as core writes it (cr_time_format): 2026-01-01T00:00:00Z.
CREATE FUNCTION cr_time_text(t bigint) RETURNS text LANGUAGE sql IMMUTABLE
  SET search_path = casereview, pg_catalog, pg_temp AS $$
  SELECT pg_catalog.to_char(pg_catalog.to_timestamp(t) AT TIME ZONE 'UTC',
                            'YYYY-MM-DD"T"HH24:MI:SS"Z"')
$$;

-- The kinds of enum cr_kind, in its order (people.kind, a sign-off's require_kinds).
CREATE FUNCTION cr_kinds() RETURNS text[] LANGUAGE sql IMMUTABLE
  SET search_path = casereview, pg_catalog, pg_temp AS $$
  SELECT ARRAY['independent', 'legal', 'police']
$$;

-- Whether the panel can still reach a sign-off (need concurrences, and
-- need_kinds of each kind) on case c (workflow.c, quorum_reachable): the concurrences so far (concur, and by
-- kind concur_kinds) plus every member who could still vote (on the panel,
-- not barred from voting, not approver nor new_voter, not conflicted, not
-- yet voted on this decision unless fresh: a new sitting) against what the
-- sign-off needs.
CREATE FUNCTION cr_quorum_reachable(c cases, need integer, need_kinds integer[], concur integer,
                                    concur_kinds integer[], approver text, new_voter text,
                                    fresh boolean) RETURNS boolean
  LANGUAGE sql STABLE SET search_path = casereview, pg_catalog, pg_temp AS $$
  WITH m AS (
    SELECT p.kind FROM people p
    WHERE p.roles & 8 <> 0
      AND cr_barring_act(c.id, p.login,
                         coalesce((SELECT r.barred_by FROM rules r WHERE r.action = 6), 56)) IS NULL
      AND p.login IS DISTINCT FROM approver AND p.login IS DISTINCT FROM new_voter
      AND NOT cr_conflicted(c.id, p.login)
      AND (fresh OR NOT EXISTS (SELECT 1 FROM votes v WHERE v.case_id = c.id
                                  AND v.round = c.round AND v.member = p.login)))
  SELECT concur + (SELECT count(*) FROM m) >= need
     AND NOT EXISTS (SELECT 1 FROM unnest(cr_kinds()) WITH ORDINALITY AS k(name, i)
                     WHERE coalesce(concur_kinds[k.i], 0)
                           + (SELECT count(*) FROM m WHERE m.kind = k.name)
                           < coalesce(need_kinds[k.i], 0))
$$;

-- The sign-off of case c's outcome (workflow.c: signoff[outcome], nfa's
-- for none) as the pinned configuration published it (settings signoff,
-- cr_config_put), or CR403 when none did.
CREATE FUNCTION cr_signoff_of(c cases, OUT panel integer, OUT concur integer,
                              OUT dissent integer, OUT require_kinds integer[])
LANGUAGE plpgsql STABLE SET search_path = casereview, pg_catalog, pg_temp AS $$
DECLARE
    o jsonb;
BEGIN
    SELECT e INTO o
      FROM settings st, jsonb_array_elements(st.value::jsonb) AS e
      WHERE st.key = 'signoff' AND e ->> 'outcome' = coalesce(c.outcome, 'nfa');
    IF o IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'CR403',
            MESSAGE = pg_catalog.format('no sign-off for the outcome %s is published in this '
                                        'database (an admin pins or adopts a configuration to '
                                        'publish it)', coalesce(c.outcome, 'nfa'));
    END IF;
    panel := (o ->> 'panel')::integer;
    concur := (o ->> 'concur')::integer;
    dissent := (o ->> 'dissent')::integer;
    require_kinds := ARRAY(SELECT k::integer FROM jsonb_array_elements_text(o -> 'require_kinds')
                                                  WITH ORDINALITY AS r(k, i) ORDER BY r.i);
END $$;

-- Refuse with core's words (CR001).
CREATE FUNCTION cr_refuse(msg text) RETURNS void LANGUAGE plpgsql
  SET search_path = casereview, pg_catalog, pg_temp AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = 'CR001', MESSAGE = msg;
END $$;

-- Publish the workflow's rules (store.h, rules_put): one row per action,
-- the arrays in step; the table is replaced whole.  Only the service role
-- or an admin of the roster (a pin, an adoption).  The rules are the
-- program's, not the configuration's: an admin's adoption publishes them
-- again as they are, and rules that differ (a newer program) are the
-- service role's to publish; else an admin's psql session could give
-- itself every action.
CREATE FUNCTION cr_rules_put(actions integer[], from_states integer[], roles integer[],
                             to_states integer[], barred integer[]) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp AS $$
BEGIN
    IF NOT cr_may_publish() THEN
        RAISE EXCEPTION USING ERRCODE = 'CR403',
            MESSAGE = pg_catalog.format('you (%s) may not publish the workflow''s rules: that is '
                                        'for an admin', session_user);
    END IF;
    IF NOT cr_is_service() AND EXISTS (
        (SELECT * FROM unnest(actions, from_states, roles, to_states, barred)
         EXCEPT SELECT * FROM rules)
        UNION ALL
        (SELECT * FROM rules
         EXCEPT SELECT * FROM unnest(actions, from_states, roles, to_states, barred))) THEN
        RAISE EXCEPTION USING ERRCODE = 'CR403',
            MESSAGE = pg_catalog.format('you (%s) may publish the workflow''s rules only as they '
                                        'are; these differ, and new rules come with a new '
                                        'casereview, which the service role publishes',
                                        session_user);
    END IF;
    DELETE FROM rules;
    INSERT INTO rules(action, from_states, roles, to_state, barred_by)
      SELECT * FROM unnest(actions, from_states, roles, to_states, barred);  -- (ROWS FROM: unqualified)
END $$;

-- Set a case's quorum flag, nothing else (store.h, set_quorum_blocked).
-- Core recomputes the flags when a configuration is pinned (the service
-- role, making the database) or adopted (an admin): only they may.
CREATE FUNCTION cr_set_quorum_blocked(case_no bigint, blocked integer) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp AS $$
BEGIN
    IF NOT cr_may_publish() THEN
        RAISE EXCEPTION USING ERRCODE = 'CR403',
            MESSAGE = pg_catalog.format('you (%s) may not set the quorum flag of case %s: it is '
                                        'recomputed when an admin adopts a configuration',
                                        session_user, case_no);
    END IF;
    UPDATE cases SET quorum_blocked = CASE WHEN blocked <> 0 THEN 1 ELSE 0 END WHERE id = case_no;
END $$;

-- The checks of cr_apply for a person (not the service role): the change
-- is the action's and no more, the action's rule holds (state, role,
-- separation of duties) and the action's own conditions that decide who
-- holds the case.
CREATE FUNCTION cr_apply_check(c cases, who text, action integer, to_state integer,
                               set_assignee boolean, new_assignee text, decide boolean,
                               approve boolean, vote boolean, note_kind text, note_author text,
                               quorum_blocked integer, supersede_votes boolean,
                               bump_version boolean, pause boolean, resume boolean,
                               set_approver boolean, new_approver text) RETURNS void
LANGUAGE plpgsql STABLE SET search_path = casereview, pg_catalog, pg_temp AS $$
DECLARE
    r rules;
    name text := cr_action_of(action);
    my_roles integer := (SELECT roles FROM people WHERE login = who);
    role_names text[] := ARRAY['reviewer', 'supervisor', 'admin', 'panel'];
    state_names text[] := ARRAY['flagged', 'in_review', 'awaiting_approval', 'panel_review',
                                'returned', 'closed'];
    target_roles integer;
    did text;
    what text;
BEGIN
    -- workflow.c's may_act, but for the closed case (below: a reopen takes a closed case).
    IF action >= 0 AND c.state = 'closed' THEN
        PERFORM cr_refuse(pg_catalog.format('case %s is closed, and nothing changes a closed case',
                                            c.id));
    END IF;
    -- (Need-to-know, the panel's and conflicts', is cr_apply's first check: a case kept
    -- from the person is refused as one that does not exist.)
    IF action IS NULL OR action < 0 THEN
        -- Not one of the workflow's actions: a pause, a resume, a route, a
        -- link or unlink (a bare new version), a reopen.  What only an
        -- action records (a decision, approval, vote, a return's reasons)
        -- is refused; the rest is for a supervisor or an admin, a bare new
        -- version (a link) for anyone on the roster with a role.
        IF decide OR approve OR vote OR supersede_votes
           OR (note_kind IS NOT NULL AND note_kind <> 'system')
           OR (note_author IS NOT NULL AND note_author <> 'system') THEN
            PERFORM cr_refuse(pg_catalog.format('you (%s) may record a decision, an approval, a '
                                                'vote or a return only by its action', who));
        END IF;
        IF (set_assignee AND new_assignee IS NOT NULL)
           OR (to_state IS NOT NULL AND to_state >= 0 AND to_state NOT IN (0, 4))
           OR (to_state = 4 AND coalesce(my_roles, 0) & 4 = 0) THEN
            PERFORM cr_refuse(pg_catalog.format('you (%s) may not change case %s that way',
                                                who, c.id));
        END IF;
        IF ((to_state IS NOT NULL AND to_state >= 0) OR set_assignee OR set_approver OR pause
            OR resume OR quorum_blocked IS NOT NULL)
           AND coalesce(my_roles, 0) & (2 | 4) = 0 THEN
            PERFORM cr_refuse(pg_catalog.format('that change of case %s needs the supervisor or '
                                                'admin role; you (%s) are %s', c.id, who,
                                                coalesce(nullif(cr_names_text(coalesce(my_roles, 0),
                                                    role_names), ''),
                                                    'on the roster without a role')));
        END IF;
        IF coalesce(my_roles, 0) = 0 THEN
            PERFORM cr_refuse(pg_catalog.format('you (%s) are on the roster without a role',
                                                who));
        END IF;
        -- The system's note (an import's or a correction's return) is an admin's
        -- (core/import.c, core/erase.c).
        IF note_author = 'system' AND coalesce(my_roles, 0) & 4 = 0 THEN
            PERFORM cr_refuse(pg_catalog.format('you (%s) may not change case %s that way',
                                                who, c.id));
        END IF;
        -- Back to the queue is a reopen (core/followup.c, reopen_may): of a closed
        -- case, by someone who neither decided nor approved a decision of it.
        IF to_state = 0 THEN
            -- (core/followup.c, may_act_after: an erased case takes nothing more.)
            IF EXISTS (SELECT 1 FROM erasures e WHERE e.case_id = c.id) THEN
                PERFORM cr_refuse(pg_catalog.format('case %s was erased (purge): nothing is added '
                                                    'to it, so %s is refused; its tombstone stays '
                                                    'as it is', c.id, 'reopen'));
            END IF;
            IF c.state <> 'closed' THEN
                PERFORM cr_refuse(pg_catalog.format('reopen needs a case that is closed; case %s '
                                                    'is %s', c.id, c.state));
            END IF;
            did := cr_barring_act(c.id, who, (1 << 3) | (1 << 4));
            IF did IS NOT NULL THEN
                PERFORM cr_refuse(pg_catalog.format('you (%s) %s, so you cannot reopen it '
                                                    '(separation of duties, across rounds)', who,
                                                    did));
            END IF;
        END IF;
        RETURN;
    END IF;
    SELECT * INTO r FROM rules WHERE rules.action = cr_apply_check.action;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'CR403',
            MESSAGE = pg_catalog.format('no rule for the action %s is published in this database '
                                        '(an admin pins or adopts a configuration to publish '
                                        'them)', coalesce(name, action::text));
    END IF;
    -- The rest of workflow.c's may_act and check, in their order.
    IF coalesce(my_roles, 0) & r.roles = 0 THEN
        PERFORM cr_refuse(pg_catalog.format('%s needs the %s role; you (%s) are %s', name,
                                            cr_names_text(r.roles, role_names), who,
                                            coalesce(nullif(cr_names_text(coalesce(my_roles, 0),
                                                role_names), ''),
                                                'on the roster without a role')));
    END IF;
    IF r.from_states & (1 << cr_state_number(c.state)) = 0 THEN
        PERFORM cr_refuse(pg_catalog.format('%s needs a case that is %s; case %s is %s', name,
                                            cr_names_text(r.from_states, state_names), c.id,
                                            c.state));
    END IF;
    -- The change must be the action's and no more.
    IF (decide AND action <> 3) OR (approve AND action <> 4) OR (vote AND action <> 6)
       OR (supersede_votes AND action <> 8)
       OR (action = 3 AND NOT decide) OR (action = 4 AND NOT approve)
       OR (action = 6 AND NOT vote)
       OR (set_assignee AND action NOT IN (0, 1, 2))
       OR (action = 0 AND (NOT set_assignee OR new_assignee IS DISTINCT FROM who))
       OR (action = 1 AND (NOT set_assignee OR new_assignee IS NOT NULL))
       OR (action = 2 AND (NOT set_assignee OR new_assignee IS NULL))
       OR (r.to_state >= 0 AND to_state IS NOT NULL AND to_state >= 0
           AND to_state <> r.to_state)
       OR (action = 4 AND to_state NOT IN (3, 5))
       OR (action = 6 AND to_state >= 0 AND to_state NOT IN (4, 5))
       OR (action = 7 AND (to_state >= 0 OR bump_version))
       OR (note_kind IS NOT NULL AND NOT (
             (action IN (5, 9) AND note_kind = 'return' AND note_author IS NULL)
             OR (action = 6 AND note_kind = 'dissent' AND note_author = 'panel')
             OR (action = 8 AND note_kind = 'system' AND note_author IS NULL)
             OR (action = 7 AND note_kind = 'note' AND note_author IS NULL)))
       OR (note_kind IS NULL AND note_author IS NOT NULL)
       OR (set_approver AND new_approver IS NOT NULL)
       OR pause OR resume THEN
        PERFORM cr_refuse(pg_catalog.format('that change is not what %s does to case %s', name,
                                            c.id));
    END IF;
    -- The action's own conditions on who holds the case (workflow.c's guards).
    IF action = 1 AND coalesce(my_roles, 0) & 2 = 0 AND c.assignee IS DISTINCT FROM who THEN
        PERFORM cr_refuse(pg_catalog.format('release is for the case''s reviewer (%s) or a '
                                            'supervisor', coalesce(c.assignee, 'nobody')));
    END IF;
    IF action = 3 THEN
        IF c.assignee IS NULL THEN
            PERFORM cr_refuse(pg_catalog.format('nobody is assigned case %s; claim it first',
                                                c.id));
        ELSIF c.assignee <> who THEN
            PERFORM cr_refuse(pg_catalog.format('decide is for the case''s assigned reviewer (%s)',
                                                c.assignee));
        END IF;
    END IF;
    IF action = 2 THEN
        target_roles := (SELECT roles FROM people WHERE login = new_assignee);
        IF coalesce(pg_catalog.btrim(new_assignee, E' \t\n\r'), '') = '' THEN
            PERFORM cr_refuse('assign needs the login of a reviewer');
        ELSIF target_roles IS NULL THEN
            PERFORM cr_refuse(pg_catalog.format('''%s'' is not on the roster', new_assignee));
        ELSIF target_roles & 1 = 0 THEN
            PERFORM cr_refuse(pg_catalog.format('%s is not a reviewer, so cannot be assigned a '
                                                'case', new_assignee));
        END IF;
        IF cr_conflicted(c.id, new_assignee) THEN
            PERFORM cr_refuse(cr_conflict_text(c.id, new_assignee));
        END IF;
        IF c.state = 'in_review' AND c.assignee = new_assignee THEN
            PERFORM cr_refuse(pg_catalog.format('case %s is already assigned to %s', c.id,
                                                new_assignee));
        END IF;
        -- Separation of duties is the reviewer's: the one who will decide it.
        did := cr_barring_act(c.id, new_assignee, r.barred_by);
        IF did IS NOT NULL THEN
            PERFORM cr_refuse(pg_catalog.format('%s %s, so they cannot review it (separation of '
                                                'duties, across rounds)', new_assignee, did));
        END IF;
        RETURN;
    END IF;
    -- workflow.c's resolves_blocked.
    IF action IN (8, 9) AND c.quorum_blocked = 0 THEN
        PERFORM cr_refuse(pg_catalog.format('%s is only for a case that cannot reach quorum; the '
                                            'panel can still reach it on case %s, so it goes on '
                                            'voting', name, c.id));
    END IF;
    did := cr_barring_act(c.id, who, r.barred_by);
    IF did IS NOT NULL THEN
        what := CASE action WHEN 0 THEN 'review' WHEN 6 THEN 'vote on' ELSE name END;
        PERFORM cr_refuse(pg_catalog.format('you (%s) %s, so you cannot %s it (separation of '
                                            'duties, across rounds)', who, did, what));
    END IF;
END $$;

-- Whether text is blank (core's cr_blank: NULL, or nothing but spaces,
-- tabs and line ends).
CREATE FUNCTION cr_blank(t text) RETURNS boolean LANGUAGE sql IMMUTABLE
  SET search_path = casereview, pg_catalog, pg_temp AS $$
  SELECT coalesce(pg_catalog.btrim(t, E' \t\n\r'), '') = ''
$$;

-- What the change of a person (after cr_apply_check) must be, worked out
-- on the server as core works it out: workflow.c's plan (an approval's and
-- a vote's resulting state, quorum flag, member kind and the panel's
-- note), settle (panel_round, the routing a change of state ends) and
-- clock_on_change (by the server's clock, which is the one that counts);
-- pause_or_resume, route, core/followup.c's reopen and cr_system_act for
-- the changes that are no action.  A change that differs is refused.
-- Gives shift, the clock_shift to write (the server's), or NULL when the
-- change leaves the clock as it is; and, for work_out (a vote whose result
-- core could not work out: blind voting withheld the round's votes from the
-- member, cr_case_state_lists), what the vote does, which the caller then
-- leaves as it is (no state, quorum flag, panel round, clock, routing or
-- note given): w_state (-1: none), w_qb, the note (w_kind, w_author,
-- w_body), w_pr, w_set_appr.
CREATE FUNCTION cr_apply_expect(c cases, who text, action integer, to_state integer,
                                set_assignee boolean, new_assignee text, decide boolean,
                                vote_value text, member_kind text, reason text, note_kind text,
                                note_body text, note_author text, quorum_blocked integer,
                                bump_version boolean, panel_round integer, set_clock boolean,
                                pause boolean, resume boolean, paused_until bigint,
                                pause_reason text, set_approver boolean, new_approver text,
                                work_out boolean, OUT shift bigint, OUT w_state integer,
                                OUT w_qb integer, OUT w_kind text, OUT w_author text,
                                OUT w_body text, OUT w_pr integer, OUT w_set_appr boolean)
LANGUAGE plpgsql STABLE SET search_path = casereview, pg_catalog, pg_temp AS $$
DECLARE
    t_now bigint := cr_now();
    name text := cr_action_of(action);
    my_roles integer := coalesce((SELECT p.roles FROM people p WHERE p.login = who), 0);
    role_names text[] := ARRAY['reviewer', 'supervisor', 'admin', 'panel'];
    so record;
    e_state integer := -1;
    e_qb integer;
    e_kind text;
    e_author text;
    e_body text;
    e_bump boolean := true;
    e_shift bigint;
    e_resume boolean := false;
    rnd integer := c.round + CASE WHEN decide THEN 1 ELSE 0 END;
    after text;
    e_pr integer;
    e_set_appr boolean := false;
    my_kind text;
    approved_by text;
    n_concur integer;
    n_dissent integer;
    by_kind integer[];
    concur_kinds text[];
    n_votes integer;
    paused bigint := coalesce(c.paused_until, 0);
    head text;
    tail text;
    did text;
    ok boolean;
BEGIN
    IF action >= 0 THEN
        e_state := (SELECT r.to_state FROM rules r WHERE r.action = cr_apply_expect.action);
        CASE action
        WHEN 3 THEN
            e_qb := 0;
        WHEN 4 THEN
            SELECT * INTO so FROM cr_signoff_of(c);
            e_state := CASE WHEN so.panel <> 0 THEN 3 ELSE 5 END;
            e_qb := CASE WHEN so.panel <> 0
                              AND NOT cr_quorum_reachable(c, so.concur, so.require_kinds, 0,
                                                          '{0,0,0}', who, NULL, false)
                         THEN 1 ELSE 0 END;
        WHEN 5, 9 THEN
            IF cr_blank(note_body) THEN
                PERFORM cr_refuse(pg_catalog.format('%s needs a reason for the reviewer', name));
            END IF;
            e_kind := 'return';
            e_body := note_body;
            IF action = 9 THEN
                e_qb := 0;
            END IF;
        WHEN 6 THEN
            SELECT * INTO so FROM cr_signoff_of(c);
            my_kind := (SELECT p.kind FROM people p WHERE p.login = who);
            SELECT v.vote INTO did FROM votes v
              WHERE v.case_id = c.id AND v.round = c.round AND v.member = who;
            IF FOUND THEN
                PERFORM cr_refuse(pg_catalog.format('you (%s) have already voted on this decision '
                                                    '(%s); one vote per member per decision', who,
                                                    did));
            END IF;
            IF vote_value = 'dissent' AND cr_blank(reason) THEN
                PERFORM cr_refuse('a dissent needs your reasons');
            ELSIF vote_value = 'recuse' AND cr_blank(reason) THEN
                PERFORM cr_refuse('a recusal needs a reason (the conflict of interest)');
            END IF;
            -- The tally with this vote (workflow.c, count_vote), by the kind the roster gives.
            SELECT count(*) FILTER (WHERE x.vote = 'concur'),
                   count(*) FILTER (WHERE x.vote = 'dissent'),
                   pg_catalog.array_agg(x.kind) FILTER (WHERE x.vote = 'concur')
              INTO n_concur, n_dissent, concur_kinds
              FROM (SELECT v.vote, v.member_kind AS kind FROM votes v
                      WHERE v.case_id = c.id AND v.round = c.round
                    UNION ALL SELECT vote_value, my_kind) x;
            by_kind := ARRAY(SELECT coalesce(pg_catalog.array_length(pg_catalog.array_positions(
                                 concur_kinds, k.name), 1), 0)
                             FROM unnest(cr_kinds()) WITH ORDINALITY AS k(name, i) ORDER BY k.i);
            IF n_dissent >= so.dissent THEN
                -- Back to the reviewer, with every dissent's reasons.
                e_state := 4;
                e_qb := 0;
                e_kind := 'dissent';
                e_author := 'panel';
                e_body := pg_catalog.format('The panel returned decision %s:', c.round)
                          || coalesce((SELECT pg_catalog.string_agg(
                                          pg_catalog.format(E'\n- %s (%s): %s', v.member,
                                                            v.member_kind, v.reason), ''
                                          ORDER BY v.id)
                                       FROM votes v WHERE v.case_id = c.id
                                         AND v.round = c.round AND v.vote = 'dissent'), '')
                          || pg_catalog.format(E'\n- %s (%s): %s', who, my_kind,
                                               coalesce(reason, '(null)'));
            ELSIF n_concur >= so.concur AND NOT EXISTS (
                    SELECT 1 FROM unnest(cr_kinds()) WITH ORDINALITY AS k(name, i)
                    WHERE by_kind[k.i] < coalesce(so.require_kinds[k.i], 0)) THEN
                e_state := 5;
                e_qb := 0;
            ELSE
                e_state := -1;
                approved_by := (SELECT a.supervisor FROM approvals a
                                WHERE a.case_id = c.id AND a.round = c.round);
                e_qb := CASE WHEN cr_quorum_reachable(c, so.concur, so.require_kinds, n_concur,
                                                      by_kind, approved_by, who, false)
                             THEN 0 ELSE 1 END;
            END IF;
            IF member_kind IS DISTINCT FROM my_kind THEN
                PERFORM cr_refuse(pg_catalog.format('that change is not what vote does to case '
                                                    '%s: your vote counts as a %s member''s, as '
                                                    'the roster says, not %s', c.id,
                                                    coalesce(my_kind, 'kindless'),
                                                    coalesce(member_kind, 'none')));
            END IF;
        WHEN 7 THEN
            IF cr_blank(note_body) THEN
                PERFORM cr_refuse('a note needs text');
            END IF;
            e_bump := false;
            e_kind := 'note';
            e_body := note_body;
        WHEN 8 THEN
            -- workflow.c, guard_reconvene: pointless unless a new sitting could close it.
            SELECT * INTO so FROM cr_signoff_of(c);
            approved_by := (SELECT a.supervisor FROM approvals a
                            WHERE a.case_id = c.id AND a.round = c.round);
            IF c.outcome IS NOT NULL
               AND NOT cr_quorum_reachable(c, so.concur, so.require_kinds, 0, '{0,0,0}',
                                           approved_by, NULL, true) THEN
                PERFORM cr_refuse(pg_catalog.format(
                    'even a new sitting could not reach quorum on case %s: too few panel members '
                    'may vote on it (not its reviewer or approver, not in the subject''s unit); '
                    'add members to panel.members, or recall it to its reviewer', c.id));
            END IF;
            n_votes := (SELECT count(*) FROM votes v WHERE v.case_id = c.id
                          AND v.round = c.round);
            -- The note (plan): the reason, whatever it is but blank, and the votes set aside.
            head := pg_catalog.format('The panel sits again on decision %s: ', c.round);
            tail := pg_catalog.format(E'\nThe %s %s cast before (recusals included) no longer '
                                      'count; every member may vote.', n_votes,
                                      CASE WHEN n_votes = 1 THEN 'vote' ELSE 'votes' END);
            IF pg_catalog.left(note_body, pg_catalog.length(head)) = head
               AND pg_catalog.right(note_body, pg_catalog.length(tail)) = tail
               AND pg_catalog.length(note_body) >= pg_catalog.length(head) + pg_catalog.length(tail)
            THEN
                IF cr_blank(pg_catalog.substr(note_body, pg_catalog.length(head) + 1,
                                              pg_catalog.length(note_body)
                                              - pg_catalog.length(head)
                                              - pg_catalog.length(tail))) THEN
                    PERFORM cr_refuse('reconvene needs a reason (why the panel sits again)');
                END IF;
                e_body := note_body;
            END IF;
            e_kind := 'system';
            e_qb := 0;
        ELSE
            NULL;
        END CASE;
    ELSIF pause THEN
        -- workflow.c, sla_check and pause_or_resume.
        IF c.state = 'closed' THEN
            PERFORM cr_refuse(pg_catalog.format('case %s is closed, and nothing changes a closed '
                                                'case', c.id));
        END IF;
        IF paused > t_now THEN
            PERFORM cr_refuse(pg_catalog.format('case %s is already paused until %s; resume it '
                                                'first to pause it again', c.id,
                                                cr_time_text(paused)));
        END IF;
        IF cr_blank(pause_reason) THEN
            PERFORM cr_refuse('pause needs a reason: why the service level''s clock stops');
        END IF;
        IF cr_apply_expect.paused_until IS NULL OR cr_apply_expect.paused_until <= t_now THEN
            PERFORM cr_refuse(pg_catalog.format('a pause must end after now (%s), not at %s',
                                                cr_time_text(t_now),
                                                cr_time_text(coalesce(cr_apply_expect.paused_until,
                                                                      0))));
        END IF;
        IF cr_apply_expect.paused_until - t_now > 3653 * 86400 THEN
            PERFORM cr_refuse(pg_catalog.format('a pause of more than %s days (to %s) is not a '
                                                'pause: give an earlier end', 3653,
                                                cr_time_text(cr_apply_expect.paused_until)));
        END IF;
        e_shift := c.clock_shift + (cr_apply_expect.paused_until - t_now);
    ELSIF to_state = 0 THEN
        -- core/followup.c, reopen (cr_apply_check has checked who and the state).
        IF my_roles & (2 | 4) = 0 THEN
            PERFORM cr_refuse(pg_catalog.format('reopen needs the supervisor or admin role; you '
                                                '(%s) are %s', who,
                                                coalesce(nullif(cr_names_text(my_roles,
                                                                              role_names), ''),
                                                         'on the roster without a role')));
        END IF;
        IF NOT (note_body LIKE pg_catalog.format('Reopened for a new round; decision %s no longer '
                                                 'stands: %%', c.round))
           OR cr_blank(pg_catalog.substr(note_body, pg_catalog.length(pg_catalog.format(
                  'Reopened for a new round; decision %s no longer stands: ', c.round)) + 1)) THEN
            PERFORM cr_refuse(pg_catalog.format('reopen needs a reason: why case %s is decided '
                                                'again (an appeal, a court ruling, new evidence)',
                                                c.id));
        END IF;
        e_state := 0;
        e_kind := 'system';
        e_body := note_body;
        e_qb := 0;
        e_shift := 0;
        e_resume := paused <> 0;
    ELSIF resume THEN
        IF c.state = 'closed' THEN
            PERFORM cr_refuse(pg_catalog.format('case %s is closed, and nothing changes a closed '
                                                'case', c.id));
        END IF;
        IF paused <= t_now THEN
            PERFORM cr_refuse(pg_catalog.format('case %s is not paused, so there is nothing to '
                                                'resume', c.id));
        END IF;
        e_resume := true;
        e_shift := c.clock_shift - (paused - t_now);
    ELSIF note_author = 'system' THEN
        -- cr_system_act (an import's or a correction's return): system_rules.
        IF c.state NOT IN ('awaiting_approval', 'panel_review') THEN
            PERFORM cr_refuse(pg_catalog.format('you (%s) may not change case %s that way', who,
                                                c.id));
        END IF;
        e_state := 4;
        e_kind := 'system';
        e_author := 'system';
        e_body := note_body;
        e_qb := 0;
    ELSIF set_approver THEN
        -- workflow.c, route_may and route_target.
        IF c.state = 'closed' THEN
            PERFORM cr_refuse(pg_catalog.format('case %s is closed, and nothing changes a closed '
                                                'case', c.id));
        END IF;
        IF my_roles & 2 = 0 THEN
            PERFORM cr_refuse(pg_catalog.format('route needs the supervisor role; you (%s) are %s',
                                                who,
                                                coalesce(nullif(cr_names_text(my_roles,
                                                                              role_names), ''),
                                                         'on the roster without a role')));
        END IF;
        IF c.state <> 'awaiting_approval' THEN
            PERFORM cr_refuse(pg_catalog.format('route needs a case that is awaiting_approval; '
                                                'case %s is %s', c.id, c.state));
        END IF;
        did := cr_barring_act(c.id, who, (SELECT r.barred_by FROM rules r WHERE r.action = 4));
        IF did IS NOT NULL THEN
            PERFORM cr_refuse(pg_catalog.format('you (%s) %s, so you cannot route it (separation '
                                                'of duties, across rounds)', who, did));
        END IF;
        IF cr_blank(new_approver) THEN
            PERFORM cr_refuse('route needs the login of a supervisor');
        ELSIF NOT EXISTS (SELECT 1 FROM people p WHERE p.login = new_approver) THEN
            PERFORM cr_refuse(pg_catalog.format('''%s'' is not on the roster', new_approver));
        ELSIF NOT EXISTS (SELECT 1 FROM people p WHERE p.login = new_approver
                            AND p.roles & 2 <> 0) THEN
            PERFORM cr_refuse(pg_catalog.format('%s is not a supervisor, so cannot approve case %s',
                                                new_approver, c.id));
        ELSIF cr_conflicted(c.id, new_approver) THEN
            PERFORM cr_refuse(cr_conflict_text(c.id, new_approver));
        END IF;
        did := cr_barring_act(c.id, new_approver,
                              (SELECT r.barred_by FROM rules r WHERE r.action = 4));
        IF did IS NOT NULL THEN
            PERFORM cr_refuse(pg_catalog.format('%s %s, so they cannot approve it (separation of '
                                                'duties, across rounds)', new_approver, did));
        END IF;
        IF c.approver = new_approver THEN
            PERFORM cr_refuse(pg_catalog.format('case %s is already routed to %s', c.id,
                                                new_approver));
        END IF;
        -- Nothing else changes: the routing is set below as given.
        e_set_appr := true;
    END IF;
    -- settle: the case's panel_round, and the routing a change of state ends.
    after := CASE WHEN e_state >= 0 THEN cr_state_of(e_state) ELSE c.state END;
    IF action >= 0 OR note_author = 'system' THEN
        e_pr := CASE WHEN e_bump AND after = 'panel_review' AND c.panel_round <> rnd THEN rnd END;
        e_set_appr := e_bump AND after <> c.state AND c.approver IS NOT NULL;
        -- clock_on_change, by the server's clock.
        IF e_state >= 0 AND after <> c.state AND e_bump THEN
            e_shift := greatest(paused - t_now, 0);
        END IF;
    END IF;
    IF work_out THEN
        ok := action = 6 AND coalesce(to_state, -1) = -1 AND quorum_blocked IS NULL
              AND panel_round IS NULL AND bump_version = e_bump AND NOT set_clock
              AND NOT coalesce(resume, false) AND NOT set_approver AND new_approver IS NULL
              AND note_body IS NULL AND note_kind IS NULL AND note_author IS NULL
              AND NOT pause;
    ELSE
    ok := coalesce(to_state, -1) = e_state
          AND quorum_blocked IS NOT DISTINCT FROM e_qb
          AND panel_round IS NOT DISTINCT FROM e_pr
          AND bump_version = e_bump
          AND set_clock = (e_shift IS NOT NULL)
          AND coalesce(resume, false) = e_resume
          AND set_approver = e_set_appr
          AND (new_approver IS NULL OR (e_set_appr AND action < 0))
          AND (note_body IS NULL) = (e_kind IS NULL)
          AND (note_body IS NULL OR (note_kind IS NOT DISTINCT FROM e_kind
                                     AND note_author IS NOT DISTINCT FROM e_author
                                     AND note_body = e_body))
          AND (action >= 0 OR (to_state = 0) = set_assignee)
          AND (action >= 0 OR pause OR (paused_until = 0 AND pause_reason IS NULL));
    END IF;
    IF NOT ok THEN
        IF action >= 0 THEN
            PERFORM cr_refuse(pg_catalog.format('that change is not what %s does to case %s', name,
                                                c.id));
        END IF;
        PERFORM cr_refuse(pg_catalog.format('you (%s) may not change case %s that way', who,
                                            c.id));
    END IF;
    shift := e_shift;
    w_state := e_state;
    w_qb := e_qb;
    w_kind := e_kind;
    w_author := e_author;
    w_body := e_body;
    w_pr := e_pr;
    w_set_appr := e_set_appr;
END $$;

-- Apply a change the workflow decided (store.h, apply): the case as it was
-- read (its id and version), the action (enum cr_action, or -1), and the
-- change's fields (internal.h, struct cr_change; states by number, the
-- other enumerations by their stored names; what a call leaves out is what
-- a change leaves as it is).  Writes what sq_apply writes, by
-- cr_actor(actor) at cr_now().  work_out: a panel member's vote whose
-- result the server works out and writes (state, quorum flag, panel's note),
-- where blind voting keeps the round's votes from the member (core/pg/apply.c
-- asks it when cr_case_state_lists withheld them).
CREATE FUNCTION cr_apply(case_no bigint, based_on bigint, action integer, actor text,
                         to_state integer DEFAULT -1, set_assignee boolean DEFAULT false,
                         new_assignee text DEFAULT NULL, decide boolean DEFAULT false,
                         outcome text DEFAULT NULL, vetting_review integer DEFAULT 0,
                         rationale text DEFAULT NULL, approve boolean DEFAULT false,
                         vote boolean DEFAULT false, vote_value text DEFAULT NULL,
                         member_kind text DEFAULT NULL, reason text DEFAULT NULL,
                         note_kind text DEFAULT NULL, note_body text DEFAULT NULL,
                         note_author text DEFAULT NULL, quorum_blocked integer DEFAULT NULL,
                         supersede_votes boolean DEFAULT false, bump_version boolean DEFAULT true,
                         panel_round integer DEFAULT NULL, set_clock boolean DEFAULT false,
                         clock_shift bigint DEFAULT 0, pause boolean DEFAULT false,
                         resume boolean DEFAULT false, paused_until bigint DEFAULT 0,
                         pause_reason text DEFAULT NULL, set_approver boolean DEFAULT false,
                         new_approver text DEFAULT NULL, work_out boolean DEFAULT false)
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp AS $$
DECLARE
    who text := cr_actor(actor);
    t_now bigint := cr_now();
    c cases;
    rnd integer;
    x record;
    new_state text := CASE WHEN to_state >= 0 THEN cr_state_of(to_state) END;
BEGIN
    -- A case kept from a person (need-to-know: the panel's, conflicts.same_unit, declared
    -- conflicts) is refused as one that does not exist, before anything of it is read or
    -- locked: not its version, last writer and time (version_seen's words), nor the rule.
    IF NOT cr_is_service() THEN
        PERFORM cr_case_seen(case_no);
    END IF;
    SELECT * INTO c FROM cases WHERE id = case_no FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'CR002', MESSAGE = pg_catalog.format('no case %s', case_no);
    END IF;
    -- workflow.c's version_seen.
    IF based_on > c.version THEN
        PERFORM cr_refuse(pg_catalog.format(
            'case %s is at version %s; version %s, which you gave, it has never had; look at it '
            'again (show %s) and give the version shown', c.id, c.version, based_on, c.id));
    ELSIF based_on IS DISTINCT FROM c.version THEN
        PERFORM cr_refuse(pg_catalog.format(
            'case %s was changed by %s at %s (it is now version %s; you saw version %s); look at '
            'it again before you act', c.id, coalesce(c.updated_by, 'someone'),
            pg_catalog.to_char(pg_catalog.to_timestamp(c.updated_at) AT TIME ZONE 'UTC',
                               'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
            c.version, based_on));
    END IF;
    IF to_state >= 0 AND new_state IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'CR003', MESSAGE = pg_catalog.format('no state %s', to_state);
    END IF;
    IF NOT cr_is_service() THEN
        PERFORM cr_apply_check(c, who, action, to_state, coalesce(set_assignee, false),
                               new_assignee, coalesce(decide, false), coalesce(approve, false),
                               coalesce(vote, false), note_kind, note_author, quorum_blocked,
                               coalesce(supersede_votes, false), coalesce(bump_version, false),
                               coalesce(pause, false), coalesce(resume, false),
                               coalesce(set_approver, false), new_approver);
        -- What core's guards ask of the inputs (workflow.c, guard_decide and guard_vote).
        IF decide AND (coalesce(pg_catalog.btrim(rationale, E' \t\n\r'), '') = ''
                       OR (vetting_review <> 0 AND outcome IS DISTINCT FROM 'refer')) THEN
            PERFORM cr_refuse('decide needs an outcome and a rationale; a vetting review goes '
                              'only with the outcome refer');
        END IF;
        IF vote AND (vote_value = 'concur') <> (reason IS NULL) THEN
            PERFORM cr_refuse('a dissent or a recusal needs its reasons, and a concurrence has '
                              'none');
        END IF;
        -- The rest of the change as core works it out; the clock by the server's.
        SELECT * INTO x FROM cr_apply_expect(c, who, action, to_state,
                                 coalesce(set_assignee, false),
                                 new_assignee, coalesce(decide, false), vote_value, member_kind,
                                 reason, note_kind, note_body, note_author, quorum_blocked,
                                 coalesce(bump_version, false), panel_round,
                                 coalesce(set_clock, false), coalesce(pause, false),
                                 coalesce(resume, false), paused_until, pause_reason,
                                 coalesce(set_approver, false), new_approver,
                                 coalesce(work_out, false));
        set_clock := x.shift IS NOT NULL;
        clock_shift := coalesce(x.shift, 0);
        IF work_out THEN
            -- The vote's result, which the member could not work out (blind voting).
            to_state := x.w_state;
            new_state := CASE WHEN to_state >= 0 THEN cr_state_of(to_state) END;
            quorum_blocked := x.w_qb;
            note_kind := x.w_kind;
            note_author := x.w_author;
            note_body := x.w_body;
            panel_round := x.w_pr;
            set_approver := x.w_set_appr;
            new_approver := NULL;
        END IF;
    ELSIF work_out THEN
        RAISE EXCEPTION USING ERRCODE = 'CR003',
            MESSAGE = 'work_out is for a panel member''s vote whose result they cannot see';
    END IF;

    rnd := c.round + CASE WHEN decide THEN 1 ELSE 0 END;
    IF decide THEN
        INSERT INTO decisions(case_id, round, reviewer, outcome, vetting_review, rationale,
                              decided_at)
          VALUES (case_no, rnd, who, outcome, vetting_review, rationale, t_now);
    END IF;
    IF approve THEN
        INSERT INTO approvals(case_id, round, supervisor, approved_at)
          VALUES (case_no, rnd, who, t_now);
    END IF;
    IF vote THEN
        INSERT INTO votes(case_id, round, member, member_kind, vote, reason, created_at)
          VALUES (case_no, rnd, who, member_kind, vote_value, reason, t_now);
    END IF;
    IF supersede_votes THEN
        -- Kept, with who set them aside and when, but no longer counted.
        INSERT INTO superseded_votes(vote_id, case_id, round, member, member_kind, vote, reason,
                                     created_at, superseded_at, superseded_by)
          SELECT v.id, v.case_id, v.round, v.member, v.member_kind, v.vote, v.reason,
                 v.created_at, t_now, who
          FROM votes v WHERE v.case_id = case_no AND v.round = rnd ORDER BY v.id;
        DELETE FROM votes v WHERE v.case_id = case_no AND v.round = rnd;
    END IF;
    IF note_body IS NOT NULL THEN
        INSERT INTO notes(case_id, author, created_at, kind, body)
          VALUES (case_no, coalesce(note_author, who), t_now, coalesce(note_kind, 'note'),
                  note_body);
    END IF;
    IF NOT bump_version THEN
        RETURN;
    END IF;
    UPDATE cases SET version = cases.version + 1, updated_by = who, updated_at = t_now,
      state = coalesce(new_state, cases.state),
      state_since = CASE WHEN new_state IS NOT NULL AND new_state <> cases.state THEN t_now
                         ELSE cases.state_since END,
      assignee = CASE WHEN set_assignee THEN new_assignee ELSE cases.assignee END,
      round = rnd,
      outcome = CASE WHEN decide THEN cr_apply.outcome ELSE cases.outcome END,
      vetting_review = CASE WHEN decide THEN cr_apply.vetting_review ELSE cases.vetting_review END,
      rationale = CASE WHEN decide THEN cr_apply.rationale ELSE cases.rationale END,
      decided_by = CASE WHEN decide THEN who ELSE cases.decided_by END,
      decided_at = CASE WHEN decide THEN t_now ELSE cases.decided_at END,
      quorum_blocked = coalesce(cr_apply.quorum_blocked, cases.quorum_blocked),
      panel_round = coalesce(cr_apply.panel_round, cases.panel_round),
      clock_shift = CASE WHEN set_clock THEN cr_apply.clock_shift ELSE cases.clock_shift END,
      paused_until = CASE WHEN pause THEN cr_apply.paused_until WHEN resume THEN NULL
                          ELSE cases.paused_until END,
      paused_at = CASE WHEN pause THEN t_now WHEN resume THEN NULL ELSE cases.paused_at END,
      paused_by = CASE WHEN pause THEN who WHEN resume THEN NULL ELSE cases.paused_by END,
      pause_reason = CASE WHEN pause THEN cr_apply.pause_reason WHEN resume THEN NULL
                          ELSE cases.pause_reason END,
      approver = CASE WHEN set_approver THEN new_approver ELSE cases.approver END
    WHERE id = case_no;
END $$;

REVOKE EXECUTE ON FUNCTION cr_state_of(integer), cr_state_number(text), cr_action_of(integer),
  cr_declared_conflict(bigint, text),
  cr_names_text(integer, text[]), cr_may_publish(), cr_barring_act(bigint, text, integer),
  cr_refuse(text), cr_same_unit(bigint, text), cr_conflicted(bigint, text),
  cr_conflict_text(bigint, text), cr_time_text(bigint), cr_kinds(), cr_blank(text),
  cr_quorum_reachable(cases, integer, integer[], integer, integer[], text, text, boolean),
  cr_signoff_of(cases),
  cr_apply_expect(cases, text, integer, integer, boolean, text, boolean, text, text, text, text,
                  text, text, integer, boolean, integer, boolean, boolean, boolean, bigint, text,
                  boolean, text, boolean),
  cr_apply_check(cases, text, integer, integer, boolean, text, boolean, boolean, boolean, text,
                 text, integer, boolean, boolean, boolean, boolean, boolean, text) FROM PUBLIC;
