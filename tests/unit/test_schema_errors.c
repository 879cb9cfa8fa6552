/* Unit tests for schema/ev_errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "schema/ev_errors.h"
#include "schema/ev_json.h"

static void test_path_render(void **state)
{
    (void)state;
    ev_buf b = EV_BUF_INIT;
    assert_int_equal(ev_path_render(NULL, &b), 0);
    assert_string_equal(b.data, "");
    ev_path_seg a = {NULL, "payload", 0};
    ev_path_seg i = {&a, NULL, 12};
    ev_path_seg k = {&i, "a/b~c", 0};
    ev_path_seg e = {&k, "", 0};
    ev_buf_reset(&b);
    assert_int_equal(ev_path_render(&k, &b), 0);
    assert_string_equal(b.data, "/payload/12/a~1b~0c");
    ev_buf_reset(&b);
    ev_path_render(&e, &b);
    assert_string_equal(b.data, "/payload/12/a~1b~0c/");
    /* Deeper than the inline array. */
    ev_path_seg segs[40];
    for (size_t n = 0; n < 40; n++) {
        segs[n].parent = n ? &segs[n - 1] : NULL;
        segs[n].key = NULL;
        segs[n].index = n;
    }
    ev_buf_reset(&b);
    ev_path_render(&segs[39], &b);
    assert_memory_equal(b.data, "/0/1/2/3", 8);
    assert_string_equal(b.data + b.len - 6, "/38/39");
    ev_buf_free(&b);
}

static void test_fail_records(void **state)
{
    (void)state;
    ev_errors errs;
    ev_errors_init(&errs);
    ev_vctx c;
    ev_vctx_init(&c, &errs);
    ev_path_seg s1, s2;
    EV_PATH_PUSH_KEY(&c, s1, "payload");
    EV_PATH_PUSH_INDEX(&c, s2, 3);
    assert_false(ev_fail(&c, "maximum", "#/properties/payload/maximum", "%d is greater than %d", 7, 5));
    EV_PATH_POP(&c, s2);
    EV_PATH_POP(&c, s1);
    assert_null(c.path);
    assert_int_equal(errs.count, 1);
    assert_int_equal(errs.total, 1);
    assert_string_equal(errs.items[0].instance_path, "/payload/3");
    assert_string_equal(errs.items[0].keyword, "maximum");
    assert_string_equal(errs.items[0].schema_path, "#/properties/payload/maximum");
    assert_string_equal(errs.items[0].message, "7 is greater than 5");
    /* Quiet probes record nothing. */
    c.quiet++;
    assert_false(ev_vctx_recording(&c));
    ev_fail(&c, "type", "#/type", "ignored");
    c.quiet--;
    assert_int_equal(errs.total, 1);
    ev_errors_clear(&errs);
    assert_int_equal(errs.count, 0);
    assert_int_equal(errs.total, 0);
    /* Validity only: nothing to record, still false. */
    ev_vctx v;
    ev_vctx_init(&v, NULL);
    assert_false(ev_vctx_recording(&v));
    assert_false(ev_fail(&v, "type", "#/type", "x"));
}

static void test_cap(void **state)
{
    (void)state;
    ev_errors errs;
    ev_errors_init(&errs);
    ev_vctx c;
    ev_vctx_init(&c, &errs);
    for (int i = 0; i < EV_MAX_ERRORS + 10; i++)
        ev_fail(&c, "required", "#/required", "missing %d", i);
    ev_errors_add(&errs, "/x", "const", "#/const", "added");
    assert_int_equal(errs.count, EV_MAX_ERRORS);
    assert_int_equal(errs.total, EV_MAX_ERRORS + 11);
    assert_string_equal(errs.items[EV_MAX_ERRORS - 1].message, "missing 31");
    ev_errors_clear(&errs);
}

static void test_to_json(void **state)
{
    (void)state;
    ev_errors errs;
    ev_errors_init(&errs);
    ev_buf b = EV_BUF_INIT;
    ev_errors_to_json(&errs, &b);
    assert_string_equal(b.data, "[]");
    ev_errors_add(&errs, "/a\"b", "pattern", "#/properties/a\"b/pattern", "does not match \"^x\\d$\"\n");
    ev_errors_add(&errs, "", "type", "#/type", "not an object");
    ev_buf_reset(&b);
    assert_int_equal(ev_errors_to_json(&errs, &b), 0);
    assert_string_equal(b.data,
                        "[{\"instancePath\":\"/a\\\"b\",\"keyword\":\"pattern\",\"schemaPath\":"
                        "\"#/properties/a\\\"b/pattern\",\"message\":\"does not match \\\"^x\\\\d$\\\"\\n\"},"
                        "{\"instancePath\":\"\",\"keyword\":\"type\",\"schemaPath\":\"#/type\","
                        "\"message\":\"not an object\"}]");
    /* The output is JSON. */
    cJSON *parsed = ev_json_parse(b.data, b.len, NULL);
    assert_non_null(parsed);
    assert_int_equal(cJSON_GetArraySize(parsed), 2);
    cJSON_Delete(parsed);
    ev_buf_free(&b);
    ev_errors_clear(&errs);
}

static void test_to_json_counts_what_was_left_out(void **state)
{
    (void)state;
    ev_errors errs;
    ev_errors_init(&errs);
    ev_vctx c;
    ev_vctx_init(&c, &errs);
    for (int i = 0; i < EV_MAX_ERRORS + 8; i++)
        ev_fail(&c, "required", "#/required", "missing %d", i);
    ev_buf b = EV_BUF_INIT;
    assert_int_equal(ev_errors_to_json(&errs, &b), 0);
    cJSON *parsed = ev_json_parse(b.data, b.len, NULL);
    assert_non_null(parsed);
    assert_int_equal(cJSON_GetArraySize(parsed), EV_MAX_ERRORS + 1);
    const cJSON *last = cJSON_GetArrayItem(parsed, EV_MAX_ERRORS);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(last, "keyword")->valuestring, "truncated");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(last, "instancePath")->valuestring, "");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(last, "schemaPath")->valuestring, "");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(last, "message")->valuestring,
                        "8 more errors not shown (40 in all)");
    cJSON_Delete(parsed);
    /* Nothing kept at all (the items could not be recorded): the count alone. */
    ev_errors_clear(&errs);
    errs.total = 3;
    ev_buf_reset(&b);
    ev_errors_to_json(&errs, &b);
    assert_string_equal(b.data, "[{\"instancePath\":\"\",\"keyword\":\"truncated\",\"schemaPath\":\"\","
                                "\"message\":\"3 more errors not shown (3 in all)\"}]");
    ev_buf_free(&b);
    ev_errors_clear(&errs);
}

static void test_type_names(void **state)
{
    (void)state;
    const char *doc = "[null,true,false,1,1.0,1.5,\"s\",[],{},-0,1e300]";
    cJSON *a = ev_json_parse(doc, strlen(doc), NULL);
    assert_non_null(a);
    const char *want[] = {"null",   "boolean", "boolean", "integer", "integer", "number",
                          "string", "array",   "object",  "integer", "integer"};
    for (int i = 0; i < 11; i++)
        assert_string_equal(ev_json_type_name(cJSON_GetArrayItem(a, i)), want[i]);
    cJSON_Delete(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_path_render),
        cmocka_unit_test(test_fail_records),
        cmocka_unit_test(test_cap),
        cmocka_unit_test(test_to_json),
        cmocka_unit_test(test_to_json_counts_what_was_left_out),
        cmocka_unit_test(test_type_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
