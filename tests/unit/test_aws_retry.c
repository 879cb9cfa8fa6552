/* ev_retry: standard-mode classification, full-jitter backoff, retry quota. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "aws/ev_http.h"
#include "aws/ev_retry.h"

typedef struct rec {
    uint32_t delays[16];
    int n;
} rec;

static void record(void *ctx, uint32_t ms)
{
    rec *r = ctx;
    if (r->n < 16)
        r->delays[r->n++] = ms;
}

static double fixed(void *ctx)
{
    return *(double *)ctx;
}

static ev_aws_error service(long status, const char *code)
{
    ev_aws_error e;
    ev_aws_error_from_response(&e, "dynamodb", status, NULL, 0, NULL, NULL, NULL);
    if (code)
        snprintf(e.code, sizeof e.code, "%s", code);
    return e;
}

static void test_defaults(void **state)
{
    (void)state;
    ev_retry r;
    ev_retry_init(&r);
    assert_int_equal(r.max_attempts, 3);
    assert_int_equal(r.base_delay_ms, 1000);
    assert_int_equal(r.max_backoff_ms, 20000);
    assert_int_equal(r.quota_available, 500);
    /* The default random source stays in [0, 1): delays never exceed the cap. */
    for (int i = 0; i < 1000; i++) {
        assert_true(ev_retry_delay_ms(&r, 1) < 1000);
        assert_true(ev_retry_delay_ms(&r, 30) < 20000);
    }
}

static void test_backoff_full_jitter_and_cap(void **state)
{
    (void)state;
    ev_retry r;
    ev_retry_init(&r);
    double u = 0.999;
    ev_retry_set_random(&r, fixed, &u);
    const uint32_t want[] = {999, 1998, 3996, 7992, 15984, 19980, 19980};
    for (int i = 0; i < 7; i++)
        assert_int_equal(ev_retry_delay_ms(&r, i + 1), want[i]);
    u = 0.0;
    assert_int_equal(ev_retry_delay_ms(&r, 5), 0);
    u = 0.5;
    r.base_delay_ms = 100;
    assert_int_equal(ev_retry_delay_ms(&r, 1), 50);
    assert_int_equal(ev_retry_delay_ms(&r, 3), 200);
    /* Huge retry numbers do not overflow. */
    assert_int_equal(ev_retry_delay_ms(&r, 1000), 10000);
}

static ev_aws_error transport(int curl_code)
{
    ev_http_response resp;
    ev_http_response_init(&resp);
    resp.curl_code = curl_code;
    resp.timed_out = curl_code == 28;
    ev_aws_error e;
    ev_http_transport_error(&resp, &e);
    ev_http_response_free(&resp);
    return e;
}

/* Only transient transport failures are retried: a certificate, CA-file,
 * URL, protocol or size-limit failure fails the same way every time. */
static void test_transport_allow_list(void **state)
{
    (void)state;
    const int transient[] = {5, 6, 7, 16, 18, 28, 35, 52, 55, 56, 92, 95, 96};
    for (size_t i = 0; i < sizeof transient / sizeof *transient; i++) {
        ev_aws_error e = transport(transient[i]);
        assert_int_equal(e.kind, EV_AWS_ERR_TRANSPORT);
        assert_true(e.retryable);
        assert_true(ev_retry_is_retryable(&e));
    }
    const int permanent[] = {1, 3, 23, 51, 58, 60, 77, 80, 83, 90, 91, 98};
    for (size_t i = 0; i < sizeof permanent / sizeof *permanent; i++) {
        ev_aws_error e = transport(permanent[i]);
        assert_int_equal(e.kind, EV_AWS_ERR_TRANSPORT);
        assert_false(e.retryable);
        assert_false(ev_retry_is_retryable(&e));
        ev_retry r;
        ev_retry_init(&r);
        ev_retry_call call;
        ev_retry_call_begin(&call);
        uint32_t delay = 0;
        assert_false(ev_retry_call_next(&r, &call, &e, &delay));
        assert_int_equal(r.quota_available, 500);
    }
}

static void test_classification(void **state)
{
    (void)state;
    const char *throttles[] = {"Throttling",
                               "ThrottlingException",
                               "ThrottledException",
                               "RequestThrottledException",
                               "TooManyRequestsException",
                               "ProvisionedThroughputExceededException",
                               "TransactionInProgressException",
                               "RequestLimitExceeded",
                               "BandwidthLimitExceeded",
                               "LimitExceededException",
                               "RequestThrottled",
                               "SlowDown",
                               "PriorRequestNotComplete",
                               "EC2ThrottledException"};
    for (size_t i = 0; i < sizeof throttles / sizeof *throttles; i++) {
        ev_aws_error e = service(400, throttles[i]);
        assert_true(ev_retry_is_retryable(&e));
        assert_true(ev_aws_error_is_throttling_code(throttles[i]));
    }
    const char *transient[] = {"RequestTimeout", "RequestTimeoutException", "InternalError"};
    for (size_t i = 0; i < 3; i++) {
        ev_aws_error e = service(400, transient[i]);
        assert_true(ev_retry_is_retryable(&e));
    }
    const long statuses[] = {500, 502, 503, 504, 429};
    for (size_t i = 0; i < 5; i++) {
        ev_aws_error e = service(statuses[i], "Whatever");
        assert_true(ev_retry_is_retryable(&e));
    }
    const char *client[] = {"ValidationException",   "ConditionalCheckFailedException",
                            "AccessDeniedException", "ResourceNotFoundException",
                            "QueueDoesNotExist",     "SerializationException"};
    for (size_t i = 0; i < sizeof client / sizeof *client; i++) {
        ev_aws_error e = service(400, client[i]);
        assert_false(ev_retry_is_retryable(&e));
    }
    ev_aws_error e = service(501, "NotImplemented");
    assert_false(ev_retry_is_retryable(&e));
    ev_aws_error t;
    ev_aws_error_clear(&t);
    t.kind = EV_AWS_ERR_TRANSPORT;
    assert_false(ev_retry_is_retryable(&t)); /* transport: as ev_http_transport_error classified it */
    t.retryable = true;
    assert_true(ev_retry_is_retryable(&t));
    t.kind = EV_AWS_ERR_INVALID;
    assert_false(ev_retry_is_retryable(&t));
    t.kind = EV_AWS_ERR_INTEGRITY;
    assert_false(ev_retry_is_retryable(&t));
    assert_false(ev_retry_is_retryable(NULL));
}

static void test_call_flow_and_quota(void **state)
{
    (void)state;
    ev_retry r;
    ev_retry_init(&r);
    rec clock = {{0}, 0};
    double u = 0.5;
    ev_retry_set_clock(&r, record, &clock);
    ev_retry_set_random(&r, fixed, &u);

    /* Two failures then success: slept 500 and 1000, took 5+5, got the last 5 back. */
    ev_retry_call call;
    ev_retry_call_begin(&call);
    ev_aws_error e = service(500, NULL);
    assert_true(ev_retry_call_should_retry(&r, &call, &e));
    assert_true(ev_retry_call_should_retry(&r, &call, &e));
    ev_retry_call_succeeded(&r, &call);
    assert_int_equal(call.attempts, 3);
    assert_int_equal(clock.n, 2);
    assert_int_equal(clock.delays[0], 500);
    assert_int_equal(clock.delays[1], 1000);
    assert_int_equal(r.quota_available, 495);

    /* Third failure: max attempts, no sleep, no tokens. */
    ev_retry_call_begin(&call);
    assert_true(ev_retry_call_should_retry(&r, &call, &e));
    assert_true(ev_retry_call_should_retry(&r, &call, &e));
    assert_false(ev_retry_call_should_retry(&r, &call, &e));
    assert_int_equal(e.attempts, 3);
    assert_non_null(strstr(e.message, "max attempts"));
    assert_int_equal(r.quota_available, 485);

    /* Timeouts cost 10. */
    ev_retry_call_begin(&call);
    ev_aws_error to;
    ev_aws_error_clear(&to);
    to.kind = EV_AWS_ERR_TRANSPORT;
    to.timeout = true;
    to.retryable = true;
    assert_true(ev_retry_call_should_retry(&r, &call, &to));
    assert_int_equal(r.quota_available, 475);

    /* Client error: no retry, no tokens, no sleep. */
    int slept = clock.n;
    ev_retry_call_begin(&call);
    ev_aws_error ve = service(400, "ValidationException");
    assert_false(ev_retry_call_should_retry(&r, &call, &ve));
    assert_int_equal(clock.n, slept);
    assert_int_equal(r.quota_available, 475);

    /* Success without retry refunds 1, never above capacity. */
    ev_retry_call_begin(&call);
    ev_retry_call_succeeded(&r, &call);
    assert_int_equal(r.quota_available, 476);
    r.quota_available = 500;
    ev_retry_call_begin(&call);
    ev_retry_call_succeeded(&r, &call);
    assert_int_equal(r.quota_available, 500);

    /* An empty bucket stops retries at once. */
    r.quota_available = 4;
    ev_retry_call_begin(&call);
    e = service(503, NULL);
    assert_false(ev_retry_call_should_retry(&r, &call, &e));
    assert_non_null(strstr(e.message, "quota"));
    assert_int_equal(r.quota_refusals, 1);
    assert_int_equal(r.quota_available, 4);
}

static void test_drain_whole_bucket(void **state)
{
    (void)state;
    /* 500 tokens at 5 per retry: exactly 100 retries, then none, as the spec says. */
    ev_retry r;
    ev_retry_init(&r);
    rec clock = {{0}, 0};
    ev_retry_set_clock(&r, record, &clock);
    r.max_attempts = 1000;
    ev_retry_call call;
    ev_retry_call_begin(&call);
    ev_aws_error e = service(500, NULL);
    int retries = 0;
    while (ev_retry_call_should_retry(&r, &call, &e))
        retries++;
    assert_int_equal(retries, 100);
    assert_int_equal(r.quota_available, 0);
}

/* Additions to botocore's fixed lists, and the two other retry paths: a
 * damaged DynamoDB answer (integrity, retryable when marked so) and the
 * immediate retry after a clock correction (no quota, within attempts). */
static void test_additions_and_retry_now(void **state)
{
    (void)state;
    ev_aws_error kms = service(400, "KmsThrottled");
    assert_true(ev_retry_is_retryable(&kms));
    assert_true(ev_aws_error_is_throttling_code("KmsThrottled"));
    ev_aws_error rwc = service(400, "ReplicatedWriteConflictException");
    assert_true(ev_retry_is_retryable(&rwc));
    assert_false(ev_aws_error_is_throttling_code("ReplicatedWriteConflictException"));

    ev_aws_error crc;
    ev_aws_error_clear(&crc);
    ev_aws_error_set(&crc, EV_AWS_ERR_INTEGRITY, "CRC32CheckFailed", "x");
    assert_true(ev_retry_is_retryable(&crc));
    ev_aws_error_set(&crc, EV_AWS_ERR_INTEGRITY, "MD5Mismatch", "x");
    crc.retryable = true;
    assert_false(ev_retry_is_retryable(&crc));

    ev_retry r;
    ev_retry_init(&r);
    ev_retry_call call;
    ev_retry_call_begin(&call);
    ev_aws_error skew = service(400, "RequestTimeTooSkewed");
    assert_true(ev_retry_call_retry_now(&r, &call, &skew));
    assert_int_equal(skew.attempts, 1);
    assert_int_equal(r.quota_available, EV_RETRY_QUOTA_CAPACITY);
    assert_true(ev_retry_call_retry_now(&r, &call, &skew));
    assert_false(ev_retry_call_retry_now(&r, &call, &skew));
    assert_int_equal(skew.attempts, 3);
    assert_non_null(strstr(skew.message, "max attempts"));
}

static int64_t fake_now(void *ctx)
{
    return *(int64_t *)ctx;
}

/* The deadline, on the injected clock: time left, backoffs that fit, and a
 * refused retry turned into the deadline error (no quota taken). */
static void test_deadline(void **state)
{
    (void)state;
    ev_retry r;
    ev_retry_init(&r);
    int64_t now = 1700000000000;
    ev_retry_set_now(&r, fake_now, &now);
    double half = 0.5;
    ev_retry_set_random(&r, fixed, &half);
    assert_int_equal(ev_retry_now_ms(&r), now);
    assert_true(ev_retry_time_left_ms(&r) == INT64_MAX);
    assert_true(ev_retry_fits_deadline(&r, UINT32_MAX));

    r.deadline_ms = now + 1000; /* margin 100 by default */
    assert_int_equal(r.deadline_margin_ms, EV_RETRY_DEFAULT_DEADLINE_MARGIN_MS);
    assert_true(ev_retry_time_left_ms(&r) == 900);
    assert_true(ev_retry_fits_deadline(&r, 899));
    assert_false(ev_retry_fits_deadline(&r, 900));

    ev_retry_call call;
    ev_retry_call_begin(&call);
    ev_aws_error e = service(500, "InternalServerError");
    uint32_t delay = 0;
    assert_true(ev_retry_call_next(&r, &call, &e, &delay)); /* 500 ms fits in 900 */
    assert_int_equal(delay, 500);
    now += 500;
    e = service(500, "InternalServerError");
    assert_false(ev_retry_call_next(&r, &call, &e, &delay)); /* 1000 ms does not fit in 400 */
    assert_int_equal(e.kind, EV_AWS_ERR_DEADLINE);
    assert_true(ev_aws_error_is_deadline(&e));
    assert_string_equal(e.code, "DeadlineExceeded");
    assert_true(e.timeout);
    assert_false(e.retryable);
    assert_int_equal(e.attempts, 2);
    assert_int_equal(e.http_status, 500);
    assert_non_null(strstr(e.message, "InternalServerError (HTTP 500)"));
    assert_int_equal(r.quota_available, EV_RETRY_QUOTA_CAPACITY - EV_RETRY_COST);

    /* Back to the real clock. */
    ev_retry_set_now(&r, NULL, NULL);
    assert_true(ev_retry_now_ms(&r) > 1600000000000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_backoff_full_jitter_and_cap),
        cmocka_unit_test(test_classification),
        cmocka_unit_test(test_call_flow_and_quota),
        cmocka_unit_test(test_drain_whole_bucket),
        cmocka_unit_test(test_transport_allow_list),
        cmocka_unit_test(test_additions_and_retry_now),
        cmocka_unit_test(test_deadline),
    };
    return cmocka_run_group_tests_name("aws_retry", tests, NULL, NULL);
}
