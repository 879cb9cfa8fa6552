/*
 * ev_runtime_error: a failure reported to the Lambda Runtime API.
 *
 * Job: the errorType / errorMessage pair that init errors, handler errors
 * and the runtime's own refusals post (POST init/error, POST
 * invocation/{id}/error), and the two encodings of it: the
 * Lambda-Runtime-Function-Error-Type header value and the JSON body
 * {"errorMessage":"...","errorType":"..."}.
 *
 * Encoding rules: the body is built with ev_buf_append_json_text, so quotes,
 * control characters and ill-formed UTF-8 in a message always give valid
 * JSON; the message is cut at EV_RUNTIME_ERROR_MESSAGE_MAX - 1 bytes when
 * set. The header value keeps only [A-Za-z0-9._:-] (anything else becomes
 * '_'), so a type can never inject a header line; an empty type becomes
 * "Runtime.UnknownReason".
 *
 * Error types the runtime posts itself (documented in docs/runtime.md):
 * Runtime.InitError (init failed without a type), Runtime.ConfigInvalid,
 * Runtime.HandlerFailed (handler failed without a type),
 * Runtime.DeadlineExceeded, Runtime.InvalidInvocation, Runtime.EventTooLarge,
 * Runtime.ResponseTooLarge.
 *
 * Ownership: fixed-size arrays; no allocation, no free.
 * Threads: a value type; no shared state.
 */
#ifndef EV_RUNTIME_ERROR_H
#define EV_RUNTIME_ERROR_H

#include "core/ev_buf.h"

#define EV_RUNTIME_ERROR_TYPE_MAX    128
#define EV_RUNTIME_ERROR_MESSAGE_MAX 2048

#define EV_RUNTIME_ERR_INIT               "Runtime.InitError"
#define EV_RUNTIME_ERR_CONFIG             "Runtime.ConfigInvalid"
#define EV_RUNTIME_ERR_HANDLER            "Runtime.HandlerFailed"
#define EV_RUNTIME_ERR_DEADLINE           "Runtime.DeadlineExceeded"
#define EV_RUNTIME_ERR_INVALID_INVOCATION "Runtime.InvalidInvocation"
#define EV_RUNTIME_ERR_EVENT_TOO_LARGE    "Runtime.EventTooLarge"
#define EV_RUNTIME_ERR_RESPONSE_TOO_LARGE "Runtime.ResponseTooLarge"
#define EV_RUNTIME_ERR_UNKNOWN            "Runtime.UnknownReason"

typedef struct ev_runtime_error {
    char type[EV_RUNTIME_ERROR_TYPE_MAX];       /* e.g. "Runtime.ConfigInvalid", "InvalidEvent" */
    char message[EV_RUNTIME_ERROR_MESSAGE_MAX]; /* one sentence: what, where, why */
} ev_runtime_error;

void ev_runtime_error_clear(ev_runtime_error *e);
/* Sets type and a printf message (both cut to fit). e may be NULL. Always
 * returns -1, so that `return ev_runtime_error_set(...)` reports failure. */
int ev_runtime_error_set(ev_runtime_error *e, const char *type, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* True once a type or message was set. */
int ev_runtime_error_is_set(const ev_runtime_error *e);

/* The header-safe type (see above); out gets at most
 * EV_RUNTIME_ERROR_TYPE_MAX - 1 characters. fallback replaces an empty type. */
void ev_runtime_error_header_type(const ev_runtime_error *e, const char *fallback,
                                  char out[EV_RUNTIME_ERROR_TYPE_MAX]);
/* Appends {"errorMessage":"...","errorType":"..."} (the header-safe type). */
int ev_runtime_error_body(const ev_runtime_error *e, const char *fallback_type, ev_buf *out);

#endif
