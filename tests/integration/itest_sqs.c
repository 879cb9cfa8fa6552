/*
 * SQS client against fauxqs (EV_ITEST_SQS_ENDPOINT): every operation, MD5
 * checks, message/system attributes, batches with per-entry failures, long
 * polling, visibility changes, redrive to a DLQ after 3 receives, the size
 * limit, connection reuse and concurrent calls.
 */
#include "itest_common.h"

#include "aws/ev_http.h"
#include "aws/ev_sqs.h"

static ev_aws_client *sqs;

static int setup(void **state)
{
    (void)state;
    sqs = itest_client(EV_ENDPOINT_SQS, itest_env("EV_ITEST_SQS_ENDPOINT"), "test", "test");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    ev_aws_client_free(sqs);
    return 0;
}

static void make_queue(const char *prefix, const ev_sqs_attr *attrs, size_t n, char *url, size_t url_len)
{
    char name[80];
    ev_aws_error err;
    itest_unique(name, sizeof name, prefix);
    ITEST_OK(ev_sqs_create_queue(sqs, name, attrs, n, url, url_len, &err), &err);
}

static void test_queue_lifecycle(void **state)
{
    (void)state;
    char name[80], url[EV_SQS_URL_MAX], url2[EV_SQS_URL_MAX];
    ev_aws_error err;
    itest_unique(name, sizeof name, "life");
    ev_sqs_attr attrs[] = {{"VisibilityTimeout", "17"}, {"MessageRetentionPeriod", "3600"}};
    ITEST_OK(ev_sqs_create_queue(sqs, name, attrs, 2, url, sizeof url, &err), &err);
    assert_non_null(strstr(url, name));
    ITEST_OK(ev_sqs_get_queue_url(sqs, name, url2, sizeof url2, &err), &err);
    assert_string_equal(url, url2);

    cJSON *got = NULL;
    const char *names[] = {"VisibilityTimeout", "QueueArn"};
    ITEST_OK(ev_sqs_get_queue_attributes(sqs, url, names, 2, &got, &err), &err);
    assert_string_equal(cJSON_GetObjectItem(got, "VisibilityTimeout")->valuestring, "17");
    assert_non_null(strstr(cJSON_GetObjectItem(got, "QueueArn")->valuestring, name));
    cJSON_Delete(got);

    ev_sqs_attr change[] = {{"VisibilityTimeout", "42"}};
    ITEST_OK(ev_sqs_set_queue_attributes(sqs, url, change, 1, &err), &err);
    ITEST_OK(ev_sqs_get_queue_attributes(sqs, url, NULL, 0, &got, &err), &err);
    assert_string_equal(cJSON_GetObjectItem(got, "VisibilityTimeout")->valuestring, "42");
    cJSON_Delete(got);

    ITEST_OK(ev_sqs_delete_queue(sqs, url, &err), &err);
    assert_int_equal(ev_sqs_get_queue_url(sqs, name, url2, sizeof url2, &err), -1);
}

static void test_missing_queue_is_typed_error(void **state)
{
    (void)state;
    char url[EV_SQS_URL_MAX];
    ev_aws_error err;
    assert_int_equal(ev_sqs_get_queue_url(sqs, "no-such-queue-evpipe", url, sizeof url, &err), -1);
    assert_int_equal(err.kind, EV_AWS_ERR_SERVICE);
    assert_int_equal(err.http_status, 400);
    assert_string_equal(err.service, "sqs");
    assert_string_equal(err.code, "QueueDoesNotExist");
    assert_string_equal(err.query_code, "AWS.SimpleQueueService.NonExistentQueue");
    assert_true(strlen(err.message) > 0);
    assert_true(strlen(err.request_id) > 0);
    assert_false(err.retryable);
    assert_int_equal(err.attempts, 1);
}

static void test_send_receive_attributes(void **state)
{
    (void)state;
    char url[EV_SQS_URL_MAX];
    ev_aws_error err;
    make_queue("attrs", NULL, 0, url, sizeof url);
    const unsigned char bin[] = {0x00, 0x01, 0xfe, 0xff, 'x'};
    ev_sqs_message_attribute attrs[] = {
        {"tenant", "String", "acme", NULL, 0},
        {"count", "Number", "42", NULL, 0},
        {"blob", "Binary", NULL, bin, sizeof bin},
        {"kind", "String.custom", "order", NULL, 0},
    };
    const char *body = "{\"event\":\"order.created\",\"id\":\"\xc3\xa9t\xc3\xa9\"}";
    ev_sqs_outgoing msg = {.body = body,
                           .body_len = strlen(body),
                           .delay_seconds = -1,
                           .attributes = attrs,
                           .attribute_count = 4,
                           .trace_header = "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1"};
    ev_sqs_sent sent;
    ITEST_OK(ev_sqs_send_message(sqs, url, &msg, &sent, &err), &err);
    assert_true(strlen(sent.message_id) > 0);

    const char *all[] = {"All"};
    ev_sqs_receive_input in = {.queue_url = url,
                               .max_messages = 10,
                               .wait_time_seconds = 1,
                               .visibility_timeout = 30,
                               .attribute_names = all,
                               .attribute_name_count = 1,
                               .message_attribute_names = all,
                               .message_attribute_name_count = 1};
    ev_sqs_messages got = EV_SQS_MESSAGES_INIT;
    ITEST_OK(ev_sqs_receive_message(sqs, &in, &got, &err), &err);
    assert_int_equal(got.count, 1);
    ev_sqs_message *m = &got.items[0];
    assert_string_equal(m->message_id, sent.message_id);
    assert_string_equal(m->body, body);
    assert_string_equal(ev_sqs_message_system_attribute(m, "ApproximateReceiveCount"), "1");
    assert_int_equal(m->message_attribute_count, 4);
    assert_string_equal(ev_sqs_message_find_attribute(m, "tenant")->string_value, "acme");
    assert_string_equal(ev_sqs_message_find_attribute(m, "count")->data_type, "Number");
    const ev_sqs_message_attribute *b = ev_sqs_message_find_attribute(m, "blob");
    assert_int_equal(b->binary_len, sizeof bin);
    assert_memory_equal(b->binary_value, bin, sizeof bin);
    ITEST_OK(ev_sqs_delete_message(sqs, url, m->receipt_handle, &err), &err);
    ev_sqs_messages_free(&got);

    in.wait_time_seconds = 0;
    ITEST_OK(ev_sqs_receive_message(sqs, &in, &got, &err), &err);
    assert_int_equal(got.count, 0);
    ev_sqs_delete_queue(sqs, url, &err);
}

static void test_batches_report_entries(void **state)
{
    (void)state;
    char url[EV_SQS_URL_MAX];
    ev_aws_error err;
    make_queue("batch", NULL, 0, url, sizeof url);
    ev_sqs_outgoing msgs[3];
    const char *bodies[] = {"one", "two", "three"};
    for (int i = 0; i < 3; i++)
        msgs[i] = (ev_sqs_outgoing){.body = bodies[i], .body_len = strlen(bodies[i]), .delay_seconds = -1};
    ev_sqs_batch_entry res[10];
    ITEST_OK(ev_sqs_send_message_batch(sqs, url, msgs, 3, res, &err), &err);
    for (int i = 0; i < 3; i++) {
        assert_true(res[i].ok);
        assert_true(strlen(res[i].sent.message_id) > 0);
    }

    ev_sqs_receive_input in = {
        .queue_url = url, .max_messages = 10, .wait_time_seconds = 1, .visibility_timeout = 60};
    ev_sqs_messages got = EV_SQS_MESSAGES_INIT;
    size_t total = 0;
    const char *handles[4];
    ev_sqs_messages keep[3] = {EV_SQS_MESSAGES_INIT, EV_SQS_MESSAGES_INIT, EV_SQS_MESSAGES_INIT};
    for (int round = 0; round < 3 && total < 3; round++) {
        ITEST_OK(ev_sqs_receive_message(sqs, &in, &got, &err), &err);
        for (size_t i = 0; i < got.count; i++)
            handles[total++] = got.items[i].receipt_handle;
        keep[round] = got;
        got = (ev_sqs_messages)EV_SQS_MESSAGES_INIT;
    }
    assert_int_equal(total, 3);

    /* Visibility batch: all valid, then a bogus handle fails alone. */
    int timeouts[4] = {45, 45, 45, 45};
    ITEST_OK(ev_sqs_change_message_visibility_batch(sqs, url, handles, timeouts, 3, res, &err), &err);
    ITEST_OK(ev_sqs_change_message_visibility(sqs, url, handles[0], 50, &err), &err);

    /* A bogus handle fails alone (fauxqs reports it for visibility changes;
     * its DeleteMessageBatch accepts any handle, AWS would not). */
    handles[3] = "not-a-receipt-handle";
    assert_int_equal(ev_sqs_change_message_visibility_batch(sqs, url, handles, timeouts, 4, res, &err), -1);
    assert_int_equal(err.kind, EV_AWS_ERR_PARTIAL);
    assert_true(res[0].ok && res[1].ok && res[2].ok);
    assert_false(res[3].ok);
    assert_string_equal(res[3].code, "ReceiptHandleIsInvalid");
    assert_true(res[3].sender_fault);
    ITEST_OK(ev_sqs_delete_message_batch(sqs, url, handles, 3, res, &err), &err);
    assert_true(res[0].ok && res[1].ok && res[2].ok);
    ev_sqs_messages none = EV_SQS_MESSAGES_INIT;
    in.wait_time_seconds = 0;
    in.visibility_timeout = 0;
    ITEST_OK(ev_sqs_receive_message(sqs, &in, &none, &err), &err);
    assert_int_equal(none.count, 0);

    /* SendMessageBatch with one bad entry: FIFO entry without a group id. */
    char fifo[EV_SQS_URL_MAX], fname[80];
    itest_unique(fname, sizeof fname, "batch");
    strcat(fname, ".fifo");
    ev_sqs_attr fattrs[] = {{"FifoQueue", "true"}, {"ContentBasedDeduplication", "true"}};
    ITEST_OK(ev_sqs_create_queue(sqs, fname, fattrs, 2, fifo, sizeof fifo, &err), &err);
    msgs[0].message_group_id = "g1";
    msgs[2].message_group_id = "g1";
    assert_int_equal(ev_sqs_send_message_batch(sqs, fifo, msgs, 3, res, &err), -1);
    assert_int_equal(err.kind, EV_AWS_ERR_PARTIAL);
    assert_true(res[0].ok && res[2].ok);
    assert_true(strlen(res[0].sent.sequence_number) > 0);
    assert_false(res[1].ok);
    assert_string_equal(res[1].code, "MissingParameter");
    assert_true(res[1].sender_fault);
    ev_sqs_delete_queue(sqs, fifo, &err);
    for (int i = 0; i < 3; i++)
        ev_sqs_messages_free(&keep[i]);

    /* Locally refused batches never reach the wire. */
    assert_int_equal(ev_sqs_send_message_batch(sqs, url, msgs, 0, res, &err), -1);
    assert_string_equal(err.code, "EmptyBatchRequest");
    ev_sqs_outgoing many[11];
    for (int i = 0; i < 11; i++)
        many[i] = msgs[0];
    assert_int_equal(ev_sqs_send_message_batch(sqs, url, many, 11, res, &err), -1);
    assert_string_equal(err.code, "TooManyEntriesInBatchRequest");
    ev_sqs_delete_queue(sqs, url, &err);
}

static void test_long_poll_waits(void **state)
{
    (void)state;
    char url[EV_SQS_URL_MAX];
    ev_aws_error err;
    make_queue("poll", NULL, 0, url, sizeof url);
    ev_sqs_receive_input in = {
        .queue_url = url, .max_messages = 1, .wait_time_seconds = 2, .visibility_timeout = -1};
    ev_sqs_messages got = EV_SQS_MESSAGES_INIT;
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    ITEST_OK(ev_sqs_receive_message(sqs, &in, &got, &err), &err);
    clock_gettime(CLOCK_MONOTONIC, &b);
    double s = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
    assert_int_equal(got.count, 0);
    assert_true(s >= 1.5);
    ev_sqs_delete_queue(sqs, url, &err);
}

static void test_visibility_change_redelivers(void **state)
{
    (void)state;
    char url[EV_SQS_URL_MAX];
    ev_aws_error err;
    make_queue("vis", NULL, 0, url, sizeof url);
    ev_sqs_outgoing msg = {.body = "again", .body_len = 5, .delay_seconds = -1};
    ITEST_OK(ev_sqs_send_message(sqs, url, &msg, NULL, &err), &err);
    const char *names[] = {"ApproximateReceiveCount"};
    ev_sqs_receive_input in = {.queue_url = url,
                               .max_messages = 1,
                               .wait_time_seconds = 1,
                               .visibility_timeout = 300,
                               .attribute_names = names,
                               .attribute_name_count = 1};
    ev_sqs_messages got = EV_SQS_MESSAGES_INIT;
    ITEST_OK(ev_sqs_receive_message(sqs, &in, &got, &err), &err);
    assert_int_equal(got.count, 1);
    /* Hidden for 300 s: nothing now. */
    ev_sqs_messages none = EV_SQS_MESSAGES_INIT;
    in.wait_time_seconds = 0;
    ITEST_OK(ev_sqs_receive_message(sqs, &in, &none, &err), &err);
    assert_int_equal(none.count, 0);
    ITEST_OK(ev_sqs_change_message_visibility(sqs, url, got.items[0].receipt_handle, 0, &err), &err);
    ev_sqs_messages_free(&got);
    in.wait_time_seconds = 1;
    ITEST_OK(ev_sqs_receive_message(sqs, &in, &got, &err), &err);
    assert_int_equal(got.count, 1);
    assert_string_equal(ev_sqs_message_system_attribute(&got.items[0], "ApproximateReceiveCount"), "2");
    ev_sqs_messages_free(&got);
    ev_sqs_delete_queue(sqs, url, &err);
}

static void test_redrive_to_dlq_after_three_receives(void **state)
{
    (void)state;
    char dlq[EV_SQS_URL_MAX], url[EV_SQS_URL_MAX], policy[512];
    ev_aws_error err;
    make_queue("dlq", NULL, 0, dlq, sizeof dlq);
    cJSON *dattrs = NULL;
    const char *arn_name[] = {"QueueArn"};
    ITEST_OK(ev_sqs_get_queue_attributes(sqs, dlq, arn_name, 1, &dattrs, &err), &err);
    snprintf(policy, sizeof policy, "{\"deadLetterTargetArn\":\"%s\",\"maxReceiveCount\":\"3\"}",
             cJSON_GetObjectItem(dattrs, "QueueArn")->valuestring);
    cJSON_Delete(dattrs);
    ev_sqs_attr attrs[] = {{"RedrivePolicy", policy}, {"VisibilityTimeout", "0"}};
    make_queue("main", attrs, 2, url, sizeof url);

    ev_sqs_outgoing msg = {.body = "poison", .body_len = 6, .delay_seconds = -1};
    ev_sqs_sent sent;
    ITEST_OK(ev_sqs_send_message(sqs, url, &msg, &sent, &err), &err);
    const char *names[] = {"ApproximateReceiveCount"};
    ev_sqs_receive_input in = {.queue_url = url,
                               .max_messages = 1,
                               .wait_time_seconds = 1,
                               .visibility_timeout = -1,
                               .attribute_names = names,
                               .attribute_name_count = 1};
    for (int i = 1; i <= 3; i++) {
        ev_sqs_messages got = EV_SQS_MESSAGES_INIT;
        ITEST_OK(ev_sqs_receive_message(sqs, &in, &got, &err), &err);
        assert_int_equal(got.count, 1);
        char want[8];
        snprintf(want, sizeof want, "%d", i);
        assert_string_equal(ev_sqs_message_system_attribute(&got.items[0], "ApproximateReceiveCount"), want);
        ev_sqs_messages_free(&got);
    }
    /* The fourth receive moves it: the source is empty, the DLQ has it. */
    ev_sqs_messages got = EV_SQS_MESSAGES_INIT;
    ITEST_OK(ev_sqs_receive_message(sqs, &in, &got, &err), &err);
    assert_int_equal(got.count, 0);
    in.queue_url = dlq;
    ITEST_OK(ev_sqs_receive_message(sqs, &in, &got, &err), &err);
    assert_int_equal(got.count, 1);
    assert_string_equal(got.items[0].body, "poison");
    assert_string_equal(got.items[0].message_id, sent.message_id);
    ev_sqs_messages_free(&got);
    ev_sqs_delete_queue(sqs, url, &err);
    ev_sqs_delete_queue(sqs, dlq, &err);
}

static void test_size_limit_enforced_locally(void **state)
{
    (void)state;
    char url[EV_SQS_URL_MAX];
    ev_aws_error err;
    make_queue("size", NULL, 0, url, sizeof url);
    char *big = malloc(EV_SQS_MAX_MESSAGE_BYTES + 1);
    memset(big, 'a', EV_SQS_MAX_MESSAGE_BYTES + 1);
    ev_http_stats before, after;
    ev_http_client_stats_get(ev_aws_client_http(sqs), &before);
    ev_sqs_outgoing msg = {.body = big, .body_len = EV_SQS_MAX_MESSAGE_BYTES + 1, .delay_seconds = -1};
    assert_int_equal(ev_sqs_send_message(sqs, url, &msg, NULL, &err), -1);
    assert_int_equal(err.kind, EV_AWS_ERR_INVALID);
    assert_string_equal(err.code, "MessageTooLong");
    /* Attributes count too: 256 KiB body plus one attribute is over. */
    ev_sqs_message_attribute a = {"k", "String", "v", NULL, 0};
    msg.body_len = EV_SQS_MAX_MESSAGE_BYTES - 2;
    msg.attributes = &a;
    msg.attribute_count = 1;
    assert_int_equal(ev_sqs_send_message(sqs, url, &msg, NULL, &err), -1);
    assert_string_equal(err.code, "MessageTooLong");
    ev_http_client_stats_get(ev_aws_client_http(sqs), &after);
    assert_int_equal(after.requests, before.requests);
    /* Exactly at the limit goes through. */
    msg.body_len = EV_SQS_MAX_MESSAGE_BYTES;
    msg.attribute_count = 0;
    ITEST_OK(ev_sqs_send_message(sqs, url, &msg, NULL, &err), &err);
    free(big);
    ev_sqs_delete_queue(sqs, url, &err);
}

/* A client set to the queue's MaximumMessageSize refuses what the queue
 * would (fauxqs itself accepts anything) and sends what fits, above the
 * default too. */
static void test_size_limit_follows_the_setting(void **state)
{
    (void)state;
    char url[EV_SQS_URL_MAX];
    ev_aws_error err;
    make_queue("sized", NULL, 0, url, sizeof url);
    ev_credentials creds = {"test", "test", NULL};
    ev_aws_client_config cfg = {.service = EV_ENDPOINT_SQS,
                                .region = "us-east-1",
                                .endpoint_url = itest_env("EV_ITEST_SQS_ENDPOINT"),
                                .credentials = &creds,
                                .sqs_max_message_bytes = 4096};
    ev_aws_client *small = ev_aws_client_new(&cfg, &err);
    assert_non_null(small);
    size_t big_len = 300000;
    char *big = malloc(big_len);
    memset(big, 'a', big_len);
    ev_sqs_outgoing msg = {.body = big, .body_len = 4097, .delay_seconds = -1};
    ev_http_stats before, after;
    ev_http_client_stats_get(ev_aws_client_http(small), &before);
    assert_int_equal(ev_sqs_send_message(small, url, &msg, NULL, &err), -1);
    assert_string_equal(err.code, "MessageTooLong");
    ev_sqs_outgoing batch[2] = {msg, msg};
    ev_sqs_batch_entry results[2];
    assert_int_equal(ev_sqs_send_message_batch(small, url, batch, 2, results, &err), -1);
    assert_string_equal(err.code, "MessageTooLong");
    ev_http_client_stats_get(ev_aws_client_http(small), &after);
    assert_int_equal(after.requests, before.requests);
    msg.body_len = 4096;
    ITEST_OK(ev_sqs_send_message(small, url, &msg, NULL, &err), &err);
    ev_aws_client_free(small);

    /* A larger setting lets a 300,000-byte message through. */
    cfg.sqs_max_message_bytes = 1048576;
    ev_aws_client *large = ev_aws_client_new(&cfg, &err);
    assert_non_null(large);
    msg.body_len = big_len;
    ITEST_OK(ev_sqs_send_message(large, url, &msg, NULL, &err), &err);
    ev_aws_client_free(large);
    msg.body_len = big_len;
    assert_int_equal(ev_sqs_send_message(sqs, url, &msg, NULL, &err), -1); /* the default client: 262,144 */
    assert_string_equal(err.code, "MessageTooLong");
    free(big);
    ev_sqs_delete_queue(sqs, url, &err);
}

static void test_connection_reuse_and_concurrency(void **state)
{
    (void)state;
    char url[EV_SQS_URL_MAX];
    ev_aws_error err;
    ev_aws_client *c = itest_client(EV_ENDPOINT_SQS, itest_env("EV_ITEST_SQS_ENDPOINT"), "test", "test");
    char name[80];
    itest_unique(name, sizeof name, "reuse");
    ITEST_OK(ev_sqs_create_queue(c, name, NULL, 0, url, sizeof url, &err), &err);
    for (int i = 0; i < 20; i++) {
        ev_sqs_outgoing msg = {.body = "k", .body_len = 1, .delay_seconds = -1};
        ITEST_OK(ev_sqs_send_message(c, url, &msg, NULL, &err), &err);
    }
    ev_http_stats st;
    ev_http_client_stats_get(ev_aws_client_http(c), &st);
    assert_int_equal(st.requests, 21);
    assert_int_equal(st.connects, 1);

    enum { N = 24 };
    ev_aws_call calls[N];
    char bodies[N][EV_SQS_URL_MAX + 64];
    for (int i = 0; i < N; i++) {
        snprintf(bodies[i], sizeof bodies[i], "{\"QueueUrl\":\"%s\",\"MessageBody\":\"m%d\"}", url, i);
        calls[i] =
            (ev_aws_call){.operation = "SendMessage", .body = bodies[i], .body_len = strlen(bodies[i])};
        ev_buf_init(&calls[i].response);
    }
    ITEST_OK(ev_aws_client_call_many(c, calls, N, &err), &err);
    for (int i = 0; i < N; i++) {
        assert_int_equal(calls[i].status, 0);
        assert_non_null(strstr(calls[i].response.data, "MessageId"));
        ev_buf_free(&calls[i].response);
    }
    ev_http_client_stats_get(ev_aws_client_http(c), &st);
    /* Several connections opened for the batch (it ran concurrently), never more than the in-flight cap. */
    assert_true(st.connects > 1);
    assert_true(st.connects <= 1 + EV_HTTP_DEFAULT_MAX_IN_FLIGHT);
    cJSON *attrs = NULL;
    const char *n[] = {"ApproximateNumberOfMessages"};
    ITEST_OK(ev_sqs_get_queue_attributes(c, url, n, 1, &attrs, &err), &err);
    assert_string_equal(cJSON_GetObjectItem(attrs, "ApproximateNumberOfMessages")->valuestring, "44");
    cJSON_Delete(attrs);
    ev_sqs_delete_queue(c, url, &err);
    ev_aws_client_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_queue_lifecycle),
        cmocka_unit_test(test_missing_queue_is_typed_error),
        cmocka_unit_test(test_send_receive_attributes),
        cmocka_unit_test(test_batches_report_entries),
        cmocka_unit_test(test_long_poll_waits),
        cmocka_unit_test(test_visibility_change_redelivers),
        cmocka_unit_test(test_redrive_to_dlq_after_three_receives),
        cmocka_unit_test(test_size_limit_enforced_locally),
        cmocka_unit_test(test_size_limit_follows_the_setting),
        cmocka_unit_test(test_connection_reuse_and_concurrency),
    };
    int rc = cmocka_run_group_tests_name("itest_sqs", tests, setup, teardown);
    ev_http_global_cleanup();
    return rc;
}
