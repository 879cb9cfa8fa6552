/*
 * ev_regex: ECMA-262 regular expressions (JSON Schema `pattern`,
 * `patternProperties`, `format: regex`) on PCRE2 in UTF mode.
 *
 * Patterns are compiled once (generated code compiles all of a schema's
 * patterns at start-up) and JIT-compiled where PCRE2 supports it. Matching
 * is a search, not anchored, as JSON Schema specifies. ECMA-262 differences
 * are translated: \d and \w are ASCII, \s includes the Unicode spaces, $
 * matches only at the very end, \uHHHH escapes.
 *
 * Thread-safety: a compiled ev_regex may be used from several threads; match
 * data is per thread.
 */
#ifndef EV_SCHEMA_REGEX_H
#define EV_SCHEMA_REGEX_H

#include <stdbool.h>
#include <stddef.h>

typedef struct ev_regex {
    const char *source;  /* ECMA-262 pattern, UTF-8; static in generated code */
    void *code;          /* pcre2_code_8 *, NULL until compiled */
} ev_regex;

/* Compiles re->source. On failure returns -1 and writes a message naming the
 * pattern and the offset into err. */
int ev_regex_compile(ev_regex *re, char *err, size_t err_len);
/* Searches subject (len bytes, valid UTF-8). The regex must be compiled. */
bool ev_regex_search(const ev_regex *re, const char *subject, size_t len);
void ev_regex_free(ev_regex *re);

#endif
