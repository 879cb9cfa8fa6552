/*
 * ev_runtime_loop: the entry point a bootstrap's main calls.
 *
 *   int main(void)
 *   {
 *       static my_app app;
 *       return ev_runtime_main(NULL, my_init, my_handler, &app);
 *   }
 *
 * Job: start (logger, metrics, SIGTERM handling, Runtime API client), run
 * the init function (posting init/error and exiting when it fails), then
 * loop: GET next, judge the reply (ev_next_reply.h), call the handler with
 * the invocation, post its response or error, flush the metrics, reset the
 * per-invocation arena; until SIGTERM, a Runtime API that is gone, or
 * max_invocations. Every step that fails writes one log line saying what,
 * for which request id, and what happens next.
 *
 * Deadline: the handler gets the deadline (ev_invocation.deadline_ms, and
 * ev_invocation_remaining_ms on the runtime's clock). When the handler
 * returns at or after the deadline, its response is discarded, an ERROR line
 * says by how much it overran, and Runtime.DeadlineExceeded is posted as
 * the invocation's error: a late answer is never posted as if on time. (In
 * AWS, Lambda has usually stopped the invocation by then and the post is
 * refused; the rule matters for emulators and clock edge cases.) An
 * invocation that arrives already past its deadline is answered with the
 * same error without calling the handler.
 *
 * A Runtime API that goes away: a next or a post without an HTTP answer
 * (connection refused or reset), or a next answered with a status other
 * than 200 or 500, is retried after retry_delay_ms, then twice that, up to
 * attempts tries in all (default 3: waits of 100 and 200 ms); then the
 * runtime logs an ERROR and returns EV_RUNTIME_EXIT_API_FAILED. A 500 to
 * next or to a post (the API's "container error") exits at once with the
 * same code. Another refusal of a post (4xx, e.g. an invocation Lambda has
 * already closed) is logged and the loop goes on. Waits never spin: each
 * failed attempt is followed by a wait, and their number is bounded.
 *
 * SIGTERM: a wait in next returns at once; an invocation in progress
 * finishes and its answer is posted; then metrics are flushed, a log line
 * says the runtime is stopping, and ev_runtime_main returns
 * EV_RUNTIME_EXIT_OK.
 *
 * Ownership: cfg, the log and the metrics given in cfg, and app are
 * borrowed for the call. The runtime owns its client, arena and (when not
 * given) its logger and metrics, and frees them before returning.
 * Threads: call from one thread, once at a time per process (SIGTERM
 * handling and _X_AMZN_TRACE_ID are process-wide).
 */
#ifndef EV_RUNTIME_LOOP_H
#define EV_RUNTIME_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/ev_clock.h"
#include "core/ev_log.h"
#include "core/ev_metrics.h"
#include "runtime/ev_handler.h"

/* Process exit statuses (what ev_runtime_main returns). */
#define EV_RUNTIME_EXIT_OK 0 /* SIGTERM, or max_invocations served */
#define EV_RUNTIME_EXIT_INIT_FAILED                                                                          \
    1 /* configuration or init function failed (init/error posted when possible) */
#define EV_RUNTIME_EXIT_API_FAILED 2 /* the Runtime API is gone or answered something unusable */

#define EV_RUNTIME_DEFAULT_MAX_EVENT_BYTES    (6u * 1024u * 1024u) /* Lambda's synchronous payload limit */
#define EV_RUNTIME_DEFAULT_MAX_RESPONSE_BYTES (6u * 1024u * 1024u)
#define EV_RUNTIME_DEFAULT_ARENA_BLOCK_BYTES  (64u * 1024u)
#define EV_RUNTIME_DEFAULT_ATTEMPTS           3
#define EV_RUNTIME_DEFAULT_RETRY_DELAY_MS     100

typedef struct ev_runtime_config {
    const char *api_base_url;      /* NULL: http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime */
    const ev_clock *clock;         /* NULL: system (deadlines, waits, latencies) */
    ev_log *log;                   /* NULL: one from the environment, on stdout */
    ev_metrics *metrics;           /* NULL: one from the environment, on stdout */
    size_t arena_block_bytes;      /* 0: 64 KiB */
    size_t max_event_bytes;        /* 0: 6 MiB */
    size_t max_response_bytes;     /* 0: 6 MiB */
    int attempts;                  /* tries of a call without an answer; 0: 3 */
    int64_t retry_delay_ms;        /* wait before the first retry, doubled after; 0: 100 */
    unsigned long max_invocations; /* 0: no limit (tools and tests stop after n) */
    bool keep_sigterm;             /* true: leave SIGTERM alone (call ev_runtime_request_stop instead) */
} ev_runtime_config;

/* cfg may be NULL (all defaults); init may be NULL. Returns an
 * EV_RUNTIME_EXIT_* status for main to return. */
int ev_runtime_main(const ev_runtime_config *cfg, ev_init_fn init, ev_handler_fn handler, void *app);

/* Asks a running ev_runtime_main to stop as SIGTERM does. Async-signal-safe. */
void ev_runtime_request_stop(void);

#endif
