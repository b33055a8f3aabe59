/*
 * Running the `notify:` command (notify.h).  Core says what the notice is
 * and records a failure; running a process is the program's, here.
 *
 * Three processes below the program: the runner (one a session, forked
 * before the database opens), a watchdog a notice (forked by the runner,
 * which reaps them, at most WATCHDOGS_MAX at once, the notices after them
 * waiting in order), and the command (the watchdog's child, in a group of
 * its own).  The program and the runner
 * speak over a socket pair of packets: a notice one way ("KIND\0CASE\0
 * LOGIN\0..."), a failure's report the other (its text).
 */
#define _GNU_SOURCE /* setresgid, getresgid */
#include "notify.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The largest notice handed over: the kind, the number and a roster's logins fit many times. */
/*
 * WATCHDOGS_MAX: the commands run at once; the runner keeps the notices
 * after them in order (a bulk assign of a thousand cases is a thousand
 * notices).  HAND_OVER_MS: how long the program waits for room on the
 * socket when the runner is behind (it only queues, so never long).
 */
enum { NOTICE_MAX = 60000, REPORT_MAX = 400, WATCHDOGS_MAX = 8, HAND_OVER_MS = 5000 };

/* The program's side: the runner and its end of the pair (-1: none, and why). */
static struct {
    pid_t pid;
    int fd;
    char why[160];
} runner = {0, -1, "the process that runs it was not started"};

/* The runner's side: what it was forked with (its own copy, by the fork). */
static struct tui_notify_setup setup;

/* Everything but fd 0, 1, 2 and keep closed. */
static void
close_from_3(int keep)
{
    long max = sysconf(_SC_OPEN_MAX);
    if (max < 0 || max > 65536)
        max = 65536;
    for (int fd = 3; fd < max; fd++)
        if (fd != keep)
            close(fd);
}

/* /dev/null on 0, 1 and 2: false if it cannot be opened. */
static bool
null_stdio(void)
{
    int null = open("/dev/null", O_RDWR);
    if (null < 0)
        return false;
    for (int fd = 0; fd < 3; fd++)
        dup2(null, fd);
    if (null > 2)
        close(null);
    return true;
}

/*
 * The command: its own group, the user's own group ids (real, effective
 * and saved: a setgid runner's service group is not passed on), nothing
 * open but /dev/null, default signals, then the command.  An exec that
 * fails writes its errno to report.
 */
_Noreturn static void
child(const char *const *argv, int report)
{
    setpgid(0, 0);
    int err = 0;
    gid_t g = getgid(), r, e, s;
    if (setresgid(g, g, g) != 0 || getresgid(&r, &e, &s) != 0 || r != g || e != g || s != g)
        err = errno ? errno : EPERM;
    else if (!null_stdio())
        err = errno;
    if (!err) {
        close_from_3(report);
        struct sigaction dfl = {.sa_handler = SIG_DFL};
        sigemptyset(&dfl.sa_mask);
        for (int sig = 1; sig < NSIG; sig++)
            sigaction(sig, &dfl, NULL);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        execv(argv[0], (char *const *)argv);
        err = errno;
    }
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
    /* SIGCHLD at its default, whatever the program had: the command is waited for here. */
    struct sigaction dfl = {.sa_handler = SIG_DFL};
    sigemptyset(&dfl.sa_mask);
    sigaction(SIGCHLD, &dfl, NULL);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(why, n, "could not be run: %s", strerror(errno));
        close(pipefd[0]);
        close(pipefd[1]);
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
        if (got == pid) {
            /*
             * What the command left running in its group (a `cmd &`) gets
             * the rest of the time, then is killed with the group.
             */
            while (kill(-pid, 0) == 0 && monotonic() < deadline) {
                struct timespec nap = {0, 10 * 1000 * 1000};
                nanosleep(&nap, NULL);
            }
            kill(-pid, SIGKILL);
            break;
        }
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

/*
 * The purpose the session had when it handed the notice over (a purpose
 * chosen on the workstation's purpose screen comes after the runner was
 * forked), set by parse_notice; "" for none.  Runner and watchdog side.
 */
static const char *notice_purpose = "";

/*
 * Record the failure as the session would have (its person, Unix login and
 * purpose), on a handle of this process's own; then tell the program, if
 * it still listens.  Runner side.
 */
static void
failed(int sock, const struct cr_notice *notice, const char *why)
{
    cr_db *db = NULL;
    enum cr_status st = cr_db_open(setup.db_path, setup.open_flags, setup.clock, NULL, &db);
    if (st == CR_OK) {
        cr_db_set_user(db, setup.cfg, setup.who);
        st = cr_db_set_os_login(db, setup.os_login);
        if (st == CR_OK && *notice_purpose)
            st = cr_db_set_purpose(db, notice_purpose);
        if (st == CR_OK)
            st = cr_notice_failed(db, notice, why);
    }
    char text[REPORT_MAX];
    int len = snprintf(text, sizeof text, "notify: %s on case %lld failed: %s%s%s", notice->kind,
                       (long long)notice->case_id, why, st == CR_OK ? "" : "; not recorded: ",
                       st == CR_OK ? ""
                       : db        ? cr_db_errmsg(db)
                                   : cr_status_text(st));
    cr_db_close(db);
    if (len > 0)
        send(sock, text, strlen(text), MSG_DONTWAIT | MSG_NOSIGNAL);
}

/* One notice: run the command, wait for it at most its timeout, report a failure. */
_Noreturn static void
watchdog(int sock, const struct cr_notice *notice)
{
    size_t argc = 3 + notice->n_recipients;
    const char **argv = calloc(argc + 1, sizeof *argv);
    char number[24], why[200];
    snprintf(number, sizeof number, "%lld", (long long)notice->case_id);
    if (!argv) {
        failed(sock, notice, "could not be run: out of memory");
        _exit(1);
    }
    argv[0] = setup.cfg->notify;
    argv[1] = notice->kind;
    argv[2] = number;
    for (size_t i = 0; i < notice->n_recipients; i++)
        argv[3 + i] = notice->recipients[i];
    if (run(argv, setup.cfg->notify_timeout, why, sizeof why) != 0)
        failed(sock, notice, why);
    _exit(0);
}

/*
 * A notice from its packet: "KIND\0CASE\0PURPOSE\0LOGIN\0...", the logins
 * (and notice_purpose) pointing into buf.
 */
static bool
parse_notice(char *buf, size_t len, struct cr_notice *out, const char **logins, size_t max)
{
    if (len == 0 || buf[len - 1] != '\0')
        return false;
    const char *field[3];
    size_t k = 0, n = 0;
    for (size_t at = 0; at < len; at += strlen(buf + at) + 1) {
        if (k < 3)
            field[k++] = buf + at;
        else if (n < max)
            logins[n++] = buf + at;
        else
            return false;
    }
    if (k < 3)
        return false;
    notice_purpose = field[2];
    char *end;
    long long id = strtoll(field[1], &end, 10);
    if (*end || end == field[1])
        return false;
    *out = (struct cr_notice){
        .kind = field[0], .case_id = id, .n_recipients = n, .recipients = logins};
    return true;
}

/* Start a watchdog for the notice in buf; false when none could be forked (reported). */
static bool
start_watchdog(int sock, char *buf, size_t len)
{
    static const char *logins[NOTICE_MAX / 2];
    struct cr_notice notice;
    if (!parse_notice(buf, len, &notice, logins, sizeof logins / sizeof logins[0]))
        return false;
    pid_t pid = fork();
    if (pid == 0)
        watchdog(sock, &notice);
    if (pid < 0) {
        char why[200];
        snprintf(why, sizeof why, "could not be run: %s", strerror(errno));
        failed(sock, &notice, why);
        return false;
    }
    return true;
}

/* The notices handed over and not yet started, in order. */
struct waiting {
    char **buf;
    size_t *len;
    size_t head, n, cap;
};

static bool
waiting_add(struct waiting *w, const char *buf, size_t len)
{
    if (w->head == w->n)
        w->head = w->n = 0;
    if (w->n == w->cap) {
        size_t cap = w->cap ? 2 * w->cap : 64;
        char **b = realloc(w->buf, cap * sizeof *b);
        if (b)
            w->buf = b;
        size_t *l = b ? realloc(w->len, cap * sizeof *l) : NULL;
        if (!l)
            return false;
        w->len = l;
        w->cap = cap;
    }
    if (!(w->buf[w->n] = malloc(len)))
        return false;
    memcpy(w->buf[w->n], buf, len);
    w->len[w->n++] = len;
    return true;
}

/*
 * The runner: a session of its own (no terminal, so no hangup from one),
 * /dev/null on 0, 1 and 2, nothing else open but its end of the pair.  It
 * takes every notice as it comes and starts a watchdog for each, at most
 * WATCHDOGS_MAX at a time, the rest waiting in order; it ends when the
 * program's end is closed and every notice has its watchdog.
 */
_Noreturn static void
run_notices(int sock)
{
    setsid();
    if (!null_stdio())
        _exit(1);
    close_from_3(sock);
    struct sigaction sa = {.sa_handler = SIG_DFL};
    sigemptyset(&sa.sa_mask);
    for (int sig = 1; sig < NSIG; sig++)
        sigaction(sig, &sa, NULL);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    static char buf[NOTICE_MAX];
    struct waiting w = {0};
    int running = 0;
    bool open = true;
    for (;;) {
        /* The watchdogs that ended (SIGCHLD at its default: reaped here, counted). */
        while (running > 0 && waitpid(-1, NULL, WNOHANG) > 0)
            running--;
        while (running < WATCHDOGS_MAX && w.head < w.n) {
            if (start_watchdog(sock, w.buf[w.head], w.len[w.head]))
                running++;
            free(w.buf[w.head++]);
        }
        if (!open && w.head == w.n) {
            /* The last watchdogs go on by themselves (init reaps them). */
            _exit(0);
        }
        /* While watchdogs run, look again every 20 ms for one that ended. */
        struct pollfd pf = {sock, POLLIN, 0};
        int ready = poll(&pf, open ? 1 : 0, running > 0 || w.head < w.n ? 20 : -1);
        if (ready <= 0 || !open)
            continue;
        ssize_t got = recv(sock, buf, sizeof buf, MSG_DONTWAIT);
        if (got == 0) {
            open = false;
        } else if (got < 0) {
            if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK)
                open = false;
        } else if (!waiting_add(&w, buf, (size_t)got)) {
            struct cr_notice notice;
            static const char *logins[NOTICE_MAX / 2];
            if (parse_notice(buf, (size_t)got, &notice, logins, sizeof logins / sizeof logins[0]))
                failed(sock, &notice, "could not be run: out of memory");
        }
    }
}

void
tui_notify_begin(const struct tui_notify_setup *s)
{
    if (runner.fd >= 0) {
        /* A runner before this one ends once it has started what it was handed. */
        close(runner.fd);
        runner.fd = -1;
        waitpid(runner.pid, NULL, WNOHANG);
    }
    if (!s->cfg || !s->cfg->notify)
        return;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
        snprintf(runner.why, sizeof runner.why, "no socket for the process that runs it: %s",
                 strerror(errno));
        return;
    }
    setup = *s;
    pid_t pid = fork();
    if (pid == 0) {
        close(sv[0]);
        run_notices(sv[1]);
    }
    int err = errno;
    close(sv[1]);
    if (pid < 0) {
        close(sv[0]);
        snprintf(runner.why, sizeof runner.why, "the process that runs it could not start: %s",
                 strerror(err));
        return;
    }
    runner.pid = pid;
    runner.fd = sv[0];
}

/* s and its NUL at p; where the next field goes. */
static char *
put_field(char *p, const char *s)
{
    size_t len = strlen(s) + 1;
    memcpy(p, s, len);
    return p + len;
}

/* Hand one notice to the runner; 0, or 1 with why said and the failure recorded. */
static int
hand_over(cr_db *db, const struct cr_notice *notice, char *why, size_t n)
{
    /* "KIND\0CASE\0PURPOSE\0LOGIN\0...": no login or purpose holds a NUL. */
    char number[24];
    snprintf(number, sizeof number, "%lld", (long long)notice->case_id);
    const char *purpose = cr_db_purpose(db) ? cr_db_purpose(db) : "";
    size_t len = strlen(notice->kind) + 1 + strlen(number) + 1 + strlen(purpose) + 1;
    for (size_t i = 0; i < notice->n_recipients; i++)
        len += strlen(notice->recipients[i]) + 1;
    char *buf = len <= NOTICE_MAX ? malloc(len) : NULL;
    if (!buf) {
        snprintf(why, n, "could not be run: %s",
                 len > NOTICE_MAX ? "too many recipients to hand over" : "out of memory");
    } else {
        char *p = put_field(put_field(put_field(buf, notice->kind), number), purpose);
        for (size_t i = 0; i < notice->n_recipients; i++)
            p = put_field(p, notice->recipients[i]);
        ssize_t sent = -1;
        if (runner.fd >= 0) {
            for (;;) {
                sent = send(runner.fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
                if (sent >= 0)
                    break;
                if (errno == EINTR)
                    continue;
                /* The runner is behind (it only queues): wait for room, a while. */
                struct pollfd pf = {runner.fd, POLLOUT, 0};
                if ((errno != EAGAIN && errno != EWOULDBLOCK) || poll(&pf, 1, HAND_OVER_MS) <= 0)
                    break;
            }
            if (sent < 0)
                snprintf(runner.why, sizeof runner.why,
                         "the process that runs it does not take it: %s", strerror(errno));
        }
        free(buf);
        if (sent == (ssize_t)len)
            return 0;
        snprintf(why, n, "could not be run: %s", runner.why);
    }
    /* The action stands; the failure is recorded if it can be (and said by the caller). */
    cr_notice_failed(db, notice, why);
    return 1;
}

int
tui_notify(cr_db *db, const struct cr_config *cfg, char *why, size_t n)
{
    if (!cfg || !cfg->notify)
        return 0;
    /* Each notice of the action: a bulk assign has one per case. */
    int failed = 0;
    const struct cr_notice *notice;
    for (size_t i = 0; (notice = cr_last_notice_at(db, i)); i++)
        failed += hand_over(db, notice, why, n);
    return failed;
}

bool
tui_notify_report(char *text, size_t n)
{
    if (runner.fd < 0 || n == 0)
        return false;
    ssize_t got;
    while ((got = recv(runner.fd, text, n - 1, MSG_DONTWAIT)) < 0 && errno == EINTR)
        ;
    if (got > 0) {
        text[got] = '\0';
        return true;
    }
    if (got == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
        /* The runner and its watchdogs are gone (the runner killed): reap it, say so next time. */
        snprintf(runner.why, sizeof runner.why, "the process that runs it has ended");
        close(runner.fd);
        runner.fd = -1;
        if (runner.pid > 0)
            waitpid(runner.pid, NULL, WNOHANG);
    }
    return false;
}
