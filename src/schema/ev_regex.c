/* ev_regex: ECMA-262 patterns on PCRE2; see ev_regex.h.
 *
 * The pattern is rewritten before PCRE2 sees it, so that the constructs
 * whose meaning differs between ECMA-262 and PCRE mean what ECMA-262 says:
 *   \d \D \w \W    ASCII classes, spelled out (inside classes too)
 *   \s \S          ECMA white space and line terminators, spelled out
 *   .              any code point except \n \r U+2028 U+2029
 *   \uHHHH \u{H..} code points (surrogate pairs combined) as \x{...}
 *   \xHH           exactly two hex digits
 *   [ in a class   a literal, never a POSIX [:class:]
 * Options: UTF, DOLLAR_ENDONLY ($ only at the very end), ALLOW_EMPTY_CLASS
 * ([] never matches, [^] matches anything, as in ECMA-262).
 */
#include "schema/ev_regex.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ev_buf.h"

#define CLS_D "0-9"
#define CLS_W "A-Za-z0-9_"
#define CLS_S                                                                                                \
    "\\t\\n\\x{0B}\\f\\r "                                                                                   \
    "\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}\\x{FEFF}"
/* Complements, for use inside a class where [^...] cannot nest. */
#define CLS_ND "\\x{0}-\\x{2F}\\x{3A}-\\x{10FFFF}"
#define CLS_NW "\\x{0}-\\x{2F}\\x{3A}-\\x{40}\\x{5B}-\\x{5E}\\x{60}\\x{7B}-\\x{10FFFF}"
#define CLS_NS                                                                                               \
    "\\x{0}-\\x{8}\\x{E}-\\x{1F}\\x{21}-\\x{9F}\\x{A1}-\\x{167F}\\x{1681}-\\x{1FFF}"                         \
    "\\x{200B}-\\x{2027}\\x{202A}-\\x{202E}\\x{2030}-\\x{205E}\\x{2060}-\\x{2FFF}"                           \
    "\\x{3001}-\\x{FEFE}\\x{FF00}-\\x{10FFFF}"

/* Translated pattern plus, per output byte, the source offset it came from
 * (to report compile errors against the pattern the user wrote). */
typedef struct xlat {
    ev_buf out;
    size_t *map;
    size_t map_cap;
    bool failed;
    const char *refused; /* why the pattern is not ECMA-262 (static text), or NULL */
    size_t refused_at;   /* its offset in the source */
} xlat;

/* Stops translation: the pattern uses PCRE syntax that ECMA-262 does not have
 * (or gives another meaning), which must not silently change what matches. */
static void refuse(xlat *x, const char *why, size_t at)
{
    if (x->refused == NULL) {
        x->refused = why;
        x->refused_at = at;
    }
    x->failed = true;
}

static void emit(xlat *x, const char *s, size_t n, size_t src)
{
    size_t start = x->out.len;
    if (ev_buf_append(&x->out, s, n) != 0) {
        x->failed = true;
        return;
    }
    if (x->out.len > x->map_cap) {
        size_t cap = x->map_cap ? x->map_cap : 64;
        while (cap < x->out.len)
            cap *= 2;
        size_t *m = realloc(x->map, cap * sizeof *m);
        if (m == NULL) {
            x->failed = true;
            return;
        }
        x->map = m;
        x->map_cap = cap;
    }
    for (size_t i = start; i < x->out.len; i++)
        x->map[i] = src;
}

static void emit_str(xlat *x, const char *s, size_t src)
{
    emit(x, s, strlen(s), src);
}

static int hexdig(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Reads exactly n hex digits at s; -1 if they are not there. */
static long hexn(const char *s, int n)
{
    long v = 0;
    for (int i = 0; i < n; i++) {
        int h = hexdig(s[i]);
        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    return v;
}

static void emit_cp(xlat *x, unsigned long cp, size_t src)
{
    char tmp[24];
    snprintf(tmp, sizeof tmp, "\\x{%lX}", cp);
    emit_str(x, tmp, src);
}

/* Length of the UTF-8 sequence starting with byte c (1 for stray bytes). */
static size_t u8len(unsigned char c)
{
    return c < 0xC0 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

/* ECMA-262 accepts the long General_Category names and aliases; PCRE2 10.42
 * knows only the short ones. */
static const char *const gc_names[][2] = {
    {"Letter", "L"},
    {"Cased_Letter", "LC"},
    {"Uppercase_Letter", "Lu"},
    {"Lowercase_Letter", "Ll"},
    {"Titlecase_Letter", "Lt"},
    {"Modifier_Letter", "Lm"},
    {"Other_Letter", "Lo"},
    {"Mark", "M"},
    {"Combining_Mark", "M"},
    {"Nonspacing_Mark", "Mn"},
    {"Spacing_Mark", "Mc"},
    {"Enclosing_Mark", "Me"},
    {"Number", "N"},
    {"Decimal_Number", "Nd"},
    {"digit", "Nd"},
    {"Letter_Number", "Nl"},
    {"Other_Number", "No"},
    {"Punctuation", "P"},
    {"punct", "P"},
    {"Connector_Punctuation", "Pc"},
    {"Dash_Punctuation", "Pd"},
    {"Open_Punctuation", "Ps"},
    {"Close_Punctuation", "Pe"},
    {"Initial_Punctuation", "Pi"},
    {"Final_Punctuation", "Pf"},
    {"Other_Punctuation", "Po"},
    {"Symbol", "S"},
    {"Math_Symbol", "Sm"},
    {"Currency_Symbol", "Sc"},
    {"Modifier_Symbol", "Sk"},
    {"Other_Symbol", "So"},
    {"Separator", "Z"},
    {"Space_Separator", "Zs"},
    {"Line_Separator", "Zl"},
    {"Paragraph_Separator", "Zp"},
    {"Other", "C"},
    {"Control", "Cc"},
    {"cntrl", "Cc"},
    {"Format", "Cf"},
    {"Surrogate", "Cs"},
    {"Private_Use", "Co"},
    {"Unassigned", "Cn"},
};

/* \p{...} / \P{...}: src points after the 'p'. Returns the bytes consumed
 * (0 when it is not a braced property, left for PCRE2 to judge). */
static size_t translate_property(xlat *x, const char *src, char p, size_t at)
{
    if (src[0] != '{')
        return 0;
    const char *close = strchr(src, '}');
    if (close == NULL)
        return 0;
    const char *name = src + 1;
    size_t n = (size_t)(close - name);
    /* gc=X, General_Category=X, sc=X, Script=X */
    const char *eq = memchr(name, '=', n);
    if (eq != NULL) {
        size_t klen = (size_t)(eq - name);
        bool gc = (klen == 2 && memcmp(name, "gc", 2) == 0) ||
                  (klen == 16 && memcmp(name, "General_Category", 16) == 0);
        bool sc = (klen == 2 && memcmp(name, "sc", 2) == 0) || (klen == 6 && memcmp(name, "Script", 6) == 0);
        if (!gc && !sc)
            return 0;
        n -= klen + 1;
        name = eq + 1;
    }
    char buf[64];
    const char *use = NULL;
    for (size_t i = 0; i < sizeof gc_names / sizeof gc_names[0]; i++)
        if (strlen(gc_names[i][0]) == n && memcmp(gc_names[i][0], name, n) == 0)
            use = gc_names[i][1];
    if (use == NULL) {
        if (n >= sizeof buf)
            return 0;
        memcpy(buf, name, n);
        buf[n] = '\0';
        use = buf;
    }
    char out[80];
    snprintf(out, sizeof out, "\\%c{%s}", p, use);
    emit_str(x, out, at);
    return (size_t)(close - src) + 1;
}

static void translate(xlat *x, const char *src)
{
    bool in_class = false;
    bool prev_quantifier = false;
    size_t i = 0;
    while (src[i] != '\0' && !x->failed) {
        char c = src[i];
        size_t at = i;
        bool after_quantifier = prev_quantifier;
        prev_quantifier = false;
        if (c == '\\' && src[i + 1] != '\0') {
            char e = src[i + 1];
            i += 2;
            switch (e) {
            case 'd':
                emit_str(x, in_class ? CLS_D : "[" CLS_D "]", at);
                continue;
            case 'D':
                emit_str(x, in_class ? CLS_ND : "[^" CLS_D "]", at);
                continue;
            case 'w':
                emit_str(x, in_class ? CLS_W : "[" CLS_W "]", at);
                continue;
            case 'W':
                emit_str(x, in_class ? CLS_NW : "[^" CLS_W "]", at);
                continue;
            case 's':
                emit_str(x, in_class ? CLS_S : "[" CLS_S "]", at);
                continue;
            case 'S':
                emit_str(x, in_class ? CLS_NS : "[^" CLS_S "]", at);
                continue;
            case 'u': {
                if (src[i] == '{') {
                    size_t j = i + 1;
                    unsigned long cp = 0;
                    while (hexdig(src[j]) >= 0 && cp <= 0x10FFFF)
                        cp = cp * 16 + (unsigned long)hexdig(src[j++]);
                    if (j > i + 1 && src[j] == '}' && cp <= 0x10FFFF) {
                        emit_cp(x, cp, at);
                        i = j + 1;
                        continue;
                    }
                } else {
                    long u = hexn(src + i, 4);
                    if (u >= 0) {
                        i += 4;
                        if (u >= 0xD800 && u <= 0xDBFF && src[i] == '\\' && src[i + 1] == 'u') {
                            long lo = hexn(src + i + 2, 4);
                            if (lo >= 0xDC00 && lo <= 0xDFFF) {
                                i += 6;
                                u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
                            }
                        }
                        emit_cp(x, (unsigned long)u, at);
                        continue;
                    }
                }
                emit_str(x, "u", at); /* ECMA identity escape */
                continue;
            }
            case 'p':
            case 'P': {
                size_t used = translate_property(x, src + i, e, at);
                if (used > 0) {
                    i += used;
                    continue;
                }
                emit(x, src + at, 2, at);
                continue;
            }
            case 'x': {
                long h = hexn(src + i, 2);
                if (h >= 0) {
                    i += 2;
                    emit_cp(x, (unsigned long)h, at);
                } else {
                    emit_str(x, "x", at);
                }
                continue;
            }
            case 'v':
                /* ECMA: U+000B only (PCRE: any vertical space). */
                emit_str(x, "\\x{0B}", at);
                continue;
            default: {
                if ((e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z')) {
                    /* Letters ECMA-262 does not define as escapes (\A \Z \h \R
                     * \K \Q ...) are PCRE features with other meanings. */
                    if (strchr("bBfnrtcxk", e) == NULL) {
                        refuse(x, "an escape ECMA-262 does not define", at);
                        continue;
                    }
                }
                /* Everything else means the same in PCRE: copy the escape
                 * with its whole (possibly multi-byte) character. */
                size_t n = u8len((unsigned char)e);
                size_t k = 1;
                while (k < n && src[i] != '\0') {
                    i++;
                    k++;
                }
                emit(x, src + at, 1 + k, at);
                continue;
            }
            }
        }
        i++;
        if (in_class) {
            if (c == ']') {
                in_class = false;
                emit_str(x, "]", at);
            } else if (c == '[') {
                emit_str(x, "\\[", at);
            } else {
                emit(x, &c, 1, at);
            }
            continue;
        }
        if (c == '[') {
            in_class = true;
            emit_str(x, "[", at);
            if (src[i] == '^') {
                emit_str(x, "^", i);
                i++;
            }
        } else if (c == '.') {
            emit_str(x, "[^\\n\\r\\x{2028}\\x{2029}]", at);
        } else if (c == '(' && src[i] == '?') {
            /* ECMA-262 groups: (?: (?= (?! (?<= (?<! (?<name>; PCRE's inline
             * flags, atomic, conditional and comment groups are refused. */
            const char *g = src + i + 1;
            bool ecma = *g == ':' || *g == '=' || *g == '!' ||
                        (*g == '<' && (g[1] == '=' || g[1] == '!' || g[1] == '_' || g[1] == '$' ||
                                       (g[1] >= 'A' && g[1] <= 'Z') || (g[1] >= 'a' && g[1] <= 'z')));
            if (!ecma)
                refuse(x, "a group ECMA-262 does not have (inline flags, atomic or conditional group)", at);
            else
                emit(x, &c, 1, at);
        } else if (c == '*' || c == '+' || c == '?') {
            if (c == '+' && after_quantifier)
                refuse(x, "a possessive quantifier, which ECMA-262 does not have", at);
            else
                emit(x, &c, 1, at);
            prev_quantifier = true;
        } else {
            emit(x, &c, 1, at);
        }
    }
}

int ev_regex_compile(ev_regex *re, char *err, size_t err_len)
{
    if (err != NULL && err_len > 0)
        err[0] = '\0';
    if (re->source == NULL) {
        if (err != NULL && err_len > 0)
            snprintf(err, err_len, "invalid regular expression: no pattern");
        return -1;
    }
    xlat x = {EV_BUF_INIT, NULL, 0, false, NULL, 0};
    translate(&x, re->source);
    emit(&x, "", 0, strlen(re->source)); /* make sure out.data exists */
    if (x.failed || x.out.failed) {
        if (err != NULL && err_len > 0) {
            if (x.refused != NULL)
                snprintf(err, err_len, "invalid regular expression /%s/ at offset %zu: %s", re->source,
                         x.refused_at, x.refused);
            else
                snprintf(err, err_len, "out of memory compiling /%s/", re->source);
        }
        ev_buf_free(&x.out);
        free(x.map);
        return -1;
    }
    int code;
    PCRE2_SIZE off;
    pcre2_code *pc =
        pcre2_compile((PCRE2_SPTR)x.out.data, x.out.len,
                      PCRE2_UTF | PCRE2_DOLLAR_ENDONLY | PCRE2_ALLOW_EMPTY_CLASS | PCRE2_NEVER_BACKSLASH_C,
                      &code, &off, NULL);
    if (pc == NULL) {
        if (err != NULL && err_len > 0) {
            PCRE2_UCHAR msg[256];
            pcre2_get_error_message(code, msg, sizeof msg);
            size_t src_off = off < x.out.len ? x.map[off] : strlen(re->source);
            snprintf(err, err_len, "invalid regular expression /%s/ at offset %zu: %s", re->source, src_off,
                     (const char *)msg);
        }
        ev_buf_free(&x.out);
        free(x.map);
        return -1;
    }
    ev_buf_free(&x.out);
    free(x.map);
    /* JIT where the platform has it; the interpreter is the fallback. */
    (void)pcre2_jit_compile(pc, PCRE2_JIT_COMPLETE);
    if (re->code != NULL)
        pcre2_code_free(re->code);
    re->code = pc;
    return 0;
}

/* Per-thread match data: matching only needs to know whether there is a
 * match, so one pair of offsets is enough. Freed at thread exit. */
static _Thread_local pcre2_match_data *tls_md;
static pthread_key_t md_key;
static pthread_once_t md_once = PTHREAD_ONCE_INIT;

static void md_free(void *p)
{
    pcre2_match_data_free(p);
}
static void md_key_init(void)
{
    (void)pthread_key_create(&md_key, md_free);
}

static pcre2_match_data *thread_match_data(void)
{
    if (tls_md == NULL) {
        tls_md = pcre2_match_data_create(1, NULL);
        if (tls_md != NULL) {
            pthread_once(&md_once, md_key_init);
            (void)pthread_setspecific(md_key, tls_md);
        }
    }
    return tls_md;
}

bool ev_regex_search(const ev_regex *re, const char *subject, size_t len)
{
    if (re->code == NULL)
        return false;
    pcre2_match_data *md = thread_match_data();
    if (md == NULL)
        return false;
    /* Subjects come from ev_json, which has checked their UTF-8. */
    int rc = pcre2_match(re->code, (PCRE2_SPTR)subject, len, 0, PCRE2_NO_UTF_CHECK, md, NULL);
    if (rc == PCRE2_ERROR_JIT_STACKLIMIT)
        /* The JIT stack is small; the interpreter uses the heap. */
        rc = pcre2_match(re->code, (PCRE2_SPTR)subject, len, 0, PCRE2_NO_UTF_CHECK | PCRE2_NO_JIT, md, NULL);
    return rc >= 0;
}

void ev_regex_free(ev_regex *re)
{
    if (re->code != NULL)
        pcre2_code_free(re->code);
    re->code = NULL;
}

static inline bool charseg_has(const ev_charseg *g, unsigned char b)
{
    return (g->set[b >> 3] >> (b & 7)) & 1;
}

bool ev_charseq_match(const ev_charseq *q, const char *subject, size_t len)
{
    const unsigned char *s = (const unsigned char *)subject;
    size_t i = 0;
    for (unsigned k = 0; k + 1 < q->count; k++) {
        const ev_charseg *g = &q->segs[k];
        for (unsigned j = 0; j < g->min; j++, i++) {
            if (i >= len || !charseg_has(g, s[i]))
                return false;
        }
    }
    const ev_charseg *last = &q->segs[q->count - 1];
    size_t n = 0;
    while (i < len && charseg_has(last, s[i])) {
        i++;
        n++;
    }
    return i == len && n >= last->min && (last->max == EV_CHARSEG_UNBOUNDED || n <= last->max);
}
