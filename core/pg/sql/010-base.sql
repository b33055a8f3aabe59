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

-- BLAKE2b (RFC 7693), unkeyed, of msg, outlen bytes (1-64): what libsodium's
-- crypto_generichash gives core (core/qa.c's draw, a configuration's
-- digest), which pgcrypto lacks.  64-bit words as bigint: additions are made
-- on 32-bit halves so that they wrap as unsigned words do.
CREATE FUNCTION cr_b2_add(a bigint, b bigint) RETURNS bigint LANGUAGE sql IMMUTABLE
  SET search_path = casereview, pg_catalog, pg_temp AS $$
  SELECT ((((a >> 32) & 4294967295) + ((b >> 32) & 4294967295)
           + (((a & 4294967295) + (b & 4294967295)) >> 32)) & 4294967295) << 32
         | (((a & 4294967295) + (b & 4294967295)) & 4294967295)
$$;
CREATE FUNCTION cr_b2_rotr(x bigint, n integer) RETURNS bigint LANGUAGE sql IMMUTABLE
  SET search_path = casereview, pg_catalog, pg_temp AS $$
  SELECT ((x >> n) & ((1::bigint << (64 - n)) - 1)) | (x << (64 - n))
$$;
CREATE FUNCTION cr_blake2b(msg bytea, outlen integer) RETURNS bytea LANGUAGE plpgsql IMMUTABLE
  SET search_path = casereview, pg_catalog, pg_temp AS $$
DECLARE
    iv bigint[] := ARRAY[x'6a09e667f3bcc908'::bigint, x'bb67ae8584caa73b'::bigint,
                         x'3c6ef372fe94f82b'::bigint, x'a54ff53a5f1d36f1'::bigint,
                         x'510e527fade682d1'::bigint, x'9b05688c2b3e6c1f'::bigint,
                         x'1f83d9abfb41bd6b'::bigint, x'5be0cd19137e2179'::bigint];
    sigma integer[] := ARRAY[
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
        14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3,
        11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4,
        7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8,
        9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13,
        2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9,
        12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11,
        13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10,
        6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5,
        10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0];
    gi integer[] := ARRAY[0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15,
                          0, 5, 10, 15, 1, 6, 11, 12, 2, 7, 8, 13, 3, 4, 9, 14];
    h bigint[] := iv;
    v bigint[];
    m bigint[];
    len integer := length(msg);
    nblocks integer := greatest((length(msg) + 127) / 128, 1);
    blk bytea;
    w bigint;
    a integer; b integer; c integer; d integer;
    s integer;
    out bytea := ''::bytea;
BEGIN
    h[1] := h[1] # (16842752 # outlen);  -- 0x01010000, no key
    FOR bi IN 0 .. nblocks - 1 LOOP
        blk := substring(msg FROM bi * 128 + 1 FOR 128);
        blk := blk || decode(repeat('00', 128 - length(blk)), 'hex');
        m := '{}';
        FOR i IN 0 .. 15 LOOP
            w := 0;
            FOR j IN REVERSE 7 .. 0 LOOP
                w := (w << 8) | get_byte(blk, i * 8 + j);
            END LOOP;
            m := m || w;
        END LOOP;
        v := h || iv;
        v[13] := v[13] # least(len, (bi + 1) * 128)::bigint;
        IF bi = nblocks - 1 THEN
            v[15] := ~v[15];
        END IF;
        FOR r IN 0 .. 11 LOOP
            s := (r % 10) * 16;
            FOR g IN 0 .. 7 LOOP
                a := gi[g * 4 + 1] + 1; b := gi[g * 4 + 2] + 1;
                c := gi[g * 4 + 3] + 1; d := gi[g * 4 + 4] + 1;
                v[a] := cr_b2_add(cr_b2_add(v[a], v[b]), m[sigma[s + g * 2 + 1] + 1]);
                v[d] := cr_b2_rotr(v[d] # v[a], 32);
                v[c] := cr_b2_add(v[c], v[d]);
                v[b] := cr_b2_rotr(v[b] # v[c], 24);
                v[a] := cr_b2_add(cr_b2_add(v[a], v[b]), m[sigma[s + g * 2 + 2] + 1]);
                v[d] := cr_b2_rotr(v[d] # v[a], 16);
                v[c] := cr_b2_add(v[c], v[d]);
                v[b] := cr_b2_rotr(v[b] # v[c], 63);
            END LOOP;
        END LOOP;
        FOR i IN 1 .. 8 LOOP
            h[i] := h[i] # v[i] # v[i + 8];
        END LOOP;
    END LOOP;
    FOR i IN 1 .. 8 LOOP
        FOR j IN 0 .. 7 LOOP
            out := out || set_byte('\x00'::bytea, 0, ((h[i] >> (j * 8)) & 255)::integer);
        END LOOP;
    END LOOP;
    RETURN substring(out FROM 1 FOR outlen);
END $$;
REVOKE EXECUTE ON FUNCTION cr_b2_add(bigint, bigint), cr_b2_rotr(bigint, integer),
  cr_blake2b(bytea, integer) FROM PUBLIC;
