/* ev_json: strict JSON parsing on top of cJSON; see ev_json.h.
 *
 * Strategy: cJSON builds the tree (it is fast and already checks most of the
 * grammar); then one linear pass over the source checks what cJSON lets
 * through and records each number token, and one walk over the tree attaches
 * the number texts (in source order, which is the tree's pre-order), checks
 * member names for duplicates and numbers for range and precision. Error
 * paths may be slow (they re-walk the tree to find a JSON Pointer); the
 * success path allocates once (all number texts in one block) and calls no
 * function per character.
 *
 * Number text ownership: the block holding every number text is owned by the
 * root node through its valuestring (unused by cJSON for arrays and objects;
 * for a number root it is simply its own text), and every other number node
 * is flagged cJSON_IsReference so cJSON_Delete (1.7.15 frees valuestring only
 * when that flag is clear, and number nodes have no children for the flag to
 * affect) leaves its text alone. cJSON_Duplicate clears the flag and copies
 * the texts, so duplicates are self-contained. A subtree detached from the
 * tree must not outlive the root (see ev_json.h).
 *
 * Allocation: cJSON has one set of process-wide hooks, and a tree in an
 * arena needs them (cJSON has no per-call allocator). ev_json_init installs
 * ours, once, when the program asks for it. They are built so that
 * installing them changes nothing for the rest of the process: outside a
 * scope they are plain malloc and plain free, no header, no tag, so memory
 * cJSON allocated before the install, after it, or in a program that never
 * installs them is the same malloc memory, which cJSON_free, cJSON_Delete
 * and free() all release. (One difference remains: cJSON grows print
 * buffers with realloc only under its default hooks; with ours it
 * allocates, copies and frees, which is correct and a little slower for
 * large prints.)
 *
 * A scope is a thread-local set only while cJSON_ParseWithLengthOpts runs
 * inside parse_into (and the error-path re-parse). In an arena scope the
 * hooks take memory from the arena and the frees cJSON makes (a failed
 * parse releasing its partial tree) do nothing; in a malloc scope they are
 * malloc and free. Either kind notes whether an allocation failed, which is
 * how running out of memory is told apart from a syntax error (cJSON
 * reports both as a failed parse at some position). Nothing else ever runs
 * in a scope, so no other cJSON call of any thread can land in an arena.
 *
 * Consequences: a tree from ev_json_parse is malloc memory (cJSON_Delete);
 * a tree from ev_json_parse_arena is arena memory that must never reach
 * cJSON_Delete or free (outside a scope the free hook is free(), and an
 * arena pointer is not a malloc pointer: ASan and valgrind report it as an
 * invalid free). Without our hooks installed, ev_json_parse still works (it
 * then learns of an allocation failure from errno == ENOMEM, which malloc
 * sets) and ev_json_parse_arena refuses to run (EV_JSON_NO_HOOKS).
 *
 * The number text block of an arena tree is taken from the arena directly.
 * A failed arena parse rewinds the arena to where it was (ev_arena_rewind)
 * before the error diagnosis, which re-parses in a scratch arena of its own,
 * so a rejected document leaves nothing behind and its diagnosis reuses the
 * memory instead of doubling the peak.
 */
#include "schema/ev_json.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__) && !defined(EV_JSON_NO_SIMD)
#include <emmintrin.h>
#define EV_JSON_SIMD 1
#else
#define EV_JSON_SIMD 0
#endif

#include "core/ev_arena.h"
#include "core/ev_buf.h"
#include "schema/ev_errors.h"
#include "schema/ev_number.h"

/* ---- allocation (see the comment at the top) ----------------------------- */

/* What this file assumes of cJSON beyond its documented API, checked
 * against 1.7.15 (cJSON.c):
 *   - cJSON_Delete frees valuestring only when cJSON_IsReference is clear,
 *     and a number node has no child for that flag to affect, so number
 *     nodes flagged as references keep their text (the block the root
 *     owns);
 *   - cJSON leaves valuestring NULL and unused on arrays and objects;
 *     cJSON_Duplicate copies valuestring whatever the type and clears
 *     cJSON_IsReference on the copy;
 *   - cJSON_ParseWithLengthOpts takes every allocation of a parse through
 *     the hooks installed with cJSON_InitHooks, allocates the root node
 *     before reading any byte of a non-empty input, and on failure releases
 *     what it built through the same hooks before returning; its error
 *     position is clamped to the last byte of the input;
 *   - CJSON_NESTING_LIMIT in the header is the limit the library was built
 *     with.
 * Another version may change any of these; read its cJSON.c for them
 * before adding it here. */
#if CJSON_VERSION_MAJOR != 1 || CJSON_VERSION_MINOR != 7 || CJSON_VERSION_PATCH != 15
#error                                                                                                       \
    "ev_json.c relies on cJSON 1.7.15 internals (see the list above); check them against this cJSON version"
#endif

/* An allocation scope: set (per thread) only while cJSON_ParseWithLengthOpts
 * runs inside cjson_parse or unclamped_error_pos. */
typedef struct alloc_scope {
    ev_arena *arena; /* NULL: malloc (the scope only watches for failures) */
    bool failed;     /* an allocation failed */
    void *last;      /* the latest allocation and its size; &not_ours until the first */
    size_t last_size;
} alloc_scope;

/* The scope's `last` until our hooks serve an allocation: still there after
 * cJSON's parse means someone else's hooks (or plain malloc) ran. */
static char not_ours;

static _Thread_local alloc_scope *current_scope;
static atomic_bool hooks_installed;

static void *hook_malloc(size_t size)
{
    alloc_scope *s = current_scope;
    if (s == NULL)
        return malloc(size);
    void *p = s->arena != NULL ? ev_arena_alloc(s->arena, size) : malloc(size);
    s->last = p;
    s->last_size = size;
    if (p == NULL)
        s->failed = true;
    return p;
}

static void hook_free(void *p)
{
    alloc_scope *s = current_scope;
    if (s == NULL || s->arena == NULL) {
        free(p);
        return;
    }
    /* In an arena scope cJSON frees a scratch buffer right after taking it
     * (some cJSON builds copy each number token into one): give that back
     * at once, or every number would cost it too. Anything else (a failed
     * parse releasing its partial tree) returns with the arena. */
    if (p == s->last) {
        ev_arena_unwind(s->arena, p, s->last_size);
        s->last = NULL;
    }
}

static pthread_once_t hooks_once = PTHREAD_ONCE_INIT;

static void install_hooks(void)
{
    cJSON_Hooks hooks = {hook_malloc, hook_free};
    cJSON_InitHooks(&hooks);
    atomic_store_explicit(&hooks_installed, true, memory_order_release);
}

void ev_json_init(void)
{
    pthread_once(&hooks_once, install_hooks);
}

static void scope_enter(alloc_scope *s, ev_arena *arena, alloc_scope **saved)
{
    s->arena = arena;
    s->failed = false;
    s->last = &not_ours;
    s->last_size = 0;
    *saved = current_scope;
    current_scope = s;
}

static void scope_leave(alloc_scope *saved)
{
    current_scope = saved;
}

/* ---- error reporting ----------------------------------------------------- */

static void set_error(ev_json_error *err, ev_json_status st, long offset, const char *pointer,
                      const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void set_error(ev_json_error *err, ev_json_status st, long offset, const char *pointer,
                      const char *fmt, ...)
{
    if (err == NULL)
        return;
    err->status = st;
    err->offset = offset;
    err->pointer[0] = '\0';
    if (pointer != NULL) {
        size_t n = strlen(pointer);
        if (n < sizeof err->pointer) {
            memcpy(err->pointer, pointer, n + 1);
        } else {
            /* Cut on a UTF-8 boundary and mark the truncation. */
            size_t keep = sizeof err->pointer - 4;
            while (keep > 0 && ((unsigned char)pointer[keep] & 0xC0) == 0x80)
                keep--;
            memcpy(err->pointer, pointer, keep);
            memcpy(err->pointer + keep, "...", 4);
        }
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
}

/* Renders a path chain into a caller buffer, with "..." truncation. */
static void render_path(const ev_path_seg *path, char *out, size_t cap)
{
    ev_buf b = EV_BUF_INIT;
    out[0] = '\0';
    if (ev_path_render(path, &b) == 0 && b.data != NULL) {
        if (b.len < cap) {
            memcpy(out, b.data, b.len + 1);
        } else {
            size_t keep = cap - 4;
            while (keep > 0 && ((unsigned char)b.data[keep] & 0xC0) == 0x80)
                keep--;
            memcpy(out, b.data, keep);
            memcpy(out + keep, "...", 4);
        }
    }
    ev_buf_free(&b);
}

static const char *where(const char *pointer)
{
    return pointer[0] ? pointer : "(root)";
}

static void describe_byte(char *out, size_t cap, const unsigned char *s, size_t len, size_t pos)
{
    if (pos >= len)
        snprintf(out, cap, "unexpected end of input");
    else if (s[pos] >= 0x20 && s[pos] < 0x7F)
        snprintf(out, cap, "unexpected character '%c'", s[pos]);
    else
        snprintf(out, cap, "unexpected byte 0x%02X", s[pos]);
}

/* ---- source scan --------------------------------------------------------- */

typedef struct numrec {
    size_t off;
    size_t len;
    bool slow; /* needs the full round-trip check */
} numrec;

enum { O_BAD = 0, O_SKIP, O_QUOTE, O_NUM };

/* Outside strings, after cJSON accepted the text, only these bytes can
 * appear legitimately: JSON whitespace, structure, literal letters. Anything
 * else is whitespace cJSON skipped too generously (it skips every byte
 * <= 0x20) or a byte order mark. */
static const unsigned char outer_class[256] = {
    [' '] = O_SKIP, ['\t'] = O_SKIP, ['\n'] = O_SKIP, ['\r'] = O_SKIP, ['{'] = O_SKIP, ['}'] = O_SKIP,
    ['['] = O_SKIP, [']'] = O_SKIP,  [':'] = O_SKIP,  [','] = O_SKIP,  ['t'] = O_SKIP, ['r'] = O_SKIP,
    ['u'] = O_SKIP, ['e'] = O_SKIP,  ['f'] = O_SKIP,  ['a'] = O_SKIP,  ['l'] = O_SKIP, ['s'] = O_SKIP,
    ['n'] = O_SKIP, ['"'] = O_QUOTE, ['-'] = O_NUM,   ['0'] = O_NUM,   ['1'] = O_NUM,  ['2'] = O_NUM,
    ['3'] = O_NUM,  ['4'] = O_NUM,   ['5'] = O_NUM,   ['6'] = O_NUM,   ['7'] = O_NUM,  ['8'] = O_NUM,
    ['9'] = O_NUM,
};

/* 1 for string bytes that need no attention: printable ASCII except '"' and '\\'. */
static const unsigned char str_plain[256] = {
#define R4(x)  x, x, x, x
#define R16(x) R4(x), R4(x), R4(x), R4(x)
    R16(0), R16(0), /* 0x00-0x1F */
    1,      1,      0,      1,      1,      1,      1,      1,
    1,      1,      1,      1,      1,      1,      1,      1, /* 0x20-0x2F, '"' */
    R16(1),                                                    /* 0x30-0x3F */
    R16(1),                                                    /* 0x40-0x4F */
    1,      1,      1,      1,      1,      1,      1,      1,
    1,      1,      1,      1,      0,      1,      1,      1, /* 0x50-0x5F, '\\' */
    R16(1), R16(1),                                            /* 0x60-0x7F */
    R16(0), R16(0), R16(0), R16(0), R16(0), R16(0), R16(0), R16(0),
#undef R16
#undef R4
};

#define IS_DIGIT(c) ((unsigned char)((c) - '0') < 10)

typedef enum { SE_NONE, SE_BYTE, SE_CONTROL, SE_UTF8, SE_NUL, SE_NUMBER, SE_NOMEM } scan_err;

typedef struct scan {
    numrec *recs;
    size_t n, cap;
    size_t text_bytes; /* sum of number lengths + NULs */
    numrec small[32];
    /* error */
    scan_err err;
    size_t err_off; /* offending byte */
    size_t tok_off; /* start of the offending token */
    size_t tok_len;
    size_t number_index;
} scan;

static int scan_push(scan *sc, size_t off, size_t len, bool slow)
{
    if (sc->n == sc->cap) {
        size_t ncap = sc->cap * 2;
        numrec *r = malloc(ncap * sizeof *r);
        if (r == NULL)
            return -1;
        memcpy(r, sc->recs, sc->n * sizeof *r);
        if (sc->recs != sc->small)
            free(sc->recs);
        sc->recs = r;
        sc->cap = ncap;
    }
    sc->recs[sc->n].off = off;
    sc->recs[sc->n].len = len;
    sc->recs[sc->n].slow = slow;
    sc->n++;
    sc->text_bytes += len + 1;
    return 0;
}

/* Finds the next string byte that needs attention: '"', '\\', a control
 * character or a non-ASCII byte. Returns end when there is none. */
static inline const unsigned char *string_special(const unsigned char *p, const unsigned char *end)
{
#if EV_JSON_SIMD
    /* 16 bytes at a time: one signed compare catches both control
     * characters (< 0x20) and non-ASCII bytes (>= 0x80, negative). */
    const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\'), space = _mm_set1_epi8(0x20);
    while (end - p >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, bslash)),
                                 _mm_cmplt_epi8(v, space));
        unsigned bits = (unsigned)_mm_movemask_epi8(m);
        if (bits != 0)
            return p + __builtin_ctz(bits);
        p += 16;
    }
#endif
    while (p < end && str_plain[*p])
        p++;
    return p;
}

/* Scans one token at p (outside any string): a run of structure,
 * whitespace and literal letters, a string or a number. Returns the
 * position after it, or NULL with sc->err set. */
static const unsigned char *scan_token(const unsigned char *s, const unsigned char *p,
                                       const unsigned char *end, scan *sc)
{
    unsigned char c = *p;
    if (outer_class[c] == O_SKIP) {
        do
            p++;
        while (p < end && outer_class[*p] == O_SKIP);
        return p;
    }
    if (c == '"') {
        p++;
        for (;;) {
            p = string_special(p, end);
            if (p >= end)
                goto bad_byte; /* cJSON would not have accepted this */
            c = *p;
            if (c == '"')
                return p + 1;
            if (c == '\\') {
                if (end - p < 2)
                    goto bad_byte;
                /* cJSON decodes \u0000 into a NUL and silently cuts the
                 * string there. */
                if (p[1] == 'u' && end - p >= 6 && p[2] == '0' && p[3] == '0' && p[4] == '0' && p[5] == '0') {
                    sc->err = SE_NUL;
                    goto string_error;
                }
                p += 2;
                continue;
            }
            if (c < 0x20) {
                sc->err = SE_CONTROL;
                goto string_error;
            }
            /* c >= 0x80: one UTF-8 sequence; second-byte ranges per lead
             * byte exclude overlongs, surrogates and > U+10FFFF. */
            unsigned char lo = 0x80, hi = 0xBF;
            ptrdiff_t n;
            if (c >= 0xC2 && c <= 0xDF) {
                n = 2;
            } else if (c >= 0xE0 && c <= 0xEF) {
                n = 3;
                lo = c == 0xE0 ? 0xA0 : 0x80;
                hi = c == 0xED ? 0x9F : 0xBF;
            } else if (c >= 0xF0 && c <= 0xF4) {
                n = 4;
                lo = c == 0xF0 ? 0x90 : 0x80;
                hi = c == 0xF4 ? 0x8F : 0xBF;
            } else {
                sc->err = SE_UTF8;
                goto string_error;
            }
            if (end - p < n || p[1] < lo || p[1] > hi || (n > 2 && (p[2] & 0xC0) != 0x80) ||
                (n > 3 && (p[3] & 0xC0) != 0x80)) {
                sc->err = SE_UTF8;
                goto string_error;
            }
            p += n;
        }
    }
    if (outer_class[c] != O_NUM)
        goto bad_byte;
    {
        /* RFC 8259: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?
         * While at it, count significant digits and locate the leading one:
         * up to 15 digits in the normal range always survive a round trip
         * through double (DBL_DIG), so only other numbers need the slow
         * check. Positions are exact (bounded by len); an exponent too long
         * to read here is left to the slow check, which reads any. */
        const unsigned char *start = p;
        long di = 0, first = -1, last = -1, nint, e = 0;
        bool long_exp = false;
        if (*p == '-')
            p++;
        if (p >= end || !IS_DIGIT(*p))
            goto bad_number;
        if (*p == '0') {
            p++;
            di = 1;
            if (p < end && IS_DIGIT(*p))
                goto bad_number;
        } else {
            while (p < end && IS_DIGIT(*p)) {
                if (*p != '0') {
                    if (first < 0)
                        first = di;
                    last = di;
                }
                di++;
                p++;
            }
        }
        nint = di;
        if (p < end && *p == '.') {
            p++;
            if (p >= end || !IS_DIGIT(*p))
                goto bad_number;
            while (p < end && IS_DIGIT(*p)) {
                if (*p != '0') {
                    if (first < 0)
                        first = di;
                    last = di;
                }
                di++;
                p++;
            }
        }
        if (p < end && (*p == 'e' || *p == 'E')) {
            p++;
            bool eneg = false;
            if (p < end && (*p == '+' || *p == '-'))
                eneg = *p++ == '-';
            if (p >= end || !IS_DIGIT(*p))
                goto bad_number;
            while (p < end && IS_DIGIT(*p)) {
                if (e < 100000)
                    e = e * 10 + (*p - '0');
                else
                    long_exp = true;
                p++;
            }
            if (eneg)
                e = -e;
        }
        /* Defensive: strtod (inside cJSON) must have stopped where we did. */
        if (p < end && (IS_DIGIT(*p) || *p == '.' || *p == 'e' || *p == 'E' || *p == '+' || *p == '-'))
            goto bad_number;
        bool slow = false;
        if (first >= 0) {
            long lead = nint - 1 - first + e;
            slow = long_exp || last - first + 1 > 15 || lead > 307 || lead < -307;
        }
        if (scan_push(sc, (size_t)(start - s), (size_t)(p - start), slow) != 0) {
            sc->err = SE_NOMEM;
            return NULL;
        }
        return p;
    bad_number:
        while (p < end && (IS_DIGIT(*p) || *p == '.' || *p == 'e' || *p == 'E' || *p == '+' || *p == '-'))
            p++;
        sc->err = SE_NUMBER;
        sc->tok_off = (size_t)(start - s);
        sc->tok_len = (size_t)(p - start);
        sc->err_off = sc->tok_off;
        sc->number_index = sc->n;
        return NULL;
    }
bad_byte:
    sc->err = SE_BYTE;
    sc->err_off = (size_t)(p - s);
    return NULL;
string_error:
    sc->err_off = (size_t)(p - s);
    return NULL;
}

/* Checks s[0..stop) (a text cJSON accepted) and records number tokens.
 *
 * With SSE2, 16-byte windows that hold only plain strings, structure and
 * whitespace are checked with a handful of vector operations: quote bits
 * give the in-string mask by prefix XOR; bytes below 0x20 or above 0x7F
 * (one signed compare) must not be in strings (non-ASCII goes to the exact
 * scalar check) and outside strings only tab, LF and CR may be. Windows
 * with a backslash or anything suspicious, numbers and strings that cross
 * the window end are handed to scan_token. */
static bool scan_text(const unsigned char *s, size_t stop, scan *sc)
{
    const unsigned char *p = s, *end = s + stop;
    for (;;) {
#if EV_JSON_SIMD
        const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\'), space = _mm_set1_epi8(0x20),
                      tab = _mm_set1_epi8('\t'), lf = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r'),
                      minus = _mm_set1_epi8('-'), d_lo = _mm_set1_epi8('0' - 1),
                      d_hi = _mm_set1_epi8('9' + 1);
        bool inside = false;           /* window starts inside a string */
        const unsigned char *open = p; /* that string's opening quote */
        while (end - p >= 16) {
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
            unsigned q = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, quote));
            unsigned bs = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, bslash));
            unsigned low = (unsigned)_mm_movemask_epi8(_mm_cmplt_epi8(v, space));
            unsigned num = (unsigned)_mm_movemask_epi8(_mm_or_si128(
                _mm_cmpeq_epi8(v, minus), _mm_and_si128(_mm_cmpgt_epi8(v, d_lo), _mm_cmplt_epi8(v, d_hi))));
            /* in[i]: inside a string at byte i (an odd number of quotes
             * before it, counting the window's own up to i). Without
             * backslashes every quote opens or closes a string. */
            unsigned in = q;
            in ^= in << 1;
            in ^= in << 2;
            in ^= in << 4;
            in ^= in << 8;
            in = (in ^ (inside ? 0xFFFFu : 0u)) & 0xFFFF;
            unsigned nums = num & ~in;
            unsigned lim = nums ? (1u << __builtin_ctz(nums)) - 1 : 0xFFFF;
            if (bs != 0)
                break; /* escapes: let the exact scalar code look at this window */
            if ((low & lim) != 0) {
                /* Below 0x20 or above 0x7F: fine only for whitespace
                 * between tokens; the rest goes to the scalar code. */
                unsigned ws = (unsigned)_mm_movemask_epi8(_mm_or_si128(
                    _mm_or_si128(_mm_cmpeq_epi8(v, tab), _mm_cmpeq_epi8(v, lf)), _mm_cmpeq_epi8(v, cr)));
                if ((low & lim & (in | ~ws)) != 0)
                    break;
            }
            if (nums == 0) {
                if (in & 0x8000) {
                    if (q != 0)
                        open = p + (31 - __builtin_clz(q));
                    inside = true;
                } else {
                    inside = false;
                }
                p += 16;
            } else {
                p += __builtin_ctz(nums);
                inside = false;
                p = scan_token(s, p, end, sc);
                if (p == NULL)
                    return false;
            }
        }
        if (inside)
            p = open; /* the scalar code starts outside strings */
        const unsigned char *target = end - p >= 16 ? p + 16 : end;
#else
        const unsigned char *target = end;
#endif
        while (p < target) {
            p = scan_token(s, p, end, sc);
            if (p == NULL)
                return false;
        }
        if (p >= end)
            return true;
    }
}

/* Ordinal of the string token containing offset `off` (error paths only). */
static size_t string_ordinal(const unsigned char *s, size_t off)
{
    size_t n = 0;
    bool in = false;
    for (size_t i = 0; i < off; i++) {
        if (in) {
            if (s[i] == '\\')
                i++;
            else if (s[i] == '"')
                in = false;
        } else if (s[i] == '"') {
            in = true;
            n++;
        }
    }
    return n - 1;
}

/* ---- locating a token in the tree (error paths only) --------------------- */

typedef struct finder {
    bool strings; /* looking for a string token, else a number */
    size_t want, seen;
    bool in_key; /* the token found is a member name */
    char *out;
    size_t cap;
} finder;

static bool find_token(const cJSON *node, const ev_path_seg *path, finder *f)
{
    int t = node->type & 0xFF;
    if ((f->strings && t == cJSON_String) || (!f->strings && t == cJSON_Number)) {
        if (f->seen++ == f->want) {
            render_path(path, f->out, f->cap);
            return true;
        }
    }
    if (t != cJSON_Array && t != cJSON_Object)
        return false;
    size_t i = 0;
    for (const cJSON *c = node->child; c != NULL; c = c->next, i++) {
        ev_path_seg seg = {path, t == cJSON_Object ? c->string : NULL, i};
        if (t == cJSON_Object && f->strings && f->seen++ == f->want) {
            /* A bad member name: its decoded form is not fit for a
             * pointer, so point at the object. */
            f->in_key = true;
            render_path(path, f->out, f->cap);
            return true;
        }
        if (find_token(c, &seg, f))
            return true;
    }
    return false;
}

/* ---- tree walk ------------------------------------------------------------ */

typedef struct walk {
    const numrec *recs;
    size_t nrecs, next;
    char *block;
    size_t pos;
    const char *text;
    cJSON *root;
    ev_json_error *err;
    ev_json_status status;
} walk;

static uint32_t hash_key(const char *k)
{
    uint32_t h = 2166136261u;
    for (const unsigned char *p = (const unsigned char *)k; *p; p++)
        h = (h ^ *p) * 16777619u;
    return h;
}

/* Duplicate member names in objects with many members: open addressing. */
__attribute__((noinline)) static const cJSON *dup_member_hashed(const cJSON *obj, size_t n, bool *nomem)
{
    const cJSON *stack_table[256];
    size_t size = 16;
    while (size < n * 2)
        size *= 2;
    const cJSON **table = stack_table;
    if (size > 256) {
        table = calloc(size, sizeof *table);
        if (table == NULL) {
            *nomem = true;
            return NULL;
        }
    } else {
        memset(stack_table, 0, sizeof stack_table);
    }
    const cJSON *dup = NULL;
    for (const cJSON *c = obj->child; c != NULL && dup == NULL; c = c->next) {
        size_t i = hash_key(c->string) & (size - 1);
        while (table[i] != NULL) {
            if (strcmp(table[i]->string, c->string) == 0) {
                dup = c;
                break;
            }
            i = (i + 1) & (size - 1);
        }
        table[i] = c;
    }
    if (table != stack_table)
        free(table);
    return dup;
}

/* Member names are short: an inline loop beats a call to strcmp. */
static inline bool key_eq(const char *a, const char *b)
{
    while (*a != '\0' && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

static const cJSON *dup_member(const cJSON *obj, bool *nomem)
{
    size_t n = 0;
    const cJSON *c;
    for (c = obj->child; c != NULL && n <= 16; c = c->next)
        n++;
    if (n > 16) {
        for (; c != NULL; c = c->next)
            n++;
        return dup_member_hashed(obj, n, nomem);
    }
    /* Small objects (the common case): pairwise is cheaper than hashing. */
    for (c = obj->child; c != NULL; c = c->next)
        for (const cJSON *d = obj->child; d != c; d = d->next)
            if (key_eq(d->string, c->string))
                return c;
    return NULL;
}

__attribute__((noinline, cold)) static bool walk_fail_mismatch(walk *w)
{
    w->status = EV_JSON_SYNTAX;
    set_error(w->err, w->status, -1, "", "internal error: number tokens do not match the tree");
    return false;
}

/* A number text for a message: as written when short, else its head and
 * tail around "..." and its length, so the rest of the message fits. */
static void abbreviate_number(const char *txt, size_t len, char *out, size_t cap)
{
    if (len <= 40)
        snprintf(out, cap, "%s", txt);
    else
        snprintf(out, cap, "%.24s...%s (%zu characters)", txt, txt + len - 12, len);
}

__attribute__((noinline, cold)) static bool walk_fail_number(walk *w, const numrec *r, const char *number,
                                                             double v, const ev_path_seg *path)
{
    char ptr[256], txt[80];
    render_path(path, ptr, sizeof ptr);
    abbreviate_number(number, r->len, txt, sizeof txt);
    if (!isfinite(v)) {
        w->status = EV_JSON_NUMBER_RANGE;
        set_error(w->err, w->status, (long)r->off, ptr, "number %s at %s is outside the range of a double",
                  txt, where(ptr));
    } else {
        char near[EV_NUM_TEXT_MAX];
        ev_num_format(v, near);
        w->status = EV_JSON_NUMBER_PRECISION;
        set_error(w->err, w->status, (long)r->off, ptr,
                  "number %s at %s cannot be stored exactly (nearest double is %s)", txt, where(ptr), near);
    }
    return false;
}

__attribute__((noinline, cold)) static bool walk_fail_object(walk *w, const cJSON *dup, bool nomem,
                                                             const ev_path_seg *path)
{
    if (nomem) {
        w->status = EV_JSON_NO_MEMORY;
        set_error(w->err, w->status, -1, "", "out of memory");
        return false;
    }
    char ptr[256];
    render_path(path, ptr, sizeof ptr);
    ev_buf name = EV_BUF_INIT;
    ev_buf_append_json_string(&name, dup->string, strlen(dup->string));
    const char *nm = name.data ? name.data : "\"\"";
    int keep = name.len > 80 ? 76 : (int)name.len;
    w->status = EV_JSON_DUPLICATE_KEY;
    set_error(w->err, w->status, -1, ptr, "duplicate member name %.*s%s in object at %s", keep, nm,
              name.len > 80 ? "...\"" : "", where(ptr));
    ev_buf_free(&name);
    return false;
}

/* Attaches the next recorded text to a number node and checks its value. */
static inline bool walk_number(cJSON *node, const ev_path_seg *path, walk *w)
{
    if (w->next >= w->nrecs)
        return walk_fail_mismatch(w);
    const numrec *r = &w->recs[w->next++];
    char *txt = w->block + w->pos;
    memcpy(txt, w->text + r->off, r->len);
    txt[r->len] = '\0';
    w->pos += (size_t)r->len + 1;
    node->valuestring = txt;
    if (node != w->root)
        node->type |= cJSON_IsReference;
    double v = node->valuedouble;
    if (isinf(v) || (r->slow && !ev_num_text_matches_double(txt, r->len, v)))
        return walk_fail_number(w, r, txt, v, path);
    return true;
}

/* Pre-order walk of a container's children (the order numbers appear in
 * the source). Leaves that need nothing are skipped without a call. */
static bool walk_children(cJSON *node, const ev_path_seg *path, walk *w)
{
    bool is_object = (node->type & 0xFF) == cJSON_Object;
    if (is_object && node->child != NULL && node->child->next != NULL) {
        bool nomem = false;
        const cJSON *dup = dup_member(node, &nomem);
        if (dup != NULL || nomem)
            return walk_fail_object(w, dup, nomem, path);
    }
    size_t i = 0;
    for (cJSON *c = node->child; c != NULL; c = c->next, i++) {
        int t = c->type & 0xFF;
        if (t != cJSON_Number && t != cJSON_Array && t != cJSON_Object)
            continue;
        ev_path_seg seg = {path, is_object ? c->string : NULL, i};
        if (!(t == cJSON_Number ? walk_number(c, &seg, w) : walk_children(c, &seg, w)))
            return false;
    }
    return true;
}

static bool walk_value(cJSON *node, walk *w)
{
    int t = node->type & 0xFF;
    if (t == cJSON_Number)
        return walk_number(node, NULL, w);
    if (t == cJSON_Array || t == cJSON_Object)
        return walk_children(node, NULL, w);
    return true;
}

/* ---- failure diagnosis ---------------------------------------------------- */

/* cJSON clamps its error position to the last byte, so "[1" (end of input)
 * and "[1}" look alike. Re-parsing with a byte appended that can never
 * continue a JSON text gives the unclamped position. Error path only: the
 * re-parse builds its tree in a scratch arena of its own, freed at once
 * (with the hooks installed; else with malloc, which cJSON frees), so a
 * failed arena parse does not also cost a malloc tree. */
static size_t unclamped_error_pos(const char *text, size_t len, size_t pos)
{
    char *copy = malloc(len + 1);
    if (copy == NULL)
        return pos;
    memcpy(copy, text, len);
    copy[len] = 0x7F;
    const char *stop = NULL;
    ev_arena scratch;
    ev_arena_init(&scratch, 16384);
    alloc_scope scope, *saved;
    scope_enter(&scope, &scratch, &saved);
    cJSON *t = cJSON_ParseWithLengthOpts(copy, len + 1, &stop, 0);
    scope_leave(saved);
    if (t != NULL && scope.last == &not_ours)
        cJSON_Delete(t); /* the hooks are not ours: a malloc tree */
    ev_arena_free(&scratch);
    if (t == NULL && !scope.failed && stop != NULL && stop >= copy && stop <= copy + len)
        pos = (size_t)(stop - copy);
    free(copy);
    return pos;
}

/* Did cJSON stop because of its nesting limit at `pos`? */
static bool too_deep_at(const unsigned char *s, size_t pos)
{
    size_t depth = 0;
    for (size_t i = 0; i < pos; i++) {
        unsigned char c = s[i];
        if (c == '"') {
            for (i++; i < pos && s[i] != '"'; i++)
                if (s[i] == '\\')
                    i++;
        } else if (c == '[' || c == '{') {
            depth++;
        } else if (c == ']' || c == '}') {
            if (depth > 0)
                depth--;
        }
    }
    return depth >= CJSON_NESTING_LIMIT && (s[pos] == '[' || s[pos] == '{');
}

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20;
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static long hex4(const unsigned char *p, const unsigned char *end)
{
    if (end - p < 4)
        return -1;
    long v = 0;
    for (int i = 0; i < 4; i++) {
        int h = hexval(p[i]);
        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    return v;
}

/* cJSON reports a bad string at the byte after its opening quote or at a bad
 * escape. If pos is inside a string, find the real problem: a bad escape or
 * a missing end quote.
 * Returns true when it filled err. */
static bool diagnose_string(const unsigned char *s, size_t len, size_t pos, ev_json_error *err)
{
    bool in = false;
    size_t start = 0;
    for (size_t i = 0; i < pos; i++) {
        if (!in) {
            if (s[i] == '"') {
                in = true;
                start = i;
            }
        } else if (s[i] == '\\') {
            i++;
        } else if (s[i] == '"') {
            in = false;
        }
    }
    if (!in)
        return false;
    const unsigned char *end = s + len;
    for (const unsigned char *p = s + pos; p < end; p++) {
        if (*p == '"')
            return false; /* well-formed as far as escapes go */
        if (*p != '\\')
            continue;
        size_t at = (size_t)(p - s);
        if (p + 1 >= end)
            break;
        unsigned char c = p[1];
        bool ok =
            c == '"' || c == '\\' || c == '/' || c == 'b' || c == 'f' || c == 'n' || c == 'r' || c == 't';
        if (c == 'u') {
            long u = hex4(p + 2, end);
            if (u >= 0xD800 && u <= 0xDBFF) {
                long lo = (end - p >= 8 && p[6] == '\\' && p[7] == 'u') ? hex4(p + 8, end) : -1;
                ok = lo >= 0xDC00 && lo <= 0xDFFF;
                if (ok)
                    p += 6;
            } else {
                ok = u >= 0 && !(u >= 0xDC00 && u <= 0xDFFF);
            }
            if (ok)
                p += 4;
        }
        if (!ok) {
            set_error(err, EV_JSON_SYNTAX, (long)at, "",
                      "invalid JSON at byte %zu: invalid escape sequence in string", at);
            return true;
        }
        p++;
    }
    set_error(err, EV_JSON_SYNTAX, (long)len, "",
              "invalid JSON at byte %zu: unexpected end of input in string starting at byte %zu", len, start);
    return true;
}

/* Is q a place where an object member name was due, i.e. inside an object
 * right after '{' or ',' (and not a quote)? */
static bool expected_member_name(const unsigned char *s, size_t q)
{
    if (s[q] == '"')
        return false;
    size_t k = q;
    while (k > 0 && (s[k - 1] == ' ' || s[k - 1] == '\t' || s[k - 1] == '\n' || s[k - 1] == '\r'))
        k--;
    if (k == 0 || (s[k - 1] != '{' && s[k - 1] != ','))
        return false;
    /* Innermost open container at q: a bit per level, '{' = 1. */
    unsigned char kinds[CJSON_NESTING_LIMIT / 8 + 2] = {0};
    size_t depth = 0;
    for (size_t i = 0; i < q; i++) {
        unsigned char c = s[i];
        if (c == '"') {
            for (i++; i < q && s[i] != '"'; i++)
                if (s[i] == '\\')
                    i++;
        } else if (c == '[' || c == '{') {
            if (depth < CJSON_NESTING_LIMIT + 8) {
                if (c == '{')
                    kinds[depth / 8] |= (unsigned char)(1u << (depth % 8));
                else
                    kinds[depth / 8] &= (unsigned char)~(1u << (depth % 8));
            }
            depth++;
        } else if ((c == ']' || c == '}') && depth > 0) {
            depth--;
        }
    }
    return depth > 0 && depth <= CJSON_NESTING_LIMIT + 8 && (kinds[(depth - 1) / 8] >> ((depth - 1) % 8) & 1);
}

static void report_cjson_failure(const char *text, size_t len, const char *stop, ev_json_error *err)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t pos = (stop != NULL && stop >= text && (size_t)(stop - text) <= len) ? (size_t)(stop - text) : 0;
    if (pos < len && too_deep_at(s, pos)) {
        set_error(err, EV_JSON_TOO_DEEP, (long)pos, "",
                  "invalid JSON at byte %zu: nesting deeper than %d levels", pos, CJSON_NESTING_LIMIT);
        return;
    }
    if (len == 0)
        pos = 0;
    else if (pos + 1 >= len)
        pos = unclamped_error_pos(text, len, pos);
    /* A raw NUL is never valid, and cJSON stumbles over it in odd places. */
    const unsigned char *nul = memchr(s, 0, pos < len ? pos + 1 : len);
    if (nul != NULL) {
        size_t at = (size_t)(nul - s);
        set_error(err, EV_JSON_SYNTAX, (long)at, "", "invalid JSON at byte %zu: unexpected byte 0x00", at);
        return;
    }
    if (pos > 0 && diagnose_string(s, len, pos, err))
        return;
    if (pos > 0 && expected_member_name(s, pos - 1))
        pos--; /* cJSON reports a missing name one byte late */
    char what[64];
    describe_byte(what, sizeof what, s, len, pos);
    set_error(err, EV_JSON_SYNTAX, (long)pos, "", "invalid JSON at byte %zu: %s", pos, what);
}

static void report_scan_failure(const char *text, size_t len, const scan *sc, const cJSON *root,
                                ev_json_error *err)
{
    const unsigned char *s = (const unsigned char *)text;
    char ptr[256] = "";
    size_t want = sc->err == SE_NUMBER ? sc->number_index : string_ordinal(s, sc->err_off);
    finder f = {sc->err != SE_NUMBER, want, 0, false, ptr, sizeof ptr};
    if (sc->err == SE_CONTROL || sc->err == SE_UTF8 || sc->err == SE_NUL || sc->err == SE_NUMBER)
        find_token(root, NULL, &f);
    const char *in = f.in_key ? "a member name in object" : "string";
    size_t off = sc->err_off;
    switch (sc->err) {
    case SE_CONTROL:
        set_error(err, EV_JSON_SYNTAX, (long)off, ptr,
                  "invalid JSON at byte %zu: control character 0x%02X must be escaped (%s at %s)", off,
                  s[off], in, where(ptr));
        break;
    case SE_UTF8:
        set_error(err, EV_JSON_SYNTAX, (long)off, ptr, "invalid JSON at byte %zu: invalid UTF-8 (%s at %s)",
                  off, in, where(ptr));
        break;
    case SE_NUL:
        set_error(err, EV_JSON_SYNTAX, (long)off, ptr,
                  "invalid JSON at byte %zu: \\u0000 is not allowed (%s at %s)", off, in, where(ptr));
        break;
    case SE_NUMBER: {
        int n = sc->tok_len > 64 ? 64 : (int)sc->tok_len;
        set_error(err, EV_JSON_SYNTAX, (long)off, ptr,
                  "invalid JSON at byte %zu: malformed number %.*s at %s", off, n, text + sc->tok_off,
                  where(ptr));
        break;
    }
    case SE_NOMEM:
        set_error(err, EV_JSON_NO_MEMORY, -1, "", "out of memory");
        break;
    default: {
        char what[64];
        describe_byte(what, sizeof what, s, len, off);
        set_error(err, EV_JSON_SYNTAX, (long)off, "", "invalid JSON at byte %zu: %s", off, what);
    }
    }
}

/* ---- entry points ---------------------------------------------------------- */

static void clear_error(ev_json_error *err)
{
    if (err != NULL) {
        err->status = EV_JSON_OK;
        err->offset = -1;
        err->pointer[0] = '\0';
        err->message[0] = '\0';
    }
}

__attribute__((noinline, cold)) static void report_no_memory(ev_json_error *err, size_t len)
{
    set_error(err, EV_JSON_NO_MEMORY, -1, "", "out of memory while parsing a document of %zu bytes", len);
}

__attribute__((noinline, cold)) static void report_no_hooks(ev_json_error *err)
{
    set_error(err, EV_JSON_NO_HOOKS, -1, "",
              "cJSON allocation hooks not installed: call ev_json_init() at start-up, and nothing else may "
              "call cJSON_InitHooks");
}

/* cJSON's parse, its allocations in a scope for `arena` (NULL: malloc).
 * Returns the tree with *stop at the end of the value, or NULL with err
 * filled. */
static cJSON *cjson_parse(const char *text, size_t len, ev_arena *arena, const ev_arena_mark *mark,
                          const char **stop, ev_json_error *err)
{
    alloc_scope scope, *saved;
    if (arena == NULL)
        errno = 0; /* the out-of-memory signal when the hooks are not ours */
    scope_enter(&scope, arena, &saved);
    cJSON *root = cJSON_ParseWithLengthOpts(text, len, stop, 0);
    scope_leave(saved);
    /* cJSON allocates a root node for any non-empty input: no allocation
     * through our hooks means someone else's hooks (or plain malloc) ran. */
    bool ours = scope.last != &not_ours;
    if (arena != NULL && !ours && len > 0) {
        cJSON_Delete(root); /* not arena memory: it belongs to those hooks */
        report_no_hooks(err);
        return NULL;
    }
    if (root == NULL) {
        /* Before the diagnosis, which may re-parse: what cJSON left in the
         * arena is not needed, and the re-parse can reuse the memory. */
        if (arena != NULL)
            ev_arena_rewind(arena, mark);
        if (scope.failed || (!ours && errno == ENOMEM))
            report_no_memory(err, len);
        else
            report_cjson_failure(text, len, *stop, err);
    }
    return root;
}

/* Only JSON whitespace may follow the value cJSON stopped after. */
static bool only_whitespace_after(const char *text, size_t end, size_t len, ev_json_error *err)
{
    for (size_t i = end; i < len; i++) {
        char c = text[i];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
            char what[64];
            describe_byte(what, sizeof what, (const unsigned char *)text, len, i);
            set_error(err, EV_JSON_SYNTAX, (long)i, "", "invalid JSON at byte %zu: %s after the value", i,
                      what);
            return false;
        }
    }
    return true;
}

/* The strictness checks on a tree cJSON accepted: the source scan, then
 * the walk that attaches the number texts (one block, from the arena for
 * an arena tree, else cJSON_malloc so that cJSON_Delete frees it with the
 * matching hook). */
static bool check_tree(const char *text, size_t end, size_t len, cJSON *root, ev_arena *arena,
                       ev_json_error *err)
{
    scan sc;
    sc.recs = sc.small;
    sc.n = 0;
    sc.cap = sizeof sc.small / sizeof sc.small[0];
    sc.text_bytes = 0;
    sc.err = SE_NONE;
    bool ok = false;
    if (!scan_text((const unsigned char *)text, end, &sc)) {
        if (sc.err == SE_NOMEM)
            report_no_memory(err, len);
        else
            report_scan_failure(text, len, &sc, root, err);
        goto done;
    }
    walk w = {sc.recs, sc.n, 0, NULL, 0, text, root, err, EV_JSON_OK};
    if (sc.n > 0) {
        w.block = arena != NULL ? ev_arena_alloc(arena, sc.text_bytes) : cJSON_malloc(sc.text_bytes);
        if (w.block == NULL) {
            report_no_memory(err, len);
            goto done;
        }
        root->valuestring = w.block;
    }
    if (!walk_value(root, &w)) {
        if (w.status == EV_JSON_NO_MEMORY)
            report_no_memory(err, len);
        goto done;
    }
    if (w.next != w.nrecs) {
        set_error(err, EV_JSON_SYNTAX, -1, "", "internal error: number tokens do not match the tree");
        goto done;
    }
    ok = true;
done:
    if (sc.recs != sc.small)
        free(sc.recs);
    return ok;
}

/* arena NULL: a malloc-backed tree. */
static cJSON *parse_into(const char *text, size_t len, ev_arena *arena, ev_json_error *err)
{
    clear_error(err);
    if (text == NULL) {
        if (len != 0) {
            set_error(err, EV_JSON_SYNTAX, -1, "", "invalid JSON: no input");
            return NULL;
        }
        text = "";
    }
    const char *stop = NULL;
    ev_arena_mark mark = {NULL, NULL, NULL, 0};
    if (arena != NULL)
        mark = ev_arena_get_mark(arena);
    cJSON *root = cjson_parse(text, len, arena, &mark, &stop, err);
    if (root == NULL)
        return NULL;
    size_t end = (size_t)(stop - text);
    if (only_whitespace_after(text, end, len, err) && check_tree(text, end, len, root, arena, err))
        return root;
    /* A rejected tree is of no use to anyone: an arena gets its memory
     * back, as if the parse had not happened. */
    if (arena != NULL)
        ev_arena_rewind(arena, &mark);
    else
        cJSON_Delete(root);
    return NULL;
}

cJSON *ev_json_parse(const char *text, size_t len, ev_json_error *err)
{
    return parse_into(text, len, NULL, err);
}

cJSON *ev_json_parse_arena(const char *text, size_t len, ev_arena *arena, ev_json_error *err)
{
    if (arena == NULL) {
        clear_error(err);
        set_error(err, EV_JSON_NO_MEMORY, -1, "", "ev_json_parse_arena: no arena");
        return NULL;
    }
    if (!atomic_load_explicit(&hooks_installed, memory_order_acquire)) {
        clear_error(err);
        report_no_hooks(err);
        return NULL;
    }
    return parse_into(text, len, arena, err);
}

/* Peak memory per byte of text, worst case, and a fixed part; see
 * ev_json.h and docs/validation.md for the measurements behind them. */
#define PARSE_BYTES_PER_BYTE 80
#define PARSE_BYTES_FIXED    (256 * 1024)

size_t ev_json_parse_max_bytes(size_t len)
{
    if (len > (SIZE_MAX - PARSE_BYTES_FIXED) / PARSE_BYTES_PER_BYTE)
        return SIZE_MAX;
    return len * PARSE_BYTES_PER_BYTE + PARSE_BYTES_FIXED;
}

const char *ev_json_number_text(const cJSON *number)
{
    return cJSON_IsNumber(number) ? number->valuestring : NULL;
}

int ev_json_print_exact(const cJSON *x, ev_buf *out)
{
    if (cJSON_IsObject(x) || cJSON_IsArray(x)) {
        bool obj = cJSON_IsObject(x);
        ev_buf_append_char(out, obj ? '{' : '[');
        for (const cJSON *e = x->child; e != NULL; e = e->next) {
            if (e != x->child)
                ev_buf_append_char(out, ',');
            if (obj) {
                ev_buf_append_json_string(out, e->string, strlen(e->string));
                ev_buf_append_char(out, ':');
            }
            ev_json_print_exact(e, out);
        }
        ev_buf_append_char(out, obj ? '}' : ']');
    } else if (cJSON_IsString(x)) {
        ev_buf_append_json_string(out, x->valuestring, strlen(x->valuestring));
    } else if (cJSON_IsNumber(x)) {
        if (x->valuestring != NULL)
            ev_buf_append_str(out, x->valuestring);
        else
            ev_buf_append_double(out, x->valuedouble);
    } else {
        ev_buf_append_str(out, cJSON_IsNull(x) ? "null" : cJSON_IsTrue(x) ? "true" : "false");
    }
    return out->failed ? -1 : 0;
}

const char *ev_json_status_name(ev_json_status status)
{
    switch (status) {
    case EV_JSON_OK:
        return "ok";
    case EV_JSON_SYNTAX:
        return "syntax";
    case EV_JSON_DUPLICATE_KEY:
        return "duplicate-key";
    case EV_JSON_NUMBER_RANGE:
        return "number-range";
    case EV_JSON_NUMBER_PRECISION:
        return "number-precision";
    case EV_JSON_TOO_DEEP:
        return "too-deep";
    case EV_JSON_NO_MEMORY:
        return "no-memory";
    case EV_JSON_NO_HOOKS:
        return "no-hooks";
    }
    return "unknown";
}
