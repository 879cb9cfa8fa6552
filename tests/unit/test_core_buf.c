/* Unit tests for core/ev_buf. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/ev_buf.h"

static void test_append_keeps_nul(void **state)
{
    (void)state;
    ev_buf b = EV_BUF_INIT;
    assert_int_equal(ev_buf_append(&b, "ab", 2), 0);
    assert_int_equal(ev_buf_append_char(&b, 'c'), 0);
    assert_int_equal(ev_buf_append_str(&b, "def"), 0);
    assert_int_equal(b.len, 6);
    assert_string_equal(b.data, "abcdef");
    assert_int_equal(ev_buf_append(&b, NULL, 0), 0);
    assert_string_equal(b.data, "abcdef");
    ev_buf_free(&b);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
}

static void test_failed_buffer_refuses_appends(void **state)
{
    (void)state;
    ev_buf b = EV_BUF_INIT;
    assert_string_equal(ev_buf_cstr(&b), "");
    assert_int_equal(ev_buf_append_str(&b, "abc"), 0);
    assert_string_equal(ev_buf_cstr(&b), "abc");
    /* Once failed, even an append that fits fails, so one check at the end suffices. */
    b.failed = true;
    assert_int_equal(ev_buf_append_char(&b, 'd'), -1);
    assert_int_equal(ev_buf_append(&b, "d", 1), -1);
    assert_int_equal(ev_buf_append_str(&b, "d"), -1);
    assert_int_equal(b.len, 3);
    ev_buf_reset(&b);
    assert_int_equal(ev_buf_append_char(&b, 'x'), 0);
    assert_string_equal(ev_buf_cstr(&b), "x");
    ev_buf_free(&b);
}

static void test_growth(void **state)
{
    (void)state;
    ev_buf b;
    ev_buf_init(&b);
    for (int i = 0; i < 10000; i++)
        assert_int_equal(ev_buf_append_char(&b, (char)('a' + i % 26)), 0);
    assert_int_equal(b.len, 10000);
    assert_true(b.cap > b.len);
    assert_int_equal(b.data[9999], 'a' + 9999 % 26);
    assert_int_equal(b.data[10000], '\0');
    ev_buf_free(&b);
}

static void test_printf(void **state)
{
    (void)state;
    ev_buf b = EV_BUF_INIT;
    assert_int_equal(ev_buf_printf(&b, "%d-%s", 42, "x"), 0);
    assert_string_equal(b.data, "42-x");
    /* Longer than any initial capacity: forces the measure-and-retry path. */
    char big[1000];
    memset(big, 'z', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(ev_buf_printf(&b, "[%s]", big), 0);
    assert_int_equal(b.len, 4 + 1001);
    assert_int_equal(b.data[b.len - 1], ']');
    assert_int_equal(b.data[4], '[');
    ev_buf_free(&b);
}

static void test_json_string(void **state)
{
    (void)state;
    ev_buf b = EV_BUF_INIT;
    const char in[] = "a\"b\\c\n\t\x01\x1f/\xc3\xa9";
    assert_int_equal(ev_buf_append_json_string(&b, in, sizeof in - 1), 0);
    assert_string_equal(b.data, "\"a\\\"b\\\\c\\n\\t\\u0001\\u001f/\xc3\xa9\"");
    ev_buf_reset(&b);
    assert_int_equal(b.len, 0);
    assert_string_equal(b.data, "");
    /* Embedded NUL is escaped, not a terminator. */
    assert_int_equal(ev_buf_append_json_string(&b, "a\0b", 3), 0);
    assert_string_equal(b.data, "\"a\\u0000b\"");
    ev_buf_reset(&b);
    assert_int_equal(ev_buf_append_json_string(&b, "", 0), 0);
    assert_string_equal(b.data, "\"\"");
    ev_buf_free(&b);
}

static void test_take(void **state)
{
    (void)state;
    ev_buf b = EV_BUF_INIT;
    char *s = ev_buf_take(&b);
    assert_non_null(s);
    assert_string_equal(s, "");
    free(s);
    ev_buf_append_str(&b, "hello");
    s = ev_buf_take(&b);
    assert_string_equal(s, "hello");
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    free(s);
}

static void test_failure_is_sticky(void **state)
{
    (void)state;
    ev_buf b = EV_BUF_INIT;
    assert_int_equal(ev_buf_reserve(&b, SIZE_MAX), -1);
    assert_true(b.failed);
    assert_int_equal(ev_buf_append_str(&b, "x"), -1);
    assert_int_equal(ev_buf_printf(&b, "%d", 1), -1);
    assert_null(ev_buf_take(&b));
    ev_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_append_keeps_nul),
        cmocka_unit_test(test_failed_buffer_refuses_appends),
        cmocka_unit_test(test_growth),
        cmocka_unit_test(test_printf),
        cmocka_unit_test(test_json_string),
        cmocka_unit_test(test_take),
        cmocka_unit_test(test_failure_is_sticky),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
