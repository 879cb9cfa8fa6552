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
    const char *source; /* ECMA-262 pattern, UTF-8; static in generated code */
    void *code;         /* pcre2_code_8 *, NULL until compiled */
} ev_regex;

/* Compiles re->source. On failure returns -1 and writes a message naming the
 * pattern and the offset into err. */
int ev_regex_compile(ev_regex *re, char *err, size_t err_len);
/* Searches subject (len bytes, valid UTF-8). The regex must be compiled. */
bool ev_regex_search(const ev_regex *re, const char *subject, size_t len);
/* Frees the compiled code; no thread may be matching with re at the time. */
void ev_regex_free(ev_regex *re);

/*
 * Fast path for the most common schema patterns: an anchored sequence of
 * ASCII character classes, e.g. ^[A-Za-z0-9][A-Za-z0-9._-]*$. The generator
 * compiles such a pattern into segments (a 256-bit byte set with a count
 * range) when, and only when, every segment but the last has a fixed count:
 * then a single left-to-right scan decides the match exactly as the regex
 * would, without backtracking. Other patterns go through PCRE2.
 */
typedef struct ev_charseg {
    unsigned char set[32]; /* bit b set: byte b belongs to the class */
    unsigned min;
    unsigned max; /* EV_CHARSEG_UNBOUNDED for * and + */
} ev_charseg;

#define EV_CHARSEG_UNBOUNDED 0xFFFFFFFFu

typedef struct ev_charseq {
    const ev_charseg *segs;
    unsigned count;
} ev_charseq;

bool ev_charseq_match(const ev_charseq *q, const char *subject, size_t len);

#endif
