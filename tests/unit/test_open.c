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

/*
 * Public entry points check their arguments (found by review): a handle that
 * never opened answers its version calls instead of calling a missing method,
 * and a page above CR_PAGE_MAX rows is refused before anything is allocated
 * (SIZE_MAX rows overflowed the size of the rows' array).
 */
static void
test_arguments_checked(void **state)
{
    (void)state;
    struct cr_open_options o;
    cr_open_options_default(&o);
    cr_db *db;
    assert_int_equal(cr_db_open_with(NULL, &o, &db), CR_USAGE);
    assert_int_equal(cr_db_schema_version(db), 0);
    int64_t v;
    assert_int_equal(cr_db_data_version(db, &v), CR_USAGE);
    assert_string_equal(cr_db_errmsg(db), "cr_db_data_version: the database is not open");
    cr_db_close(db);

    char dir[] = "/tmp/cr-open-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[64];
    snprintf(path, sizeof path, "%s/t.db", dir);
    int64_t now = 1767225600;
    assert_int_equal(cr_db_open(path, CR_OPEN_CREATE, fixed_clock, &now, &db), CR_OK);
    struct cr_config *cfg = NULL;
    cr_diags *d = NULL;
    assert_int_equal(cr_config_load(FIXTURES "/config/good.yaml", &cfg, &d), CR_OK);
    cr_diags_free(d);
    const struct cr_person *p = cr_config_person(cfg, "asmith");
    assert_non_null(p);
    cr_db_set_user(db, cfg, p);
    struct cr_page page = {0};
    assert_int_equal(cr_list_page(db, NULL, 0, SIZE_MAX, &page), CR_USAGE);
    assert_string_equal(cr_db_errmsg(db),
                        "a page holds at most 10000 rows, not 18446744073709551615");
    assert_int_equal(cr_list_mine_page(db, 0, CR_PAGE_MAX + 1, &page), CR_USAGE);
    assert_int_equal(cr_list_page(db, NULL, 0, CR_PAGE_MAX, &page), CR_OK);
    cr_page_free(&page);
    cr_db_close(db);
    cr_config_free(cfg);
    char cmd[64];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_open_with_options),
        cmocka_unit_test(test_missing_clock_or_path),
        cmocka_unit_test(test_arguments_checked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
