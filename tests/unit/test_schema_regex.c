/* Unit tests for schema/ev_regex: ECMA-262 semantics on PCRE2. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <string.h>

#include "schema/ev_regex.h"

static bool m(const char *pattern, const char *subject)
{
    ev_regex re = {pattern, NULL};
    char err[256];
    if (ev_regex_compile(&re, err, sizeof err) != 0)
        fail_msg("compile %s: %s", pattern, err);
    bool r = ev_regex_search(&re, subject, strlen(subject));
    ev_regex_free(&re);
    return r;
}

static void test_search_not_anchored(void **state)
{
    (void)state;
    assert_true(m("a+", "xxaay"));
    assert_false(m("^a+$", "xxaay"));
    assert_true(m("^a*$", ""));
    assert_false(m("^abc$", "abc\n")); /* $ only at the very end */
    assert_true(m("^abc$", "abc"));
    assert_true(m("[0-9]{2,}", "ab12"));
    assert_false(m("X_", "x_")); /* case-sensitive */
    /* Embedded NUL counts: the length is used, not strlen. */
    ev_regex re = {"^a\\x00b$", NULL};
    assert_int_equal(ev_regex_compile(&re, NULL, 0), 0);
    assert_true(ev_regex_search(&re, "a\0b", 3));
    ev_regex_free(&re);
}

static void test_ascii_classes(void **state)
{
    (void)state;
    assert_true(m("^\\d$", "7"));
    assert_false(m("^\\d$", "\xdf\xa0"));      /* NKO digit zero U+07C0 */
    assert_false(m("^\\d+$", "\xe0\xa7\xa6")); /* Bengali zero */
    assert_true(m("^\\D$", "\xdf\xa0"));
    assert_true(m("^\\w$", "a"));
    assert_false(m("^\\w$", "\xc3\xa9")); /* é */
    assert_true(m("^\\W$", "\xc3\xa9"));
    assert_false(m("\\wcole", "\xc3\xa9"
                              "cole"));
    assert_true(m("^[\\d]+$", "0123"));
    assert_true(m("^[\\D]$", "\xc3\xa9"));
    assert_false(m("^[\\D]$", "5"));
    assert_true(m("^[\\W]$", "-"));
    assert_false(m("^[\\W]$", "_"));
    assert_true(m("^[a\\d]+$", "a1a2"));
}

static void test_whitespace(void **state)
{
    (void)state;
    const char *ws[] = {
        "\t",           "\n",           "\v",           "\f",           "\r",           " ",
        "\xc2\xa0",     "\xe1\x9a\x80", "\xe2\x80\x80", "\xe2\x80\x8a", "\xe2\x80\xa8", "\xe2\x80\xa9",
        "\xe2\x80\xaf", "\xe2\x81\x9f", "\xe3\x80\x80", "\xef\xbb\xbf"};
    for (size_t i = 0; i < sizeof ws / sizeof ws[0]; i++) {
        assert_true(m("^\\s$", ws[i]));
        assert_false(m("^\\S$", ws[i]));
        assert_true(m("^[\\s]$", ws[i]));
        assert_false(m("^[\\S]$", ws[i]));
    }
    assert_false(m("^\\s$", "\xe2\x80\x8b")); /* zero width space is not white space */
    assert_true(m("^\\S$", "\xe2\x80\x8b"));
    assert_true(m("^[\\S]$", "\xf0\x9f\x98\x80"));
    assert_false(m("^\\s$", "a"));
}

static void test_escapes_and_dot(void **state)
{
    (void)state;
    assert_true(m("^\\u00e9$", "\xc3\xa9"));
    assert_true(m("^\\ud83d\\ude00$", "\xf0\x9f\x98\x80")); /* surrogate pair */
    assert_true(m("^\\u{1F600}$", "\xf0\x9f\x98\x80"));
    assert_true(m("^[\\u0041-\\u005A]+$", "ABC"));
    assert_true(m("^\\x41$", "A"));
    assert_true(m("^\\t$", "\t"));
    assert_true(m("^\\cC$", "\x03"));
    assert_true(m("^\\cc$", "\x03"));
    assert_true(m("^.$", "\xf0\x9f\x98\x80")); /* one code point */
    assert_false(m("^.$", "\n"));
    assert_false(m("^.$", "\r"));
    assert_false(m("^.$", "\xe2\x80\xa8"));
    assert_true(m("^[.]$", "."));
    assert_false(m("^[.]$", "a"));
    assert_true(m("^[[]$", "[")); /* [ in a class is a literal */
    /* Not a POSIX class in ECMA-262: the class is [[:alph] followed by "]+". */
    assert_true(m("^[[:alpha:]]+$", "a]]"));
    assert_false(m("^[[:alpha:]]+$", "b]"));
    assert_false(m("[]", "a")); /* empty class */
    assert_true(m("^[^]$", "\n"));
    assert_true(m("^\\/$", "/"));
    assert_true(m("^\\p{Letter}cole$", "\xc3\xa9"
                                       "cole"));
    assert_true(m("^\\p{L}+$", "\xc3\xa9t\xc3\xa9"));
    assert_true(m("^\\p{digit}+$", "\xe0\xa7\xa6"));
    assert_false(m("^\\P{Nd}$", "5"));
    assert_true(m("^\\p{Script=Greek}$", "\xce\xb1"));
    assert_true(m("^\\p{gc=Lu}$", "A"));
    assert_false(m("^\\p{General_Category=Lowercase_Letter}$", "A"));
    assert_true(m("^(?<y>\\d{4})-\\k<y>$", "2024-2024"));
}

static void test_compile_errors(void **state)
{
    (void)state;
    char err[256];
    ev_regex re = {"^(abc", NULL};
    assert_int_equal(ev_regex_compile(&re, err, sizeof err), -1);
    assert_null(re.code);
    assert_non_null(strstr(err, "/^(abc/"));
    assert_non_null(strstr(err, "offset 5"));
    /* Offsets refer to the pattern as written, not the translation. */
    ev_regex re2 = {"\\d\\s\\w[", NULL};
    assert_int_equal(ev_regex_compile(&re2, err, sizeof err), -1);
    assert_non_null(strstr(err, "offset 7"));
    ev_regex re3 = {"a{2,1}", NULL};
    assert_int_equal(ev_regex_compile(&re3, err, sizeof err), -1);
    ev_regex re4 = {NULL, NULL};
    assert_int_equal(ev_regex_compile(&re4, err, sizeof err), -1);
    ev_regex re5 = {"x", NULL};
    assert_false(ev_regex_search(&re5, "x", 1)); /* not compiled */
    ev_regex_free(&re5);
}

/* PCRE syntax that ECMA-262 lacks or reads differently is refused, never
 * silently given PCRE's meaning; \v is ECMA's U+000B, not "vertical space". */
static void test_ecma_only(void **state)
{
    (void)state;
    assert_true(m("^\\v$", "\v"));
    assert_false(m("^\\v$", "\n"));
    assert_true(m("^[\\v]$", "\v"));
    assert_false(m("^[\\v]$", "\n"));
    assert_true(m("^a+?$", "aa"));
    assert_true(m("^\\++$", "++"));
    assert_true(m("^(?:x)(?=y)", "xy"));
    assert_true(m("(?<n>x)\\k<n>", "xx"));
    const char *refused[] = {"a\\Z", "\\Aa", "\\h", "\\R", "a\\K", "\\Qa\\E", "(?i)a", "(?>a)", "a++", "a*+"};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        char err[256];
        ev_regex re = {refused[i], NULL};
        assert_int_equal(ev_regex_compile(&re, err, sizeof err), -1);
        assert_non_null(strstr(err, "ECMA-262"));
        assert_null(re.code);
    }
}

static void test_recompile_and_free(void **state)
{
    (void)state;
    ev_regex re = {"^a$", NULL};
    assert_int_equal(ev_regex_compile(&re, NULL, 0), 0);
    assert_int_equal(ev_regex_compile(&re, NULL, 0), 0); /* replaces, no leak */
    assert_true(ev_regex_search(&re, "a", 1));
    ev_regex_free(&re);
    ev_regex_free(&re);
}

static ev_regex shared = {"^[a-z]+-\\d{2}$", NULL};

static void *worker(void *arg)
{
    (void)arg;
    for (int i = 0; i < 1000; i++) {
        if (!ev_regex_search(&shared, "sensor-01", 9) || ev_regex_search(&shared, "Sensor-1", 8))
            return (void *)1;
    }
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    assert_int_equal(ev_regex_compile(&shared, NULL, 0), 0);
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&t[i], NULL, worker, NULL), 0);
    for (int i = 0; i < 4; i++) {
        void *r;
        pthread_join(t[i], &r);
        assert_null(r);
    }
    ev_regex_free(&shared);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_search_not_anchored), cmocka_unit_test(test_ascii_classes),
        cmocka_unit_test(test_whitespace),          cmocka_unit_test(test_escapes_and_dot),
        cmocka_unit_test(test_compile_errors),      cmocka_unit_test(test_ecma_only),
        cmocka_unit_test(test_recompile_and_free),  cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
