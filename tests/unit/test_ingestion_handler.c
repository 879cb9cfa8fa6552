/* The ingestion handler as a plain function: proxy events in, proxy
 * responses out, SQS replaced by a recording fake (support/fake_sqs_sender). */
#include <cjson/cJSON.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/evp.h>

#include "core/ev_time.h"
#include "events.h"
#include "ingestion/ev_apigw.h"
#include "ingestion/ev_ingestion.h"
#include "runtime/ev_lambda.h"
#include "schema/ev_json.h"
#include "support/fake_sqs_sender.h"
#include "support/fixtures.h"

#define NOW_MS     1796206272345LL
#define TRACE_ID   "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
#define SOURCE_IP  "198.51.100.7"
#define API_REQ_ID "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"

static const char VALID[] = "{\"source\":\"sensor-01\",\"type\":\"temperature\",\"payload\":{\"value\":22.50,"
                            "\"unit\":\"celsius\"}}";

/* ---- the test bench: a handler, a fake queue, a manual clock -------------- */

typedef struct bench {
    fake_sender fake;
    ev_ingestion *ing;
    ev_arena arena;
    ev_manual_clock clock;
    ev_invocation inv;
    ev_sink_capture logs;
    ev_log log;
    ev_handler_output out;
    int rc;
    cJSON *resp; /* the proxy response */
    cJSON *body; /* its body, parsed */
    int status;
} bench;

static bench *bench_new(size_t max_message_bytes)
{
    bench *b = calloc(1, sizeof *b);
    fake_sender_init(&b->fake);
    ev_manual_clock_init(&b->clock, NOW_MS);
    ev_ingestion_sender s = fake_sender_as_sender(&b->fake);
    ev_ingestion_config cfg = {.queue_url = "https://sqs.us-east-1.amazonaws.com/123456789012/evpipe-events",
                               .max_message_bytes = max_message_bytes,
                               .clock = &b->clock.clock};
    char err[256];
    b->ing = ev_ingestion_new(&cfg, &s, err, sizeof err);
    assert_non_null(b->ing);
    ev_arena_init(&b->arena, 0);
    ev_sink_capture_init(&b->logs);
    ev_log_init(&b->log, &(ev_log_options){.sink = ev_sink_capture_fn,
                                           .sink_ctx = &b->logs,
                                           .clock = &b->clock.clock,
                                           .service = "ingestion"});
    ev_log_set_level(&b->log, EV_LOG_DEBUG);
    return b;
}

static void bench_clear(bench *b)
{
    cJSON_Delete(b->resp);
    cJSON_Delete(b->body);
    b->resp = b->body = NULL;
    ev_arena_reset(&b->arena);
}

static void bench_free(bench *b)
{
    bench_clear(b);
    ev_ingestion_free(b->ing);
    fake_sender_free(&b->fake);
    ev_arena_free(&b->arena);
    ev_sink_capture_free(&b->logs);
    free(b);
}

/* Calls the handler with a proxy event text; parses the answer. */
static void invoke_raw(bench *b, const char *event)
{
    bench_clear(b);
    ev_invocation_init(&b->inv, "8476a536-e9f4-11e8-9739-2dfe598c3fcd", NOW_MS + 3000, &b->arena,
                       &b->clock.clock);
    b->inv.trace_id = TRACE_ID;
    b->inv.log = &b->log;
    memset(&b->out, 0, sizeof b->out);
    b->rc = ev_ingestion_handle(b->ing, &b->inv, event, strlen(event), &b->out);
    if (b->rc != 0)
        return;
    assert_non_null(b->out.body);
    b->resp = cJSON_ParseWithLength(b->out.body, b->out.body_len);
    assert_non_null(b->resp);
    const cJSON *sc = cJSON_GetObjectItemCaseSensitive(b->resp, "statusCode");
    assert_true(cJSON_IsNumber(sc));
    b->status = sc->valueint;
    assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(b->resp, "isBase64Encoded")));
    const cJSON *body = cJSON_GetObjectItemCaseSensitive(b->resp, "body");
    assert_true(cJSON_IsString(body));
    b->body = cJSON_Parse(body->valuestring);
    assert_non_null(b->body);
}

static const char *resp_header(const bench *b, const char *name)
{
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(b->resp, "headers");
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(h, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static const char *body_str(const cJSON *obj, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/*
 * A proxy event shaped as `sam local generate-event apigateway aws-proxy`
 * writes it. headers: NULL-terminated name, value pairs (NULL: only
 * Content-Type application/json); multi: put them in multiValueHeaders
 * only. body NULL: null. Returns a malloc'd text.
 */
static char *proxy_event(const char *method, const char *path, const char *const *headers, bool multi_only,
                         const char *body, bool base64)
{
    static const char *const json_ct[] = {"Content-Type", "application/json", NULL};
    if (headers == NULL)
        headers = json_ct;
    cJSON *e = cJSON_CreateObject();
    cJSON_AddItemToObject(e, "body", body ? cJSON_CreateString(body) : cJSON_CreateNull());
    cJSON_AddStringToObject(e, "resource", "/events");
    cJSON_AddStringToObject(e, "path", path);
    cJSON_AddStringToObject(e, "httpMethod", method);
    cJSON_AddBoolToObject(e, "isBase64Encoded", base64);
    cJSON *q = cJSON_AddObjectToObject(e, "queryStringParameters");
    cJSON_AddStringToObject(q, "foo", "bar");
    cJSON_AddNullToObject(e, "multiValueQueryStringParameters");
    cJSON_AddNullToObject(e, "pathParameters");
    cJSON *sv = cJSON_AddObjectToObject(e, "stageVariables");
    cJSON_AddStringToObject(sv, "baz", "qux");
    cJSON *h = cJSON_AddObjectToObject(e, "headers");
    cJSON *mh = cJSON_AddObjectToObject(e, "multiValueHeaders");
    cJSON_AddStringToObject(h, "Accept", "*/*");
    cJSON_AddItemToObject(mh, "Accept", cJSON_CreateStringArray((const char *const[]){"*/*"}, 1));
    for (size_t i = 0; headers[i] != NULL; i += 2) {
        if (!multi_only)
            cJSON_AddStringToObject(h, headers[i], headers[i + 1]);
        cJSON_AddItemToObject(mh, headers[i], cJSON_CreateStringArray(&headers[i + 1], 1));
    }
    cJSON *rc = cJSON_AddObjectToObject(e, "requestContext");
    cJSON_AddStringToObject(rc, "accountId", "123456789012");
    cJSON_AddStringToObject(rc, "stage", "prod");
    cJSON_AddStringToObject(rc, "requestId", API_REQ_ID);
    cJSON_AddStringToObject(rc, "httpMethod", method);
    cJSON *id = cJSON_AddObjectToObject(rc, "identity");
    cJSON_AddStringToObject(id, "sourceIp", SOURCE_IP);
    cJSON_AddNullToObject(id, "accessKey");
    char *text = cJSON_PrintUnformatted(e);
    cJSON_Delete(e);
    return text;
}

static void post(bench *b, const char *const *headers, const char *body)
{
    char *ev = proxy_event("POST", "/events", headers, false, body, false);
    invoke_raw(b, ev);
    free(ev);
}

/* The problem document of a 4xx/5xx: checks its shape and returns its type. */
static const char *problem_type(const bench *b)
{
    assert_string_equal(resp_header(b, "Content-Type"), "application/problem+json");
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(b->body, "status");
    assert_true(cJSON_IsNumber(st));
    assert_int_equal(st->valueint, b->status);
    assert_non_null(body_str(b->body, "title"));
    assert_non_null(body_str(b->body, "detail"));
    const char *type = body_str(b->body, "type");
    assert_non_null(type);
    return type;
}

static bool errors_have_pointer(const cJSON *errors, const char *pointer)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, errors)
    {
        const char *p = body_str(e, "pointer");
        if (p && strcmp(p, pointer) == 0)
            return true;
    }
    return false;
}

/* ---- single events ------------------------------------------------------------ */

static void test_single_event_accepted_with_attributes(void **state)
{
    (void)state;
    bench *b = bench_new(0);
    post(b, NULL, VALID);
    assert_int_equal(b->rc, 0);
    assert_int_equal(b->status, 202);
    assert_string_equal(resp_header(b, "Content-Type"), "application/json");
    assert_string_equal(body_str(b->body, "status"), "accepted");
    const char *id = body_str(b->body, "eventId");
    assert_non_null(id);
    ev_uuid u;
    assert_int_equal(ev_uuid_parse(id, strlen(id), &u), 0);
    assert_int_equal(ev_uuid_version(&u), 7);
    assert_int_equal(b->fake.calls, 1);
    assert_int_equal(b->fake.sent_count, 1);
    const fake_message *m = &b->fake.sent[0];
    /* The body exactly as sent: 22.50 keeps its text. */
    assert_string_equal(m->body, VALID);
    const char *type = NULL;
    assert_string_equal(fake_message_attr(m, "event_id", &type), id);
    assert_string_equal(type, "String");
    assert_string_equal(fake_message_attr(m, "event_type", NULL), "temperature");
    char version[16];
    snprintf(version, sizeof version, "%d", EVENTS_SCHEMA_VERSION);
    assert_string_equal(fake_message_attr(m, "schema_version", &type), version);
    assert_string_equal(type, "Number");
    char when[EV_RFC3339_MS_LEN + 1];
    ev_time_format_rfc3339_ms(NOW_MS, when);
    assert_string_equal(fake_message_attr(m, "received_at", NULL), when);
    assert_string_equal(fake_message_attr(m, "source_ip", NULL), SOURCE_IP);
    assert_string_equal(fake_message_attr(m, "request_id", NULL), API_REQ_ID);
    assert_string_equal(m->trace_header, TRACE_ID);
    assert_int_equal(m->attribute_count, 6);
    /* Two events get two different, increasing ids. */
    char first[40];
    snprintf(first, sizeof first, "%s", id);
    post(b, NULL, VALID);
    assert_int_equal(b->status, 202);
    assert_true(strcmp(body_str(b->body, "eventId"), first) > 0);
    bench_free(b);
}

static void test_attributes_absent_when_the_event_lacks_them(void **state)
{
    (void)state;
    bench *b = bench_new(0);
    cJSON *e = cJSON_Parse("{\"httpMethod\":\"POST\",\"path\":\"/events\",\"headers\":null,"
                           "\"multiValueHeaders\":null,\"requestContext\":{\"identity\":{\"sourceIp\":null}},"
                           "\"isBase64Encoded\":false}");
    cJSON_AddStringToObject(e, "body", VALID);
    char *text = cJSON_PrintUnformatted(e);
    cJSON_Delete(e);
    invoke_raw(b, text);
    free(text);
    assert_int_equal(b->status, 202);
    const fake_message *m = &b->fake.sent[0];
    assert_null(fake_message_attr(m, "source_ip", NULL));
    assert_null(fake_message_attr(m, "request_id", NULL));
    assert_int_equal(m->attribute_count, 4);
    /* No trace id in the invocation: no AWSTraceHeader. */
    bench_clear(b);
    char *ev = proxy_event("POST", "/events", NULL, false, VALID, false);
    ev_invocation_init(&b->inv, "r2", NOW_MS + 3000, &b->arena, &b->clock.clock);
    memset(&b->out, 0, sizeof b->out);
    assert_int_equal(ev_ingestion_handle(b->ing, &b->inv, ev, strlen(ev), &b->out), 0);
    free(ev);
    assert_null(b->fake.sent[1].trace_header);
    bench_free(b);
}

static void test_header_names_any_case_and_media_types(void **state)
{
    (void)state;
    bench *b = bench_new(0);
    static const char *const accepted[][2] = {
        {"content-type", "application/json"},
        {"CONTENT-TYPE", "Application/JSON; charset=utf-8"},
        {"Content-Type", "application/json;charset=UTF-8"},
        {"Content-Type", "application/cloudevents+json"},
        {"Content-Type", "application/vnd.evpipe.event+json; version=1"},
        {"X-Other", "absent Content-Type is JSON"},
    };
    for (size_t i = 0; i < sizeof accepted / sizeof accepted[0]; i++) {
        const char *h[] = {accepted[i][0], accepted[i][1], NULL};
        post(b, h, VALID);
        assert_int_equal(b->status, 202);
    }
    static const char *const refused[] = {
        "text/plain",       "application/xml", "application/jsonx", "json", "multipart/form-data; boundary=x",
        "application/+json"};
    size_t sent = b->fake.sent_count;
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        const char *h[] = {"content-type", refused[i], NULL};
        post(b, h, VALID);
        assert_int_equal(b->status, 415);
        assert_string_equal(problem_type(b), "urn:evpipe:problem:unsupported-media-type");
    }
    /* Only multiValueHeaders (some tools send no `headers`): still read. */
    const char *h[] = {"Content-Type", "text/plain", NULL};
    char *ev = proxy_event("POST", "/events", h, true, VALID, false);
    invoke_raw(b, ev);
    free(ev);
    assert_int_equal(b->status, 415);
    assert_int_equal(b->fake.sent_count, sent);
    bench_free(b);
}

static void test_base64_bodies(void **state)
{
    (void)state;
    bench *b = bench_new(0);
    unsigned char enc[512];
    int n = EVP_EncodeBlock(enc, (const unsigned char *)VALID, (int)strlen(VALID));
    assert_true(n > 0);
    char *ev = proxy_event("POST", "/events", NULL, false, (const char *)enc, true);
    invoke_raw(b, ev);
    free(ev);
    assert_int_equal(b->status, 202);
    assert_string_equal(b->fake.sent[0].body, VALID);
    static const char *const broken[] = {
        "eyJzb3VyY2UiOiJh", /* valid base64, but not JSON: 400 invalid-json */
        "eyJzb3VyY2UiOiJ",  "!!!!", "ab=c", "====", "eyJ zb3Vy"};
    for (size_t i = 0; i < sizeof broken / sizeof broken[0]; i++) {
        ev = proxy_event("POST", "/events", NULL, false, broken[i], true);
        invoke_raw(b, ev);
        free(ev);
        assert_int_equal(b->status, 400);
        assert_string_equal(problem_type(b),
                            i == 0 ? "urn:evpipe:problem:invalid-json" : "urn:evpipe:problem:invalid-base64");
    }
    assert_int_equal(b->fake.sent_count, 1);
    bench_free(b);
}

static void test_routes_and_methods(void **state)
{
    (void)state;
    bench *b = bench_new(0);
    char *ev = proxy_event("POST", "/other", NULL, false, VALID, false);
    /* resource is /events in proxy_event: make it another resource too. */
    cJSON *e = cJSON_Parse(ev);
    free(ev);
    cJSON_ReplaceItemInObjectCaseSensitive(e, "resource", cJSON_CreateString("/other"));
    ev = cJSON_PrintUnformatted(e);
    cJSON_Delete(e);
    invoke_raw(b, ev);
    free(ev);
    assert_int_equal(b->status, 404);
    assert_string_equal(problem_type(b), "urn:evpipe:problem:not-found");
    static const char *const methods[] = {"GET", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"};
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
        ev = proxy_event(methods[i], "/events", NULL, false, VALID, false);
        invoke_raw(b, ev);
        free(ev);
        assert_int_equal(b->status, 405);
        assert_string_equal(resp_header(b, "Allow"), "POST");
        assert_string_equal(problem_type(b), "urn:evpipe:problem:method-not-allowed");
    }
    assert_int_equal(b->fake.sent_count, 0);
    bench_free(b);
}

static void test_not_a_proxy_event_fails_the_invocation(void **state)
{
    (void)state;
    bench *b = bench_new(0);
    static const char *const events[] = {"",
                                         "not json",
                                         "[]",
                                         "{\"Records\":[]}",
                                         "{\"httpMethod\":1}",
                                         "{\"httpMethod\":\"POST\",\"path\":\"/events\",\"body\":5}"};
    for (size_t i = 0; i < sizeof events / sizeof events[0]; i++) {
        invoke_raw(b, events[i]);
        assert_int_equal(b->rc, -1);
        assert_string_equal(b->out.error.type, "InvalidEvent");
        assert_true(strlen(b->out.error.message) > 0);
    }
    bench_free(b);
}

static void test_invalid_json_and_empty_bodies(void **state)
{
    (void)state;
    bench *b = bench_new(0);
    static const char *const bodies[] = {"{\"source\":", "{\"a\":1,\"a\":2}", "[1,]", "nul",
                                         "0.10000000000000001"};
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        post(b, NULL, bodies[i]);
        assert_int_equal(b->status, 400);
        assert_string_equal(problem_type(b), "urn:evpipe:problem:invalid-json");
        const cJSON *errors = cJSON_GetObjectItemCaseSensitive(b->body, "errors");
        assert_int_equal(cJSON_GetArraySize(errors), 1);
        assert_non_null(body_str(cJSON_GetArrayItem(errors, 0), "pointer"));
        assert_string_equal(body_str(cJSON_GetArrayItem(errors, 0), "keyword"), "json");
    }
    /* A NUL byte in the body reaches the function as \u0000 in the proxy
     * event, which the strict parser refuses: still the client's 400. */
    invoke_raw(b, "{\"httpMethod\":\"POST\",\"path\":\"/events\",\"body\":\"{\\\"a\\\":\\\"\\u0000\\\"}\"}");
    assert_int_equal(b->rc, 0);
    assert_int_equal(b->status, 400);
    assert_string_equal(problem_type(b), "urn:evpipe:problem:invalid-json");
    invoke_raw(b, "{\"httpMethod\":\"PUT\",\"path\":\"/events\",\"body\":\"\\u0000\"}");
    assert_int_equal(b->status, 405);
    post(b, NULL, NULL);
    assert_int_equal(b->status, 400);
    post(b, NULL, "  \n ");
    assert_int_equal(b->status, 400);
    /* A JSON value that is not an object is a schema violation, not a JSON error. */
    post(b, NULL, "\"text\"");
    assert_int_equal(b->status, 400);
    assert_string_equal(problem_type(b), "urn:evpipe:problem:invalid-event");
    assert_true(errors_have_pointer(cJSON_GetObjectItemCaseSensitive(b->body, "errors"), ""));
    assert_int_equal(b->fake.sent_count, 0);
    bench_free(b);
}

static void test_queue_down_is_503_with_retry_after(void **state)
{
    (void)state;
    bench *b = bench_new(0);
    b->fake.fail_kind = EV_AWS_ERR_TRANSPORT;
    post(b, NULL, VALID);
    assert_int_equal(b->status, 503);
    assert_string_equal(problem_type(b), "urn:evpipe:problem:queue-unavailable");
    assert_non_null(resp_header(b, "Retry-After"));
    assert_true(atoi(resp_header(b, "Retry-After")) > 0);
    assert_null(body_str(b->body, "eventId"));
    /* The deadline stopped the retries: the same answer. */
    b->fake.fail_kind = EV_AWS_ERR_DEADLINE;
    snprintf(b->fake.fail_code, sizeof b->fake.fail_code, "DeadlineExceeded");
    post(b, NULL, VALID);
    assert_int_equal(b->status, 503);
    /* Characters SQS refuses: the client's fault. */
    b->fake.fail_kind = EV_AWS_ERR_SERVICE;
    snprintf(b->fake.fail_code, sizeof b->fake.fail_code, "InvalidMessageContents");
    post(b, NULL, VALID);
    assert_int_equal(b->status, 400);
    assert_int_equal(b->fake.sent_count, 0);
    /* Logged as an error, the log line names the code. */
    bool seen = false;
    for (size_t i = 0; i < b->logs.lines; i++) {
        char *line = ev_sink_capture_line(&b->logs, i);
        if (strstr(line, "events not queued") && strstr(line, "\"level\":\"ERROR\""))
            seen = true;
        free(line);
    }
    assert_true(seen);
    bench_free(b);
}

/* ---- idempotency ------------------------------------------------------------- */

static void post_with_key(bench *b, const char *key, const char *source, char id_out[40])
{
    char body[256];
    snprintf(body, sizeof body, "{\"source\":\"%s\",\"type\":\"humidity\",\"payload\":{\"value\":40}}",
             source);
    const char *h[] = {"Content-Type", "application/json", "idempotency-key", key, NULL};
    post(b, h, body);
    assert_int_equal(b->status, 202);
    snprintf(id_out, 40, "%s", body_str(b->body, "eventId"));
}

static void test_idempotency_key_gives_stable_ids(void **state)
{
    (void)state;
    bench *b = bench_new(0);
    char a1[40], a2[40], other_source[40], other_key[40];
    post_with_key(b, "order-42", "sensor-01", a1);
    ev_manual_clock_advance(&b->clock, 60000);
    post_with_key(b, "order-42", "sensor-01", a2);
    post_with_key(b, "order-42", "sensor-02", other_source);
    post_with_key(b, "order-43", "sensor-01", other_key);
    assert_string_equal(a1, a2);
    assert_string_not_equal(a1, other_source);
    assert_string_not_equal(a1, other_key);
    ev_uuid u;
    assert_int_equal(ev_uuid_parse(a1, 36, &u), 0);
    assert_int_equal(ev_uuid_version(&u), 8);
    /* The id is the UUIDv8 of (source, key) in the documented namespace. */
    ev_uuid expect;
    ev_uuid_part parts[2] = {{"sensor-01", 9}, {"order-42", 8}};
    assert_int_equal(ev_uuid_v8_sha256_parts(&EV_INGESTION_IDEMPOTENCY_NAMESPACE, parts, 2, &expect), 0);
    assert_true(ev_uuid_equal(&u, &expect));
    assert_string_equal(fake_message_attr(&b->fake.sent[1], "event_id", NULL), a1);
    /* A key that is empty, too long or not printable ASCII: 400, nothing sent. */
    size_t sent = b->fake.sent_count;
    char long_key[300];
    memset(long_key, 'k', sizeof long_key - 1);
    long_key[sizeof long_key - 1] = '\0';
    static const char *bad[] = {"", "tab\there", NULL};
    bad[2] = long_key;
    for (size_t i = 0; i < 3; i++) {
        const char *h[] = {"Idempotency-Key", bad[i], NULL};
        post(b, h, VALID);
        assert_int_equal(b->status, 400);
        assert_string_equal(problem_type(b), "urn:evpipe:problem:invalid-idempotency-key");
    }
    assert_int_equal(b->fake.sent_count, sent);
    /* In an array, items keep distinct ids, stable across repeats. */
    char arr[512];
    snprintf(arr, sizeof arr, "[%s,%s]", VALID, VALID);
    const char *h[] = {"Idempotency-Key", "batch-1", NULL};
    post(b, h, arr);
    assert_int_equal(b->status, 202);
    const cJSON *res = cJSON_GetObjectItemCaseSensitive(b->body, "results");
    char i0[40], i1[40];
    snprintf(i0, sizeof i0, "%s", body_str(cJSON_GetArrayItem(res, 0), "eventId"));
    snprintf(i1, sizeof i1, "%s", body_str(cJSON_GetArrayItem(res, 1), "eventId"));
    assert_string_not_equal(i0, i1);
    post(b, h, arr);
    res = cJSON_GetObjectItemCaseSensitive(b->body, "results");
    assert_string_equal(body_str(cJSON_GetArrayItem(res, 0), "eventId"), i0);
    assert_string_equal(body_str(cJSON_GetArrayItem(res, 1), "eventId"), i1);
    bench_free(b);
}

/* ---- size limit ----------------------------------------------------------------- */

/* An event of exactly `len` bytes: VALID with spaces before its last brace. */
static char *event_of_size(size_t len)
{
    size_t base = strlen(VALID);
    assert_true(len >= base);
    char *s = malloc(len + 1);
    memcpy(s, VALID, base - 1);
    memset(s + base - 1, ' ', len - base);
    s[len - 1] = '}';
    s[len] = '\0';
    return s;
}

static void test_size_limit_at_the_boundary(void **state)
{
    (void)state;
    /* The limit comes from the environment, as the template sets it. */
    setenv("SQS_QUEUE_URL", "http://127.0.0.1:9/123456789012/q", 1);
    setenv("SQS_MAX_MESSAGE_BYTES", "2048", 1);
    ev_ingestion_config cfg;
    char err[256];
    assert_int_equal(ev_ingestion_config_from_env(&cfg, err, sizeof err), 0);
    assert_int_equal(cfg.max_message_bytes, 2048);
    bench *b = bench_new(cfg.max_message_bytes);
    size_t attrs = ev_ingestion_attributes_size("temperature", SOURCE_IP, API_REQ_ID);
    size_t fits = cfg.max_message_bytes - attrs;
    char *body = event_of_size(fits);
    post(b, NULL, body);
    free(body);
    assert_int_equal(b->status, 202);
    assert_int_equal(b->fake.sent[0].size, cfg.max_message_bytes);
    body = event_of_size(fits + 1);
    post(b, NULL, body);
    free(body);
    assert_int_equal(b->status, 413);
    assert_string_equal(problem_type(b), "urn:evpipe:problem:payload-too-large");
    /* Far over the limit: refused before parsing (not JSON, yet 413). */
    char *big = malloc(cfg.max_message_bytes + 2);
    memset(big, '{', cfg.max_message_bytes + 1);
    big[cfg.max_message_bytes + 1] = '\0';
    post(b, NULL, big);
    free(big);
    assert_int_equal(b->status, 413);
    assert_int_equal(b->fake.sent_count, 1);
    /* Bad configuration is refused, naming the variable. */
    setenv("SQS_MAX_MESSAGE_BYTES", "12", 1);
    assert_int_equal(ev_ingestion_config_from_env(&cfg, err, sizeof err), -1);
    assert_non_null(strstr(err, "SQS_MAX_MESSAGE_BYTES"));
    unsetenv("SQS_QUEUE_URL");
    setenv("SQS_MAX_MESSAGE_BYTES", "2048", 1);
    assert_int_equal(ev_ingestion_config_from_env(&cfg, err, sizeof err), -1);
    assert_non_null(strstr(err, "SQS_QUEUE_URL"));
    unsetenv("SQS_MAX_MESSAGE_BYTES");
    bench_free(b);
}

/* ---- arrays ---------------------------------------------------------------------- */

static const cJSON *result(const bench *b, int i)
{
    return cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(b->body, "results"), i);
}

static void test_array_mixed(void **state)
{
    (void)state;
    bench *b = bench_new(0);
    const char *bad =
        "{\"source\":\"s\",\"type\":\"temperature\",\"payload\":{\"value\":5000,\"unit\":\"celsius\"}}";
    char body[1024];
    snprintf(body, sizeof body, "[ %s ,\n %s,%s ]", VALID, bad, VALID);
    post(b, NULL, body);
    assert_int_equal(b->status, 202);
    assert_int_equal(b->fake.batch_calls, 1);
    assert_int_equal(b->fake.calls, 0);
    assert_int_equal(b->fake.last_batch_size, 2);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(b->body, "results")), 3);
    assert_string_equal(body_str(result(b, 0), "status"), "accepted");
    assert_string_equal(body_str(result(b, 1), "status"), "rejected");
    assert_string_equal(body_str(result(b, 2), "status"), "accepted");
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(result(b, 1), "index")->valueint, 1);
    assert_true(
        errors_have_pointer(cJSON_GetObjectItemCaseSensitive(result(b, 1), "errors"), "/1/payload/value"));
    /* Each item's own text goes out, untouched. */
    assert_string_equal(b->fake.sent[0].body, VALID);
    assert_string_equal(b->fake.sent[1].body, VALID);
    assert_string_equal(fake_message_attr(&b->fake.sent[0], "event_id", NULL),
                        body_str(result(b, 0), "eventId"));
    assert_string_equal(fake_message_attr(&b->fake.sent[1], "event_id", NULL),
                        body_str(result(b, 2), "eventId"));
    bench_free(b);
}

static void test_array_all_rejected_empty_and_too_many(void **state)
{
    (void)state;
    bench *b = bench_new(0);
    post(b, NULL, "[{\"source\":\"\"},7]");
    assert_int_equal(b->status, 400);
    assert_string_equal(problem_type(b), "urn:evpipe:problem:invalid-event");
    const cJSON *errors = cJSON_GetObjectItemCaseSensitive(b->body, "errors");
    assert_true(errors_have_pointer(errors, "/1"));
    assert_true(errors_have_pointer(errors, "/0/source"));
    assert_string_equal(body_str(result(b, 0), "status"), "rejected");
    assert_string_equal(body_str(result(b, 1), "status"), "rejected");
    post(b, NULL, "[]");
    assert_int_equal(b->status, 400);
    post(b, NULL, " [ ] ");
    assert_int_equal(b->status, 400);
    char body[4096] = "[";
    for (int i = 0; i < EV_INGESTION_MAX_BATCH + 1; i++) {
        strcat(body, i ? "," : "");
        strcat(body, VALID);
    }
    strcat(body, "]");
    post(b, NULL, body);
    assert_int_equal(b->status, 413);
    assert_string_equal(problem_type(b), "urn:evpipe:problem:too-many-events");
    /* Exactly the maximum goes through in one batch. */
    body[strlen(body) - strlen(VALID) - 2] = ']';
    body[strlen(body) - strlen(VALID) - 1] = '\0';
    post(b, NULL, body);
    assert_int_equal(b->status, 202);
    assert_int_equal(b->fake.last_batch_size, EV_INGESTION_MAX_BATCH);
    assert_int_equal(b->fake.batch_calls, 1);
    bench_free(b);
}

static void test_array_sqs_partial_failure_is_failed(void **state)
{
    (void)state;
    bench *b = bench_new(0);
    char body[1024];
    snprintf(body, sizeof body, "[%s,%s,%s]", VALID, VALID, VALID);
    b->fake.fail_entry[1] = true;
    post(b, NULL, body);
    assert_int_equal(b->status, 202);
    assert_string_equal(body_str(result(b, 0), "status"), "accepted");
    assert_string_equal(body_str(result(b, 1), "status"), "failed");
    assert_null(body_str(result(b, 1), "eventId"));
    assert_string_equal(body_str(result(b, 1), "code"), "InternalError");
    assert_string_equal(body_str(result(b, 2), "status"), "accepted");
    /* Every entry refused: not a single accepted, so 503 with Retry-After. */
    memset(b->fake.fail_entry, 1, sizeof b->fake.fail_entry);
    post(b, NULL, body);
    assert_int_equal(b->status, 503);
    assert_non_null(resp_header(b, "Retry-After"));
    for (int i = 0; i < 3; i++)
        assert_string_equal(body_str(result(b, i), "status"), "failed");
    /* The whole call failed (queue unreachable): 503, nothing accepted. */
    memset(b->fake.fail_entry, 0, sizeof b->fake.fail_entry);
    b->fake.fail_kind = EV_AWS_ERR_TRANSPORT;
    snprintf(body, sizeof body, "[%s,{}]", VALID);
    post(b, NULL, body);
    assert_int_equal(b->status, 503);
    assert_string_equal(body_str(result(b, 0), "status"), "failed");
    assert_string_equal(body_str(result(b, 1), "status"), "rejected");
    bench_free(b);
}

/* ---- schema-driven: every fixture of the generated fixture file ------------- */

static void test_every_fixture(void **state)
{
    (void)state;
    cJSON *root = ev_test_load_fixtures();
    bench *b = bench_new(0);
    const cJSON *fx;
    size_t valid = 0, invalid = 0;
    ev_buf text = EV_BUF_INIT, batch = EV_BUF_INIT;
    size_t in_batch = 0;
    cJSON_ArrayForEach(fx, cJSON_GetObjectItemCaseSensitive(root, "fixtures"))
    {
        const char *name = body_str(fx, "name");
        bool is_valid = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(fx, "valid"));
        ev_buf_reset(&text);
        ev_json_print_exact(cJSON_GetObjectItemCaseSensitive(fx, "instance"), &text);
        size_t sent = b->fake.sent_count;
        post(b, NULL, text.data);
        if (is_valid) {
            valid++;
            if (b->status != 202)
                fail_msg("fixture %s: status %d, expected 202", name, b->status);
            assert_int_equal(b->fake.sent_count, sent + 1);
            assert_string_equal(b->fake.sent[sent].body, text.data);
            const cJSON *type =
                cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(fx, "instance"), "type");
            assert_string_equal(fake_message_attr(&b->fake.sent[sent], "event_type", NULL),
                                type->valuestring);
            /* Valid fixtures also go in arrays of up to 10. */
            ev_buf_append_str(&batch, in_batch ? "," : "[");
            ev_buf_append(&batch, text.data, text.len);
            if (++in_batch == EV_INGESTION_MAX_BATCH) {
                ev_buf_append_char(&batch, ']');
                post(b, NULL, batch.data);
                assert_int_equal(b->status, 202);
                for (int i = 0; i < EV_INGESTION_MAX_BATCH; i++)
                    assert_string_equal(body_str(result(b, i), "status"), "accepted");
                ev_buf_reset(&batch);
                in_batch = 0;
            }
        } else {
            invalid++;
            if (b->status != 400)
                fail_msg("fixture %s: status %d, expected 400", name, b->status);
            assert_string_equal(problem_type(b), "urn:evpipe:problem:invalid-event");
            assert_int_equal(b->fake.sent_count, sent);
            /* Every error the fixture expects is reported with its pointer. */
            const cJSON *got = cJSON_GetObjectItemCaseSensitive(b->body, "errors");
            const cJSON *want;
            cJSON_ArrayForEach(want, cJSON_GetObjectItemCaseSensitive(fx, "errors"))
            {
                const char *ptr = body_str(want, "instancePath");
                assert_non_null(ptr);
                if (!errors_have_pointer(got, ptr))
                    fail_msg("fixture %s: no error at %s", name, ptr);
            }
        }
    }
    const cJSON *counts = cJSON_GetObjectItemCaseSensitive(root, "counts");
    assert_int_equal(valid, (size_t)cJSON_GetObjectItemCaseSensitive(counts, "valid")->valueint);
    assert_int_equal(invalid, (size_t)cJSON_GetObjectItemCaseSensitive(counts, "invalid")->valueint);
    assert_true(valid > 0 && invalid > 0);
    ev_buf_free(&text);
    ev_buf_free(&batch);
    bench_free(b);
    cJSON_Delete(root);
}

/* ---- logs and metrics ---------------------------------------------------------- */

static void test_logs_hold_no_body_and_metrics_count(void **state)
{
    (void)state;
    bench *b = bench_new(0);
    ev_sink_capture mlines;
    ev_sink_capture_init(&mlines);
    char merr[128];
    ev_metrics *m = ev_metrics_new(&(ev_metrics_options){.metric_namespace = "evpipe",
                                                         .service = "ingestion",
                                                         .sink = ev_sink_capture_fn,
                                                         .sink_ctx = &mlines,
                                                         .clock = &b->clock.clock},
                                   merr, sizeof merr);
    assert_non_null(m);
    const char *secret_ok = "{\"source\":\"sensor-01\",\"type\":\"temperature\",\"payload\":{\"value\":1,"
                            "\"unit\":\"celsius\"},\"tags\":{\"token\":\"hunter2-SECRET\"}}";
    const char *secret_bad = "{\"source\":\"sensor-01\",\"type\":\"temperature\",\"payload\":{\"value\":1,"
                             "\"unit\":\"celsius\"},\"tags\":{\"token\":\"hunter2-SECRET\"},\"x\":1}";
    char *ev = proxy_event("POST", "/events", NULL, false, secret_ok, false);
    bench_clear(b);
    ev_invocation_init(&b->inv, "r1", NOW_MS + 3000, &b->arena, &b->clock.clock);
    b->inv.log = &b->log;
    b->inv.metrics = m;
    memset(&b->out, 0, sizeof b->out);
    assert_int_equal(ev_ingestion_handle(b->ing, &b->inv, ev, strlen(ev), &b->out), 0);
    free(ev);
    ev = proxy_event("POST", "/events", NULL, false, secret_bad, false);
    memset(&b->out, 0, sizeof b->out);
    assert_int_equal(ev_ingestion_handle(b->ing, &b->inv, ev, strlen(ev), &b->out), 0);
    free(ev);
    assert_int_equal(ev_metrics_flush(m), 0);
    assert_true(b->logs.lines >= 2);
    assert_null(strstr(ev_buf_cstr(&b->logs.text), "hunter2"));
    assert_non_null(strstr(ev_buf_cstr(&b->logs.text), "event accepted"));
    assert_non_null(strstr(ev_buf_cstr(&b->logs.text), "request refused"));
    const char *mt = ev_buf_cstr(&mlines.text);
    assert_non_null(strstr(mt, "\"EventsAccepted\":1"));
    assert_non_null(strstr(mt, "\"EventsRejected\":1"));
    assert_non_null(strstr(mt, "\"SqsSendLatency\""));
    ev_metrics_free(m);
    ev_sink_capture_free(&mlines);
    bench_free(b);
}

int main(void)
{
    ev_json_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_single_event_accepted_with_attributes),
        cmocka_unit_test(test_attributes_absent_when_the_event_lacks_them),
        cmocka_unit_test(test_header_names_any_case_and_media_types),
        cmocka_unit_test(test_base64_bodies),
        cmocka_unit_test(test_routes_and_methods),
        cmocka_unit_test(test_not_a_proxy_event_fails_the_invocation),
        cmocka_unit_test(test_invalid_json_and_empty_bodies),
        cmocka_unit_test(test_queue_down_is_503_with_retry_after),
        cmocka_unit_test(test_idempotency_key_gives_stable_ids),
        cmocka_unit_test(test_size_limit_at_the_boundary),
        cmocka_unit_test(test_array_mixed),
        cmocka_unit_test(test_array_all_rejected_empty_and_too_many),
        cmocka_unit_test(test_array_sqs_partial_failure_is_failed),
        cmocka_unit_test(test_every_fixture),
        cmocka_unit_test(test_logs_hold_no_body_and_metrics_count),
    };
    int rc = cmocka_run_group_tests_name("ingestion handler", tests, NULL, NULL);
    events_release();
    return rc;
}
