/*
 * Running the `notify:` command (notify.h).  Core says what the notice is
 * and records a failure; running a process is the program's, here.
 */
#include "notify.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The child: its own group, the real group, nothing open but /dev/null, then the command. */
static void
child(const char *const *argv, int report)
{
    setpgid(0, 0);
    if (setgid(getgid()) != 0)
        _exit(127);
    int null = open("/dev/null", O_RDWR);
    if (null < 0)
        _exit(127);
    for (int fd = 0; fd < 3; fd++)
        dup2(null, fd);
    long max = sysconf(_SC_OPEN_MAX);
    if (max < 0 || max > 65536)
        max = 65536;
    for (int fd = 3; fd < max; fd++)
        if (fd != report)
            close(fd);
    struct sigaction dfl = {.sa_handler = SIG_DFL};
    sigemptyset(&dfl.sa_mask);
    for (int sig = 1; sig < NSIG; sig++)
        sigaction(sig, &dfl, NULL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    execv(argv[0], (char *const *)argv);
    int err = errno;
    if (write(report, &err, sizeof err) < 0)
        _exit(127);
    _exit(127);
}

static double
monotonic(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Run argv for at most timeout seconds: 0, or 1 with why. */
static int
run(const char *const *argv, int timeout, char *why, size_t n)
{
    int pipefd[2];
    if (pipe(pipefd) < 0) {
        snprintf(why, n, "could not be run: %s", strerror(errno));
        return 1;
    }
    fcntl(pipefd[0], F_SETFD, FD_CLOEXEC);
    fcntl(pipefd[1], F_SETFD, FD_CLOEXEC);
    /*
     * SIGCHLD ignored (inherited so from whoever started us) would have the
     * child reaped unseen and waitpid fail: its default while we wait.
     */
    struct sigaction dfl = {.sa_handler = SIG_DFL}, was;
    sigemptyset(&dfl.sa_mask);
    sigaction(SIGCHLD, &dfl, &was);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(why, n, "could not be run: %s", strerror(errno));
        close(pipefd[0]);
        close(pipefd[1]);
        sigaction(SIGCHLD, &was, NULL);
        return 1;
    }
    if (pid == 0)
        child(argv, pipefd[1]);
    close(pipefd[1]);
    /* Its own group at once, as the child makes it: no race with a kill at the timeout. */
    setpgid(pid, pid);
    double deadline = monotonic() + timeout;
    int status = 0;
    bool timed_out = false;
    for (;;) {
        pid_t got = waitpid(pid, &status, WNOHANG);
        if (got == pid)
            break;
        if (got < 0 && errno != EINTR) {
            status = -1;
            break;
        }
        if (monotonic() >= deadline) {
            kill(-pid, SIGKILL);
            kill(pid, SIGKILL);
            while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
            timed_out = true;
            break;
        }
        struct timespec nap = {0, 10 * 1000 * 1000};
        nanosleep(&nap, NULL);
    }
    sigaction(SIGCHLD, &was, NULL);
    int err = 0;
    ssize_t r = read(pipefd[0], &err, sizeof err);
    close(pipefd[0]);
    if (timed_out) {
        snprintf(why, n, "timed out after %d s and was killed", timeout);
        return 1;
    }
    if (r == (ssize_t)sizeof err && err) {
        snprintf(why, n, "could not be run: %s", strerror(err));
        return 1;
    }
    if (status < 0) {
        snprintf(why, n, "could not be waited for");
        return 1;
    }
    if (WIFSIGNALED(status)) {
        snprintf(why, n, "was killed by signal %d", WTERMSIG(status));
        return 1;
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
        snprintf(why, n, "exited with status %d", WEXITSTATUS(status));
        return 1;
    }
    return 0;
}

int
tui_notify(cr_db *db, const struct cr_config *cfg, char *why, size_t n)
{
    const struct cr_notice *notice = cr_last_notice(db);
    if (!cfg || !cfg->notify || !notice)
        return 0;
    size_t argc = 3 + notice->n_recipients;
    const char **argv = calloc(argc + 1, sizeof *argv);
    char number[24];
    snprintf(number, sizeof number, "%lld", (long long)notice->case_id);
    if (!argv) {
        snprintf(why, n, "could not be run: out of memory");
    } else {
        argv[0] = cfg->notify;
        argv[1] = notice->kind;
        argv[2] = number;
        for (size_t i = 0; i < notice->n_recipients; i++)
            argv[3 + i] = notice->recipients[i];
        if (run(argv, cfg->notify_timeout, why, n) == 0) {
            free(argv);
            return 0;
        }
    }
    free(argv);
    /* The action stands; the failure is recorded if it can be (and said by the caller). */
    cr_notice_failed(db, notice, why);
    return 1;
}
