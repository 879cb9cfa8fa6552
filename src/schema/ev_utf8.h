/*
 * ev_utf8: UTF-8 helpers. JSON Schema counts string lengths in code points.
 */
#ifndef EV_SCHEMA_UTF8_H
#define EV_SCHEMA_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* Number of code points in a NUL-terminated, valid UTF-8 string. */
size_t ev_utf8_length(const char *s);
/* True when len bytes are well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF). */
bool ev_utf8_valid(const char *s, size_t len);

#endif
