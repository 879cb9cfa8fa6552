/* ev_number: exact decimal number semantics; see ev_number.h. */
#include "schema/ev_number.h"

#include <cjson/cJSON.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema/ev_json.h"

/* A decimal number as D * 10^exp, D given by its significant digits (no
 * leading or trailing zeros; n == 0 means zero). Texts of any length are
 * handled; short ones (every JSON number from ev_json is < 64 bytes) use the
 * inline buffer. */
typedef struct dec {
    bool neg;
    const char *d;
    size_t n;
    long long exp;
    char *heap;
    char small[80];
} dec;

/* Exponent digits beyond this saturate: such numbers are far outside any
 * double and every comparison with them is decided by the sign alone. */
#define DEC_EXP_LIMIT 1000000000000LL

static void dec_release(dec *x)
{
    free(x->heap);
    x->heap = NULL;
}

/* Parses a JSON number text (leading zeros and a missing fraction after '.'
 * are tolerated; they do not change the value). Returns false when the text
 * is not a number or memory runs out. */
static bool dec_parse(const char *s, dec *x)
{
    size_t len = strlen(s);
    char *buf = x->small;
    x->heap = NULL;
    if (len >= sizeof x->small) {
        x->heap = malloc(len + 1);
        if (x->heap == NULL)
            return false;
        buf = x->heap;
    }
    const char *p = s;
    x->neg = false;
    if (*p == '-') {
        x->neg = true;
        p++;
    }
    size_t n = 0, ndig = 0;
    long long frac = 0;
    while (*p >= '0' && *p <= '9') {
        buf[n++] = *p++;
        ndig++;
    }
    if (*p == '.') {
        p++;
        while (*p >= '0' && *p <= '9') {
            buf[n++] = *p++;
            frac++;
            ndig++;
        }
    }
    if (ndig == 0)
        goto bad;
    long long e = 0;
    if (*p == 'e' || *p == 'E') {
        p++;
        bool eneg = false;
        if (*p == '+' || *p == '-')
            eneg = *p++ == '-';
        if (!(*p >= '0' && *p <= '9'))
            goto bad;
        while (*p >= '0' && *p <= '9') {
            if (e < DEC_EXP_LIMIT)
                e = e * 10 + (*p - '0');
            p++;
        }
        if (eneg)
            e = -e;
    }
    if (*p != '\0')
        goto bad;
    size_t first = 0;
    while (first < n && buf[first] == '0')
        first++;
    long long exp = e - frac;
    while (n > first && buf[n - 1] == '0') {
        n--;
        exp++;
    }
    x->d = buf + first;
    x->n = n - first;
    x->exp = x->n ? exp : 0;
    return true;
bad:
    dec_release(x);
    return false;
}

static int dec_cmp_mag(const dec *a, const dec *b)
{
    long long la = a->exp + (long long)a->n, lb = b->exp + (long long)b->n;
    if (la != lb)
        return la < lb ? -1 : 1;
    size_t n = a->n > b->n ? a->n : b->n;
    for (size_t i = 0; i < n; i++) {
        char da = i < a->n ? a->d[i] : '0';
        char db = i < b->n ? b->d[i] : '0';
        if (da != db)
            return da < db ? -1 : 1;
    }
    return 0;
}

static int dec_cmp(const dec *a, const dec *b)
{
    int sa = a->n == 0 ? 0 : (a->neg ? -1 : 1);
    int sb = b->n == 0 ? 0 : (b->neg ? -1 : 1);
    if (sa != sb)
        return sa < sb ? -1 : 1;
    if (sa == 0)
        return 0;
    int m = dec_cmp_mag(a, b);
    return sa > 0 ? m : -m;
}

int ev_num_text_compare(const char *a, const char *b)
{
    dec x, y;
    if (!dec_parse(a, &x))
        goto fallback;
    if (!dec_parse(b, &y)) {
        dec_release(&x);
        goto fallback;
    }
    int c = dec_cmp(&x, &y);
    dec_release(&x);
    dec_release(&y);
    return c;
fallback:;
    /* Not number texts (outside the contract): compare what strtod makes of them. */
    double u = strtod(a, NULL), v = strtod(b, NULL);
    return (u > v) - (u < v);
}

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

/* Is V * 10^k a multiple of M? (V, M as significant digit strings.) Both
 * paths stream the remainder r = (r * 10 + digit) mod M over V's digits and
 * then over the k appended zeros. The zeros loop is cut short: with
 * M = 2^a 5^b m (gcd(m, 10) = 1), once k >= max(a, b) only m | V matters, so
 * the answer no longer changes after max(a, b) <= log2(M) steps. That bounds
 * the work for 1e308 against tiny divisors. */
static bool digits_multiple(const dec *v, const dec *d, long long k)
{
    if (d->n <= 19) {
        uint64_t m = 0;
        for (size_t i = 0; i < d->n; i++)
            m = m * 10 + (uint64_t)(d->d[i] - '0');
        uint64_t r = 0;
        for (size_t i = 0; i < v->n; i++)
            r = (uint64_t)(((unsigned __int128)r * 10 + (unsigned)(v->d[i] - '0')) % m);
        for (long long i = 0; i < k && i < 64 && r != 0; i++)
            r = (uint64_t)(((unsigned __int128)r * 10) % m);
        return r == 0;
    }
    /* Divisors with more than 19 significant digits: schoolbook decimal
     * remainder, slower but exact. */
    size_t mn = d->n;
    unsigned char *m = malloc(mn);
    unsigned char *r = malloc(mn + 2);
    bool result = false;
    if (m == NULL || r == NULL)
        goto out;
    for (size_t i = 0; i < mn; i++)
        m[i] = (unsigned char)(d->d[mn - 1 - i] - '0');
    size_t rn = 0;
    long long steps = (long long)mn * 4 + 4; /* > log2(M) */
    size_t total = v->n + (size_t)(k < steps ? k : steps);
    for (size_t i = 0; i < total; i++) {
        unsigned digit = i < v->n ? (unsigned)(v->d[i] - '0') : 0;
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

bool ev_num_text_multiple_of(const char *value_text, const char *divisor_text)
{
    dec v, d;
    if (!dec_parse(value_text, &v))
        return false;
    if (!dec_parse(divisor_text, &d)) {
        dec_release(&v);
        return false;
    }
    bool result;
    if (d.n == 0)
        result = false; /* multipleOf 0 is not a valid schema */
    else if (v.n == 0)
        result = true;
    else if (v.exp < d.exp)
        /* V has no trailing zeros, so it cannot be a multiple of
         * D * 10^(d.exp - v.exp). */
        result = false;
    else
        result = digits_multiple(&v, &d, v.exp - d.exp);
    dec_release(&v);
    dec_release(&d);
    return result;
}

bool ev_num_is_integer(const struct cJSON *x)
{
    if (!cJSON_IsNumber(x))
        return false;
    double v = x->valuedouble;
    return isfinite(v) && floor(v) == v;
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

static bool reads_back(const char *s, double v)
{
    return strtod(s, NULL) == v;
}

bool ev_num_multiple_of_pow10(const struct cJSON *x, int exp10, const char *divisor_text)
{
    const char *t = ev_json_number_text(x);
    if (t == NULL)
        return ev_num_multiple_of(x, divisor_text);
    /* The value is D * 10^(e - f) for the digit string D, f fractional
     * digits and exponent e; stripping D's z trailing zeros leaves a
     * multiple of 10^exp10 exactly when e - f + z >= exp10 (or D is 0). */
    const char *p = t + (*t == '-');
    long frac = 0, zeros = 0;
    bool in_frac = false, nonzero = false;
    for (; *p != '\0' && *p != 'e' && *p != 'E'; p++) {
        if (*p == '.') {
            in_frac = true;
            continue;
        }
        frac += in_frac;
        if (*p == '0') {
            zeros++;
        } else {
            zeros = 0;
            nonzero = true;
        }
    }
    if (!nonzero)
        return true;
    long e = 0;
    if (*p == 'e' || *p == 'E') {
        /* Accepted numbers are within the double range, so |e| is small;
         * strtol saturates on anything absurd, which still decides right. */
        e = strtol(p + 1, NULL, 10);
        if (e > 100000 || e < -100000)
            return e > 0;
    }
    return e - frac + zeros >= exp10;
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

bool ev_num_text_exact(const char *text, double *value)
{
    char *end;
    double v = strtod(text, &end);
    if (value != NULL)
        *value = v;
    if (end == text || !isfinite(v))
        return false;
    dec x;
    if (!dec_parse(text, &x))
        return false;
    bool exact;
    long long lead = x.exp + (long long)x.n - 1;
    if (x.n == 0) {
        exact = true;
    } else if (x.n <= 15 && lead >= -307 && lead <= 307) {
        /* DBL_DIG: a decimal of <= 15 significant digits in the normal
         * range is the shortest form of its nearest double. */
        exact = true;
    } else {
        char buf[EV_NUM_TEXT_MAX];
        ev_num_format(v, buf);
        dec y;
        if (!dec_parse(buf, &y)) {
            exact = false;
        } else {
            exact = dec_cmp(&x, &y) == 0;
            dec_release(&y);
        }
    }
    dec_release(&x);
    return exact;
}
