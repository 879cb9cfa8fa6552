/* ev_shutdown: SIGTERM to a flag and a self-pipe. See ev_shutdown.h. */
#include "runtime/ev_shutdown.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

/* Lock-free atomics: safe from a signal handler and across threads (a
 * volatile sig_atomic_t is only the former: a request from another thread
 * raced with the loop's reads). requesters counts the callers between
 * reading pipe_write_fd and their write, so close_pipe never closes the fd
 * under a write (the number could be reused by then, and the byte land in
 * some other file). */
_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "the stop flag must be lock-free to be set from a signal handler");
static atomic_int stop_requested;
static atomic_int pipe_write_fd = -1;
static atomic_int requesters;
static int pipe_read_fd = -1;
static bool handler_installed;
static struct sigaction previous_action;

void ev_shutdown_request(void)
{
    int saved = errno;
    atomic_store(&stop_requested, 1);
    atomic_fetch_add(&requesters, 1);
    int fd = atomic_load(&pipe_write_fd);
    if (fd >= 0) {
        /* Full pipe (EAGAIN) is fine: it is readable already. */
        ssize_t n = write(fd, "x", 1);
        (void)n;
    }
    atomic_fetch_sub(&requesters, 1);
    errno = saved;
}

static void on_sigterm(int sig)
{
    (void)sig;
    ev_shutdown_request();
}

bool ev_shutdown_requested(void)
{
    return atomic_load(&stop_requested) != 0;
}

int ev_shutdown_wake_fd(void)
{
    return pipe_read_fd;
}

static void close_pipe(void)
{
    int w = atomic_exchange(&pipe_write_fd, -1);
    /* A request that read the fd before the exchange finishes its write
     * first: a non-blocking write of one byte, so the wait is short. */
    while (atomic_load(&requesters) > 0)
        sched_yield();
    if (w >= 0)
        close(w);
    if (pipe_read_fd >= 0)
        close(pipe_read_fd);
    pipe_read_fd = -1;
}

int ev_shutdown_install(bool catch_sigterm, ev_runtime_error *err)
{
    ev_shutdown_uninstall();
    atomic_store(&stop_requested, 0);
    int fds[2];
    if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0)
        return ev_runtime_error_set(err, EV_RUNTIME_ERR_CONFIG, "cannot create the shutdown pipe: %s",
                                    strerror(errno));
    pipe_read_fd = fds[0];
    atomic_store(&pipe_write_fd, fds[1]);
    if (!catch_sigterm)
        return 0;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigterm;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; /* no SA_RESTART: a blocking call returns EINTR and the loop looks at the flag */
    if (sigaction(SIGTERM, &sa, &previous_action) != 0) {
        int e = errno;
        close_pipe();
        return ev_runtime_error_set(err, EV_RUNTIME_ERR_CONFIG, "cannot install the SIGTERM handler: %s",
                                    strerror(e));
    }
    handler_installed = true;
    return 0;
}

void ev_shutdown_uninstall(void)
{
    if (handler_installed) {
        sigaction(SIGTERM, &previous_action, NULL);
        handler_installed = false;
    }
    close_pipe();
}
