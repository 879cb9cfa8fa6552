/* ev_buf JSON text for outside input: UTF-8 repair, bounds, numbers. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/ev_buf.h"

static void check_text(const char *in, size_t len, size_t max, const char *want)
{
    ev_buf b = EV_BUF_INIT;
    assert_int_equal(ev_buf_append_json_text(&b, in, len, max), 0);
    assert_string_equal(b.data, want);
    assert_true(ev_buf_utf8_valid(b.data, b.len));
    ev_buf_free(&b);
}

static void test_escapes_and_passes_utf8(void **state)
{
    (void)state;
    check_text("plain", 5, 0, "\"plain\"");
    check_text("", 0, 0, "\"\"");
    check_text("a\"b\\c\n\t\r\b\f\x01\x1f", 12, 0, "\"a\\\"b\\\\c\\n\\t\\r\\b\\f\\u0001\\u001f\"");
    check_text("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80", 14, 0,
               "\"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\"");
    /* An embedded NUL is escaped, not a terminator. */
    check_text("a\0b", 3, 0, "\"a\\u0000b\"");
}

static void test_replaces_ill_formed_utf8(void **state)
{
    (void)state;
    /* Lone continuation, overlong, surrogate, past U+10FFFF, truncated sequence. */
    check_text("a\x80z", 3, 0, "\"a\xEF\xBF\xBDz\"");
    check_text("\xC0\xAF", 2, 0, "\"\xEF\xBF\xBD\xEF\xBF\xBD\"");
    check_text("\xED\xA0\x80", 3, 0, "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");
    check_text("\xF4\x90\x80\x80", 4, 0, "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");
    check_text("ok\xE2\x82", 4, 0, "\"ok\xEF\xBF\xBD\xEF\xBF\xBD\"");
    assert_false(ev_buf_utf8_valid("\xE2\x82", 2));
    assert_true(ev_buf_utf8_valid("\xE2\x82\xAC", 3));
    assert_true(ev_buf_utf8_valid("", 0));
}

static void test_truncates_at_code_point_boundary(void **state)
{
    (void)state;
    check_text("abcdef", 6, 4, "\"abcd...(truncated, 6 bytes)\"");
    check_text("abcd", 4, 4, "\"abcd\"");
    /* The euro sign (3 bytes) would straddle the bound: it is left out whole. */
    check_text("ab\xE2\x82\xAC", 5, 4, "\"ab...(truncated, 5 bytes)\"");
    /* Escapes do not count against the bound: it limits input bytes. */
    check_text("\n\n\n\n\n", 5, 2, "\"\\n\\n...(truncated, 5 bytes)\"");
}

static void check_double(double v, const char *want)
{
    ev_buf b = EV_BUF_INIT;
    assert_int_equal(ev_buf_append_double(&b, v), 0);
    assert_string_equal(b.data, want);
    ev_buf_free(&b);
}

static void test_shortest_numbers(void **state)
{
    (void)state;
    check_double(3, "3");
    check_double(0.1, "0.1");
    check_double(-12.5, "-12.5");
    check_double(1e300, "1e+300");
    check_double(0.1 + 0.2, "0.30000000000000004");
    check_double(9007199254740993.0, "9007199254740992");
    ev_buf b = EV_BUF_INIT;
    assert_int_equal(ev_buf_append_double(&b, NAN), -1);
    assert_true(b.failed);
    ev_buf_free(&b);
    assert_int_equal(ev_buf_append_double(&b, INFINITY), -1);
    ev_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escapes_and_passes_utf8),
        cmocka_unit_test(test_replaces_ill_formed_utf8),
        cmocka_unit_test(test_truncates_at_code_point_boundary),
        cmocka_unit_test(test_shortest_numbers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
