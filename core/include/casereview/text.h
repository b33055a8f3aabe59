/*
 * casereview: text helpers for output: CSV and JSON fields, dates and times,
 * and the priority of SPEC section 2.
 */
#ifndef CASEREVIEW_INCLUDE_TEXT_H
#define CASEREVIEW_INCLUDE_TEXT_H

#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Write one CSV field to f, quoted when it holds a comma, a quote, a line
 * break or leading or trailing white space (quotes doubled).  Returns 0, or
 * -1 when the stream failed.
 */
int cr_csv_write_field(FILE *f, const char *s);

/*
 * Write s to f as a JSON string, with its quotes; control characters are
 * escaped.  Returns 0, or -1 when the stream failed.
 */
int cr_json_write_string(FILE *f, const char *s);

/* Days since 1970-01-01 as YYYY-MM-DD (proleptic Gregorian calendar). */
void cr_date_format(int64_t days, char out[11]);

/* Seconds since the epoch as YYYY-MM-DDTHH:MM:SSZ. */
void cr_time_format(int64_t t, char out[21]);

/*
 * A time a user typed, in UTC: YYYY-MM-DD (the start of that day) or
 * YYYY-MM-DDTHH:MM:SSZ (cr_time_format's), as seconds since the epoch in
 * *t.  Returns 0, or -1 when s is neither (or no real date and time).
 */
int cr_time_parse(const char *s, int64_t *t);

/* The priority of SPEC section 2 (documented in README). */
int64_t cr_priority(int duty, int n_allegations, int n_sexual, const char *latest_date);

#ifdef __cplusplus
}
#endif

#endif
