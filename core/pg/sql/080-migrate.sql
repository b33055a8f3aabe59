-- Moving between engines (issue 14, item 5; core/migrate.c, core/pg/migrate.c):
-- `casereview migrate` copies every table of a database into an empty one,
-- connected as the service role (the database's owner), which alone reads
-- and writes the tables.  The events are re-sealed here with this server's
-- key (050-audit.sql's cr_audit_digest and cr_audit_seal), the search
-- documents rebuilt and the identities set past the copied ids.  No person
-- may call these (EXECUTE revoked from PUBLIC; they are not SECURITY
-- DEFINER: they run as their caller, who must own the tables).

-- The service role, or CR403 naming the owner.
CREATE FUNCTION cr_migrate_service() RETURNS void
LANGUAGE plpgsql STABLE SET search_path = casereview, pg_catalog, pg_temp AS $$
BEGIN
    IF NOT cr_is_service() THEN
        RAISE EXCEPTION USING ERRCODE = 'CR403',
            MESSAGE = format('migrate reads and writes every table, so it connects as the '
                             'service role (the database''s owner, %s), not as %s',
                             (SELECT pg_get_userbyid(d.datdba) FROM pg_database d
                              WHERE d.datname = current_database()), session_user);
    END IF;
END $$;

-- One copied event, sealed with this server's key and chained to the head,
-- which moves to it; it must be the event after the head.  Its details'
-- digest is computed, or keep_digest (an erased event's, of the details it
-- had); its hash is computed, or keep_hash (an event erased before chain
-- v3, which keeps no digest: its erasure's sum vouches for it).  Returns
-- the hash stored.
CREATE FUNCTION cr_migrate_event(p_id bigint, p_at bigint, p_actor text, p_case bigint,
                                 p_action text, p_before text, p_after text, p_details text,
                                 p_config text, p_purpose text, p_os_login text,
                                 keep_digest text, keep_hash bytea)
RETURNS bytea
LANGUAGE plpgsql VOLATILE SET search_path = casereview, pg_catalog, pg_temp AS $$
DECLARE
    head text;
    k bytea := cr_audit_secret();
    e audit_events;
    digest text;
BEGIN
    PERFORM cr_migrate_service();
    SELECT value INTO head FROM settings WHERE key = 'audit_head' FOR UPDATE;
    IF head IS NULL OR head !~ '^[0-9]{1,18}:[0-9a-f]{64}$'
       OR split_part(head, ':', 1)::bigint + 1 <> p_id THEN
        RAISE EXCEPTION USING ERRCODE = 'CR003',
            MESSAGE = format('migrate: event %s does not follow the head of the trail (%s)',
                             p_id, coalesce(head, 'missing'));
    END IF;
    e.id := p_id;
    e.at := p_at;
    e.actor := p_actor;
    e.case_id := nullif(p_case, 0);
    e.action := p_action;
    e.state_before := p_before;
    e.state_after := p_after;
    e.details := p_details;
    e.config_digest := p_config;
    e.purpose := p_purpose;
    e.os_login := p_os_login;
    e.prev_hash := decode(split_part(head, ':', 2), 'hex');
    IF keep_hash IS NOT NULL THEN
        digest := keep_digest;
        e.hash := keep_hash;
    ELSE
        digest := coalesce(keep_digest, cr_audit_digest(k, p_details));
        e.hash := cr_audit_seal(k, e.prev_hash, e, digest);
    END IF;
    INSERT INTO audit_events SELECT e.*;
    IF digest IS NOT NULL THEN
        INSERT INTO audit_digests(event, digest) VALUES (e.id, digest);
    END IF;
    UPDATE settings SET value = e.id::text || ':' || encode(e.hash, 'hex')
        WHERE key = 'audit_head';
    RETURN e.hash;
END $$;

-- After the copy: every case's search document made from its rows, and
-- each identity's next value past the highest id copied.
CREATE FUNCTION cr_migrate_finish() RETURNS void
LANGUAGE plpgsql VOLATILE SET search_path = casereview, pg_catalog, pg_temp AS $$
DECLARE
    t text;
BEGIN
    PERFORM cr_migrate_service();
    DELETE FROM case_search;
    INSERT INTO case_search(case_id, doc)
        SELECT d.id, search_vector(d.subject || ' ' || d.allegations)
        FROM case_documents d ORDER BY d.id;
    FOREACH t IN ARRAY ARRAY['imports', 'subjects', 'cases', 'allegations', 'notes', 'votes',
                             'audit_events', 'decisions', 'approvals', 'superseded_votes',
                             'config_versions', 'case_links', 'follow_ups'] LOOP
        EXECUTE format('SELECT setval(pg_get_serial_sequence(%L, ''id''), '
                       'coalesce((SELECT max(id) FROM %I), 0) + 1, false)',
                       'casereview.' || t, t);
    END LOOP;
END $$;

REVOKE EXECUTE ON FUNCTION cr_migrate_service(),
    cr_migrate_event(bigint, bigint, text, bigint, text, text, text, text, text, text, text,
                     text, bytea),
    cr_migrate_finish() FROM PUBLIC;
