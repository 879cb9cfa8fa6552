/* ev_next_reply: the decision table for replies to next. See ev_next_reply.h. */
#include "runtime/ev_next_reply.h"

#include <string.h>

#define DEADLINE_MAX_DIGITS 18 /* 10^18 ms is 31 million years: no overflow */

static const char *request_id_problem(const char *id)
{
    if (id == NULL)
        return "has no Lambda-Runtime-Aws-Request-Id header";
    size_t len = strlen(id);
    if (len == 0)
        return "has an empty Lambda-Runtime-Aws-Request-Id";
    if (len > EV_RUNTIME_REQUEST_ID_MAX)
        return "has a Lambda-Runtime-Aws-Request-Id over 256 bytes";
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)id[i] <= 0x20 || (unsigned char)id[i] >= 0x7F)
            return "has a Lambda-Runtime-Aws-Request-Id with a byte outside printable ASCII";
    return NULL;
}

static int parse_deadline(const char *text, int64_t *out)
{
    if (text == NULL || *text == '\0')
        return -1;
    size_t len = strlen(text);
    if (len > DEADLINE_MAX_DIGITS)
        return -1;
    int64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (text[i] < '0' || text[i] > '9')
            return -1;
        v = v * 10 + (text[i] - '0');
    }
    *out = v;
    return 0;
}

static ev_next_action check_status(const ev_next_reply *r, ev_runtime_error *err)
{
    if (r->status == 500) {
        ev_runtime_error_set(err, EV_RUNTIME_ERR_INVALID_INVOCATION,
                             "the Runtime API answered invocation/next with 500 (container error): "
                             "the execution environment is unusable");
        return EV_NEXT_EXIT;
    }
    ev_runtime_error_set(err, EV_RUNTIME_ERR_INVALID_INVOCATION,
                         "the Runtime API answered invocation/next with HTTP %ld instead of 200", r->status);
    return EV_NEXT_RETRY;
}

ev_next_action ev_next_reply_check(const ev_next_reply *r, int64_t now_ms, ev_invocation *inv,
                                   ev_runtime_error *err)
{
    ev_runtime_error_clear(err);
    if (r->status != 200)
        return check_status(r, err);
    const char *why = request_id_problem(r->request_id);
    if (why) {
        ev_runtime_error_set(err, EV_RUNTIME_ERR_INVALID_INVOCATION,
                             "the reply to invocation/next %s: the invocation cannot be answered", why);
        return EV_NEXT_EXIT;
    }
    inv->request_id = r->request_id;
    inv->function_arn = r->function_arn ? r->function_arn : "";
    inv->trace_id = r->trace_id;
    inv->client_context = r->client_context;
    inv->cognito_identity = r->cognito_identity;
    inv->deadline_ms = 0;
    if (r->deadline == NULL) {
        ev_runtime_error_set(err, EV_RUNTIME_ERR_INVALID_INVOCATION,
                             "invocation %s: no Lambda-Runtime-Deadline-Ms header", r->request_id);
        return EV_NEXT_REJECT;
    }
    if (parse_deadline(r->deadline, &inv->deadline_ms) != 0) {
        ev_runtime_error_set(err, EV_RUNTIME_ERR_INVALID_INVOCATION,
                             "invocation %s: Lambda-Runtime-Deadline-Ms \"%.40s\" is not 1 to 18 digits",
                             r->request_id, r->deadline);
        return EV_NEXT_REJECT;
    }
    if (r->body_too_large) {
        ev_runtime_error_set(err, EV_RUNTIME_ERR_EVENT_TOO_LARGE,
                             "invocation %s: the event has %zu bytes, over the limit of %zu bytes",
                             r->request_id, r->body_bytes_received, r->body_limit);
        return EV_NEXT_REJECT;
    }
    if (inv->deadline_ms <= now_ms) {
        ev_runtime_error_set(err, EV_RUNTIME_ERR_DEADLINE,
                             "invocation %s arrived %lld ms after its deadline; the handler was not called",
                             r->request_id, (long long)(now_ms - inv->deadline_ms));
        return EV_NEXT_REJECT;
    }
    return EV_NEXT_INVOKE;
}

const char *ev_next_action_name(ev_next_action action)
{
    switch (action) {
    case EV_NEXT_INVOKE:
        return "invoke";
    case EV_NEXT_REJECT:
        return "reject";
    case EV_NEXT_RETRY:
        return "retry";
    case EV_NEXT_EXIT:
        return "exit";
    }
    return "?";
}
