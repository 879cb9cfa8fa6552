/* ev_apigw: the API Gateway proxy-event reader (header lookup, base64,
 * absent members) and the proxy response writer. */
#include <cjson/cJSON.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ingestion/ev_apigw.h"
#include "schema/ev_json.h"

static void test_base64_decode(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        const char *out; /* NULL: refused */
    } cases[] = {
        {"", ""},
        {"Zg==", "f"},
        {"Zm8=", "fo"},
        {"Zm9v", "foo"},
        {"Zm9vYg==", "foob"},
        {" Zm9vYmE=\r\n", "fooba"},
        {"Zm9vYmFy", "foobar"},
        {"Zm9", NULL},   /* not a multiple of 4 */
        {"Zm9v=", NULL}, /* padding past a full quantum */
        {"Zg=a", NULL},  /* padding in the middle */
        {"Z===", NULL},  /* three padding characters */
        {"====", NULL},
        {"Zm9v!A==", NULL},   /* outside the alphabet */
        {"Zm 9v", NULL},      /* inner space */
        {"Zm9v\nYmFy", NULL}, /* inner line break (API Gateway never sends one) */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        unsigned char out[64];
        long n = ev_apigw_base64_decode(cases[i].in, strlen(cases[i].in), out);
        if (cases[i].out == NULL) {
            if (n != -1)
                fail_msg("\"%s\" decoded (%ld bytes), expected a refusal", cases[i].in, n);
        } else {
            if (n != (long)strlen(cases[i].out))
                fail_msg("\"%s\": %ld bytes, expected %zu", cases[i].in, n, strlen(cases[i].out));
            assert_memory_equal(out, cases[i].out, (size_t)n);
            assert_int_equal(out[n], 0);
        }
    }
    /* Binary bytes, NUL included, keep their length. */
    unsigned char out[8];
    assert_int_equal(ev_apigw_base64_decode("AAEC", 4, out), 3);
    assert_int_equal(out[0], 0);
    assert_int_equal(out[2], 2);
}

static void test_parse_real_shape(void **state)
{
    (void)state;
    const char *ev =
        "{\"body\":\"eyJhIjoxfQ==\",\"resource\":\"/events\",\"path\":\"/events\",\"httpMethod\":\"POST\","
        "\"isBase64Encoded\":true,\"queryStringParameters\":{\"foo\":\"bar\"},"
        "\"multiValueQueryStringParameters\":{\"foo\":[\"bar\"]},\"pathParameters\":null,"
        "\"stageVariables\":{\"baz\":\"qux\"},\"headers\":{\"content-TYPE\":\"application/"
        "json\",\"X-Dup\":\"last\"},"
        "\"multiValueHeaders\":{\"X-Dup\":[\"first\",\"last\"],\"X-Only-Multi\":[\"a\",\"b\"]},"
        "\"requestContext\":{\"requestId\":\"rid\",\"identity\":{\"sourceIp\":\"203.0.113.9\",\"accessKey\":"
        "null}}}";
    ev_arena arena;
    ev_arena_init(&arena, 0);
    ev_apigw_request req;
    ev_apigw_error err;
    assert_int_equal(ev_apigw_parse(ev, strlen(ev), &arena, &req, &err), 0);
    assert_string_equal(req.method, "POST");
    assert_string_equal(req.path, "/events");
    assert_string_equal(req.resource, "/events");
    assert_true(req.body_was_base64);
    assert_int_equal(req.body_len, 7);
    assert_string_equal(req.body, "{\"a\":1}");
    assert_string_equal(req.source_ip, "203.0.113.9");
    assert_string_equal(req.request_id, "rid");
    assert_string_equal(ev_apigw_header(&req, "Content-Type"), "application/json");
    assert_string_equal(ev_apigw_header(&req, "x-dup"), "last");
    assert_string_equal(ev_apigw_header(&req, "x-only-multi"), "b");
    assert_null(ev_apigw_header(&req, "Idempotency-Key"));
    assert_string_equal(ev_apigw_query(&req, "foo"), "bar");
    assert_null(ev_apigw_query(&req, "FOO"));
    assert_string_equal(ev_apigw_stage_variable(&req, "baz"), "qux");
    ev_arena_free(&arena);
}

static void test_parse_nulls_and_refusals(void **state)
{
    (void)state;
    ev_arena arena;
    ev_arena_init(&arena, 0);
    ev_apigw_request req;
    ev_apigw_error err;
    const char *nulls = "{\"httpMethod\":\"GET\",\"body\":null,\"headers\":null,\"multiValueHeaders\":null,"
                        "\"queryStringParameters\":null,\"stageVariables\":null,\"requestContext\":null}";
    assert_int_equal(ev_apigw_parse(nulls, strlen(nulls), &arena, &req, &err), 0);
    assert_null(req.body);
    assert_null(req.source_ip);
    assert_null(req.request_id);
    assert_null(ev_apigw_header(&req, "Content-Type"));
    assert_null(ev_apigw_query(&req, "foo"));
    assert_string_equal(req.path, "");
    static const char *const not_proxy[] = {
        "", "{", "[]", "{}", "{\"httpMethod\":null}", "{\"httpMethod\":\"POST\",\"body\":{}}"};
    for (size_t i = 0; i < sizeof not_proxy / sizeof not_proxy[0]; i++) {
        assert_int_equal(ev_apigw_parse(not_proxy[i], strlen(not_proxy[i]), &arena, &req, &err), -1);
        assert_int_equal(err.status, EV_APIGW_NOT_PROXY);
        assert_true(strlen(err.message) > 0);
    }
    /* Broken base64: the rest of the request is still read (for routing). */
    const char *bad =
        "{\"httpMethod\":\"POST\",\"path\":\"/events\",\"isBase64Encoded\":true,\"body\":\"@@@@\"}";
    assert_int_equal(ev_apigw_parse(bad, strlen(bad), &arena, &req, &err), -1);
    assert_int_equal(err.status, EV_APIGW_BAD_BASE64);
    assert_string_equal(req.method, "POST");
    assert_string_equal(req.path, "/events");
    ev_arena_free(&arena);
}

static void test_write_response(void **state)
{
    (void)state;
    ev_buf b = EV_BUF_INIT;
    ev_apigw_header_kv h[] = {{"Content-Type", "application/problem+json"}, {"Allow", "POST"}};
    const char *body = "{\"detail\":\"a \\\"quoted\\\" \xc3\xa9\"}";
    assert_int_equal(ev_apigw_write_response(&b, 405, h, 2, body, strlen(body)), 0);
    cJSON *r = cJSON_Parse(b.data);
    assert_non_null(r);
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(r, "statusCode")->valueint, 405);
    assert_string_equal(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(r, "headers"), "Allow")
            ->valuestring,
        "POST");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(r, "body")->valuestring, body);
    assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(r, "isBase64Encoded")));
    cJSON_Delete(r);
    ev_buf_free(&b);
}

int main(void)
{
    ev_json_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_base64_decode),
        cmocka_unit_test(test_parse_real_shape),
        cmocka_unit_test(test_parse_nulls_and_refusals),
        cmocka_unit_test(test_write_response),
    };
    return cmocka_run_group_tests_name("ingestion apigw", tests, NULL, NULL);
}
