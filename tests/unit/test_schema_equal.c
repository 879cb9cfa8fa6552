/* Unit tests for schema/ev_equal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "schema/ev_equal.h"
#include "schema/ev_json.h"

static cJSON *P(const char *s)
{
    cJSON *r = ev_json_parse(s, strlen(s), NULL);
    assert_non_null(r);
    return r;
}

static bool eq(const char *a, const char *b)
{
    cJSON *x = P(a), *y = P(b);
    bool r = ev_json_equal(x, y);
    assert_true(ev_json_equal(y, x) == r); /* symmetric */
    cJSON_Delete(x);
    cJSON_Delete(y);
    return r;
}

static void test_equal(void **state)
{
    (void)state;
    assert_true(eq("1", "1.0"));
    assert_true(eq("0", "-0"));
    assert_true(eq("100", "1e2"));
    assert_false(eq("1", "\"1\""));
    assert_false(eq("0", "false"));
    assert_false(eq("1", "true"));
    assert_false(eq("true", "false"));
    assert_true(eq("null", "null"));
    assert_false(eq("null", "0"));
    assert_true(eq("\"a\\u00e9\"", "\"a\xc3\xa9\""));
    assert_false(eq("\"a\"", "\"A\""));
    assert_true(eq("[1,[2,{\"a\":3}]]", "[1.0,[2,{\"a\":3e0}]]"));
    assert_false(eq("[1,2]", "[2,1]"));
    assert_false(eq("[1]", "[1,1]"));
    assert_false(eq("[]", "{}"));
    assert_true(eq("{\"a\":1,\"b\":[true]}", "{\"b\":[true],\"a\":1}"));
    assert_false(eq("{\"a\":1}", "{\"a\":1,\"b\":2}"));
    assert_false(eq("{\"a\":1,\"c\":2}", "{\"a\":1,\"b\":2}"));
    assert_false(eq("{\"a\":null}", "{}"));
    assert_true(eq("{}", "{}"));
    assert_true(ev_json_equal(NULL, NULL));
}

static void test_unique_small(void **state)
{
    (void)state;
    size_t i = 99, j = 99;
    cJSON *a = P("[1,\"1\",true,null,{\"a\":1},[1],1.5]");
    assert_true(ev_json_unique_items(a, &i, &j));
    cJSON_Delete(a);
    a = P("[{\"a\":1,\"b\":2},3,{\"b\":2,\"a\":1.0}]");
    assert_false(ev_json_unique_items(a, &i, &j));
    assert_int_equal(i, 0);
    assert_int_equal(j, 2);
    cJSON_Delete(a);
    a = P("[0,false]");
    assert_true(ev_json_unique_items(a, NULL, NULL));
    cJSON_Delete(a);
    a = P("[1,1.0]");
    assert_false(ev_json_unique_items(a, NULL, NULL));
    cJSON_Delete(a);
    a = P("[]");
    assert_true(ev_json_unique_items(a, NULL, NULL));
    cJSON_Delete(a);
}

static void test_unique_large(void **state)
{
    (void)state;
    char doc[8192];
    size_t n = 0;
    doc[n++] = '[';
    for (int k = 0; k < 200; k++)
        n += (size_t)snprintf(doc + n, sizeof doc - n, "%s{\"v\":[%d,\"%d\"],\"w\":-0}", k ? "," : "", k, k);
    doc[n++] = ']';
    doc[n] = '\0';
    cJSON *a = P(doc);
    assert_true(ev_json_unique_items(a, NULL, NULL));
    cJSON_Delete(a);
    /* Same members, other order, 0 for -0: a duplicate of element 57. */
    n--;
    n += (size_t)snprintf(doc + n, sizeof doc - n, ",{\"w\":0,\"v\":[57.0,\"57\"]}]");
    a = P(doc);
    size_t i = 0, j = 0;
    assert_false(ev_json_unique_items(a, &i, &j));
    assert_int_equal(i, 57);
    assert_int_equal(j, 200);
    cJSON_Delete(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_equal),
        cmocka_unit_test(test_unique_small),
        cmocka_unit_test(test_unique_large),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
