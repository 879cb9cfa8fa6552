/* ev_clock and ev_time: injectable clocks, RFC 3339 timestamps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/ev_clock.h"
#include "core/ev_time.h"

static void test_manual_clock_moves_only_when_told(void **state)
{
    (void)state;
    ev_manual_clock m;
    ev_manual_clock_init(&m, 1796206272345);
    const ev_clock *c = &m.clock;
    assert_int_equal(ev_clock_realtime_ms(c), 1796206272345);
    int64_t mono = ev_clock_monotonic_ms(c);
    assert_int_equal(ev_clock_realtime_ms(c), 1796206272345);
    ev_manual_clock_advance(&m, 250);
    assert_int_equal(ev_clock_realtime_ms(c), 1796206272595);
    assert_int_equal(ev_clock_monotonic_ms(c), mono + 250);
    /* Sleeping advances time and is recorded, without waiting. */
    ev_clock_sleep_ms(c, 100);
    ev_clock_sleep_ms(c, 400);
    ev_clock_sleep_ms(c, 0);
    assert_int_equal(m.sleeps, 3);
    assert_int_equal(m.slept_ms, 500);
    assert_int_equal(ev_clock_monotonic_ms(c), mono + 750);
}

static void test_system_clock(void **state)
{
    (void)state;
    assert_ptr_equal(ev_clock_system(), ev_clock_system());
    /* NULL is the system clock. 2020-01-01 < now < 2100-01-01. */
    int64_t now = ev_clock_realtime_ms(NULL);
    assert_true(now > 1577836800000);
    assert_true(now < 4102444800000);
    int64_t a = ev_clock_monotonic_ms(NULL);
    ev_clock_sleep_ms(NULL, 2);
    int64_t b = ev_clock_monotonic_ms(ev_clock_system());
    assert_true(b >= a + 2);
}

static void check_format(int64_t ms, const char *want)
{
    char out[EV_RFC3339_MS_LEN + 1];
    assert_int_equal(ev_time_format_rfc3339_ms(ms, out), 0);
    assert_string_equal(out, want);
}

static void test_rfc3339(void **state)
{
    (void)state;
    check_format(1796206272345, "2026-12-02T10:11:12.345Z");
    check_format(0, "1970-01-01T00:00:00.000Z");
    check_format(7, "1970-01-01T00:00:00.007Z");
    check_format(-1, "1969-12-31T23:59:59.999Z");
    check_format(-1000, "1969-12-31T23:59:59.000Z");
    check_format(1709251199999, "2024-02-29T23:59:59.999Z");
    check_format(253402300799999, "9999-12-31T23:59:59.999Z");
    check_format(-62167219200000, "0000-01-01T00:00:00.000Z");
}

static void test_rfc3339_out_of_range(void **state)
{
    (void)state;
    char out[EV_RFC3339_MS_LEN + 1] = "x";
    assert_int_equal(ev_time_format_rfc3339_ms(253402300800000, out), -1);
    assert_string_equal(out, "");
    assert_int_equal(ev_time_format_rfc3339_ms(-62167219200001, out), -1);
    assert_int_equal(ev_time_format_rfc3339_ms(INT64_MAX, out), -1);
    assert_int_equal(ev_time_format_rfc3339_ms(INT64_MIN, out), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_manual_clock_moves_only_when_told),
        cmocka_unit_test(test_system_clock),
        cmocka_unit_test(test_rfc3339),
        cmocka_unit_test(test_rfc3339_out_of_range),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
