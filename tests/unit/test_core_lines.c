/* Unit tests for core/ev_lines: bounded line reading and size options. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ev_lines.h"

/* A stream over len bytes of text (fmemopen keeps NUL bytes). */
static FILE *stream(const char *text, size_t len)
{
    FILE *f = fmemopen((void *)text, len, "rb");
    assert_non_null(f);
    return f;
}

static void test_lines_with_and_without_final_newline(void **state)
{
    (void)state;
    static const char text[] = "a\n\nbc\nlast";
    FILE *f = stream(text, sizeof text - 1);
    ev_line_reader *r = ev_line_reader_new(f, 16);
    assert_non_null(r);
    const char *want[] = {"a", "", "bc", "last"};
    for (unsigned i = 0; i < 4; i++) {
        assert_int_equal(ev_line_read(r), EV_LINE_READ);
        assert_int_equal(r->number, i + 1);
        assert_int_equal(r->line.len, strlen(want[i]));
        assert_memory_equal(r->line.len ? r->line.data : "", want[i], strlen(want[i]));
        assert_false(r->too_long);
    }
    assert_int_equal(ev_line_read(r), EV_LINE_END);
    ev_line_reader_free(r);
    fclose(f);
}

static void test_limit_is_exact_and_the_long_line_is_not_held(void **state)
{
    (void)state;
    static const char text[] = "1234\n12345\nok\n";
    FILE *f = stream(text, sizeof text - 1);
    ev_line_reader *r = ev_line_reader_new(f, 4);
    assert_int_equal(ev_line_read(r), EV_LINE_READ);
    assert_false(r->too_long);
    assert_int_equal(ev_line_read(r), EV_LINE_READ);
    assert_true(r->too_long);
    assert_int_equal(r->length, 5);
    assert_int_equal(r->line.len, 0);
    assert_int_equal(ev_line_read(r), EV_LINE_READ);
    assert_false(r->too_long);
    assert_memory_equal(r->line.data, "ok", 2);
    ev_line_reader_free(r);
    fclose(f);
}

static void test_line_across_chunks_keeps_nul_bytes(void **state)
{
    (void)state;
    size_t n = 200000; /* three chunks of 64 KiB */
    char *text = calloc(n + 3, 1);
    assert_non_null(text);
    text[0] = 'x';
    text[n] = '\n';
    text[n + 1] = 'y';
    FILE *f = stream(text, n + 2);
    ev_line_reader *r = ev_line_reader_new(f, n);
    assert_int_equal(ev_line_read(r), EV_LINE_READ);
    assert_int_equal(r->line.len, n);
    assert_int_equal(r->line.data[0], 'x');
    assert_int_equal(r->line.data[n - 1], '\0');
    assert_int_equal(ev_line_read(r), EV_LINE_READ);
    assert_int_equal(r->number, 2);
    assert_int_equal(ev_line_read(r), EV_LINE_END);
    ev_line_reader_free(r);
    fclose(f);
    free(text);
}

static void test_parse_size(void **state)
{
    (void)state;
    size_t v = 0;
    assert_true(ev_parse_size("1", &v));
    assert_int_equal(v, 1);
    assert_true(ev_parse_size("64K", &v));
    assert_int_equal(v, 65536);
    assert_true(ev_parse_size("16m", &v));
    assert_int_equal(v, 16u << 20);
    assert_true(ev_parse_size("1G", &v));
    assert_int_equal(v, 1u << 30);
    const char *bad[] = {"", "0", "-1", "K", "1KB", "1 K", "99999999999999999999", "17179869184G"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_false(ev_parse_size(bad[i], &v));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lines_with_and_without_final_newline),
        cmocka_unit_test(test_limit_is_exact_and_the_long_line_is_not_held),
        cmocka_unit_test(test_line_across_chunks_keeps_nul_bytes),
        cmocka_unit_test(test_parse_size),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
