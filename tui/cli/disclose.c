/*
 * The writing side of a disclosure: see disclose.h.  The stream is an
 * unbuffered cookie stream (fopencookie) into the writer's own buffer, so
 * that what is counted and digested is what write(2) accepted, byte for
 * byte, whatever the caller formats with stdio, and so that the writer
 * knows which rows have left whole.
 */
#define _GNU_SOURCE /* fopencookie */

#include "disclose.h"

#include "tui.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Row ends not yet known to be written: at most this many are held. */
#define DOUT_MARKS 4096

struct dout {
    int fd;
    FILE *stream;
    char *path;  /* the file asked for, or NULL: standard output */
    char *where; /* the file's absolute name, for the record */
    char *temp;  /* its temporary name while it is written */
    bool replace;
    int64_t given; /* bytes handed to the stream */
    int64_t bytes; /* bytes write(2) accepted */
    int64_t units; /* marked units whose every byte was written */
    int err;       /* the first write error (errno), or 0 */
    char *error;   /* its text, for the end event */
    crypto_generichash_state digest;
    struct sigaction old_pipe, old_xfsz;
    struct sigaction old_stop[3]; /* SIGHUP, SIGINT, SIGTERM, while a file is unnamed */
    bool guarding;
    /* The writer's own buffer (the stream has none), so that given is exact. */
    size_t buffered;
    unsigned char buf[1 << 16];
    /* The ends of marked units still in buf, oldest first (a ring). */
    int64_t marks[DOUT_MARKS];
    size_t mark_head, mark_count;
};

/* Write out the buffer; count and digest what went, and the units it completed. */
static void
drain(struct dout *w)
{
    size_t done = 0;
    while (done < w->buffered && !w->err) {
        ssize_t k = write(w->fd, w->buf + done, w->buffered - done);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            w->err = k < 0 ? errno : EIO;
            break;
        }
        crypto_generichash_update(&w->digest, w->buf + done, (size_t)k);
        w->bytes += k;
        done += (size_t)k;
        while (w->mark_count && w->marks[w->mark_head] <= w->bytes) {
            w->mark_head = (w->mark_head + 1) % DOUT_MARKS;
            w->mark_count--;
            w->units++;
        }
    }
    w->buffered = 0;
}

static ssize_t
dout_write(void *cookie, const char *buf, size_t n)
{
    struct dout *w = cookie;
    if (w->err)
        return 0; /* the stream's error flag is set: the caller stops */
    w->given += (int64_t)n;
    for (size_t done = 0; done < n;) {
        size_t room = sizeof w->buf - w->buffered, k = n - done < room ? n - done : room;
        memcpy(w->buf + w->buffered, buf + done, k);
        w->buffered += k;
        done += k;
        if (w->buffered == sizeof w->buf)
            drain(w);
        if (w->err)
            return 0;
    }
    return (ssize_t)n;
}

void
dout_mark(struct dout *w)
{
    if (w->err)
        return;
    if (w->mark_count == DOUT_MARKS)
        drain(w);
    if (w->given <= w->bytes) {
        w->units++;
        return;
    }
    w->marks[(w->mark_head + w->mark_count) % DOUT_MARKS] = w->given;
    w->mark_count++;
}

/*
 * The temporary file of the writer under way, for the stop signals: case
 * data never stays behind in it (SPEC section 10).  Only SIGKILL leaves it.
 */
static const char *volatile stop_unlink;
static const int stop_signals[3] = {SIGHUP, SIGINT, SIGTERM};

static void
on_stop(int sig)
{
    const char *path = stop_unlink;
    if (path)
        unlink(path); /* async-signal-safe */
    signal(sig, SIG_DFL);
    raise(sig);
}

static void
guard_temp(struct dout *w)
{
    stop_unlink = w->temp;
    struct sigaction act = {.sa_handler = on_stop};
    sigemptyset(&act.sa_mask);
    for (int i = 0; i < 3; i++)
        sigaction(stop_signals[i], &act, &w->old_stop[i]);
    w->guarding = true;
}

/* The file has its name, or is gone: the signals are the caller's again. */
static void
unguard_temp(struct dout *w)
{
    if (!w->guarding)
        return;
    for (int i = 0; i < 3; i++)
        sigaction(stop_signals[i], &w->old_stop[i], NULL);
    stop_unlink = NULL;
    w->guarding = false;
}

static int
dout_close_cookie(void *cookie)
{
    (void)cookie; /* the descriptor is closed by dout_finish or dout_discard */
    return 0;
}

/* The directory part of path, in a new string. */
static char *
dir_of(const char *path)
{
    char *copy = strdup(path);
    if (!copy)
        return NULL;
    char *dir = strdup(dirname(copy));
    free(copy);
    return dir;
}

struct dout *
dout_open(const char *path, bool replace, char **msg)
{
    *msg = NULL;
    struct dout *w = calloc(1, sizeof *w);
    if (!w || sodium_init() < 0) {
        free(w);
        *msg = tui_printf("out of memory");
        return NULL;
    }
    w->fd = -1;
    w->replace = replace;
    crypto_generichash_init(&w->digest, NULL, 0, 32);
    if (!path) {
        w->fd = STDOUT_FILENO;
    } else {
        struct stat sb;
        if (!replace && lstat(path, &sb) == 0) {
            *msg = tui_printf("%s exists (--force replaces it)", path);
            goto fail;
        }
        char *dir = dir_of(path), *base = strdup(path);
        char *real = dir ? realpath(dir, NULL) : NULL;
        int real_err = errno;
        w->path = strdup(path);
        w->temp = dir && base ? tui_printf("%s/.%s.XXXXXX", dir, basename(base)) : NULL;
        w->where = real && base
                       ? tui_printf("%s%s%s", real, strcmp(real, "/") ? "/" : "", basename(base))
                       : NULL;
        free(dir);
        free(base);
        free(real);
        if (!w->path || !w->temp || !w->where) {
            *msg = !real ? tui_printf("%s: %s", path, strerror(real_err))
                         : tui_printf("out of memory");
            goto fail;
        }
        /*
         * The stop signals wait while the file is made and its guard put in
         * place: one that came in between would leave the file behind.
         * Held back, it comes once the guard is there, which removes the file.
         */
        sigset_t stops, was;
        sigemptyset(&stops);
        for (int i = 0; i < 3; i++)
            sigaddset(&stops, stop_signals[i]);
        sigprocmask(SIG_BLOCK, &stops, &was);
        if ((w->fd = mkstemp(w->temp)) >= 0)
            guard_temp(w);
        sigprocmask(SIG_SETMASK, &was, NULL);
        /* mkstemp creates the file 0600 less the umask; fchmod makes it 0600 whatever. */
        if (w->fd < 0 || fchmod(w->fd, 0600) < 0) {
            *msg = tui_printf("%s: %s", w->fd < 0 ? path : w->temp, strerror(errno));
            goto fail;
        }
    }
    static const cookie_io_functions_t io = {.write = dout_write, .close = dout_close_cookie};
    if (!(w->stream = fopencookie(w, "w", io)) || setvbuf(w->stream, NULL, _IONBF, 0) != 0) {
        *msg = tui_printf("out of memory");
        goto fail;
    }
    /* A closed pipe and a file past its size limit are write errors, not deaths. */
    struct sigaction ign = {.sa_handler = SIG_IGN};
    sigemptyset(&ign.sa_mask);
    sigaction(SIGPIPE, &ign, &w->old_pipe);
    sigaction(SIGXFSZ, &ign, &w->old_xfsz);
    return w;
fail:
    if (w->fd >= 0 && w->path)
        close(w->fd);
    if (w->fd >= 0 && w->temp)
        unlink(w->temp);
    unguard_temp(w);
    free(w->path);
    free(w->temp);
    free(w->where);
    free(w);
    return NULL;
}

FILE *
dout_stream(struct dout *w)
{
    return w->stream;
}

int64_t
dout_rows(const struct dout *w)
{
    return w->units;
}

const char *
dout_destination(const struct dout *w)
{
    return w->where;
}

static void
restore_signals(struct dout *w)
{
    sigaction(SIGPIPE, &w->old_pipe, NULL);
    sigaction(SIGXFSZ, &w->old_xfsz, NULL);
}

static void
note_error(struct dout *w, const char *what, int err)
{
    if (w->error)
        return;
    if (!w->err)
        w->err = err;
    w->error = tui_printf("%s: %s", what, strerror(err));
}

int
dout_finish(struct dout *w, struct cr_disclosure_end *e)
{
    if (fflush(w->stream) == EOF && !w->err)
        w->err = errno ? errno : EIO;
    drain(w);
    if (w->err)
        note_error(w, "write", w->err);
    /* A file is synced: complete means on the disk (standard output too, when a file). */
    struct stat sb;
    bool file = w->path || (fstat(w->fd, &sb) == 0 && S_ISREG(sb.st_mode));
    if (!w->err && file && fsync(w->fd) < 0)
        note_error(w, "sync", errno);
    if (!w->err && w->path) {
        int fd = w->fd;
        w->fd = -1;
        if (close(fd) < 0)
            note_error(w, "close", errno);
    }
    fclose(w->stream); /* the descriptor stays: closed above, or standard output */
    w->stream = NULL;
    restore_signals(w);
    e->complete = !w->err;
    e->error = w->err ? (w->error ? w->error : "write failed") : NULL;
    e->rows = w->units;
    e->bytes = w->bytes;
    crypto_generichash_final(&w->digest, e->digest, 32);
    return w->err ? -1 : 0;
}

static void
dout_free(struct dout *w)
{
    if (w->stream) {
        fclose(w->stream);
        restore_signals(w);
    }
    if (w->path && w->fd >= 0)
        close(w->fd);
    free(w->path);
    free(w->temp);
    free(w->where);
    free(w->error);
    free(w);
}

int
dout_publish(struct dout *w, char **msg)
{
    *msg = NULL;
    if (!w->path) {
        dout_free(w);
        return 0;
    }
    int rc = 0;
    /*
     * Without replace, a file that appeared meanwhile is not replaced either:
     * RENAME_NOREPLACE, or where the file system lacks it, a hard link.
     */
    bool linked = false;
    if (w->replace)
        rc = rename(w->temp, w->path);
    else if ((rc = renameat2(AT_FDCWD, w->temp, AT_FDCWD, w->path, RENAME_NOREPLACE)) < 0 &&
             (errno == EINVAL || errno == ENOSYS)) {
        rc = link(w->temp, w->path);
        linked = true;
    }
    if (rc < 0)
        *msg = tui_printf("%s: %s", w->path, strerror(errno));
    if (rc < 0 || linked)
        unlink(w->temp);
    unguard_temp(w);
    char *dir = dir_of(w->path);
    int dfd = dir ? open(dir, O_RDONLY | O_DIRECTORY) : -1;
    if (dfd >= 0) {
        fsync(dfd); /* the new name survives a crash */
        close(dfd);
    }
    free(dir);
    dout_free(w);
    return rc;
}

void
dout_discard(struct dout *w)
{
    if (!w)
        return;
    if (w->stream) {
        fclose(w->stream);
        w->stream = NULL;
        restore_signals(w);
    }
    if (w->temp)
        unlink(w->temp);
    unguard_temp(w);
    dout_free(w);
}
