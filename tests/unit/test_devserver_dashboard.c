/* ev_dashboard's pure parts: items as plain JSON, content types, paths. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "devserver/ev_dashboard.h"

static void expect_item(const char *item, const char *json)
{
    cJSON *in = cJSON_Parse(item);
    assert_non_null(in);
    ev_buf b = EV_BUF_INIT;
    int rc = ev_ddb_item_to_json(in, &b);
    cJSON_Delete(in);
    if (json == NULL) {
        assert_int_equal(rc, -1);
    } else {
        assert_int_equal(rc, 0);
        assert_string_equal(b.data, json);
    }
    ev_buf_free(&b);
}

static void test_items(void **state)
{
    (void)state;
    expect_item("{\"id\":{\"S\":\"a\\\"b\"},\"n\":{\"N\":\"21.50\"},\"big\":{\"N\":\"-1."
                "2345678901234567890123E+30\"}}",
                "{\"id\":\"a\\\"b\",\"n\":21.50,\"big\":-1.2345678901234567890123E+30}");
    expect_item("{\"m\":{\"M\":{\"x\":{\"BOOL\":false},\"y\":{\"NULL\":true}}},\"l\":{\"L\":[{\"N\":\"1\"},{"
                "\"S\":\"s\"}]}}",
                "{\"m\":{\"x\":false,\"y\":null},\"l\":[1,\"s\"]}");
    expect_item("{\"ss\":{\"SS\":[\"a\",\"b\"]},\"ns\":{\"NS\":[\"1\",\"2.5\"]},\"b\":{\"B\":\"AAE=\"}}",
                "{\"ss\":[\"a\",\"b\"],\"ns\":[1,2.5],\"b\":\"AAE=\"}");
    expect_item("{\"odd\":{\"N\":\"+1\"}}", "{\"odd\":\"+1\"}"); /* not a JSON number: kept as text */
    expect_item("{}", "{}");
    expect_item("{\"x\":{\"Q\":\"1\"}}", NULL);
    expect_item("{\"x\":{\"S\":\"1\",\"N\":\"1\"}}", NULL);
    expect_item("{\"x\":{\"S\":1}}", NULL);
    expect_item("{\"x\":\"plain\"}", NULL);
    /* Nesting beyond the bound is refused, not followed. */
    char deep[4096] = "{\"x\":";
    for (int i = 0; i < 40; i++)
        strcat(deep, "{\"M\":{\"x\":");
    strcat(deep, "{\"S\":\"end\"}");
    for (int i = 0; i < 40; i++)
        strcat(deep, "}}");
    strcat(deep, "}");
    expect_item(deep, NULL);
}

static void test_files(void **state)
{
    (void)state;
    assert_string_equal(ev_dashboard_content_type("index.html"), "text/html; charset=utf-8");
    assert_string_equal(ev_dashboard_content_type("a/app.js"), "text/javascript; charset=utf-8");
    assert_string_equal(ev_dashboard_content_type("s.css"), "text/css; charset=utf-8");
    assert_string_equal(ev_dashboard_content_type("x.bin"), "application/octet-stream");
    assert_string_equal(ev_dashboard_content_type("noext"), "application/octet-stream");
    assert_true(ev_dashboard_path_ok("/"));
    assert_true(ev_dashboard_path_ok("/app.js"));
    assert_true(ev_dashboard_path_ok("/lib/chart-1.2.min.js"));
    assert_false(ev_dashboard_path_ok("/../x"));
    assert_false(ev_dashboard_path_ok("/a/..x"));
    assert_false(ev_dashboard_path_ok("//etc/passwd"));
    assert_false(ev_dashboard_path_ok("/a\\b"));
    assert_false(ev_dashboard_path_ok("/a b"));
    assert_false(ev_dashboard_path_ok("x"));
    assert_false(ev_dashboard_path_ok("/%2e%2e/x"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_items),
        cmocka_unit_test(test_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
