/* Unit tests of the DynamoDB runtime (src/schema/ev_ddb.c, ev_codec.c) and of the
 * generated event coders' error paths. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"

static cJSON *parse(const char *text)
{
    cJSON *x = ev_json_parse(text, strlen(text), NULL);
    assert_non_null(x);
    return x;
}

/* ---- numbers ------------------------------------------------------------------ */

static void test_number_limits(void **state)
{
    (void)state;
    size_t digits = 0;
    assert_int_equal(ev_ddb_number_check("0", &digits), EV_DDB_NUMBER_OK);
    assert_int_equal(digits, 1);
    assert_int_equal(ev_ddb_number_check("-0.000", NULL), EV_DDB_NUMBER_OK);
    assert_int_equal(ev_ddb_number_check("1e-130", NULL), EV_DDB_NUMBER_OK);
    assert_int_equal(ev_ddb_number_check("-1E-130", NULL), EV_DDB_NUMBER_OK);
    assert_int_equal(ev_ddb_number_check("0.1e-129", NULL), EV_DDB_NUMBER_OK);
    assert_int_equal(ev_ddb_number_check("1e-131", NULL), EV_DDB_NUMBER_TOO_SMALL);
    assert_int_equal(ev_ddb_number_check("0.00001e-126", NULL), EV_DDB_NUMBER_TOO_SMALL);
    assert_int_equal(ev_ddb_number_check("9.9999999999999999999999999999999999999E+125", &digits),
                     EV_DDB_NUMBER_OK);
    assert_int_equal(digits, 38);
    assert_int_equal(ev_ddb_number_check("1e126", NULL), EV_DDB_NUMBER_TOO_LARGE);
    assert_int_equal(ev_ddb_number_check("-10e125", NULL), EV_DDB_NUMBER_TOO_LARGE);
    assert_int_equal(ev_ddb_number_check("1e999999999999", NULL), EV_DDB_NUMBER_TOO_LARGE);
    assert_int_equal(ev_ddb_number_check("12345678901234567890123456789012345678", NULL), EV_DDB_NUMBER_OK);
    assert_int_equal(ev_ddb_number_check("123456789012345678901234567890123456789", NULL),
                     EV_DDB_NUMBER_TOO_PRECISE);
    /* Leading and trailing zeros do not count. */
    assert_int_equal(ev_ddb_number_check("1.0000000000000000000000000000000000000000000", &digits),
                     EV_DDB_NUMBER_OK);
    assert_int_equal(digits, 1);
    assert_int_equal(ev_ddb_number_check("-120.50", &digits), EV_DDB_NUMBER_OK);
    assert_int_equal(digits, 4);
    assert_int_equal(ev_ddb_number_check("0.00123", &digits), EV_DDB_NUMBER_OK);
    assert_int_equal(digits, 3);
    assert_int_equal(ev_ddb_number_check("12300", &digits), EV_DDB_NUMBER_OK);
    assert_int_equal(digits, 3);
    const char *bad[] = {"",    "-",   "+1",       "01", "1.",   ".5", "1e",
                         "1e+", "NaN", "Infinity", "1 ", "0x10", "1,5"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(ev_ddb_number_check(bad[i], NULL), EV_DDB_NUMBER_SYNTAX);
    assert_int_equal(ev_ddb_number_check(NULL, NULL), EV_DDB_NUMBER_SYNTAX);
}

static void test_number_size(void **state)
{
    (void)state;
    assert_int_equal(ev_ddb_number_size(1), 2);
    assert_int_equal(ev_ddb_number_size(2), 2);
    assert_int_equal(ev_ddb_number_size(3), 3);
    assert_int_equal(ev_ddb_number_size(38), 20);
}

/* Writes one attribute `v` with put(), returns the status; text receives the JSON. */
typedef ev_codec_status (*put_fn)(ev_ddb_writer *w, const void *arg);

static ev_codec_status put_double(ev_ddb_writer *w, const void *arg)
{
    return ev_ddb_put_n_double(w, *(const double *)arg);
}
static ev_codec_status put_int(ev_ddb_writer *w, const void *arg)
{
    return ev_ddb_put_n_int(w, *(const int64_t *)arg);
}
static ev_codec_status put_str(ev_ddb_writer *w, const void *arg)
{
    return ev_ddb_put_s(w, arg);
}

static ev_codec_status write_item(put_fn put, const void *arg, ev_buf *out, size_t *size, ev_codec_error *err)
{
    ev_codec_ctx c;
    ev_ddb_writer w;
    ev_codec_status s;
    ev_codec_init(&c, NULL, err);
    ev_ddb_writer_init(&w, &c, out);
    s = ev_ddb_item_begin(&w);
    if (s == EV_CODEC_OK)
        s = ev_ddb_name(&w, "v");
    if (s == EV_CODEC_OK)
        s = put(&w, arg);
    if (s == EV_CODEC_OK)
        s = ev_ddb_item_end(&w);
    *size = w.size;
    return s;
}

static void test_put_numbers(void **state)
{
    (void)state;
    ev_buf out = EV_BUF_INIT;
    ev_codec_error err;
    size_t size;
    double d = 22.5;
    assert_int_equal(write_item(put_double, &d, &out, &size, &err), EV_CODEC_OK);
    assert_string_equal(out.data, "{\"v\":{\"N\":\"22.5\"}}");
    assert_int_equal(size, 1 + 3); /* name 1, 3 digits -> 1 + 2 */

    const double refused[] = {NAN, INFINITY, -INFINITY, 1e-200, 5e-324, 1e200, -1e130};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        ev_buf_reset(&out);
        assert_int_equal(write_item(put_double, &refused[i], &out, &size, &err), EV_CODEC_RANGE);
        assert_int_equal(err.status, EV_CODEC_RANGE);
        assert_true(strlen(err.message) > 0);
    }
    ev_buf_reset(&out);
    d = 1e-130;
    assert_int_equal(write_item(put_double, &d, &out, &size, &err), EV_CODEC_OK);
    ev_buf_reset(&out);
    d = 1e-200;
    write_item(put_double, &d, &out, &size, &err);
    assert_non_null(strstr(err.message, "1E-130"));

    int64_t lims[] = {INT64_MIN, INT64_MAX, 0, -1};
    const char *texts[] = {"{\"v\":{\"N\":\"-9223372036854775808\"}}",
                           "{\"v\":{\"N\":\"9223372036854775807\"}}", "{\"v\":{\"N\":\"0\"}}",
                           "{\"v\":{\"N\":\"-1\"}}"};
    for (size_t i = 0; i < 4; i++) {
        ev_buf_reset(&out);
        assert_int_equal(write_item(put_int, &lims[i], &out, &size, &err), EV_CODEC_OK);
        assert_string_equal(out.data, texts[i]);
    }
    ev_buf_free(&out);
}

/* ---- strings and escaping ------------------------------------------------------ */

static void test_escaping(void **state)
{
    (void)state;
    const char *value = "q\"b\\s/n\nt\tc\x01\x1f del\x7f \xc3\xa9\xe2\x82\xac\xf0\x9d\x84\x9e";
    ev_buf out = EV_BUF_INIT;
    ev_codec_error err;
    size_t size;
    assert_int_equal(write_item(put_str, value, &out, &size, &err), EV_CODEC_OK);
    assert_int_equal(size, 1 + strlen(value)); /* S counts UTF-8 bytes */
    cJSON *item = parse(out.data);
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(item, "v"), "S");
    assert_true(cJSON_IsString(s));
    assert_string_equal(s->valuestring, value);
    assert_null(strchr(out.data, '\n'));
    assert_null(strchr(out.data, '\x01'));
    cJSON_Delete(item);

    /* Attribute names are escaped too. */
    ev_codec_ctx c;
    ev_ddb_writer w;
    ev_buf_reset(&out);
    ev_codec_init(&c, NULL, &err);
    ev_ddb_writer_init(&w, &c, &out);
    assert_int_equal(ev_ddb_item_begin(&w), EV_CODEC_OK);
    assert_int_equal(ev_ddb_name(&w, "a\"b"), EV_CODEC_OK);
    assert_int_equal(ev_ddb_put_bool(&w, true), EV_CODEC_OK);
    assert_int_equal(ev_ddb_item_end(&w), EV_CODEC_OK);
    assert_string_equal(out.data, "{\"a\\\"b\":{\"BOOL\":true}}");
    assert_int_equal(w.size, 3 + 1);
    ev_buf_free(&out);
}

/* ---- item size -------------------------------------------------------------------- */

static size_t size_of(const char *text)
{
    ev_codec_ctx c;
    ev_codec_error err;
    size_t size = 0;
    cJSON *item = parse(text);
    ev_codec_init(&c, NULL, &err);
    assert_int_equal(ev_ddb_item_size(&c, item, &size), EV_CODEC_OK);
    cJSON_Delete(item);
    return size;
}

static void test_item_size_rules(void **state)
{
    (void)state;
    assert_int_equal(size_of("{}"), 0);
    assert_int_equal(size_of("{\"a\":{\"S\":\"xyz\"}}"), 4);
    assert_int_equal(size_of("{\"\\u00e9\":{\"S\":\"\\u20ac\"}}"), 2 + 3); /* UTF-8 bytes */
    assert_int_equal(size_of("{\"n\":{\"N\":\"-120.50\"}}"), 1 + 1 + 2);   /* 4 digits */
    assert_int_equal(size_of("{\"b\":{\"BOOL\":false},\"z\":{\"NULL\":true}}"), 2 + 2);
    assert_int_equal(size_of("{\"m\":{\"M\":{}}}"), 1 + 3);
    assert_int_equal(size_of("{\"m\":{\"M\":{\"k\":{\"N\":\"12\"}}}}"), 1 + 3 + 1 + 1 + 2);
    assert_int_equal(size_of("{\"l\":{\"L\":[{\"BOOL\":true},{\"NULL\":true}]}}"), 1 + 3 + 2 + 2);
    assert_int_equal(size_of("{\"b\":{\"B\":\"AAEC\"}}"), 1 + 3); /* raw bytes */
    assert_int_equal(size_of("{\"s\":{\"SS\":[\"ab\",\"c\"]}}"), 1 + 3);

    ev_codec_ctx c;
    ev_codec_error err;
    size_t size;
    cJSON *bad = parse("{\"a\":{\"S\":\"x\",\"N\":\"1\"}}");
    ev_codec_init(&c, NULL, &err);
    assert_int_equal(ev_ddb_item_size(&c, bad, &size), EV_CODEC_MISMATCH);
    assert_string_equal(err.path, "/a");
    cJSON_Delete(bad);
}

static void test_item_size_limit(void **state)
{
    (void)state;
    size_t n = EV_DDB_MAX_ITEM_BYTES - 1; /* name "v" is one byte */
    char *big = malloc(n + 2);
    ev_buf out = EV_BUF_INIT;
    ev_codec_error err;
    size_t size;
    assert_non_null(big);
    memset(big, 'x', n);
    big[n] = '\0';
    assert_int_equal(write_item(put_str, big, &out, &size, &err), EV_CODEC_OK);
    assert_int_equal(size, EV_DDB_MAX_ITEM_BYTES);
    assert_int_equal(size_of(out.data), EV_DDB_MAX_ITEM_BYTES);
    big[n] = 'x';
    big[n + 1] = '\0';
    ev_buf_reset(&out);
    assert_int_equal(write_item(put_str, big, &out, &size, &err), EV_CODEC_TOO_LARGE);
    assert_int_equal(size, EV_DDB_MAX_ITEM_BYTES + 1);
    assert_non_null(strstr(err.message, "409600"));
    free(big);
    ev_buf_free(&out);
}

static void test_depth_limit(void **state)
{
    (void)state;
    ev_codec_ctx c;
    ev_codec_error err;
    ev_ddb_writer w;
    ev_buf out = EV_BUF_INIT;
    ev_codec_status s;
    int opened = 0;
    ev_codec_init(&c, NULL, &err);
    ev_ddb_writer_init(&w, &c, &out);
    s = ev_ddb_item_begin(&w);
    s = ev_ddb_name(&w, "m");
    for (int i = 0; i < 40 && s == EV_CODEC_OK; i++) {
        s = ev_ddb_begin_m(&w);
        if (s == EV_CODEC_OK) {
            opened++;
            s = ev_ddb_name(&w, "m");
        }
    }
    assert_int_equal(s, EV_CODEC_TOO_LARGE);
    assert_int_equal(opened, EV_DDB_MAX_DEPTH);
    ev_buf_free(&out);
}

/* ---- reading ---------------------------------------------------------------------- */

static void test_reading(void **state)
{
    (void)state;
    ev_arena arena;
    ev_codec_ctx c;
    ev_codec_error err;
    const char *s;
    double d;
    int64_t i;
    bool b;
    ev_arena_init(&arena, 1024);

#define AV(text)                                                                                             \
    cJSON *av = parse(text);                                                                                 \
    ev_codec_init(&c, &arena, &err)
#define DONE() cJSON_Delete(av)
    {
        AV("{\"N\":\"1\"}");
        assert_int_equal(ev_ddb_get_s(&c, av, &s), EV_CODEC_MISMATCH);
        assert_string_equal(err.message, "expected S, found N");
        DONE();
    }
    {
        AV("{\"S\":\"a\",\"N\":\"1\"}");
        assert_int_equal(ev_ddb_get_s(&c, av, &s), EV_CODEC_MISMATCH);
        assert_non_null(strstr(err.message, "one type descriptor"));
        DONE();
    }
    {
        AV("{\"X\":1}");
        assert_int_equal(ev_ddb_get_bool(&c, av, &b), EV_CODEC_MISMATCH);
        assert_non_null(strstr(err.message, "unknown AttributeValue type"));
        DONE();
    }
    {
        AV("\"plain\"");
        assert_int_equal(ev_ddb_get_s(&c, av, &s), EV_CODEC_MISMATCH);
        DONE();
    }
    {
        AV("{\"S\":5}");
        assert_int_equal(ev_ddb_get_s(&c, av, &s), EV_CODEC_MISMATCH);
        DONE();
    }
    {
        AV("{\"S\":\"x\\u00e9\"}");
        assert_int_equal(ev_ddb_get_s(&c, av, &s), EV_CODEC_OK);
        assert_string_equal(s, "x\xc3\xa9");
        DONE();
    }
    {
        AV("{\"N\":\"0.1\"}");
        assert_int_equal(ev_ddb_get_n_double(&c, av, &d), EV_CODEC_OK);
        assert_true(d == 0.1);
        DONE();
    }
    {
        AV("{\"N\":\"1E+21\"}");
        assert_int_equal(ev_ddb_get_n_double(&c, av, &d), EV_CODEC_OK);
        assert_true(d == 1e21);
        DONE();
    }
    {
        AV("{\"N\":\"0.10000000000000001\"}");
        assert_int_equal(ev_ddb_get_n_double(&c, av, &d), EV_CODEC_RANGE);
        DONE();
    }
    {
        AV("{\"N\":\"abc\"}");
        assert_int_equal(ev_ddb_get_n_double(&c, av, &d), EV_CODEC_MISMATCH);
        DONE();
    }
    {
        AV("{\"N\":1}");
        assert_int_equal(ev_ddb_get_n_double(&c, av, &d), EV_CODEC_MISMATCH);
        DONE();
    }
    {
        AV("{\"N\":\"9223372036854775807\"}");
        assert_int_equal(ev_ddb_get_n_int(&c, av, &i), EV_CODEC_OK);
        assert_true(i == INT64_MAX);
        DONE();
    }
    {
        AV("{\"N\":\"9223372036854775808\"}");
        assert_int_equal(ev_ddb_get_n_int(&c, av, &i), EV_CODEC_RANGE);
        DONE();
    }
    {
        AV("{\"N\":\"1E+2\"}");
        assert_int_equal(ev_ddb_get_n_int(&c, av, &i), EV_CODEC_OK);
        assert_true(i == 100);
        DONE();
    }
    {
        AV("{\"N\":\"1.5\"}");
        assert_int_equal(ev_ddb_get_n_int(&c, av, &i), EV_CODEC_MISMATCH);
        DONE();
    }
    {
        AV("{\"BOOL\":\"true\"}");
        assert_int_equal(ev_ddb_get_bool(&c, av, &b), EV_CODEC_MISMATCH);
        DONE();
    }
#undef AV
#undef DONE
    ev_arena_free(&arena);
}

static void test_codec_paths(void **state)
{
    (void)state;
    ev_codec_ctx c;
    ev_codec_error err;
    ev_codec_init(&c, NULL, &err);
    size_t m1 = ev_codec_push_key(&c, "a/b~c");
    size_t m2 = ev_codec_push_index(&c, 7);
    assert_string_equal(c.path, "/a~1b~0c/7");
    ev_codec_fail(&c, EV_CODEC_MISMATCH, "first %d", 1);
    ev_codec_fail(&c, EV_CODEC_RANGE, "second");
    assert_string_equal(err.path, "/a~1b~0c/7");
    assert_string_equal(err.message, "first 1");
    assert_int_equal(err.status, EV_CODEC_MISMATCH);
    ev_codec_pop(&c, m2);
    ev_codec_pop(&c, m1);
    assert_string_equal(c.path, "");
    /* A path longer than the buffer is truncated, never overflows. */
    char key[100];
    memset(key, 'k', sizeof key - 1);
    key[sizeof key - 1] = '\0';
    for (int i = 0; i < 10; i++)
        ev_codec_push_key(&c, key);
    assert_true(strlen(c.path) < EV_CODEC_PATH_MAX);
    assert_non_null(strstr(c.path, "..."));
}

/* ---- the generated event coders: errors, never crashes ------------------------------ */

static ev_codec_status from_item(const char *text, ev_codec_error *err)
{
    ev_arena arena;
    events_event ev;
    cJSON *item = parse(text);
    ev_arena_init(&arena, 1024);
    ev_codec_status s = events_event_from_ddb(item, &arena, &ev, err);
    ev_arena_free(&arena);
    cJSON_Delete(item);
    return s;
}

/* A `type` value the schema does not define, whatever event types it has: the unknown-type
 * examples below must stay unknown when a type is added. */
static const char *unknown_event_type(void)
{
    static char name[32] = "no-such-type";
    events_event_type t;
    while (events_event_type_from_name(name, &t)) {
        size_t n = strlen(name);
        assert_true(n + 1 < sizeof name);
        name[n] = 'x';
        name[n + 1] = '\0';
    }
    return name;
}

static void test_event_from_ddb_errors(void **state)
{
    (void)state;
    ev_codec_error err;
    char unknown_type_item[128];
    snprintf(unknown_type_item, sizeof unknown_type_item,
             "{\"source\":{\"S\":\"s\"},\"type\":{\"S\":\"%s\"},\"payload\":{\"M\":{}}}",
             unknown_event_type());
    assert_int_equal(
        from_item("{\"source\":{\"S\":\"s\"},\"type\":{\"S\":\"temperature\"},"
                  "\"payload\":{\"M\":{\"value\":{\"N\":\"22.5\"},\"unit\":{\"S\":\"celsius\"}}}}",
                  &err),
        EV_CODEC_OK);
    assert_int_equal(
        from_item("{\"source\":{\"S\":\"s\"},\"type\":{\"S\":\"temperature\"},"
                  "\"payload\":{\"M\":{\"value\":{\"S\":\"22.5\"},\"unit\":{\"S\":\"celsius\"}}}}",
                  &err),
        EV_CODEC_MISMATCH);
    assert_string_equal(err.path, "/payload/value");
    assert_string_equal(err.message, "expected N, found S");
    assert_int_equal(from_item(unknown_type_item, &err), EV_CODEC_MISMATCH);
    assert_string_equal(err.path, "/type");
    assert_int_equal(from_item("{\"source\":{\"S\":\"s\"},\"type\":{\"S\":\"humidity\"}}", &err),
                     EV_CODEC_MISMATCH);
    assert_string_equal(err.path, "/payload");
    assert_int_equal(from_item("{\"source\":{\"S\":\"s\"},\"type\":{\"S\":\"humidity\"},\"payload\":{\"M\":{"
                               "\"value\":{\"N\":\"5\"}}},\"extra\":{\"NULL\":true}}",
                               &err),
                     EV_CODEC_MISMATCH);
    assert_string_equal(err.path, "/extra");
    assert_int_equal(from_item("{\"source\":{\"S\":\"s\"},\"type\":{\"S\":\"humidity\"},\"payload\":{\"M\":{"
                               "\"value\":{\"N\":\"5\"}}},\"tags\":{\"M\":{\"k\":{\"N\":\"1\"}}}}",
                               &err),
                     EV_CODEC_MISMATCH);
    assert_string_equal(err.path, "/tags/k");
    assert_int_equal(from_item("[]", &err), EV_CODEC_MISMATCH);
}

static void test_event_decode_untrusted(void **state)
{
    (void)state;
    char unknown_type_event[96];
    snprintf(unknown_type_event, sizeof unknown_type_event,
             "{\"source\":\"s\",\"type\":\"%s\",\"payload\":{}}", unknown_event_type());
    const char *trees[] = {
        "null",
        "[]",
        "{}",
        "{\"source\":1}",
        "{\"source\":\"s\",\"type\":\"temperature\"}",
        unknown_type_event,
        "{\"source\":\"s\",\"type\":\"pressure\",\"payload\":{\"value\":1,\"unit\":\"Pa\",\"altitude_m\":1.5}"
        "}",
        "{\"source\":\"s\",\"type\":\"pressure\",\"payload\":{\"value\":1,\"unit\":\"Pa\",\"altitude_m\":"
        "1e300}}",
        "{\"source\":\"s\",\"type\":\"humidity\",\"payload\":{\"value\":1},\"tags\":{\"a\":1}}",
        "{\"payload\":{\"value\":1},\"type\":\"humidity\",\"source\":\"s\",\"tags\":{\"a\":\"b\"}}",
    };
    const ev_codec_status want[] = {
        EV_CODEC_MISMATCH, EV_CODEC_MISMATCH, EV_CODEC_MISMATCH, EV_CODEC_MISMATCH, EV_CODEC_MISMATCH,
        EV_CODEC_MISMATCH, EV_CODEC_MISMATCH, EV_CODEC_RANGE,    EV_CODEC_MISMATCH, EV_CODEC_OK};
    for (size_t i = 0; i < sizeof trees / sizeof trees[0]; i++) {
        ev_arena arena;
        events_event ev;
        ev_codec_error err;
        cJSON *x = parse(trees[i]);
        ev_arena_init(&arena, 512);
        assert_int_equal(events_event_decode(x, &arena, &ev, &err), want[i]);
        if (want[i] == EV_CODEC_OK) {
            ev_buf out = EV_BUF_INIT;
            assert_int_equal(events_event_encode(&ev, &out, &err), EV_CODEC_OK);
            /* members in schema order */
            assert_string_equal(out.data, "{\"source\":\"s\",\"type\":\"humidity\",\"payload\":{\"value\":1},"
                                          "\"tags\":{\"a\":\"b\"}}");
            ev_buf_free(&out);
        }
        ev_arena_free(&arena);
        cJSON_Delete(x);
    }
}

static void test_event_encode_errors(void **state)
{
    (void)state;
    events_event ev;
    ev_buf out = EV_BUF_INIT;
    ev_codec_error err;
    memset(&ev, 0, sizeof ev);
    ev.source = "s";
    ev.type = EVENTS_EVENT_TYPE_PRESSURE;
    ev.payload.pressure.value = NAN;
    ev.payload.pressure.unit = EVENTS_PRESSURE_UNIT_HPA;
    ev_buf_append_str(&out, "keep");
    assert_int_equal(events_event_encode(&ev, &out, &err), EV_CODEC_RANGE);
    assert_string_equal(err.path, "/payload/value");
    assert_string_equal(out.data, "keep");
    assert_int_equal(events_event_to_ddb(&ev, &out, NULL, &err), EV_CODEC_RANGE);
    assert_string_equal(out.data, "keep");
    ev.payload.pressure.value = 1e-140; /* a valid JSON number DynamoDB cannot store */
    assert_int_equal(events_event_encode(&ev, &out, &err), EV_CODEC_OK);
    assert_int_equal(events_event_to_ddb(&ev, &out, NULL, &err), EV_CODEC_RANGE);
    ev.payload.pressure.value = 1013.25;
    ev.type = (events_event_type)42;
    ev_buf_reset(&out);
    assert_int_equal(events_event_to_ddb(&ev, &out, NULL, &err), EV_CODEC_MISMATCH);
    assert_int_equal(out.len, 0);
    ev.type = EVENTS_EVENT_TYPE_PRESSURE;
    ev.source = NULL;
    assert_int_equal(events_event_encode(&ev, &out, &err), EV_CODEC_MISMATCH);
    ev.source = "s";
    ev.has_tags = true;
    ev.tags.count = 1;
    ev.tags.entries = NULL;
    assert_int_equal(events_event_to_ddb(&ev, &out, NULL, &err), EV_CODEC_MISMATCH);
    ev_buf_free(&out);
}

static void test_enum_names(void **state)
{
    (void)state;
    events_event_type t;
    assert_string_equal(events_event_type_name(EVENTS_EVENT_TYPE_HUMIDITY), "humidity");
    assert_null(events_event_type_name((events_event_type)EVENTS_EVENT_TYPE_COUNT));
    assert_true(events_event_type_from_name("pressure", &t));
    assert_int_equal(t, EVENTS_EVENT_TYPE_PRESSURE);
    assert_false(events_event_type_from_name("Pressure", &t));
    assert_false(events_event_type_from_name(NULL, &t));
    assert_string_equal(events_pressure_unit_name(EVENTS_PRESSURE_UNIT_HPA), "hPa");
}

/* head, count copies of fill, tail: malloc'd. */
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

static void test_number_limits_any_length(void **state)
{
    (void)state;
    static const struct {
        const char *head;
        size_t zeros;
        const char *tail;
        ev_ddb_number_status want;
        size_t digits;
    } cases[] = {
        {"0.", 100010, "12345e100011", EV_DDB_NUMBER_OK, 5},    /* 1.2345 */
        {"1", 100010, "e-100010", EV_DDB_NUMBER_OK, 1},         /* 1 */
        {"1", 100000, "e-100130", EV_DDB_NUMBER_OK, 1},         /* 1e-130 */
        {"1", 100000, "e-100131", EV_DDB_NUMBER_TOO_SMALL, 1},  /* 1e-131 */
        {"1", 100000, "e-99875", EV_DDB_NUMBER_OK, 1},          /* 1e125 */
        {"1", 100000, "e-99874", EV_DDB_NUMBER_TOO_LARGE, 1},   /* 1e126 */
        {"1", 100000, "e-1000000", EV_DDB_NUMBER_TOO_SMALL, 1}, /* 1e-900000 */
        {"0.", 100000, "1e1000000", EV_DDB_NUMBER_TOO_LARGE, 1},
        {"1.", 100000, "1", EV_DDB_NUMBER_TOO_PRECISE, 100002},
        {"0.", 100000, "0e99999999999999999999", EV_DDB_NUMBER_OK, 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *t = spread(cases[i].head, '0', cases[i].zeros, cases[i].tail);
        size_t digits = 0;
        if (ev_ddb_number_check(t, &digits) != cases[i].want || digits != cases[i].digits)
            fail_msg("case %zu: status %d, %zu digits", i, (int)ev_ddb_number_check(t, NULL), digits);
        free(t);
    }
    assert_int_equal(ev_ddb_number_check("1e99999999999999999999", NULL), EV_DDB_NUMBER_TOO_LARGE);
    assert_int_equal(ev_ddb_number_check("-1e99999999999999999999", NULL), EV_DDB_NUMBER_TOO_LARGE);
    assert_int_equal(ev_ddb_number_check("1e-99999999999999999999", NULL), EV_DDB_NUMBER_TOO_SMALL);
    assert_int_equal(ev_ddb_number_check("0e-99999999999999999999", NULL), EV_DDB_NUMBER_OK);
}

static ev_codec_status put_text(ev_ddb_writer *w, const void *arg)
{
    return ev_ddb_put_n_text(w, arg);
}

static void test_put_text_canonical(void **state)
{
    (void)state;
    ev_buf out = EV_BUF_INIT;
    ev_codec_error err;
    size_t size;
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"22.50", "{\"v\":{\"N\":\"22.5\"}}"},
        {"-0.000", "{\"v\":{\"N\":\"0\"}}"},
        {"1E+2", "{\"v\":{\"N\":\"100\"}}"},
        {"1e-130", "{\"v\":{\"N\":\"1E-130\"}}"},
        {"9.9999999999999999999999999999999999999E+125",
         "{\"v\":{\"N\":\"9.9999999999999999999999999999999999999E+125\"}}"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ev_buf_reset(&out);
        assert_int_equal(write_item(put_text, cases[i].in, &out, &size, &err), EV_CODEC_OK);
        assert_string_equal(out.data, cases[i].want);
    }
    /* A long text of a short number is written short, sized by its digits. */
    char *t = spread("0.", '0', 100010, "12345e100011");
    ev_buf_reset(&out);
    assert_int_equal(write_item(put_text, t, &out, &size, &err), EV_CODEC_OK);
    assert_string_equal(out.data, "{\"v\":{\"N\":\"1.2345\"}}");
    assert_int_equal(size, 1 + 1 + 3);
    free(t);
    /* A refused long text is named by its start, not copied whole. */
    t = spread("1", '0', 100000, "e-1000000");
    ev_buf_reset(&out);
    assert_int_equal(write_item(put_text, t, &out, &size, &err), EV_CODEC_RANGE);
    assert_string_equal(err.message, "1000000000000000000000000000000000000000... is below DynamoDB's "
                                     "smallest magnitude 1E-130");
    free(t);
    ev_buf_reset(&out);
    assert_int_equal(write_item(put_text, "1.5.", &out, &size, &err), EV_CODEC_MISMATCH);
    ev_buf_free(&out);
}

static void test_reading_numbers_exactly(void **state)
{
    (void)state;
    ev_arena arena;
    ev_codec_ctx c;
    ev_codec_error err;
    ev_arena_init(&arena, 1024);
    static const struct {
        const char *n;
        ev_codec_status want;
        int64_t value;
    } ints[] = {
        /* Integers a double cannot hold, in any notation: decided on the digits. */
        {"1234567890123456789E0", EV_CODEC_OK, INT64_C(1234567890123456789)},
        {"12345678901234567890E-1", EV_CODEC_OK, INT64_C(1234567890123456789)},
        {"-9.223372036854775808E18", EV_CODEC_OK, INT64_MIN},
        {"9.223372036854775807E18", EV_CODEC_OK, INT64_MAX},
        {"9.223372036854775808E18", EV_CODEC_RANGE, 0},
        {"1E19", EV_CODEC_RANGE, 0},
        {"1E99999999999999999999", EV_CODEC_RANGE, 0},
        {"1E-99999999999999999999", EV_CODEC_MISMATCH, 0},
        {"0E99999999999999999999", EV_CODEC_OK, 0},
        {"-0.0", EV_CODEC_OK, 0},
        {"25.0E-1", EV_CODEC_MISMATCH, 0},
        {"120.00", EV_CODEC_OK, 120},
    };
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        char text[128];
        snprintf(text, sizeof text, "{\"N\":\"%s\"}", ints[i].n);
        cJSON *av = parse(text);
        int64_t v = -1;
        ev_codec_init(&c, &arena, &err);
        ev_codec_status st = ev_ddb_get_n_int(&c, av, &v);
        if (st != ints[i].want || (st == EV_CODEC_OK && v != ints[i].value))
            fail_msg("%s: status %d, value %lld", ints[i].n, (int)st, (long long)v);
        cJSON_Delete(av);
    }
    ev_arena_free(&arena);
}

/* One event line through parse, validation, decoding and marshalling:
 * the item, or NULL when refused. */
static char *event_to_item(const char *line)
{
    cJSON *doc = ev_json_parse(line, strlen(line), NULL);
    if (doc == NULL)
        return NULL;
    ev_errors errors;
    ev_errors_init(&errors);
    bool valid = events_validate(doc, &errors);
    ev_errors_clear(&errors);
    char *item = NULL;
    if (valid) {
        ev_arena arena;
        events_event ev;
        ev_codec_error err;
        ev_buf out = EV_BUF_INIT;
        ev_arena_init(&arena, 1024);
        if (events_event_decode(doc, &arena, &ev, &err) == EV_CODEC_OK &&
            events_event_to_ddb(&ev, &out, NULL, &err) == EV_CODEC_OK)
            item = ev_buf_take(&out);
        ev_buf_free(&out);
        ev_arena_free(&arena);
    }
    cJSON_Delete(doc);
    return item;
}

static char *temperature_event(const char *head, size_t zeros, const char *tail)
{
    char *value = spread(head, '0', zeros, tail);
    char *line = malloc(strlen(value) + 128);
    assert_non_null(line);
    sprintf(line,
            "{\"source\":\"a\",\"type\":\"temperature\",\"payload\":{\"value\":%s,\"unit\":\"celsius\"}}",
            value);
    free(value);
    return line;
}

static void test_events_with_long_numbers(void **state)
{
    (void)state;
    /* 1.2345 written with 100010 zeros: not a multiple of 0.01. Before, it
     * was accepted and marshalled as {"N":"1.2345"}. */
    char *line = temperature_event("0.", 100010, "12345e100011");
    assert_null(event_to_item(line));
    free(line);
    /* Exactly 1: a multiple of 0.01. Before, it was refused. */
    line = temperature_event("1", 100010, "e-100010");
    char *item = event_to_item(line);
    assert_non_null(item);
    assert_non_null(strstr(item, "\"value\":{\"N\":\"1\"}"));
    free(item);
    free(line);
    line = temperature_event("0.", 100010, "12345e100013"); /* 123.45 */
    item = event_to_item(line);
    assert_non_null(item);
    assert_non_null(strstr(item, "\"value\":{\"N\":\"123.45\"}"));
    free(item);
    free(line);
    line = temperature_event("1", 100010, "e-100013"); /* 0.001 */
    assert_null(event_to_item(line));
    free(line);
    /* altitude_m = 10^-900000: not an integer, not a double. Before, it was
     * accepted and stored as {"N":"0"}. */
    char *value = spread("1", '0', 100000, "e-1000000");
    line = malloc(strlen(value) + 128);
    assert_non_null(line);
    sprintf(line,
            "{\"source\":\"a\",\"type\":\"pressure\",\"payload\":{\"value\":1,\"unit\":\"Pa\",\"altitude_m\":"
            "%s}}",
            value);
    assert_null(event_to_item(line));
    free(line);
    free(value);
    value = spread("12", '0', 100000, "e-100000"); /* 12 */
    line = malloc(strlen(value) + 128);
    assert_non_null(line);
    sprintf(line,
            "{\"source\":\"a\",\"type\":\"pressure\",\"payload\":{\"value\":1,\"unit\":\"Pa\",\"altitude_m\":"
            "%s}}",
            value);
    item = event_to_item(line);
    assert_non_null(item);
    assert_non_null(strstr(item, "\"altitude_m\":{\"N\":\"12\"}"));
    free(item);
    free(line);
    free(value);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_number_limits),
        cmocka_unit_test(test_number_size),
        cmocka_unit_test(test_put_numbers),
        cmocka_unit_test(test_escaping),
        cmocka_unit_test(test_item_size_rules),
        cmocka_unit_test(test_item_size_limit),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_reading),
        cmocka_unit_test(test_codec_paths),
        cmocka_unit_test(test_event_from_ddb_errors),
        cmocka_unit_test(test_event_decode_untrusted),
        cmocka_unit_test(test_event_encode_errors),
        cmocka_unit_test(test_enum_names),
        cmocka_unit_test(test_number_limits_any_length),
        cmocka_unit_test(test_put_text_canonical),
        cmocka_unit_test(test_reading_numbers_exactly),
        cmocka_unit_test(test_events_with_long_numbers),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    events_release();
    return failed;
}
