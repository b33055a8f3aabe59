/*
 * The demo's configuration and its mix of cases (see demo.c).
 */
#ifndef CASEREVIEW_DEMO_H
#define CASEREVIEW_DEMO_H

#include "casereview/casereview.h"

#include <stdint.h>
#include <stdio.h>

/* Write the demo configuration, with login on the roster.  Returns 0 or -1. */
int crgen_demo_config(FILE *out, const char *login);

/*
 * Take the imported cases of db through the workflow, as the configuration's
 * fictional people, into a realistic mix of states over the twelve weeks
 * before end.  *now is the clock the handle reads (its ctx); it ends at end.
 * msg says what was done.  progress (NULL: none) is called with ctx as each
 * case is done, with how many of how many.  Returns 0, or -1 with msg
 * saying why.
 */
int crgen_demo_states(cr_db *db, const struct cr_config *cfg, int64_t *now, int64_t end,
                      uint64_t seed, char *msg, size_t n,
                      void (*progress)(void *ctx, int64_t done, int64_t total), void *ctx);

#endif
