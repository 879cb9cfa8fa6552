/*
 * startup_probe: how long a Lambda bootstrap takes from process start to
 * its first GET invocation/next, and how much memory it holds by then.
 *
 *   startup_probe [--runs N] [--warmup N] [--timeout-ms N] [--log FILE] -- PROGRAM [ARG...]
 *
 * Job: the probe is a tiny fake Runtime API on loopback. For each run it
 * reads the monotonic clock, spawns PROGRAM with AWS_LAMBDA_RUNTIME_API set
 * to its own listening socket (127.0.0.1, a port the kernel picked), and
 * takes the time again when the first request's header has arrived. That
 * request must be GET /2018-06-01/runtime/invocation/next (an init/error, or
 * anything else, fails the run and is printed). Then it reads the child's
 * VmHWM from /proc, sends SIGTERM (the runtime stops cleanly while waiting
 * in next; a Python loop dies of it; a child still alive 2 s later is
 * killed and the run fails), and collects the child with wait4,
 * whose ru_maxrss is the peak resident set of the child's life.
 *
 * Linux records in a child's ru_maxrss the peak of the memory it had before
 * exec too, that is the spawning process's: this probe therefore links
 * nothing but libc and stays small, and reports its own peak
 * (probe_peak_kib) so a reader can see it is below every figure measured.
 * VmHWM (the image after exec only) is reported beside it as a cross-check.
 * The child's CPU time (user + system, from wait4) is reported too: unlike
 * the wall time it hardly moves when other processes load the machine; the
 * child spends next to nothing between its first request and its exit.
 * So are its minor page faults (the pages it touched), which load does not
 * move at all.
 *
 * Output: one JSON object on stdout with every run's figures (the report
 * computes medians and percentiles: bench/startup/report.py). Warm-up runs
 * (default 3) are not reported. Exit status 0, or 1 when a run failed (the
 * reason on stderr).
 *
 * Ownership: nothing outlives a run but the listening socket. Threads: one.
 * Errors: each failure prints what, for which run, and why, then exits 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define MAX_RUNS  10000
#define REQ_BYTES 8192

typedef struct probe_opts {
    int runs;
    int warmup;
    int timeout_ms;
    const char *log_path;
    char **argv; /* PROGRAM [ARG...] */
} probe_opts;

typedef struct run_result {
    double start_ms; /* spawn to the first request's header */
    long maxrss_kib; /* wait4's ru_maxrss */
    long hwm_kib;    /* /proc/PID/status VmHWM at the first request, -1 if unreadable */
    double cpu_ms;   /* wait4's user + system time of the child's whole life */
    long minflt;     /* wait4's minor page faults: pages the child touched */
} run_result;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* VmHWM (or another "Key:   N kB" line) of a process, in KiB; -1 if absent. */
static long proc_status_kib(const char *pid_or_self, const char *key)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%s/status", pid_or_self);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    long v = -1;
    size_t klen = strlen(key);
    while (fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
            v = strtol(line + klen + 1, NULL, 10);
            break;
        }
    }
    fclose(f);
    return v;
}

static int usage(void)
{
    fprintf(
        stderr,
        "usage: startup_probe [--runs N] [--warmup N] [--timeout-ms N] [--log FILE] -- PROGRAM [ARG...]\n");
    return 2;
}

static int parse_int(const char *s, int lo, int hi, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
        return -1;
    *out = (int)v;
    return 0;
}

static int parse_opts(int argc, char **argv, probe_opts *o)
{
    o->runs = 30;
    o->warmup = 3;
    o->timeout_ms = 20000;
    o->log_path = "/dev/null";
    o->argv = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) {
            if (i + 1 >= argc)
                return -1;
            o->argv = argv + i + 1;
            return 0;
        }
        if (i + 1 >= argc)
            return -1;
        const char *v = argv[++i];
        if (strcmp(a, "--runs") == 0) {
            if (parse_int(v, 1, MAX_RUNS, &o->runs) != 0)
                return -1;
        } else if (strcmp(a, "--warmup") == 0) {
            if (parse_int(v, 0, 1000, &o->warmup) != 0)
                return -1;
        } else if (strcmp(a, "--timeout-ms") == 0) {
            if (parse_int(v, 1, 600000, &o->timeout_ms) != 0)
                return -1;
        } else if (strcmp(a, "--log") == 0) {
            o->log_path = v;
        } else {
            return -1;
        }
    }
    return -1;
}

static int listen_loopback(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa.sin_port = 0;
    socklen_t len = sizeof sa;
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, 16) != 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &len) != 0) {
        close(fd);
        return -1;
    }
    *port = ntohs(sa.sin_port);
    return fd;
}

/* Spawns the program with stdout and stderr appended to log_path. */
static pid_t spawn_child(char **argv, const char *log_path)
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    pid_t pid;
    int rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        fprintf(stderr, "startup_probe: cannot start %s: %s\n", argv[0], strerror(rc));
        return -1;
    }
    return pid;
}

/* Waits for a connection and its first request header; -1 with a reason
 * on stderr when the child exits first, the time runs out, or I/O fails.
 * On success *t_ms is the time the header was complete. */
static int first_request(int lfd, pid_t pid, int timeout_ms, char *req, size_t cap, double *t_ms,
                         int *child_status, struct rusage *ru)
{
    double t_end = now_ms() + timeout_ms;
    int cfd = -1;
    size_t got = 0;
    *child_status = -1;
    for (;;) {
        struct pollfd p = {.fd = cfd >= 0 ? cfd : lfd, .events = POLLIN};
        int r = poll(&p, 1, 20);
        if (r < 0 && errno != EINTR)
            break;
        if (r > 0 && cfd < 0) {
            cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
            if (cfd < 0)
                break;
            continue;
        }
        if (r > 0) {
            ssize_t n = read(cfd, req + got, cap - 1 - got);
            if (n <= 0)
                break;
            got += (size_t)n;
            req[got] = '\0';
            if (strstr(req, "\r\n\r\n") != NULL) {
                *t_ms = now_ms();
                return cfd;
            }
            if (got == cap - 1)
                break;
            continue;
        }
        if (cfd < 0 && wait4(pid, child_status, WNOHANG, ru) == pid) {
            fprintf(stderr, "startup_probe: the program exited before its first request (status 0x%x)\n",
                    (unsigned)*child_status);
            return -1;
        }
        if (now_ms() > t_end) {
            fprintf(stderr, "startup_probe: no complete request within %d ms\n", timeout_ms);
            break;
        }
    }
    if (cfd >= 0)
        close(cfd);
    return -1;
}

/* Stops and collects the child; 0 when it ended as a bootstrap should on
 * SIGTERM (exit 0, or killed by the signal) within STOP_GRACE_MS. A child
 * still alive then (say, blocked in a post the probe never answers) is
 * killed with SIGKILL and the run fails, so the probe never hangs. */
#define STOP_GRACE_MS 2000
static int stop_child(pid_t pid, int *status, struct rusage *ru)
{
    kill(pid, SIGTERM);
    double t_end = now_ms() + STOP_GRACE_MS;
    pid_t r;
    while ((r = wait4(pid, status, WNOHANG, ru)) == 0 && now_ms() < t_end) {
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    if (r == 0) {
        kill(pid, SIGKILL);
        while (wait4(pid, status, 0, ru) < 0 && errno == EINTR) {
        }
        fprintf(stderr, "startup_probe: the program was still running %d ms after SIGTERM: killed\n",
                STOP_GRACE_MS);
        return -1;
    }
    if (r < 0)
        return -1;
    if (WIFEXITED(*status) && WEXITSTATUS(*status) == 0)
        return 0;
    if (WIFSIGNALED(*status) && WTERMSIG(*status) == SIGTERM)
        return 0;
    return -1;
}

static int one_run(const probe_opts *o, int lfd, int run, run_result *res)
{
    static char req[REQ_BYTES];
    req[0] = '\0';
    double t0 = now_ms();
    pid_t pid = spawn_child(o->argv, o->log_path);
    if (pid < 0)
        return -1;
    double t1 = 0;
    int status;
    struct rusage ru;
    int cfd = first_request(lfd, pid, o->timeout_ms, req, sizeof req, &t1, &status, &ru);
    if (cfd < 0) {
        if (status == -1) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
        }
        fprintf(stderr, "startup_probe: run %d of %s failed\n", run, o->argv[0]);
        return -1;
    }
    char pidtext[32];
    snprintf(pidtext, sizeof pidtext, "%d", (int)pid);
    res->hwm_kib = proc_status_kib(pidtext, "VmHWM");
    const char *want = "GET /2018-06-01/runtime/invocation/next ";
    int ok_request = strncmp(req, want, strlen(want)) == 0;
    int stopped = stop_child(pid, &status, &ru);
    close(cfd);
    if (!ok_request) {
        char *eol = strstr(req, "\r\n");
        if (eol != NULL)
            *eol = '\0';
        fprintf(stderr, "startup_probe: run %d: the first request was \"%.200s\", not GET invocation/next\n",
                run, req);
        return -1;
    }
    if (stopped != 0) {
        fprintf(stderr, "startup_probe: run %d: the program did not stop cleanly on SIGTERM (status 0x%x)\n",
                run, (unsigned)status);
        return -1;
    }
    res->start_ms = t1 - t0;
    res->maxrss_kib = ru.ru_maxrss;
    res->minflt = ru.ru_minflt;
    res->cpu_ms = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
                  (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
    return 0;
}

static void print_json(const probe_opts *o, const run_result *r, int n)
{
    printf("{\"program\":\"%s\",\"runs\":%d,\"warmup\":%d,\"probe_peak_kib\":%ld,\"start_ms\":[", o->argv[0],
           n, o->warmup, proc_status_kib("self", "VmHWM"));
    for (int i = 0; i < n; i++)
        printf("%s%.3f", i ? "," : "", r[i].start_ms);
    printf("],\"maxrss_kib\":[");
    for (int i = 0; i < n; i++)
        printf("%s%ld", i ? "," : "", r[i].maxrss_kib);
    printf("],\"hwm_kib\":[");
    for (int i = 0; i < n; i++)
        printf("%s%ld", i ? "," : "", r[i].hwm_kib);
    printf("],\"cpu_ms\":[");
    for (int i = 0; i < n; i++)
        printf("%s%.3f", i ? "," : "", r[i].cpu_ms);
    printf("],\"minflt\":[");
    for (int i = 0; i < n; i++)
        printf("%s%ld", i ? "," : "", r[i].minflt);
    printf("]}\n");
}

int main(int argc, char **argv)
{
    probe_opts o;
    if (parse_opts(argc, argv, &o) != 0)
        return usage();
    signal(SIGPIPE, SIG_IGN);
    int port;
    int lfd = listen_loopback(&port);
    if (lfd < 0) {
        fprintf(stderr, "startup_probe: cannot listen on 127.0.0.1: %s\n", strerror(errno));
        return 1;
    }
    char api[32];
    snprintf(api, sizeof api, "127.0.0.1:%d", port);
    setenv("AWS_LAMBDA_RUNTIME_API", api, 1);
    static run_result results[MAX_RUNS];
    for (int i = 0; i < o.warmup + o.runs; i++) {
        run_result r;
        if (one_run(&o, lfd, i, &r) != 0) {
            close(lfd);
            return 1;
        }
        if (i >= o.warmup)
            results[i - o.warmup] = r;
    }
    close(lfd);
    print_json(&o, results, o.runs);
    return 0;
}
