/*
 * libFuzzer target: the CSV importer, reader and validation and storage,
 * on an in-memory database.  Whatever the bytes, it must not crash, leak
 * or write anything when it reports a problem.
 */
#include "casereview/casereview.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int64_t
clock_fixed(void *ctx)
{
    (void)ctx;
    return 1767225600;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static cr_db *db;
    static struct cr_config *cfg;
    if (!db) {
        cr_diags *d = NULL;
        if (cr_config_load(FIXTURES "/config/good.yaml", &cfg, &d) != CR_OK)
            abort();
        cr_diags_free(d);
        if (cr_db_open(":memory:", CR_OPEN_CREATE, clock_fixed, NULL, &db) != CR_OK)
            abort();
        cr_db_set_user(db, cfg, cr_config_person(cfg, "cadmin"));
    }
    FILE *in = fmemopen((void *)data, size, "rb");
    if (!in)
        return 0;
    struct cr_import_result r;
    cr_diags *d = NULL;
    enum cr_status st = cr_import_csv(db, in, "fuzz", CR_IMPORT_DRY_RUN, &r, &d);
    if (st == CR_INVALID && cr_diags_total(d) == 0)
        abort(); /* refused without saying why */
    if (st == CR_OK && cr_diags_total(d) != 0)
        abort(); /* accepted despite problems */
    cr_diags_free(d);
    fclose(in);
    struct cr_stats s;
    if (cr_stats_get(db, &s) != CR_OK || s.cases != 0)
        abort(); /* a dry run wrote something */
    return 0;
}
