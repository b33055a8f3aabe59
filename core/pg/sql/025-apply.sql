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
    IF coalesce(my_roles, 0) & 7 = 0 AND c.panel_round = 0 THEN
        PERFORM cr_refuse(pg_catalog.format('case %s has not been before the panel, and a panel '
                                            'member sees only the cases that have (need-to-know)',
                                            c.id));
    END IF;
    IF cr_declared_conflict(c.id, who) THEN
        PERFORM cr_refuse(pg_catalog.format('you (%s) have a declared conflict of interest with '
                                            'the subject of case %s, and with conflicts.declared '
                                            'nobody acts on a case they are conflicted on', who,
                                            c.id));
    END IF;
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
           OR (set_approver AND new_approver IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM people
                               WHERE login = new_approver AND roles & 2 <> 0))
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
        IF target_roles IS NULL THEN
            PERFORM cr_refuse(pg_catalog.format('''%s'' is not on the roster', new_assignee));
        ELSIF target_roles & 1 = 0 THEN
            PERFORM cr_refuse(pg_catalog.format('%s is not a reviewer, so cannot be assigned a '
                                                'case', new_assignee));
        END IF;
        IF cr_declared_conflict(c.id, new_assignee) THEN
            PERFORM cr_refuse(pg_catalog.format('%s has a declared conflict of interest with the '
                                                'subject of case %s, so they cannot review this '
                                                'case', new_assignee, c.id));
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

-- Apply a change the workflow decided (store.h, apply): the case as it was
-- read (its id and version), the action (enum cr_action, or -1), and the
-- change's fields (internal.h, struct cr_change; states by number, the
-- other enumerations by their stored names; what a call leaves out is what
-- a change leaves as it is).  Writes what sq_apply writes, by
-- cr_actor(actor) at cr_now().
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
                         new_approver text DEFAULT NULL) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp AS $$
DECLARE
    who text := cr_actor(actor);
    t_now bigint := cr_now();
    c cases;
    rnd integer;
    new_state text := CASE WHEN to_state >= 0 THEN cr_state_of(to_state) END;
BEGIN
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
        -- What core's guards ask of the inputs (workflow.c, guard_decide and guard_vote),
        -- and the clock a change of state starts (clock_on_change).
        IF decide AND (coalesce(pg_catalog.btrim(rationale, E' \t\n\r'), '') = ''
                       OR (vetting_review <> 0 AND outcome IS DISTINCT FROM 'refer')) THEN
            PERFORM cr_refuse('decide needs an outcome and a rationale; a vetting review goes '
                              'only with the outcome refer');
        END IF;
        IF vote AND (vote_value = 'concur') <> (reason IS NULL) THEN
            PERFORM cr_refuse('a dissent or a recusal needs its reasons, and a concurrence has '
                              'none');
        END IF;
        -- (What is left of a pause, by the program's clock: a minute's leeway.)
        IF set_clock AND action >= 0 AND (clock_shift < 0 OR clock_shift >
               greatest(coalesce(c.paused_until, 0) - t_now, 0) + 60) THEN
            PERFORM cr_refuse(pg_catalog.format('that change is not what %s does to case %s',
                                                cr_action_of(action), c.id));
        END IF;
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
  cr_refuse(text),
  cr_apply_check(cases, text, integer, integer, boolean, text, boolean, boolean, boolean, text,
                 text, integer, boolean, boolean, boolean, boolean, boolean, text) FROM PUBLIC;
