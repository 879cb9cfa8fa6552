/* Unit tests for schema/ev_number. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "schema/ev_json.h"
#include "schema/ev_number.h"

#define MULT(v, d) ev_num_text_multiple_of((v), (d))

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_multiple_of_decimal),
        cmocka_unit_test(test_multiple_of_extremes),
        cmocka_unit_test(test_compare),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_text_exact),
        cmocka_unit_test(test_is_integer_and_node_multiple),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
