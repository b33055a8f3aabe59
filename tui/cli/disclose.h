/*
 * The writing side of a disclosure (see cr_disclosure_begin in
 * casereview.h), for every command that sends personal data, or figures
 * drawn from it, out of the program: export, report.
 *
 * The bytes go to standard output or to a file.  A file is created with
 * mode 0600 whatever the umask, under a temporary name in the same
 * directory; it is synced before the end event, and renamed into place
 * only after the end event commits, so that FILE exists only when its
 * disclosure is recorded; SIGHUP, SIGINT or SIGTERM meanwhile remove the
 * temporary file before the program stops (only SIGKILL can leave it).  Every byte is counted and
 * digested (BLAKE2b-256) as it is actually written.  SIGPIPE and SIGXFSZ are ignored while a writer
 * is open, so that a reader that goes away (`| head`) or a file size limit is a write error (EPIPE,
 * EFBIG) that the end event records, not a silent death.
 *
 * Use: dout_open; write to dout_stream, dout_mark after each row;
 * dout_finish (fills the end event's complete, error, rows, bytes and
 * digest); cr_disclosure_end; then dout_publish when the end event
 * committed, or dout_discard on any failure.
 */
#ifndef CASEREVIEW_TUI_DISCLOSE_H
#define CASEREVIEW_TUI_DISCLOSE_H

#include <casereview/casereview.h>

#include <stdbool.h>
#include <stdio.h>

struct dout;

/*
 * A writer to path, or to standard output when path is NULL.  An existing
 * path is refused unless replace.  NULL on failure, with *msg a new string
 * (the caller frees it) saying why, e.g. "out.csv exists (--force replaces
 * it)".
 */
struct dout *dout_open(const char *path, bool replace, char **msg);

/* The stream to write to (buffered by the writer; its bytes go through the digest). */
FILE *dout_stream(struct dout *w);

/* The file's absolute name (for cr_disclosure.destination), or NULL for standard output. */
const char *dout_destination(const struct dout *w);

/*
 * Mark the end of a unit (a row, a report line): dout_finish counts as rows
 * the units whose every byte was written, so that a cut export records the
 * rows that really left, not those formatted.
 */
void dout_mark(struct dout *w);

/* The marked units written whole so far. */
int64_t dout_rows(const struct dout *w);

/*
 * After the last byte: flush and, for a file, sync it.  Fills complete,
 * error (owned by w), rows (the marked units written whole), bytes and
 * digest of *e.  Returns 0 when every byte was
 * written, -1 otherwise.
 */
int dout_finish(struct dout *w, struct cr_disclosure_end *e);

/*
 * After the end event committed: rename the file into place and sync its
 * directory (nothing to do for standard output), then free w.  0, or -1
 * with *msg a new string saying why (the temporary file is then removed).
 */
int dout_publish(struct dout *w, char **msg);

/* Give up: remove the temporary file, if any, and free w.  NULL is allowed. */
void dout_discard(struct dout *w);

#endif
