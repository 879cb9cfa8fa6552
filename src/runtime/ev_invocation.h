/*
 * ev_invocation: what a handler knows about the invocation it serves.
 *
 * Job: the Lambda context of one invocation, read from the reply to
 * GET invocation/next:
 *   request_id        Lambda-Runtime-Aws-Request-Id (never NULL, never "")
 *   deadline_ms       Lambda-Runtime-Deadline-Ms: Unix epoch milliseconds by
 *                     which the response must be posted. Give it to the AWS
 *                     clients so their calls and retries stop in time, and
 *                     ask ev_invocation_remaining_ms before starting work
 *   function_arn      Lambda-Runtime-Invoked-Function-Arn ("" when absent)
 *   trace_id          Lambda-Runtime-Trace-Id (NULL when absent; the runtime
 *                     also sets or unsets _X_AMZN_TRACE_ID to match)
 *   client_context    Lambda-Runtime-Client-Context (JSON text, NULL when absent)
 *   cognito_identity  Lambda-Runtime-Cognito-Identity (JSON text, NULL when absent)
 *   cold_start        true for the first invocation of the process
 * plus the per-invocation tools: an arena (reset by the runtime after the
 * response is posted), the logger (its invocation keys already set) and
 * the metrics (flushed by the runtime after the response).
 *
 * Tests build one with ev_invocation_init and call the handler directly, no
 * network: a handler is a function of (event bytes, ev_invocation) only.
 *
 * Ownership: every string and the arena belong to the runtime (or the test)
 * and stay valid until the handler returns; copy what must outlive the
 * invocation. Threads: one invocation at a time; handlers may read the
 * struct from helper threads while they run.
 */
#ifndef EV_RUNTIME_INVOCATION_H
#define EV_RUNTIME_INVOCATION_H

#include <stdbool.h>
#include <stdint.h>

#include "core/ev_arena.h"
#include "core/ev_clock.h"
#include "core/ev_log.h"
#include "core/ev_metrics.h"

typedef struct ev_invocation {
    const char *request_id;
    int64_t deadline_ms;
    const char *function_arn;
    const char *trace_id;
    const char *client_context;
    const char *cognito_identity;
    bool cold_start;
    ev_arena *arena;       /* per-invocation memory */
    ev_log *log;           /* may be NULL in tests: logging is then discarded */
    ev_metrics *metrics;   /* may be NULL in tests: metrics are then discarded */
    const ev_clock *clock; /* NULL: system; the runtime passes its own */
} ev_invocation;

/* For handler tests: the given id, deadline, arena and clock; no log, no
 * metrics, no trace, cold_start false, function_arn "". */
void ev_invocation_init(ev_invocation *inv, const char *request_id, int64_t deadline_ms, ev_arena *arena,
                        const ev_clock *clock);

/* Milliseconds left before the deadline by the invocation's clock:
 * negative once it has passed. */
int64_t ev_invocation_remaining_ms(const ev_invocation *inv);

#endif
