/*
 * ev_handler: the contract between the runtime and a function.
 *
 * Job: a handler is a pure function of the event bytes and the invocation
 * context to response bytes or an error:
 *
 *   static int handle(void *app, const ev_invocation *inv, const char *event, size_t event_len,
 *                     ev_handler_output *out)
 *   {
 *       ...
 *       if (bad)
 *           return ev_handler_fail(out, "InvalidEvent", "body is not JSON: %s", why);
 *       return ev_handler_respond(out, body, body_len);
 *   }
 *
 * It returns 0 with out->body set (the response posted to
 * invocation/{id}/response), or -1 with out->error set (posted to
 * invocation/{id}/error with the Lambda-Runtime-Function-Error-Type
 * header). Answers that are part of the function's contract (an API
 * Gateway 400, an SQS partial batch response) are responses, not errors.
 * An init function runs once before the first invocation, reads the
 * configuration and builds the process-lifetime state in app; when it
 * fails, the runtime posts init/error with its error and the process exits
 * with EV_RUNTIME_EXIT_INIT_FAILED.
 *
 * The event is NUL-terminated (event[event_len] == '\0') and may be empty.
 *
 * Ownership: out->body is borrowed until the runtime has posted it: memory
 * from inv->arena, static data, or app memory the handler does not touch
 * until its next call. app belongs to the caller of ev_runtime_main.
 * Threads: handlers are called on the runtime's thread, one at a time.
 */
#ifndef EV_RUNTIME_HANDLER_H
#define EV_RUNTIME_HANDLER_H

#include <stddef.h>

#include "core/ev_log.h"
#include "runtime/ev_invocation.h"
#include "runtime/ev_runtime_error.h"

typedef struct ev_handler_output {
    const char *body; /* response bytes (success) */
    size_t body_len;
    const char *content_type; /* NULL: "application/json" */
    ev_runtime_error error;   /* failure: type and message */
} ev_handler_output;

typedef int (*ev_handler_fn)(void *app, const ev_invocation *inv, const char *event, size_t event_len,
                             ev_handler_output *out);
typedef int (*ev_init_fn)(void *app, ev_log *log, ev_runtime_error *err);

/* Sets the response; returns 0. */
int ev_handler_respond(ev_handler_output *out, const char *body, size_t len);
/* Sets the error (type may be NULL: Runtime.HandlerFailed); returns -1. */
int ev_handler_fail(ev_handler_output *out, const char *type, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
