/*
 * libFuzzer target: the configuration loader.  Whatever the bytes, it must
 * not crash or leak, must say why whenever it refuses, and every message
 * must carry FILE:LINE:COLUMN.
 */
#include "casereview/casereview.h"
#include "internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cr_config *cfg = NULL;
    cr_diags *d = NULL;
    enum cr_status st = cr_config_parse("fuzz.yaml", data, size, &cfg, &d);
    if (st == CR_OK && (!cfg || cr_diags_total(d) != 0))
        abort();
    if (st == CR_INVALID && cr_diags_count(d) == 0)
        abort();
    for (size_t i = 0; i < cr_diags_count(d); i++)
        if (strncmp(cr_diags_get(d, i), "fuzz.yaml:", 10) != 0)
            abort();
    cr_config_free(cfg);
    cr_diags_free(d);
    return 0;
}
