/*
 * Against moto_server with signature checking on (run.sh starts it with
 * INITIAL_NO_AUTH_ACTION_COUNT=0 and provisions an IAM user through
 * moto_setup.py): the right secret is accepted, a wrong secret and an
 * unknown key are refused and not retried. TransactWriteItems (commit and
 * cancellation reasons), UpdateTimeToLive and the SQS AWSTraceHeader
 * hand-off run here because dynalite and fauxqs lack them.
 */
#include "itest_common.h"

#include "aws/ev_dynamodb.h"
#include "aws/ev_dynamodb_put.h"
#include "aws/ev_http.h"
#include "aws/ev_sqs.h"

static const char *endpoint, *key_id, *secret;
static ev_aws_client *ddb;
static char table[96];

static int setup(void **state)
{
    (void)state;
    endpoint = itest_env("EV_ITEST_MOTO_ENDPOINT");
    key_id = itest_env("EV_ITEST_MOTO_KEY");
    secret = itest_env("EV_ITEST_MOTO_SECRET");
    ddb = itest_client(EV_ENDPOINT_DYNAMODB, endpoint, key_id, secret);
    itest_unique(table, sizeof table, "tx");
    return itest_create_table(ddb, table, false);
}

static int teardown(void **state)
{
    (void)state;
    itest_drop_table(ddb, table);
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

static void test_right_secret_accepted(void **state)
{
    (void)state;
    ev_aws_error err;
    ITEST_OK(list_tables(ddb, &err), &err);
    ev_aws_client *sqs = itest_client(EV_ENDPOINT_SQS, endpoint, key_id, secret);
    char url[EV_SQS_URL_MAX], name[80];
    itest_unique(name, sizeof name, "auth");
    ITEST_OK(ev_sqs_create_queue(sqs, name, NULL, 0, url, sizeof url, &err), &err);
    ITEST_OK(ev_sqs_delete_queue(sqs, url, &err), &err);
    ev_aws_client_free(sqs);
}

static void expect_refused(ev_aws_client *c, const char *what)
{
    ev_aws_error err;
    ev_http_stats before, after;
    ev_http_client_stats_get(ev_aws_client_http(c), &before);
    assert_int_equal(list_tables(c, &err), -1);
    ev_http_client_stats_get(ev_aws_client_http(c), &after);
    char buf[1024];
    fprintf(stderr, "%s: %s\n", what, ev_aws_error_format(&err, buf, sizeof buf));
    assert_int_equal(err.kind, EV_AWS_ERR_SERVICE);
    assert_true(err.http_status == 400 || err.http_status == 403);
    /* moto answers like IAM/STS; real DynamoDB says InvalidSignatureException / UnrecognizedClientException.
     */
    assert_true(strcmp(err.code, "SignatureDoesNotMatch") == 0 ||
                strcmp(err.code, "InvalidSignatureException") == 0 ||
                strcmp(err.code, "InvalidClientTokenId") == 0 ||
                strcmp(err.code, "UnrecognizedClientException") == 0);
    assert_false(err.retryable);
    assert_int_equal(err.attempts, 1);
    assert_int_equal(after.requests - before.requests, 1);
}

static void test_wrong_secret_refused(void **state)
{
    (void)state;
    char wrong[128];
    snprintf(wrong, sizeof wrong, "%s", secret);
    wrong[0] = wrong[0] == 'A' ? 'B' : 'A';
    ev_aws_client *bad = itest_client(EV_ENDPOINT_DYNAMODB, endpoint, key_id, wrong);
    expect_refused(bad, "wrong secret");
    ev_aws_error err;
    /* Same client, right secret swapped in: accepted, so only the signature differed. */
    ev_credentials right = {(char *)key_id, (char *)secret, NULL};
    ITEST_OK(ev_aws_client_set_credentials(bad, &right, &err), &err);
    ITEST_OK(list_tables(bad, &err), &err);
    ev_aws_client_free(bad);
}

static void test_unknown_key_refused(void **state)
{
    (void)state;
    ev_aws_client *bad = itest_client(EV_ENDPOINT_DYNAMODB, endpoint, "AKIAEVPIPEUNKNOWN000", secret);
    expect_refused(bad, "unknown key");
    ev_aws_client_free(bad);
}

static void test_transact_write_items(void **state)
{
    (void)state;
    ev_aws_error err;
    char items[1024];
    snprintf(items, sizeof items,
             "[{\"Put\":{\"TableName\":\"%s\",\"Item\":{\"pk\":{\"S\":\"a\"},\"v\":{\"N\":\"1\"}},"
             "\"ConditionExpression\":\"attribute_not_exists(pk)\"}},"
             "{\"Put\":{\"TableName\":\"%s\",\"Item\":{\"pk\":{\"S\":\"b\"},\"v\":{\"N\":\"1\"}}}}]",
             table, table);
    ITEST_OK(ev_dynamodb_transact_write_items(ddb, items, NULL, NULL, &err), &err);

    /* Second transaction: its first Put conflicts, so neither write happens. */
    snprintf(items, sizeof items,
             "[{\"Put\":{\"TableName\":\"%s\",\"Item\":{\"pk\":{\"S\":\"a\"},\"v\":{\"N\":\"2\"}},"
             "\"ConditionExpression\":\"attribute_not_exists(pk)\"}},"
             "{\"Update\":{\"TableName\":\"%s\",\"Key\":{\"pk\":{\"S\":\"b\"}},\"UpdateExpression\":\"SET v "
             "= :two\","
             "\"ExpressionAttributeValues\":{\":two\":{\"N\":\"2\"}}}}]",
             table, table);
    cJSON *reasons = NULL;
    assert_int_equal(ev_dynamodb_transact_write_items(ddb, items, NULL, &reasons, &err), -1);
    assert_true(ev_aws_error_is(&err, "TransactionCanceledException"));
    assert_false(err.retryable);
    assert_non_null(reasons);
    assert_int_equal(cJSON_GetArraySize(reasons), 2);
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(reasons, 0), "Code")->valuestring,
                        "ConditionalCheckFailed");
    cJSON_Delete(reasons);

    ev_dynamodb_item_input get = {
        .table = table, .key_json = "{\"pk\":{\"S\":\"b\"}}", .consistent_read = true};
    cJSON *item = NULL;
    ITEST_OK(ev_dynamodb_get_item(ddb, &get, &item, &err), &err);
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(item, "v"), "N")->valuestring, "1");
    cJSON_Delete(item);
}

static void test_update_time_to_live(void **state)
{
    (void)state;
    ev_aws_error err;
    ITEST_OK(ev_dynamodb_update_time_to_live(ddb, table, "expires_at", true, &err), &err);
    cJSON *req = cJSON_CreateObject();
    cJSON_AddStringToObject(req, "TableName", table);
    cJSON *resp = NULL;
    ITEST_OK(ev_dynamodb_call(ddb, "DescribeTimeToLive", req, &resp, &err), &err);
    cJSON_Delete(req);
    const cJSON *d = cJSON_GetObjectItem(resp, "TimeToLiveDescription");
    assert_string_equal(cJSON_GetObjectItem(d, "TimeToLiveStatus")->valuestring, "ENABLED");
    assert_string_equal(cJSON_GetObjectItem(d, "AttributeName")->valuestring, "expires_at");
    cJSON_Delete(resp);
}

static void test_sqs_trace_header_hand_off(void **state)
{
    (void)state;
    ev_aws_error err;
    ev_aws_client *sqs = itest_client(EV_ENDPOINT_SQS, endpoint, key_id, secret);
    char url[EV_SQS_URL_MAX], name[80];
    itest_unique(name, sizeof name, "trace");
    ITEST_OK(ev_sqs_create_queue(sqs, name, NULL, 0, url, sizeof url, &err), &err);
    const char *trace = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
    ev_sqs_message_attribute a = {"tenant", "String", "acme", NULL, 0};
    ev_sqs_outgoing msg = {.body = "traced",
                           .body_len = 6,
                           .delay_seconds = -1,
                           .attributes = &a,
                           .attribute_count = 1,
                           .trace_header = trace};
    ITEST_OK(ev_sqs_send_message(sqs, url, &msg, NULL, &err), &err);
    const char *all[] = {"All"};
    ev_sqs_receive_input in = {.queue_url = url,
                               .max_messages = 1,
                               .wait_time_seconds = 1,
                               .visibility_timeout = -1,
                               .attribute_names = all,
                               .attribute_name_count = 1,
                               .message_attribute_names = all,
                               .message_attribute_name_count = 1};
    ev_sqs_messages got = EV_SQS_MESSAGES_INIT;
    ITEST_OK(ev_sqs_receive_message(sqs, &in, &got, &err), &err);
    assert_int_equal(got.count, 1);
    const char *seen = ev_sqs_message_system_attribute(&got.items[0], "AWSTraceHeader");
    assert_non_null(seen);
    assert_string_equal(seen, trace);
    ev_sqs_messages_free(&got);
    ev_sqs_delete_queue(sqs, url, &err);
    ev_aws_client_free(sqs);
}

/* moto returns the existing item with ReturnValuesOnConditionCheckFailure,
 * as AWS does: duplicates and conflicts are decided without a GetItem. */
static void test_conditional_puts_from_the_answer(void **state)
{
    (void)state;
    ev_aws_error err;
    ev_dynamodb_conditional_put put = {.item_json = "{\"pk\":{\"S\":\"cp\"},\"content_hash\":{\"S\":\"h1\"}}",
                                       .key_json = "{\"pk\":{\"S\":\"cp\"}}",
                                       .condition_expression = "attribute_not_exists(pk)",
                                       .same_attribute = "content_hash",
                                       .same_value = "h1"};
    ITEST_OK(ev_dynamodb_put_conditional_many(ddb, table, &put, 1, &err), &err);
    assert_int_equal(put.outcome, EV_DYNAMODB_PUT_WRITTEN);
    ev_http_stats before, after;
    ev_http_client_stats_get(ev_aws_client_http(ddb), &before);
    ev_dynamodb_conditional_put again[2] = {put, put};
    again[1].item_json = "{\"pk\":{\"S\":\"cp\"},\"content_hash\":{\"S\":\"h2\"}}";
    again[1].same_value = "h2";
    ITEST_OK(ev_dynamodb_put_conditional_many(ddb, table, again, 2, &err), &err);
    assert_int_equal(again[0].outcome, EV_DYNAMODB_PUT_DUPLICATE);
    assert_false(again[0].checked_by_get);
    assert_int_equal(again[1].outcome, EV_DYNAMODB_PUT_CONFLICT);
    assert_false(again[1].checked_by_get);
    ev_http_client_stats_get(ev_aws_client_http(ddb), &after);
    assert_int_equal(after.requests - before.requests, 2); /* no GetItem */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_right_secret_accepted),
        cmocka_unit_test(test_wrong_secret_refused),
        cmocka_unit_test(test_unknown_key_refused),
        cmocka_unit_test(test_transact_write_items),
        cmocka_unit_test(test_update_time_to_live),
        cmocka_unit_test(test_sqs_trace_header_hand_off),
        cmocka_unit_test(test_conditional_puts_from_the_answer),
    };
    int rc = cmocka_run_group_tests_name("itest_moto", tests, setup, teardown);
    ev_http_global_cleanup();
    return rc;
}
