-- Statements run on SQLite and PostgreSQL alike by tests/pg/schema.sh (the
-- counters they leave are compared); generate_series is rewritten for PostgreSQL.
INSERT INTO imports(at, label) VALUES (100, 'first');
INSERT INTO subjects(ref, surname, forenames, employment, rank, unit, duty_status, import_id, import_line)
  SELECT 'S' || i, 'Surname' || i, 'Ann', 'officer', 'PC', 'North', 'full', 1, i FROM (SELECT value AS i FROM generate_series(1, 8)) g;
INSERT INTO subjects(ref, surname, forenames, employment, rank, unit, duty_status, import_id, import_line) VALUES ('S9', 'Nine', 'Bo', 'staff', '-', 'South', 'full', 1, 9);
INSERT INTO cases(subject_id, state_since, created_at, n_allegations, n_sexual, priority)
  SELECT i, 100, 100, 1 + i % 3, i % 2, i FROM (SELECT value AS i FROM generate_series(1, 8)) g;
INSERT INTO cases(id, subject_id, state_since, created_at, outcome, decided_by, vetting_review) VALUES (50, 9, 100, 100, 'nfa', 'rev1', 1);
INSERT INTO allegations(ref, case_id, category, date, source, original_outcome, summary, import_id, import_line)
  SELECT 'A' || i, 1 + i % 8, CASE WHEN i % 3 = 0 THEN 'sexual_offence' ELSE 'domestic_violence' END, '2025-01-01', 'pnd', 'none', 'summary ' || i, 1, i FROM (SELECT value AS i FROM generate_series(1, 12)) g;
INSERT INTO allegations(ref, case_id, category, date, source, original_outcome, summary, import_id, import_line) VALUES ('A13', 50, 'sexual_offence', '2025-02-01', 'other', 'none', 'thirteen', 1, 13);
UPDATE cases SET state = 'in_review', assignee = 'rev1' WHERE id IN (1, 2, 3);
UPDATE cases SET n_allegations = n_allegations + 1, n_sexual = n_sexual + 1 WHERE id = 2;
UPDATE cases SET priority = 7 WHERE id = 4;
UPDATE cases SET state = 'awaiting_approval', outcome = 'refer', vetting_review = 1, decided_by = 'rev1', decided_at = 200, round = 1 WHERE id IN (1, 2);
UPDATE cases SET state = 'awaiting_approval', outcome = 'nfa', decided_by = 'rev2', decided_at = 200, round = 1 WHERE id = 3;
UPDATE cases SET vetting_review = 0 WHERE id = 2;
UPDATE cases SET outcome = 'reassess' WHERE id = 3;
UPDATE cases SET decided_by = 'rev3' WHERE id = 2;
UPDATE cases SET outcome = NULL, decided_by = NULL WHERE id = 50;
UPDATE cases SET outcome = 'refer', decided_by = 'rev2' WHERE id = 50;
INSERT INTO decisions(case_id, round, reviewer, outcome, vetting_review, rationale, decided_at) VALUES (1, 1, 'rev1', 'refer', 1, 'r', 200), (2, 1, 'rev1', 'refer', 1, 'r', 200), (3, 1, 'rev2', 'reassess', 0, 'r', 200), (4, 1, 'rev2', 'nfa', 0, 'r', 200);
UPDATE cases SET round = 1 WHERE id = 4;
UPDATE cases SET state = 'panel_review' WHERE id IN (1, 2, 3, 4);
INSERT INTO votes(case_id, round, member, member_kind, vote, created_at) VALUES (1, 1, 'p1', 'member', 'concur', 300), (2, 1, 'p2', 'member', 'dissent', 301), (3, 1, 'p3', 'member', 'concur', 302), (4, 1, 'p4', 'member', 'concur', 304);
UPDATE cases SET state = 'closed', updated_by = 'p1', updated_at = 300 WHERE id = 1;
UPDATE cases SET state = 'returned', updated_by = 'p2', updated_at = 301 WHERE id = 2;
UPDATE cases SET state = 'returned', updated_by = 'p3', updated_at = 303 WHERE id = 3;
UPDATE cases SET state = 'closed', updated_by = 'p5', updated_at = 304 WHERE id = 4;
UPDATE cases SET state = 'panel_review', round = 2, panel_round = 2 WHERE id = 3;
UPDATE cases SET state = 'panel_review', round = 3 WHERE id = 2;
INSERT INTO cases(id, subject_id, state_since, created_at) VALUES (60, 9, 1, 1);
UPDATE cases SET decided_by = 'rev4', outcome = 'nfa', state = 'closed' WHERE id = 60;
DELETE FROM cases WHERE id = 60;
