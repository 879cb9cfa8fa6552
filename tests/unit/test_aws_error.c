/* ev_aws_error: parsing JSON-protocol (and XML) error answers into the typed error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aws/ev_aws_error.h"

static void parse(ev_aws_error *e, long status, const char *body, const char *query, const char *rid)
{
    ev_aws_error_from_response(e, "dynamodb", status, body, body ? strlen(body) : 0, query, NULL, rid);
}

static void test_dynamodb_type_namespace_stripped(void **state)
{
    (void)state;
    ev_aws_error e;
    parse(&e, 400,
          "{\"__type\":\"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException\","
          "\"message\":\"The conditional request failed\"}",
          NULL, "RID-1");
    assert_int_equal(e.kind, EV_AWS_ERR_SERVICE);
    assert_string_equal(e.service, "dynamodb");
    assert_string_equal(e.code, "ConditionalCheckFailedException");
    assert_string_equal(e.message, "The conditional request failed");
    assert_string_equal(e.request_id, "RID-1");
    assert_int_equal(e.http_status, 400);
    assert_false(e.retryable);
    assert_false(e.throttling);
    assert_true(ev_aws_error_is(&e, "ConditionalCheckFailedException"));
    assert_false(ev_aws_error_is(&e, "ValidationException"));
}

static void test_sqs_query_error_header(void **state)
{
    (void)state;
    ev_aws_error e;
    parse(&e, 400,
          "{\"__type\":\"com.amazonaws.sqs#QueueDoesNotExist\",\"message\":\"The specified queue does not "
          "exist.\"}",
          "AWS.SimpleQueueService.NonExistentQueue;Sender", NULL);
    assert_string_equal(e.code, "QueueDoesNotExist");
    assert_string_equal(e.query_code, "AWS.SimpleQueueService.NonExistentQueue");
    assert_string_equal(e.request_id, "");
    /* Header only (no __type): the header code is used. */
    parse(&e, 400, "", "AWS.SimpleQueueService.NonExistentQueue;Sender", NULL);
    assert_string_equal(e.code, "AWS.SimpleQueueService.NonExistentQueue");
}

static void test_message_capitalised_and_suffix(void **state)
{
    (void)state;
    ev_aws_error e;
    parse(&e, 400,
          "{\"__type\":\"ThrottlingException:http://internal.amazon.com/coral/\",\"Message\":\"Rate "
          "exceeded\"}",
          NULL, NULL);
    assert_string_equal(e.code, "ThrottlingException");
    assert_string_equal(e.message, "Rate exceeded");
    assert_true(e.retryable);
    assert_true(e.throttling);
}

static void test_status_fallbacks(void **state)
{
    (void)state;
    ev_aws_error e;
    parse(&e, 503, "<html>Service Unavailable</html>", NULL, NULL);
    assert_string_equal(e.code, "ServiceUnavailable");
    assert_string_equal(e.message, "<html>Service Unavailable</html>");
    assert_true(e.retryable);
    parse(&e, 500, NULL, NULL, NULL);
    assert_string_equal(e.code, "InternalError");
    assert_true(e.retryable);
    parse(&e, 429, "{}", NULL, NULL);
    assert_true(e.retryable);
    assert_true(e.throttling);
    parse(&e, 404, "not json", NULL, NULL);
    assert_string_equal(e.code, "NotFound");
    assert_false(e.retryable);
    parse(&e, 400, "{\"__type\":\"ValidationException\"}", NULL, NULL);
    assert_false(e.retryable);
    assert_string_equal(e.message, "");
}

static void test_xml_error_body(void **state)
{
    (void)state;
    ev_aws_error e;
    parse(&e, 403,
          "<?xml version=\"1.0\"?><ErrorResponse><Errors><Error><Code>SignatureDoesNotMatch</Code>"
          "<Message>The request signature we calculated does not "
          "match</Message></Error></Errors></ErrorResponse>",
          NULL, NULL);
    assert_string_equal(e.code, "SignatureDoesNotMatch");
    assert_string_equal(e.message, "The request signature we calculated does not match");
    assert_false(e.retryable);
}

static void test_truncation_and_format(void **state)
{
    (void)state;
    char body[4096];
    char longmsg[2000];
    memset(longmsg, 'm', sizeof longmsg - 1);
    longmsg[sizeof longmsg - 1] = '\0';
    snprintf(body, sizeof body, "{\"__type\":\"X\",\"message\":\"%s\"}", longmsg);
    ev_aws_error e;
    parse(&e, 400, body, NULL, "R");
    assert_int_equal(strlen(e.message), sizeof e.message - 1);
    char out[128];
    ev_aws_error_format(&e, out, sizeof out);
    assert_non_null(strstr(out, "dynamodb service error X (HTTP 400"));
    ev_aws_error_clear(&e);
    assert_string_equal(ev_aws_error_format(&e, out, sizeof out), "no error");
    assert_int_equal(ev_aws_error_set(&e, EV_AWS_ERR_INVALID, "Bad", "n=%d", 3), -1);
    assert_string_equal(e.code, "Bad");
    assert_string_equal(e.message, "n=3");
    assert_int_equal(ev_aws_error_set(NULL, EV_AWS_ERR_INVALID, "Bad", "x"), -1);
}

/* The redaction rule: secrets too short to be credentials are left alone
 * (an emulator's "y" must not turn "__type" into "__t<redacted>pe"); real
 * ones are replaced wherever they occur, in both JSON spellings. */
static void test_redaction_rule(void **state)
{
    (void)state;
    const char *text = "{\"__type\":\"x#ConditionalCheckFailedException\",\"message\":\"test yes\"}";
    const char *shorts[] = {"y", "e", "test", "1234567"};
    for (size_t i = 0; i < 4; i++) {
        size_t n = 0;
        char *r = ev_aws_redact(text, strlen(text), &shorts[i], 1, &n);
        assert_non_null(r);
        assert_string_equal(r, text);
        assert_int_equal(n, strlen(text));
        free(r);
    }
    const char *longs[] = {"wJalrXUtnFEMI/FAKESECRET", NULL, "12345678"};
    const char *body = "a wJalrXUtnFEMI/FAKESECRET b wJalrXUtnFEMI\\/FAKESECRET c 12345678 d";
    size_t n = 0;
    char *r = ev_aws_redact(body, strlen(body), longs, 3, &n);
    assert_string_equal(r, "a <redacted> b <redacted> c <redacted> d");
    free(r);

    /* ev_aws_error_redact: a short secret leaves the message whole. */
    ev_aws_error e;
    parse(&e, 400, "{\"__type\":\"ValidationException\",\"message\":\"type yes\"}", NULL, NULL);
    ev_aws_error_redact(&e, &shorts[0], 1);
    assert_string_equal(e.message, "type yes");
    assert_string_equal(e.code, "ValidationException");
}

/* x-amzn-ErrorType names the error when the body does not; the body wins
 * when it does. */
static void test_error_type_header(void **state)
{
    (void)state;
    ev_aws_error e;
    ev_aws_error_from_response(&e, "dynamodb", 400, NULL, 0, NULL,
                               "ConditionalCheckFailedException:http://internal.amazon.com/coral/", "R");
    assert_string_equal(e.code, "ConditionalCheckFailedException");
    assert_false(e.retryable);
    ev_aws_error_from_response(&e, "dynamodb", 400, "", 0, NULL, "ThrottlingException", NULL);
    assert_true(e.throttling);
    const char *body = "{\"__type\":\"x#ValidationException\"}";
    ev_aws_error_from_response(&e, "dynamodb", 400, body, strlen(body), NULL, "ThrottlingException", NULL);
    assert_string_equal(e.code, "ValidationException");
    /* Before the query error header, after the body. */
    ev_aws_error_from_response(&e, "sqs", 400, NULL, 0, "AWS.SimpleQueueService.NonExistentQueue;Sender",
                               "QueueDoesNotExist", NULL);
    assert_string_equal(e.code, "QueueDoesNotExist");
    assert_string_equal(e.query_code, "AWS.SimpleQueueService.NonExistentQueue");
}

static void test_clock_skew_answers(void **state)
{
    (void)state;
    ev_aws_error e;
    parse(&e, 403, "{\"__type\":\"RequestTimeTooSkewed\"}", NULL, NULL);
    assert_true(ev_aws_error_is_clock_skew(&e));
    parse(
        &e, 400,
        "{\"__type\":\"com.amazon.coral.service#InvalidSignatureException\",\"message\":\"Signature expired: "
        "20240101T000000Z is now earlier than 20240101T000500Z (20240101T001000Z - 5 min.)\"}",
        NULL, NULL);
    assert_true(ev_aws_error_is_clock_skew(&e));
    parse(&e, 403,
          "<ErrorResponse><Error><Code>SignatureDoesNotMatch</Code><Message>Signature not yet current: "
          "20300101T000000Z is still later than 20240101T001500Z</Message></Error></ErrorResponse>",
          NULL, NULL);
    assert_true(ev_aws_error_is_clock_skew(&e));
    parse(&e, 403,
          "{\"__type\":\"SignatureDoesNotMatch\",\"message\":\"The request signature we calculated\"}", NULL,
          NULL);
    assert_false(ev_aws_error_is_clock_skew(&e));
    assert_int_equal(ev_aws_error_set(&e, EV_AWS_ERR_INVALID, "RequestTimeTooSkewed", "local"), -1);
    assert_false(ev_aws_error_is_clock_skew(&e));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dynamodb_type_namespace_stripped),
        cmocka_unit_test(test_sqs_query_error_header),
        cmocka_unit_test(test_message_capitalised_and_suffix),
        cmocka_unit_test(test_status_fallbacks),
        cmocka_unit_test(test_xml_error_body),
        cmocka_unit_test(test_truncation_and_format),
        cmocka_unit_test(test_redaction_rule),
        cmocka_unit_test(test_error_type_header),
        cmocka_unit_test(test_clock_skew_answers),
    };
    return cmocka_run_group_tests_name("aws_error", tests, NULL, NULL);
}
