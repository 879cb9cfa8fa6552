/* ev_buf: growable byte buffer; see ev_buf.h for the contract. */
#include "core/ev_buf.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ev_buf_init(ev_buf *b)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->failed = false;
}

void ev_buf_free(ev_buf *b)
{
    free(b->data);
    ev_buf_init(b);
}

void ev_buf_reset(ev_buf *b)
{
    b->len = 0;
    b->failed = false;
    if (b->data != NULL)
        b->data[0] = '\0';
}

int ev_buf_reserve(ev_buf *b, size_t extra)
{
    if (b->failed)
        return -1;
    /* +1 keeps room for the terminating NUL every append maintains. */
    if (extra > SIZE_MAX - b->len - 1) {
        b->failed = true;
        return -1;
    }
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    char *p = realloc(b->data, cap);
    if (p == NULL) {
        b->failed = true;
        return -1;
    }
    b->data = p;
    b->cap = cap;
    return 0;
}

int ev_buf_vprintf(ev_buf *b, const char *fmt, va_list ap)
{
    if (ev_buf_reserve(b, 0) != 0)
        return -1;
    va_list ap2;
    va_copy(ap2, ap);
    size_t room = b->cap - b->len;
    int n = vsnprintf(b->data + b->len, room, fmt, ap2);
    va_end(ap2);
    if (n < 0) {
        b->data[b->len] = '\0';
        b->failed = true;
        return -1;
    }
    if ((size_t)n >= room) {
        /* First attempt only measured; the output was truncated. */
        if (ev_buf_reserve(b, (size_t)n) != 0) {
            b->data[b->len] = '\0';
            return -1;
        }
        va_copy(ap2, ap);
        vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap2);
        va_end(ap2);
    }
    b->len += (size_t)n;
    return 0;
}

int ev_buf_printf(ev_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = ev_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

int ev_buf_append_json_string(ev_buf *b, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    /* Measure first, so one reservation covers the output exactly and the
     * copy loop needs no capacity checks. */
    size_t need = 2;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        size_t w = (c >= 0x20 && c != '"' && c != '\\') ? 1
                   : (c == '"' || c == '\\' || c == '\b' || c == '\f' || c == '\n' || c == '\r' || c == '\t')
                       ? 2
                       : 6;
        if (need > SIZE_MAX - w) {
            b->failed = true;
            return -1;
        }
        need += w;
    }
    if (ev_buf_reserve(b, need) != 0)
        return -1;
    char *o = b->data + b->len;
    *o++ = '"';
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\') {
            *o++ = (char)c;
            continue;
        }
        *o++ = '\\';
        switch (c) {
        case '"':
            *o++ = '"';
            break;
        case '\\':
            *o++ = '\\';
            break;
        case '\b':
            *o++ = 'b';
            break;
        case '\f':
            *o++ = 'f';
            break;
        case '\n':
            *o++ = 'n';
            break;
        case '\r':
            *o++ = 'r';
            break;
        case '\t':
            *o++ = 't';
            break;
        default:
            *o++ = 'u';
            *o++ = '0';
            *o++ = '0';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 15];
        }
    }
    *o++ = '"';
    *o = '\0';
    b->len = (size_t)(o - b->data);
    return 0;
}

char *ev_buf_take(ev_buf *b)
{
    if (b->failed) {
        ev_buf_free(b);
        return NULL;
    }
    char *p = b->data;
    if (p == NULL) {
        p = malloc(1);
        if (p != NULL)
            p[0] = '\0';
    }
    ev_buf_init(b);
    return p;
}

/* Length of the well-formed UTF-8 sequence starting at s (len > 0 bytes
 * available), 0 when the first byte does not start one (Unicode Table 3-7:
 * no overlongs, no surrogates, nothing above U+10FFFF). */
static size_t utf8_sequence_length(const unsigned char *s, size_t len)
{
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    if (c < 0xC2 || c > 0xF4)
        return 0;
    size_t n = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if (len < n)
        return 0;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c == 0xE0)
        lo = 0xA0;
    else if (c == 0xED)
        hi = 0x9F;
    else if (c == 0xF0)
        lo = 0x90;
    else if (c == 0xF4)
        hi = 0x8F;
    if (s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    return n;
}

bool ev_buf_utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        size_t n = utf8_sequence_length(p + i, len - i);
        if (n == 0)
            return false;
        i += n;
    }
    return true;
}

static int append_escaped_byte(ev_buf *b, unsigned char c)
{
    switch (c) {
    case '"':
        return ev_buf_append(b, "\\\"", 2);
    case '\\':
        return ev_buf_append(b, "\\\\", 2);
    case '\b':
        return ev_buf_append(b, "\\b", 2);
    case '\f':
        return ev_buf_append(b, "\\f", 2);
    case '\n':
        return ev_buf_append(b, "\\n", 2);
    case '\r':
        return ev_buf_append(b, "\\r", 2);
    case '\t':
        return ev_buf_append(b, "\\t", 2);
    default:
        return ev_buf_printf(b, "\\u%04x", c);
    }
}

int ev_buf_append_json_text(ev_buf *b, const char *s, size_t len, size_t max_bytes)
{
    static const char replacement[] = "\xEF\xBF\xBD"; /* U+FFFD */
    const unsigned char *p = (const unsigned char *)s;
    size_t limit = (max_bytes > 0 && len > max_bytes) ? max_bytes : len;
    size_t i = 0, run = 0; /* run: start of the bytes copied as they are */
    ev_buf_append_char(b, '"');
    while (i < len) {
        size_t n = utf8_sequence_length(p + i, len - i);
        bool plain = n > 1 || (n == 1 && p[i] >= 0x20 && p[i] != '"' && p[i] != '\\');
        if (i + (n ? n : 1) > limit || !plain) {
            ev_buf_append(b, p + run, i - run);
            if (i + (n ? n : 1) > limit)
                break;
            if (n == 0)
                ev_buf_append(b, replacement, 3);
            else
                append_escaped_byte(b, p[i]);
            i += n ? n : 1;
            run = i;
            continue;
        }
        i += n;
    }
    if (i >= len)
        ev_buf_append(b, p + run, i - run);
    else
        ev_buf_printf(b, "...(truncated, %zu bytes)", len);
    ev_buf_append_char(b, '"');
    return b->failed ? -1 : 0;
}

int ev_buf_append_double(ev_buf *b, double v)
{
    if (!isfinite(v)) {
        b->failed = true;
        return -1;
    }
    char text[40];
    /* The fewest digits that read back exactly: 15 always suffice for
     * numbers typed in decimal, 17 for any double. */
    for (int digits = 15; digits <= 17; digits++) {
        snprintf(text, sizeof text, "%.*g", digits, v);
        if (strtod(text, NULL) == v)
            break;
    }
    return ev_buf_append_str(b, text);
}
