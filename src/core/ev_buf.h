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
 */
#ifndef EV_CORE_BUF_H
#define EV_CORE_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

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
int ev_buf_reserve(ev_buf *b, size_t extra);
int ev_buf_append(ev_buf *b, const void *data, size_t len);
int ev_buf_append_str(ev_buf *b, const char *s);
int ev_buf_append_char(ev_buf *b, char c);
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
