/*
 * DynamoDB client against dynalite (EV_ITEST_DDB_ENDPOINT): tables, item
 * operations, conditional-put conflicts, Query pagination, BatchWriteItem,
 * typed errors and client errors that are never retried.
 */
#include "itest_common.h"

#include "aws/ev_dynamodb.h"
#include "aws/ev_dynamodb_put.h"
#include "aws/ev_http.h"

static ev_aws_client *ddb;
static char table[96];

static int setup(void **state)
{
    (void)state;
    ddb = itest_client(EV_ENDPOINT_DYNAMODB, itest_env("EV_ITEST_DDB_ENDPOINT"), "test", "test");
    itest_unique(table, sizeof table, "events");
    return itest_create_table(ddb, table, true);
}

static int teardown(void **state)
{
    (void)state;
    itest_drop_table(ddb, table);
    return 0;
}

static void test_describe_table(void **state)
{
    (void)state;
    ev_aws_error err;
    cJSON *t = NULL;
    ITEST_OK(ev_dynamodb_describe_table(ddb, table, &t, &err), &err);
    assert_string_equal(cJSON_GetObjectItem(t, "TableName")->valuestring, table);
    assert_string_equal(cJSON_GetObjectItem(t, "TableStatus")->valuestring, "ACTIVE");
    cJSON_Delete(t);
    /* Outputs are optional. */
    ITEST_OK(ev_dynamodb_describe_table(ddb, table, NULL, &err), &err);
    assert_int_equal(ev_dynamodb_describe_table(ddb, "no-such-table-evpipe", &t, &err), -1);
    assert_string_equal(err.code, "ResourceNotFoundException");
    assert_int_equal(err.http_status, 400);
    assert_false(err.retryable);
    assert_true(strlen(err.request_id) > 0);
}

static void test_put_get_update_delete(void **state)
{
    (void)state;
    ev_aws_error err;
    ev_dynamodb_item_input put = {
        .table = table,
        .item_json = "{\"pk\":{\"S\":\"order#1\"},\"sk\":{\"N\":\"1\"},\"total\":{\"N\":\"10\"},"
                     "\"tags\":{\"SS\":[\"a\",\"b\"]},\"note\":{\"S\":\"caf\\u00e9 \\\"q\\\"\"}}",
    };
    ITEST_OK(ev_dynamodb_put_item(ddb, &put, NULL, &err), &err);

    ev_dynamodb_item_input get = {.table = table,
                                  .key_json = "{\"pk\":{\"S\":\"order#1\"},\"sk\":{\"N\":\"1\"}}",
                                  .consistent_read = true};
    cJSON *item = NULL;
    ITEST_OK(ev_dynamodb_get_item(ddb, &get, &item, &err), &err);
    assert_non_null(item);
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(item, "total"), "N")->valuestring, "10");
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(item, "note"), "S")->valuestring,
                        "caf\xc3\xa9 \"q\"");
    cJSON_Delete(item);

    ev_dynamodb_item_input upd = {
        .table = table,
        .key_json = get.key_json,
        .update_expression = "SET #t = #t + :inc",
        .condition_expression = "attribute_exists(pk)",
        .names_json = "{\"#t\":\"total\"}",
        .values_json = "{\":inc\":{\"N\":\"5\"}}",
        .return_values = "UPDATED_NEW",
    };
    cJSON *attrs = NULL;
    ITEST_OK(ev_dynamodb_update_item(ddb, &upd, &attrs, &err), &err);
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(attrs, "total"), "N")->valuestring, "15");
    cJSON_Delete(attrs);

    ev_dynamodb_item_input del = {.table = table, .key_json = get.key_json, .return_values = "ALL_OLD"};
    ITEST_OK(ev_dynamodb_delete_item(ddb, &del, &attrs, &err), &err);
    assert_non_null(attrs);
    cJSON_Delete(attrs);
    ITEST_OK(ev_dynamodb_get_item(ddb, &get, &item, &err), &err);
    assert_null(item);
}

static void test_conditional_put_conflict(void **state)
{
    (void)state;
    ev_aws_error err;
    ev_dynamodb_item_input put = {
        .table = table,
        .item_json = "{\"pk\":{\"S\":\"event#dup\"},\"sk\":{\"N\":\"0\"},\"v\":{\"N\":\"1\"}}",
        .condition_expression = "attribute_not_exists(#pk)",
        .names_json = "{\"#pk\":\"pk\"}",
    };
    ITEST_OK(ev_dynamodb_put_item(ddb, &put, NULL, &err), &err);
    ev_http_stats before, after;
    ev_http_client_stats_get(ev_aws_client_http(ddb), &before);
    put.item_json = "{\"pk\":{\"S\":\"event#dup\"},\"sk\":{\"N\":\"0\"},\"v\":{\"N\":\"2\"}}";
    assert_int_equal(ev_dynamodb_put_item(ddb, &put, NULL, &err), -1);
    assert_true(ev_aws_error_is(&err, "ConditionalCheckFailedException"));
    assert_int_equal(err.http_status, 400);
    assert_false(err.retryable);
    assert_int_equal(err.attempts, 1);
    ev_http_client_stats_get(ev_aws_client_http(ddb), &after);
    assert_int_equal(after.requests - before.requests, 1);

    /* The first write won. */
    ev_dynamodb_item_input get = {.table = table,
                                  .key_json = "{\"pk\":{\"S\":\"event#dup\"},\"sk\":{\"N\":\"0\"}}",
                                  .consistent_read = true};
    cJSON *item = NULL;
    ITEST_OK(ev_dynamodb_get_item(ddb, &get, &item, &err), &err);
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(item, "v"), "N")->valuestring, "1");
    cJSON_Delete(item);

    /* A condition with a value: only a newer version may replace it. */
    put.condition_expression = "#v < :v";
    put.names_json = "{\"#v\":\"v\"}";
    put.values_json = "{\":v\":{\"N\":\"2\"}}";
    ITEST_OK(ev_dynamodb_put_item(ddb, &put, NULL, &err), &err);
    assert_int_equal(ev_dynamodb_put_item(ddb, &put, NULL, &err), -1);
    assert_true(ev_aws_error_is(&err, "ConditionalCheckFailedException"));
}

static void test_query_pagination(void **state)
{
    (void)state;
    ev_aws_error err;
    char item[256];
    for (int i = 0; i < 23; i++) {
        snprintf(item, sizeof item,
                 "{\"pk\":{\"S\":\"tenant#q\"},\"sk\":{\"N\":\"%d\"},\"odd\":{\"BOOL\":%s}}", i,
                 i % 2 ? "true" : "false");
        ev_dynamodb_item_input put = {.table = table, .item_json = item};
        ITEST_OK(ev_dynamodb_put_item(ddb, &put, NULL, &err), &err);
    }
    ev_dynamodb_query_input q = {
        .table = table,
        .key_condition_expression = "pk = :pk",
        .values_json = "{\":pk\":{\"S\":\"tenant#q\"}}",
        .limit = 5,
        .scan_index_forward = 1,
        .consistent_read = true,
    };
    ev_dynamodb_page page;
    ITEST_OK(ev_dynamodb_query(ddb, &q, &page, &err), &err);
    assert_int_equal(page.count, 5);
    assert_non_null(page.last_evaluated_key);
    ev_dynamodb_page_free(&page);

    cJSON *items = NULL;
    int pages = 0;
    ITEST_OK(ev_dynamodb_query_all(ddb, &q, 0, &items, &pages, &err), &err);
    assert_int_equal(cJSON_GetArraySize(items), 23);
    assert_true(pages >= 5);
    for (int i = 0; i < 23; i++) {
        const cJSON *sk = cJSON_GetObjectItem(cJSON_GetArrayItem(items, i), "sk");
        char want[8];
        snprintf(want, sizeof want, "%d", i);
        assert_string_equal(cJSON_GetObjectItem(sk, "N")->valuestring, want);
    }
    cJSON_Delete(items);
    /* Outputs are optional: the pages are still read and counted. */
    ITEST_OK(ev_dynamodb_query_all(ddb, &q, 0, NULL, &pages, &err), &err);
    assert_true(pages >= 5);

    /* Descending with a filter, capped at 2 pages. */
    q.scan_index_forward = 0;
    q.filter_expression = "odd = :t";
    q.values_json = "{\":pk\":{\"S\":\"tenant#q\"},\":t\":{\"BOOL\":true}}";
    ITEST_OK(ev_dynamodb_query_all(ddb, &q, 2, &items, &pages, &err), &err);
    assert_int_equal(pages, 2);
    assert_int_equal(cJSON_GetArraySize(items), 5);
    const cJSON *first = cJSON_GetObjectItem(cJSON_GetArrayItem(items, 0), "sk");
    assert_string_equal(cJSON_GetObjectItem(first, "N")->valuestring, "21");
    cJSON_Delete(items);
}

static void test_batch_write(void **state)
{
    (void)state;
    ev_aws_error err;
    ev_buf req = EV_BUF_INIT;
    ev_buf_printf(&req, "{\"%s\":[", table);
    for (int i = 0; i < 25; i++)
        ev_buf_printf(&req, "%s{\"PutRequest\":{\"Item\":{\"pk\":{\"S\":\"batch\"},\"sk\":{\"N\":\"%d\"}}}}",
                      i ? "," : "", i);
    ev_buf_append_str(&req, "]}");
    cJSON *left = NULL;
    ITEST_OK(ev_dynamodb_batch_write_item(ddb, req.data, 0, &left, &err), &err);
    assert_null(left);
    ev_buf_free(&req);

    ev_dynamodb_query_input q = {.table = table,
                                 .key_condition_expression = "pk = :pk",
                                 .values_json = "{\":pk\":{\"S\":\"batch\"}}",
                                 .scan_index_forward = -1};
    cJSON *items = NULL;
    ITEST_OK(ev_dynamodb_query_all(ddb, &q, 0, &items, NULL, &err), &err);
    assert_int_equal(cJSON_GetArraySize(items), 25);
    cJSON_Delete(items);

    /* Deletes through the same call. */
    ev_buf_printf(&req,
                  "{\"%s\":[{\"DeleteRequest\":{\"Key\":{\"pk\":{\"S\":\"batch\"},\"sk\":{\"N\":\"0\"}}}}]}",
                  table);
    ITEST_OK(ev_dynamodb_batch_write_item(ddb, req.data, 0, NULL, &err), &err);
    ev_buf_free(&req);
    ITEST_OK(ev_dynamodb_query_all(ddb, &q, 0, &items, NULL, &err), &err);
    assert_int_equal(cJSON_GetArraySize(items), 24);
    cJSON_Delete(items);

    /* More than 25 requests is a client error: one attempt, not retried. */
    ev_buf_printf(&req, "{\"%s\":[", table);
    for (int i = 0; i < 26; i++)
        ev_buf_printf(&req, "%s{\"PutRequest\":{\"Item\":{\"pk\":{\"S\":\"x\"},\"sk\":{\"N\":\"%d\"}}}}",
                      i ? "," : "", i);
    ev_buf_append_str(&req, "]}");
    assert_int_equal(ev_dynamodb_batch_write_item(ddb, req.data, 0, NULL, &err), -1);
    assert_string_equal(err.code, "ValidationException");
    assert_int_equal(err.attempts, 1);
    ev_buf_free(&req);
}

static void test_validation_errors_not_retried(void **state)
{
    (void)state;
    ev_aws_error err;
    ev_http_stats before, after;
    ev_http_client_stats_get(ev_aws_client_http(ddb), &before);
    /* Missing the range key: ValidationException. */
    ev_dynamodb_item_input put = {.table = table, .item_json = "{\"pk\":{\"S\":\"only-hash\"}}"};
    assert_int_equal(ev_dynamodb_put_item(ddb, &put, NULL, &err), -1);
    assert_string_equal(err.code, "ValidationException");
    assert_false(err.retryable);
    /* Malformed JSON from the caller, or a fragment that would add members
     * to the request: refused before sending. */
    put.item_json = "{\"pk\":";
    assert_int_equal(ev_dynamodb_put_item(ddb, &put, NULL, &err), -1);
    assert_int_equal(err.kind, EV_AWS_ERR_INVALID);
    put.item_json = "{\"pk\":{\"S\":\"x\"},\"sk\":{\"N\":\"1\"}},\"ReturnValues\":\"ALL_OLD\"";
    assert_int_equal(ev_dynamodb_put_item(ddb, &put, NULL, &err), -1);
    assert_int_equal(err.kind, EV_AWS_ERR_INVALID);
    assert_string_equal(err.code, "InvalidParameterValue");
    ev_http_client_stats_get(ev_aws_client_http(ddb), &after);
    assert_int_equal(after.requests - before.requests, 1);
    /* Missing required input: refused before sending. */
    put.table = NULL;
    assert_int_equal(ev_dynamodb_put_item(ddb, &put, NULL, &err), -1);
    assert_int_equal(err.kind, EV_AWS_ERR_INVALID);
}

/* Idempotent writes on dynalite, which ignores
 * ReturnValuesOnConditionCheckFailure: duplicates and conflicts are told
 * apart by the consistent GetItem fallback. */
static ev_dynamodb_conditional_put event_put(const char *item, const char *key, const char *hash)
{
    return (ev_dynamodb_conditional_put){.item_json = item,
                                         .key_json = key,
                                         .condition_expression = "attribute_not_exists(pk)",
                                         .same_attribute = "content_hash",
                                         .same_value = hash};
}

#define EV_ITEM(id, hash)                                                                                    \
    "{\"pk\":{\"S\":\"put#" id "\"},\"sk\":{\"N\":\"0\"},\"content_hash\":{\"S\":\"" hash "\"}}"
#define EV_KEY(id) "{\"pk\":{\"S\":\"put#" id "\"},\"sk\":{\"N\":\"0\"}}"

static void test_conditional_puts(void **state)
{
    (void)state;
    ev_aws_error err;
    ev_dynamodb_conditional_put first[2] = {event_put(EV_ITEM("a", "h-a"), EV_KEY("a"), "h-a"),
                                            event_put(EV_ITEM("b", "h-b"), EV_KEY("b"), "h-b")};
    ITEST_OK(ev_dynamodb_put_conditional_many(ddb, table, first, 2, &err), &err);
    assert_int_equal(first[0].outcome, EV_DYNAMODB_PUT_WRITTEN);
    assert_int_equal(first[1].outcome, EV_DYNAMODB_PUT_WRITTEN);

    ev_dynamodb_conditional_put again[5] = {
        event_put(EV_ITEM("a", "h-a"), EV_KEY("a"), "h-a"),         /* redelivered: duplicate */
        event_put(EV_ITEM("b", "h-other"), EV_KEY("b"), "h-other"), /* same id, other content: conflict */
        event_put(EV_ITEM("c", "h-c"), EV_KEY("c"), "h-c"),         /* new: written */
        /* no sort key: the service refuses it */
        event_put("{\"pk\":{\"S\":\"put#d\"},\"content_hash\":{\"S\":\"h-d\"}}", EV_KEY("d"), "h-d"),
        /* the condition fails with no item there */
        event_put(EV_ITEM("e", "h-e"), EV_KEY("e"), "h-e"),
    };
    again[4].condition_expression = "attribute_exists(pk)";
    assert_int_equal(ev_dynamodb_put_conditional_many(ddb, table, again, 5, &err), -1);
    assert_int_equal(again[0].outcome, EV_DYNAMODB_PUT_DUPLICATE);
    assert_true(again[0].checked_by_get);
    assert_int_equal(again[1].outcome, EV_DYNAMODB_PUT_CONFLICT);
    assert_true(again[1].checked_by_get);
    assert_int_equal(again[2].outcome, EV_DYNAMODB_PUT_WRITTEN);
    assert_int_equal(again[3].outcome, EV_DYNAMODB_PUT_FAILED);
    assert_string_equal(again[3].error.code, "ValidationException");
    assert_int_equal(again[3].error.attempts, 1);
    assert_int_equal(again[4].outcome, EV_DYNAMODB_PUT_FAILED);
    assert_true(ev_aws_error_is(&again[4].error, "ConditionalCheckFailedException"));
    assert_non_null(strstr(again[4].error.message, "no item under the key"));
    assert_string_equal(err.code, "ValidationException"); /* the first failure */

    /* The conflicting write changed nothing. */
    ev_dynamodb_item_input get = {.table = table, .key_json = EV_KEY("b"), .consistent_read = true};
    cJSON *item = NULL;
    ITEST_OK(ev_dynamodb_get_item(ddb, &get, &item, &err), &err);
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(item, "content_hash"), "S")->valuestring,
                        "h-b");
    cJSON_Delete(item);

    /* Many at once over the client's pool: all written, each once. */
    enum { N = 40 };
    char items[N][160], keys[N][80];
    ev_dynamodb_conditional_put many[N];
    for (int i = 0; i < N; i++) {
        snprintf(items[i], sizeof items[i],
                 "{\"pk\":{\"S\":\"put#many\"},\"sk\":{\"N\":\"%d\"},\"content_hash\":{\"S\":\"h\"}}", i);
        snprintf(keys[i], sizeof keys[i], "{\"pk\":{\"S\":\"put#many\"},\"sk\":{\"N\":\"%d\"}}", i);
        many[i] = event_put(items[i], keys[i], "h");
    }
    ITEST_OK(ev_dynamodb_put_conditional_many(ddb, table, many, N, &err), &err);
    for (int i = 0; i < N; i++)
        assert_int_equal(many[i].outcome, EV_DYNAMODB_PUT_WRITTEN);
    ITEST_OK(ev_dynamodb_put_conditional_many(ddb, table, many, N, &err), &err);
    for (int i = 0; i < N; i++)
        assert_int_equal(many[i].outcome, EV_DYNAMODB_PUT_DUPLICATE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_describe_table),
        cmocka_unit_test(test_put_get_update_delete),
        cmocka_unit_test(test_conditional_put_conflict),
        cmocka_unit_test(test_query_pagination),
        cmocka_unit_test(test_batch_write),
        cmocka_unit_test(test_validation_errors_not_retried),
        cmocka_unit_test(test_conditional_puts),
    };
    int rc = cmocka_run_group_tests_name("itest_dynamodb", tests, setup, teardown);
    ev_http_global_cleanup();
    return rc;
}
