/*
 * ev_buf: a growable byte buffer that owns its memory.
 *
 * Ownership: the buffer owns `data`; ev_buf_free releases it. ev_buf_take
 * hands the NUL-terminated bytes to the caller (free with free()) and leaves
 * the buffer empty. Every append keeps `data[len] == '\0'`, so the contents
 * can be used as a C string when they hold no NUL byte.
 *
 * Errors: appends return 0, or -1 when memory runs out; after a failure the
 * buffer is marked (`failed`) and every later append also fails, so a
 * sequence of appends needs a single check at the end.
 *
 * Speed: ev_buf_append, ev_buf_append_char and ev_buf_append_str are inline:
 * when the buffer has room (the steady state of a reused buffer) an append
 * is a copy and a store, so byte-by-byte builders such as the SigV4
 * canonical request use ev_buf directly; growth goes through ev_buf_reserve.
 */
#ifndef EV_CORE_BUF_H
#define EV_CORE_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

typedef struct ev_buf {
    char *data;
    size_t len;
    size_t cap;
    bool failed;
} ev_buf;

#define EV_BUF_INIT                                                                                          \
    {                                                                                                        \
        NULL, 0, 0, false                                                                                    \
    }

void ev_buf_init(ev_buf *b);
void ev_buf_free(ev_buf *b);
/* Empties the buffer, keeping its memory for reuse. */
void ev_buf_reset(ev_buf *b);
/* Makes room for `extra` more bytes (plus the NUL); -1 marks the buffer failed. */
int ev_buf_reserve(ev_buf *b, size_t extra);

static inline int ev_buf_append(ev_buf *b, const void *data, size_t len)
{
    /* Room for len bytes and the NUL, on a buffer that has not failed. */
    if ((b->failed || b->cap - b->len <= len) && ev_buf_reserve(b, len) != 0)
        return -1;
    if (len > 0)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
    return 0;
}

static inline int ev_buf_append_char(ev_buf *b, char c)
{
    if ((b->failed || b->cap - b->len <= 1) && ev_buf_reserve(b, 1) != 0)
        return -1;
    b->data[b->len++] = c;
    b->data[b->len] = '\0';
    return 0;
}

static inline int ev_buf_append_str(ev_buf *b, const char *s)
{
    return ev_buf_append(b, s, strlen(s));
}

/* Room for up to `max` more bytes written in place, for builders that know
 * a bound on their output and produce it byte by byte: returns where to
 * write (NULL when memory runs out or the buffer has failed); then
 * ev_buf_commit(b, n) adds the n <= max bytes written and the NUL. */
static inline char *ev_buf_space(ev_buf *b, size_t max)
{
    if ((b->failed || b->cap - b->len <= max) && ev_buf_reserve(b, max) != 0)
        return NULL;
    return b->data + b->len;
}

static inline void ev_buf_commit(ev_buf *b, size_t n)
{
    b->len += n;
    b->data[b->len] = '\0';
}

/* The contents as a C string: "" (static) while nothing was ever appended.
 * Valid until the next append, reset or free. */
static inline const char *ev_buf_cstr(const ev_buf *b)
{
    return b->data ? b->data : "";
}
int ev_buf_printf(ev_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int ev_buf_vprintf(ev_buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Appends `s` (len bytes of UTF-8) as a JSON string literal, quotes included:
 * escapes '"', '\\' and control characters; other bytes pass through. */
int ev_buf_append_json_string(ev_buf *b, const char *s, size_t len);
/* Appends `s` (len bytes, any encoding) as a JSON string literal that is
 * always valid JSON and valid UTF-8, for text from outside (logs, error
 * bodies): escapes like ev_buf_append_json_string, replaces each byte of an
 * ill-formed UTF-8 sequence with U+FFFD, and when max_bytes > 0 keeps at
 * most max_bytes input bytes (cut at a code point boundary) followed by
 * "...(truncated, N bytes)" with N the full input length. */
int ev_buf_append_json_text(ev_buf *b, const char *s, size_t len, size_t max_bytes);
/* True when len bytes are well-formed UTF-8, the test
 * ev_buf_append_json_text applies (no overlongs, surrogates or code points
 * past U+10FFFF). */
bool ev_buf_utf8_valid(const char *s, size_t len);
/* Appends the shortest decimal text that reads back as exactly v ("3",
 * "0.1", "1e+300"). JSON has no NaN or infinity: for them it fails (-1,
 * buffer marked failed), so callers check isfinite() first. */
int ev_buf_append_double(ev_buf *b, double v);
/* Returns the contents (never NULL on success; "" when empty) and empties b. */
char *ev_buf_take(ev_buf *b);

#endif
