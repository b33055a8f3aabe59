/*
 * LD_PRELOAD for tests/cli/pack.sh: a disk that fills up half-way.  The
 * file whose name (the last part of the path given to openat) is
 * $FULL_FILE opens as usual, but every write(2) to it fails with ENOSPC,
 * as a full disk would: pack must then remove what it wrote and record
 * nothing.  With $PLANT_FILE, a symbolic link to $PLANT_TARGET is planted
 * at that name just before the file is opened (after pack checked the
 * directory): the open must not follow it.
 */
#undef _FILE_OFFSET_BITS /* both names defined here, neither redirected to the other */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

static int full_fd = -1;

static int
watch(const char *path, int fd)
{
    const char *name = getenv("FULL_FILE"), *base = strrchr(path, '/');
    if (fd >= 0 && name && strcmp(base ? base + 1 : path, name) == 0)
        full_fd = fd;
    return fd;
}

/* $PLANT_FILE: a symbolic link to $PLANT_TARGET where the file is about to be made. */
static void
plant(int dirfd, const char *path)
{
    const char *name = getenv("PLANT_FILE"), *target = getenv("PLANT_TARGET");
    const char *base = strrchr(path, '/');
    if (name && target && strcmp(base ? base + 1 : path, name) == 0)
        symlinkat(target, dirfd, path);
}

int
openat(int dirfd, const char *path, int flags, ...)
{
    int (*real)(int, const char *, int, ...);
    *(void **)&real = dlsym(RTLD_NEXT, "openat");
    mode_t mode = 0;
    if (flags & (O_CREAT | O_TMPFILE)) {
        va_list ap;
        va_start(ap, flags);
        mode = (mode_t)va_arg(ap, int);
        va_end(ap);
    }
    plant(dirfd, path);
    return watch(path, real(dirfd, path, flags, mode));
}

int
openat64(int dirfd, const char *path, int flags, ...)
{
    int (*real)(int, const char *, int, ...);
    *(void **)&real = dlsym(RTLD_NEXT, "openat64");
    mode_t mode = 0;
    if (flags & (O_CREAT | O_TMPFILE)) {
        va_list ap;
        va_start(ap, flags);
        mode = (mode_t)va_arg(ap, int);
        va_end(ap);
    }
    plant(dirfd, path);
    return watch(path, real(dirfd, path, flags, mode));
}

ssize_t
write(int fd, const void *buf, size_t n)
{
    ssize_t (*real)(int, const void *, size_t);
    *(void **)&real = dlsym(RTLD_NEXT, "write");
    if (fd >= 0 && fd == full_fd) {
        errno = ENOSPC;
        return -1;
    }
    return real(fd, buf, n);
}

int
close(int fd)
{
    int (*real)(int);
    *(void **)&real = dlsym(RTLD_NEXT, "close");
    if (fd == full_fd)
        full_fd = -1;
    return real(fd);
}
