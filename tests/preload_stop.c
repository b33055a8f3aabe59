/*
 * LD_PRELOAD for tests/cli/disclosure.sh: a SIGTERM sent right after
 * mkstemp made a temporary file (with $STOP_AFTER_MKSTEMP set), the moment
 * before the program can have done anything else, so that the test shows
 * what such a signal leaves behind, every time rather than by chance.
 */
#undef _FILE_OFFSET_BITS /* both names defined here, neither redirected to the other */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <signal.h>
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
