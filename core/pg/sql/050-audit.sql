-- The audit trail on the server (issue 14, item 3; core/audit.c, erase.c;
-- store.h: seals, audit_check, audit_erasure): the chain's key never leaves
-- the server.  It is 32 random bytes made here, at install, in a table that
-- only the service role (its owner) reads; the functions below seal each
-- event with it (cr_audit_append), check the stored hashes (cr_audit_check)
-- and sum an erasure's events (cr_audit_erasure).  Core builds everything
-- else (what an event says, the replay, the messages).
--
-- Chain "v3-hmac" (settings audit_chain): core's chain v3 with HMAC-SHA256
-- (pgcrypto's hmac(data, key, 'sha256')) in place of keyed BLAKE2b, over
-- the very bytes core's v3 feeds BLAKE2b.  Each field F is written
--   F(NULL) = '~,'        F(text t) = octet_length(t) || ':' || t || ','
-- (the length in decimal, the text in UTF-8), an integer as its decimal
-- text; then
--   details digest = hex(HMAC(key, 'casereview-details-v3,' || F(details)))
--   hash = HMAC(key, 'casereview-audit-v3,' || prev (32 bytes) || F(id) ||
--            F(at) || F(actor) || F(case_id, 0 for none) || F(action) ||
--            F(state_before) || F(state_after) || F(details digest) ||
--            F(config_digest) || F(purpose) [|| F(os_login) when not NULL])
--   (an event with no digest stored: 'casereview-audit-v2,' and F(details)
--   in the digest's place, as core's v2)
--   an erasure's "redacted" sum, from 32 zero bytes, per erased event:
--     sum = HMAC(key, 'casereview-erased-v3,' || sum || F(id) || F(at) ||
--             F(actor) || F(case_id) || F(action) || F(state_before) ||
--             F(state_after) || F(details) || F(details digest) ||
--             F(config_digest) || F(purpose) || F(os_login) || stored hash)
--   and its "digest" sum: sum = HMAC(key, sum || details digest (64 hex)).
--
-- Who: appending is anyone's on the roster (in their own name, at the
-- server's time, with session_user as the event's os_login), for what the
-- transaction did or what they may read (cr_audit_admit); reading the
-- trail, checking it and erasing are the admin's (role bit 4, as core's
-- cr_require_role(CR_ROLE_ADMIN) for audit log, verify, head and purge) or
-- the service role's.  A person's own case history goes through the case's
-- functions, not these.

CREATE TABLE audit_key (
  one integer PRIMARY KEY DEFAULT 1 CHECK (one = 1),
  key bytea NOT NULL CHECK (octet_length(key) = 32)
);
INSERT INTO audit_key(key) VALUES (gen_random_bytes(32));
REVOKE ALL ON audit_key FROM PUBLIC;
INSERT INTO settings(key, value) VALUES ('audit_chain', 'v3-hmac');

-- One field of the canonical form.
CREATE FUNCTION cr_audit_field(t text) RETURNS bytea
LANGUAGE sql IMMUTABLE SET search_path = casereview, pg_catalog, pg_temp AS $$
    SELECT CASE WHEN t IS NULL THEN decode('7e2c', 'hex')
        ELSE convert_to(octet_length(t)::text || ':' || t || ',', 'UTF8') END
$$;

-- The key, for the functions below (run as its owner).
CREATE FUNCTION cr_audit_secret() RETURNS bytea
LANGUAGE sql STABLE SET search_path = casereview, pg_catalog, pg_temp AS $$
    SELECT key FROM audit_key WHERE one = 1
$$;

-- The details' digest, as 64 hex digits.
CREATE FUNCTION cr_audit_digest(k bytea, details text) RETURNS text
LANGUAGE sql IMMUTABLE SET search_path = casereview, pg_catalog, pg_temp AS $$
    SELECT encode(hmac(convert_to('casereview-details-v3,', 'UTF8') || cr_audit_field(details),
                       k, 'sha256'), 'hex')
$$;

-- An event's hash over the hash before it.
CREATE FUNCTION cr_audit_seal(k bytea, prev bytea, e audit_events, digest text) RETURNS bytea
LANGUAGE sql IMMUTABLE SET search_path = casereview, pg_catalog, pg_temp AS $$
    SELECT hmac(convert_to(CASE WHEN digest IS NULL THEN 'casereview-audit-v2,'
                                ELSE 'casereview-audit-v3,' END, 'UTF8')
        || prev || cr_audit_field(e.id::text) || cr_audit_field(e.at::text)
        || cr_audit_field(e.actor) || cr_audit_field(coalesce(e.case_id, 0)::text)
        || cr_audit_field(e.action) || cr_audit_field(e.state_before)
        || cr_audit_field(e.state_after) || cr_audit_field(coalesce(digest, e.details))
        || cr_audit_field(e.config_digest) || cr_audit_field(e.purpose)
        || CASE WHEN e.os_login IS NULL THEN ''::bytea ELSE cr_audit_field(e.os_login) END,
        k, 'sha256')
$$;

-- One erased event (as stored) added to its erasure's running sum.
CREATE FUNCTION cr_audit_erased_step(k bytea, acc bytea, e audit_events, digest text)
RETURNS bytea
LANGUAGE sql IMMUTABLE SET search_path = casereview, pg_catalog, pg_temp AS $$
    SELECT hmac(convert_to('casereview-erased-v3,', 'UTF8') || acc
        || cr_audit_field(e.id::text) || cr_audit_field(e.at::text)
        || cr_audit_field(e.actor) || cr_audit_field(coalesce(e.case_id, 0)::text)
        || cr_audit_field(e.action) || cr_audit_field(e.state_before)
        || cr_audit_field(e.state_after) || cr_audit_field(e.details)
        || cr_audit_field(digest) || cr_audit_field(e.config_digest)
        || cr_audit_field(e.purpose) || cr_audit_field(e.os_login) || e.hash,
        k, 'sha256')
$$;

-- The erasure event that erased these details ({"erased": N, ...}), or 0 (core's
-- cr_audit_erased_by).
CREATE FUNCTION cr_audit_erased_by(details text) RETURNS bigint
LANGUAGE sql IMMUTABLE SET search_path = casereview, pg_catalog, pg_temp AS $$
    SELECT coalesce(substring(details FROM '^\{"erased": ([0-9]{1,18})[,}]')::bigint, 0)
$$;

-- The trail's readers: the admin, or the service role; CR403 for anyone else.
CREATE FUNCTION cr_audit_reader(what text) RETURNS void
LANGUAGE plpgsql STABLE SET search_path = casereview, pg_catalog, pg_temp AS $$
DECLARE
    who text;
BEGIN
    IF cr_is_service() THEN
        RETURN;
    END IF;
    who := cr_login();
    IF NOT EXISTS (SELECT 1 FROM people WHERE login = who AND roles & 4 <> 0) THEN
        RAISE EXCEPTION USING ERRCODE = 'CR403',
            MESSAGE = format('%s needs the admin role; you (%s) are not an admin', what, who);
    END IF;
END $$;

-- An action and its event, one write (issue 14's trust boundary).  The
-- program writes a change (cr_apply, a link, a draft, ...) and then the
-- event that records it, in one transaction; a person's psql session could
-- call the one without the other.  So the server keeps, per transaction
-- (txid_current(), which no client sets), what was changed of each case
-- since its last event (audit_pending: table bits below, the case's state
-- before the first change and after the last); an event of a change is
-- accepted only for a case the transaction changed that way, and takes the
-- changes as recorded; at the commit, a deferred check refuses the
-- transaction while any change is left without its event.  Row 0 is the
-- transaction's own: an import begun, a configuration written, and the
-- events that stand for many cases (import, config_pin or config_adopt,
-- quorum_recompute).  The service role, trusted with the program's setup,
-- migration and repairs, is not held to it.
--
-- Bits of `what`: cases 1, decisions 2, approvals 4, votes 8,
-- superseded_votes 16, notes 32, drafts 64, case_links 128, follow_ups 256,
-- qa 512, allegations 1024, erasures (or an event's details erased) 2048,
-- a case's quorum flag alone 4096; on row 0, an import begun 8192, a
-- configuration written 16384.  Bits of `recorded` (row 0): an import's
-- summary 1, a configuration's event 2, quorum_recompute 4.
CREATE TABLE audit_pending (
  txid bigint NOT NULL,
  case_id bigint NOT NULL,
  what integer NOT NULL DEFAULT 0,
  state_before text,
  state_after text,
  erasure bigint,
  recorded integer NOT NULL DEFAULT 0,
  PRIMARY KEY (txid, case_id)
);
REVOKE ALL ON audit_pending FROM PUBLIC;

-- The table bit of a case table (above), 0 for one not kept.
CREATE FUNCTION cr_audit_table_bit(t text) RETURNS integer
LANGUAGE sql IMMUTABLE SET search_path = casereview, pg_catalog, pg_temp AS $$
    SELECT CASE t WHEN 'cases' THEN 1 WHEN 'decisions' THEN 2 WHEN 'approvals' THEN 4
        WHEN 'votes' THEN 8 WHEN 'superseded_votes' THEN 16 WHEN 'notes' THEN 32
        WHEN 'drafts' THEN 64 WHEN 'case_links' THEN 128 WHEN 'follow_ups' THEN 256
        WHEN 'qa' THEN 512 WHEN 'allegations' THEN 1024 WHEN 'erasures' THEN 2048
        WHEN 'imports' THEN 8192 WHEN 'config_versions' THEN 16384 ELSE 0 END
$$;

-- Keep what a statement changed (a trigger FOR EACH STATEMENT on each case
-- table, its rows as transition tables new_rows and old_rows).
CREATE FUNCTION cr_audit_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp AS $$
DECLARE
    tx bigint;
    bit integer := cr_audit_table_bit(TG_TABLE_NAME);
BEGIN
    IF cr_is_service() THEN
        RETURN NULL;
    END IF;
    tx := txid_current();
    -- In a transaction that began an import, the import's event stands for every case
    -- it changed (cr_audit_pending_check): no row per case, whose deferred checks at
    -- the commit would each rescan the others.
    IF bit NOT IN (8192, 16384) AND EXISTS (SELECT 1 FROM audit_pending p WHERE p.txid = tx
            AND p.case_id = 0 AND p.what & 8192 <> 0) THEN
        RETURN NULL;
    END IF;
    IF bit IN (8192, 16384) THEN
        INSERT INTO audit_pending AS p (txid, case_id, what) VALUES (tx, 0, bit)
            ON CONFLICT (txid, case_id) DO UPDATE SET what = p.what | excluded.what;
    ELSIF TG_TABLE_NAME = 'cases' AND TG_OP = 'UPDATE' THEN
        INSERT INTO audit_pending AS p (txid, case_id, what, state_before, state_after)
            SELECT tx, n.id,
                   CASE WHEN to_jsonb(o) - 'quorum_blocked' = to_jsonb(n) - 'quorum_blocked'
                        THEN 4096 ELSE 1 END, o.state, n.state
            FROM old_rows o JOIN new_rows n ON n.id = o.id
            ON CONFLICT (txid, case_id) DO UPDATE SET what = p.what | excluded.what,
                state_before = coalesce(p.state_before, excluded.state_before),
                state_after = excluded.state_after;
    ELSIF TG_TABLE_NAME = 'cases' AND TG_OP = 'INSERT' THEN
        INSERT INTO audit_pending AS p (txid, case_id, what, state_after)
            SELECT tx, n.id, 1, n.state FROM new_rows n
            ON CONFLICT (txid, case_id) DO UPDATE SET what = p.what | 1,
                state_after = excluded.state_after;
    ELSIF TG_TABLE_NAME = 'cases' THEN
        INSERT INTO audit_pending AS p (txid, case_id, what)
            SELECT tx, o.id, 1 FROM old_rows o
            ON CONFLICT (txid, case_id) DO UPDATE SET what = p.what | 1;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO audit_pending AS p (txid, case_id, what)
            SELECT DISTINCT tx, o.case_id, bit FROM old_rows o
            ON CONFLICT (txid, case_id) DO UPDATE SET what = p.what | excluded.what;
    ELSE
        INSERT INTO audit_pending AS p (txid, case_id, what)
            SELECT DISTINCT tx, n.case_id, bit FROM new_rows n
            ON CONFLICT (txid, case_id) DO UPDATE SET what = p.what | excluded.what;
    END IF;
    RETURN NULL;
END $$;

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['cases', 'decisions', 'approvals', 'votes', 'superseded_votes',
                             'notes', 'drafts', 'case_links', 'follow_ups', 'qa', 'allegations',
                             'erasures', 'imports', 'config_versions'] LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %I REFERENCING NEW TABLE AS new_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION cr_audit_changed()',
                       t || '_audit_insert', t);
        EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %I REFERENCING OLD TABLE AS old_rows '
                       'NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION '
                       'cr_audit_changed()', t || '_audit_update', t);
        EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %I REFERENCING OLD TABLE AS old_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION cr_audit_changed()',
                       t || '_audit_delete', t);
    END LOOP;
END $$;

-- At the commit (deferred): every change of the transaction has its event.
-- The first check of a transaction checks them all and clears its rows.
-- (It runs as the session's role, after every function has returned: as
-- the tables' owner, SECURITY DEFINER, as the trigger that keeps them.)
CREATE FUNCTION cr_audit_pending_check() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp AS $$
DECLARE
    tx bigint := NEW.txid;
    top audit_pending;
    r audit_pending;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM audit_pending p WHERE p.txid = tx) THEN
        RETURN NULL;
    END IF;
    SELECT * INTO top FROM audit_pending p WHERE p.txid = tx AND p.case_id = 0;
    top.what := coalesce(top.what, 0);
    top.recorded := coalesce(top.recorded, 0);
    IF top.what & 8192 <> 0 AND top.recorded & 1 = 0 THEN
        RAISE EXCEPTION USING ERRCODE = 'CR001',
            MESSAGE = 'an import was begun without its audit event; nothing was written';
    END IF;
    IF top.what & 16384 <> 0 AND top.recorded & 2 = 0 THEN
        RAISE EXCEPTION USING ERRCODE = 'CR001',
            MESSAGE = 'the configuration was changed without its audit event; nothing was written';
    END IF;
    IF top.recorded & 2 <> 0 AND top.what & 16384 = 0 THEN
        RAISE EXCEPTION USING ERRCODE = 'CR001',
            MESSAGE = 'a configuration''s audit event without the configuration written; '
                      'nothing was written';
    END IF;
    FOR r IN SELECT * FROM audit_pending p WHERE p.txid = tx AND p.case_id <> 0 AND p.what <> 0
            ORDER BY p.case_id LOOP
        CONTINUE WHEN top.recorded & 1 <> 0;                   -- an import's, all of it
        CONTINUE WHEN r.what = 4096 AND top.recorded & 6 <> 0; -- quorum flags recomputed
        RAISE EXCEPTION USING ERRCODE = 'CR001',
            MESSAGE = format('case %s was changed without its audit event; nothing was written',
                             r.case_id);
    END LOOP;
    DELETE FROM audit_pending p WHERE p.txid = tx;
    RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER audit_pending_recorded AFTER INSERT ON audit_pending
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION cr_audit_pending_check();

-- What an event may record, for a person (the service role's are taken as
-- given): core's event kinds (core/audit.c's callers; replay.c's table).
-- An event of a change needs the case changed by this transaction, as
-- `need` says (the table bits, one of which), and takes those changes; a
-- consultation of a case needs a case the person may read (need-to-know,
-- 020-case.sql), a refusal one they may not; the rest stand for the
-- transaction (row 0), and say so there.  Raises CR001, or CR002 for a
-- case kept from them.
CREATE FUNCTION cr_audit_admit(p_case bigint, p_action text, p_before text, p_after text,
                               p_id bigint) RETURNS void
LANGUAGE plpgsql VOLATILE SET search_path = casereview, pg_catalog, pg_temp AS $$
DECLARE
    tx bigint := txid_current();
    need integer;
    top audit_pending;
    p audit_pending;
    now_state text;
    importing boolean;
BEGIN
    SELECT * INTO top FROM audit_pending x WHERE x.txid = tx AND x.case_id = 0;
    importing := coalesce(top.what, 0) & 8192 <> 0;
    -- Events erased for an erasure: the next event is that erasure (their
    -- details name its number).
    SELECT * INTO p FROM audit_pending x WHERE x.txid = tx AND x.erasure IS NOT NULL LIMIT 1;
    IF FOUND AND (p_action <> 'erased' OR p_case <> p.case_id OR p_id <> p.erasure) THEN
        RAISE EXCEPTION USING ERRCODE = 'CR001',
            MESSAGE = format('audit event %s%s: the events of case %s were erased for event %s, '
                             'which must be its erasure', p_action,
                             CASE WHEN p_case <> 0 THEN ' on case ' || p_case ELSE '' END,
                             p.case_id, p.erasure);
    END IF;
    need := CASE p_action
        WHEN 'claim' THEN 1 WHEN 'release' THEN 1 WHEN 'assign' THEN 1 WHEN 'return' THEN 1
        WHEN 'recall' THEN 1 WHEN 'reconvene' THEN 1 WHEN 'reopen' THEN 1 WHEN 'pause' THEN 1
        WHEN 'resume' THEN 1 WHEN 'route' THEN 1
        WHEN 'decide' THEN 2 WHEN 'approve' THEN 4 WHEN 'vote' THEN 8 WHEN 'note' THEN 32
        WHEN 'draft_save' THEN 64 WHEN 'draft_discard' THEN 64
        WHEN 'link' THEN 128 WHEN 'unlink' THEN 128 WHEN 'follow_up' THEN 256
        WHEN 'qa_selected' THEN 512 WHEN 'qa' THEN 512 WHEN 'correct' THEN 1024
        WHEN 'erased' THEN 2048 END;
    IF p_case <> 0 AND p_action IN ('import', 'subject_update') THEN
        -- An import's own: a case it returned, a subject it updated.
        IF NOT importing THEN
            RAISE EXCEPTION USING ERRCODE = 'CR001',
                MESSAGE = format('audit event %s on case %s: no import was begun in this '
                                 'transaction', p_action, p_case);
        END IF;
        UPDATE audit_pending x SET what = 0, state_before = NULL, state_after = NULL
            WHERE x.txid = tx AND x.case_id = p_case;
        RETURN;
    END IF;
    IF need IS NOT NULL AND p_case <> 0 THEN
        SELECT * INTO p FROM audit_pending x WHERE x.txid = tx AND x.case_id = p_case;
        IF coalesce(p.what, 0) & need = 0 THEN
            RAISE EXCEPTION USING ERRCODE = 'CR001',
                MESSAGE = format('audit event %s on case %s: this transaction did not %s case '
                                 '%s; an event records what was done, and nothing was',
                                 p_action, p_case, p_action, p_case);
        END IF;
        IF NOT importing THEN
            now_state := (SELECT c.state FROM cases c WHERE c.id = p_case);
            IF (p_before IS NOT NULL AND p_before <> coalesce(p.state_before, now_state))
               OR (p_after IS NOT NULL AND p_after <> coalesce(p.state_after, now_state)) THEN
                RAISE EXCEPTION USING ERRCODE = 'CR001',
                    MESSAGE = format('audit event %s on case %s: the case went from %s to %s in '
                                     'this transaction, not from %s to %s', p_action, p_case,
                                     coalesce(p.state_before, now_state),
                                     coalesce(p.state_after, now_state),
                                     coalesce(p_before, '-'), coalesce(p_after, '-'));
            END IF;
        END IF;
        UPDATE audit_pending x SET what = 0, state_before = NULL, state_after = NULL,
            erasure = NULL WHERE x.txid = tx AND x.case_id = p_case;
        RETURN;
    END IF;
    IF p_case <> 0 AND p_action IN ('view', 'notify') THEN
        PERFORM cr_case_seen(p_case);
        RETURN;
    END IF;
    IF p_case <> 0 AND p_action = 'denied' THEN
        IF cr_case_visible(p_case) THEN
            RAISE EXCEPTION USING ERRCODE = 'CR001',
                MESSAGE = format('audit event denied on case %s: you (%s) may read that case; '
                                 'a refusal is recorded only for a case kept from you', p_case,
                                 session_user);
        END IF;
        RETURN;
    END IF;
    IF p_case = 0 AND p_action IN ('view', 'list', 'workload', 'disclosure', 'export',
                                   'notify', 'purge') THEN
        RETURN;
    END IF;
    IF p_case = 0 AND p_action = 'import' THEN
        IF NOT importing THEN
            RAISE EXCEPTION USING ERRCODE = 'CR001',
                MESSAGE = 'audit event import: no import was begun in this transaction';
        END IF;
        UPDATE audit_pending x SET recorded = x.recorded | 1 WHERE x.txid = tx AND x.case_id = 0;
        RETURN;
    END IF;
    IF p_case = 0 AND p_action IN ('config_pin', 'config_adopt', 'quorum_recompute') THEN
        IF p_action = 'quorum_recompute' AND NOT EXISTS (
               SELECT 1 FROM audit_pending x WHERE x.txid = tx AND x.what & 4096 <> 0) THEN
            RAISE EXCEPTION USING ERRCODE = 'CR001',
                MESSAGE = 'audit event quorum_recompute: no quorum flag was changed in this '
                          'transaction';
        END IF;
        -- (A configuration's event comes before it is written, in an adoption: the
        -- commit checks that it was.)
        INSERT INTO audit_pending AS x (txid, case_id, recorded)
            VALUES (tx, 0, CASE WHEN p_action = 'quorum_recompute' THEN 4 ELSE 2 END)
            ON CONFLICT (txid, case_id) DO UPDATE SET recorded = x.recorded | excluded.recorded;
        RETURN;
    END IF;
    RAISE EXCEPTION USING ERRCODE = 'CR001',
        MESSAGE = format('audit event %s%s: not an event casereview records there', p_action,
                         CASE WHEN p_case <> 0 THEN ' on case ' || p_case ELSE '' END);
END $$;

-- The head as kept: "ID:HEX" (the engine parses it, as SQLite's).
CREATE FUNCTION cr_audit_head() RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp AS $$
BEGIN
    PERFORM cr_audit_reader('the audit trail''s head');
    RETURN (SELECT value FROM settings WHERE key = 'audit_head');
END $$;

-- Append an event for the session's login (p_actor, when given, must be it;
-- the service role names any), at cr_now(), with session_user as its
-- os_login; sealed with the key, chained to the head, which moves to it.
-- Returns its id.  Serialised on the chain's lock (cr_begin_write took it).
CREATE FUNCTION cr_audit_append(p_actor text, p_case bigint, p_action text, p_before text,
                                p_after text, p_details text, p_config text, p_purpose text)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp AS $$
DECLARE
    head text;
    prev bytea;
    k bytea := cr_audit_secret();
    e audit_events;
    digest text;
BEGIN
    e.actor := cr_actor(p_actor);
    IF p_action IS NULL OR p_action = '' OR p_details IS NULL OR p_config IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'CR003',
            MESSAGE = 'an audit event needs its action, details and configuration digest';
    END IF;
    IF p_config <> '' AND NOT EXISTS (SELECT 1 FROM config_versions WHERE config_versions.digest = p_config) THEN
        RAISE EXCEPTION USING ERRCODE = 'CR003',
            MESSAGE = format('an audit event names configuration digest %s, which this database does not keep', p_config);
    END IF;
    IF p_case IS NOT NULL AND p_case <> 0 AND NOT EXISTS (SELECT 1 FROM cases WHERE id = p_case) THEN
        RAISE EXCEPTION USING ERRCODE = 'CR002', MESSAGE = format('no case %s', p_case);
    END IF;
    IF p_action IN ('erased', 'purge') THEN
        -- An erasure's records are the admin's, as its writes (cr_erase_case).
        PERFORM cr_audit_reader('purge');
    END IF;
    -- The chain's head, locked (cr_begin_write took it already, in a writer).
    SELECT value INTO head FROM settings WHERE key = 'audit_head' FOR UPDATE;
    IF head IS NULL OR head !~ '^[0-9]{1,18}:[0-9a-f]{64}$' THEN
        RAISE EXCEPTION USING ERRCODE = 'CR003',
            MESSAGE = format('postgresql database %s: the audit trail''s head record is missing or damaged',
                             current_database());
    END IF;
    prev := decode(split_part(head, ':', 2), 'hex');
    e.id := split_part(head, ':', 1)::bigint + 1;
    IF NOT cr_is_service() THEN
        PERFORM cr_audit_admit(coalesce(p_case, 0), p_action, p_before, p_after, e.id);
    END IF;
    e.at := cr_now();
    e.case_id := nullif(p_case, 0);
    e.action := p_action;
    e.state_before := p_before;
    e.state_after := p_after;
    e.details := p_details;
    e.config_digest := p_config;
    e.purpose := p_purpose;
    e.os_login := session_user;
    e.prev_hash := prev;
    digest := cr_audit_digest(k, p_details);
    e.hash := cr_audit_seal(k, prev, e, digest);
    INSERT INTO audit_events SELECT e.*;
    INSERT INTO audit_digests(event, digest) VALUES (e.id, digest);
    UPDATE settings SET value = e.id::text || ':' || encode(e.hash, 'hex')
        WHERE key = 'audit_head';
    -- Something changed: which, LISTEN (open to anyone connected) is not told.
    PERFORM pg_notify('casereview_changes', '');
    RETURN e.id;
END $$;

-- The id of the last event (anyone on the roster).
CREATE FUNCTION cr_audit_last() RETURNS bigint
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp AS $$
BEGIN
    IF NOT cr_is_service() THEN
        PERFORM cr_login();
    END IF;
    RETURN (SELECT coalesce(max(id), 0) FROM audit_events);
END $$;

-- The configuration digest of the last event: no row when there is none.
CREATE FUNCTION cr_audit_last_digest() RETURNS TABLE (digest text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp AS $$
BEGIN
    IF NOT cr_is_service() THEN
        PERFORM cr_login();
    END IF;
    RETURN QUERY SELECT e.config_digest FROM audit_events e ORDER BY e.id DESC LIMIT 1;
END $$;

-- A page of the events matching the filter (NULL: not filtered) with
-- after < id <= upto, in id order, at most 500 (the audit log; the list of imports).
CREATE FUNCTION cr_audit_scan(s_after bigint, s_upto bigint, f_case bigint, f_actor text,
                              f_action text, f_since bigint, f_until bigint)
RETURNS TABLE (id bigint, at bigint, actor text, case_id bigint, action text,
               state_before text, state_after text, details text, config_digest text,
               purpose text, os_login text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp AS $$
BEGIN
    PERFORM cr_audit_reader('audit log');
    RETURN QUERY SELECT e.id, e.at, e.actor, e.case_id, e.action, e.state_before,
        e.state_after, e.details, e.config_digest, e.purpose, e.os_login
        FROM audit_events e
        WHERE e.id > s_after AND e.id <= s_upto
          AND (f_case IS NULL OR e.case_id = f_case)
          AND (f_actor IS NULL OR e.actor = f_actor)
          AND (f_action IS NULL OR e.action = f_action)
          AND (f_since IS NULL OR e.at >= f_since)
          AND (f_until IS NULL OR e.at < f_until)
        ORDER BY e.id LIMIT 500;
END $$;

-- A page of the chain from id `from` on (of case f_case only, unless 0), in id
-- order, at most lim, with the hashes and the digest stored beside each (verify).
CREATE FUNCTION cr_audit_chain(f_case bigint, from_id bigint, lim integer)
RETURNS TABLE (id bigint, at bigint, actor text, case_id bigint, action text,
               state_before text, state_after text, details text, config_digest text,
               purpose text, os_login text, prev_hash bytea, hash bytea, digest text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp AS $$
BEGIN
    PERFORM cr_audit_reader('audit verify');
    RETURN QUERY SELECT e.id, e.at, e.actor, e.case_id, e.action, e.state_before,
        e.state_after, e.details, e.config_digest, e.purpose, e.os_login, e.prev_hash,
        e.hash, d.digest
        FROM audit_events e LEFT JOIN audit_digests d ON d.event = e.id
        WHERE e.id >= from_id AND (f_case = 0 OR e.case_id = f_case)
        ORDER BY e.id LIMIT lim;
END $$;

-- The stored hashes checked with the key, from event from_id on, as core's
-- verify checks them (store.h, audit_check): the first event found wrong and
-- how ('contents': its details, digest or fields do not match its hash;
-- 'erasure': an erasure's recorded sum is not its events'), or no row.
CREATE FUNCTION cr_audit_check(from_id bigint)
RETURNS TABLE (event bigint, what text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp AS $$
DECLARE
    k bytea := cr_audit_secret();
    prev bytea;
    r record;
    e audit_events;
    digest text;
    h bytea;
    erased_by bigint;
    sums jsonb := '{}';
    acc bytea;
    recorded text;
BEGIN
    PERFORM cr_audit_reader('audit verify');
    IF from_id > 1 THEN
        SELECT a.prev_hash INTO prev FROM audit_events a WHERE a.id = from_id;
    END IF;
    prev := coalesce(prev, decode(repeat('00', 32), 'hex'));
    FOR r IN SELECT a AS ev, g.digest AS dg FROM audit_events a
            LEFT JOIN audit_digests g ON g.event = a.id
            WHERE a.id >= greatest(from_id, 1) ORDER BY a.id LOOP
        e := r.ev;
        digest := r.dg;
        erased_by := cr_audit_erased_by(e.details);
        IF erased_by <> 0 AND digest IS NULL THEN
            h := e.hash; -- before v3 the hash covered the erased bytes (core's walk_event)
        ELSE
            h := cr_audit_seal(k, prev, e, digest);
        END IF;
        IF h IS DISTINCT FROM e.hash
           OR (digest IS NOT NULL AND erased_by = 0 AND digest <> cr_audit_digest(k, e.details)) THEN
            event := e.id;
            what := 'contents';
            RETURN NEXT;
            RETURN;
        END IF;
        IF erased_by > e.id THEN
            acc := coalesce(decode(sums ->> erased_by::text, 'hex'),
                            decode(repeat('00', 32), 'hex'));
            sums := sums || jsonb_build_object(erased_by::text,
                encode(cr_audit_erased_step(k, acc, e, digest), 'hex'));
        ELSIF erased_by = 0 AND e.action = 'erased' THEN
            recorded := substring(e.details FROM '"redacted": "([^"]*)');
            IF left(coalesce(recorded, ''), 64)
               IS DISTINCT FROM coalesce(sums ->> e.id::text, repeat('00', 32)) THEN
                event := e.id;
                what := 'erasure';
                RETURN NEXT;
                RETURN;
            END IF;
        END IF;
        prev := h;
    END LOOP;
END $$;

-- An erasure's sums (store.h, audit_erasure) over the events of the case
-- before event `by`, as stored now: (digest, redacted, n).
CREATE FUNCTION cr_audit_erasure(p_case bigint, p_by bigint)
RETURNS TABLE (digest bytea, redacted bytea, n bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp AS $$
DECLARE
    k bytea := cr_audit_secret();
    r record;
    e audit_events;
    d text;
BEGIN
    PERFORM cr_audit_reader('purge');
    digest := decode(repeat('00', 32), 'hex');
    redacted := digest;
    n := 0;
    FOR r IN SELECT a AS ev, g.digest AS dg FROM audit_events a
            LEFT JOIN audit_digests g ON g.event = a.id
            WHERE a.case_id = p_case AND a.id < p_by ORDER BY a.id LOOP
        e := r.ev;
        d := r.dg;
        digest := hmac(digest || convert_to(coalesce(d, cr_audit_digest(k, e.details)), 'UTF8'),
                       k, 'sha256');
        redacted := cr_audit_erased_step(k, redacted, e, d);
        n := n + 1;
    END LOOP;
    RETURN NEXT;
END $$;

-- The case tables for verify (store.h, case_rows): the cases with ids from lo
-- to hi, each as its row (list -1) then its lists' rows (list: replay.c's
-- CR_REPLAY_* number) in the order the trail made them.
CREATE FUNCTION cr_case_rows(lo bigint, hi bigint)
RETURNS TABLE (case_id bigint, list integer, ord bigint, round integer, vetting_review integer,
               who text, kind text, what text, txt text, removed_by text, removed_reason text,
               date text, qa_by text, draw integer, state text, outcome text, assignee text,
               decided_by text, rationale text, panel_round integer)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp AS $$
BEGIN
    PERFORM cr_audit_reader('audit verify');
    RETURN QUERY
    SELECT c.id, -1, 0::bigint, c.round, c.vetting_review, NULL, NULL, NULL, NULL, NULL, NULL,
        NULL, NULL, 0, c.state, c.outcome, c.assignee, c.decided_by, c.rationale, c.panel_round
        FROM cases c WHERE c.id BETWEEN lo AND hi
    UNION ALL
    SELECT x.case_id, 0, x.round::bigint, x.round, x.vetting_review, x.reviewer, NULL, x.outcome,
        x.rationale, NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL, NULL, 0
        FROM decisions x WHERE x.case_id BETWEEN lo AND hi
    UNION ALL
    SELECT x.case_id, 1, x.round::bigint, x.round, 0, x.supervisor, NULL, NULL, NULL, NULL, NULL,
        NULL, NULL, 0, NULL, NULL, NULL, NULL, NULL, 0
        FROM approvals x WHERE x.case_id BETWEEN lo AND hi
    UNION ALL
    SELECT x.case_id, 2, x.id, x.round, 0, x.member, x.member_kind, x.vote, x.reason, NULL, NULL,
        NULL, NULL, 0, NULL, NULL, NULL, NULL, NULL, 0
        FROM votes x WHERE x.case_id BETWEEN lo AND hi
    UNION ALL
    SELECT x.case_id, 3, x.id, 0, 0, x.author, x.kind, NULL, x.body, NULL, NULL, NULL, NULL, 0,
        NULL, NULL, NULL, NULL, NULL, 0
        FROM notes x WHERE x.case_id BETWEEN lo AND hi
    UNION ALL
    SELECT x.case_id, 4, x.id, x.round, 0, x.member, x.member_kind, x.vote, x.reason, NULL, NULL,
        NULL, NULL, 0, NULL, NULL, NULL, NULL, NULL, 0
        FROM superseded_votes x WHERE x.case_id BETWEEN lo AND hi
    UNION ALL
    SELECT x.case_id, 5, x.id, 0, 0, x.added_by, x.kind, x.ref, x.status, x.removed_by,
        x.removed_reason, NULL, NULL, 0, NULL, NULL, NULL, NULL, NULL, 0
        FROM case_links x WHERE x.case_id BETWEEN lo AND hi
        AND (x.added_by IS NOT NULL OR x.removed_by IS NOT NULL)
    UNION ALL
    SELECT x.case_id, 6, x.id, 0, 0, x.recorded_by, x.stage, x.result, x.detail, NULL, NULL,
        x.date, NULL, 0, NULL, NULL, NULL, NULL, NULL, 0
        FROM follow_ups x WHERE x.case_id BETWEEN lo AND hi
    UNION ALL
    SELECT x.case_id, 7, x.round::bigint, x.round, 0, x.decider, x.reason, x.verdict, x.qa_reason,
        NULL, NULL, NULL, x.qa_by, x.draw, NULL, NULL, NULL, NULL, NULL, 0
        FROM qa x WHERE x.case_id BETWEEN lo AND hi
    ORDER BY 1, 2, 3;
END $$;

-- The greatest case id any case table holds (0: none), where case_rows' pages end.
CREATE FUNCTION cr_case_rows_last() RETURNS bigint
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp AS $$
BEGIN
    PERFORM cr_audit_reader('audit verify');
    RETURN greatest(0, (SELECT max(id) FROM cases), (SELECT max(x.case_id) FROM decisions x),
        (SELECT max(x.case_id) FROM approvals x), (SELECT max(x.case_id) FROM votes x),
        (SELECT max(x.case_id) FROM notes x), (SELECT max(x.case_id) FROM superseded_votes x),
        (SELECT max(x.case_id) FROM case_links x), (SELECT max(x.case_id) FROM follow_ups x),
        (SELECT max(x.case_id) FROM qa x));
END $$;

-- The closed cases that entered closed before `before`, in id order (purge).
CREATE FUNCTION cr_closed_cases(p_before bigint)
RETURNS TABLE (id bigint, outcome text, closed_at bigint, erased bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp AS $$
BEGIN
    PERFORM cr_audit_reader('purge');
    RETURN QUERY SELECT c.id, c.outcome, c.state_since, coalesce(x.event, 0)
        FROM cases c LEFT JOIN erasures x ON x.case_id = c.id
        WHERE c.state = 'closed' AND c.state_since < p_before ORDER BY c.id;
END $$;

-- The event the erasure about to be appended will be: the head's + 1.
CREATE FUNCTION cr_audit_next() RETURNS bigint
LANGUAGE sql STABLE SET search_path = casereview, pg_catalog, pg_temp AS $$
    SELECT split_part(value, ':', 1)::bigint + 1 FROM settings WHERE key = 'audit_head'
$$;

-- An event's details replaced by its erased form (purge; core/erase.c's
-- erase_one): only the admin, only an event of a closed case not erased
-- yet, whose details are not erased already, only in the form of the
-- erasure about to be recorded ({"erased": N, ...}, N the next event, the
-- case's `erased`, which this transaction must then record: the commit
-- refuses it otherwise).
CREATE FUNCTION cr_audit_redact(p_event bigint, p_details text) RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp AS $$
DECLARE
    ev audit_events;
    next_id bigint;
BEGIN
    PERFORM cr_audit_reader('purge');
    PERFORM 1 FROM settings WHERE key = 'audit_head' FOR UPDATE;
    next_id := cr_audit_next();
    IF p_details IS NULL OR cr_audit_erased_by(p_details) <> next_id OR p_event >= next_id THEN
        RAISE EXCEPTION USING ERRCODE = 'CR001',
            MESSAGE = format('audit event %s: its details are replaced only by an erasure''s form',
                             p_event);
    END IF;
    SELECT * INTO ev FROM audit_events a WHERE a.id = p_event;
    IF NOT FOUND OR ev.case_id IS NULL OR cr_audit_erased_by(ev.details) <> 0
       OR NOT EXISTS (SELECT 1 FROM cases c WHERE c.id = ev.case_id AND c.state = 'closed')
       OR EXISTS (SELECT 1 FROM erasures x WHERE x.case_id = ev.case_id) THEN
        RAISE EXCEPTION USING ERRCODE = 'CR001',
            MESSAGE = format('audit event %s: only the events of a closed case, not erased yet, '
                             'are erased, by the case''s erasure', p_event);
    END IF;
    UPDATE audit_events SET details = p_details WHERE id = p_event;
    IF NOT cr_is_service() THEN
        INSERT INTO audit_pending AS x (txid, case_id, what, erasure)
            VALUES (txid_current(), ev.case_id, 2048, next_id)
            ON CONFLICT (txid, case_id) DO UPDATE SET what = x.what | 2048,
                erasure = excluded.erasure;
    END IF;
END $$;

-- A closed case's personal text overwritten (store.h, erase_case), as
-- SQLite's: its rows, its drafts, its subject's names when no case of the
-- subject is left unerased, and the search documents of the subject's
-- cases.  Returns the counts.
CREATE FUNCTION cr_erase_case(p_case bigint, p_event bigint, p_text text,
                              OUT allegations bigint, OUT decisions bigint, OUT votes bigint,
                              OUT notes bigint, OUT drafts bigint, OUT subjects bigint)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp AS $$
DECLARE
    m bigint;
    v_subject bigint;
BEGIN
    PERFORM cr_audit_reader('purge');
    PERFORM 1 FROM settings WHERE key = 'audit_head' FOR UPDATE;
    SELECT c.subject_id INTO v_subject FROM cases c WHERE c.id = p_case AND c.state = 'closed';
    IF v_subject IS NULL OR p_event <> cr_audit_next() OR p_text IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'CR001',
            MESSAGE = format('case %s: only a closed case is erased, by the erasure about to be recorded',
                             p_case);
    END IF;
    UPDATE allegations a SET summary = p_text WHERE a.case_id = p_case;
    GET DIAGNOSTICS allegations = ROW_COUNT;
    UPDATE decisions d SET rationale = p_text WHERE d.case_id = p_case;
    GET DIAGNOSTICS decisions = ROW_COUNT;
    UPDATE cases c SET
        rationale = CASE WHEN c.rationale IS NULL THEN NULL ELSE p_text END,
        pause_reason = CASE WHEN c.pause_reason IS NULL THEN NULL ELSE p_text END
        WHERE c.id = p_case;
    INSERT INTO erasures(case_id, event) VALUES (p_case, p_event);
    UPDATE votes v SET reason = p_text WHERE v.case_id = p_case AND v.reason IS NOT NULL;
    GET DIAGNOSTICS votes = ROW_COUNT;
    UPDATE superseded_votes v SET reason = p_text WHERE v.case_id = p_case AND v.reason IS NOT NULL;
    GET DIAGNOSTICS m = ROW_COUNT;
    votes := votes + m;
    UPDATE notes x SET body = p_text WHERE x.case_id = p_case;
    GET DIAGNOSTICS notes = ROW_COUNT;
    UPDATE case_links x SET ref = p_text,
        removed_reason = CASE WHEN x.removed_reason IS NULL THEN NULL ELSE p_text END
        WHERE x.case_id = p_case;
    GET DIAGNOSTICS m = ROW_COUNT;
    notes := notes + m;
    UPDATE follow_ups x SET detail = p_text WHERE x.case_id = p_case AND x.detail IS NOT NULL;
    GET DIAGNOSTICS m = ROW_COUNT;
    notes := notes + m;
    UPDATE qa x SET qa_reason = p_text WHERE x.case_id = p_case AND x.qa_reason IS NOT NULL;
    GET DIAGNOSTICS m = ROW_COUNT;
    notes := notes + m;
    DELETE FROM drafts x WHERE x.case_id = p_case;
    GET DIAGNOSTICS drafts = ROW_COUNT;
    UPDATE subjects s SET surname = p_text, forenames = p_text, ref = 'erased-' || s.id
        WHERE s.id = v_subject AND NOT EXISTS (SELECT 1 FROM cases c WHERE c.subject_id = s.id
            AND c.id NOT IN (SELECT e.case_id FROM erasures e));
    GET DIAGNOSTICS subjects = ROW_COUNT;
    INSERT INTO case_search AS s (case_id, doc)
        SELECT d.id, search_vector(d.subject || ' ' || d.allegations) FROM case_documents d
        WHERE d.id IN (SELECT c.id FROM cases c WHERE c.subject_id = v_subject)
        ON CONFLICT (case_id) DO UPDATE SET doc = excluded.doc;
END $$;

REVOKE EXECUTE ON FUNCTION cr_audit_field(text), cr_audit_secret(),
    cr_audit_digest(bytea, text), cr_audit_seal(bytea, bytea, audit_events, text),
    cr_audit_erased_step(bytea, bytea, audit_events, text), cr_audit_erased_by(text),
    cr_audit_reader(text), cr_audit_next(), cr_audit_table_bit(text), cr_audit_changed(),
    cr_audit_pending_check(), cr_audit_admit(bigint, text, text, text, bigint) FROM PUBLIC;
