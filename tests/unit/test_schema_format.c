/* Unit tests for schema/ev_format. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "schema/ev_format.h"

static void test_date(void **state)
{
    (void)state;
    assert_true(ev_format_date("2026-11-28"));
    assert_true(ev_format_date("2024-02-29"));
    assert_true(ev_format_date("2000-02-29"));
    assert_false(ev_format_date("1900-02-29"));
    assert_false(ev_format_date("2023-02-29"));
    assert_false(ev_format_date("2026-04-31"));
    assert_true(ev_format_date("2026-12-31"));
    assert_false(ev_format_date("2026-13-01"));
    assert_false(ev_format_date("2026-00-10"));
    assert_false(ev_format_date("2026-01-00"));
    assert_false(ev_format_date("2026-1-01"));
    assert_false(ev_format_date("26-01-01"));
    assert_false(ev_format_date("2026-01-01T00:00:00Z"));
    assert_false(ev_format_date("2026/01/01"));
    assert_false(ev_format_date(""));
    assert_false(ev_format_date("2026-01-0\xd9\xa1")); /* Arabic-Indic one */
}

static void test_time(void **state)
{
    (void)state;
    assert_true(ev_format_time("17:00:00Z"));
    assert_true(ev_format_time("17:00:00.5z"));
    assert_true(ev_format_time("00:00:00+14:00"));
    assert_true(ev_format_time("23:59:60Z"));
    assert_true(ev_format_time("18:59:60-05:00")); /* 23:59 UTC */
    assert_true(ev_format_time("00:44:60+00:45")); /* wraps to the previous day */
    assert_false(ev_format_time("23:59:60+00:01"));
    assert_false(ev_format_time("12:59:60Z"));
    assert_false(ev_format_time("17:00:00"));
    assert_false(ev_format_time("17:00:00."));
    assert_false(ev_format_time("17:00Z"));
    assert_false(ev_format_time("24:00:00Z"));
    assert_false(ev_format_time("23:60:00Z"));
    assert_false(ev_format_time("23:00:61Z"));
    assert_false(ev_format_time("23:00:00+0100"));
    assert_false(ev_format_time("23:00:00+24:00"));
    assert_false(ev_format_time("23:00:00ZZ"));
}

static void test_date_time(void **state)
{
    (void)state;
    assert_true(ev_format_date_time("2026-11-28T17:00:00Z"));
    assert_true(ev_format_date_time("2026-11-28t17:00:00.123+01:00"));
    assert_true(ev_format_date_time("2016-12-31T23:59:60Z"));
    assert_false(ev_format_date_time("2026-11-28 17:00:00Z"));
    assert_false(ev_format_date_time("2026-11-28T17:00:00"));
    assert_false(ev_format_date_time("2026-02-30T17:00:00Z"));
    assert_false(ev_format_date_time("2026-11-28"));
    assert_false(ev_format_date_time("2026-11-28T17:00:00Z "));
}

static void test_ipv4(void **state)
{
    (void)state;
    assert_true(ev_format_ipv4("0.0.0.0"));
    assert_true(ev_format_ipv4("255.255.255.255"));
    assert_true(ev_format_ipv4("10.0.100.9"));
    assert_false(ev_format_ipv4("256.0.0.1"));
    assert_false(ev_format_ipv4("01.2.3.4"));
    assert_false(ev_format_ipv4("1.2.3"));
    assert_false(ev_format_ipv4("1.2.3.4.5"));
    assert_false(ev_format_ipv4("1.2.3.4."));
    assert_false(ev_format_ipv4("1..3.4"));
    assert_false(ev_format_ipv4("1.2.3.1000"));
    assert_false(ev_format_ipv4("1.2.3.-1"));
    assert_false(ev_format_ipv4(""));
}

static void test_ipv6(void **state)
{
    (void)state;
    assert_true(ev_format_ipv6("::"));
    assert_true(ev_format_ipv6("::1"));
    assert_true(ev_format_ipv6("fe80::"));
    assert_true(ev_format_ipv6("2001:db8:0:0:0:0:2:1"));
    assert_true(ev_format_ipv6("2001:DB8::2:1"));
    assert_true(ev_format_ipv6("::ffff:10.0.0.1"));
    assert_true(ev_format_ipv6("1:2:3:4:5:6:10.0.0.1"));
    assert_true(ev_format_ipv6("1:2:3:4:5:6:7::"));
    assert_false(ev_format_ipv6("1:2:3:4:5:6:7:8:9"));
    assert_false(ev_format_ipv6("1:2:3:4:5:6:7:8::"));
    assert_false(ev_format_ipv6("1:2:3:4:5:6:7:10.0.0.1"));
    assert_false(ev_format_ipv6("1::2::3"));
    assert_false(ev_format_ipv6(":1::"));
    assert_false(ev_format_ipv6("1::2:"));
    assert_false(ev_format_ipv6(":::"));
    assert_false(ev_format_ipv6("12345::"));
    assert_false(ev_format_ipv6("g::"));
    assert_false(ev_format_ipv6("::10.0.0.1:1"));
    assert_false(ev_format_ipv6("::1%eth0"));
    assert_false(ev_format_ipv6(""));
    assert_false(ev_format_ipv6(":"));
}

static void test_hostname(void **state)
{
    (void)state;
    assert_true(ev_format_hostname("lab-3"));
    assert_true(ev_format_hostname("sensor-01.example.com"));
    assert_true(ev_format_hostname("1a.b2"));
    assert_false(ev_format_hostname("example.com."));
    assert_false(ev_format_hostname("a..b"));
    assert_false(ev_format_hostname("-a.b"));
    assert_false(ev_format_hostname("a-.b"));
    assert_false(ev_format_hostname("a_b"));
    assert_false(ev_format_hostname("ab--cd"));               /* reserved hyphens, not xn-- */
    assert_true(ev_format_hostname("xn--bcher-kva.example")); /* bücher */
    assert_false(ev_format_hostname("xn--bcher-kva!.example"));
    assert_false(ev_format_hostname("xn--"));
    char label[70];
    for (int i = 0; i < 64; i++)
        label[i] = 'a';
    label[64] = '\0';
    assert_false(ev_format_hostname(label));
    label[63] = '\0';
    assert_true(ev_format_hostname(label));
    /* 253 characters in all is the limit. */
    char name[300];
    for (int i = 0; i < 253; i++)
        name[i] = i % 2 ? '.' : 'a'; /* a.a.a...a: 253 characters */
    name[253] = '\0';
    assert_true(ev_format_hostname(name));
    name[253] = '.';
    name[254] = 'a';
    name[255] = '\0';
    assert_false(ev_format_hostname(name));
}

static void test_email(void **state)
{
    (void)state;
    assert_true(ev_format_email("ops@example.com"));
    assert_true(ev_format_email("first.last+tag@sub.example.com"));
    assert_true(ev_format_email("\"a b@c\"@example.com"));
    assert_true(ev_format_email("\"quote\\\"d\"@example.com"));
    assert_true(ev_format_email("x@[10.0.0.1]"));
    assert_true(ev_format_email("x@[IPv6:2001:db8::1]"));
    assert_false(ev_format_email("x@[IPv6:10.0.0.1]"));
    assert_false(ev_format_email("x@[2001:db8::1]"));
    assert_false(ev_format_email("x@[10.0.0.256]"));
    assert_false(ev_format_email("a..b@example.com"));
    assert_false(ev_format_email(".a@example.com"));
    assert_false(ev_format_email("a.@example.com"));
    assert_false(ev_format_email("a@b@example.com"));
    assert_false(ev_format_email("a b@example.com"));
    assert_false(ev_format_email("\"unterminated@example.com"));
    assert_false(ev_format_email("a@"));
    assert_false(ev_format_email("@a"));
    assert_false(ev_format_email("a@-bad.com"));
    assert_false(ev_format_email("noat"));
}

static void test_uri(void **state)
{
    (void)state;
    assert_true(ev_format_uri("https://example.com"));
    assert_true(ev_format_uri("https://user:pw@example.com:8443/a/b?x=1&y=%20#frag"));
    assert_true(ev_format_uri("urn:isbn:0451450523"));
    assert_true(ev_format_uri("http://[2001:db8::1]:80/"));
    assert_true(ev_format_uri("http://[v7.abc:def]/"));
    assert_true(ev_format_uri("file:///etc/hosts"));
    assert_true(ev_format_uri("s3:"));
    assert_true(ev_format_uri("http://h/?q=a/b?c"));
    assert_false(ev_format_uri("example.com/path"));
    assert_false(ev_format_uri("//example.com"));
    assert_false(ev_format_uri("http://exa mple.com"));
    assert_false(ev_format_uri("http://example.com/%zz"));
    assert_false(ev_format_uri("http://example.com/%4"));
    assert_false(ev_format_uri("http://example.com:80a/"));
    assert_false(ev_format_uri("http://[::1/"));
    assert_false(ev_format_uri("http://[1::2::3]/"));
    assert_false(ev_format_uri("http://example.com/#a#b"));
    assert_false(ev_format_uri("http://ex\xc3\xa9.com/"));
    assert_false(ev_format_uri("9ttp://example.com"));
    assert_false(ev_format_uri(""));
}

static void test_uuid(void **state)
{
    (void)state;
    assert_true(ev_format_uuid("123e4567-e89b-12d3-a456-426614174000"));
    assert_true(ev_format_uuid("FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF"));
    assert_false(ev_format_uuid("123e4567-e89b-12d3-a456-42661417400"));
    assert_false(ev_format_uuid("123e4567-e89b-12d3-a456-4266141740000"));
    assert_false(ev_format_uuid("123e4567e89b-12d3-a456-426614174000-"));
    assert_false(ev_format_uuid("{123e4567-e89b-12d3-a456-426614174000}"));
    assert_false(ev_format_uuid("123e4567-e89b-12d3-a456-42661417400g"));
    assert_false(ev_format_uuid(""));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_date),  cmocka_unit_test(test_time), cmocka_unit_test(test_date_time),
        cmocka_unit_test(test_ipv4),  cmocka_unit_test(test_ipv6), cmocka_unit_test(test_hostname),
        cmocka_unit_test(test_email), cmocka_unit_test(test_uri),  cmocka_unit_test(test_uuid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
