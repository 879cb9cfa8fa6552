/* ev_gateway (routes, proxy events, proxy responses, base64) and ev_throttle. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "devserver/ev_gateway.h"
#include "devserver/ev_throttle.h"

static const ev_gateway_route ROUTES[] = {
    {"/events", "POST"},       {"/events", "ANY"},        {"/items/{id}", "GET"},
    {"/items/special", "GET"}, {"/files/{path+}", "ANY"}, {"/{proxy+}", "DELETE"},
};
#define NROUTES (sizeof ROUTES / sizeof ROUTES[0])

static void test_match(void **state)
{
    (void)state;
    assert_int_equal(ev_gateway_match(ROUTES, NROUTES, "POST", "/events"), 0);
    assert_int_equal(ev_gateway_match(ROUTES, NROUTES, "GET", "/events"), 1);
    assert_int_equal(ev_gateway_match(ROUTES, NROUTES, "GET", "/items/42"), 2);
    assert_int_equal(ev_gateway_match(ROUTES, NROUTES, "GET", "/items/special"), 3);
    assert_int_equal(ev_gateway_match(ROUTES, NROUTES, "PUT", "/items/42"), -1);
    assert_int_equal(ev_gateway_match(ROUTES, NROUTES, "GET", "/items/42/x"), -1);
    assert_int_equal(ev_gateway_match(ROUTES, NROUTES, "PUT", "/files/a/b/c"), 4);
    assert_int_equal(ev_gateway_match(ROUTES, NROUTES, "PUT", "/files"), -1);
    assert_int_equal(ev_gateway_match(ROUTES, NROUTES, "DELETE", "/anything/at/all"), 5);
    assert_int_equal(ev_gateway_match(ROUTES, NROUTES, "DELETE", "/events"), 1); /* literal beats greedy */
    assert_int_equal(ev_gateway_match(ROUTES, NROUTES, "GET", "/"), -1);
}

static cJSON *build(const ev_gateway_request *req)
{
    ev_buf b = EV_BUF_INIT;
    ev_ds_error err;
    assert_int_equal(ev_gateway_build_event(req, &b, &err), 0);
    cJSON *j = cJSON_ParseWithLength(b.data, b.len);
    assert_non_null(j);
    ev_buf_free(&b);
    return j;
}

static const char *str(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void test_event(void **state)
{
    (void)state;
    const ev_gateway_kv headers[] = {{"Content-Type", "application/json"},
                                     {"X-A", "1"},
                                     {"x-a", "2"},
                                     {"User-Agent", "t/1"},
                                     {"X-Bad", "\xff\xfe"}};
    const ev_gateway_kv query[] = {{"q", "1"}, {"q", "2"}, {"Q", "3"}};
    ev_gateway_request req = {.method = "POST",
                              .path = "/files/a/b",
                              .resource = "/files/{path+}",
                              .headers = headers,
                              .header_count = 5,
                              .query = query,
                              .query_count = 3,
                              .body = "{\"k\":1.50}",
                              .body_len = 10,
                              .source_ip = "127.0.0.9",
                              .request_id = "rid",
                              .stage = "dev",
                              .protocol = "HTTP/1.1",
                              .api_id = "api",
                              .account_id = "123456789012",
                              .time_ms = 1764661200123};
    cJSON *ev = build(&req);
    assert_string_equal(str(ev, "resource"), "/files/{path+}");
    assert_string_equal(str(ev, "path"), "/files/a/b");
    assert_string_equal(str(ev, "httpMethod"), "POST");
    assert_string_equal(str(ev, "body"), "{\"k\":1.50}");
    assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(ev, "isBase64Encoded")));
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(ev, "headers");
    assert_string_equal(str(h, "X-A"), "2"); /* grouped without case, named as first sent, last value */
    assert_null(cJSON_GetObjectItemCaseSensitive(h, "x-a"));
    assert_string_equal(str(h, "X-Bad"), "\xef\xbf\xbd\xef\xbf\xbd"); /* ill-formed UTF-8 stays valid JSON */
    const cJSON *mh = cJSON_GetObjectItemCaseSensitive(ev, "multiValueHeaders");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(mh, "X-A")), 2);
    const cJSON *q = cJSON_GetObjectItemCaseSensitive(ev, "queryStringParameters");
    assert_string_equal(str(q, "q"), "2");
    assert_string_equal(str(q, "Q"), "3"); /* query names are case-sensitive */
    const cJSON *mq = cJSON_GetObjectItemCaseSensitive(ev, "multiValueQueryStringParameters");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(mq, "q")), 2);
    const cJSON *pp = cJSON_GetObjectItemCaseSensitive(ev, "pathParameters");
    assert_string_equal(str(pp, "path"), "a/b");
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(ev, "stageVariables")));
    const cJSON *ctx = cJSON_GetObjectItemCaseSensitive(ev, "requestContext");
    assert_string_equal(str(ctx, "requestId"), "rid");
    assert_string_equal(str(ctx, "stage"), "dev");
    assert_string_equal(str(ctx, "path"), "/dev/files/a/b");
    assert_string_equal(str(ctx, "resourcePath"), "/files/{path+}");
    assert_string_equal(str(ctx, "requestTime"), "02/Dec/2025:07:40:00 +0000");
    assert_true(cJSON_GetObjectItemCaseSensitive(ctx, "requestTimeEpoch")->valuedouble == 1764661200123.0);
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(ctx, "identity");
    assert_string_equal(str(id, "sourceIp"), "127.0.0.9");
    assert_string_equal(str(id, "userAgent"), "t/1");
    cJSON_Delete(ev);

    /* No headers, no query, no body: nulls, as API Gateway sends them. */
    ev_gateway_request bare = {.method = "GET",
                               .path = "/items/7",
                               .resource = "/items/{id}",
                               .body = "",
                               .source_ip = "127.0.0.1",
                               .request_id = "r",
                               .stage = "s",
                               .protocol = "HTTP/1.0",
                               .api_id = "a",
                               .account_id = "1"};
    ev = build(&bare);
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(ev, "headers")));
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(ev, "multiValueQueryStringParameters")));
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(ev, "body")));
    assert_string_equal(str(cJSON_GetObjectItemCaseSensitive(ev, "pathParameters"), "id"), "7");
    cJSON_Delete(ev);
}

static void test_binary_body(void **state)
{
    (void)state;
    const char bin[] = {'a', '\0', (char)0xff};
    const ev_gateway_kv png[] = {{"Content-Type", "image/png"}};
    ev_gateway_request req = {.method = "POST",
                              .path = "/events",
                              .resource = "/events",
                              .body = bin,
                              .body_len = 3,
                              .source_ip = "127.0.0.1",
                              .request_id = "r",
                              .stage = "s",
                              .protocol = "HTTP/1.1",
                              .api_id = "a",
                              .account_id = "1"};
    cJSON *ev = build(&req);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ev, "isBase64Encoded")));
    assert_string_equal(str(ev, "body"), "YQD/");
    cJSON_Delete(ev);
    req.body = "text";
    req.body_len = 4;
    req.headers = png;
    req.header_count = 1;
    ev = build(&req);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ev, "isBase64Encoded")));
    assert_string_equal(str(ev, "body"), "dGV4dA==");
    cJSON_Delete(ev);
    assert_true(ev_gateway_body_is_text("application/json", "{}", 2));
    assert_true(ev_gateway_body_is_text(NULL, "\xc3\xa9", 2));
    assert_false(ev_gateway_body_is_text("application/octet-stream", "x", 1));
}

static void test_response(void **state)
{
    (void)state;
    ev_gateway_response r;
    ev_ds_error err;
    const char *ok =
        "{\"statusCode\":202,\"headers\":{\"Content-Type\":\"application/json\",\"X-M\":\"h\","
        "\"Retry-After\":1},\"multiValueHeaders\":{\"x-m\":[\"1\",\"2\"]},\"body\":\"{\\\"id\\\":1}\"}";
    assert_int_equal(ev_gateway_parse_response(ok, strlen(ok), &r, &err), 0);
    assert_int_equal(r.status, 202);
    assert_string_equal(r.body, "{\"id\":1}");
    size_t xm = 0;
    bool retry = false;
    for (size_t i = 0; i < r.header_count; i++) {
        xm += strcasecmp(r.names[i], "x-m") == 0;
        retry = retry || (strcmp(r.names[i], "Retry-After") == 0 && strcmp(r.values[i], "1") == 0);
    }
    assert_int_equal(xm, 2); /* multiValueHeaders win over headers of the same name */
    assert_true(retry);
    ev_gateway_response_free(&r);

    const char *b64 = "{\"statusCode\":\"200\",\"body\":\"AAEC/w==\",\"isBase64Encoded\":true}";
    assert_int_equal(ev_gateway_parse_response(b64, strlen(b64), &r, &err), 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body_len, 4);
    assert_memory_equal(r.body, "\x00\x01\x02\xff", 4);
    ev_gateway_response_free(&r);

    const char *empty = "{\"statusCode\":204}";
    assert_int_equal(ev_gateway_parse_response(empty, strlen(empty), &r, &err), 0);
    assert_int_equal(r.body_len, 0);
    ev_gateway_response_free(&r);

    const struct {
        const char *json, *error;
    } bad[] = {
        {"not json", "not JSON"},
        {"[1]", "not a JSON object"},
        {"{\"body\":\"x\"}", "statusCode"},
        {"{\"statusCode\":99}", "statusCode 99"},
        {"{\"statusCode\":200.5}", "statusCode 200.5"},
        {"{\"statusCode\":600}", "statusCode 600"},
        {"{\"statusCode\":200,\"body\":5}", "body is not a string"},
        {"{\"statusCode\":200,\"headers\":{\"A\":{}}}", "headers.A"},
        {"{\"statusCode\":200,\"headers\":{\"A\":\"x\\r\\nSet-Cookie: y\"}}", "CR or LF"},
        {"{\"statusCode\":200,\"headers\":{\"A B\":\"x\"}}", "header name"},
        {"{\"statusCode\":200,\"multiValueHeaders\":{\"A\":\"x\"}}", "not an array"},
        {"{\"statusCode\":200,\"body\":\"!!\",\"isBase64Encoded\":true}", "not base64"},
        {"{\"statusCode\":200,\"isBase64Encoded\":\"yes\"}", "isBase64Encoded"},
        {"{\"statusCode\":200,\"statusCode\":201}", "not JSON"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (ev_gateway_parse_response(bad[i].json, strlen(bad[i].json), &r, &err) == 0)
            fail_msg("accepted %s", bad[i].json);
        if (strstr(err.message, bad[i].error) == NULL)
            fail_msg("%s: error \"%s\" lacks \"%s\"", bad[i].json, err.message, bad[i].error);
    }
}

static void test_base64(void **state)
{
    (void)state;
    const char *cases[][2] = {{"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"}, {"foob", "Zm9vYg=="}};
    for (size_t i = 0; i < 5; i++) {
        ev_buf b = EV_BUF_INIT;
        assert_int_equal(ev_gateway_base64_encode(cases[i][0], strlen(cases[i][0]), &b), 0);
        assert_string_equal(b.data ? b.data : "", cases[i][1]);
        ev_buf_free(&b);
        unsigned char *d = NULL;
        size_t n = 0;
        assert_int_equal(ev_gateway_base64_decode(cases[i][1], strlen(cases[i][1]), &d, &n), 0);
        assert_int_equal(n, strlen(cases[i][0]));
        assert_memory_equal(d, cases[i][0], n);
        free(d);
    }
    unsigned char *d = NULL;
    size_t n = 0;
    assert_int_equal(ev_gateway_base64_decode("Zg=", 3, &d, &n), -1);
    assert_int_equal(ev_gateway_base64_decode("Z=g=", 4, &d, &n), -1);
    assert_int_equal(ev_gateway_base64_decode("Zg==Zg==", 8, &d, &n), -1);
}

static void test_throttle(void **state)
{
    (void)state;
    ev_throttle t;
    ev_throttle_init(&t, 2.0, 3); /* 2 per second, burst 3 */
    assert_true(ev_throttle_take(&t, 1000));
    assert_true(ev_throttle_take(&t, 1000));
    assert_true(ev_throttle_take(&t, 1000));
    assert_false(ev_throttle_take(&t, 1000));
    assert_false(ev_throttle_take(&t, 1400));  /* 0.8 token */
    assert_true(ev_throttle_take(&t, 1500));   /* 1.0 */
    assert_true(ev_throttle_take(&t, 100000)); /* refilled to the burst, no more */
    assert_true(ev_throttle_take(&t, 100000));
    assert_true(ev_throttle_take(&t, 100000));
    assert_false(ev_throttle_take(&t, 100000));
    ev_throttle_init(&t, -1, -1);
    for (int i = 0; i < 1000; i++)
        assert_true(ev_throttle_take(&t, 0));
    ev_throttle_init(&t, 0, 0);
    assert_false(ev_throttle_take(&t, 0));
}

static void test_own_answers(void **state)
{
    (void)state;
    char type_throttled[] = "THROTTLED", type_default[] = "DEFAULT_4XX", name[] = "Retry-After",
         value[] = "1";
    char tpl[] = "{\"title\":\"Too Many Requests\",\"requestId\":\"$context.requestId\","
                 "\"detail\":$context.error.messageString,\"v\":\"$context.error.validationErrorString\"}";
    ev_tpl_gateway_response r[2];
    memset(r, 0, sizeof r);
    r[0].type = type_throttled;
    r[0].status = 429;
    r[0].header_names[0] = name;
    r[0].header_values[0] = value;
    r[0].header_count = 1;
    r[0].body_template = tpl;
    ev_buf b = EV_BUF_INIT;
    int status = 0;
    const ev_tpl_gateway_response *used = NULL;
    assert_int_equal(
        ev_gateway_own_answer(r, 1, "THROTTLED", 429, "Too Many Requests", "rid-1", &b, &status, &used), 0);
    assert_int_equal(status, 429);
    assert_ptr_equal(used, &r[0]);
    assert_string_equal(b.data, "{\"title\":\"Too Many Requests\",\"requestId\":\"rid-1\","
                                "\"detail\":\"Too Many Requests\",\"v\":\"\"}");
    cJSON *j = cJSON_Parse(b.data);
    assert_non_null(j);
    cJSON_Delete(j);
    /* No response of the type, no DEFAULT_4XX: API Gateway's own. */
    assert_int_equal(ev_gateway_own_answer(r, 1, "MISSING_AUTHENTICATION_TOKEN", 403,
                                           "Missing Authentication Token", "rid", &b, &status, &used),
                     0);
    assert_int_equal(status, 403);
    assert_null(used);
    assert_string_equal(b.data, "{\"message\":\"Missing Authentication Token\"}");
    /* DEFAULT_4XX stands in for a 4xx type the template does not name; its status 0 keeps the type's. */
    r[1].type = type_default;
    assert_int_equal(
        ev_gateway_own_answer(r, 2, "REQUEST_TOO_LARGE", 413, "Request Too Long", "rid", &b, &status, &used),
        0);
    assert_int_equal(status, 413);
    assert_ptr_equal(used, &r[1]);
    assert_string_equal(b.data, "{\"message\":\"Request Too Long\"}");
    ev_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_match),       cmocka_unit_test(test_event),  cmocka_unit_test(test_binary_body),
        cmocka_unit_test(test_response),    cmocka_unit_test(test_base64), cmocka_unit_test(test_throttle),
        cmocka_unit_test(test_own_answers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
