/* ev_uuid: text form, name-based v8 (RFC 9562 B.2 vector), UUIDv7 order. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/ev_uuid.h"

static void check_text(const ev_uuid *u, const char *want)
{
    char text[EV_UUID_STRING_LEN + 1];
    ev_uuid_format(u, text);
    assert_string_equal(text, want);
}

static void test_format_and_parse(void **state)
{
    (void)state;
    check_text(&EV_UUID_NAMESPACE_DNS, "6ba7b810-9dad-11d1-80b4-00c04fd430c8");
    ev_uuid u;
    const char *mixed = "6BA7B811-9dad-11D1-80b4-00c04fd430C8";
    assert_int_equal(ev_uuid_parse(mixed, strlen(mixed), &u), 0);
    assert_true(ev_uuid_equal(&u, &EV_UUID_NAMESPACE_URL));
    assert_int_equal(ev_uuid_version(&u), 1);
    const char *bad[] = {
        "6ba7b810-9dad-11d1-80b4-00c04fd430c",   /* short */
        "6ba7b810-9dad-11d1-80b4-00c04fd430c80", /* long */
        "6ba7b8109-dad-11d1-80b4-00c04fd430c8",  /* dash misplaced */
        "6ba7b810-9dad-11d1-80b4-00c04fd430cg",  /* not hex */
        "6ba7b810 9dad 11d1 80b4 00c04fd430c8",  /* no dashes */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(&u, 0xAA, sizeof u);
        assert_int_equal(ev_uuid_parse(bad[i], strlen(bad[i]), &u), -1);
        ev_uuid zero = {{0}};
        assert_true(ev_uuid_equal(&u, &zero));
    }
    assert_int_equal(ev_uuid_parse(NULL, 36, &u), -1);
}

static void test_name_based_rfc_vector(void **state)
{
    (void)state;
    ev_uuid u;
    /* RFC 9562 appendix B.2: SHA-256, DNS namespace, "www.example.com". */
    assert_int_equal(ev_uuid_v8_sha256(&EV_UUID_NAMESPACE_DNS, "www.example.com", 15, &u), 0);
    check_text(&u, "5c146b14-3c52-8afd-938a-375d0df1fbf6");
    assert_int_equal(ev_uuid_version(&u), 8);
    assert_int_equal(u.bytes[8] & 0xC0, 0x80);
    /* Same input, same id: a retried request keeps its event id. */
    ev_uuid again;
    assert_int_equal(ev_uuid_v8_sha256(&EV_UUID_NAMESPACE_DNS, "www.example.com", 15, &again), 0);
    assert_true(ev_uuid_equal(&u, &again));
    assert_int_equal(ev_uuid_v8_sha256(&EV_UUID_NAMESPACE_URL, "", 0, &u), 0);
    check_text(&u, "432eefc7-f195-8772-83a4-7a101e05f9c7");
}

static void test_name_based_parts(void **state)
{
    (void)state;
    ev_uuid u, v;
    /* Reference: Python, sha256(ns + pack(">Q", len(p)) + p for each part). */
    ev_uuid_part parts[] = {{"sensor-7", 8}, {"key-123", 7}};
    assert_int_equal(ev_uuid_v8_sha256_parts(&EV_UUID_NAMESPACE_URL, parts, 2, &u), 0);
    check_text(&u, "e7577183-c6cf-819c-b8b2-58ae9c8adb42");
    /* Boundaries matter: ("ab","c") and ("a","bc") differ. */
    ev_uuid_part ab_c[] = {{"ab", 2}, {"c", 1}};
    ev_uuid_part a_bc[] = {{"a", 1}, {"bc", 2}};
    assert_int_equal(ev_uuid_v8_sha256_parts(&EV_UUID_NAMESPACE_URL, ab_c, 2, &u), 0);
    assert_int_equal(ev_uuid_v8_sha256_parts(&EV_UUID_NAMESPACE_URL, a_bc, 2, &v), 0);
    assert_false(ev_uuid_equal(&u, &v));
    /* The namespace matters. */
    assert_int_equal(ev_uuid_v8_sha256_parts(&EV_UUID_NAMESPACE_DNS, ab_c, 2, &v), 0);
    assert_false(ev_uuid_equal(&u, &v));
}

/* Deterministic "random" bytes: a counter, or failure on demand. */
typedef struct fake_random {
    unsigned char next;
    unsigned char fill; /* when set, every byte is this value */
    int fail;
} fake_random;

static int fake_random_fn(void *ctx, void *buf, size_t len)
{
    fake_random *r = ctx;
    if (r->fail)
        return -1;
    unsigned char *p = buf;
    for (size_t i = 0; i < len; i++)
        p[i] = r->fill ? r->fill : r->next++;
    return 0;
}

static uint64_t timestamp_of(const ev_uuid *u)
{
    uint64_t ts = 0;
    for (int i = 0; i < 6; i++)
        ts = ts << 8 | u->bytes[i];
    return ts;
}

static void test_v7_layout(void **state)
{
    (void)state;
    ev_manual_clock clk;
    ev_manual_clock_init(&clk, 1796206272345);
    fake_random r = {0};
    ev_uuid7_gen g;
    ev_uuid7_gen_init(&g, &clk.clock, fake_random_fn, &r);
    ev_uuid u;
    assert_int_equal(ev_uuid7_next(&g, &u), 0);
    assert_int_equal(timestamp_of(&u), 1796206272345);
    assert_int_equal(ev_uuid_version(&u), 7);
    assert_int_equal(u.bytes[8] & 0xC0, 0x80);
    /* Counter seeded from 6 random bytes with the top counter bit clear. */
    assert_true(g.counter < (UINT64_C(1) << 41));
    char text[EV_UUID_STRING_LEN + 1];
    ev_uuid_format(&u, text);
    assert_int_equal(text[14], '7');
}

static void test_v7_monotonic_within_a_millisecond(void **state)
{
    (void)state;
    ev_manual_clock clk;
    ev_manual_clock_init(&clk, 1796206272345);
    fake_random r = {.fill = 0xFF}; /* largest seed: the worst case for room to count */
    ev_uuid7_gen g;
    ev_uuid7_gen_init(&g, &clk.clock, fake_random_fn, &r);
    ev_uuid prev, u;
    assert_int_equal(ev_uuid7_next(&g, &prev), 0);
    for (int i = 0; i < 5000; i++) {
        if (i == 2000)
            ev_manual_clock_advance(&clk, -5000); /* the clock steps back */
        if (i == 4000)
            ev_manual_clock_advance(&clk, 6000);
        assert_int_equal(ev_uuid7_next(&g, &u), 0);
        assert_true(memcmp(prev.bytes, u.bytes, 16) < 0);
        char a[EV_UUID_STRING_LEN + 1], b[EV_UUID_STRING_LEN + 1];
        ev_uuid_format(&prev, a);
        ev_uuid_format(&u, b);
        assert_true(strcmp(a, b) < 0);
        prev = u;
    }
    /* While the clock was behind, the last millisecond was kept. */
    assert_int_equal(timestamp_of(&u), 1796206272345 + 1000);
}

static void test_v7_counter_overflow_moves_time_ahead(void **state)
{
    (void)state;
    ev_manual_clock clk;
    ev_manual_clock_init(&clk, 1000);
    fake_random r = {0};
    ev_uuid7_gen g;
    ev_uuid7_gen_init(&g, &clk.clock, fake_random_fn, &r);
    ev_uuid a, b;
    assert_int_equal(ev_uuid7_next(&g, &a), 0);
    g.counter = (UINT64_C(1) << EV_UUID7_COUNTER_BITS) - 1;
    assert_int_equal(ev_uuid7_next(&g, &b), 0);
    assert_int_equal(timestamp_of(&b), 1001);
    assert_true(memcmp(a.bytes, b.bytes, 16) < 0);
}

static void test_v7_without_randomness(void **state)
{
    (void)state;
    fake_random r = {.fail = 1};
    ev_uuid7_gen g;
    ev_uuid7_gen_init(&g, NULL, fake_random_fn, &r);
    ev_uuid u;
    memset(&u, 0xAA, sizeof u);
    assert_int_equal(ev_uuid7_next(&g, &u), -1);
    ev_uuid zero = {{0}};
    assert_true(ev_uuid_equal(&u, &zero));
}

static void *many_ids(void *arg)
{
    ev_uuid prev, u;
    int ok = ev_uuid7(&prev) == 0;
    for (int i = 0; i < 2000 && ok; i++) {
        ok = ev_uuid7(&u) == 0 && memcmp(prev.bytes, u.bytes, 16) < 0;
        prev = u;
    }
    *(int *)arg = ok;
    return NULL;
}

static void test_v7_process_generator_threads(void **state)
{
    (void)state;
    pthread_t t[2];
    int ok[2] = {0, 0};
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&t[i], NULL, many_ids, &ok[i]), 0);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    assert_true(ok[0] && ok[1]);
    ev_uuid u;
    assert_int_equal(ev_uuid7(&u), 0);
    assert_int_equal(ev_uuid_version(&u), 7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_and_parse),
        cmocka_unit_test(test_name_based_rfc_vector),
        cmocka_unit_test(test_name_based_parts),
        cmocka_unit_test(test_v7_layout),
        cmocka_unit_test(test_v7_monotonic_within_a_millisecond),
        cmocka_unit_test(test_v7_counter_overflow_moves_time_ahead),
        cmocka_unit_test(test_v7_without_randomness),
        cmocka_unit_test(test_v7_process_generator_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
