/* Unit tests for schema/ev_number. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "schema/ev_json.h"
#include "schema/ev_number.h"

#define MULT(v, d) ev_num_text_multiple_of((v), (d))

/* head, then count copies of fill, then tail: the long texts below. */
static char *spread(const char *head, char fill, size_t count, const char *tail)
{
    size_t h = strlen(head), t = strlen(tail);
    char *s = malloc(h + count + t + 1);
    assert_non_null(s);
    memcpy(s, head, h);
    memset(s + h, fill, count);
    memcpy(s + h + count, tail, t + 1);
    return s;
}

/* spread() with the tail `mid` followed by the decimal `exp`. */
static char *spreadf(const char *head, char fill, size_t count, const char *mid, long long exp)
{
    char tail[64];
    snprintf(tail, sizeof tail, "%s%lld", mid, exp);
    return spread(head, fill, count, tail);
}

static cJSON *parse_ok(const char *text)
{
    ev_json_error e;
    cJSON *x = ev_json_parse(text, strlen(text), &e);
    if (x == NULL)
        fail_msg("rejected %.60s: %s", text, e.message);
    return x;
}

static ev_num_dec dec(const char *text)
{
    ev_num_dec x;
    assert_true(ev_num_dec_parse(text, strlen(text), &x));
    return x;
}

/* The significant digits of x as a string (at most 63 of them). */
static const char *digits_of(const ev_num_dec *x)
{
    static char buf[64];
    size_t i;
    for (i = 0; i < x->n && i < sizeof buf - 1; i++)
        buf[i] = ev_num_dec_digit(x, i);
    buf[i] = '\0';
    return buf;
}

static void test_multiple_of_decimal(void **state)
{
    (void)state;
    assert_true(MULT("22.57", "0.01"));
    assert_true(MULT("0.0075", "0.0001"));
    assert_true(MULT("12391239123", "1e-8"));
    assert_true(MULT("4.5", "1.5"));
    assert_false(MULT("35", "1.5"));
    assert_true(MULT("0", "0.123"));
    assert_true(MULT("-0", "7"));
    assert_true(MULT("-22.5", "2.5"));
    assert_true(MULT("19.99", "0.01"));
    assert_false(MULT("19.995", "0.01"));
    assert_true(MULT("0.3", "0.1")); /* 0.3/0.1 is 2.9999999999999996 in binary */
    assert_true(MULT("1e2", "25"));
    assert_true(MULT("1E+2", "0.5"));
    assert_true(MULT("100", "1e2"));
    assert_false(MULT("100", "1e3"));
    assert_false(MULT("7", "2"));
    assert_true(MULT("10", "2"));
    assert_false(MULT("0.5", "1"));    /* value exponent below divisor's */
    assert_true(MULT("2.50", "1.25")); /* trailing zeros */
    assert_false(MULT("1", "0"));      /* invalid divisor */
    assert_false(MULT("abc", "1"));
}

static void test_multiple_of_extremes(void **state)
{
    (void)state;
    /* Must be decided quickly and without overflow. */
    assert_false(MULT("1e308", "0.123456789"));
    assert_true(MULT("1e308", "1e-308"));
    assert_true(MULT("1e308", "0.5"));
    assert_true(MULT("1e308", "0.3125")); /* 5^5 / 10^4 */
    assert_false(MULT("1e308", "0.3"));
    assert_true(MULT("1e999999999", "2"));
    assert_false(MULT("1e999999999", "3"));
    assert_false(MULT("1e-999999999", "1"));
    assert_true(MULT("9007199254740992", "4096"));
    /* 19 significant digits: the 64-bit path. */
    assert_true(MULT("18446744073709551610", "1844674407370955161"));
    assert_false(MULT("18446744073709551611", "1844674407370955161"));
    /* More than 19 significant digits: the big number path. */
    assert_true(MULT("2469135780246913578024691357802", "1234567890123456789012345678901"));
    assert_false(MULT("2469135780246913578024691357803", "1234567890123456789012345678901"));
    assert_false(MULT("1e40", "1.0000000000000000000000000000001e-20"));
    assert_true(MULT("3e40", "0.0000000000000000000000000000000000003"));
    assert_true(MULT("1e600", "0.0000000000000000000000000000000000000000000000000000000625"));
}

static void test_compare(void **state)
{
    (void)state;
    assert_int_equal(ev_num_text_compare("1", "1.0"), 0);
    assert_int_equal(ev_num_text_compare("0", "-0"), 0);
    assert_int_equal(ev_num_text_compare("100", "1e2"), 0);
    assert_int_equal(ev_num_text_compare("0.1", "1e-1"), 0);
    assert_true(ev_num_text_compare("1", "2") < 0);
    assert_true(ev_num_text_compare("-1", "-2") > 0);
    assert_true(ev_num_text_compare("-1", "0") < 0);
    assert_true(ev_num_text_compare("0", "1e-300") < 0);
    assert_true(ev_num_text_compare("9007199254740993", "9007199254740992") > 0);
    assert_true(ev_num_text_compare("0.30000000000000001", "0.3") > 0);
    assert_true(ev_num_text_compare("1e400", "1e399") > 0);
    assert_true(ev_num_text_compare("-1e400", "-1e399") < 0);
    assert_true(ev_num_text_compare("99", "100") < 0);
    assert_true(ev_num_text_compare("12.5", "12.45") > 0);
}

static void check_format(double v, const char *want)
{
    char out[EV_NUM_TEXT_MAX];
    size_t n = ev_num_format(v, out);
    assert_string_equal(out, want);
    assert_int_equal(n, strlen(want));
}

static void test_format(void **state)
{
    (void)state;
    check_format(0, "0");
    check_format(-0.0, "-0");
    check_format(100, "100");
    check_format(-7, "-7");
    check_format(22.5, "22.5");
    check_format(0.1, "0.1");
    check_format(0.1 + 0.2, "0.30000000000000004");
    check_format(-0.0001, "-0.0001");
    check_format(1e-7, "1e-7");
    check_format(9007199254740992.0, "9007199254740992");
    check_format(1e21, "1e+21");
    check_format(1e300, "1e+300");
    check_format(5e-324, "5e-324");
    check_format(2.2250738585072014e-308, "2.2250738585072014e-308");
    check_format(1.7976931348623157e308, "1.7976931348623157e+308");
    check_format(123456789.125, "123456789.125");
    check_format(INFINITY, "null");
    /* Every output reads back exactly. */
    double vals[] = {1.0 / 3, 2.0 / 3, 1e23, 4.35, 0.000123456789, 123456789012345680.0};
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        char out[EV_NUM_TEXT_MAX];
        ev_num_format(vals[i], out);
        assert_true(strtod(out, NULL) == vals[i]);
    }
}

static void test_text_exact(void **state)
{
    (void)state;
    double v;
    assert_true(ev_num_text_exact("0.1", &v));
    assert_true(v == 0.1);
    assert_true(ev_num_text_exact("22.50", &v));
    assert_true(ev_num_text_exact("-0", &v));
    assert_true(ev_num_text_exact("1e23", &v)); /* shortest form of its double is 1e+23 */
    assert_true(ev_num_text_exact("9007199254740992", &v));
    assert_false(ev_num_text_exact("123456789012345678901234567890e-30", &v));
    assert_false(ev_num_text_exact("9007199254740993", &v));
    assert_true(v == 9007199254740992.0);
    assert_false(ev_num_text_exact("0.10000000000000001", &v));
    assert_true(ev_num_text_exact("0.30000000000000004", &v));
    assert_true(ev_num_text_exact("1.7976931348623157e308", &v));
    assert_false(ev_num_text_exact("1e400", &v));
    assert_true(isinf(v));
    assert_false(ev_num_text_exact("1e-400", &v));
    assert_true(ev_num_text_exact("5e-324", &v));
    assert_false(ev_num_text_exact("4.9e-324", &v));
    assert_false(ev_num_text_exact("x", &v));
}

static void test_is_integer_and_node_multiple(void **state)
{
    (void)state;
    const char *doc = "[1, 1.0, 1.5, 1e308, -0, 12391239123, 0.0075]";
    cJSON *a = ev_json_parse(doc, strlen(doc), NULL);
    assert_non_null(a);
    assert_true(ev_num_is_integer(cJSON_GetArrayItem(a, 0)));
    assert_true(ev_num_is_integer(cJSON_GetArrayItem(a, 1)));
    assert_false(ev_num_is_integer(cJSON_GetArrayItem(a, 2)));
    assert_true(ev_num_is_integer(cJSON_GetArrayItem(a, 3)));
    assert_true(ev_num_is_integer(cJSON_GetArrayItem(a, 4)));
    assert_false(ev_num_is_integer(a));
    assert_true(ev_num_multiple_of(cJSON_GetArrayItem(a, 5), "1e-8"));
    assert_true(ev_num_multiple_of(cJSON_GetArrayItem(a, 6), "0.0001"));
    assert_false(ev_num_multiple_of(cJSON_GetArrayItem(a, 2), "1"));
    cJSON_Delete(a);
    /* A node built by hand has no text: its shortest form is used. */
    cJSON *n = cJSON_CreateNumber(0.07);
    assert_true(ev_num_multiple_of(n, "0.01"));
    assert_false(ev_num_multiple_of(n, "0.02"));
    cJSON_Delete(n);
    cJSON *inf = cJSON_CreateNumber(INFINITY);
    assert_false(ev_num_is_integer(inf));
    assert_false(ev_num_multiple_of(inf, "1"));
    cJSON_Delete(inf);
}

static void test_normal_form(void **state)
{
    (void)state;
    ev_num_dec x = dec("0.00012300e5");
    assert_string_equal(digits_of(&x), "123");
    assert_int_equal(x.exp, -1);
    assert_int_equal(ev_num_dec_lead(&x), 1);
    assert_false(x.neg);
    x = dec("-120.50");
    assert_string_equal(digits_of(&x), "1205");
    assert_int_equal(x.n1, 3); /* the '.' splits the digits into two runs */
    assert_int_equal(x.exp, -1);
    assert_true(x.neg);
    x = dec("12300");
    assert_string_equal(digits_of(&x), "123");
    assert_int_equal(x.exp, 2);
    x = dec("-0.000e-999999999999999999999999");
    assert_int_equal(x.n, 0);
    assert_false(x.wide);                         /* zero, whatever the exponent */
    x = dec("1e0000000000000000000000000000005"); /* leading zeros: still narrow */
    assert_false(x.wide);
    assert_int_equal(x.exp, 5);
    /* 2^61 is the widest narrow exponent. */
    x = dec("1e2305843009213693952");
    assert_false(x.wide);
    assert_true(x.exp == EV_NUM_EXP_NARROW);
    x = dec("1e2305843009213693953");
    assert_true(x.wide);
    assert_true(x.exp == EV_NUM_EXP_SAT);
    x = dec("25e-99999999999999999999");
    assert_true(x.wide);
    assert_true(x.exp == -EV_NUM_EXP_SAT);
    assert_true(ev_num_dec_lead(&x) == -EV_NUM_EXP_SAT);
    /* Long texts: positions are counted, not capped. */
    char *t = spread("0.", '0', 100010, "12345e100011");
    x = dec(t);
    assert_string_equal(digits_of(&x), "12345");
    assert_int_equal(x.exp, -4);
    free(t);
    t = spread("1", '0', 100000, "e-1000000");
    x = dec(t);
    assert_int_equal(x.n, 1);
    assert_int_equal(x.exp, -900000);
    free(t);
    const char *bad[] = {"",     "-",  "+1", "01",  "1.",   ".5",  "1e",   "1e+",   "--1",
                         "1.e5", "1 ", " 1", "0x1", "1e5.", "NaN", "-inf", "1E--1", "0.0.0"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(ev_num_dec_parse(bad[i], strlen(bad[i]), &x));
    assert_false(ev_num_dec_parse(NULL, 0, &x));
    /* Only len bytes are read. */
    assert_true(ev_num_dec_parse("12345", 2, &x));
    assert_string_equal(digits_of(&x), "12");
}

static void test_exp_diff(void **state)
{
    (void)state;
    ev_num_dec a = dec("1e5"), b = dec("1e-3");
    assert_int_equal(ev_num_dec_exp_diff(&a, &b), 8);
    /* Wide against wide, against narrow, near the boundary, beyond int64. */
    a = dec("1e99999999999999999999");
    b = dec("1e99999999999999999998");
    assert_int_equal(ev_num_dec_exp_diff(&a, &b), 1);
    assert_int_equal(ev_num_dec_exp_diff(&b, &a), -1);
    a = dec("1e2305843009213693953");
    b = dec("1e2305843009213693952");
    assert_int_equal(ev_num_dec_exp_diff(&a, &b), 1);
    a = dec("0.001e2305843009213693953"); /* exp = 2^61 + 1 - 3 */
    assert_int_equal(ev_num_dec_exp_diff(&a, &b), -2);
    a = dec("1e18446744073709551616");
    b = dec("1e-18446744073709551616");
    assert_true(ev_num_dec_exp_diff(&a, &b) == EV_NUM_EXP_SAT);
    assert_true(ev_num_dec_exp_diff(&b, &a) == -EV_NUM_EXP_SAT);
    a = dec("1e-9223372036854775807");
    b = dec("1e-9223372036854775808");
    assert_int_equal(ev_num_dec_exp_diff(&a, &b), 1);
    a = dec("1e3");
    b = dec("1e-99999999999999999999");
    assert_true(ev_num_dec_exp_diff(&a, &b) == EV_NUM_EXP_SAT);
}

static void test_compare_any_exponent(void **state)
{
    (void)state;
    /* Before, exponents were cut at 10^12 and these all compared equal. */
    assert_true(ev_num_text_compare("1e99999999999999999999", "1e99999999999999999998") > 0);
    assert_true(ev_num_text_compare("-1e99999999999999999999", "-1e99999999999999999998") < 0);
    assert_true(ev_num_text_compare("1e-99999999999999999999", "1e-99999999999999999998") < 0);
    assert_int_equal(ev_num_text_compare("10e99999999999999999998", "1e99999999999999999999"), 0);
    assert_int_equal(ev_num_text_compare("0.1e2305843009213693954", "1e2305843009213693953"), 0);
    assert_int_equal(ev_num_text_compare("10e2305843009213693952", "1e2305843009213693953"), 0);
    assert_true(ev_num_text_compare("1e2305843009213693952", "1e2305843009213693953") < 0);
    assert_true(ev_num_text_compare("1e9223372036854775807", "1e9223372036854775808") < 0);
    assert_true(ev_num_text_compare("2e9223372036854775808", "1e9223372036854775808") > 0);
    assert_true(ev_num_text_compare("1e-99999999999999999999", "0") > 0);
    assert_true(ev_num_text_compare("-1e-99999999999999999999", "0") < 0);
    assert_true(ev_num_text_compare("1e99999999999999999999", "1.7976931348623157e308") > 0);
    assert_int_equal(ev_num_text_compare("0e99999999999999999999", "-0e-99999999999999999999"), 0);
    /* Long mantissas. */
    char *t = spread("0.", '0', 100010, "1e100011"), *u = spread("1", '0', 100010, "");
    assert_int_equal(ev_num_text_compare(t, "1"), 0);
    assert_int_equal(ev_num_text_compare(u, "1e100010"), 0);
    assert_true(ev_num_text_compare(u, "9.9e100009") > 0);
    assert_true(ev_num_text_compare(t, u) < 0);
    free(t);
    free(u);
    t = spread("1.", '0', 200000, "1");
    assert_true(ev_num_text_compare(t, "1") > 0);
    assert_true(ev_num_text_compare(t, "1.0000000001") < 0);
    free(t);
}

static void test_multiple_of_any_exponent(void **state)
{
    (void)state;
    assert_true(MULT("1e99999999999999999999", "1e99999999999999999998"));
    assert_false(MULT("1e99999999999999999998", "1e99999999999999999999"));
    assert_true(MULT("1e-99999999999999999998", "1e-99999999999999999999"));
    assert_false(MULT("1e-99999999999999999999", "1e-99999999999999999998"));
    assert_true(MULT("3e-99999999999999999999", "1.5e-99999999999999999999"));
    assert_false(MULT("3e-99999999999999999999", "2e-99999999999999999999"));
    assert_true(MULT("1e99999999999999999999", "0.0625"));
    assert_false(MULT("1e99999999999999999999", "3"));
    assert_true(MULT("1e-99999999999999999999", "1e-99999999999999999999999"));
    assert_false(MULT("1e-99999999999999999999999", "1e-99999999999999999999"));
    assert_true(MULT("1e1000000", "0.0000000000000000000000000000000000000000000000000000000625"));
    assert_false(MULT("1e1000000", "0.3"));
    assert_true(MULT("1e-1000000", "1e-1000000"));
    assert_false(MULT("1e-1000001", "1e-1000000"));
    char *t = spread("1", '0', 100010, "e-100010"); /* 1 */
    assert_true(MULT(t, "0.01"));
    assert_true(MULT(t, "1"));
    assert_false(MULT(t, "3"));
    assert_false(MULT(t, "1e1"));
    free(t);
    t = spread("0.", '0', 100010, "12345e100011"); /* 1.2345 */
    assert_false(MULT(t, "0.01"));
    assert_true(MULT(t, "0.0001"));
    assert_true(MULT(t, "0.0005"));
    assert_false(MULT(t, "0.0002"));
    free(t);
    /* A long value against divisors on both remainder paths. */
    t = spread("", '9', 100000, ""); /* 10^100000 - 1 = 9 * 111...1 */
    assert_true(MULT(t, "9"));
    assert_true(MULT(t, "11"));
    assert_false(MULT(t, "2"));
    assert_true(MULT(t, "1111111111111111111111111")); /* 25 ones: 25 divides 100000 */
    assert_false(MULT(t, "1111111111111111111111113"));
    free(t);
}

static void test_pow10_any_exponent(void **state)
{
    (void)state;
    /* Before, exponents over 100000 were decided by their sign alone. */
    char *t = spread("0.", '0', 100010, "12345e100011"); /* 1.2345 */
    cJSON *x = parse_ok(t);
    assert_false(ev_num_multiple_of_pow10(x, -2, "0.01"));
    assert_false(ev_num_multiple_of_pow10(x, -3, "0.001"));
    assert_true(ev_num_multiple_of_pow10(x, -4, "0.0001"));
    assert_false(ev_num_is_integer(x));
    cJSON_Delete(x);
    free(t);
    t = spread("1", '0', 100010, "e-100010"); /* 1 */
    x = parse_ok(t);
    assert_true(ev_num_multiple_of_pow10(x, -2, "0.01"));
    assert_true(ev_num_multiple_of_pow10(x, 0, "1"));
    assert_false(ev_num_multiple_of_pow10(x, 1, "10"));
    assert_true(ev_num_is_integer(x));
    cJSON_Delete(x);
    free(t);
    /* Neighbours: the same digits with the exponent one step either way. */
    static const struct {
        const char *head;
        size_t zeros;
        const char *tail;
        long long exp;
        int pow10;
        bool multiple, integer;
    } cases[] = {
        {"0.", 100010, "12345e", 100013, -2, true, false},   /* 123.45 */
        {"0.", 100010, "12345e", 100012, -2, false, false},  /* 12.345 */
        {"0.", 100010, "12345e", 100015, 0, true, true},     /* 12345 */
        {"0.", 100010, "12345e", 100016, 1, true, true},     /* 123450 */
        {"-0.", 100010, "12345e", 100016, 2, false, true},   /* -123450 */
        {"1", 100010, "e", -100012, -2, true, false},        /* 0.01 */
        {"1", 100010, "e", -100013, -2, false, false},       /* 0.001 */
        {"-1", 100010, "e", -100011, -1, true, false},       /* -0.1 */
        {"15", 100000, "e", -100001, -1, true, false},       /* 1.5 */
        {"0.", 100000, "5e", 100001, 0, true, true},         /* 5 */
        {"1", 999999, "e", -999999, 0, true, true},          /* 1, a million digits */
        {"0.", 1000000, "75e", 1000000, -1, false, false},   /* 0.75 */
        {"0.", 100000, "0e", 999999999999LL, 5, true, true}, /* 0 */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        t = spreadf(cases[i].head, '0', cases[i].zeros, cases[i].tail, cases[i].exp);
        x = parse_ok(t);
        char div[32];
        snprintf(div, sizeof div, "1e%d", cases[i].pow10);
        if (ev_num_multiple_of_pow10(x, cases[i].pow10, div) != cases[i].multiple ||
            ev_num_multiple_of(x, div) != cases[i].multiple || ev_num_is_integer(x) != cases[i].integer)
            fail_msg("case %zu", i);
        cJSON_Delete(x);
        free(t);
    }
}

/* Node texts the one-pass reader hands over to the full parse (exponents
 * of 18 digits or more) and ones it reads itself (leading zeros). */
static void test_pow10_exponent_digits(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int pow10;
        bool multiple, integer;
    } cases[] = {
        {"0e99999999999999999999", 5, true, true},
        {"-0.0e-99999999999999999999", 5, true, true},
        {"0e123456789012345678", -3, true, true},
        {"1e000000000000000000000000000001", 1, true, true},
        {"1e000000000000000000000000000001", 2, false, true},
        {"123456789012345e-000000000000000000000000014", -14, true, false},
        {"123456789012345e-000000000000000000000000014", -13, false, false},
        {"12345678901234.5e-13", -14, true, false},
        {"-25E+00000000000000000000000000000000000000000000000002", 2, true, true},
        {"-25E+00000000000000000000000000000000000000000000000002", 3, false, true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cJSON *x = parse_ok(cases[i].text);
        char div[32];
        snprintf(div, sizeof div, "1e%d", cases[i].pow10);
        if (ev_num_multiple_of_pow10(x, cases[i].pow10, div) != cases[i].multiple ||
            ev_num_multiple_of(x, div) != cases[i].multiple || ev_num_is_integer(x) != cases[i].integer)
            fail_msg("case %zu: %s", i, cases[i].text);
        cJSON_Delete(x);
    }
}

static void test_exact_any_length(void **state)
{
    (void)state;
    double v;
    /* 1<100000 zeros>e-1000000 is 10^-900000: no double holds it. Before,
     * the exponent was cut at 100000 and the number passed as exactly 1. */
    char *t = spread("1", '0', 100000, "e-1000000");
    assert_false(ev_num_text_exact(t, &v));
    assert_false(ev_num_text_matches_double(t, strlen(t), 0.0));
    assert_false(ev_num_text_matches_double(t, strlen(t), 1.0));
    free(t);
    static const struct {
        const char *head;
        size_t zeros;
        const char *tail;
        long long exp;
        bool exact;
    } cases[] = {
        {"1", 100000, "e", -100000, true},    /* 1 */
        {"1", 100000, "e", -100001, true},    /* 0.1 */
        {"1", 100000, "e", -100300, true},    /* 1e-300 */
        {"1", 100000, "e", -100323, true},    /* 1e-323, subnormal, shortest form 1e-323 */
        {"1", 100000, "e", -100400, false},   /* 1e-400 */
        {"1", 100000, "e", -99692, true},     /* 1e308 */
        {"1", 100000, "e", -99691, false},    /* 1e309 */
        {"-1", 100000, "e", -1000000, false}, /* -1e-900000 */
        {"0.", 100000, "1e", 1000000, false}, /* 1e899999 */
        {"0.", 100000, "1e", 100001, true},   /* 1 */
        {"9007199254740993", 100000, "e", -100000, false},
        {"0.", 100000, "30000000000000004e", 100000, true},
        {"0.", 100000, "10000000000000001e", 100000, false},
        {"0.", 100000, "0e", 99999999999LL, true}, /* 0 */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        t = spreadf(cases[i].head, '0', cases[i].zeros, cases[i].tail, cases[i].exp);
        if (ev_num_text_exact(t, &v) != cases[i].exact)
            fail_msg("case %zu", i);
        if (cases[i].exact && !ev_num_text_matches_double(t, strlen(t), v))
            fail_msg("case %zu: matches_double", i);
        free(t);
    }
    assert_false(ev_num_text_exact("1e99999999999999999999", &v));
    assert_true(isinf(v));
    assert_false(ev_num_text_exact("1e-99999999999999999999", &v));
    assert_true(v == 0);
    assert_true(ev_num_text_exact("0e99999999999999999999", &v));
    assert_true(ev_num_text_exact("-0.0e-99999999999999999999", &v));
    /* More than 17 significant digits never match a double. */
    assert_false(ev_num_text_matches_double("1.00000000000000001", 19, 1.0));
    assert_true(ev_num_text_matches_double("1.0000000000000000", 18, 1.0));
    assert_false(ev_num_text_matches_double("1", 1, 2.0));
    assert_false(ev_num_text_matches_double("1", 1, INFINITY));
}

static void check_dec_format(const char *in, const char *want)
{
    ev_num_dec x = dec(in);
    ev_buf b = EV_BUF_INIT;
    assert_true(ev_num_dec_format(&x, &b));
    assert_non_null(b.data);
    if (strcmp(b.data, want) != 0)
        fail_msg("%.40s: got %s, want %s", in, b.data, want);
    ev_num_dec y = dec(b.data);
    assert_int_equal(ev_num_dec_compare(&x, &y), 0);
    ev_buf_free(&b);
}

static void test_dec_format(void **state)
{
    (void)state;
    check_dec_format("22.50", "22.5");
    check_dec_format("-0.000", "0");
    check_dec_format("0", "0");
    check_dec_format("-120.50e1", "-1205");
    check_dec_format("123.456e1", "1234.56");
    check_dec_format("1e-7", "0.0000001");
    check_dec_format("0.00000012", "0.00000012");
    check_dec_format("1e-8", "1E-8");
    check_dec_format("-1.5e-8", "-1.5E-8");
    check_dec_format("1e40", "10000000000000000000000000000000000000000");
    check_dec_format("1e41", "1E+41");
    check_dec_format("1.25e126", "1.25E+126");
    check_dec_format("12345678901234567890123456789012345678", "12345678901234567890123456789012345678");
    check_dec_format("1.2345678901234567890123456789012345678e40",
                     "12345678901234567890123456789012345678000");
    char *t = spread("0.", '0', 100010, "12345e100011");
    check_dec_format(t, "1.2345");
    free(t);
    ev_num_dec w = dec("1e99999999999999999999");
    ev_buf b = EV_BUF_INIT;
    assert_false(ev_num_dec_format(&w, &b));
    assert_int_equal(b.len, 0);
    ev_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_multiple_of_decimal),
        cmocka_unit_test(test_multiple_of_extremes),
        cmocka_unit_test(test_compare),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_text_exact),
        cmocka_unit_test(test_is_integer_and_node_multiple),
        cmocka_unit_test(test_normal_form),
        cmocka_unit_test(test_exp_diff),
        cmocka_unit_test(test_compare_any_exponent),
        cmocka_unit_test(test_multiple_of_any_exponent),
        cmocka_unit_test(test_pow10_any_exponent),
        cmocka_unit_test(test_pow10_exponent_digits),
        cmocka_unit_test(test_exact_any_length),
        cmocka_unit_test(test_dec_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
