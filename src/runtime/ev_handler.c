/* ev_handler: handler output helpers. See ev_handler.h. */
#include "runtime/ev_handler.h"

#include <stdarg.h>
#include <stdio.h>

int ev_handler_respond(ev_handler_output *out, const char *body, size_t len)
{
    out->body = body;
    out->body_len = len;
    return 0;
}

int ev_handler_fail(ev_handler_output *out, const char *type, const char *fmt, ...)
{
    snprintf(out->error.type, sizeof out->error.type, "%s", type ? type : EV_RUNTIME_ERR_HANDLER);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out->error.message, sizeof out->error.message, fmt, ap);
    va_end(ap);
    return -1;
}
