/* ev_tail: AttributeValue -> plain JSON (numbers exact), newest-first order,
 * terminal lines (widths, cuts, control characters). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "schema/ev_json.h"
#include "tail/ev_tail.h"

static cJSON *parse(const char *text)
{
    cJSON *j = cJSON_Parse(text);
    assert_non_null(j);
    return j;
}

static char *plain(const char *item_text, char *err, size_t err_len)
{
    cJSON *item = parse(item_text), *out = NULL;
    int rc = ev_tail_unmarshal_item(item, &out, err, err_len);
    cJSON_Delete(item);
    if (rc != 0) {
        assert_null(out);
        return NULL;
    }
    char *text = cJSON_PrintUnformatted(out);
    cJSON_Delete(out);
    return text;
}

static void test_unmarshal_types(void **state)
{
    (void)state;
    char err[256];
    char *t = plain("{\"s\":{\"S\":\"x\"},\"n\":{\"N\":\"22.500000000000000000000000000000000001\"},"
                    "\"big\":{\"N\":\"-1E+125\"},\"b\":{\"BOOL\":false},\"z\":{\"NULL\":true},"
                    "\"m\":{\"M\":{\"k\":{\"L\":[{\"N\":\"1\"},{\"S\":\"y\"}]}}},"
                    "\"ss\":{\"SS\":[\"a\",\"b\"]},\"ns\":{\"NS\":[\"1\",\"2.5\"]},\"bin\":{\"B\":\"AAE=\"}}",
                    err, sizeof err);
    assert_non_null(t);
    assert_string_equal(t, "{\"s\":\"x\",\"n\":22.500000000000000000000000000000000001,\"big\":-1E+125,"
                           "\"b\":false,\"z\":null,\"m\":{\"k\":[1,\"y\"]},\"ss\":[\"a\",\"b\"],"
                           "\"ns\":[1,2.5],\"bin\":\"AAE=\"}");
    cJSON_free(t);
}

static void test_unmarshal_errors(void **state)
{
    (void)state;
    char err[256];
    assert_null(plain("{\"payload\":{\"M\":{\"value\":{\"N\":\"1; rm\"}}}}", err, sizeof err));
    assert_string_equal(err, "payload.value: N is not a number: \"1; rm\"");
    assert_null(plain("{\"a\":{\"S\":\"x\",\"N\":\"1\"}}", err, sizeof err));
    assert_non_null(strstr(err, "a: an AttributeValue is an object with exactly one type"));
    assert_null(plain("{\"a\":{\"L\":[{\"Q\":\"1\"}]}}", err, sizeof err));
    assert_string_equal(err, "a[0]: unknown AttributeValue type \"Q\"");
    assert_null(plain("{\"a\":{\"N\":\"01\"}}", err, sizeof err));
    assert_null(plain("{\"a\":{\"N\":\"\"}}", err, sizeof err));
    assert_null(plain("{\"a\":{\"N\":\"NaN\"}}", err, sizeof err));
    assert_null(plain("[]", err, sizeof err));
}

static void test_sort_newest(void **state)
{
    (void)state;
    cJSON *items = parse("[{\"id\":1,\"received_at\":\"2026-12-02T08:00:01.000Z\"},{\"id\":2},"
                         "{\"id\":3,\"received_at\":\"2026-12-02T08:00:03.000Z\"},"
                         "{\"id\":4,\"received_at\":\"2026-12-02T08:00:01.000Z\"},{\"id\":5},"
                         "{\"id\":6,\"received_at\":\"2026-12-02T07:59:59.999Z\"}]");
    ev_tail_sort_newest(items);
    char *t = cJSON_PrintUnformatted(items);
    /* 3 newest; 1 and 4 equal: their order kept; no received_at: last, in order. */
    const char *want = "[{\"id\":3,\"received_at\":\"2026-12-02T08:00:03.000Z\"},"
                       "{\"id\":1,\"received_at\":\"2026-12-02T08:00:01.000Z\"},"
                       "{\"id\":4,\"received_at\":\"2026-12-02T08:00:01.000Z\"},"
                       "{\"id\":6,\"received_at\":\"2026-12-02T07:59:59.999Z\"},{\"id\":2},{\"id\":5}]";
    assert_string_equal(t, want);
    cJSON_free(t);
    /* The list stays a valid cJSON array: append and delete still work. */
    cJSON_AddItemToArray(items, cJSON_CreateNumber(7));
    assert_int_equal(cJSON_GetArraySize(items), 7);
    assert_int_equal(cJSON_GetArrayItem(items, 6)->valueint, 7);
    cJSON_DeleteItemFromArray(items, 0);
    assert_int_equal(cJSON_GetArraySize(items), 6);
    cJSON_Delete(items);
    cJSON *empty = parse("[]");
    ev_tail_sort_newest(empty);
    assert_int_equal(cJSON_GetArraySize(empty), 0);
    cJSON_Delete(empty);
}

static void test_cells(void **state)
{
    (void)state;
    ev_buf b = EV_BUF_INIT;
    assert_int_equal(ev_tail_append_cell(&b, "a\x1b[31m\x07z", 0, 0), 0);
    assert_string_equal(ev_buf_cstr(&b), "a?[31m?z");
    ev_buf_reset(&b);
    assert_int_equal(ev_tail_append_cell(&b, "abcdefgh", 6, 8), 0);
    assert_string_equal(ev_buf_cstr(&b), "abc...  ");
    ev_buf_reset(&b);
    /* Never cut inside a UTF-8 sequence: "é" is 2 bytes. */
    assert_int_equal(ev_tail_append_cell(&b, "ab\xc3\xa9xyz", 6, 0), 0);
    assert_string_equal(ev_buf_cstr(&b), "ab...");
    ev_buf_reset(&b);
    assert_int_equal(ev_tail_append_cell(&b, NULL, 0, 3), 0);
    assert_string_equal(ev_buf_cstr(&b), "-  ");
    ev_buf_free(&b);
}

static void test_event_line(void **state)
{
    (void)state;
    cJSON *item =
        parse("{\"received_at\":\"2026-12-02T08:00:01.123Z\",\"event_id\":\"0190f1d2-8a3b-7c4d-9e5f-"
              "0123456789ab\",\"event_type\":\"temperature\",\"source\":\"sensor-01\","
              "\"payload\":{\"value\":22.5,\"unit\":\"celsius\"}}");
    ev_buf b = EV_BUF_INIT;
    assert_int_equal(ev_tail_format_event(&b, item, 0), 0);
    assert_string_equal(ev_buf_cstr(&b),
                        "2026-12-02T08:00:01.123Z 0190f1d2-8a3b-7c4d-9e5f-0123456789ab "
                        "temperature  sensor-01            {\"value\":22.5,\"unit\":\"celsius\"}\n");
    ev_buf_reset(&b);
    assert_int_equal(ev_tail_format_event(&b, item, 40), 0);
    assert_string_equal(ev_buf_cstr(&b), "2026-12-02T08:00:01.123Z 0190f1d2-8a3...\n");
    ev_buf_reset(&b);
    cJSON *bare = parse("{\"type\":\"t\"}");
    assert_int_equal(ev_tail_format_event(&b, bare, 0), 0);
    assert_non_null(strstr(ev_buf_cstr(&b), " t "));
    assert_int_equal(ev_buf_cstr(&b)[0], '-');
    cJSON_Delete(bare);
    ev_buf_reset(&b);
    assert_int_equal(ev_tail_format_dlq(&b, "m-1", "3", "{\"x\":\n1}", 0), 0);
    assert_string_equal(ev_buf_cstr(&b), "m-1                                  3        {\"x\":?1}\n");
    ev_buf_reset(&b);
    assert_int_equal(ev_tail_format_event_header(&b), 0);
    assert_int_equal(ev_tail_format_dlq_header(&b), 0);
    assert_non_null(strstr(ev_buf_cstr(&b), "RECEIVED_AT"));
    assert_non_null(strstr(ev_buf_cstr(&b), "MESSAGE_ID"));
    ev_buf_free(&b);
    cJSON_Delete(item);
}

int main(void)
{
    ev_json_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unmarshal_types), cmocka_unit_test(test_unmarshal_errors),
        cmocka_unit_test(test_sort_newest),     cmocka_unit_test(test_cells),
        cmocka_unit_test(test_event_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
