/* ev_number: exact decimal number semantics; see ev_number.h.
 *
 * Everything is decided on the normal form (sign, significant digits,
 * exponent of the last digit) read straight from the text: no copy, no
 * saturating counter. Position arithmetic is int64: digit counts are below
 * EV_NUM_TEXT_MAX_LEN (2^58) and narrow exponents below EV_NUM_EXP_NARROW
 * (2^61), so every sum and difference of them stays below 2^63. Written
 * exponents beyond 2^61 are compared digit by digit (ev_num_dec_exp_diff).
 */
#include "schema/ev_number.h"

#include <cjson/cJSON.h>
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema/ev_json.h"

_Static_assert(EV_NUM_EXP_NARROW + 4 * (int64_t)EV_NUM_TEXT_MAX_LEN < EV_NUM_EXP_SAT,
               "narrow exponents plus positions must stay below the saturation value");

#define IS_DIGIT(c) ((unsigned char)((c) - '0') < 10)

/* ---- parsing ---------------------------------------------------------------- */

/* Where the parts of a number text are: [b, e) ranges, empty when absent. */
typedef struct num_parts {
    const char *int_b, *int_e, *frac_b, *frac_e, *exp_b, *exp_e;
    bool neg, exp_neg;
} num_parts;

/* RFC 8259: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?, all of [p, end). */
static bool scan_parts(const char *p, const char *end, num_parts *s)
{
    s->neg = p < end && *p == '-';
    p += s->neg;
    s->int_b = p;
    if (p == end || !IS_DIGIT(*p))
        return false;
    if (*p == '0')
        p++;
    else
        while (p < end && IS_DIGIT(*p))
            p++;
    s->int_e = s->frac_b = s->frac_e = p;
    if (p < end && *p == '.') {
        s->frac_b = ++p;
        while (p < end && IS_DIGIT(*p))
            p++;
        if (p == s->frac_b)
            return false;
        s->frac_e = p;
    }
    s->exp_neg = false;
    s->exp_b = s->exp_e = p;
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            s->exp_neg = *p++ == '-';
        s->exp_b = p;
        while (p < end && IS_DIGIT(*p))
            p++;
        if (p == s->exp_b)
            return false;
        s->exp_e = p;
    }
    return p == end;
}

/* Sets x's digit runs (x->n = 0 for zero) and returns the exponent of the
 * last significant digit relative to the written exponent. The integer part
 * has no leading zeros (grammar), so it is either "0" or starts the digits. */
static int64_t locate_digits(const num_parts *s, ev_num_dec *x)
{
    const char *fe = s->frac_e;
    while (fe > s->frac_b && fe[-1] == '0')
        fe--;
    int64_t adj;
    x->d2 = NULL;
    x->n2 = 0;
    if (*s->int_b != '0' && fe > s->frac_b) {
        x->d1 = s->int_b;
        x->n1 = (size_t)(s->int_e - s->int_b);
        x->d2 = s->frac_b;
        x->n2 = (size_t)(fe - s->frac_b);
        adj = -(int64_t)x->n2;
    } else if (*s->int_b != '0') {
        const char *ie = s->int_e;
        while (ie[-1] == '0')
            ie--;
        x->d1 = s->int_b;
        x->n1 = (size_t)(ie - s->int_b);
        adj = (int64_t)(s->int_e - ie);
    } else {
        const char *fb = s->frac_b;
        while (fb < fe && *fb == '0')
            fb++;
        x->d1 = fb;
        x->n1 = (size_t)(fe - fb);
        adj = -(int64_t)(fe - s->frac_b);
    }
    x->n = x->n1 + x->n2;
    return adj;
}

/* The written exponent's digits [p, end) without leading zeros: true with
 * *value when at most EV_NUM_EXP_NARROW, false when wider. */
static bool narrow_exponent(const char *p, const char *end, int64_t *value)
{
    int64_t e = 0;
    for (; p < end; p++) {
        if (e > EV_NUM_EXP_NARROW / 10)
            return false;
        e = e * 10 + (*p - '0');
    }
    if (e > EV_NUM_EXP_NARROW)
        return false;
    *value = e;
    return true;
}

bool ev_num_dec_parse(const char *text, size_t len, ev_num_dec *x)
{
    num_parts s;
    if (text == NULL || len == 0 || len > EV_NUM_TEXT_MAX_LEN || !scan_parts(text, text + len, &s))
        return false;
    int64_t adj = locate_digits(&s, x);
    x->neg = s.neg;
    x->wide = false;
    x->exp = 0;
    x->exp_digits = NULL;
    x->exp_len = 0;
    x->exp_neg = false;
    x->exp_adj = 0;
    if (x->n == 0)
        return true; /* zero, whatever the exponent */
    const char *eb = s.exp_b;
    while (eb < s.exp_e && *eb == '0')
        eb++;
    int64_t e;
    if (narrow_exponent(eb, s.exp_e, &e)) {
        x->exp = (s.exp_neg ? -e : e) + adj;
        return true;
    }
    x->wide = true;
    x->exp = s.exp_neg ? -EV_NUM_EXP_SAT : EV_NUM_EXP_SAT;
    x->exp_digits = eb;
    x->exp_len = (size_t)(s.exp_e - eb);
    x->exp_neg = s.exp_neg;
    x->exp_adj = adj;
    return true;
}

static bool parse_str(const char *text, ev_num_dec *x)
{
    return text != NULL && ev_num_dec_parse(text, strlen(text), x);
}

int64_t ev_num_dec_lead(const ev_num_dec *x)
{
    if (x->n == 0)
        return 0;
    return x->wide ? x->exp : x->exp + (int64_t)x->n - 1;
}

/* ---- exact exponent arithmetic ---------------------------------------------- */

/* An exponent as (neg ? -E : E) + adj, E a digit string without leading
 * zeros ("" for 0). Narrow exponents are written into buf. */
typedef struct exp_form {
    const char *digits;
    size_t len;
    bool neg;
    int64_t adj;
    char buf[24];
} exp_form;

static void exp_form_of(const ev_num_dec *x, exp_form *f)
{
    if (x->wide) {
        f->digits = x->exp_digits;
        f->len = x->exp_len;
        f->neg = x->exp_neg;
        f->adj = x->exp_adj;
        return;
    }
    uint64_t m = x->exp < 0 ? (uint64_t)0 - (uint64_t)x->exp : (uint64_t)x->exp;
    f->neg = x->exp < 0;
    f->adj = 0;
    f->digits = f->buf;
    f->len = m == 0 ? 0 : (size_t)snprintf(f->buf, sizeof f->buf, "%" PRIu64, m);
}

static int mag_cmp(const char *a, size_t la, const char *b, size_t lb)
{
    if (la != lb)
        return la < lb ? -1 : 1;
    int c = memcmp(a, b, la);
    return (c > 0) - (c < 0);
}

#define MAG_LIMIT UINT64_C(10000000000000000000) /* 10^19 */

/* min(a + b, 10^19), or with `subtract` (requires a >= b) min(a - b, 10^19),
 * for decimal digit strings of any length. */
static uint64_t mag_combine(const char *a, size_t la, const char *b, size_t lb, bool subtract)
{
    uint64_t acc = 0, scale = 1;
    bool over = false;
    int carry = 0;
    size_t n = la > lb ? la : lb;
    for (size_t i = 0; i < n; i++) {
        int da = i < la ? a[la - 1 - i] - '0' : 0;
        int db = i < lb ? b[lb - 1 - i] - '0' : 0;
        int r = subtract ? da - db - carry : da + db + carry;
        carry = subtract ? r < 0 : r >= 10;
        r += subtract ? (carry ? 10 : 0) : (carry ? -10 : 0);
        if (r != 0 && i >= 19)
            over = true;
        else if (r != 0)
            acc += (uint64_t)r * scale;
        if (i < 19)
            scale *= 10;
    }
    if (!subtract && carry) {
        if (n >= 19)
            over = true;
        else
            acc += scale;
    }
    return over || acc >= MAG_LIMIT ? MAG_LIMIT : acc;
}

int64_t ev_num_dec_exp_diff(const ev_num_dec *a, const ev_num_dec *b)
{
    if (!a->wide && !b->wide)
        return a->exp - b->exp; /* both below 2^62 in magnitude */
    exp_form x, y;
    exp_form_of(a, &x);
    exp_form_of(b, &y);
    /* (sx Ex + ax) - (sy Ey + ay) = [sx Ex - sy Ey] + (ax - ay); the bracket
     * is sx (Ex + Ey) when the signs differ, else sx (Ex - Ey). */
    uint64_t m;
    bool neg;
    if (x.neg != y.neg) {
        m = mag_combine(x.digits, x.len, y.digits, y.len, false);
        neg = x.neg;
    } else {
        int c = mag_cmp(x.digits, x.len, y.digits, y.len);
        m = c >= 0 ? mag_combine(x.digits, x.len, y.digits, y.len, true)
                   : mag_combine(y.digits, y.len, x.digits, x.len, true);
        neg = x.neg != (c < 0);
    }
    /* |m| = 10^19 stands for "at least 10^19": with |ax - ay| < 2^59 the
     * sum still exceeds EV_NUM_EXP_SAT and is clamped with the right sign. */
    __int128 d = (neg ? -(__int128)m : (__int128)m) + ((__int128)x.adj - (__int128)y.adj);
    if (d > EV_NUM_EXP_SAT)
        return EV_NUM_EXP_SAT;
    if (d < -EV_NUM_EXP_SAT)
        return -EV_NUM_EXP_SAT;
    return (int64_t)d;
}

/* ---- comparison ------------------------------------------------------------- */

static int sign_of(const ev_num_dec *x)
{
    return x->n == 0 ? 0 : (x->neg ? -1 : 1);
}

/* |a| against |b|, both non-zero. */
static int cmp_magnitude(const ev_num_dec *a, const ev_num_dec *b)
{
    /* lead(a) - lead(b): exact, or clamped far beyond what n can offset. */
    int64_t dl = ev_num_dec_exp_diff(a, b) + ((int64_t)a->n - (int64_t)b->n);
    if (dl != 0)
        return dl < 0 ? -1 : 1;
    size_t n = a->n < b->n ? a->n : b->n;
    for (size_t i = 0; i < n; i++) {
        char da = ev_num_dec_digit(a, i), db = ev_num_dec_digit(b, i);
        if (da != db)
            return da < db ? -1 : 1;
    }
    /* Same leading digits: the longer one has a non-zero digit more. */
    return a->n == b->n ? 0 : (a->n < b->n ? -1 : 1);
}

int ev_num_dec_compare(const ev_num_dec *a, const ev_num_dec *b)
{
    int sa = sign_of(a), sb = sign_of(b);
    if (sa != sb)
        return sa < sb ? -1 : 1;
    if (sa == 0)
        return 0;
    int m = cmp_magnitude(a, b);
    return sa > 0 ? m : -m;
}

int ev_num_text_compare(const char *a, const char *b)
{
    ev_num_dec x, y;
    if (parse_str(a, &x) && parse_str(b, &y))
        return ev_num_dec_compare(&x, &y);
    /* Not number texts (outside the contract): compare what strtod makes of them. */
    double u = a ? strtod(a, NULL) : 0, v = b ? strtod(b, NULL) : 0;
    return (u > v) - (u < v);
}

/* ---- multipleOf --------------------------------------------------------------- */

/* r = r * 10 + digit, for a little-endian decimal big number of *rn digits. */
static void big_mul10_add(unsigned char *r, size_t *rn, unsigned digit)
{
    memmove(r + 1, r, *rn);
    r[0] = (unsigned char)digit;
    (*rn)++;
    while (*rn > 0 && r[*rn - 1] == 0)
        (*rn)--;
}

static int big_cmp(const unsigned char *r, size_t rn, const unsigned char *m, size_t mn)
{
    if (rn != mn)
        return rn < mn ? -1 : 1;
    for (size_t i = rn; i-- > 0;)
        if (r[i] != m[i])
            return r[i] < m[i] ? -1 : 1;
    return 0;
}

static void big_sub(unsigned char *r, size_t *rn, const unsigned char *m, size_t mn)
{
    int borrow = 0;
    for (size_t i = 0; i < *rn; i++) {
        int v = r[i] - (i < mn ? m[i] : 0) - borrow;
        borrow = v < 0;
        r[i] = (unsigned char)(v + (borrow ? 10 : 0));
    }
    while (*rn > 0 && r[*rn - 1] == 0)
        (*rn)--;
}

/* Divisors of up to 19 significant digits: the remainder in 64 bits. The
 * zeros loop stops after 64 steps: see digits_multiple. */
static bool digits_multiple_u64(const ev_num_dec *v, const ev_num_dec *d, int64_t k)
{
    uint64_t m = 0;
    for (size_t i = 0; i < d->n; i++)
        m = m * 10 + (uint64_t)(ev_num_dec_digit(d, i) - '0');
    uint64_t r = 0;
    for (size_t i = 0; i < v->n; i++)
        r = (uint64_t)(((unsigned __int128)r * 10 + (unsigned)(ev_num_dec_digit(v, i) - '0')) % m);
    for (int64_t i = 0; i < k && i < 64 && r != 0; i++)
        r = (uint64_t)(((unsigned __int128)r * 10) % m);
    return r == 0;
}

/* Longer divisors: schoolbook decimal remainder, slower but exact. */
static bool digits_multiple_big(const ev_num_dec *v, const ev_num_dec *d, int64_t k)
{
    size_t mn = d->n;
    unsigned char *m = malloc(mn);
    unsigned char *r = malloc(mn + 2);
    bool result = false;
    if (m == NULL || r == NULL)
        goto out;
    for (size_t i = 0; i < mn; i++)
        m[i] = (unsigned char)(ev_num_dec_digit(d, mn - 1 - i) - '0');
    size_t rn = 0;
    int64_t steps = (int64_t)mn * 4 + 4; /* > log2(M) */
    size_t total = v->n + (size_t)(k < steps ? k : steps);
    for (size_t i = 0; i < total; i++) {
        unsigned digit = i < v->n ? (unsigned)(ev_num_dec_digit(v, i) - '0') : 0;
        big_mul10_add(r, &rn, digit);
        while (big_cmp(r, rn, m, mn) >= 0)
            big_sub(r, &rn, m, mn);
        if (rn == 0 && i >= v->n)
            break;
    }
    result = rn == 0;
out:
    free(m);
    free(r);
    return result;
}

/* Is V * 10^k a multiple of M? (V, M the significant digits, k >= 0.) Both
 * paths stream the remainder r = (r * 10 + digit) mod M over V's digits and
 * then over the k appended zeros. The zeros loop is cut short: with
 * M = 2^a 5^b m (gcd(m, 10) = 1), once k >= max(a, b) only m | V matters, so
 * the answer no longer changes after max(a, b) <= log2(M) steps. That bounds
 * the work for 1e308 or 1e1000000 against tiny divisors. */
static bool digits_multiple(const ev_num_dec *v, const ev_num_dec *d, int64_t k)
{
    return d->n <= 19 ? digits_multiple_u64(v, d, k) : digits_multiple_big(v, d, k);
}

bool ev_num_dec_multiple_of(const ev_num_dec *v, const ev_num_dec *d)
{
    if (d->n == 0)
        return false; /* multipleOf 0 is not a valid schema */
    if (v->n == 0)
        return true;
    /* V has no trailing zeros, so V * 10^k with k < 0 is not even an
     * integer multiple of M * 10^0; and a smaller non-zero |v| is no
     * multiple of |d|. */
    int64_t k = ev_num_dec_exp_diff(v, d);
    if (k < 0 || cmp_magnitude(v, d) < 0)
        return false;
    return digits_multiple(v, d, k);
}

bool ev_num_text_multiple_of(const char *value_text, const char *divisor_text)
{
    ev_num_dec v, d;
    if (!parse_str(value_text, &v) || !parse_str(divisor_text, &d))
        return false;
    return ev_num_dec_multiple_of(&v, &d);
}

bool ev_num_multiple_of(const struct cJSON *x, const char *divisor_text)
{
    if (!cJSON_IsNumber(x))
        return false;
    const char *t = ev_json_number_text(x);
    char buf[EV_NUM_TEXT_MAX];
    if (t == NULL) {
        if (!isfinite(x->valuedouble))
            return false;
        ev_num_format(x->valuedouble, buf);
        t = buf;
    }
    return ev_num_text_multiple_of(t, divisor_text);
}

/* The hot path of multipleOf 10^k and of the integer test, for texts from
 * ev_json (valid JSON numbers): the normal form's exponent of the last
 * significant digit in one forward pass, with no strlen and no struct.
 * value = D * 10^(e - frac), D's last z digits zero, so that exponent is
 * e - frac + z. Returns false (the caller takes ev_num_dec_parse) for
 * anything it does not read plainly: a written exponent of 18 digits or
 * more, or a byte outside the number grammar. Positions are bounded by
 * the text length, the exponent by 10^18: int64 holds their sum. */
static bool fast_last_exp(const char *t, int64_t *exp, bool *zero)
{
    const char *p = t + (*t == '-');
    int64_t frac = 0, zeros = 0;
    bool in_frac = false, nonzero = false;
    for (;; p++) {
        if (*p == '.') {
            in_frac = true;
            continue;
        }
        if (!IS_DIGIT(*p))
            break;
        frac += in_frac;
        if (*p == '0') {
            zeros++;
        } else {
            zeros = 0;
            nonzero = true;
        }
    }
    int64_t e = 0;
    if (*p == 'e' || *p == 'E') {
        p++;
        bool eneg = *p == '-';
        p += *p == '+' || *p == '-';
        for (int digits = 0; IS_DIGIT(*p); p++) {
            if (e != 0 && ++digits >= 18)
                return false;
            e = e * 10 + (*p - '0');
        }
        if (eneg)
            e = -e;
    }
    if (*p != '\0')
        return false;
    *zero = !nonzero;
    *exp = e - frac + zeros;
    return true;
}

bool ev_num_multiple_of_pow10(const struct cJSON *x, int exp10, const char *divisor_text)
{
    const char *t = ev_json_number_text(x);
    if (t == NULL)
        return ev_num_multiple_of(x, divisor_text);
    /* D * 10^exp with D not a multiple of 10: a multiple of 10^exp10
     * exactly when exp >= exp10 (a wide exp is decided by its sign). */
    int64_t exp;
    bool zero;
    if (fast_last_exp(t, &exp, &zero))
        return zero || exp >= exp10;
    ev_num_dec v;
    if (!parse_str(t, &v))
        return false;
    return v.n == 0 || v.exp >= exp10;
}

/* ---- integers ----------------------------------------------------------------- */

bool ev_num_dec_is_integer(const ev_num_dec *x)
{
    return x->n == 0 || x->exp >= 0;
}

bool ev_num_is_integer(const struct cJSON *x)
{
    if (!cJSON_IsNumber(x))
        return false;
    const char *t = ev_json_number_text(x);
    int64_t exp;
    bool zero;
    if (t != NULL && fast_last_exp(t, &exp, &zero))
        return zero || exp >= 0;
    ev_num_dec d;
    if (parse_str(t, &d))
        return ev_num_dec_is_integer(&d);
    double v = x->valuedouble;
    return isfinite(v) && floor(v) == v;
}

/* ---- doubles ------------------------------------------------------------------ */

static bool reads_back(const char *s, double v)
{
    return strtod(s, NULL) == v;
}

size_t ev_num_format(double v, char out[EV_NUM_TEXT_MAX])
{
    if (!isfinite(v)) {
        memcpy(out, "null", 5); /* not representable in JSON */
        return 4;
    }
    if (v == 0) {
        const char *z = signbit(v) ? "-0" : "0";
        size_t n = strlen(z);
        memcpy(out, z, n + 1);
        return n;
    }
    int n;
    if (fabs(v) <= 9007199254740992.0 && floor(v) == v) {
        n = snprintf(out, EV_NUM_TEXT_MAX, "%.0f", v);
        return (size_t)n;
    }
    if (fabs(v) >= DBL_MIN) {
        /* In the normal range distinct decimals of <= 15 digits map to
         * distinct doubles, so if %.15g (which drops trailing zeros) reads
         * back it is the shortest form; otherwise 16, else 17 digits. */
        n = snprintf(out, EV_NUM_TEXT_MAX, "%.15g", v);
        if (!reads_back(out, v)) {
            n = snprintf(out, EV_NUM_TEXT_MAX, "%.16g", v);
            if (!reads_back(out, v))
                n = snprintf(out, EV_NUM_TEXT_MAX, "%.17g", v);
        }
    } else {
        /* Subnormals carry fewer digits: search from 1 up. */
        for (int prec = 1; prec <= 17; prec++) {
            n = snprintf(out, EV_NUM_TEXT_MAX, "%.*g", prec, v);
            if (reads_back(out, v))
                break;
        }
    }
    /* %g writes exponents as e-07; JSON allows it, but e-7 is the usual form. */
    char *e = strchr(out, 'e');
    if (e != NULL) {
        char *q = e + 1;
        if (*q == '+' || *q == '-')
            q++;
        char *z = q;
        while (*z == '0' && z[1] != '\0')
            z++;
        if (z != q) {
            memmove(q, z, strlen(z) + 1);
            n = (int)strlen(out);
        }
    }
    return (size_t)n;
}

bool ev_num_dec_matches_double(const ev_num_dec *x, double v)
{
    if (!isfinite(v))
        return false;
    if (x->n == 0)
        return v == 0;
    /* A shortest double text has at most 17 significant digits and lies
     * within [5e-324, 1.8e308]: anything else differs without a look at v. */
    int64_t lead = ev_num_dec_lead(x);
    if (x->n > 17 || lead > 308 || lead < -324)
        return false;
    char buf[EV_NUM_TEXT_MAX];
    size_t len = ev_num_format(v, buf);
    ev_num_dec y;
    return ev_num_dec_parse(buf, len, &y) && ev_num_dec_compare(x, &y) == 0;
}

/* DBL_DIG: a decimal of at most 15 significant digits in the normal range
 * is the shortest text of its nearest double, so no formatting is needed. */
static bool short_enough(const ev_num_dec *x)
{
    int64_t lead = ev_num_dec_lead(x);
    return x->n <= 15 && lead >= -307 && lead <= 307;
}

bool ev_num_text_matches_double(const char *text, size_t len, double v)
{
    ev_num_dec x;
    return ev_num_dec_parse(text, len, &x) && ev_num_dec_matches_double(&x, v);
}

bool ev_num_text_exact(const char *text, double *value)
{
    double v = text != NULL ? strtod(text, NULL) : 0;
    if (value != NULL)
        *value = v;
    ev_num_dec x;
    if (!parse_str(text, &x) || !isfinite(v))
        return false;
    return short_enough(&x) || ev_num_dec_matches_double(&x, v);
}

/* ---- canonical text ----------------------------------------------------------- */

/* Appends significant digits [from, to) of x (clipped to the digits). */
static void append_digits(ev_buf *out, const ev_num_dec *x, size_t from, size_t to)
{
    if (to > x->n)
        to = x->n;
    if (from >= to)
        return;
    if (from < x->n1)
        ev_buf_append(out, x->d1 + from, (to < x->n1 ? to : x->n1) - from);
    if (to > x->n1) {
        size_t b = from > x->n1 ? from - x->n1 : 0;
        ev_buf_append(out, x->d2 + b, to - x->n1 - b);
    }
}

static void append_zeros(ev_buf *out, int64_t count)
{
    static const char zeros[] = "0000000000000000";
    for (; count > 0; count -= 16)
        ev_buf_append(out, zeros, (size_t)(count < 16 ? count : 16));
}

bool ev_num_dec_format(const ev_num_dec *x, ev_buf *out)
{
    if (x->wide)
        return false;
    if (x->n == 0) {
        ev_buf_append_char(out, '0');
        return true;
    }
    if (x->neg)
        ev_buf_append_char(out, '-');
    int64_t lead = ev_num_dec_lead(x);
    if (lead >= -7 && lead <= 40 && x->exp >= 0) {
        append_digits(out, x, 0, x->n);
        append_zeros(out, x->exp);
    } else if (lead >= 0 && lead <= 40) {
        append_digits(out, x, 0, (size_t)lead + 1);
        ev_buf_append_char(out, '.');
        append_digits(out, x, (size_t)lead + 1, x->n);
    } else if (lead >= -7 && lead < 0) {
        ev_buf_append(out, "0.", 2);
        append_zeros(out, -lead - 1);
        append_digits(out, x, 0, x->n);
    } else {
        append_digits(out, x, 0, 1);
        if (x->n > 1) {
            ev_buf_append_char(out, '.');
            append_digits(out, x, 1, x->n);
        }
        ev_buf_printf(out, "E%c%" PRIu64, lead < 0 ? '-' : '+',
                      lead < 0 ? (uint64_t)0 - (uint64_t)lead : (uint64_t)lead);
    }
    return true;
}
