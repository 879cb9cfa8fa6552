/* ev_errors: validation error list and validator context; see ev_errors.h. */
#include "schema/ev_errors.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema/ev_number.h"

void ev_errors_init(ev_errors *e)
{
    memset(e, 0, sizeof *e);
}

void ev_errors_clear(ev_errors *e)
{
    for (size_t i = 0; i < e->count; i++) {
        free(e->items[i].instance_path);
        free(e->items[i].message);
    }
    ev_errors_init(e);
}

static char *dup_str(const char *s)
{
    if (s == NULL)
        s = "";
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p != NULL)
        memcpy(p, s, n);
    return p;
}

/* Takes ownership of path and message (either may be NULL after a failed
 * allocation, which is recorded as no_memory). */
static void errors_push(ev_errors *e, char *path, const char *keyword, const char *schema_path, char *message)
{
    e->total++;
    if (path == NULL || message == NULL || e->count >= EV_MAX_ERRORS) {
        if (path == NULL || message == NULL)
            e->no_memory = true;
        free(path);
        free(message);
        return;
    }
    ev_error *it = &e->items[e->count++];
    it->instance_path = path;
    it->keyword = keyword ? keyword : "";
    it->schema_path = schema_path ? schema_path : "";
    it->message = message;
}

void ev_errors_add(ev_errors *e, const char *instance_path, const char *keyword, const char *schema_path,
                   const char *message)
{
    if (e->count >= EV_MAX_ERRORS) {
        e->total++;
        return;
    }
    errors_push(e, dup_str(instance_path), keyword, schema_path, dup_str(message));
}

static void append_item(ev_buf *out, const char *path, const char *keyword, const char *schema_path,
                        const char *message)
{
    ev_buf_append_str(out, "{\"instancePath\":");
    ev_buf_append_json_string(out, path, strlen(path));
    ev_buf_append_str(out, ",\"keyword\":");
    ev_buf_append_json_string(out, keyword, strlen(keyword));
    ev_buf_append_str(out, ",\"schemaPath\":");
    ev_buf_append_json_string(out, schema_path, strlen(schema_path));
    ev_buf_append_str(out, ",\"message\":");
    ev_buf_append_json_string(out, message, strlen(message));
    ev_buf_append_char(out, '}');
}

int ev_errors_to_json(const ev_errors *e, ev_buf *out)
{
    ev_buf_append_char(out, '[');
    for (size_t i = 0; i < e->count; i++) {
        const ev_error *it = &e->items[i];
        if (i > 0)
            ev_buf_append_char(out, ',');
        append_item(out, it->instance_path, it->keyword, it->schema_path, it->message);
    }
    if (e->total > e->count) {
        char msg[96];
        snprintf(msg, sizeof msg, "%zu more errors not shown (%zu in all)", e->total - e->count, e->total);
        if (e->count > 0)
            ev_buf_append_char(out, ',');
        append_item(out, "", EV_ERRORS_TRUNCATED, "", msg);
    }
    return ev_buf_append_char(out, ']');
}

int ev_path_render(const ev_path_seg *path, ev_buf *out)
{
    /* The chain runs leaf to root; collect it so it can be emitted root
     * first. Paths are short, so a small array usually suffices. */
    const ev_path_seg *small[32];
    const ev_path_seg **segs = small;
    size_t n = 0;
    for (const ev_path_seg *s = path; s != NULL; s = s->parent)
        n++;
    if (n == 0)
        return ev_buf_append(out, "", 0);
    if (n > sizeof small / sizeof small[0]) {
        segs = malloc(n * sizeof *segs);
        if (segs == NULL) {
            out->failed = true;
            return -1;
        }
    }
    size_t i = n;
    for (const ev_path_seg *s = path; s != NULL; s = s->parent)
        segs[--i] = s;
    for (i = 0; i < n; i++) {
        ev_buf_append_char(out, '/');
        if (segs[i]->key == NULL) {
            ev_buf_printf(out, "%zu", segs[i]->index);
            continue;
        }
        const char *k = segs[i]->key;
        const char *run = k;
        for (; *k; k++) {
            if (*k != '~' && *k != '/')
                continue;
            ev_buf_append(out, run, (size_t)(k - run));
            ev_buf_append_str(out, *k == '~' ? "~0" : "~1");
            run = k + 1;
        }
        ev_buf_append(out, run, (size_t)(k - run));
    }
    if (segs != small)
        free(segs);
    return out->failed ? -1 : 0;
}

void ev_vctx_init(ev_vctx *c, ev_errors *errors)
{
    c->errors = errors;
    c->quiet = 0;
    c->path = NULL;
}

bool ev_fail(ev_vctx *c, const char *keyword, const char *schema_path, const char *fmt, ...)
{
    if (!ev_vctx_recording(c))
        return false;
    ev_errors *e = c->errors;
    if (e->count >= EV_MAX_ERRORS) {
        /* Counted, but not worth formatting. */
        e->total++;
        return false;
    }
    ev_buf path = EV_BUF_INIT, msg = EV_BUF_INIT;
    ev_path_render(c->path, &path);
    va_list ap;
    va_start(ap, fmt);
    ev_buf_vprintf(&msg, fmt, ap);
    va_end(ap);
    errors_push(e, ev_buf_take(&path), keyword, schema_path, ev_buf_take(&msg));
    return false;
}

const char *ev_json_type_name(const struct cJSON *x)
{
    if (x == NULL)
        return "undefined";
    switch (x->type & 0xFF) {
    case cJSON_NULL:
        return "null";
    case cJSON_False:
    case cJSON_True:
        return "boolean";
    case cJSON_Number:
        return ev_num_is_integer(x) ? "integer" : "number";
    case cJSON_String:
        return "string";
    case cJSON_Array:
        return "array";
    case cJSON_Object:
        return "object";
    default:
        return "invalid";
    }
}
