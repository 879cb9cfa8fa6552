/*
 * Retries, backoff, timeouts and the retry quota against the loopback fault
 * server (EV_ITEST_FAULT_ENDPOINT, tests/integration/fault_server.py). The
 * clock is injected (delays are recorded, not slept) and the random source
 * returns 0.5, so every backoff is exact: retry i waits 0.5 * 1000 * 2^(i-1).
 */
#include "itest_common.h"

#include <strings.h>

#include "aws/ev_dynamodb.h"
#include "aws/ev_dynamodb_put.h"
#include "aws/ev_http.h"
#include "aws/ev_sigv4.h"
#include "aws/ev_sqs.h"

typedef struct clock_rec {
    uint32_t delays[64];
    int n;
} clock_rec;

static const char *endpoint;
static char control[256];
static ev_http_client *ctl;
static clock_rec rec;

static void record_sleep(void *ctx, uint32_t ms)
{
    clock_rec *r = ctx;
    if (r->n < 64)
        r->delays[r->n++] = ms;
}

static double half(void *ctx)
{
    (void)ctx;
    return 0.5;
}

static cJSON *control_call(const char *path, const char *method, const char *body)
{
    char url[512];
    snprintf(url, sizeof url, "%s%s", control, path);
    ev_http_request req = {.method = method, .url = url, .body = body, .body_len = body ? strlen(body) : 0};
    ev_http_response resp;
    ev_http_response_init(&resp);
    ev_aws_error err;
    ev_aws_error_clear(&err);
    if (ev_http_send(ctl, &req, &resp, &err) != 0 || resp.status != 200)
        fail_msg("fault server control %s failed", path);
    cJSON *j = cJSON_ParseWithLength(resp.body.data, resp.body.len);
    ev_http_response_free(&resp);
    return j;
}

static void script(const char *json)
{
    cJSON_Delete(control_call("/_control/script", "POST", json));
}

static int requests_seen(void)
{
    cJSON *log = control_call("/_control/log", "GET", NULL);
    int n = cJSON_GetArraySize(log);
    cJSON_Delete(log);
    return n;
}

/* A client on the fault server with the recording clock and fixed random. */
static ev_aws_client *fault_client(ev_endpoint_service svc, long timeout_ms)
{
    ev_credentials creds = {"AKIDFAULT", "secret", NULL};
    ev_aws_client_config cfg = {.service = svc,
                                .region = "us-east-1",
                                .endpoint_url = endpoint,
                                .credentials = &creds,
                                .http = {.timeout_ms = timeout_ms, .connect_timeout_ms = 1000}};
    ev_aws_error err;
    ev_aws_client *c = ev_aws_client_new(&cfg, &err);
    assert_non_null(c);
    ev_retry_set_clock(ev_aws_client_retry(c), record_sleep, &rec);
    ev_retry_set_random(ev_aws_client_retry(c), half, NULL);
    return c;
}

static int setup_group(void **state)
{
    (void)state;
    endpoint = itest_env("EV_ITEST_FAULT_ENDPOINT");
    snprintf(control, sizeof control, "%s", endpoint);
    ev_aws_error err;
    ctl = ev_http_client_new(NULL, &err);
    return ctl ? 0 : -1;
}

static int teardown_group(void **state)
{
    (void)state;
    ev_http_client_free(ctl);
    return 0;
}

static int setup_each(void **state)
{
    (void)state;
    cJSON_Delete(control_call("/_control/reset", "POST", ""));
    memset(&rec, 0, sizeof rec);
    return 0;
}

static int list_tables(ev_aws_client *c, ev_aws_error *err)
{
    cJSON *req = cJSON_CreateObject();
    cJSON *resp = NULL;
    int rc = ev_dynamodb_call(c, "ListTables", req, &resp, err);
    cJSON_Delete(req);
    cJSON_Delete(resp);
    return rc;
}

static void test_5xx_retried_with_backoff(void **state)
{
    (void)state;
    ev_aws_client *c = fault_client(EV_ENDPOINT_DYNAMODB, 0);
    script("[{\"status\":500},{\"status\":503,\"type\":\"ServiceUnavailable\"},{\"status\":200,\"body\":{"
           "\"TableNames\":[]}}]");
    ev_aws_error err;
    ITEST_OK(list_tables(c, &err), &err);
    assert_int_equal(err.attempts, 3);
    assert_int_equal(requests_seen(), 3);
    assert_int_equal(rec.n, 2);
    assert_int_equal(rec.delays[0], 500);
    assert_int_equal(rec.delays[1], 1000);
    /* 2 retries took 5 each; success after retries refunds the last 5. */
    assert_int_equal(ev_aws_client_retry(c)->quota_available, 500 - 5);
    ev_aws_client_free(c);
}

static void test_gives_up_after_three_attempts(void **state)
{
    (void)state;
    ev_aws_client *c = fault_client(EV_ENDPOINT_DYNAMODB, 0);
    script("[{\"status\":500},{\"status\":502,\"type\":\"BadGateway\"},{\"status\":500,\"type\":"
           "\"InternalFailure\"},"
           "{\"status\":200}]");
    ev_aws_error err;
    assert_int_equal(list_tables(c, &err), -1);
    assert_int_equal(err.kind, EV_AWS_ERR_SERVICE);
    assert_int_equal(err.http_status, 500);
    assert_string_equal(err.code, "InternalFailure");
    assert_true(err.retryable);
    assert_int_equal(err.attempts, 3);
    assert_non_null(strstr(err.message, "max attempts"));
    assert_string_equal(err.request_id, "fault-3"); /* the third request's id */
    assert_int_equal(requests_seen(), 3);
    assert_int_equal(rec.n, 2);
    assert_int_equal(ev_aws_client_retry(c)->quota_available, 490);
    ev_aws_client_free(c);
}

static void test_throttling_codes_retried(void **state)
{
    (void)state;
    ev_aws_client *c = fault_client(EV_ENDPOINT_DYNAMODB, 0);
    script("[{\"status\":400,\"type\":\"ProvisionedThroughputExceededException\"},"
           "{\"status\":400,\"type\":\"ThrottlingException\"},{\"status\":200}]");
    ev_aws_error err;
    ITEST_OK(list_tables(c, &err), &err);
    assert_int_equal(requests_seen(), 3);
    assert_int_equal(rec.n, 2);
    /* SQS's throttling form, and RequestLimitExceeded, are retried too. */
    script("[{\"status\":400,\"type\":\"RequestThrottled\"},{\"status\":429,\"type\":"
           "\"TooManyRequestsException\"},"
           "{\"status\":200}]");
    ITEST_OK(list_tables(c, &err), &err);
    assert_int_equal(requests_seen(), 6);
    ev_aws_client_free(c);
}

static void test_client_error_never_retried(void **state)
{
    (void)state;
    ev_aws_client *c = fault_client(EV_ENDPOINT_DYNAMODB, 0);
    script("[{\"status\":400,\"type\":\"ValidationException\",\"message\":\"bad key\"}]");
    ev_aws_error err;
    assert_int_equal(list_tables(c, &err), -1);
    assert_string_equal(err.code, "ValidationException");
    assert_string_equal(err.message, "bad key");
    assert_false(err.retryable);
    assert_int_equal(err.attempts, 1);
    assert_int_equal(requests_seen(), 1);
    assert_int_equal(rec.n, 0);
    assert_int_equal(ev_aws_client_retry(c)->quota_available, 500);
    /* Same for 403 and 404-class codes. */
    script("[{\"status\":403,\"type\":\"AccessDeniedException\"},{\"status\":400,\"type\":"
           "\"ResourceNotFoundException\"}]");
    assert_int_equal(list_tables(c, &err), -1);
    assert_int_equal(list_tables(c, &err), -1);
    assert_int_equal(requests_seen(), 3);
    assert_int_equal(rec.n, 0);
    ev_aws_client_free(c);
}

static void test_closed_connection_retried(void **state)
{
    (void)state;
    ev_aws_client *c = fault_client(EV_ENDPOINT_DYNAMODB, 0);
    script("[{\"close\":true},{\"status\":200}]");
    ev_aws_error err;
    ITEST_OK(list_tables(c, &err), &err);
    assert_int_equal(err.attempts, 2);
    assert_int_equal(requests_seen(), 2);
    assert_int_equal(rec.n, 1);
    /* A fresh client: on a reused keep-alive connection curl itself resends
     * once when the server closes it unanswered (a stale connection), which
     * would hide one close from the count. */
    ev_aws_client_free(c);
    c = fault_client(EV_ENDPOINT_DYNAMODB, 0);
    script("[{\"close\":true},{\"close\":true},{\"close\":true}]");
    assert_int_equal(list_tables(c, &err), -1);
    assert_int_equal(requests_seen(), 5);
    assert_int_equal(err.kind, EV_AWS_ERR_TRANSPORT);
    assert_false(err.timeout);
    assert_int_equal(err.attempts, 3);
    ev_aws_client_free(c);
}

static void test_timeouts_retried_and_cost_more(void **state)
{
    (void)state;
    ev_aws_client *c = fault_client(EV_ENDPOINT_DYNAMODB, 300);
    script("[{\"sleep_ms\":1200},{\"sleep_ms\":1200},{\"sleep_ms\":1200}]");
    ev_aws_error err;
    assert_int_equal(list_tables(c, &err), -1);
    assert_int_equal(err.kind, EV_AWS_ERR_TRANSPORT);
    assert_true(err.timeout);
    assert_string_equal(err.code, "RequestTimeout");
    assert_int_equal(err.attempts, 3);
    /* The backoffs went through the recording clock: nothing slept. */
    assert_int_equal(rec.n, 2);
    assert_int_equal(ev_aws_client_retry(c)->quota_available, 500 - 2 * 10);
    /* A slow answer within the timeout is fine. */
    script("[{\"sleep_ms\":100,\"status\":200}]");
    ITEST_OK(list_tables(c, &err), &err);
    ev_aws_client_free(c);
}

static void test_quota_stops_retries(void **state)
{
    (void)state;
    ev_aws_client *c = fault_client(EV_ENDPOINT_DYNAMODB, 0);
    ev_retry *r = ev_aws_client_retry(c);
    r->quota_available = 7;
    script("[{\"status\":500},{\"status\":500},{\"status\":500}]");
    ev_aws_error err;
    assert_int_equal(list_tables(c, &err), -1);
    assert_int_equal(err.attempts, 2);
    assert_non_null(strstr(err.message, "quota"));
    assert_int_equal(requests_seen(), 2);
    assert_int_equal(r->quota_available, 2);
    assert_int_equal(r->quota_refusals, 1);
    /* With the bucket empty a failing service gets one request per call. */
    script("[{\"status\":503},{\"status\":503}]");
    assert_int_equal(list_tables(c, &err), -1);
    assert_int_equal(list_tables(c, &err), -1);
    assert_int_equal(requests_seen(), 4); /* 2, then 1 and 1 */
    ev_aws_client_free(c);
}

static void test_quota_refills_on_success(void **state)
{
    (void)state;
    ev_aws_client *c = fault_client(EV_ENDPOINT_DYNAMODB, 0);
    ev_retry *r = ev_aws_client_retry(c);
    r->quota_available = 3;
    ev_aws_error err;
    for (int i = 0; i < 4; i++)
        ITEST_OK(list_tables(c, &err), &err);
    assert_int_equal(r->quota_available, 7);
    ev_aws_client_free(c);
}

static void test_connection_refused_retried(void **state)
{
    (void)state;
    /* A port nothing listens on: bind one, read its number, close it. */
    ev_credentials creds = {"AKIDFAULT", "secret", NULL};
    ev_aws_client_config cfg = {.service = EV_ENDPOINT_DYNAMODB,
                                .region = "us-east-1",
                                .endpoint_url = "http://127.0.0.1:9",
                                .credentials = &creds};
    ev_aws_error err;
    ev_aws_client *c = ev_aws_client_new(&cfg, &err);
    ev_retry_set_clock(ev_aws_client_retry(c), record_sleep, &rec);
    ev_retry_set_random(ev_aws_client_retry(c), half, NULL);
    assert_int_equal(list_tables(c, &err), -1);
    assert_int_equal(err.kind, EV_AWS_ERR_TRANSPORT);
    assert_int_equal(err.attempts, 3);
    assert_int_equal(rec.n, 2);
    assert_int_equal(err.curl_code, 7); /* COULDNT_CONNECT: transient, retried */
    assert_true(err.retryable);
    ev_aws_client_free(c);
}

static void test_oversized_response_not_retried(void **state)
{
    (void)state;
    ev_credentials creds = {"AKIDFAULT", "secret", NULL};
    ev_aws_client_config cfg = {.service = EV_ENDPOINT_DYNAMODB,
                                .region = "us-east-1",
                                .endpoint_url = endpoint,
                                .credentials = &creds,
                                .http = {.max_response_bytes = 64}};
    ev_aws_error err;
    ev_aws_client *c = ev_aws_client_new(&cfg, &err);
    assert_non_null(c);
    ev_retry_set_clock(ev_aws_client_retry(c), record_sleep, &rec);
    ev_retry_set_random(ev_aws_client_retry(c), half, NULL);
    script("[{\"status\":200,\"body\":{\"TableNames\":["
           "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
           "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"]}},{\"status\":200},{\"status\":200}]");
    assert_int_equal(list_tables(c, &err), -1);
    assert_int_equal(err.kind, EV_AWS_ERR_TRANSPORT);
    assert_int_equal(err.curl_code, 23);
    assert_string_equal(err.code, "ResponseTooLarge");
    assert_false(err.retryable);
    assert_int_equal(err.attempts, 1);
    assert_int_equal(requests_seen(), 1);
    assert_int_equal(rec.n, 0);
    assert_int_equal(ev_aws_client_retry(c)->quota_available, 500);
    ev_aws_client_free(c);
}

/* Without a caller's token TransactWriteItems makes one per call and sends
 * it on every attempt: a retry after a timeout is then applied once. */
static void test_transact_token_same_on_every_attempt(void **state)
{
    (void)state;
    ev_aws_client *c = fault_client(EV_ENDPOINT_DYNAMODB, 300);
    script("[{\"sleep_ms\":800},{\"status\":500},{\"status\":200}]");
    ev_aws_error err;
    const char *items = "[{\"Put\":{\"TableName\":\"t\",\"Item\":{\"pk\":{\"S\":\"1\"}}}}]";
    ITEST_OK(ev_dynamodb_transact_write_items(c, items, NULL, NULL, &err), &err);
    assert_int_equal(err.attempts, 3);
    /* A second call gets a new token. */
    ITEST_OK(ev_dynamodb_transact_write_items(c, items, NULL, NULL, &err), &err);
    cJSON *log = control_call("/_control/log", "GET", NULL);
    assert_int_equal(cJSON_GetArraySize(log), 4);
    char first[64] = "";
    for (int i = 0; i < 4; i++) {
        cJSON *body = cJSON_Parse(cJSON_GetObjectItem(cJSON_GetArrayItem(log, i), "body")->valuestring);
        const cJSON *tok = cJSON_GetObjectItem(body, "ClientRequestToken");
        assert_true(cJSON_IsString(tok));
        const char *t = tok->valuestring;
        assert_int_equal(strlen(t), 36);
        assert_int_equal(t[14], '4');
        assert_true(t[8] == '-' && t[13] == '-' && t[18] == '-' && t[23] == '-');
        if (i == 0)
            snprintf(first, sizeof first, "%s", t);
        else if (i < 3)
            assert_string_equal(t, first);
        else
            assert_string_not_equal(t, first);
        cJSON_Delete(body);
    }
    cJSON_Delete(log);
    /* A caller's token is sent as given. */
    ITEST_OK(ev_dynamodb_transact_write_items(c, items, "caller-token-1", NULL, &err), &err);
    log = control_call("/_control/log", "GET", NULL);
    assert_non_null(strstr(cJSON_GetObjectItem(cJSON_GetArrayItem(log, 4), "body")->valuestring,
                           "\"ClientRequestToken\":\"caller-token-1\""));
    cJSON_Delete(log);
    ev_aws_client_free(c);
}

/* A signature-mismatch answer quotes the canonical request it expected,
 * x-amz-security-token included: neither the message nor the body kept for
 * the caller may hold the session token or the secret key. */
#define FAULT_TOKEN  "IQoJb3JpZ2luX2VjEFAKE/TOKEN+abc=="
#define FAULT_SECRET "wJalrXUtnFEMI/FAKESECRET"
static void test_secrets_redacted_from_service_errors(void **state)
{
    (void)state;
    ev_credentials creds = {"ASIAFAULT", FAULT_SECRET, FAULT_TOKEN};
    ev_aws_client_config cfg = {.service = EV_ENDPOINT_DYNAMODB,
                                .region = "us-east-1",
                                .endpoint_url = endpoint,
                                .credentials = &creds};
    ev_aws_error err;
    ev_aws_client *c = ev_aws_client_new(&cfg, &err);
    assert_non_null(c);
    script(
        "[{\"status\":400,\"type\":\"InvalidSignatureException\",\"message\":\"The request signature we "
        "calculated does not match the signature you provided. Check your AWS Secret Access Key and signing "
        "method. Consult the service documentation for details.\\n\\nThe Canonical String for this request "
        "should have been\\n'POST\\n/\\n\\nhost:127.0.0.1\\nx-amz-date:20240101T000000Z\\n"
        "x-amz-security-token:" FAULT_TOKEN "\\n\\nhost;x-amz-date;x-amz-security-token\\ne3b0'\\n\\n"
        "The String-to-Sign should have been\\n'AWS4-HMAC-SHA256...'\"}]");
    ev_buf out = EV_BUF_INIT;
    assert_int_equal(ev_aws_client_call(c, "ListTables", "{}", 2, 0, &out, &err), -1);
    assert_string_equal(err.code, "InvalidSignatureException");
    assert_non_null(strstr(err.message, "does not match"));
    assert_null(strstr(err.message, "Canonical String"));
    assert_null(strstr(err.message, "IQoJb3JpZ2lu"));
    assert_non_null(out.data);
    assert_null(strstr(out.data, "IQoJb3JpZ2lu"));
    assert_non_null(strstr(out.data, "x-amz-security-token:<redacted>"));

    /* An XML answer quoting both, before any "Canonical String". */
    script(
        "[{\"status\":403,\"raw\":\"<ErrorResponse><Error><Code>SignatureDoesNotMatch</Code><Message>token "
        "" FAULT_TOKEN " key " FAULT_SECRET " end</Message></Error></ErrorResponse>\"}]");
    assert_int_equal(ev_aws_client_call(c, "ListTables", "{}", 2, 0, &out, &err), -1);
    assert_string_equal(err.code, "SignatureDoesNotMatch");
    assert_string_equal(err.message, "token <redacted> key <redacted> end");
    assert_null(strstr(out.data, "IQoJb3JpZ2lu"));
    assert_null(strstr(out.data, "FAKESECRET"));

    /* A long message truncated in the middle of the token: no prefix left. */
    char big[1400];
    int n = snprintf(big, sizeof big, "[{\"status\":400,\"type\":\"X\",\"message\":\"%0500d %s\"}]", 0,
                     FAULT_TOKEN);
    assert_true(n > 0 && (size_t)n < sizeof big);
    script(big);
    assert_int_equal(ev_aws_client_call(c, "ListTables", "{}", 2, 0, &out, &err), -1);
    assert_null(strstr(err.message, "IQoJ"));
    ev_buf_free(&out);
    ev_aws_client_free(c);
}

/* An emulator's one-letter secret must not break the parse of an answer:
 * "__type" once came back as "__t<redacted>pe" and the duplicate was no
 * longer recognised. A long secret that happens to occur in the answer is
 * redacted in what is shown, never in the code. */
static void test_redaction_never_changes_the_parse(void **state)
{
    (void)state;
    const char *secrets[] = {"y", "e", "test", "ConditionalCheckFailedException"};
    for (size_t i = 0; i < sizeof secrets / sizeof secrets[0]; i++) {
        ev_credentials creds = {"AKIDFAULT", (char *)secrets[i], NULL};
        ev_aws_client_config cfg = {.service = EV_ENDPOINT_DYNAMODB,
                                    .region = "us-east-1",
                                    .endpoint_url = endpoint,
                                    .credentials = &creds};
        ev_aws_error err;
        ev_aws_client *c = ev_aws_client_new(&cfg, &err);
        assert_non_null(c);
        script("[{\"status\":400,\"type\":\"ConditionalCheckFailedException\",\"message\":\"The "
               "conditional request failed: ConditionalCheckFailedException\"}]");
        ev_buf out = EV_BUF_INIT;
        assert_int_equal(ev_aws_client_call(c, "PutItem", "{}", 2, 0, &out, &err), -1);
        assert_true(ev_aws_error_is(&err, "ConditionalCheckFailedException"));
        assert_int_equal(err.http_status, 400);
        assert_false(err.retryable);
        if (strlen(secrets[i]) < EV_AWS_REDACT_MIN_SECRET) {
            assert_string_equal(err.message,
                                "The conditional request failed: ConditionalCheckFailedException");
            assert_non_null(strstr(out.data, "\"__type\""));
        } else {
            assert_string_equal(err.message, "The conditional request failed: <redacted>");
            assert_null(strstr(out.data, secrets[i]));
        }
        ev_buf_free(&out);
        ev_aws_client_free(c);
    }
}

/* Response headers over curl's limits come back the same way every time:
 * not transient (curl says RECV_ERROR, 56, for many lines and OUT_OF_MEMORY,
 * 27, for one huge line), not an out-of-memory error. */
static void test_oversized_headers_not_retried(void **state)
{
    (void)state;
    ev_aws_client *c = fault_client(EV_ENDPOINT_DYNAMODB, 0);
    script("[{\"filler_headers\":3100},{\"filler_headers\":3100},{\"status\":200}]");
    ev_aws_error err;
    assert_int_equal(list_tables(c, &err), -1);
    assert_int_equal(err.kind, EV_AWS_ERR_TRANSPORT);
    assert_int_equal(err.curl_code, 56);
    assert_string_equal(err.code, "ResponseHeadersTooLarge");
    assert_false(err.retryable);
    assert_int_equal(err.attempts, 1);
    assert_int_equal(requests_seen(), 1);
    ev_aws_client_free(c);

    c = fault_client(EV_ENDPOINT_DYNAMODB, 0);
    cJSON_Delete(control_call("/_control/reset", "POST", ""));
    size_t big = 200000;
    char *json = malloc(big + 64);
    assert_non_null(json);
    int n = snprintf(json, big + 64, "[{\"headers\":{\"X-Big\":\"%0*d\"}}]", (int)big, 0);
    assert_true(n > 0);
    script(json);
    free(json);
    assert_int_equal(list_tables(c, &err), -1);
    assert_int_equal(err.kind, EV_AWS_ERR_TRANSPORT);
    assert_string_equal(err.code, "ResponseHeadersTooLarge");
    assert_false(err.retryable);
    assert_int_equal(err.attempts, 1);
    assert_int_equal(requests_seen(), 1);
    ev_aws_client_free(c);
}

/* Without a body the error is named by x-amzn-ErrorType. */
static void test_error_type_header_without_body(void **state)
{
    (void)state;
    ev_aws_client *c = fault_client(EV_ENDPOINT_DYNAMODB, 0);
    script(
        "[{\"status\":400,\"empty\":true,\"headers\":{\"x-amzn-ErrorType\":"
        "\"ConditionalCheckFailedException:http://internal.amazon.com/coral/com.amazon.coral.validate/\"}}]");
    ev_aws_error err;
    assert_int_equal(list_tables(c, &err), -1);
    assert_true(ev_aws_error_is(&err, "ConditionalCheckFailedException"));
    assert_false(err.retryable);
    /* A throttling code there is retried like one in a body. */
    script("[{\"status\":400,\"empty\":true,\"headers\":{\"x-amzn-ErrorType\":\"ThrottlingException\"}},"
           "{\"status\":200}]");
    ITEST_OK(list_tables(c, &err), &err);
    assert_int_equal(err.attempts, 2);
    ev_aws_client_free(c);
}

/* SQS answers KmsThrottled when KMS throttles an SSE-KMS queue's key. */
static void test_kms_throttled_retried(void **state)
{
    (void)state;
    ev_aws_client *c = fault_client(EV_ENDPOINT_SQS, 0);
    script("[{\"status\":400,\"type\":\"KmsThrottled\",\"message\":\"KMS "
           "throttled\"},{\"sqs_send_echo\":true}]");
    ev_sqs_outgoing msg = {.body = "m", .body_len = 1, .delay_seconds = -1};
    ev_sqs_sent sent;
    ev_aws_error err;
    ITEST_OK(ev_sqs_send_message(c, "q", &msg, &sent, &err), &err);
    assert_int_equal(err.attempts, 2);
    assert_int_equal(rec.n, 1);
    ev_aws_client_free(c);
}

/* DynamoDB's x-amz-crc32 is checked: a damaged answer is retried. Other
 * services' answers are not checked. */
static void test_crc32_mismatch_retried(void **state)
{
    (void)state;
    ev_aws_client *c = fault_client(EV_ENDPOINT_DYNAMODB, 0);
    script("[{\"status\":200,\"body\":{\"TableNames\":[\"a\"]},\"crc32\":\"bad\"},"
           "{\"status\":200,\"body\":{\"TableNames\":[\"a\"]},\"crc32\":\"good\"}]");
    ev_aws_error err;
    ITEST_OK(list_tables(c, &err), &err);
    assert_int_equal(err.attempts, 2);
    /* An error answer is checked too, and a mismatch every time fails. */
    script("[{\"status\":400,\"type\":\"ValidationException\",\"crc32\":\"bad\"},"
           "{\"status\":200,\"crc32\":\"bad\"},{\"status\":200,\"crc32\":\"bad\"}]");
    assert_int_equal(list_tables(c, &err), -1);
    assert_int_equal(err.kind, EV_AWS_ERR_INTEGRITY);
    assert_string_equal(err.code, "CRC32CheckFailed");
    assert_int_equal(err.attempts, 3);
    assert_non_null(strstr(err.message, "x-amz-crc32"));
    ev_aws_client_free(c);

    c = fault_client(EV_ENDPOINT_SQS, 0);
    script("[{\"status\":200,\"body\":{\"QueueUrl\":\"http://q\"},\"crc32\":\"bad\"}]");
    char url[EV_SQS_URL_MAX];
    ITEST_OK(ev_sqs_get_queue_url(c, "q", url, sizeof url, &err), &err);
    assert_int_equal(err.attempts, 1);
    ev_aws_client_free(c);
}

/* The X-Amz-Date of logged request i, as seconds since the epoch. */
static time_t logged_amz_date(const cJSON *log, int i)
{
    const cJSON *h;
    cJSON_ArrayForEach(h, cJSON_GetObjectItem(cJSON_GetArrayItem(log, i), "headers"))
    {
        if (strcasecmp(cJSON_GetArrayItem(h, 0)->valuestring, "X-Amz-Date") == 0) {
            time_t t = 0;
            assert_int_equal(ev_sigv4_parse_amz_date(cJSON_GetArrayItem(h, 1)->valuestring, &t, NULL), 0);
            return t;
        }
    }
    fail_msg("request %d has no X-Amz-Date", i);
    return 0;
}

/* A clock-skew answer: the clock is corrected from the answer's Date and
 * the call retried once at once; later calls sign with the corrected clock. */
static void test_clock_skew_corrected_once(void **state)
{
    (void)state;
    ev_aws_client *c = fault_client(EV_ENDPOINT_DYNAMODB, 0);
    script("[{\"status\":400,\"type\":\"InvalidSignatureException\",\"message\":\"Signature expired: "
           "20240101T000000Z is now earlier than 20240101T000500Z (20240101T001000Z - 5 min.)\","
           "\"date_offset_s\":7200},{\"status\":200}]");
    ev_aws_error err;
    time_t before = time(NULL);
    ITEST_OK(list_tables(c, &err), &err);
    assert_int_equal(err.attempts, 2);
    assert_int_equal(rec.n, 0); /* no backoff */
    ITEST_OK(list_tables(c, &err), &err);
    time_t after = time(NULL);
    cJSON *log = control_call("/_control/log", "GET", NULL);
    assert_int_equal(cJSON_GetArraySize(log), 3);
    time_t first = logged_amz_date(log, 0), second = logged_amz_date(log, 1), third = logged_amz_date(log, 2);
    assert_true(first >= before && first <= after);
    assert_true(second >= before + 7200 && second <= after + 7200);
    assert_true(third >= before + 7200 && third <= after + 7200);
    cJSON_Delete(log);
    assert_int_equal(ev_aws_client_retry(c)->quota_available, 500);

    /* Once per call: a second skew answer is the call's answer. */
    script("[{\"status\":400,\"type\":\"RequestTimeTooSkewed\",\"date_offset_s\":-600},"
           "{\"status\":400,\"type\":\"RequestTimeTooSkewed\",\"date_offset_s\":-600}]");
    assert_int_equal(list_tables(c, &err), -1);
    assert_string_equal(err.code, "RequestTimeTooSkewed");
    assert_int_equal(err.attempts, 2);
    /* A signature mismatch that is not about time is not retried. */
    script("[{\"status\":403,\"type\":\"SignatureDoesNotMatch\",\"message\":\"The request signature we "
           "calculated does not match\"},{\"status\":200}]");
    assert_int_equal(list_tables(c, &err), -1);
    assert_int_equal(err.attempts, 1);
    assert_int_equal(requests_seen(), 6);
    ev_aws_client_free(c);
}

/* ---- the invocation deadline ------------------------------------------ */

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Slow answers and a short deadline: the call gives up at the deadline
 * (minus the margin) instead of waiting for the answer or retrying, single
 * and batched. The server sleeps 8 s, so without the deadline the call
 * would take three times that. */
static void test_deadline_cuts_slow_answers(void **state)
{
    (void)state;
    ev_aws_client *c = fault_client(EV_ENDPOINT_DYNAMODB, 0);
    ev_retry_set_clock(ev_aws_client_retry(c), NULL, NULL); /* real sleeps */
    script("[{\"sleep_ms\":8000},{\"sleep_ms\":8000},{\"sleep_ms\":8000}]");
    int64_t deadline = wall_ms() + 1500;
    ev_aws_client_set_deadline(c, deadline);
    ev_aws_client_set_deadline_margin(c, 300);
    assert_int_equal(ev_aws_client_deadline(c), deadline);
    ev_aws_error err;
    assert_int_equal(list_tables(c, &err), -1);
    assert_true(wall_ms() < deadline);
    assert_true(ev_aws_error_is_deadline(&err));
    assert_string_equal(err.code, "DeadlineExceeded");
    assert_true(err.timeout);
    assert_false(err.retryable);
    assert_int_equal(err.attempts, 1);
    assert_non_null(strstr(err.message, "cut at the deadline"));
    assert_int_equal(requests_seen(), 1);

    /* call_many: every call stops at the same deadline. */
    cJSON_Delete(control_call("/_control/reset", "POST", ""));
    script("[{\"sleep_ms\":8000},{\"sleep_ms\":8000},{\"sleep_ms\":8000},{\"sleep_ms\":8000}]");
    deadline = wall_ms() + 1500;
    ev_aws_client_set_deadline(c, deadline);
    ev_aws_call calls[4];
    for (int i = 0; i < 4; i++) {
        calls[i] = (ev_aws_call){.operation = "ListTables", .body = "{}", .body_len = 2};
        ev_buf_init(&calls[i].response);
    }
    assert_int_equal(ev_aws_client_call_many(c, calls, 4, &err), -1);
    assert_true(wall_ms() < deadline);
    for (int i = 0; i < 4; i++) {
        assert_true(ev_aws_error_is_deadline(&calls[i].error));
        assert_int_equal(calls[i].error.attempts, 1);
        ev_buf_free(&calls[i].response);
    }
    /* Deadline cleared: calls take their normal course again. */
    ev_aws_client_set_deadline(c, 0);
    cJSON_Delete(control_call("/_control/reset", "POST", ""));
    ITEST_OK(list_tables(c, &err), &err);
    ev_aws_client_free(c);
}

/* A fake clock that the recorded backoffs move forward. */
typedef struct fake_clock {
    int64_t now_ms;
} fake_clock;

static fake_clock fclock;

static int64_t fake_now(void *ctx)
{
    return ((fake_clock *)ctx)->now_ms;
}

static void advance_sleep(void *ctx, uint32_t ms)
{
    record_sleep(&rec, ms);
    ((fake_clock *)ctx)->now_ms += ms;
}

static ev_aws_client *fake_clock_client(int64_t deadline_in_ms)
{
    ev_aws_client *c = fault_client(EV_ENDPOINT_DYNAMODB, 0);
    fclock.now_ms = wall_ms(); /* signatures are dated by this clock too */
    ev_retry_set_now(ev_aws_client_retry(c), fake_now, &fclock);
    ev_retry_set_clock(ev_aws_client_retry(c), advance_sleep, &fclock);
    ev_aws_client_set_deadline(c, fclock.now_ms + deadline_in_ms);
    return c;
}

/* A retry whose backoff would end past the deadline is not made: the call
 * fails with the deadline error naming the last attempt's. */
static void test_deadline_skips_late_retry(void **state)
{
    (void)state;
    /* 1200 ms, margin 100: the first backoff (500) fits, the second (1000) does not. */
    ev_aws_client *c = fake_clock_client(1200);
    script("[{\"status\":500,\"type\":\"InternalServerError\"},{\"status\":503,\"type\":"
           "\"ServiceUnavailable\",\"message\":\"busy\"},{\"status\":200}]");
    ev_aws_error err;
    assert_int_equal(list_tables(c, &err), -1);
    assert_true(ev_aws_error_is_deadline(&err));
    assert_int_equal(err.attempts, 2);
    assert_int_equal(err.http_status, 503);
    assert_non_null(strstr(err.message, "retry after 1000 ms"));
    assert_non_null(strstr(err.message, "ServiceUnavailable (HTTP 503): busy"));
    assert_int_equal(rec.n, 1);
    assert_int_equal(requests_seen(), 2);
    /* The refused retry took no quota: one retry (5) taken, none refunded. */
    assert_int_equal(ev_aws_client_retry(c)->quota_available, 495);
    cJSON_Delete(control_call("/_control/reset", "POST", ""));

    /* Past the deadline already: nothing is sent. */
    memset(&rec, 0, sizeof rec);
    ev_aws_client_set_deadline(c, fclock.now_ms + 50); /* inside the 100 ms margin */
    assert_int_equal(list_tables(c, &err), -1);
    assert_true(ev_aws_error_is_deadline(&err));
    assert_int_equal(err.attempts, 0);
    assert_non_null(strstr(err.message, "no time left to send"));
    assert_int_equal(requests_seen(), 0);
    ev_aws_client_free(c);
}

/* BatchWriteItem rounds keep to the deadline too: the leftovers come back. */
static void test_deadline_stops_batch_write_rounds(void **state)
{
    (void)state;
    ev_aws_client *c = fake_clock_client(1200);
    script("[{\"status\":200,\"body\":{\"UnprocessedItems\":{\"t\":[{\"PutRequest\":{\"Item\":{\"pk\":{\"S\":"
           "\"2\"}}}}]}}},"
           "{\"status\":200,\"body\":{\"UnprocessedItems\":{\"t\":[{\"PutRequest\":{\"Item\":{\"pk\":{\"S\":"
           "\"2\"}}}}]}}}]");
    cJSON *left = NULL;
    ev_aws_error err;
    assert_int_equal(
        ev_dynamodb_batch_write_item(c,
                                     "{\"t\":[{\"PutRequest\":{\"Item\":{\"pk\":{\"S\":\"1\"}}}},"
                                     "{\"PutRequest\":{\"Item\":{\"pk\":{\"S\":\"2\"}}}}]}",
                                     0, &left, &err),
        -1);
    assert_true(ev_aws_error_is_deadline(&err));
    assert_non_null(left);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(left, "t")), 1);
    cJSON_Delete(left);
    assert_int_equal(requests_seen(), 2);
    ev_aws_client_free(c);
}

/* Conditional puts ride the client's retries and deadline: throttled
 * answers are retried together, and a deadline stops the batch with typed
 * failures. */
static void test_conditional_puts_retry_and_deadline(void **state)
{
    (void)state;
    ev_aws_client *c = fake_clock_client(5000);
    ev_dynamodb_conditional_put puts[3];
    for (int i = 0; i < 3; i++)
        puts[i] = (ev_dynamodb_conditional_put){.item_json = "{\"pk\":{\"S\":\"x\"}}",
                                                .key_json = "{\"pk\":{\"S\":\"x\"}}",
                                                .condition_expression = "attribute_not_exists(pk)"};
    script("[{\"status\":400,\"type\":\"ThrottlingException\"},{\"status\":400,\"type\":"
           "\"ThrottlingException\"},"
           "{\"status\":400,\"type\":\"ThrottlingException\"},{\"status\":200},{\"status\":200},{\"status\":"
           "200}]");
    ev_aws_error err;
    ITEST_OK(ev_dynamodb_put_conditional_many(c, "t", puts, 3, &err), &err);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(puts[i].outcome, EV_DYNAMODB_PUT_WRITTEN);
        assert_int_equal(puts[i].error.attempts, 2);
    }
    assert_int_equal(rec.n, 1);
    cJSON *log = control_call("/_control/log", "GET", NULL);
    const char *body = cJSON_GetObjectItem(cJSON_GetArrayItem(log, 0), "body")->valuestring;
    assert_non_null(strstr(body, "\"ReturnValuesOnConditionCheckFailure\":\"ALL_OLD\""));
    cJSON_Delete(log);

    /* 5xx until past the deadline: typed deadline failures, not overruns. */
    cJSON_Delete(control_call("/_control/reset", "POST", ""));
    ev_aws_client_set_deadline(c, fclock.now_ms + 1200);
    script("[{\"status\":500},{\"status\":500},{\"status\":500},{\"status\":500},{\"status\":500},"
           "{\"status\":500}]");
    assert_int_equal(ev_dynamodb_put_conditional_many(c, "t", puts, 3, &err), -1);
    assert_true(ev_aws_error_is_deadline(&err));
    for (int i = 0; i < 3; i++) {
        assert_int_equal(puts[i].outcome, EV_DYNAMODB_PUT_FAILED);
        assert_true(ev_aws_error_is_deadline(&puts[i].error));
    }
    assert_int_equal(requests_seen(), 6);
    ev_aws_client_free(c);
}

/* The item in a ConditionalCheckFailedException is compared as received:
 * a value that happens to equal the secret key is not redacted into a
 * false conflict. */
static void test_conditional_put_compares_the_raw_answer(void **state)
{
    (void)state;
    const char *secret = "same-hash-and-secret-0123456789";
    ev_credentials creds = {"AKIDFAULT", (char *)secret, NULL};
    ev_aws_client_config cfg = {.service = EV_ENDPOINT_DYNAMODB,
                                .region = "us-east-1",
                                .endpoint_url = endpoint,
                                .credentials = &creds};
    ev_aws_error err;
    ev_aws_client *c = ev_aws_client_new(&cfg, &err);
    assert_non_null(c);
    script(
        "[{\"status\":400,\"raw\":\"{\\\"__type\\\":\\\"x#ConditionalCheckFailedException\\\",\\\"Item\\\":"
        "{\\\"pk\\\":{\\\"S\\\":\\\"k\\\"},\\\"h\\\":{\\\"S\\\":\\\"same-hash-and-secret-0123456789\\\"}}}\"}"
        "]");
    ev_dynamodb_conditional_put put = {.item_json = "{\"pk\":{\"S\":\"k\"}}",
                                       .key_json = "{\"pk\":{\"S\":\"k\"}}",
                                       .condition_expression = "attribute_not_exists(pk)",
                                       .same_attribute = "h",
                                       .same_value = secret};
    ITEST_OK(ev_dynamodb_put_conditional_many(c, "t", &put, 1, &err), &err);
    assert_int_equal(put.outcome, EV_DYNAMODB_PUT_DUPLICATE);
    assert_false(put.checked_by_get);
    assert_int_equal(requests_seen(), 1);
    ev_aws_client_free(c);
}

static void test_concurrent_calls_retry_together(void **state)
{
    (void)state;
    ev_aws_client *c = fault_client(EV_ENDPOINT_DYNAMODB, 0);
    script("[{\"status\":500},{\"status\":500},{\"status\":500},{\"status\":500}]");
    ev_aws_call calls[6];
    for (int i = 0; i < 6; i++) {
        calls[i] = (ev_aws_call){.operation = "ListTables", .body = "{}", .body_len = 2};
        ev_buf_init(&calls[i].response);
    }
    ev_aws_error err;
    ITEST_OK(ev_aws_client_call_many(c, calls, 6, &err), &err);
    int retried = 0;
    for (int i = 0; i < 6; i++) {
        assert_int_equal(calls[i].status, 0);
        retried += calls[i].error.attempts == 2;
        ev_buf_free(&calls[i].response);
    }
    assert_int_equal(retried, 4);
    assert_int_equal(requests_seen(), 10);
    /* One backoff for the round, not one per call. */
    assert_int_equal(rec.n, 1);
    assert_int_equal(rec.delays[0], 500);
    ev_aws_client_free(c);
}

static void test_batch_write_unprocessed_resent(void **state)
{
    (void)state;
    ev_aws_client *c = fault_client(EV_ENDPOINT_DYNAMODB, 0);
    script("[{\"status\":200,\"body\":{\"UnprocessedItems\":{\"t\":[{\"PutRequest\":{\"Item\":{\"pk\":{\"S\":"
           "\"2\"}}}}]}}},"
           "{\"status\":200,\"body\":{\"UnprocessedItems\":{\"t\":[{\"PutRequest\":{\"Item\":{\"pk\":{\"S\":"
           "\"2\"}}}}]}}},"
           "{\"status\":200,\"body\":{\"UnprocessedItems\":{}}}]");
    ev_aws_error err;
    ITEST_OK(ev_dynamodb_batch_write_item(c,
                                          "{\"t\":[{\"PutRequest\":{\"Item\":{\"pk\":{\"S\":\"1\"}}}},"
                                          "{\"PutRequest\":{\"Item\":{\"pk\":{\"S\":\"2\"}}}}]}",
                                          0, NULL, &err),
             &err);
    assert_int_equal(rec.n, 2);
    assert_int_equal(rec.delays[0], 500);
    assert_int_equal(rec.delays[1], 1000);
    cJSON *log = control_call("/_control/log", "GET", NULL);
    assert_int_equal(cJSON_GetArraySize(log), 3);
    const char *second = cJSON_GetObjectItem(cJSON_GetArrayItem(log, 1), "body")->valuestring;
    assert_null(strstr(second, "\"S\":\"1\""));
    assert_non_null(strstr(second, "\"S\":\"2\""));
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(log, 1), "target")->valuestring,
                        "DynamoDB_20120810.BatchWriteItem");
    cJSON_Delete(log);

    /* Still unprocessed after max_rounds: partial failure with the leftovers. */
    script("[{\"status\":200,\"body\":{\"UnprocessedItems\":{\"t\":[{\"PutRequest\":{\"Item\":{\"pk\":{\"S\":"
           "\"9\"}}}}]}}},"
           "{\"status\":200,\"body\":{\"UnprocessedItems\":{\"t\":[{\"PutRequest\":{\"Item\":{\"pk\":{\"S\":"
           "\"9\"}}}}]}}}]");
    cJSON *left = NULL;
    assert_int_equal(ev_dynamodb_batch_write_item(
                         c, "{\"t\":[{\"PutRequest\":{\"Item\":{\"pk\":{\"S\":\"9\"}}}}]}", 2, &left, &err),
                     -1);
    assert_int_equal(err.kind, EV_AWS_ERR_PARTIAL);
    assert_non_null(left);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(left, "t")), 1);
    cJSON_Delete(left);
    ev_aws_client_free(c);
}

static void test_sqs_trace_header_and_md5_on_send(void **state)
{
    (void)state;
    ev_aws_client *c = fault_client(EV_ENDPOINT_SQS, 0);
    const char *trace = "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1";
    const unsigned char bin[] = {1, 2, 3, 0, 255};
    ev_sqs_message_attribute attrs[] = {{"zeta", "String", "last", NULL, 0},
                                        {"alpha", "Number", "1.5", NULL, 0},
                                        {"blob", "Binary", NULL, bin, sizeof bin}};
    ev_sqs_outgoing msg = {.body = "payload",
                           .body_len = 7,
                           .delay_seconds = -1,
                           .attributes = attrs,
                           .attribute_count = 3,
                           .trace_header = trace};
    /* The server computes the three MD5s with its own implementation. */
    script("[{\"sqs_send_echo\":true}]");
    ev_aws_error err;
    ev_sqs_sent sent;
    ITEST_OK(ev_sqs_send_message(c, "http://sqs.unresolvable.invalid/000000000000/q", &msg, &sent, &err),
             &err);
    assert_string_equal(sent.message_id, "fault-msg");
    cJSON *log = control_call("/_control/log", "GET", NULL);
    const cJSON *entry = cJSON_GetArrayItem(log, 0);
    assert_string_equal(cJSON_GetObjectItem(entry, "target")->valuestring, "AmazonSQS.SendMessage");
    assert_non_null(
        strstr(cJSON_GetObjectItem(entry, "authorization")->valuestring, "/us-east-1/sqs/aws4_request"));
    cJSON *body = cJSON_Parse(cJSON_GetObjectItem(entry, "body")->valuestring);
    const cJSON *th =
        cJSON_GetObjectItem(cJSON_GetObjectItem(body, "MessageSystemAttributes"), "AWSTraceHeader");
    assert_string_equal(cJSON_GetObjectItem(th, "StringValue")->valuestring, trace);
    assert_string_equal(cJSON_GetObjectItem(body, "QueueUrl")->valuestring,
                        "http://sqs.unresolvable.invalid/000000000000/q");
    cJSON_Delete(body);
    cJSON_Delete(log);

    /* A wrong MD5 from the service is an integrity error, not retried. */
    script("[{\"sqs_send_echo\":true,\"override\":{\"MD5OfMessageAttributes\":"
           "\"00000000000000000000000000000000\"}}]");
    assert_int_equal(ev_sqs_send_message(c, "q", &msg, &sent, &err), -1);
    assert_int_equal(err.kind, EV_AWS_ERR_INTEGRITY);
    script("[{\"sqs_send_echo\":true,\"override\":{\"MD5OfMessageSystemAttributes\":\"0\"}}]");
    assert_int_equal(ev_sqs_send_message(c, "q", &msg, &sent, &err), -1);
    assert_int_equal(err.kind, EV_AWS_ERR_INTEGRITY);
    assert_int_equal(requests_seen(), 3);
    ev_aws_client_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_5xx_retried_with_backoff, setup_each),
        cmocka_unit_test_setup(test_gives_up_after_three_attempts, setup_each),
        cmocka_unit_test_setup(test_throttling_codes_retried, setup_each),
        cmocka_unit_test_setup(test_client_error_never_retried, setup_each),
        cmocka_unit_test_setup(test_closed_connection_retried, setup_each),
        cmocka_unit_test_setup(test_timeouts_retried_and_cost_more, setup_each),
        cmocka_unit_test_setup(test_quota_stops_retries, setup_each),
        cmocka_unit_test_setup(test_quota_refills_on_success, setup_each),
        cmocka_unit_test_setup(test_connection_refused_retried, setup_each),
        cmocka_unit_test_setup(test_oversized_response_not_retried, setup_each),
        cmocka_unit_test_setup(test_transact_token_same_on_every_attempt, setup_each),
        cmocka_unit_test_setup(test_secrets_redacted_from_service_errors, setup_each),
        cmocka_unit_test_setup(test_redaction_never_changes_the_parse, setup_each),
        cmocka_unit_test_setup(test_oversized_headers_not_retried, setup_each),
        cmocka_unit_test_setup(test_error_type_header_without_body, setup_each),
        cmocka_unit_test_setup(test_kms_throttled_retried, setup_each),
        cmocka_unit_test_setup(test_crc32_mismatch_retried, setup_each),
        cmocka_unit_test_setup(test_clock_skew_corrected_once, setup_each),
        cmocka_unit_test_setup(test_deadline_cuts_slow_answers, setup_each),
        cmocka_unit_test_setup(test_deadline_skips_late_retry, setup_each),
        cmocka_unit_test_setup(test_deadline_stops_batch_write_rounds, setup_each),
        cmocka_unit_test_setup(test_conditional_puts_retry_and_deadline, setup_each),
        cmocka_unit_test_setup(test_conditional_put_compares_the_raw_answer, setup_each),
        cmocka_unit_test_setup(test_concurrent_calls_retry_together, setup_each),
        cmocka_unit_test_setup(test_batch_write_unprocessed_resent, setup_each),
        cmocka_unit_test_setup(test_sqs_trace_header_and_md5_on_send, setup_each),
    };
    int rc = cmocka_run_group_tests_name("itest_faults", tests, setup_group, teardown_group);
    ev_http_global_cleanup();
    return rc;
}
