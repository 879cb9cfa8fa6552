#include "schema/ev_codec.h"

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "schema/ev_errors.h"
#include "schema/ev_number.h"

void ev_codec_init(ev_codec_ctx *c, ev_arena *arena, ev_codec_error *err)
{
    memset(c, 0, sizeof *c);
    c->arena = arena;
    c->err = err;
    if (err != NULL)
        memset(err, 0, sizeof *err);
}

const char *ev_codec_status_name(ev_codec_status status)
{
    switch (status) {
    case EV_CODEC_OK:
        return "ok";
    case EV_CODEC_MISMATCH:
        return "mismatch";
    case EV_CODEC_RANGE:
        return "range";
    case EV_CODEC_TOO_LARGE:
        return "too-large";
    case EV_CODEC_NO_MEMORY:
        return "no-memory";
    }
    return "unknown";
}

/* Appends raw bytes to the path, marking truncation instead of overflowing. */
static void path_append(ev_codec_ctx *c, const char *s, size_t n)
{
    if (c->path_truncated)
        return;
    if (c->path_len + n + 4 >= sizeof c->path) {
        memcpy(c->path + c->path_len, "...", 4);
        c->path_len += 3;
        c->path_truncated = true;
        return;
    }
    memcpy(c->path + c->path_len, s, n);
    c->path_len += n;
    c->path[c->path_len] = '\0';
}

size_t ev_codec_push_key(ev_codec_ctx *c, const char *key)
{
    size_t mark = c->path_len;
    path_append(c, "/", 1);
    for (const char *p = key != NULL ? key : ""; *p != '\0'; p++) {
        if (*p == '~')
            path_append(c, "~0", 2);
        else if (*p == '/')
            path_append(c, "~1", 2);
        else
            path_append(c, p, 1);
    }
    return mark;
}

size_t ev_codec_push_index(ev_codec_ctx *c, size_t index)
{
    char tmp[32];
    size_t mark = c->path_len;
    int n = snprintf(tmp, sizeof tmp, "/%zu", index);
    path_append(c, tmp, (size_t)n);
    return mark;
}

void ev_codec_pop(ev_codec_ctx *c, size_t mark)
{
    if (mark > c->path_len)
        return;
    c->path_len = mark;
    c->path[mark] = '\0';
    c->path_truncated = false;
}

ev_codec_status ev_codec_fail(ev_codec_ctx *c, ev_codec_status status, const char *fmt, ...)
{
    if (c->failed)
        return status;
    c->failed = true;
    if (c->err != NULL) {
        va_list ap;
        c->err->status = status;
        snprintf(c->err->path, sizeof c->err->path, "%s", c->path);
        va_start(ap, fmt);
        vsnprintf(c->err->message, sizeof c->err->message, fmt, ap);
        va_end(ap);
    }
    return status;
}

/* ---- decoding --------------------------------------------------------------- */

static ev_codec_status mismatch(ev_codec_ctx *c, const char *expected, const cJSON *x)
{
    return ev_codec_fail(c, EV_CODEC_MISMATCH, "expected %s, found %s", expected,
                         x == NULL ? "nothing" : ev_json_type_name(x));
}

ev_codec_status ev_codec_strdup(ev_codec_ctx *c, const char *s, const char **out)
{
    char *copy;
    if (c->arena == NULL)
        return ev_codec_fail(c, EV_CODEC_NO_MEMORY, "no arena to decode into");
    copy = ev_arena_strdup(c->arena, s);
    if (copy == NULL)
        return ev_codec_fail(c, EV_CODEC_NO_MEMORY, "out of memory");
    *out = copy;
    return EV_CODEC_OK;
}

ev_codec_status ev_codec_get_string(ev_codec_ctx *c, const cJSON *x, const char **out)
{
    if (!cJSON_IsString(x) || x->valuestring == NULL)
        return mismatch(c, "a string", x);
    return ev_codec_strdup(c, x->valuestring, out);
}

ev_codec_status ev_codec_get_number(ev_codec_ctx *c, const cJSON *x, double *out)
{
    if (!cJSON_IsNumber(x))
        return mismatch(c, "a number", x);
    if (!isfinite(x->valuedouble))
        return ev_codec_fail(c, EV_CODEC_RANGE, "the number is not finite");
    *out = x->valuedouble;
    return EV_CODEC_OK;
}

ev_codec_status ev_codec_get_integer(ev_codec_ctx *c, const cJSON *x, int64_t *out)
{
    double v;
    if (!cJSON_IsNumber(x))
        return mismatch(c, "an integer", x);
    v = x->valuedouble;
    if (!isfinite(v) || v != floor(v))
        return mismatch(c, "an integer", x);
    /* [-2^63, 2^63): both bounds are exact doubles. */
    if (v < -9223372036854775808.0 || v >= 9223372036854775808.0)
        return ev_codec_fail(c, EV_CODEC_RANGE, "integer %.17g does not fit in 64 bits", v);
    *out = (int64_t)v;
    return EV_CODEC_OK;
}

ev_codec_status ev_codec_get_bool(ev_codec_ctx *c, const cJSON *x, bool *out)
{
    if (!cJSON_IsBool(x))
        return mismatch(c, "a boolean", x);
    *out = cJSON_IsTrue(x);
    return EV_CODEC_OK;
}

static size_t child_count(const cJSON *x)
{
    size_t n = 0;
    for (const cJSON *e = x->child; e != NULL; e = e->next)
        n++;
    return n;
}

ev_codec_status ev_codec_expect_object(ev_codec_ctx *c, const cJSON *x, size_t *count)
{
    if (!cJSON_IsObject(x))
        return mismatch(c, "an object", x);
    for (const cJSON *e = x->child; e != NULL; e = e->next) {
        if (e->string == NULL)
            return ev_codec_fail(c, EV_CODEC_MISMATCH, "object member without a name");
    }
    if (count != NULL)
        *count = child_count(x);
    return EV_CODEC_OK;
}

ev_codec_status ev_codec_expect_array(ev_codec_ctx *c, const cJSON *x, size_t *count)
{
    if (!cJSON_IsArray(x))
        return mismatch(c, "an array", x);
    if (count != NULL)
        *count = child_count(x);
    return EV_CODEC_OK;
}

ev_codec_status ev_codec_alloc(ev_codec_ctx *c, size_t n, size_t size, void **out)
{
    *out = NULL;
    if (n == 0)
        return EV_CODEC_OK;
    if (c->arena == NULL)
        return ev_codec_fail(c, EV_CODEC_NO_MEMORY, "no arena to decode into");
    *out = ev_arena_calloc(c->arena, n, size);
    if (*out == NULL)
        return ev_codec_fail(c, EV_CODEC_NO_MEMORY, "out of memory");
    return EV_CODEC_OK;
}

ev_codec_status ev_codec_unknown_member(ev_codec_ctx *c)
{
    return ev_codec_fail(c, EV_CODEC_MISMATCH, "unexpected member");
}

ev_codec_status ev_codec_duplicate_member(ev_codec_ctx *c)
{
    return ev_codec_fail(c, EV_CODEC_MISMATCH, "member given twice");
}

ev_codec_status ev_codec_missing_member(ev_codec_ctx *c, const char *name)
{
    size_t mark = ev_codec_push_key(c, name);
    ev_codec_status s = ev_codec_fail(c, EV_CODEC_MISMATCH, "required member is missing");
    ev_codec_pop(c, mark);
    return s;
}

ev_codec_status ev_codec_bad_enum(ev_codec_ctx *c, const char *value, const char *type_name)
{
    return ev_codec_fail(c, EV_CODEC_MISMATCH, "\"%.80s\" is not a value of %s", value != NULL ? value : "",
                         type_name);
}

/* ---- encoding --------------------------------------------------------------- */

ev_codec_status ev_codec_check_buf(ev_codec_ctx *c, const ev_buf *b)
{
    if (b->failed)
        return ev_codec_fail(c, EV_CODEC_NO_MEMORY, "out of memory");
    return EV_CODEC_OK;
}

ev_codec_status ev_codec_put_name(ev_codec_ctx *c, ev_buf *b, const char *name, bool *first)
{
    if (!*first)
        ev_buf_append_char(b, ',');
    *first = false;
    ev_buf_append_json_string(b, name, strlen(name));
    ev_buf_append_char(b, ':');
    return ev_codec_check_buf(c, b);
}

ev_codec_status ev_codec_put_string(ev_codec_ctx *c, ev_buf *b, const char *s)
{
    if (s == NULL)
        return ev_codec_fail(c, EV_CODEC_MISMATCH, "string member is NULL");
    ev_buf_append_json_string(b, s, strlen(s));
    return ev_codec_check_buf(c, b);
}

ev_codec_status ev_codec_put_number(ev_codec_ctx *c, ev_buf *b, double v)
{
    char text[EV_NUM_TEXT_MAX];
    size_t n;
    if (!isfinite(v))
        return ev_codec_fail(c, EV_CODEC_RANGE, "%s is not a JSON number", isnan(v) ? "NaN" : "infinity");
    n = ev_num_format(v, text);
    ev_buf_append(b, text, n);
    return ev_codec_check_buf(c, b);
}

ev_codec_status ev_codec_put_integer(ev_codec_ctx *c, ev_buf *b, int64_t v)
{
    ev_buf_printf(b, "%" PRId64, v);
    return ev_codec_check_buf(c, b);
}

ev_codec_status ev_codec_put_bool(ev_codec_ctx *c, ev_buf *b, bool v)
{
    ev_buf_append_str(b, v ? "true" : "false");
    return ev_codec_check_buf(c, b);
}

ev_codec_status ev_codec_put_raw(ev_codec_ctx *c, ev_buf *b, const char *text)
{
    ev_buf_append_str(b, text);
    return ev_codec_check_buf(c, b);
}
