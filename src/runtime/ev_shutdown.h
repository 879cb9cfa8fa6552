/*
 * ev_shutdown: the stop request (SIGTERM) and how a blocked wait sees it.
 *
 * Job: Lambda sends SIGTERM before it shuts an execution environment down
 * and allows a short grace period (about 300-500 ms) before SIGKILL. The
 * runtime spends most of its life blocked in GET invocation/next, so the
 * signal must wake that wait at once: the handler sets a flag and writes
 * one byte to a non-blocking self-pipe whose read end the Runtime API
 * client polls beside its socket. The runtime then stops waiting, flushes
 * logs and metrics and exits 0.
 *
 * Process-wide state, necessarily: a signal handler can reach nothing
 * else. ev_shutdown_install replaces the SIGTERM disposition (when asked)
 * and creates the pipe; ev_shutdown_uninstall restores the previous
 * disposition and closes the pipe, so a test process can run the runtime
 * many times.
 *
 * Threads: ev_shutdown_request is async-signal-safe and may be called from
 * any thread or signal handler (lock-free atomics); install/uninstall from
 * one thread. uninstall waits for a request in progress on another thread
 * to finish its write before it closes the pipe.
 * Errors: install returns -1 with err set when the pipe or sigaction fails.
 */
#ifndef EV_RUNTIME_SHUTDOWN_H
#define EV_RUNTIME_SHUTDOWN_H

#include <stdbool.h>

#include "runtime/ev_runtime_error.h"

/* Clears any earlier request, creates the pipe and, when catch_sigterm,
 * routes SIGTERM to ev_shutdown_request. */
int ev_shutdown_install(bool catch_sigterm, ev_runtime_error *err);
void ev_shutdown_uninstall(void);

void ev_shutdown_request(void);
bool ev_shutdown_requested(void);
/* Becomes readable once a stop is requested; -1 when not installed. */
int ev_shutdown_wake_fd(void);

#endif
