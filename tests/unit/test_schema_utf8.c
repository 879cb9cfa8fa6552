/* Unit tests for schema/ev_utf8. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "schema/ev_utf8.h"

static bool valid(const char *s)
{
    return ev_utf8_valid(s, strlen(s));
}

static void test_length(void **state)
{
    (void)state;
    assert_int_equal(ev_utf8_length(""), 0);
    assert_int_equal(ev_utf8_length("abc"), 3);
    assert_int_equal(ev_utf8_length("\xc3\xa9t\xc3\xa9"), 3);                /* été */
    assert_int_equal(ev_utf8_length("\xe2\x82\xac"), 1);                     /* € */
    assert_int_equal(ev_utf8_length("\xf0\x9f\x92\xa9\xf0\x9f\x92\xa9"), 2); /* two astral */
}

static void test_valid(void **state)
{
    (void)state;
    assert_true(valid(""));
    assert_true(valid("plain ascii \x7f"));
    assert_true(valid("\xc2\x80"));         /* U+0080 */
    assert_true(valid("\xdf\xbf"));         /* U+07FF */
    assert_true(valid("\xe0\xa0\x80"));     /* U+0800 */
    assert_true(valid("\xed\x9f\xbf"));     /* U+D7FF */
    assert_true(valid("\xee\x80\x80"));     /* U+E000 */
    assert_true(valid("\xef\xbf\xbf"));     /* U+FFFF */
    assert_true(valid("\xf0\x90\x80\x80")); /* U+10000 */
    assert_true(valid("\xf4\x8f\xbf\xbf")); /* U+10FFFF */
    assert_true(ev_utf8_valid("a\0b", 3));  /* NUL is a code point */
}

static void test_invalid(void **state)
{
    (void)state;
    assert_false(valid("\x80"));             /* lone continuation */
    assert_false(valid("\xc0\x80"));         /* overlong NUL */
    assert_false(valid("\xc1\xbf"));         /* overlong */
    assert_false(valid("\xe0\x9f\xbf"));     /* overlong 3-byte */
    assert_false(valid("\xf0\x8f\xbf\xbf")); /* overlong 4-byte */
    assert_false(valid("\xed\xa0\x80"));     /* U+D800 surrogate */
    assert_false(valid("\xed\xbf\xbf"));     /* U+DFFF surrogate */
    assert_false(valid("\xf4\x90\x80\x80")); /* U+110000 */
    assert_false(valid("\xf5\x80\x80\x80"));
    assert_false(valid("\xff"));
    assert_false(valid("\xc3"));                /* truncated */
    assert_false(valid("\xe2\x82"));            /* truncated */
    assert_false(valid("\xe2\x28\xa1"));        /* bad continuation */
    assert_false(ev_utf8_valid("\xc3\xa9", 1)); /* length respected */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_length),
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_invalid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
