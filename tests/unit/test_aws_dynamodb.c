/* ev_dynamodb without network: request bodies for every item operation and
 * Query, Query response parsing, refused inputs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "aws/ev_dynamodb.h"

static cJSON *build(const char *op, const ev_dynamodb_item_input *in)
{
    ev_buf out = EV_BUF_INIT;
    ev_aws_error err;
    if (ev_dynamodb_build_item_request(op, in, &out, &err) != 0)
        return NULL;
    cJSON *j = cJSON_Parse(out.data);
    assert_non_null(j);
    ev_buf_free(&out);
    return j;
}

static const char *str(const cJSON *j, const char *k)
{
    const cJSON *v = cJSON_GetObjectItem(j, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void test_put_item_request(void **state)
{
    (void)state;
    ev_dynamodb_item_input in = {
        .table = "t\"q",
        .item_json = "{\"pk\":{\"S\":\"a\"}}",
        .condition_expression = "attribute_not_exists(#p)",
        .names_json = "{\"#p\":\"pk\"}",
        .values_json = "{\":v\":{\"N\":\"1\"}}",
        .key_json = "{\"ignored\":{\"S\":\"x\"}}",
        .return_values = "ALL_OLD",
    };
    cJSON *j = build("PutItem", &in);
    assert_string_equal(str(j, "TableName"), "t\"q");
    assert_string_equal(str(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "Item"), "pk"), "S"), "a");
    assert_string_equal(str(j, "ConditionExpression"), "attribute_not_exists(#p)");
    assert_string_equal(str(cJSON_GetObjectItem(j, "ExpressionAttributeNames"), "#p"), "pk");
    assert_non_null(cJSON_GetObjectItem(j, "ExpressionAttributeValues"));
    assert_string_equal(str(j, "ReturnValues"), "ALL_OLD");
    assert_null(cJSON_GetObjectItem(j, "Key"));
    cJSON_Delete(j);
}

static void test_get_update_delete_requests(void **state)
{
    (void)state;
    ev_dynamodb_item_input in = {.table = "t",
                                 .key_json = "{\"pk\":{\"S\":\"a\"}}",
                                 .projection_expression = "pk, v",
                                 .consistent_read = true,
                                 .condition_expression = "ignored-for-get"};
    cJSON *j = build("GetItem", &in);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(j, "ConsistentRead")));
    assert_string_equal(str(j, "ProjectionExpression"), "pk, v");
    assert_null(cJSON_GetObjectItem(j, "ConditionExpression"));
    cJSON_Delete(j);

    ev_dynamodb_item_input upd = {.table = "t",
                                  .key_json = "{\"pk\":{\"S\":\"a\"}}",
                                  .update_expression = "SET v = v + :one",
                                  .values_json = "{\":one\":{\"N\":\"1\"}}",
                                  .return_values = "UPDATED_NEW"};
    j = build("UpdateItem", &upd);
    assert_string_equal(str(j, "UpdateExpression"), "SET v = v + :one");
    assert_non_null(cJSON_GetObjectItem(j, "Key"));
    cJSON_Delete(j);
    upd.update_expression = NULL;
    assert_null(build("UpdateItem", &upd));

    ev_dynamodb_item_input del = {
        .table = "t", .key_json = "{\"pk\":{\"S\":\"a\"}}", .condition_expression = "attribute_exists(pk)"};
    j = build("DeleteItem", &del);
    assert_string_equal(str(j, "ConditionExpression"), "attribute_exists(pk)");
    assert_null(cJSON_GetObjectItem(j, "Item"));
    cJSON_Delete(j);
}

static void test_missing_inputs_refused(void **state)
{
    (void)state;
    ev_buf out = EV_BUF_INIT;
    ev_aws_error err;
    ev_dynamodb_item_input in = {.item_json = "{}"};
    assert_int_equal(ev_dynamodb_build_item_request("PutItem", &in, &out, &err), -1);
    assert_int_equal(err.kind, EV_AWS_ERR_INVALID);
    assert_string_equal(err.service, "dynamodb");
    in.table = "t";
    in.item_json = NULL;
    assert_int_equal(ev_dynamodb_build_item_request("PutItem", &in, &out, &err), -1);
    assert_int_equal(ev_dynamodb_build_item_request("GetItem", &in, &out, &err), -1);
    ev_dynamodb_query_input q = {.table = "t"};
    assert_int_equal(ev_dynamodb_build_query_request(&q, &out, &err), -1);
    ev_buf_free(&out);
}

static void test_query_request(void **state)
{
    (void)state;
    ev_dynamodb_query_input q = {
        .table = "t",
        .index_name = "by_tenant",
        .key_condition_expression = "pk = :p",
        .filter_expression = "v > :z",
        .values_json = "{\":p\":{\"S\":\"a\"},\":z\":{\"N\":\"0\"}}",
        .exclusive_start_key_json = "{\"pk\":{\"S\":\"a\"},\"sk\":{\"N\":\"4\"}}",
        .limit = 5,
        .scan_index_forward = 0,
    };
    ev_buf out = EV_BUF_INIT;
    ev_aws_error err;
    assert_int_equal(ev_dynamodb_build_query_request(&q, &out, &err), 0);
    cJSON *j = cJSON_Parse(out.data);
    assert_string_equal(str(j, "IndexName"), "by_tenant");
    assert_int_equal(cJSON_GetObjectItem(j, "Limit")->valueint, 5);
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(j, "ScanIndexForward")));
    assert_non_null(cJSON_GetObjectItem(j, "ExclusiveStartKey"));
    assert_null(cJSON_GetObjectItem(j, "ConsistentRead"));
    cJSON_Delete(j);
    q.scan_index_forward = -1;
    q.limit = 0;
    assert_int_equal(ev_dynamodb_build_query_request(&q, &out, &err), 0);
    j = cJSON_Parse(out.data);
    assert_null(cJSON_GetObjectItem(j, "ScanIndexForward"));
    assert_null(cJSON_GetObjectItem(j, "Limit"));
    cJSON_Delete(j);
    ev_buf_free(&out);
}

static void test_parse_query_response(void **state)
{
    (void)state;
    const char *page1 =
        "{\"Items\":[{\"pk\":{\"S\":\"a\"}},{\"pk\":{\"S\":\"b\"}}],\"Count\":2,\"ScannedCount\":3,"
        "\"LastEvaluatedKey\":{\"pk\":{\"S\":\"b\"}}}";
    ev_dynamodb_page p;
    ev_aws_error err;
    assert_int_equal(ev_dynamodb_parse_query_response(page1, strlen(page1), &p, &err), 0);
    assert_int_equal(cJSON_GetArraySize(p.items), 2);
    assert_int_equal(p.count, 2);
    assert_int_equal(p.scanned_count, 3);
    assert_non_null(p.last_evaluated_key);
    ev_dynamodb_page_free(&p);
    assert_int_equal(ev_dynamodb_parse_query_response("{\"Count\":0}", 11, &p, &err), 0);
    assert_int_equal(cJSON_GetArraySize(p.items), 0);
    assert_null(p.last_evaluated_key);
    ev_dynamodb_page_free(&p);
    assert_int_equal(ev_dynamodb_parse_query_response("[1]", 3, &p, &err), -1);
    assert_int_equal(err.kind, EV_AWS_ERR_PARSE);
    assert_int_equal(ev_dynamodb_parse_query_response("{\"Items\":7}", 11, &p, &err), -1);
}

/* JSON-text inputs are spliced into the body: a fragment that closes the
 * object early and adds members of its own is refused before sending. */
static void test_json_fragments_must_be_one_value(void **state)
{
    (void)state;
    ev_buf out = EV_BUF_INIT;
    ev_aws_error err;
    const char *bad_objects[] = {
        "{\"pk\":{\"S\":\"a\"}},\"ConditionExpression\":\"attribute_exists(nope)\"",
        "{\"pk\":{\"S\":\"a\"}} x",
        "{}{}",
        "[]",
        "\"x\"",
        "{\"pk\":",
        "",
        "\xef\xbb\xbf{}",
        "{\"pk\":{\"S\":\"a\"}}, \"ReturnValues\":\"ALL_OLD\"",
        "{\"a\":\"\\\"}",        /* the escaped quote does not end the string */
        "{\"a\":[1}, \"X\":{]}", /* brackets must match */
        "{\"a\":\"}\"}}",        /* the brace in the string does not count */
        "{\"a\":{\"S\":\"x\"}}]",
    };
    for (size_t i = 0; i < sizeof bad_objects / sizeof bad_objects[0]; i++) {
        ev_dynamodb_item_input in = {.table = "t", .item_json = bad_objects[i]};
        ev_aws_error_clear(&err);
        if (bad_objects[i][0] == '\0') {
            /* empty is "missing" */
            assert_int_equal(ev_dynamodb_build_item_request("PutItem", &in, &out, &err), -1);
            continue;
        }
        if (ev_dynamodb_build_item_request("PutItem", &in, &out, &err) != -1)
            fail_msg("accepted Item %s", bad_objects[i]);
        assert_int_equal(err.kind, EV_AWS_ERR_INVALID);
        assert_string_equal(err.code, "InvalidParameterValue");
        assert_non_null(strstr(err.message, "Item must be exactly one JSON object"));
        /* The same through every other JSON-text input. */
        ev_dynamodb_item_input get = {.table = "t", .key_json = bad_objects[i]};
        assert_int_equal(ev_dynamodb_build_item_request("GetItem", &get, &out, &err), -1);
        ev_dynamodb_item_input names = {.table = "t", .item_json = "{}", .names_json = bad_objects[i]};
        assert_int_equal(ev_dynamodb_build_item_request("PutItem", &names, &out, &err), -1);
        ev_dynamodb_item_input values = {.table = "t", .item_json = "{}", .values_json = bad_objects[i]};
        assert_int_equal(ev_dynamodb_build_item_request("DeleteItem", &values, &out, &err), -1);
        ev_dynamodb_query_input q = {
            .table = "t", .key_condition_expression = "pk = :p", .exclusive_start_key_json = bad_objects[i]};
        assert_int_equal(ev_dynamodb_build_query_request(&q, &out, &err), -1);
    }
    /* Whitespace around one object is fine, and the text is sent as given. */
    ev_dynamodb_item_input ok = {.table = "t", .item_json = " \n{\"pk\":{\"S\":\"a}}\"}}\t\r\n"};
    assert_int_equal(ev_dynamodb_build_item_request("PutItem", &ok, &out, &err), 0);
    cJSON *j = cJSON_Parse(out.data);
    assert_non_null(j);
    assert_int_equal(cJSON_GetArraySize(j), 2);
    assert_string_equal(str(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "Item"), "pk"), "S"), "a}}");
    cJSON_Delete(j);
    /* An escaped backslash before the closing quote, and deep but legal nesting. */
    ok.item_json = "{\"a\":{\"S\":\"x\\\\\"},\"l\":{\"L\":[{\"M\":{\"b\":{\"L\":[]}}}]}}";
    assert_int_equal(ev_dynamodb_build_item_request("PutItem", &ok, &out, &err), 0);
    j = cJSON_Parse(out.data);
    assert_non_null(j);
    cJSON_Delete(j);
    char deep[200] = "{\"a\":";
    for (int i = 0; i < 70; i++)
        strcat(deep, "[");
    ok.item_json = deep;
    assert_int_equal(ev_dynamodb_build_item_request("PutItem", &ok, &out, &err), -1);
    ev_buf_free(&out);
}

/* A client that is never used to send: the calls below fail (or succeed)
 * before any request. */
static ev_aws_client *offline_client(void)
{
    ev_credentials creds = {"AKIDTEST", "secret-secret", NULL};
    ev_aws_client_config cfg = {.service = EV_ENDPOINT_DYNAMODB,
                                .region = "us-east-1",
                                .endpoint_url = "http://127.0.0.1:9",
                                .credentials = &creds};
    ev_aws_error err;
    ev_aws_client *c = ev_aws_client_new(&cfg, &err);
    assert_non_null(c);
    return c;
}

/* The header says every cJSON output may be NULL: these two wrote through it. */
static void test_null_outputs_accepted(void **state)
{
    (void)state;
    ev_aws_client *c = offline_client();
    ev_aws_error err;
    assert_int_equal(ev_dynamodb_describe_table(c, NULL, NULL, &err), -1);
    assert_string_equal(err.code, "MissingParameter");
    ev_dynamodb_query_input q = {.key_condition_expression = "pk = :p"};
    int pages = 7;
    assert_int_equal(ev_dynamodb_query_all(c, &q, 0, NULL, &pages, &err), -1);
    assert_string_equal(err.code, "MissingParameter");
    assert_int_equal(pages, 0);
    assert_int_equal(ev_dynamodb_query_all(c, &q, 0, NULL, NULL, &err), -1);
    /* Batch and transaction inputs are checked the same way. */
    assert_int_equal(ev_dynamodb_batch_write_item(c, "{\"t\":[]},\"x\":1", 0, NULL, &err), -1);
    assert_string_equal(err.code, "InvalidParameterValue");
    assert_int_equal(ev_dynamodb_transact_write_items(c, "{\"Put\":{}}", NULL, NULL, &err), -1);
    assert_non_null(strstr(err.message, "JSON array"));
    assert_int_equal(ev_dynamodb_create_table(c, "{\"TableName\":\"t\"} {}", &err), -1);
    ev_aws_client_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_put_item_request),
        cmocka_unit_test(test_get_update_delete_requests),
        cmocka_unit_test(test_missing_inputs_refused),
        cmocka_unit_test(test_query_request),
        cmocka_unit_test(test_parse_query_response),
        cmocka_unit_test(test_json_fragments_must_be_one_value),
        cmocka_unit_test(test_null_outputs_accepted),
    };
    return cmocka_run_group_tests_name("aws_dynamodb", tests, NULL, NULL);
}
