/* ev_format: hand-written grammar checks for the asserted formats; see
 * ev_format.h. Everything is ASCII-only by design: a non-ASCII byte never
 * matches a character class here, so Unicode digits and the like are
 * rejected without special cases. No locale-dependent <ctype.h>. */
#include "schema/ev_format.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}
static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
static bool is_hex(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
static bool is_alnum(char c)
{
    return is_alpha(c) || is_digit(c);
}

/* n ASCII digits at s as a number, or -1. */
static int num(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!is_digit(s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* ---- RFC 3339 ------------------------------------------------------------ */

static int days_in_month(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
        return 29;
    return days[m - 1];
}

/* full-date = YYYY-MM-DD; returns the end or NULL. */
static const char *parse_date(const char *s)
{
    int y = num(s, 4);
    if (y < 0 || s[4] != '-')
        return NULL;
    int m = num(s + 5, 2);
    if (m < 1 || m > 12 || s[7] != '-')
        return NULL;
    int d = num(s + 8, 2);
    if (d < 1 || d > days_in_month(y, m))
        return NULL;
    return s + 10;
}

/* full-time = HH:MM:SS[.frac](Z|+HH:MM|-HH:MM); returns the end or NULL. */
static const char *parse_time(const char *s)
{
    int h = num(s, 2);
    if (h < 0 || h > 23 || s[2] != ':')
        return NULL;
    int mi = num(s + 3, 2);
    if (mi < 0 || mi > 59 || s[5] != ':')
        return NULL;
    int sec = num(s + 6, 2);
    if (sec < 0 || sec > 60)
        return NULL;
    s += 8;
    if (*s == '.') {
        s++;
        if (!is_digit(*s))
            return NULL;
        while (is_digit(*s))
            s++;
    }
    int offset = 0; /* minutes east of UTC */
    if (*s == 'Z' || *s == 'z') {
        s++;
    } else if (*s == '+' || *s == '-') {
        int sign = *s == '+' ? 1 : -1;
        int oh = num(s + 1, 2);
        if (oh < 0 || oh > 23 || s[3] != ':')
            return NULL;
        int om = num(s + 4, 2);
        if (om < 0 || om > 59)
            return NULL;
        offset = sign * (oh * 60 + om);
        s += 6;
    } else {
        return NULL;
    }
    /* A leap second exists only at 23:59:60 UTC. */
    if (sec == 60 && ((h * 60 + mi - offset) % 1440 + 1440) % 1440 != 23 * 60 + 59)
        return NULL;
    return s;
}

bool ev_format_date(const char *s)
{
    const char *e = parse_date(s);
    return e != NULL && *e == '\0';
}

bool ev_format_time(const char *s)
{
    const char *e = parse_time(s);
    return e != NULL && *e == '\0';
}

bool ev_format_date_time(const char *s)
{
    const char *e = parse_date(s);
    if (e == NULL || (*e != 'T' && *e != 't'))
        return false;
    e = parse_time(e + 1);
    return e != NULL && *e == '\0';
}

/* ---- IP addresses ---------------------------------------------------------- */

/* Dotted quad without leading zeros; returns the end or NULL. */
static const char *parse_ipv4(const char *s)
{
    for (int part = 0; part < 4; part++) {
        if (part > 0) {
            if (*s != '.')
                return NULL;
            s++;
        }
        if (!is_digit(*s))
            return NULL;
        int v = 0, n = 0;
        while (is_digit(s[n]) && n < 4)
            v = v * 10 + (s[n++] - '0');
        if (n > 3 || v > 255 || (n > 1 && s[0] == '0'))
            return NULL;
        s += n;
    }
    return s;
}

bool ev_format_ipv4(const char *s)
{
    const char *e = parse_ipv4(s);
    return e != NULL && *e == '\0';
}

/* RFC 4291 section 2.2 over [s, end): hex groups, one "::" at most, an
 * optional trailing dotted quad worth two groups. */
static bool ipv6_span(const char *s, const char *end)
{
    const char *p = s;
    int groups = 0;
    bool dc = false;
    if (p == end)
        return false;
    if (*p == ':') {
        if (end - p < 2 || p[1] != ':')
            return false;
        dc = true;
        p += 2;
        if (p == end)
            return true;
    }
    for (;;) {
        /* A dotted quad ends the address; spot it by a '.' before the next ':'. */
        const char *q = p;
        while (q < end && (is_hex(*q) || *q == '.') && *q != ':')
            q++;
        if (memchr(p, '.', (size_t)(q - p)) != NULL) {
            const char *e = parse_ipv4(p);
            if (e != end)
                return false;
            groups += 2;
            break;
        }
        int n = 0;
        while (p < end && is_hex(*p) && n < 5) {
            p++;
            n++;
        }
        if (n == 0 || n > 4)
            return false;
        groups++;
        if (p == end)
            break;
        if (*p != ':' || groups > 8)
            return false;
        p++;
        if (p < end && *p == ':') {
            if (dc)
                return false;
            dc = true;
            p++;
            if (p == end)
                break;
        } else if (p == end) {
            return false; /* a single trailing colon */
        }
    }
    return dc ? groups <= 7 : groups == 8;
}

bool ev_format_ipv6(const char *s)
{
    return ipv6_span(s, s + strlen(s));
}

/* ---- hostname (RFC 1123, with the IDNA A-label checks of RFC 5890-5893) -- */

/* RFC 3492 Punycode decoding of [s, s+n) into out (at most cap code points). */
static int punycode_decode(const char *s, size_t n, uint32_t *out, int cap)
{
    enum { BASE = 36, TMIN = 1, TMAX = 26, SKEW = 38, DAMP = 700 };
    int len = 0;
    size_t b = 0;
    for (size_t j = 0; j < n; j++)
        if (s[j] == '-')
            b = j;
    size_t in = 0;
    if (memchr(s, '-', n) != NULL) {
        for (size_t j = 0; j < b; j++) {
            if (len >= cap)
                return -1;
            out[len++] = (unsigned char)s[j];
        }
        in = b + 1;
    }
    uint32_t cp = 128, bias = 72, i = 0;
    while (in < n) {
        uint32_t oldi = i, w = 1;
        for (uint32_t k = BASE;; k += BASE) {
            if (in >= n)
                return -1;
            char c = s[in++];
            uint32_t digit = is_digit(c)              ? (uint32_t)(c - '0' + 26)
                             : (c >= 'a' && c <= 'z') ? (uint32_t)(c - 'a')
                             : (c >= 'A' && c <= 'Z') ? (uint32_t)(c - 'A')
                                                      : BASE;
            if (digit >= BASE || digit > (UINT32_MAX - i) / w)
                return -1;
            i += digit * w;
            uint32_t t = k <= bias ? TMIN : k >= bias + TMAX ? TMAX : k - bias;
            if (digit < t)
                break;
            if (w > UINT32_MAX / (BASE - t))
                return -1;
            w *= BASE - t;
        }
        uint32_t np = (uint32_t)len + 1;
        uint32_t delta = oldi == 0 ? (i - oldi) / DAMP : (i - oldi) / 2;
        delta += delta / np;
        uint32_t k = 0;
        while (delta > ((BASE - TMIN) * TMAX) / 2) {
            delta /= BASE - TMIN;
            k += BASE;
        }
        bias = k + (BASE - TMIN + 1) * delta / (delta + SKEW);
        if (i / np > 0x10FFFF - cp)
            return -1;
        cp += i / np;
        i %= np;
        if (len >= cap || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return -1;
        memmove(out + i + 1, out + i, (size_t)((uint32_t)len - i) * sizeof *out);
        out[i++] = cp;
        len++;
    }
    return len;
}

static bool in_ranges(uint32_t c, const uint32_t (*r)[2], size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (c >= r[i][0] && c <= r[i][1])
            return true;
    return false;
}

/* Combining marks (general category M) of the common scripts: a label must
 * not begin with one (RFC 5891 4.2.3.2). */
static const uint32_t marks[][2] = {
    {0x0300, 0x036F}, {0x0483, 0x0489}, {0x0591, 0x05BD}, {0x05BF, 0x05BF}, {0x05C1, 0x05C2},
    {0x05C4, 0x05C5}, {0x05C7, 0x05C7}, {0x0610, 0x061A}, {0x064B, 0x065F}, {0x0670, 0x0670},
    {0x06D6, 0x06DC}, {0x06DF, 0x06E4}, {0x06E7, 0x06E8}, {0x06EA, 0x06ED}, {0x0711, 0x0711},
    {0x0730, 0x074A}, {0x07A6, 0x07B0}, {0x07EB, 0x07F3}, {0x0816, 0x082D}, {0x0859, 0x085B},
    {0x08D3, 0x0903}, {0x093A, 0x093C}, {0x093E, 0x094F}, {0x0951, 0x0957}, {0x0962, 0x0963},
    {0x0981, 0x0983}, {0x09BC, 0x09D7}, {0x09E2, 0x09E3}, {0x0A01, 0x0A03}, {0x0A3C, 0x0A51},
    {0x0A70, 0x0A71}, {0x0A75, 0x0A75}, {0x0A81, 0x0A83}, {0x0ABC, 0x0ACD}, {0x0AE2, 0x0AE3},
    {0x0B01, 0x0B03}, {0x0B3C, 0x0B57}, {0x0B62, 0x0B63}, {0x0B82, 0x0B82}, {0x0BBE, 0x0BCD},
    {0x0BD7, 0x0BD7}, {0x0C00, 0x0C04}, {0x0C3E, 0x0C56}, {0x0C62, 0x0C63}, {0x0C81, 0x0C83},
    {0x0CBC, 0x0CD6}, {0x0CE2, 0x0CE3}, {0x0D00, 0x0D03}, {0x0D3B, 0x0D4D}, {0x0D57, 0x0D57},
    {0x0D62, 0x0D63}, {0x0D82, 0x0D83}, {0x0DCA, 0x0DF3}, {0x0E31, 0x0E31}, {0x0E34, 0x0E3A},
    {0x0E47, 0x0E4E}, {0x0EB1, 0x0EB1}, {0x0EB4, 0x0EBC}, {0x0EC8, 0x0ECD}, {0x0F18, 0x0F19},
    {0x0F35, 0x0F39}, {0x0F3E, 0x0F3F}, {0x0F71, 0x0F84}, {0x0F86, 0x0F87}, {0x0F8D, 0x0FBC},
    {0x102B, 0x103E}, {0x1056, 0x1059}, {0x135D, 0x135F}, {0x1712, 0x1714}, {0x17B4, 0x17D3},
    {0x180B, 0x180D}, {0x1AB0, 0x1AFF}, {0x1DC0, 0x1DFF}, {0x20D0, 0x20FF}, {0x302A, 0x302F},
    {0x3099, 0x309A}, {0xA66F, 0xA672}, {0xA674, 0xA67D}, {0xFE00, 0xFE0F}, {0xFE20, 0xFE2F},
};

/* Virama (canonical combining class 9), for the ZERO WIDTH (NON-)JOINER rules. */
static const uint32_t viramas[] = {0x094D, 0x09CD, 0x0A4D, 0x0ACD, 0x0B4D, 0x0BCD, 0x0C4D, 0x0CCD, 0x0D3B,
                                   0x0D3C, 0x0D4D, 0x0DCA, 0x0E3A, 0x0EBA, 0x0F84, 0x1039, 0x103A, 0x1714,
                                   0x1734, 0x17D2, 0x1A60, 0x1B44, 0x1BAA, 0x1BAB, 0x1BF2, 0x1BF3, 0x2D7F,
                                   0xA806, 0xA8C4, 0xA953, 0xA9C0, 0xAAF6, 0xABED};

static bool is_virama(uint32_t c)
{
    for (size_t i = 0; i < sizeof viramas / sizeof viramas[0]; i++)
        if (viramas[i] == c)
            return true;
    return false;
}

static bool is_greek(uint32_t c)
{
    return (c >= 0x0370 && c <= 0x03FF) || (c >= 0x1F00 && c <= 0x1FFF);
}
static bool is_hebrew(uint32_t c)
{
    return c >= 0x0590 && c <= 0x05FF;
}
static bool is_kana_han(uint32_t c)
{
    return (c >= 0x3040 && c <= 0x30FF && c != 0x30FB) || (c >= 0x3400 && c <= 0x4DBF) ||
           (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x20000 && c <= 0x3134F);
}
/* Arabic-script letters that join (approximation of Joining_Type D/L/R/T). */
static bool is_arabic_joining(uint32_t c)
{
    return (c >= 0x0620 && c <= 0x064A) || (c >= 0x066E && c <= 0x06D3);
}

/* The IDNA2008 checks that apply to a decoded A-label (U-label). */
static bool ulabel_ok(const uint32_t *u, int n)
{
    if (n == 0)
        return false;
    if (n >= 4 && u[2] == '-' && u[3] == '-')
        return false; /* RFC 5891 4.2.3.1 */
    if (u[0] == '-' || u[n - 1] == '-')
        return false;
    if (in_ranges(u[0], marks, sizeof marks / sizeof marks[0]))
        return false;
    bool arabic_indic = false, ext_arabic_indic = false, kana_han = false, has_katakana_dot = false;
    for (int i = 0; i < n; i++) {
        uint32_t c = u[i];
        if (c < 0x80 && !(is_alnum((char)c) || c == '-'))
            return false;
        if (c >= 'A' && c <= 'Z')
            return false; /* A-labels encode lower case only */
        /* RFC 5892 2.6 exceptions that are DISALLOWED. */
        if (c == 0x0640 || c == 0x07FA || c == 0x302E || c == 0x302F || (c >= 0x3031 && c <= 0x3035) ||
            c == 0x303B)
            return false;
        switch (c) { /* RFC 5892 appendix A: CONTEXTJ and CONTEXTO rules */
        case 0x00B7:
            if (i == 0 || i == n - 1 || u[i - 1] != 'l' || u[i + 1] != 'l')
                return false;
            break;
        case 0x0375:
            if (i == n - 1 || !is_greek(u[i + 1]))
                return false;
            break;
        case 0x05F3:
        case 0x05F4:
            if (i == 0 || !is_hebrew(u[i - 1]))
                return false;
            break;
        case 0x30FB:
            has_katakana_dot = true;
            break;
        case 0x200D:
            if (i == 0 || !is_virama(u[i - 1]))
                return false;
            break;
        case 0x200C:
            if (!(i > 0 && is_virama(u[i - 1])) &&
                !(i > 0 && i < n - 1 && is_arabic_joining(u[i - 1]) && is_arabic_joining(u[i + 1])))
                return false;
            break;
        default:
            break;
        }
        if (c >= 0x0660 && c <= 0x0669)
            arabic_indic = true;
        if (c >= 0x06F0 && c <= 0x06F9)
            ext_arabic_indic = true;
        if (is_kana_han(c))
            kana_han = true;
    }
    if (arabic_indic && ext_arabic_indic)
        return false;
    if (has_katakana_dot && !kana_han)
        return false;
    return true;
}

static bool label_ok(const char *s, size_t n)
{
    if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
        return false;
    for (size_t i = 0; i < n; i++)
        if (!is_alnum(s[i]) && s[i] != '-')
            return false;
    /* "--" in positions 3 and 4 is reserved for A-labels ("xn--"). */
    if (n >= 4 && s[2] == '-' && s[3] == '-') {
        if ((s[0] != 'x' && s[0] != 'X') || (s[1] != 'n' && s[1] != 'N'))
            return false;
        uint32_t u[64];
        int len = punycode_decode(s + 4, n - 4, u, 63);
        if (len < 0 || !ulabel_ok(u, len))
            return false;
    }
    return true;
}

bool ev_format_hostname(const char *s)
{
    size_t total = strlen(s);
    if (total == 0 || total > 253)
        return false;
    /* Every label non-empty: no leading, trailing or doubled dot. */
    const char *p = s;
    for (;;) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        if (!label_ok(p, n))
            return false;
        if (dot == NULL)
            return true;
        p = dot + 1;
    }
}

/* ---- email (RFC 5321 Mailbox) --------------------------------------------- */

static bool is_atext(char c)
{
    return is_alnum(c) || (c != '\0' && strchr("!#$%&'*+/=?^_`{|}~-", c) != NULL);
}

bool ev_format_email(const char *s)
{
    const char *p = s;
    if (*p == '"') {
        /* Quoted-string: qtextSMTP or quoted-pairSMTP, printable ASCII. */
        p++;
        for (;;) {
            char c = *p;
            if (c == '"')
                break;
            if (c == '\\') {
                if (p[1] < 32 || p[1] > 126)
                    return false;
                p += 2;
                continue;
            }
            if (c < 32 || c > 126)
                return false;
            p++;
        }
        p++;
    } else {
        /* Dot-string: atoms separated by single dots. */
        for (;;) {
            if (!is_atext(*p))
                return false;
            while (is_atext(*p))
                p++;
            if (*p != '.')
                break;
            p++;
        }
    }
    if (p - s > 64 || *p != '@')
        return false;
    const char *d = p + 1;
    size_t n = strlen(d);
    if (n > 0 && d[0] == '[') {
        if (d[n - 1] != ']')
            return false;
        char lit[256];
        if (n - 2 >= sizeof lit)
            return false;
        memcpy(lit, d + 1, n - 2);
        lit[n - 2] = '\0';
        if (strncmp(lit, "IPv6:", 5) == 0)
            return ev_format_ipv6(lit + 5);
        return ev_format_ipv4(lit);
    }
    return ev_format_hostname(d);
}

/* ---- uri (RFC 3986 URI, i.e. absolute with a scheme) ----------------------- */

static bool is_unreserved(char c)
{
    return is_alnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}
static bool is_sub_delim(char c)
{
    return c != '\0' && strchr("!$&'()*+,;=", c) != NULL;
}

/* Skips a run of allowed characters (unreserved, sub-delims, percent
 * escapes, plus `extra`); returns NULL on a broken percent escape. */
static const char *skip_chars(const char *p, const char *end, const char *extra)
{
    while (p < end) {
        char c = *p;
        if (c == '%') {
            if (end - p < 3 || !is_hex(p[1]) || !is_hex(p[2]))
                return NULL;
            p += 3;
        } else if (is_unreserved(c) || is_sub_delim(c) || (c != '\0' && strchr(extra, c) != NULL)) {
            p++;
        } else {
            break;
        }
    }
    return p;
}

static bool authority_ok(const char *a, const char *end)
{
    const char *at = memchr(a, '@', (size_t)(end - a));
    if (at != NULL) {
        if (skip_chars(a, at, ":") != at)
            return false;
        a = at + 1;
    }
    const char *host_end;
    if (a < end && *a == '[') {
        const char *close = memchr(a, ']', (size_t)(end - a));
        if (close == NULL)
            return false;
        const char *h = a + 1;
        if (h < close && (*h == 'v' || *h == 'V')) {
            /* IPvFuture */
            const char *q = h + 1;
            while (q < close && is_hex(*q))
                q++;
            if (q == h + 1 || q >= close || *q != '.' || q + 1 >= close)
                return false;
            for (q++; q < close; q++)
                if (!is_unreserved(*q) && !is_sub_delim(*q) && *q != ':')
                    return false;
        } else if (!ipv6_span(h, close)) {
            return false;
        }
        host_end = close + 1;
    } else {
        host_end = skip_chars(a, end, "");
        if (host_end == NULL)
            return false;
    }
    if (host_end == end)
        return true;
    if (*host_end != ':')
        return false;
    for (const char *q = host_end + 1; q < end; q++)
        if (!is_digit(*q))
            return false;
    return true;
}

bool ev_format_uri(const char *s)
{
    const char *p = s;
    if (!is_alpha(*p))
        return false;
    while (is_alnum(*p) || *p == '+' || *p == '-' || *p == '.')
        p++;
    if (*p != ':')
        return false;
    p++;
    const char *end = s + strlen(s);
    if (p[0] == '/' && p[1] == '/') {
        const char *a = p + 2;
        const char *ae = a;
        while (ae < end && *ae != '/' && *ae != '?' && *ae != '#')
            ae++;
        if (!authority_ok(a, ae))
            return false;
        p = ae;
    }
    /* path, then ?query, then #fragment */
    p = skip_chars(p, end, ":@/");
    if (p == NULL)
        return false;
    if (*p == '?') {
        p = skip_chars(p + 1, end, ":@/?");
        if (p == NULL)
            return false;
    }
    if (*p == '#') {
        p = skip_chars(p + 1, end, ":@/?");
        if (p == NULL)
            return false;
    }
    return p == end;
}

/* ---- uuid ------------------------------------------------------------------ */

bool ev_format_uuid(const char *s)
{
    for (int i = 0; i < 36; i++) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : !is_hex(s[i]))
            return false;
    }
    return s[36] == '\0';
}
