/*
 * LD_PRELOAD for the CLI tests: for tests/cli/disclosure.sh, a SIGTERM sent
 * right after mkstemp made a temporary file (with $STOP_AFTER_MKSTEMP set),
 * the moment before the program can have done anything else, so that the
 * test shows what such a signal leaves behind, every time rather than by
 * chance; for tests/cli/import.sh, with $OPEN_LOG set, the name of every
 * file opened with O_CREAT appended to that file, one a line, so that a
 * test sees which journal a write went through.
 */
#undef _FILE_OFFSET_BITS /* both names defined here, neither redirected to the other */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static int
made(int fd)
{
    if (fd >= 0 && getenv("STOP_AFTER_MKSTEMP"))
        raise(SIGTERM);
    return fd;
}

int
mkstemp(char *template)
{
    int (*real)(char *);
    *(void **)&real = dlsym(RTLD_NEXT, "mkstemp");
    return made(real(template));
}

int
mkstemp64(char *template)
{
    int (*real)(char *);
    *(void **)&real = dlsym(RTLD_NEXT, "mkstemp64");
    return made(real(template));
}

/* The name of a file opened to be made if need be, logged to $OPEN_LOG. */
static void
log_open(const char *path, int flags)
{
    const char *log = getenv("OPEN_LOG");
    if (!log || !(flags & O_CREAT))
        return;
    FILE *f = fopen(log, "a");
    if (f) {
        fprintf(f, "%s\n", path);
        fclose(f);
    }
}

/* The libc function name, called on with the mode when the flags make a file. */
static int
logged_open(const char *name, const char *path, int flags, va_list ap)
{
    int mode = flags & O_CREAT ? va_arg(ap, int) : 0;
    int (*real)(const char *, int, ...);
    *(void **)&real = dlsym(RTLD_NEXT, name);
    log_open(path, flags);
    return real(path, flags, mode);
}

int
open(const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    int fd = logged_open("open", path, flags, ap);
    va_end(ap);
    return fd;
}

int
open64(const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    int fd = logged_open("open64", path, flags, ap);
    va_end(ap);
    return fd;
}
