/*
 * ev_lambda_emu: the Lambda service, locally: runs the real bootstrap
 * binaries and speaks the Runtime API (2018-06-01) to them.
 *
 * Job: for each function, up to max_instances execution environments.
 * Each is one child process (posix_spawn, its own process group) with the
 * function's environment plus AWS_LAMBDA_RUNTIME_API pointing at the
 * instance's own loopback port (one libmicrohttpd daemon per instance, so
 * an invocation always belongs to the process that took it). An
 * invocation waits in the function's queue until an instance calls
 * GET invocation/next, which answers it with Lambda-Runtime-Aws-Request-Id,
 * -Deadline-Ms (dispatch time + Timeout), -Invoked-Function-Arn and
 * -Trace-Id; the instance's POST .../response or .../error completes it.
 *
 * Failures, as Lambda treats them:
 *   - the process exits or crashes during an invocation: that invocation
 *     fails (status crash, Runtime.ExitError); the instance restarts;
 *   - it is still running at the deadline (+100 ms): it is killed
 *     (SIGKILL), the invocation fails (status timeout,
 *     Sandbox.Timedout); the instance restarts;
 *   - an answer after the deadline: status timeout;
 *   - POST init/error, or an exit before the first next: restarted after a
 *     backoff (200 ms doubling to 10 s), the error logged; the oldest
 *     waiting invocation, if any, fails with the init error (status error);
 *   - an invocation no instance takes within Timeout + 10 s (init keeps
 *     failing): status error, Runtime.Unavailable.
 * Scaling: one instance per function starts with ev_emu_start (init errors
 * show at once); more start while invocations wait and every instance is
 * busy, up to max_instances.
 *
 * Ownership: the emulator copies its configuration; results are the
 * caller's (ev_emu_result_free). Threads: ev_emu_invoke blocks its caller
 * and may be called from many threads at once (each waits on its own
 * condition: the end of an invocation wakes its caller only); one
 * supervisor thread reaps, times out and restarts (woken by an invocation
 * only when no instance is free for it, else every 20 ms); each instance's
 * daemon runs a thread per connection. Errors: ev_ds_error, 0/-1.
 */
#ifndef EV_DEVSERVER_LAMBDA_EMU_H
#define EV_DEVSERVER_LAMBDA_EMU_H

#include <stddef.h>
#include <stdint.h>

#include "core/ev_buf.h"
#include "devserver/ev_activity.h"
#include "devserver/ev_ds_error.h"

#define EV_EMU_MAX_RESPONSE_BYTES (6u * 1024u * 1024u)

typedef struct ev_emu ev_emu;

typedef struct ev_emu_function_config {
    const char *logical_id; /* "IngestionFunction" (logs, dashboard) */
    const char *name;       /* AWS_LAMBDA_FUNCTION_NAME */
    const char *arn;        /* Lambda-Runtime-Invoked-Function-Arn */
    const char *bootstrap;  /* the program to run */
    const char *const *env; /* "NAME=value" strings (the whole environment but AWS_LAMBDA_RUNTIME_API) */
    size_t env_count;
    int timeout_s;
    int max_instances; /* >= 1 */
} ev_emu_function_config;

typedef enum ev_emu_status {
    EV_EMU_OK = 0,
    EV_EMU_ERROR,   /* the function answered invocation/error (or none could start) */
    EV_EMU_TIMEOUT, /* past its deadline */
    EV_EMU_CRASH    /* the process ended during the invocation */
} ev_emu_status;

typedef struct ev_emu_result {
    ev_emu_status status;
    ev_buf body; /* the response, or the error document */
    char error_type[128];
    char request_id[40];
    int64_t duration_ms;
} ev_emu_result;

ev_emu *ev_emu_new(ev_activity *activity, ev_ds_error *err);
/* Returns the function's index, or -1. Before ev_emu_start. */
int ev_emu_add_function(ev_emu *e, const ev_emu_function_config *cfg, ev_ds_error *err);
int ev_emu_start(ev_emu *e, ev_ds_error *err);
/* Runs one invocation and waits for its end. trace_id may be NULL (one is made). */
int ev_emu_invoke(ev_emu *e, int function, const char *event, size_t len, const char *trace_id,
                  ev_emu_result *out);
void ev_emu_result_init(ev_emu_result *r);
void ev_emu_result_free(ev_emu_result *r);
const char *ev_emu_status_name(ev_emu_status s); /* "ok", "error", "timeout", "crash" */
/* Live instances and restarts so far. */
void ev_emu_stats(ev_emu *e, int function, int *instances, int *restarts);
int ev_emu_function_count(const ev_emu *e);
const char *ev_emu_function_id(const ev_emu *e, int function);
/* SIGTERM to every instance (by PID), SIGKILL after 2 s, daemons closed;
 * waiting invocations end with status error. Idempotent. */
void ev_emu_stop(ev_emu *e);
void ev_emu_free(ev_emu *e);

#endif
