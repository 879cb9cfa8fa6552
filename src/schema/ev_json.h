/*
 * ev_json: strict JSON parsing on top of cJSON.
 *
 * cJSON is lenient in ways a contract validator cannot be: it accepts
 * duplicate member names, numbers such as `01` or `1.`, raw control
 * characters and invalid UTF-8 in strings, truncates strings at an escaped
 * NUL, turns 1e400 into infinity and keeps numbers only as doubles. This
 * module parses with cJSON and then checks the source text and the tree for
 * all of these, so that every accepted document means exactly what was sent.
 *
 * Numbers: each number node of a tree returned here keeps its source text
 * (ev_json_number_text). A number is accepted only when its value survives a
 * round trip through a double, i.e. the shortest decimal form of the nearest
 * double has the same value as the text: 0.1 and 22.50 pass, 2^53+1 and
 * 0.10000000000000001 are rejected, so nothing downstream loses precision.
 * The test is exact for texts of any length and exponents of any size
 * (ev_number's normal form): 1 followed by 100,000 zeros and e-1000000 is
 * 10^-900000 and is rejected, while 1 followed by 100,000 zeros and
 * e-100000 is 1 and is accepted with that text.
 *
 * Ownership: the returned tree is the caller's (cJSON_Delete). It does not
 * borrow from `text`. All number texts live in one block owned by the root
 * node (through its valuestring, which cJSON leaves unused for arrays and
 * objects); the other number nodes carry cJSON_IsReference so cJSON_Delete
 * does not free their text. Consequently a subtree detached from the tree
 * must not be used after the root is deleted (cJSON_Duplicate it instead:
 * duplicates own copies of their texts), and code must test number nodes
 * with cJSON_IsNumber (or type & 0xFF), not type == cJSON_Number.
 *
 * Memory: this module installs process-wide cJSON allocation hooks (once,
 * before main, in every program that links it in; see ev_json_init).
 * Consequences for the whole program:
 *   - memory cJSON hands out (cJSON_Print* output, cJSON_malloc, the nodes
 *     and strings of any tree) must be released with cJSON_free or
 *     cJSON_Delete, never free(): every block carries a 16-byte header;
 *   - nothing else may call cJSON_InitHooks;
 *   - pointers from plain malloc must never reach cJSON_free/cJSON_Delete
 *     (the free hook aborts when it sees one).
 * The hooks take memory from the calling thread's current arena when one is
 * set (ev_json_use_arena, ev_json_parse_arena), from malloc otherwise. Every
 * block records where it came from, so cJSON_Delete/cJSON_free are always
 * correct: a no-op for arena memory, free() for the rest, whatever arena is
 * current at the time.
 *
 * Locale: number texts are read with strtod, as cJSON does; the process
 * must keep LC_NUMERIC at "C" (the default unless setlocale is called).
 *
 * Thread-safety: ev_json_parse and ev_json_parse_arena may run in several
 * threads at once, each thread with its own arenas (cJSON itself writes a
 * global error position on every parse; that is cJSON's benign race and
 * nothing here reads it).
 */
#ifndef EV_SCHEMA_JSON_H
#define EV_SCHEMA_JSON_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "core/ev_arena.h"

typedef enum ev_json_status {
    EV_JSON_OK = 0,
    EV_JSON_SYNTAX,           /* not JSON (cJSON refused it, or a strictness check) */
    EV_JSON_DUPLICATE_KEY,    /* an object names the same member twice */
    EV_JSON_NUMBER_RANGE,     /* a number outside the finite double range */
    EV_JSON_NUMBER_PRECISION, /* a number a double cannot hold exactly */
    EV_JSON_TOO_DEEP,         /* nesting beyond cJSON's limit */
    EV_JSON_NO_MEMORY
} ev_json_status;

typedef struct ev_json_error {
    ev_json_status status;
    long offset;       /* byte offset into the input, -1 when unknown */
    char pointer[256]; /* JSON Pointer of the offending value, "" if unknown; truncated with "..." */
    char message[256]; /* human text, e.g. "duplicate member name \"a\"" */
} ev_json_error;

/* Parses exactly len bytes (the whole input must be one JSON value, with
 * optional surrounding whitespace; no byte order mark). Never reads past
 * text + len. Returns the tree, or NULL with *err filled (err may be NULL).
 * err->offset is the offending byte (for a malformed number, the start of
 * the token; -1 for duplicate names). The tree comes from malloc whatever
 * arena is current (ev_json_use_arena); cJSON_Delete releases it. */
cJSON *ev_json_parse(const char *text, size_t len, ev_json_error *err);

/* The same parse, with every node and string of the tree (and the number
 * texts) allocated from `arena` (must not be NULL). The tree is released by
 * ev_arena_reset/ev_arena_free of the arena, which the caller owns;
 * cJSON_Delete on it, or on any part of it, is allowed and frees nothing.
 * The tree must not be used, nor any node of it moved into another tree,
 * beyond the next reset/free of the arena; cJSON_Duplicate (without an
 * arena current) makes an independent malloc copy. On failure the arena may
 * keep what cJSON built before it failed, until its next reset. Allocation
 * from the arena happens only inside this call: the caller's current arena
 * (ev_json_use_arena) is left as it was. */
cJSON *ev_json_parse_arena(const char *text, size_t len, ev_arena *arena, ev_json_error *err);

/* Installs the cJSON allocation hooks (idempotent, thread-safe). It runs by
 * itself before main (a constructor) and on every parse, so calling it is
 * never required; it exists to make the dependency explicit. The hooks must
 * be in place before the first cJSON allocation of the process: loading
 * this module later (dlopen) while cJSON memory is live is not supported. */
void ev_json_init(void);

/* Makes everything cJSON allocates in the calling thread (cJSON_Create*,
 * cJSON_Parse*, cJSON_Print*, cJSON_Duplicate...) come from `arena`, or
 * from malloc again with NULL, until the next call; returns the previous
 * arena so that callers can nest: `prev = ev_json_use_arena(a); ...;
 * ev_json_use_arena(prev);`. Releasing cJSON memory stays correct either
 * way (see Memory above). ev_json_parse ignores the current arena. */
ev_arena *ev_json_use_arena(ev_arena *arena);

/* The source text of a number node from ev_json_parse or
 * ev_json_parse_arena (NUL-terminated, owned like the tree), or
 * NULL for a node built some other way. */
const char *ev_json_number_text(const cJSON *number);

/* Name of a status, e.g. "duplicate-key". */
const char *ev_json_status_name(ev_json_status status);

#endif
