/* ev_sqs without network: the MD5 algorithms, request building, limits and
 * ReceiveMessage parsing with MD5 verification. Expected MD5s come from the
 * independent Python implementation in tests/integration/fault_server.py. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aws/ev_sqs.h"

static const unsigned char bin[] = {0x00, 0x01, 0xfe, 0xff, 'x'};

static void test_md5_of_attributes(void **state)
{
    (void)state;
    /* Deliberately unsorted: the algorithm sorts by name. */
    ev_sqs_message_attribute attrs[] = {
        {"tenant", "String", "acme", NULL, 0},
        {"count", "Number", "42", NULL, 0},
        {"blob", "Binary", NULL, bin, sizeof bin},
    };
    char md5[33];
    ev_aws_error err;
    assert_int_equal(ev_sqs_md5_of_attributes(attrs, 3, md5, &err), 0);
    assert_string_equal(md5, "74b723736a83b2813a36abc98207b440");
    ev_sqs_message_attribute trace = {"AWSTraceHeader", "String",
                                      "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1", NULL, 0};
    assert_int_equal(ev_sqs_md5_of_attributes(&trace, 1, md5, &err), 0);
    assert_string_equal(md5, "5f48eef650c1d0207456969c85af2fdd");
    ev_sqs_md5_hex("hello world", 11, md5);
    assert_string_equal(md5, "5eb63bbbe01eeed093cb22bb8f5acdc3");
}

static void test_build_send_request(void **state)
{
    (void)state;
    ev_sqs_message_attribute attrs[] = {{"blob", "Binary", NULL, bin, sizeof bin},
                                        {"n", "Number", "1", NULL, 0}};
    ev_sqs_outgoing msg = {.body = "b\"ody",
                           .body_len = 5,
                           .delay_seconds = 3,
                           .attributes = attrs,
                           .attribute_count = 2,
                           .trace_header = "Root=1-a",
                           .message_group_id = "g"};
    ev_buf out = EV_BUF_INIT;
    ev_aws_error err;
    assert_int_equal(ev_sqs_build_send_request("http://sqs.us-east-1.localhost:1/0/q", &msg, 0, &out, &err),
                     0);
    cJSON *j = cJSON_Parse(out.data);
    assert_non_null(j);
    assert_string_equal(cJSON_GetObjectItem(j, "QueueUrl")->valuestring,
                        "http://sqs.us-east-1.localhost:1/0/q");
    assert_string_equal(cJSON_GetObjectItem(j, "MessageBody")->valuestring, "b\"ody");
    assert_int_equal(cJSON_GetObjectItem(j, "DelaySeconds")->valueint, 3);
    assert_string_equal(cJSON_GetObjectItem(j, "MessageGroupId")->valuestring, "g");
    const cJSON *ma = cJSON_GetObjectItem(j, "MessageAttributes");
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(ma, "blob"), "BinaryValue")->valuestring,
                        "AAH+/3g=");
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(ma, "n"), "StringValue")->valuestring, "1");
    const cJSON *th =
        cJSON_GetObjectItem(cJSON_GetObjectItem(j, "MessageSystemAttributes"), "AWSTraceHeader");
    assert_string_equal(cJSON_GetObjectItem(th, "DataType")->valuestring, "String");
    assert_string_equal(cJSON_GetObjectItem(th, "StringValue")->valuestring, "Root=1-a");
    cJSON_Delete(j);
    /* Optional fields absent when unset. */
    ev_sqs_outgoing plain = {.body = "x", .body_len = 1, .delay_seconds = -1};
    assert_int_equal(ev_sqs_build_send_request("q", &plain, 0, &out, &err), 0);
    assert_string_equal(out.data, "{\"QueueUrl\":\"q\",\"MessageBody\":\"x\"}");
    ev_buf_free(&out);
}

static void test_limits(void **state)
{
    (void)state;
    ev_buf out = EV_BUF_INIT;
    ev_aws_error err;
    char *big = malloc(EV_SQS_MAX_MESSAGE_BYTES + 1);
    memset(big, 'a', EV_SQS_MAX_MESSAGE_BYTES + 1);
    ev_sqs_outgoing msg = {.body = big, .body_len = EV_SQS_MAX_MESSAGE_BYTES, .delay_seconds = -1};
    assert_int_equal(ev_sqs_message_size(&msg), EV_SQS_MAX_MESSAGE_BYTES);
    assert_int_equal(ev_sqs_build_send_request("q", &msg, 0, &out, &err), 0);
    msg.body_len++;
    assert_int_equal(ev_sqs_build_send_request("q", &msg, 0, &out, &err), -1);
    assert_string_equal(err.code, "MessageTooLong");
    ev_sqs_message_attribute a = {"name", "String", "value", NULL, 0};
    msg.body_len = EV_SQS_MAX_MESSAGE_BYTES - 14;
    msg.attributes = &a;
    msg.attribute_count = 1;
    assert_int_equal(ev_sqs_message_size(&msg), EV_SQS_MAX_MESSAGE_BYTES + 1);
    assert_int_equal(ev_sqs_build_send_request("q", &msg, 0, &out, &err), -1);
    free(big);
    ev_sqs_outgoing empty = {.body = "", .body_len = 0, .delay_seconds = -1};
    assert_int_equal(ev_sqs_build_send_request("q", &empty, 0, &out, &err), -1);
    assert_int_equal(err.kind, EV_AWS_ERR_INVALID);
    ev_sqs_outgoing nul = {.body = "a\0b", .body_len = 3, .delay_seconds = -1};
    assert_int_equal(ev_sqs_build_send_request("q", &nul, 0, &out, &err), -1);
    ev_sqs_message_attribute many[11];
    for (int i = 0; i < 11; i++)
        many[i] = a;
    ev_sqs_outgoing m = {
        .body = "x", .body_len = 1, .delay_seconds = -1, .attributes = many, .attribute_count = 11};
    assert_int_equal(ev_sqs_build_send_request("q", &m, 0, &out, &err), -1);
    ev_buf_free(&out);
}

static const char *good_receive =
    "{\"Messages\":[{\"MessageId\":\"m1\",\"ReceiptHandle\":\"r1\",\"MD5OfBody\":"
    "\"5eb63bbbe01eeed093cb22bb8f5acdc3\","
    "\"Body\":\"hello "
    "world\",\"Attributes\":{\"ApproximateReceiveCount\":\"2\",\"AWSTraceHeader\":\"Root=1-x\"},"
    "\"MD5OfMessageAttributes\":\"74b723736a83b2813a36abc98207b440\",\"MessageAttributes\":{"
    "\"tenant\":{\"DataType\":\"String\",\"StringValue\":\"acme\"},"
    "\"count\":{\"DataType\":\"Number\",\"StringValue\":\"42\"},"
    "\"blob\":{\"DataType\":\"Binary\",\"BinaryValue\":\"AAH+/3g=\"}}},"
    "{\"MessageId\":\"m2\",\"ReceiptHandle\":\"r2\",\"MD5OfBody\":\"5eb63bbbe01eeed093cb22bb8f5acdc3\","
    "\"Body\":\"hello world\"}]}";

static void test_parse_receive(void **state)
{
    (void)state;
    ev_sqs_messages m = EV_SQS_MESSAGES_INIT;
    ev_aws_error err;
    assert_int_equal(ev_sqs_parse_receive_response(good_receive, strlen(good_receive), &m, &err), 0);
    assert_int_equal(m.count, 2);
    assert_string_equal(m.items[0].body, "hello world");
    assert_string_equal(m.items[0].receipt_handle, "r1");
    assert_string_equal(ev_sqs_message_system_attribute(&m.items[0], "ApproximateReceiveCount"), "2");
    assert_string_equal(ev_sqs_message_system_attribute(&m.items[0], "AWSTraceHeader"), "Root=1-x");
    const ev_sqs_message_attribute *b = ev_sqs_message_find_attribute(&m.items[0], "blob");
    assert_int_equal(b->binary_len, sizeof bin);
    assert_memory_equal(b->binary_value, bin, sizeof bin);
    assert_null(ev_sqs_message_find_attribute(&m.items[0], "none"));
    assert_null(ev_sqs_message_system_attribute(&m.items[1], "AWSTraceHeader"));
    ev_sqs_messages_free(&m);
    assert_int_equal(ev_sqs_parse_receive_response("{}", 2, &m, &err), 0);
    assert_int_equal(m.count, 0);
}

static void test_parse_receive_detects_corruption(void **state)
{
    (void)state;
    ev_sqs_messages m = EV_SQS_MESSAGES_INIT;
    ev_aws_error err;
    char *bad = strdup(good_receive);
    /* Body changed in transit. */
    char *p = strstr(bad, "\"Body\":\"hello world\"");
    p[8] = 'j';
    assert_int_equal(ev_sqs_parse_receive_response(bad, strlen(bad), &m, &err), -1);
    assert_int_equal(err.kind, EV_AWS_ERR_INTEGRITY);
    assert_string_equal(err.code, "MD5Mismatch");
    assert_null(m.items);
    free(bad);
    /* An attribute value changed. */
    bad = strdup(good_receive);
    p = strstr(bad, "\"acme\"");
    p[1] = 'A';
    assert_int_equal(ev_sqs_parse_receive_response(bad, strlen(bad), &m, &err), -1);
    assert_int_equal(err.kind, EV_AWS_ERR_INTEGRITY);
    free(bad);
    assert_int_equal(ev_sqs_parse_receive_response("nope", 4, &m, &err), -1);
    assert_int_equal(err.kind, EV_AWS_ERR_PARSE);
    const char *no_handle = "{\"Messages\":[{\"MessageId\":\"m\",\"Body\":\"x\"}]}";
    assert_int_equal(ev_sqs_parse_receive_response(no_handle, strlen(no_handle), &m, &err), -1);
}

/* A faulty or hostile answer that reports an entry twice must fail it, never
 * let the second report (here: success) hide the first. */
static void test_batch_response_duplicates_and_gaps(void **state)
{
    (void)state;
    cJSON *resp = cJSON_Parse("{\"Successful\":[{\"Id\":\"0\"},{\"Id\":\"0\"}],"
                              "\"Failed\":[{\"Id\":\"1\",\"Code\":\"X\",\"SenderFault\":true},"
                              "{\"Id\":\"1\",\"Code\":\"Y\"}]}");
    assert_non_null(resp);
    ev_sqs_batch_entry results[3];
    memset(results, 0, sizeof results);
    ev_aws_error err;
    ev_aws_error_clear(&err);
    assert_int_equal(ev_sqs_parse_batch_response("DeleteMessageBatch", resp, 3, results, NULL, &err), -1);
    assert_false(results[0].ok);
    assert_string_equal(results[0].code, "DuplicateResult");
    assert_false(results[1].ok);
    assert_string_equal(results[1].code, "DuplicateResult");
    assert_false(results[2].ok);
    assert_string_equal(results[2].code, "MissingResult");
    assert_int_equal(err.kind, EV_AWS_ERR_PARTIAL);
    cJSON_Delete(resp);

    resp = cJSON_Parse("{\"Successful\":[{\"Id\":\"1\"},{\"Id\":\"0\"}]}");
    memset(results, 0, sizeof results);
    assert_int_equal(ev_sqs_parse_batch_response("DeleteMessageBatch", resp, 2, results, NULL, &err), 0);
    assert_true(results[0].ok && results[1].ok);
    cJSON_Delete(resp);
}

static void test_duplicate_attribute_names_refused(void **state)
{
    (void)state;
    ev_sqs_message_attribute attrs[] = {
        {"a", "String", "1", NULL, 0}, {"b", "String", "2", NULL, 0}, {"a", "Number", "3", NULL, 0}};
    ev_sqs_outgoing msg = {
        .body = "x", .body_len = 1, .delay_seconds = -1, .attributes = attrs, .attribute_count = 3};
    ev_buf out = EV_BUF_INIT;
    ev_aws_error err;
    assert_int_equal(ev_sqs_build_send_request("q", &msg, 0, &out, &err), -1);
    assert_int_equal(err.kind, EV_AWS_ERR_INVALID);
    assert_non_null(strstr(err.message, "duplicate"));
    msg.attribute_count = 2;
    assert_int_equal(ev_sqs_build_send_request("q", &msg, 0, &out, &err), 0);
    ev_buf_free(&out);
}

/* The limit is a setting: the queue's MaximumMessageSize, passed by the
 * template in SQS_MAX_MESSAGE_BYTES; the check follows the same value. */
static void test_size_limit_is_a_setting(void **state)
{
    (void)state;
    size_t limit = 0;
    ev_aws_error err;
    unsetenv(EV_SQS_MAX_MESSAGE_BYTES_ENV);
    assert_int_equal(ev_sqs_max_message_bytes_from_env(&limit, &err), 0);
    assert_int_equal(limit, 262144);
    setenv(EV_SQS_MAX_MESSAGE_BYTES_ENV, "", 1);
    assert_int_equal(ev_sqs_max_message_bytes_from_env(&limit, &err), 0);
    assert_int_equal(limit, 262144);
    setenv(EV_SQS_MAX_MESSAGE_BYTES_ENV, "2048", 1);
    assert_int_equal(ev_sqs_max_message_bytes_from_env(&limit, &err), 0);
    assert_int_equal(limit, 2048);
    setenv(EV_SQS_MAX_MESSAGE_BYTES_ENV, "1048576", 1);
    assert_int_equal(ev_sqs_max_message_bytes_from_env(&limit, &err), 0);
    assert_int_equal(limit, 1048576);
    const char *bad[] = {"1023", "1048577", "256k", "-2048", " 2048", "99999999999999999999999", "0x800"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        setenv(EV_SQS_MAX_MESSAGE_BYTES_ENV, bad[i], 1);
        if (ev_sqs_max_message_bytes_from_env(&limit, &err) != -1)
            fail_msg("accepted SQS_MAX_MESSAGE_BYTES=%s", bad[i]);
        assert_string_equal(err.code, "InvalidConfiguration");
        assert_non_null(strstr(err.message, "SQS_MAX_MESSAGE_BYTES"));
    }
    unsetenv(EV_SQS_MAX_MESSAGE_BYTES_ENV);

    char body[2100];
    memset(body, 'b', sizeof body);
    ev_sqs_outgoing msg = {.body = body, .body_len = 2048, .delay_seconds = -1};
    ev_buf out = EV_BUF_INIT;
    assert_int_equal(ev_sqs_build_send_request("q", &msg, 2048, &out, &err), 0);
    msg.body_len = 2049;
    assert_int_equal(ev_sqs_build_send_request("q", &msg, 2048, &out, &err), -1);
    assert_string_equal(err.code, "MessageTooLong");
    assert_non_null(strstr(err.message, "at most 2048"));
    assert_int_equal(ev_sqs_build_send_request("q", &msg, 0, &out, &err), 0);
    ev_buf_free(&out);

    /* A client takes the setting, within SQS's range. */
    ev_credentials creds = {"AKIDTEST", "secret-secret", NULL};
    ev_aws_client_config cfg = {.service = EV_ENDPOINT_SQS,
                                .region = "us-east-1",
                                .endpoint_url = "http://127.0.0.1:9",
                                .credentials = &creds,
                                .sqs_max_message_bytes = 2048};
    ev_aws_client *c = ev_aws_client_new(&cfg, &err);
    assert_non_null(c);
    assert_int_equal(ev_aws_client_sqs_max_message_bytes(c), 2048);
    /* Refused before anything is sent (nothing listens on port 9 anyway). */
    assert_int_equal(ev_sqs_send_message(c, "q", &msg, NULL, &err), -1);
    assert_string_equal(err.code, "MessageTooLong");
    assert_int_equal(ev_aws_client_set_sqs_max_message_bytes(c, 100, &err), -1);
    assert_int_equal(ev_aws_client_sqs_max_message_bytes(c), 2048);
    ev_aws_client_free(c);
    cfg.sqs_max_message_bytes = 2000000;
    assert_null(ev_aws_client_new(&cfg, &err));
    assert_string_equal(err.code, "InvalidConfiguration");
    cfg.sqs_max_message_bytes = 0;
    c = ev_aws_client_new(&cfg, &err);
    assert_int_equal(ev_aws_client_sqs_max_message_bytes(c), EV_SQS_MAX_MESSAGE_BYTES);
    ev_aws_client_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_md5_of_attributes),
        cmocka_unit_test(test_build_send_request),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_size_limit_is_a_setting),
        cmocka_unit_test(test_duplicate_attribute_names_refused),
        cmocka_unit_test(test_parse_receive),
        cmocka_unit_test(test_parse_receive_detects_corruption),
        cmocka_unit_test(test_batch_response_duplicates_and_gaps),
    };
    return cmocka_run_group_tests_name("aws_sqs", tests, NULL, NULL);
}
