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
 * Ownership (the rule, whatever is linked and whatever the thread did
 * before):
 *   - a tree from ev_json_parse is malloc memory and the caller's: release
 *     it with cJSON_Delete. No arena is involved, so it survives any arena
 *     reset;
 *   - a tree from ev_json_parse_arena lives in the caller's arena and dies
 *     at its next ev_arena_reset/ev_arena_free. It is never given to
 *     cJSON_Delete (nor any node of it to cJSON_free/free, nor moved into a
 *     malloc tree): that would free() arena memory, which ASan and valgrind
 *     report as an invalid free and which corrupts the heap otherwise. To
 *     keep a copy past the reset, cJSON_Duplicate(tree, 1): the copy is a
 *     malloc tree;
 *   - memory cJSON hands out anywhere else (cJSON_Parse*, cJSON_Create*,
 *     cJSON_Duplicate, cJSON_Print*) is plain malloc memory whether or not
 *     ev_json_init was called: cJSON_Delete / cJSON_free or free() release
 *     it alike.
 * A tree does not borrow from `text`. All number texts live in one block
 * owned by the root node (through its valuestring, which cJSON leaves
 * unused for arrays and objects); the other number nodes carry
 * cJSON_IsReference so cJSON_Delete does not free their text. Consequently
 * a subtree detached from a malloc tree must not be used after the root is
 * deleted (cJSON_Duplicate it instead: duplicates own copies of their
 * texts), and code must test number nodes with cJSON_IsNumber (or type &
 * 0xFF), not type == cJSON_Number. ev_json.c depends on these cJSON
 * internals and refuses to compile (#error) with a cJSON other than the
 * version it was checked against (1.7.15).
 *
 * Allocation hooks: ev_json_parse_arena needs cJSON allocation hooks (cJSON
 * has one process-wide allocator and no per-call one). ev_json_init installs
 * them; nothing is installed unless the program calls it. The hooks are
 * plain malloc and plain free except inside ev_json_parse_arena, where, for
 * the duration of cJSON's parse and in the calling thread only, they
 * allocate from the caller's arena; so installing them changes nothing for
 * the rest of the program (the AWS layer, tools, tests). Nothing else may
 * call cJSON_InitHooks: ev_json_parse_arena detects it and refuses
 * (EV_JSON_NO_HOOKS).
 *
 * Memory cost and limits: a parsed document takes much more memory than
 * its text, because cJSON spends a 64-byte node on every value. The worst
 * case is an array of one-digit numbers ("[0,0,...]", a node per two
 * bytes): measured at 53 bytes of peak memory per byte of text with
 * ev_json_parse and 45 with ev_json_parse_arena (docs/validation.md,
 * "Memory and limits"); strings and objects cost less per byte.
 * ev_json_parse_max_bytes (80 bytes per byte plus 256 KiB) bounds any text
 * of a given length, so a caller can cap what it accepts before parsing
 * (the handlers cap request bodies). Nesting deeper than 1000 arrays/objects is
 * refused (EV_JSON_TOO_DEEP; cJSON's CJSON_NESTING_LIMIT), which bounds the
 * recursion of cJSON and of this module. Out of memory while parsing is
 * reported as EV_JSON_NO_MEMORY, never as a syntax error.
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
#include "core/ev_buf.h"

typedef enum ev_json_status {
    EV_JSON_OK = 0,
    EV_JSON_SYNTAX,           /* not JSON (cJSON refused it, or a strictness check) */
    EV_JSON_DUPLICATE_KEY,    /* an object names the same member twice */
    EV_JSON_NUMBER_RANGE,     /* a number outside the finite double range */
    EV_JSON_NUMBER_PRECISION, /* a number a double cannot hold exactly */
    EV_JSON_TOO_DEEP,         /* nesting beyond cJSON's limit (1000) */
    EV_JSON_NO_MEMORY,        /* memory ran out while parsing: the text was not judged */
    EV_JSON_NO_HOOKS          /* ev_json_parse_arena without ev_json_init, or hooks replaced */
} ev_json_status;

typedef struct ev_json_error {
    ev_json_status status;
    long offset;       /* byte offset into the input, -1 when unknown */
    char pointer[256]; /* JSON Pointer of the offending value, "" if unknown; truncated with "..." */
    char message[256]; /* human text, e.g. "duplicate member name \"a\"" */
} ev_json_error;

/* Installs the cJSON allocation hooks ev_json_parse_arena needs (see
 * Allocation hooks above). Call it once at start-up, before other threads
 * use cJSON (cJSON_InitHooks writes cJSON's global allocator unguarded),
 * as with curl_global_init. Idempotent; later calls do nothing. */
void ev_json_init(void);

/* Parses exactly len bytes (the whole input must be one JSON value, with
 * optional surrounding whitespace; no byte order mark). Never reads past
 * text + len. Returns the tree, or NULL with *err filled (err may be NULL).
 * err->offset is the offending byte (for a malformed number, the start of
 * the token; -1 for duplicate names and for EV_JSON_NO_MEMORY). The tree is
 * malloc memory; cJSON_Delete releases it. Works with or without
 * ev_json_init. */
cJSON *ev_json_parse(const char *text, size_t len, ev_json_error *err);

/* The same parse, with every node and string of the tree (and the number
 * texts) allocated from `arena` (must not be NULL). Needs ev_json_init
 * (else EV_JSON_NO_HOOKS, nothing parsed). The tree is released by
 * ev_arena_reset/ev_arena_free of the arena, which the caller owns, and
 * never by cJSON_Delete (see Ownership above); it must not be used beyond
 * the next reset/free of the arena. On failure the arena is left as it
 * was before the call. Allocation from the arena happens only inside this
 * call and only in the calling thread. */
cJSON *ev_json_parse_arena(const char *text, size_t len, ev_arena *arena, ev_json_error *err);

/* An upper bound, in bytes, of the peak memory ev_json_parse or
 * ev_json_parse_arena takes to parse (or reject) a text of len bytes:
 * the tree, the number texts and the scan's working memory, malloc
 * overhead included (arena blocks count in full), whatever the text holds.
 * Saturates at SIZE_MAX. For sizing limits: a body cap of N bytes bounds
 * the parse to ev_json_parse_max_bytes(N). */
size_t ev_json_parse_max_bytes(size_t len);

/* The source text of a number node from ev_json_parse or
 * ev_json_parse_arena (NUL-terminated, owned like the tree), or
 * NULL for a node built some other way. */
const char *ev_json_number_text(const cJSON *number);

/* Appends node as compact JSON to out, numbers as their source text (so a
 * tree from ev_json_parse prints back exactly the numbers it was given;
 * cJSON_Print would round them through double). A number node built some
 * other way prints as the shortest text that reads back to its double.
 * 0, or -1 when out ran out of memory. */
int ev_json_print_exact(const cJSON *node, ev_buf *out);

/* Name of a status, e.g. "duplicate-key". */
const char *ev_json_status_name(ev_json_status status);

#endif
