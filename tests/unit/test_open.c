/*
 * Opening with options (cr_db_open_with, struct cr_open_options): the
 * defaults, the engine built in, and a missing clock or path said on the
 * handle rather than crashing later.  cr_db_open is the same with defaults.
 */
#include "internal.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

static int64_t
fixed_clock(void *ctx)
{
    return *(const int64_t *)ctx;
}

static void
test_defaults(void **state)
{
    (void)state;
    struct cr_open_options o;
    memset(&o, 0xa5, sizeof o);
    cr_open_options_default(&o);
    assert_int_equal(o.flags, 0);
    assert_null(o.clock);
    assert_null(o.clock_ctx);
    assert_null(o.store);
    assert_null(o.connection);
    for (size_t i = 0; i < sizeof o.reserved; i++)
        assert_int_equal(o.reserved[i], 0);
}

static void
test_open_with_options(void **state)
{
    (void)state;
    char dir[] = "/tmp/cr-open-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[64];
    snprintf(path, sizeof path, "%s/t.db", dir);

    int64_t now = 1767225600;
    struct cr_open_options o;
    cr_open_options_default(&o);
    o.clock = fixed_clock;
    o.clock_ctx = &now;
    cr_db *db;
    /* Without CR_OPEN_CREATE, as cr_db_open: no such database. */
    assert_int_equal(cr_db_open_with(path, &o, &db), CR_DB);
    assert_non_null(strstr(cr_db_errmsg(db), "no such database"));
    cr_db_close(db);

    o.flags = CR_OPEN_CREATE;
    assert_int_equal(cr_db_open_with(path, &o, &db), CR_OK);
    assert_true(cr_db_created(db));
    assert_int_equal(cr_db_now(db), now); /* the clock given, with its context */
    assert_string_equal(cr_db_engine(db), cr_db_engine(NULL)); /* the one built in */
    cr_db_close(db);

    /* cr_db_open is the same with the defaults: it opens what was made. */
    assert_int_equal(cr_db_open(path, 0, fixed_clock, &now, &db), CR_OK);
    assert_false(cr_db_created(db));
    assert_true(cr_db_schema_version(db) >= 6); /* migrated */
    cr_db_close(db);

    char cmd[64];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

/* What is missing is said on the handle, which closes like any other. */
static void
test_missing_clock_or_path(void **state)
{
    (void)state;
    struct cr_open_options o;
    cr_open_options_default(&o);
    cr_db *db;
    assert_int_equal(cr_db_open_with("/nonexistent/t.db", &o, &db), CR_USAGE);
    assert_non_null(db);
    assert_string_equal(cr_db_errmsg(db), "cr_db_open_with: no clock in the options");
    assert_false(cr_db_created(db));
    assert_false(cr_db_read_only(db));
    cr_db_discard(db);
    assert_int_equal(cr_db_open_with(NULL, &o, &db), CR_USAGE);
    assert_string_equal(cr_db_errmsg(db), "cr_db_open_with: no path");
    cr_db_close(db);
    assert_int_equal(cr_db_open_with("/nonexistent/t.db", NULL, &db), CR_USAGE);
    assert_string_equal(cr_db_errmsg(db), "cr_db_open_with: no options");
    cr_db_close(db);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_open_with_options),
        cmocka_unit_test(test_missing_clock_or_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
