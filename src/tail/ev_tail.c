#include "tail/ev_tail.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TIME_W   24
#define ID_W     36
#define TYPE_W   12
#define SOURCE_W 20
#define MSGID_W  36
#define RECV_W   8
#define MAX_PATH 256

static int fail(char *err, size_t err_len, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail(char *err, size_t err_len, const char *path, const char *fmt, ...)
{
    if (err && err_len) {
        int n = snprintf(err, err_len, "%s: ", path[0] ? path : "(item)");
        if (n < 0 || (size_t)n >= err_len)
            n = 0;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err + n, err_len - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* JSON number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static bool is_json_number(const char *s)
{
    if (*s == '-')
        s++;
    if (*s == '0')
        s++;
    else if (*s >= '1' && *s <= '9')
        while (*s >= '0' && *s <= '9')
            s++;
    else
        return false;
    if (*s == '.') {
        s++;
        if (!(*s >= '0' && *s <= '9'))
            return false;
        while (*s >= '0' && *s <= '9')
            s++;
    }
    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '+' || *s == '-')
            s++;
        if (!(*s >= '0' && *s <= '9'))
            return false;
        while (*s >= '0' && *s <= '9')
            s++;
    }
    return *s == '\0';
}

static cJSON *number(const char *text, char *err, size_t err_len, const char *path)
{
    if (!is_json_number(text)) {
        fail(err, err_len, path, "N is not a number: \"%.40s\"", text);
        return NULL;
    }
    cJSON *n = cJSON_CreateRaw(text);
    if (!n)
        fail(err, err_len, path, "out of memory");
    return n;
}

static cJSON *unmarshal_value(const cJSON *av, char *err, size_t err_len, const char *path, int depth);

static cJSON *unmarshal_map(const cJSON *m, char *err, size_t err_len, const char *path, int depth)
{
    if (!cJSON_IsObject(m)) {
        fail(err, err_len, path, "expected a map of attributes");
        return NULL;
    }
    cJSON *out = cJSON_CreateObject();
    if (!out) {
        fail(err, err_len, path, "out of memory");
        return NULL;
    }
    for (const cJSON *a = m->child; a; a = a->next) {
        char sub[MAX_PATH];
        snprintf(sub, sizeof sub, "%s%s%s", path, path[0] ? "." : "", a->string ? a->string : "");
        cJSON *v = unmarshal_value(a, err, err_len, sub, depth + 1);
        if (!v || !cJSON_AddItemToObject(out, a->string ? a->string : "", v)) {
            cJSON_Delete(v);
            cJSON_Delete(out);
            return NULL;
        }
    }
    return out;
}

static cJSON *unmarshal_set(const cJSON *set, const char *type, char *err, size_t err_len, const char *path)
{
    if (!cJSON_IsArray(set)) {
        fail(err, err_len, path, "%s is not an array", type);
        return NULL;
    }
    cJSON *out = cJSON_CreateArray();
    if (!out) {
        fail(err, err_len, path, "out of memory");
        return NULL;
    }
    for (const cJSON *e = set->child; e; e = e->next) {
        cJSON *v = NULL;
        if (!cJSON_IsString(e))
            fail(err, err_len, path, "%s holds a non-string element", type);
        else if (strcmp(type, "NS") == 0)
            v = number(e->valuestring, err, err_len, path);
        else
            v = cJSON_CreateString(e->valuestring);
        if (!v || !cJSON_AddItemToArray(out, v)) {
            cJSON_Delete(v);
            cJSON_Delete(out);
            return NULL;
        }
    }
    return out;
}

static cJSON *unmarshal_value(const cJSON *av, char *err, size_t err_len, const char *path, int depth)
{
    if (depth > 64) {
        fail(err, err_len, path, "nested deeper than 64 levels");
        return NULL;
    }
    if (!cJSON_IsObject(av) || !av->child || av->child->next) {
        fail(err, err_len, path, "an AttributeValue is an object with exactly one type");
        return NULL;
    }
    const cJSON *v = av->child;
    const char *t = v->string ? v->string : "";
    if (strcmp(t, "S") == 0 || strcmp(t, "B") == 0) {
        if (!cJSON_IsString(v)) {
            fail(err, err_len, path, "%s is not a string", t);
            return NULL;
        }
        return cJSON_CreateString(v->valuestring);
    }
    if (strcmp(t, "N") == 0) {
        if (!cJSON_IsString(v)) {
            fail(err, err_len, path, "N is not a string");
            return NULL;
        }
        return number(v->valuestring, err, err_len, path);
    }
    if (strcmp(t, "BOOL") == 0) {
        if (!cJSON_IsBool(v)) {
            fail(err, err_len, path, "BOOL is not true or false");
            return NULL;
        }
        return cJSON_CreateBool(cJSON_IsTrue(v));
    }
    if (strcmp(t, "NULL") == 0)
        return cJSON_CreateNull();
    if (strcmp(t, "M") == 0)
        return unmarshal_map(v, err, err_len, path, depth);
    if (strcmp(t, "L") == 0) {
        if (!cJSON_IsArray(v)) {
            fail(err, err_len, path, "L is not an array");
            return NULL;
        }
        cJSON *out = cJSON_CreateArray();
        int i = 0;
        for (const cJSON *e = v->child; out && e; e = e->next, i++) {
            char sub[MAX_PATH];
            snprintf(sub, sizeof sub, "%s[%d]", path, i);
            cJSON *x = unmarshal_value(e, err, err_len, sub, depth + 1);
            if (!x || !cJSON_AddItemToArray(out, x)) {
                cJSON_Delete(x);
                cJSON_Delete(out);
                return NULL;
            }
        }
        if (!out)
            fail(err, err_len, path, "out of memory");
        return out;
    }
    if (strcmp(t, "SS") == 0 || strcmp(t, "NS") == 0 || strcmp(t, "BS") == 0)
        return unmarshal_set(v, t, err, err_len, path);
    fail(err, err_len, path, "unknown AttributeValue type \"%.20s\"", t);
    return NULL;
}

int ev_tail_unmarshal_item(const cJSON *item, cJSON **out, char *err, size_t err_len)
{
    *out = unmarshal_map(item, err, err_len, "", 0);
    return *out ? 0 : -1;
}

static const char *received_at(const cJSON *item)
{
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(item, "received_at");
    return cJSON_IsString(r) ? r->valuestring : NULL;
}

void ev_tail_sort_newest(cJSON *items)
{
    /* Insertion sort on the linked list (stable; lists here are small). */
    if (!cJSON_IsArray(items))
        return;
    cJSON *sorted = NULL, *tail_missing = NULL, *missing = NULL;
    cJSON *e = items->child;
    while (e) {
        cJSON *next = e->next;
        e->next = e->prev = NULL;
        const char *k = received_at(e);
        if (!k) {
            if (tail_missing) {
                tail_missing->next = e;
                e->prev = tail_missing;
            } else {
                missing = e;
            }
            tail_missing = e;
        } else if (!sorted || strcmp(k, received_at(sorted)) > 0) {
            e->next = sorted;
            if (sorted)
                sorted->prev = e;
            sorted = e;
        } else {
            cJSON *p = sorted;
            while (p->next && strcmp(received_at(p->next), k) >= 0)
                p = p->next;
            e->next = p->next;
            if (p->next)
                p->next->prev = e;
            p->next = e;
            e->prev = p;
        }
        e = next;
    }
    cJSON *last = sorted;
    while (last && last->next)
        last = last->next;
    if (last) {
        last->next = missing;
        if (missing)
            missing->prev = last;
    } else {
        sorted = missing;
        last = NULL;
    }
    items->child = sorted;
    if (sorted) { /* cJSON keeps the last element in child->prev */
        cJSON *end = sorted;
        while (end->next)
            end = end->next;
        sorted->prev = end;
    }
}

int ev_tail_append_cell(ev_buf *out, const char *s, size_t width, size_t pad)
{
    if (!s)
        s = "-";
    size_t len = strlen(s);
    size_t take = len;
    bool cut = false;
    if (width > 0 && len > width) {
        take = width > 3 ? width - 3 : 0;
        while (take > 0 && ((unsigned char)s[take] & 0xC0) == 0x80)
            take--; /* not inside a UTF-8 sequence */
        cut = true;
    }
    size_t written = 0;
    for (size_t i = 0; i < take; i++, written++) {
        unsigned char c = (unsigned char)s[i];
        if (ev_buf_append_char(out, (c < 0x20 || c == 0x7f) ? '?' : (char)c) != 0)
            return -1;
    }
    if (cut) {
        if (ev_buf_append_str(out, "...") != 0)
            return -1;
        written += 3;
    }
    for (; written < pad; written++)
        if (ev_buf_append_char(out, ' ') != 0)
            return -1;
    return out->failed ? -1 : 0;
}

static const char *str_member(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int end_line(ev_buf *out, size_t start, size_t width)
{
    if (width > 0 && out->len - start > width) {
        size_t keep = width > 3 ? width - 3 : 0;
        while (keep > 0 && ((unsigned char)out->data[start + keep] & 0xC0) == 0x80)
            keep--;
        out->len = start + keep;
        if (ev_buf_append_str(out, "...") != 0)
            return -1;
    }
    return ev_buf_append_char(out, '\n');
}

int ev_tail_format_event(ev_buf *out, const cJSON *item, size_t width)
{
    size_t start = out->len;
    const char *type = str_member(item, "event_type");
    if (!type)
        type = str_member(item, "type");
    char *payload = NULL;
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(item, "payload");
    if (p)
        payload = cJSON_PrintUnformatted(p);
    int rc = 0;
    rc |= ev_tail_append_cell(out, str_member(item, "received_at"), TIME_W, TIME_W + 1);
    rc |= ev_tail_append_cell(out, str_member(item, "event_id"), ID_W, ID_W + 1);
    rc |= ev_tail_append_cell(out, type, TYPE_W, TYPE_W + 1);
    rc |= ev_tail_append_cell(out, str_member(item, "source"), SOURCE_W, SOURCE_W + 1);
    rc |= ev_tail_append_cell(out, payload ? payload : "-", 0, 0);
    cJSON_free(payload);
    if (rc != 0)
        return -1;
    return end_line(out, start, width);
}

int ev_tail_format_dlq(ev_buf *out, const char *message_id, const char *receives, const char *body,
                       size_t width)
{
    size_t start = out->len;
    int rc = 0;
    rc |= ev_tail_append_cell(out, message_id, MSGID_W, MSGID_W + 1);
    rc |= ev_tail_append_cell(out, receives, RECV_W, RECV_W + 1);
    rc |= ev_tail_append_cell(out, body, 0, 0);
    if (rc != 0)
        return -1;
    return end_line(out, start, width);
}

int ev_tail_format_event_header(ev_buf *out)
{
    return ev_buf_printf(out, "%-*s %-*s %-*s %-*s %s\n", TIME_W, "RECEIVED_AT", ID_W, "EVENT_ID", TYPE_W,
                         "TYPE", SOURCE_W, "SOURCE", "PAYLOAD") < 0
               ? -1
               : 0;
}

int ev_tail_format_dlq_header(ev_buf *out)
{
    return ev_buf_printf(out, "%-*s %-*s %s\n", MSGID_W, "MESSAGE_ID", RECV_W, "RECEIVES", "BODY") < 0 ? -1
                                                                                                       : 0;
}
