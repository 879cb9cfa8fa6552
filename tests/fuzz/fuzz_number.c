/*
 * libFuzzer target: the number verdicts (ev_number, ev_json's number check,
 * ev_ddb's limits) must obey the algebra of exact decimals, so a fuzzer
 * finds wrong answers, not only crashes. The input is two texts A and B
 * separated by the first newline (B may be absent). Checked:
 *
 *   - a text is a number for all of them or for none;
 *   - the same value written otherwise (leading zeros after "0.", trailing
 *     zeros before the exponent, the canonical text) gets the same answer
 *     from every verdict: comparison, integer, exactness, DynamoDB limits
 *     and digits, multipleOf B;
 *   - comparison is antisymmetric and reflexive; a non-zero A is a multiple
 *     of itself and of A * 10^j's divisor A; zero is a multiple of any B;
 *   - ev_json's fast exactness test (up to 15 digits) agrees with the
 *     general one, which formats the double; an accepted node's integer
 *     test agrees with its double; comparisons of accepted numbers agree
 *     with their doubles (what generated bound checks rely on);
 *   - multipleOf 10^k through the fast path equals the general path.
 *
 * multipleOf by a divisor of more than MAX_DIVISOR_DIGITS significant
 * digits is skipped: that path is schoolbook division, O(digits^2), fine
 * for schema divisors, too slow for fuzzing throughput.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ev_buf.h"
#include "schema/ev_ddb.h"
#include "schema/ev_json.h"
#include "schema/ev_number.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_DIVISOR_DIGITS 1000

#define CHECK(cond)                                                                                          \
    do {                                                                                                     \
        if (!(cond)) {                                                                                       \
            fprintf(stderr, "fuzz_number: %s failed at line %d\n", #cond, __LINE__);                         \
            abort();                                                                                         \
        }                                                                                                    \
    } while (0)

static int sign(int c)
{
    return (c > 0) - (c < 0);
}

/* The verdicts of one text, to compare between writings of a value. */
typedef struct verdicts {
    bool integer, exact;
    ev_ddb_number_status ddb;
    size_t digits;
    bool multiple_of_b;
} verdicts;

static verdicts verdicts_of(const char *text, const ev_num_dec *x, const char *b)
{
    verdicts v;
    v.integer = ev_num_dec_is_integer(x);
    v.exact = ev_num_text_exact(text, NULL);
    v.ddb = ev_ddb_number_check(text, &v.digits);
    v.multiple_of_b = b != NULL && ev_num_text_multiple_of(text, b);
    return v;
}

static void same_verdicts(const verdicts *p, const verdicts *q)
{
    CHECK(p->integer == q->integer);
    CHECK(p->exact == q->exact);
    CHECK(p->ddb == q->ddb);
    CHECK(p->digits == q->digits);
    CHECK(p->multiple_of_b == q->multiple_of_b);
}

/* The significant digits of x, as written into out. */
static void put_digits(ev_buf *out, const ev_num_dec *x)
{
    ev_buf_append(out, x->d1, x->n1);
    if (x->n2 > 0)
        ev_buf_append(out, x->d2, x->n2);
}

/* Other writings of a narrow non-zero x: "0.<pad zeros>D e(exp + n + pad)"
 * and "D<pad zeros>e(exp - pad)", with the sign. */
static void rewrite(const ev_num_dec *x, size_t pad, bool leading, ev_buf *out)
{
    if (x->neg)
        ev_buf_append_char(out, '-');
    int64_t e;
    if (leading) {
        ev_buf_append_str(out, "0.");
        for (size_t i = 0; i < pad; i++)
            ev_buf_append_char(out, '0');
        put_digits(out, x);
        e = x->exp + (int64_t)x->n + (int64_t)pad;
    } else {
        put_digits(out, x);
        for (size_t i = 0; i < pad; i++)
            ev_buf_append_char(out, '0');
        e = x->exp - (int64_t)pad;
    }
    ev_buf_printf(out, "e%lld", (long long)e);
}

static void check_same_value(const char *a, const ev_num_dec *x, const char *other, const char *b)
{
    ev_num_dec y;
    CHECK(ev_num_dec_parse(other, strlen(other), &y));
    CHECK(ev_num_dec_compare(x, &y) == 0);
    CHECK(ev_num_text_compare(a, other) == 0);
    CHECK(ev_num_dec_exp_diff(x, &y) == 0 || x->n == 0);
    /* lead saturates for wide writings (written exponent beyond 2^61), so
     * it is equal only between narrow ones; exp_diff above is exact. */
    if (!x->wide && !y.wide)
        CHECK(ev_num_dec_lead(x) == ev_num_dec_lead(&y));
    else
        CHECK(sign((int)(ev_num_dec_lead(x) > 0) - (ev_num_dec_lead(x) < 0)) ==
              sign((int)(ev_num_dec_lead(&y) > 0) - (ev_num_dec_lead(&y) < 0)));
    verdicts p = verdicts_of(a, x, b), q = verdicts_of(other, &y, b);
    same_verdicts(&p, &q);
}

static void check_writings(const char *a, const ev_num_dec *x, const char *b, size_t pad)
{
    ev_buf w = EV_BUF_INIT;
    if (ev_num_dec_format(x, &w)) {
        CHECK(w.data != NULL);
        check_same_value(a, x, w.data, b);
    } else {
        CHECK(x->wide);
    }
    if (x->n == 0 || x->wide) {
        ev_buf_free(&w);
        return;
    }
    for (int leading = 0; leading < 2; leading++) {
        ev_buf_reset(&w);
        rewrite(x, pad, leading, &w);
        check_same_value(a, x, w.data, b);
    }
    if (x->n > MAX_DIVISOR_DIGITS) {
        ev_buf_free(&w);
        return;
    }
    /* A * 10^j is a multiple of A. */
    ev_buf_reset(&w);
    put_digits(&w, x);
    ev_buf_printf(&w, "e%lld", (long long)(x->exp + (int64_t)(pad % 50)));
    CHECK(ev_num_text_multiple_of(w.data, a));
    ev_buf_free(&w);
}

/* ev_json on a number text: its fast test against the general one. */
static cJSON *check_json(const char *a, const ev_num_dec *x)
{
    ev_json_error err;
    cJSON *node = ev_json_parse(a, strlen(a), &err);
    if (node == NULL) {
        CHECK(err.status == EV_JSON_NUMBER_RANGE || err.status == EV_JSON_NUMBER_PRECISION ||
              err.status == EV_JSON_NO_MEMORY);
        if (err.status == EV_JSON_NUMBER_PRECISION)
            CHECK(!ev_num_dec_matches_double(x, strtod(a, NULL)));
        if (err.status == EV_JSON_NUMBER_RANGE)
            CHECK(isinf(strtod(a, NULL)));
        CHECK(!ev_num_text_exact(a, NULL));
        return NULL;
    }
    CHECK(cJSON_IsNumber(node));
    double v = node->valuedouble;
    CHECK(ev_num_dec_matches_double(x, v));
    CHECK(ev_num_text_exact(a, NULL));
    CHECK(ev_num_is_integer(node) == ev_num_dec_is_integer(x));
    CHECK(ev_num_dec_is_integer(x) == (floor(v) == v));
    return node;
}

static int parse_pow10(const ev_num_dec *d, int *k)
{
    if (d->n != 1 || ev_num_dec_digit(d, 0) != '1' || d->neg || d->wide || d->exp > 100000000 ||
        d->exp < -100000000)
        return 0;
    *k = (int)d->exp;
    return 1;
}

static void check_pair(const char *a, const ev_num_dec *x, cJSON *na, const char *b, const ev_num_dec *y,
                       cJSON *nb)
{
    int c = sign(ev_num_dec_compare(x, y));
    CHECK(c == -sign(ev_num_dec_compare(y, x)));
    CHECK(c == sign(ev_num_text_compare(a, b)));
    if (na != NULL && nb != NULL)
        CHECK(c == (na->valuedouble > nb->valuedouble) - (na->valuedouble < nb->valuedouble));
    if (y->n > MAX_DIVISOR_DIGITS)
        return;
    bool m = ev_num_dec_multiple_of(x, y);
    CHECK(m == ev_num_text_multiple_of(a, b));
    if (x->n == 0)
        CHECK(m == (y->n != 0));
    int k;
    if (na != NULL && parse_pow10(y, &k)) {
        CHECK(ev_num_multiple_of_pow10(na, k, b) == m);
        CHECK(ev_num_multiple_of(na, b) == m);
    }
}

/* NUL-terminated copy of data[0..n). */
static char *dup_text(const uint8_t *data, size_t n)
{
    char *s = malloc(n + 1);
    if (s != NULL) {
        memcpy(s, data, n);
        s[n] = '\0';
    }
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size);
    size_t la = nl != NULL ? (size_t)(nl - data) : size;
    char *a = dup_text(data, la);
    char *b = nl != NULL ? dup_text(nl + 1, size - la - 1) : NULL;
    if (a == NULL || (nl != NULL && b == NULL))
        goto out;
    ev_num_dec x, y;
    bool ax = ev_num_dec_parse(a, strlen(a), &x);
    bool by = b != NULL && ev_num_dec_parse(b, strlen(b), &y);
    if (!ax) {
        CHECK(ev_ddb_number_check(a, NULL) == EV_DDB_NUMBER_SYNTAX);
        CHECK(!ev_num_text_exact(a, NULL));
        CHECK(!ev_num_text_multiple_of(a, "1") && !ev_num_text_multiple_of("1", a));
        goto out;
    }
    CHECK(ev_num_dec_compare(&x, &x) == 0);
    if (x.n <= MAX_DIVISOR_DIGITS)
        CHECK(ev_num_dec_multiple_of(&x, &x) == (x.n != 0));
    check_writings(a, &x, by && y.n <= MAX_DIVISOR_DIGITS ? b : NULL, size % 97);
    cJSON *na = check_json(a, &x);
    if (by) {
        cJSON *nb = check_json(b, &y);
        check_pair(a, &x, na, b, &y, nb);
        cJSON_Delete(nb);
    }
    cJSON_Delete(na);
out:
    free(a);
    free(b);
    return 0;
}
