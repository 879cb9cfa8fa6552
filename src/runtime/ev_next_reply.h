/*
 * ev_next_reply: judging a reply to GET invocation/next.
 *
 * Job: turn what the Runtime API answered (status, headers, body) into one
 * of four decisions, with no network involved so every malformed case is a
 * unit test:
 *
 *   reply                                          decision  error posted / logged
 *   200, valid request id and deadline in the     INVOKE    -
 *     future, body within max_event_bytes
 *   200, no/empty/unusable request id              EXIT      nothing can be posted without an
 *     (> 256 bytes, or a byte outside                        id: log, exit API_FAILED
 *     printable ASCII)
 *   200, deadline missing, not 1-18 digits         REJECT    Runtime.InvalidInvocation
 *   200, body over max_event_bytes                 REJECT    Runtime.EventTooLarge
 *   200, deadline already passed                   REJECT    Runtime.DeadlineExceeded
 *   500 (the API's "container error": the          EXIT      log, exit API_FAILED
 *     environment is unusable)
 *   any other status                               RETRY     counts as a failed attempt
 *
 * REJECT posts the error for that request id and the loop goes on; the
 * handler is not called. An empty body is valid (handlers decide).
 *
 * Ownership: reply strings are borrowed; inv receives pointers into them.
 * Threads: pure function.
 */
#ifndef EV_RUNTIME_NEXT_REPLY_H
#define EV_RUNTIME_NEXT_REPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime/ev_invocation.h"
#include "runtime/ev_runtime_error.h"

#define EV_RUNTIME_REQUEST_ID_MAX 256

typedef struct ev_next_reply {
    long status;
    /* Header values as received (trimmed), NULL when absent. */
    const char *request_id;
    const char *deadline;
    const char *function_arn;
    const char *trace_id;
    const char *client_context;
    const char *cognito_identity;
    const char *body; /* NUL-terminated, never NULL after a reply */
    size_t body_len;
    size_t body_bytes_received; /* every byte that arrived, kept or not */
    size_t body_limit;          /* the limit applied (max_event_bytes) */
    bool body_too_large;        /* body_bytes_received > body_limit: body is then empty */
} ev_next_reply;

typedef enum ev_next_action { EV_NEXT_INVOKE, EV_NEXT_REJECT, EV_NEXT_RETRY, EV_NEXT_EXIT } ev_next_action;

/* Fills inv's context fields (request_id, deadline_ms, function_arn,
 * trace_id, client_context, cognito_identity; the rest untouched) for
 * INVOKE and REJECT (request_id only is sure to be valid for REJECT), and
 * err for every decision but INVOKE. now_ms: the realtime clock. */
ev_next_action ev_next_reply_check(const ev_next_reply *reply, int64_t now_ms, ev_invocation *inv,
                                   ev_runtime_error *err);

const char *ev_next_action_name(ev_next_action action);

#endif
