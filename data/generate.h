/*
 * The synthetic data generator: fictional subjects and allegations as
 * import CSV (SPEC section 8).
 */
#ifndef CASEREVIEW_GENERATE_H
#define CASEREVIEW_GENERATE_H

#include <stdint.h>
#include <stdio.h>

/*
 * Write the header and the allegations of n fictional subjects to out.
 * The same n and seed give the same bytes on every machine.  Returns 0, or
 * -1 when writing failed (errno tells why).
 */
int crgen_write(FILE *out, long n, uint64_t seed);

#endif
