-- The base of the server's functions: the schema version, the clock, who is
-- acting, and the write lock that keeps the audit chain from forking.
--
-- Every function a person may call is SECURITY DEFINER (it runs as the
-- service role that owns the tables), with a fixed search_path, and is
-- granted to PUBLIC (CONNECT on the database is what admits a person: only
-- the pinned roster's roles have it).  Helpers that only other functions
-- call are revoked from PUBLIC.

-- The schema version (the runner keeps it in settings).
CREATE FUNCTION cr_schema_version() RETURNS integer
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp AS $$
BEGIN
    RETURN coalesce((SELECT value::integer FROM settings WHERE key = 'schema_version'), 0);
END $$;

-- The time of every write: the transaction's start on the server's clock.  A
-- database made for tests (settings test_clock = 'on', which only the
-- service role writes) takes the session's casereview.now instead, as the
-- SQLite engine takes the handle's pinned clock.
CREATE FUNCTION cr_now() RETURNS bigint
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp AS $$
DECLARE
    pinned text := current_setting('casereview.now', true);
BEGIN
    IF coalesce(pinned, '') <> ''
       AND (SELECT value FROM settings WHERE key = 'test_clock') = 'on' THEN
        RETURN pinned::bigint;
    END IF;
    RETURN floor(extract(epoch FROM transaction_timestamp()))::bigint;
END $$;

-- Who is acting: session_user (each person connects as their own role; peer
-- authentication or a certificate proves it), which must be a login of the
-- pinned roster.  The service role acts only through setup functions.
CREATE FUNCTION cr_login() RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp AS $$
DECLARE
    who text;
BEGIN
    SELECT login INTO who FROM people WHERE login = session_user;
    IF who IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'CR403',
            MESSAGE = format('you connect as %s, who is not in the pinned roster of this database',
                             session_user);
    END IF;
    RETURN who;
END $$;

-- Whether the session is the service role (the database's owner).
CREATE FUNCTION cr_is_service() RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp AS $$
    SELECT pg_get_userbyid(datdba) = session_user FROM pg_database
    WHERE datname = current_database()
$$;

-- The login a write names (the actor core passes), which must be the session's own:
-- nobody writes in another's name.  The service role writes as "system".
CREATE FUNCTION cr_actor(claimed text) RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp AS $$
DECLARE
    who text;
BEGIN
    IF cr_is_service() THEN
        RETURN coalesce(claimed, 'system');
    END IF;
    who := cr_login();
    IF claimed IS NOT NULL AND claimed <> who THEN
        RAISE EXCEPTION USING ERRCODE = 'CR403',
            MESSAGE = format('you connect as %s and may not act as %s', who, claimed);
    END IF;
    RETURN who;
END $$;

-- Begin a write: take the lock that every writer takes, so that the audit
-- chain's head moves one event at a time whatever host the writers are on
-- (the lock waits at most `wait`, then the database is busy), and pin the
-- test clock when the database allows it.  The lock is the row of the
-- chain's head (settings audit_head), which only its owner, the service
-- role, may lock: a person takes it only here, as every writer does, never
-- by a lock of their own (an advisory lock, which anyone connected may take,
-- would let a psql session stall every writer).  The wait stays the
-- transaction's for every lock it takes after (a case's row another session
-- holds): busy, rather than every writer queued behind it.
CREATE FUNCTION cr_begin_write(client_now bigint, wait text) RETURNS boolean
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = casereview, pg_catalog, pg_temp AS $$
BEGIN
    PERFORM set_config('casereview.now', client_now::text, true);
    PERFORM set_config('lock_timeout', wait, true);
    PERFORM 1 FROM settings WHERE key = 'audit_head' FOR UPDATE;
    RETURN true;
END $$;

REVOKE EXECUTE ON FUNCTION cr_now(), cr_is_service() FROM PUBLIC;
