/*
 * Schema migrations (see schema.h).  Enumerated columns store the names of
 * casereview.h's enumerations, so that the file reads well in the sqlite3
 * shell; CHECK constraints keep them honest.
 */
#include "schema.h"

const struct cr_migration_step cr_schema[] = {
    /* Version 1: the domain model of SPEC section 2. */
    {1, "CREATE TABLE settings ("
        "  key TEXT PRIMARY KEY,"
        "  value TEXT NOT NULL"
        ") STRICT;"},
    /* Each import run, so that every row can say where it came from. */
    {1, "CREATE TABLE imports ("
        "  id INTEGER PRIMARY KEY,"
        "  at INTEGER NOT NULL,"
        "  label TEXT NOT NULL,"
        "  rows INTEGER NOT NULL DEFAULT 0,"
        "  new_allegations INTEGER NOT NULL DEFAULT 0,"
        "  new_cases INTEGER NOT NULL DEFAULT 0"
        ") STRICT;"},

    {1, "CREATE TABLE subjects ("
        "  id INTEGER PRIMARY KEY,"
        "  ref TEXT NOT NULL UNIQUE,"
        "  surname TEXT NOT NULL,"
        "  forenames TEXT NOT NULL,"
        "  employment TEXT NOT NULL CHECK (employment IN ('officer', 'staff', 'special')),"
        "  rank TEXT NOT NULL,"
        "  unit TEXT NOT NULL,"
        "  duty_status TEXT NOT NULL CHECK (duty_status IN ('full', 'restricted', 'suspended')),"
        "  vetting_status TEXT CHECK (vetting_status IN ('cleared', 'under_review', 'withdrawn')),"
        "  import_id INTEGER NOT NULL REFERENCES imports(id)," /* the import that last set these */
        "  import_line INTEGER NOT NULL"
        ") STRICT;"},
    /*
     * A case: one per subject, or a new one when an allegation arrives after
     * the last was closed.  sortkey orders the queue: highest priority
     * first, ties to the oldest case (lowest id); keyset paging seeks on it.
     */
    {1, "CREATE TABLE cases ("
        "  id INTEGER PRIMARY KEY,"
        "  subject_id INTEGER NOT NULL REFERENCES subjects(id),"
        "  previous_case_id INTEGER REFERENCES cases(id),"
        "  state TEXT NOT NULL DEFAULT 'flagged' CHECK (state IN ('flagged', 'in_review',"
        "    'awaiting_approval', 'panel_review', 'returned', 'closed')),"
        "  state_since INTEGER NOT NULL,"
        "  created_at INTEGER NOT NULL,"
        "  assignee TEXT,"
        "  outcome TEXT CHECK (outcome IN ('nfa', 'reassess', 'refer')),"
        "  vetting_review INTEGER NOT NULL DEFAULT 0 CHECK (vetting_review IN (0, 1)),"
        "  rationale TEXT,"
        "  decided_by TEXT,"
        "  decided_at INTEGER,"
        "  round INTEGER NOT NULL DEFAULT 0,"
        "  version INTEGER NOT NULL DEFAULT 1,"
        "  updated_by TEXT,"
        "  updated_at INTEGER,"
        "  n_allegations INTEGER NOT NULL DEFAULT 0,"
        "  n_sexual INTEGER NOT NULL DEFAULT 0,"
        "  latest_allegation TEXT,"
        "  priority INTEGER NOT NULL DEFAULT 0,"
        "  categories INTEGER GENERATED ALWAYS AS"
        "    ((n_allegations > n_sexual) | ((n_sexual > 0) << 1)) VIRTUAL,"
        "  sortkey INTEGER GENERATED ALWAYS AS ((1048576 - priority) * 4294967296 + id) VIRTUAL"
        ") STRICT;"
        "CREATE INDEX cases_queue ON cases(sortkey);"
        "CREATE INDEX cases_state_queue ON cases(state, sortkey);"
        "CREATE INDEX cases_outcome_queue ON cases(outcome, sortkey);"
        "CREATE INDEX cases_subject ON cases(subject_id);"
        "CREATE INDEX cases_assignee ON cases(assignee, state) WHERE assignee IS NOT NULL;"},
    {1, "CREATE TABLE allegations ("
        "  id INTEGER PRIMARY KEY,"
        "  ref TEXT NOT NULL UNIQUE,"
        "  case_id INTEGER NOT NULL REFERENCES cases(id),"
        "  category TEXT NOT NULL CHECK (category IN ('domestic_violence', 'sexual_offence')),"
        "  date TEXT NOT NULL,"
        "  source TEXT NOT NULL CHECK (source IN ('complaint', 'hotline', 'colleague', 'pnd',"
        "    'other')),"
        "  original_outcome TEXT NOT NULL,"
        "  summary TEXT NOT NULL,"
        "  import_id INTEGER NOT NULL REFERENCES imports(id),"
        "  import_line INTEGER NOT NULL"
        ") STRICT;"
        "CREATE INDEX allegations_case ON allegations(case_id, date);"},
    {1, "CREATE TABLE notes ("
        "  id INTEGER PRIMARY KEY,"
        "  case_id INTEGER NOT NULL REFERENCES cases(id),"
        "  author TEXT NOT NULL,"
        "  created_at INTEGER NOT NULL,"
        "  kind TEXT NOT NULL CHECK (kind IN ('note', 'system', 'return', 'dissent', 'recuse')),"
        "  body TEXT NOT NULL"
        ") STRICT;"
        "CREATE INDEX notes_case ON notes(case_id, id);"},
    {1, "CREATE TABLE votes ("
        "  id INTEGER PRIMARY KEY,"
        "  case_id INTEGER NOT NULL REFERENCES cases(id),"
        "  round INTEGER NOT NULL,"
        "  member TEXT NOT NULL,"
        "  member_kind TEXT NOT NULL,"
        "  vote TEXT NOT NULL CHECK (vote IN ('concur', 'dissent', 'recuse')),"
        "  reason TEXT,"
        "  created_at INTEGER NOT NULL,"
        "  UNIQUE (case_id, round, member)"
        ") STRICT;"},
    {1, "CREATE TABLE audit_events ("
        "  id INTEGER PRIMARY KEY,"
        "  at INTEGER NOT NULL,"
        "  actor TEXT NOT NULL,"
        "  case_id INTEGER,"
        "  action TEXT NOT NULL,"
        "  state_before TEXT,"
        "  state_after TEXT,"
        "  details TEXT NOT NULL,"
        "  config_digest TEXT NOT NULL,"
        "  prev_hash BLOB NOT NULL,"
        "  hash BLOB NOT NULL"
        ") STRICT;"
        "CREATE INDEX audit_case ON audit_events(case_id, id) WHERE case_id IS NOT NULL;"},
    /* Counters kept by the same transaction as the rows they count. */
    {1, "CREATE TABLE case_counts ("
        "  state TEXT NOT NULL,"
        "  outcome TEXT NOT NULL,"
        "  categories INTEGER NOT NULL,"
        "  n INTEGER NOT NULL,"
        "  PRIMARY KEY (state, outcome, categories)"
        ") STRICT, WITHOUT ROWID;"
        "CREATE TABLE counters ("
        "  name TEXT PRIMARY KEY,"
        "  n INTEGER NOT NULL"
        ") STRICT, WITHOUT ROWID;"},
    {1, "CREATE TRIGGER cases_count_insert AFTER INSERT ON cases BEGIN"
        "  INSERT INTO case_counts VALUES (new.state, coalesce(new.outcome, ''), new.categories, 1)"
        "    ON CONFLICT (state, outcome, categories) DO UPDATE SET n = n + 1;"
        "END;"
        "CREATE TRIGGER cases_count_update AFTER UPDATE OF state, outcome, n_allegations, n_sexual"
        "  ON cases WHEN old.state IS NOT new.state OR old.outcome IS NOT new.outcome"
        "    OR old.categories IS NOT new.categories BEGIN"
        "  UPDATE case_counts SET n = n - 1 WHERE state = old.state"
        "    AND outcome = coalesce(old.outcome, '') AND categories = old.categories;"
        "  INSERT INTO case_counts VALUES (new.state, coalesce(new.outcome, ''), new.categories, 1)"
        "    ON CONFLICT (state, outcome, categories) DO UPDATE SET n = n + 1;"
        "END;"
        "CREATE TRIGGER cases_count_delete AFTER DELETE ON cases BEGIN"
        "  UPDATE case_counts SET n = n - 1 WHERE state = old.state"
        "    AND outcome = coalesce(old.outcome, '') AND categories = old.categories;"
        "END;"
        "CREATE TRIGGER subjects_count AFTER INSERT ON subjects BEGIN"
        "  INSERT INTO counters VALUES ('subjects', 1)"
        "    ON CONFLICT (name) DO UPDATE SET n = n + 1;"
        "END;"
        "CREATE TRIGGER allegations_count AFTER INSERT ON allegations BEGIN"
        "  INSERT INTO counters VALUES ('allegations:' || new.category, 1)"
        "    ON CONFLICT (name) DO UPDATE SET n = n + 1;"
        "END;"},

    /*
     * Version 2: the review workflow.  Every decision is kept (the case holds
     * the current one); approvals and votes belong to the round (the
     * decision) they were cast on, so a new decision makes them stale.
     */
    {2, "CREATE TABLE decisions ("
        "  id INTEGER PRIMARY KEY,"
        "  case_id INTEGER NOT NULL REFERENCES cases(id),"
        "  round INTEGER NOT NULL,"
        "  reviewer TEXT NOT NULL,"
        "  outcome TEXT NOT NULL CHECK (outcome IN ('nfa', 'reassess', 'refer')),"
        "  vetting_review INTEGER NOT NULL CHECK (vetting_review IN (0, 1)),"
        "  rationale TEXT NOT NULL,"
        "  decided_at INTEGER NOT NULL,"
        "  UNIQUE (case_id, round)"
        ") STRICT;"
        "CREATE INDEX decisions_reviewer ON decisions(reviewer, decided_at);"
        "CREATE INDEX decisions_time ON decisions(decided_at);"},
    {2, "CREATE TABLE approvals ("
        "  id INTEGER PRIMARY KEY,"
        "  case_id INTEGER NOT NULL REFERENCES cases(id),"
        "  round INTEGER NOT NULL,"
        "  supervisor TEXT NOT NULL,"
        "  approved_at INTEGER NOT NULL,"
        "  UNIQUE (case_id, round)"
        ") STRICT;"},
    {2, "CREATE INDEX votes_member ON votes(member, case_id, round);"},
    /* Set when recusals leave too few members able to vote to reach the quorum. */
    {2, "ALTER TABLE cases ADD COLUMN quorum_blocked INTEGER NOT NULL DEFAULT 0 "
        "CHECK (quorum_blocked IN (0, 1));"},
    {2, "CREATE INDEX cases_blocked ON cases(quorum_blocked, sortkey) WHERE quorum_blocked = 1;"},
    {2, "INSERT INTO settings(key, value) VALUES ('audit_head', '0:' || hex(zeroblob(32)));"},

    /*
     * Version 3: the terminal interface.  Full-text search over allegations
     * (reference, summary) and subjects (reference, names), kept by triggers;
     * indexes for the dashboard's overdue counts and reviewers' outcome mix,
     * and for the queue sorted by age within a state or an outcome.
     */
    {3, "CREATE VIRTUAL TABLE allegation_search USING fts5(ref, summary, "
        "content='allegations', content_rowid='id', tokenize='unicode61 remove_diacritics 2');"},
    {3, "CREATE VIRTUAL TABLE subject_search USING fts5(ref, surname, forenames, "
        "content='subjects', content_rowid='id', tokenize='unicode61 remove_diacritics 2');"},
    {3,
     "CREATE TRIGGER allegations_search_insert AFTER INSERT ON allegations BEGIN"
     "  INSERT INTO allegation_search(rowid, ref, summary) VALUES (new.id, new.ref, new.summary);"
     "END;"
     "CREATE TRIGGER subjects_search_insert AFTER INSERT ON subjects BEGIN"
     "  INSERT INTO subject_search(rowid, ref, surname, forenames)"
     "    VALUES (new.id, new.ref, new.surname, new.forenames);"
     "END;"
     "CREATE TRIGGER subjects_search_update AFTER UPDATE OF ref, surname, forenames ON subjects "
     "BEGIN"
     "  INSERT INTO subject_search(subject_search, rowid, ref, surname, forenames)"
     "    VALUES ('delete', old.id, old.ref, old.surname, old.forenames);"
     "  INSERT INTO subject_search(rowid, ref, surname, forenames)"
     "    VALUES (new.id, new.ref, new.surname, new.forenames);"
     "END;"},
    {3, "INSERT INTO allegation_search(allegation_search) VALUES ('rebuild');"
        "INSERT INTO subject_search(subject_search) VALUES ('rebuild');"},
    {3,
     "CREATE INDEX cases_state_since ON cases(state, state_since);"
     "CREATE INDEX cases_state ON cases(state);"
     "CREATE INDEX cases_outcome ON cases(outcome);"
     "CREATE INDEX cases_categories_queue ON cases(categories, sortkey);"
     "CREATE INDEX cases_decided_by ON cases(decided_by, outcome) WHERE decided_by IS NOT NULL;"},

    /*
     * Version 4: drafts.  What a person was writing in a form (a decision, a
     * return, a vote, a note, an assignment) when the program was stopped,
     * kept for that person alone until they submit or discard it.  The text
     * is a BLOB: kept byte for byte as typed, never interpreted; it is not a
     * record of the case and never enters the audit trail.
     */
    {4, "CREATE TABLE drafts ("
        "  case_id INTEGER NOT NULL REFERENCES cases(id),"
        "  login TEXT NOT NULL,"
        "  action TEXT NOT NULL CHECK (action IN ('assign', 'decide', 'return', 'vote', 'note')),"
        "  outcome TEXT CHECK (outcome IN ('nfa', 'reassess', 'refer')),"
        "  vetting_review INTEGER NOT NULL DEFAULT 0 CHECK (vetting_review IN (0, 1)),"
        "  vote TEXT CHECK (vote IN ('concur', 'dissent', 'recuse')),"
        "  target TEXT,"
        "  text BLOB NOT NULL,"
        "  case_version INTEGER NOT NULL,"
        "  saved_at INTEGER NOT NULL,"
        "  PRIMARY KEY (case_id, login, action)"
        ") STRICT;"},

    /*
     * Version 5, quorum: a case that cannot reach quorum may have its panel
     * reconvened.  The votes of the sitting set aside move here, with who set
     * them aside and when; they stay on the record but no longer count.
     */
    {5, "CREATE TABLE superseded_votes ("
        "  id INTEGER PRIMARY KEY,"
        "  vote_id INTEGER NOT NULL,"
        "  case_id INTEGER NOT NULL REFERENCES cases(id),"
        "  round INTEGER NOT NULL,"
        "  member TEXT NOT NULL,"
        "  member_kind TEXT NOT NULL,"
        "  vote TEXT NOT NULL CHECK (vote IN ('concur', 'dissent', 'recuse')),"
        "  reason TEXT,"
        "  created_at INTEGER NOT NULL,"
        "  superseded_at INTEGER NOT NULL,"
        "  superseded_by TEXT NOT NULL"
        ") STRICT;"
        "CREATE INDEX superseded_votes_case ON superseded_votes(case_id, round);"},

    /*
     * Version 5, need-to-know: panel members see only cases that have been
     * before the panel.  panel_round is the latest decision that went to the
     * panel (0: none ever did), kept by a trigger whichever path puts a case
     * in panel_review; backfilled from the case's state, its votes and the
     * approvals the audit trail records as sending it to the panel.  The
     * panel's queue has its own partial index, so its pages stay keyset.
     */
    {5, "ALTER TABLE cases ADD COLUMN panel_round INTEGER NOT NULL DEFAULT 0;"},
    {5, "UPDATE cases SET panel_round = max("
        "  CASE WHEN state = 'panel_review' THEN round ELSE 0 END,"
        "  coalesce((SELECT max(v.round) FROM votes v WHERE v.case_id = cases.id), 0),"
        "  coalesce((SELECT max(json_extract(e.details, '$.round')) FROM audit_events e"
        "    WHERE e.case_id = cases.id AND e.action = 'approve'"
        "    AND e.state_after = 'panel_review'), 0));"},
    /*
     * workflow.c now gives panel_round with every change that leaves a case
     * before the panel (cr_change.panel_round), in the same UPDATE, so this
     * trigger finds it equal to round and never fires; it stays so that no
     * database needs a schema step for it.
     */
    {5, "CREATE TRIGGER cases_panel_round AFTER UPDATE OF state ON cases"
        "  WHEN new.state = 'panel_review' AND new.panel_round <> new.round BEGIN"
        "  UPDATE cases SET panel_round = new.round WHERE id = new.id;"
        "END;"},
    {5, "CREATE INDEX cases_panel_queue ON cases(sortkey) WHERE panel_round > 0;"
        "CREATE INDEX cases_panel_state_queue ON cases(state, sortkey) WHERE panel_round > 0;"
        "CREATE INDEX cases_panel_outcome_queue ON cases(outcome, sortkey) WHERE panel_round > 0;"},

    /*
     * Version 5, audit: the purpose a session gave for consulting the data
     * (DPA 2018 s.62), kept with each event and covered by its keyed hash;
     * indexes for the admin's audit log by actor and by action.
     */
    {5, "ALTER TABLE audit_events ADD COLUMN purpose TEXT;"},
    {5, "CREATE INDEX audit_actor ON audit_events(actor, id);"
        "CREATE INDEX audit_action ON audit_events(action, id);"},

    /*
     * Version 5, the published figures: counters that split confirmed
     * outcomes from proposed ones (by state, outcome and vetting review),
     * each reviewer's rounds the panel finished and returned (dissent per
     * round), and an index of the subjects with more than one case, so that
     * people can be counted apart from cases without reading every case.
     */
    {5, "CREATE TABLE outcome_counts ("
        "  state TEXT NOT NULL,"
        "  outcome TEXT NOT NULL,"
        "  vetting_review INTEGER NOT NULL,"
        "  n INTEGER NOT NULL,"
        "  PRIMARY KEY (state, outcome, vetting_review)"
        ") STRICT, WITHOUT ROWID;"
        "INSERT INTO outcome_counts SELECT state, coalesce(outcome, ''), vetting_review, count(*)"
        "  FROM cases GROUP BY 1, 2, 3;"
        "CREATE TRIGGER cases_outcome_count_insert AFTER INSERT ON cases BEGIN"
        "  INSERT INTO outcome_counts VALUES (new.state, coalesce(new.outcome, ''),"
        "    new.vetting_review, 1)"
        "    ON CONFLICT (state, outcome, vetting_review) DO UPDATE SET n = n + 1;"
        "END;"
        "CREATE TRIGGER cases_outcome_count_update AFTER UPDATE OF state, outcome, vetting_review"
        "  ON cases WHEN old.state IS NOT new.state OR old.outcome IS NOT new.outcome"
        "    OR old.vetting_review IS NOT new.vetting_review BEGIN"
        "  UPDATE outcome_counts SET n = n - 1 WHERE state = old.state"
        "    AND outcome = coalesce(old.outcome, '') AND vetting_review = old.vetting_review;"
        "  INSERT INTO outcome_counts VALUES (new.state, coalesce(new.outcome, ''),"
        "    new.vetting_review, 1)"
        "    ON CONFLICT (state, outcome, vetting_review) DO UPDATE SET n = n + 1;"
        "END;"
        "CREATE TRIGGER cases_outcome_count_delete AFTER DELETE ON cases BEGIN"
        "  UPDATE outcome_counts SET n = n - 1 WHERE state = old.state"
        "    AND outcome = coalesce(old.outcome, '') AND vetting_review = old.vetting_review;"
        "END;"},
    /*
     * A round is finished by the panel when a vote moves the case out of
     * panel_review (closed: confirmed; returned: the dissent threshold was
     * reached).  A new allegation also returns a case from panel_review, but
     * in the same statement no vote of that round is recorded at that second
     * by the person who changed the case.
     */
    {5, "CREATE TABLE panel_rounds ("
        "  reviewer TEXT PRIMARY KEY,"
        "  finished INTEGER NOT NULL,"
        "  returned INTEGER NOT NULL"
        ") STRICT, WITHOUT ROWID;"
        "INSERT INTO panel_rounds SELECT d.reviewer, count(*), sum(e.state_after = 'returned')"
        "  FROM audit_events e JOIN decisions d ON d.case_id = e.case_id"
        "    AND d.round = json_extract(e.details, '$.round')"
        "  WHERE e.action = 'vote' AND e.state_before = 'panel_review'"
        "    AND e.state_after IN ('closed', 'returned')"
        "  GROUP BY d.reviewer;"
        "CREATE TRIGGER cases_panel_round_finished AFTER UPDATE OF state ON cases"
        "  WHEN old.state = 'panel_review' AND new.state IN ('closed', 'returned')"
        "    AND EXISTS (SELECT 1 FROM votes v WHERE v.case_id = new.id AND v.round = new.round"
        "      AND v.member = new.updated_by AND v.created_at = new.updated_at) BEGIN"
        "  INSERT INTO panel_rounds SELECT d.reviewer, 1, new.state = 'returned' FROM decisions d"
        "    WHERE d.case_id = new.id AND d.round = new.round"
        "    ON CONFLICT (reviewer) DO UPDATE SET finished = finished + 1,"
        "      returned = returned + excluded.returned;"
        "END;"},
    {5, "CREATE INDEX cases_followed ON cases(subject_id) WHERE previous_case_id IS NOT NULL;"},
    /* Each reviewer's outcome mix (the current decisions of their cases), for the dashboard. */
    {5, "CREATE TABLE reviewer_outcomes ("
        "  reviewer TEXT NOT NULL,"
        "  outcome TEXT NOT NULL,"
        "  n INTEGER NOT NULL,"
        "  PRIMARY KEY (reviewer, outcome)"
        ") STRICT, WITHOUT ROWID;"
        "INSERT INTO reviewer_outcomes SELECT decided_by, outcome, count(*) FROM cases"
        "  WHERE decided_by IS NOT NULL AND outcome IS NOT NULL GROUP BY 1, 2;"
        "CREATE TRIGGER cases_reviewer_outcome AFTER UPDATE OF decided_by, outcome ON cases"
        "  WHEN old.decided_by IS NOT new.decided_by OR old.outcome IS NOT new.outcome BEGIN"
        "  UPDATE reviewer_outcomes SET n = n - 1"
        "    WHERE reviewer = old.decided_by AND outcome = old.outcome;"
        "  INSERT INTO reviewer_outcomes SELECT new.decided_by, new.outcome, 1"
        "    WHERE new.decided_by IS NOT NULL AND new.outcome IS NOT NULL"
        "    ON CONFLICT (reviewer, outcome) DO UPDATE SET n = n + 1;"
        "END;"
        "CREATE TRIGGER cases_reviewer_outcome_delete AFTER DELETE ON cases BEGIN"
        "  UPDATE reviewer_outcomes SET n = n - 1"
        "    WHERE reviewer = old.decided_by AND outcome = old.outcome;"
        "END;"},

    /*
     * Version 6, the pinned configuration: the text of every configuration
     * the database was run under, by digest, the one in force marked, so
     * that the rules at any event (audit_events.config_digest) can be read
     * back; and the Unix login that ran each event's command, beside the
     * roster login it acted as.
     */
    {6, "CREATE TABLE config_versions ("
        "  id INTEGER PRIMARY KEY,"
        "  digest TEXT NOT NULL UNIQUE,"
        "  text BLOB NOT NULL,"
        "  adopted_at INTEGER NOT NULL,"
        "  adopted_by TEXT NOT NULL,"
        "  in_force INTEGER NOT NULL DEFAULT 0 CHECK (in_force IN (0, 1))"
        ") STRICT;"
        "CREATE UNIQUE INDEX config_in_force ON config_versions(in_force) WHERE in_force = 1;"},
    {6, "ALTER TABLE audit_events ADD COLUMN os_login TEXT;"},

    /*
     * Version 7, search: one row per case.  A case's document is its
     * subject (reference, surname, forenames) and its allegations (each
     * one's reference and summary, in allegation id order), composed by the
     * view case_documents, here and nowhere else: the index keeps no text
     * (content=''), so a document leaves it by a 'delete' that must repeat
     * the words it went in with, and the view that composed them is part of
     * the schema, changed only by a later version that rebuilds the index.
     * rowid is the case id, so that a page of results is a keyset read of
     * the index in case order.  detail=column (which column a word is in,
     * not where): 44% smaller than detail=full at 100k cases with the same
     * query times (README, Search); columnsize=0, as no ranking reads sizes.
     * The index is kept by the import in one statement at its end
     * (search.c), not by triggers: FTS5 writes a segment at every statement
     * of a trigger.
     */
    {7, "DROP TRIGGER allegations_search_insert;"
        "DROP TRIGGER subjects_search_insert;"
        "DROP TRIGGER subjects_search_update;"
        "DROP TABLE allegation_search;"
        "DROP TABLE subject_search;"},
    {7, "CREATE VIEW case_documents(id, subject, allegations) AS"
        "  SELECT c.id, s.ref || ' ' || s.surname || ' ' || s.forenames,"
        "    coalesce((SELECT group_concat(a.ref || ' ' || a.summary, ' ') FROM"
        "      (SELECT ref, summary FROM allegations WHERE case_id = c.id ORDER BY id) a), '')"
        "  FROM cases c JOIN subjects s ON s.id = c.subject_id;"},
    {7, "CREATE VIRTUAL TABLE case_search USING fts5(subject, allegations, content='', "
        "columnsize=0, detail=column, tokenize='unicode61 remove_diacritics 2');"
        "INSERT INTO case_search(rowid, subject, allegations)"
        "  SELECT id, subject, allegations FROM case_documents ORDER BY id;"},

    /*
     * Version 7, import: indexes: each justified by a query (README, "Indexes
     * and the queries they serve").  No query of the engine is served by
     * cases_assignee (a user's queue seeks on state and sortkey, then checks
     * the assignee) or cases_decided_by (reviewer_outcomes counts what it
     * was for); every import and decision wrote them all the same.
     */
    {7, "DROP INDEX IF EXISTS cases_assignee;"
        "DROP INDEX IF EXISTS cases_decided_by;"},

    /*
     * Version 8, search: detail=none.  The index records which cases hold
     * a token and nothing of where: no query asks which column a token is
     * in (a word of several tokens is checked as a phrase against the
     * case's own fields, phrase.c), so the column lists of detail=column
     * were written and never read.  At 100,000 cases the index goes from
     * 21.6 to 8.4 MB (README, Search).  Rebuilt from the same documents.
     */
    {8, "DROP TABLE case_search;"
        "CREATE VIRTUAL TABLE case_search USING fts5(subject, allegations, content='', "
        "columnsize=0, detail=none, tokenize='unicode61 remove_diacritics 2');"
        "INSERT INTO case_search(rowid, subject, allegations)"
        "  SELECT id, subject, allegations FROM case_documents ORDER BY id;"},

    /*
     * Version 9, service levels that act: the SLA clock of a case's current
     * state (the time in it less the time it stood still: clock_shift, in
     * seconds, which counts a pause whole from when it is set and gives back
     * what a resume leaves unused) and the case's pause, if any: until when,
     * since when, by whom and why.  A pause that reached paused_until has
     * ended by itself: nothing rewrites the row.  No index: the overdue
     * filter and the escalated clause are tests on the row a keyset scan is
     * at, as need-to-know is (README, "Service levels").
     */
    {9, "ALTER TABLE cases ADD COLUMN clock_shift INTEGER NOT NULL DEFAULT 0;"
        "ALTER TABLE cases ADD COLUMN paused_until INTEGER;"
        "ALTER TABLE cases ADD COLUMN paused_at INTEGER;"
        "ALTER TABLE cases ADD COLUMN paused_by TEXT;"
        "ALTER TABLE cases ADD COLUMN pause_reason TEXT;"},

    /*
     * Version 10, routing: the supervisor a decision awaiting approval was
     * routed to (`route`), or NULL.  A supervisor's queue keeps the cases
     * routed to nobody or to them; a change of state clears it.  No index:
     * a test on the row the keyset scan is at, as the pause is.
     */
    {10, "ALTER TABLE cases ADD COLUMN approver TEXT;"},

    /*
     * Version 11, the subject's timeline and linked references: a case's
     * references in other systems (kind, reference, status), from the
     * import's linked_refs column (import_id, import_line) or `link`
     * (added_by).  A row is never deleted: `unlink`, and a `link` that
     * changes one, mark it removed (removed_by, removed_at, why), so that
     * the trail accounts for every row a person made (audit verify).  The
     * references in force join their case's search document after its
     * allegations: a case with none keeps the very document it had, so
     * the index needs no rebuilding.
     */
    {11, "CREATE TABLE case_links ("
         "  id INTEGER PRIMARY KEY,"
         "  case_id INTEGER NOT NULL REFERENCES cases(id),"
         "  kind TEXT NOT NULL CHECK (kind IN ('crime', 'misconduct', 'iopc', 'other')),"
         "  ref TEXT NOT NULL,"
         "  status TEXT NOT NULL,"
         "  import_id INTEGER REFERENCES imports(id),"
         "  import_line INTEGER,"
         "  added_by TEXT,"
         "  added_at INTEGER NOT NULL,"
         "  removed_by TEXT,"
         "  removed_at INTEGER,"
         "  removed_reason TEXT"
         ") STRICT;"
         "CREATE INDEX case_links_case ON case_links(case_id, ref);"},
    {11, "DROP VIEW case_documents;"
         "CREATE VIEW case_documents(id, subject, allegations) AS"
         "  SELECT c.id, s.ref || ' ' || s.surname || ' ' || s.forenames,"
         "    coalesce((SELECT group_concat(a.ref || ' ' || a.summary, ' ') FROM"
         "      (SELECT ref, summary FROM allegations WHERE case_id = c.id ORDER BY id) a), '')"
         "    || coalesce((SELECT ' ' || group_concat(k.ref, ' ') FROM"
         "      (SELECT ref FROM case_links WHERE case_id = c.id AND removed_by IS NULL"
         "       ORDER BY id) k), '')"
         "  FROM cases c JOIN subjects s ON s.id = c.subject_id;"},
    /*
     * Version 12, what happened next (issue 13): follow-ups recorded after a
     * decision was approved, each a stage and one of its controlled words
     * (core/followup.c), the day it happened and free text kept whole; by
     * whom and when.  The case's row is not touched.  Read per case (the
     * case screen) and all together (the report's counts), by case.
     */
    {12, "CREATE TABLE follow_ups ("
         "  id INTEGER PRIMARY KEY,"
         "  case_id INTEGER NOT NULL REFERENCES cases(id),"
         "  stage TEXT NOT NULL CHECK (stage IN ('risk_management', 'reassessment', 'vetting',"
         "    'appeal', 'left')),"
         "  result TEXT NOT NULL CHECK (stage || ':' || result IN ("
         "    'risk_management:started', 'risk_management:ended', 'reassessment:completed',"
         "    'reassessment:pending', 'vetting:withdrawn', 'vetting:maintained',"
         "    'vetting:pending', 'appeal:upheld', 'appeal:dismissed', 'appeal:pending',"
         "    'left:before_decision', 'left:after_decision')),"
         "  date TEXT NOT NULL,"
         "  detail TEXT,"
         "  recorded_by TEXT NOT NULL,"
         "  recorded_at INTEGER NOT NULL"
         ") STRICT;"
         "CREATE INDEX follow_ups_case ON follow_ups(case_id, id);"},
    /*
     * Version 13, quality assurance (core/qa.c): each decision selected at
     * approval for a second, blind review, and its verdict once recorded.
     * One row per case and round; why it was selected (its draw under
     * qa.sample_percent, or the reviewer's minimum) and the configuration
     * it was selected under (min_per_reviewer counts per configuration).
     * The index serves the queue (rows without a verdict).
     */
    {13, "CREATE TABLE qa ("
         "  case_id INTEGER NOT NULL REFERENCES cases(id),"
         "  round INTEGER NOT NULL,"
         "  decider TEXT NOT NULL,"
         "  approver TEXT NOT NULL,"
         "  outcome TEXT NOT NULL CHECK (outcome IN ('nfa', 'reassess', 'refer')),"
         "  reason TEXT NOT NULL CHECK (reason IN ('sample', 'minimum')),"
         "  draw INTEGER NOT NULL,"
         "  config_digest TEXT NOT NULL,"
         "  selected_at INTEGER NOT NULL,"
         "  qa_by TEXT,"
         "  verdict TEXT CHECK (verdict IN ('agree', 'disagree')),"
         "  qa_reason TEXT,"
         "  qa_at INTEGER,"
         "  PRIMARY KEY (case_id, round)"
         ") STRICT;"
         "CREATE INDEX qa_pending ON qa(selected_at) WHERE verdict IS NULL;"},
    /*
     * Version 14, erasure (issue 13): chain v3 keeps each event's keyed
     * digest of its details (the hash covers the digest, so that the
     * details can be erased and the chain still verifies; README, "Design:
     * erasure and the chain"), by event; an erased case names its erasure
     * event.  Events written before stay as they were (v1, v2): no
     * re-chaining.  Tables of their own, not columns: nothing of the
     * existing tables changes, and the step can run again harmlessly.
     */
    {14, "CREATE TABLE IF NOT EXISTS audit_digests ("
         "  event INTEGER PRIMARY KEY,"
         "  digest TEXT NOT NULL"
         ") STRICT;"
         "CREATE TABLE IF NOT EXISTS erasures ("
         "  case_id INTEGER PRIMARY KEY,"
         "  event INTEGER NOT NULL"
         ") STRICT;"},
};

const size_t cr_schema_count = sizeof cr_schema / sizeof cr_schema[0];
