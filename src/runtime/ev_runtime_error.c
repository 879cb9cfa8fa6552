/* ev_runtime_error: errors posted to the Runtime API. See ev_runtime_error.h. */
#include "runtime/ev_runtime_error.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

void ev_runtime_error_clear(ev_runtime_error *e)
{
    e->type[0] = '\0';
    e->message[0] = '\0';
}

int ev_runtime_error_set(ev_runtime_error *e, const char *type, const char *fmt, ...)
{
    if (e == NULL)
        return -1;
    snprintf(e->type, sizeof e->type, "%s", type ? type : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof e->message, fmt, ap);
    va_end(ap);
    return -1;
}

int ev_runtime_error_is_set(const ev_runtime_error *e)
{
    return e->type[0] != '\0' || e->message[0] != '\0';
}

void ev_runtime_error_header_type(const ev_runtime_error *e, const char *fallback,
                                  char out[EV_RUNTIME_ERROR_TYPE_MAX])
{
    const char *src = e->type[0] ? e->type : (fallback && *fallback ? fallback : EV_RUNTIME_ERR_UNKNOWN);
    size_t n = 0;
    for (; src[n] && n < EV_RUNTIME_ERROR_TYPE_MAX - 1; n++) {
        char c = src[n];
        bool safe = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == ':' || c == '-';
        out[n] = safe ? c : '_';
    }
    out[n] = '\0';
}

int ev_runtime_error_body(const ev_runtime_error *e, const char *fallback_type, ev_buf *out)
{
    char type[EV_RUNTIME_ERROR_TYPE_MAX];
    ev_runtime_error_header_type(e, fallback_type, type);
    ev_buf_append_str(out, "{\"errorMessage\":");
    ev_buf_append_json_text(out, e->message, strnlen(e->message, sizeof e->message), 0);
    ev_buf_append_str(out, ",\"errorType\":");
    ev_buf_append_json_text(out, type, strlen(type), 0);
    return ev_buf_append_char(out, '}');
}
