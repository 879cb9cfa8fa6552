/*
 * ev_dynamodb_put without network: the PutItem and fallback GetItem bodies,
 * and every outcome decided from canned answers (what
 * ev_aws_client_call_many leaves in an ev_aws_call).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "aws/ev_dynamodb_put.h"
#include "aws/ev_http.h"

#define ITEM "{\"event_id\":{\"S\":\"e-1\"},\"content_hash\":{\"S\":\"h-1\"},\"v\":{\"N\":\"1\"}}"
#define KEY  "{\"event_id\":{\"S\":\"e-1\"}}"

static ev_dynamodb_conditional_put make_put(void)
{
    return (ev_dynamodb_conditional_put){.item_json = ITEM,
                                         .key_json = KEY,
                                         .condition_expression = "attribute_not_exists(event_id)",
                                         .same_attribute = "content_hash",
                                         .same_value = "h-1"};
}

/* An answer as call_many leaves it: 2xx (status 0) or an error answer. */
static ev_aws_call answer(long http_status, const char *body)
{
    ev_aws_call a = {.operation = "PutItem"};
    ev_buf_init(&a.response);
    ev_buf_append_str(&a.response, body);
    ev_aws_error_clear(&a.error);
    if (http_status >= 300) {
        ev_aws_error_from_response(&a.error, "dynamodb", http_status, body, strlen(body), NULL, NULL, "R-1");
        a.status = -1;
    } else {
        a.error.attempts = 1;
        a.status = 0;
    }
    return a;
}

static cJSON *parsed(const ev_buf *b)
{
    cJSON *j = cJSON_ParseWithLength(b->data, b->len);
    assert_non_null(j);
    return j;
}

static void test_request_bodies(void **state)
{
    (void)state;
    ev_dynamodb_conditional_put put = make_put();
    put.names_json = "{\"#e\":\"event_id\"}";
    ev_buf out = EV_BUF_INIT;
    ev_aws_error err;
    assert_int_equal(ev_dynamodb_build_conditional_put("events", &put, &out, &err), 0);
    cJSON *j = parsed(&out);
    assert_string_equal(cJSON_GetObjectItem(j, "TableName")->valuestring, "events");
    assert_string_equal(cJSON_GetObjectItem(j, "ConditionExpression")->valuestring,
                        "attribute_not_exists(event_id)");
    assert_string_equal(cJSON_GetObjectItem(j, "ReturnValuesOnConditionCheckFailure")->valuestring,
                        "ALL_OLD");
    assert_non_null(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "Item"), "content_hash"));
    assert_non_null(cJSON_GetObjectItem(j, "ExpressionAttributeNames"));
    assert_null(cJSON_GetObjectItem(j, "Key"));
    cJSON_Delete(j);

    /* The fallback reads only the deciding attribute, consistently. */
    put.same_attribute = "content \"hash\"";
    assert_int_equal(ev_dynamodb_build_conditional_get("events", &put, &out, &err), 0);
    j = parsed(&out);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(j, "ConsistentRead")));
    assert_string_equal(cJSON_GetObjectItem(j, "ProjectionExpression")->valuestring, "#same");
    assert_string_equal(
        cJSON_GetObjectItem(cJSON_GetObjectItem(j, "ExpressionAttributeNames"), "#same")->valuestring,
        "content \"hash\"");
    assert_string_equal(
        cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "Key"), "event_id"), "S")->valuestring,
        "e-1");
    assert_null(cJSON_GetObjectItem(j, "Item"));
    cJSON_Delete(j);
    put.same_attribute = NULL;
    put.same_value = NULL;
    assert_int_equal(ev_dynamodb_build_conditional_get("events", &put, &out, &err), 0);
    j = parsed(&out);
    assert_null(cJSON_GetObjectItem(j, "ProjectionExpression"));
    cJSON_Delete(j);
    ev_buf_free(&out);
}

static void test_bad_puts_refused(void **state)
{
    (void)state;
    ev_buf out = EV_BUF_INIT;
    ev_aws_error err;
    ev_dynamodb_conditional_put put = make_put();
    assert_int_equal(ev_dynamodb_build_conditional_put(NULL, &put, &out, &err), -1);
    put.key_json = NULL;
    assert_int_equal(ev_dynamodb_build_conditional_put("t", &put, &out, &err), -1);
    assert_int_equal(err.kind, EV_AWS_ERR_INVALID);
    put = make_put();
    put.condition_expression = NULL;
    assert_int_equal(ev_dynamodb_build_conditional_put("t", &put, &out, &err), -1);
    put = make_put();
    put.same_value = NULL;
    assert_int_equal(ev_dynamodb_build_conditional_put("t", &put, &out, &err), -1);
    put = make_put();
    put.same_attribute = NULL;
    assert_int_equal(ev_dynamodb_build_conditional_put("t", &put, &out, &err), -1);
    put = make_put();
    put.item_json = "{\"a\":{\"S\":\"b\"}},\"ConditionExpression\":\"attribute_exists(a)\"";
    assert_int_equal(ev_dynamodb_build_conditional_put("t", &put, &out, &err), -1);
    assert_string_equal(err.code, "InvalidParameterValue");
    ev_buf_free(&out);
}

#define CCF_TYPE "\"__type\":\"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException\""

static void test_outcomes_from_put_answers(void **state)
{
    (void)state;
    ev_dynamodb_conditional_put put = make_put();

    ev_aws_call a = answer(200, "{}");
    assert_false(ev_dynamodb_conditional_put_settle(&put, &a));
    assert_int_equal(put.outcome, EV_DYNAMODB_PUT_WRITTEN);
    assert_int_equal(put.error.kind, EV_AWS_ERR_NONE);
    ev_buf_free(&a.response);

    /* AWS/moto: the existing item comes with the answer. */
    a = answer(400, "{" CCF_TYPE ",\"Message\":\"The conditional request failed\",\"Item\":" ITEM "}");
    assert_false(ev_dynamodb_conditional_put_settle(&put, &a));
    assert_int_equal(put.outcome, EV_DYNAMODB_PUT_DUPLICATE);
    assert_false(put.checked_by_get);
    assert_true(ev_aws_error_is(&put.error, "ConditionalCheckFailedException"));
    assert_string_equal(put.error.request_id, "R-1");
    ev_buf_free(&a.response);

    const char *conflicting[] = {
        "{" CCF_TYPE ",\"Item\":{\"event_id\":{\"S\":\"e-1\"},\"content_hash\":{\"S\":\"h-2\"}}}",
        "{" CCF_TYPE ",\"Item\":{\"event_id\":{\"S\":\"e-1\"}}}",
        "{" CCF_TYPE ",\"Item\":{\"event_id\":{\"S\":\"e-1\"},\"content_hash\":{\"N\":\"1\"}}}",
        "{" CCF_TYPE ",\"Item\":{\"event_id\":{\"S\":\"e-1\"},\"content_hash\":{\"S\":\"h-1 \"}}}",
    };
    for (size_t i = 0; i < sizeof conflicting / sizeof conflicting[0]; i++) {
        a = answer(400, conflicting[i]);
        assert_false(ev_dynamodb_conditional_put_settle(&put, &a));
        assert_int_equal(put.outcome, EV_DYNAMODB_PUT_CONFLICT);
        ev_buf_free(&a.response);
    }
    /* Without a deciding attribute any existing item is the same. */
    ev_dynamodb_conditional_put by_key = make_put();
    by_key.same_attribute = NULL;
    by_key.same_value = NULL;
    a = answer(400, conflicting[0]);
    assert_false(ev_dynamodb_conditional_put_settle(&by_key, &a));
    assert_int_equal(by_key.outcome, EV_DYNAMODB_PUT_DUPLICATE);
    ev_buf_free(&a.response);

    /* dynalite: no Item in the answer; the GetItem fallback must decide. */
    a = answer(400, "{" CCF_TYPE ",\"message\":\"The conditional request failed\"}");
    assert_true(ev_dynamodb_conditional_put_settle(&put, &a));
    assert_int_equal(put.outcome, EV_DYNAMODB_PUT_FAILED);
    ev_buf_free(&a.response);

    /* Any other error is the outcome. */
    a = answer(400, "{\"__type\":\"com.amazon.coral.validate#ValidationException\",\"message\":\"bad key\"}");
    assert_false(ev_dynamodb_conditional_put_settle(&put, &a));
    assert_int_equal(put.outcome, EV_DYNAMODB_PUT_FAILED);
    assert_string_equal(put.error.code, "ValidationException");
    assert_string_equal(put.error.message, "bad key");
    ev_buf_free(&a.response);
}

static void test_outcomes_from_get_answers(void **state)
{
    (void)state;
    ev_dynamodb_conditional_put put = make_put();
    ev_aws_call ccf = answer(400, "{" CCF_TYPE ",\"message\":\"The conditional request failed\"}");

    assert_true(ev_dynamodb_conditional_put_settle(&put, &ccf));
    ev_aws_call g = answer(200, "{\"Item\":{\"content_hash\":{\"S\":\"h-1\"}}}");
    ev_dynamodb_conditional_put_settle_get(&put, &g);
    assert_int_equal(put.outcome, EV_DYNAMODB_PUT_DUPLICATE);
    assert_true(put.checked_by_get);
    ev_buf_free(&g.response);

    assert_true(ev_dynamodb_conditional_put_settle(&put, &ccf));
    g = answer(200, "{\"Item\":{}}"); /* there, without the attribute */
    ev_dynamodb_conditional_put_settle_get(&put, &g);
    assert_int_equal(put.outcome, EV_DYNAMODB_PUT_CONFLICT);
    ev_buf_free(&g.response);

    /* No item at all: the condition failed for another reason. */
    assert_true(ev_dynamodb_conditional_put_settle(&put, &ccf));
    g = answer(200, "{}");
    ev_dynamodb_conditional_put_settle_get(&put, &g);
    assert_int_equal(put.outcome, EV_DYNAMODB_PUT_FAILED);
    assert_true(ev_aws_error_is(&put.error, "ConditionalCheckFailedException"));
    assert_non_null(strstr(put.error.message, "no item under the key"));
    assert_false(put.error.retryable);
    ev_buf_free(&g.response);

    /* The GetItem failed: its error, named. */
    assert_true(ev_dynamodb_conditional_put_settle(&put, &ccf));
    g = answer(400, "{\"__type\":\"x#ProvisionedThroughputExceededException\",\"message\":\"slow down\"}");
    ev_dynamodb_conditional_put_settle_get(&put, &g);
    assert_int_equal(put.outcome, EV_DYNAMODB_PUT_FAILED);
    assert_string_equal(put.error.code, "ProvisionedThroughputExceededException");
    assert_non_null(strstr(put.error.message, "GetItem after ConditionalCheckFailedException: slow down"));
    ev_buf_free(&g.response);

    assert_true(ev_dynamodb_conditional_put_settle(&put, &ccf));
    g = answer(200, "not json");
    ev_dynamodb_conditional_put_settle_get(&put, &g);
    assert_int_equal(put.outcome, EV_DYNAMODB_PUT_FAILED);
    assert_int_equal(put.error.kind, EV_AWS_ERR_PARSE);
    ev_buf_free(&g.response);
    ev_buf_free(&ccf.response);
}

/* Bad puts fail alone and send nothing; no puts is nothing to do. */
static void test_batch_without_network(void **state)
{
    (void)state;
    ev_credentials creds = {"AKIDTEST", "secret-secret", NULL};
    ev_aws_client_config cfg = {.service = EV_ENDPOINT_DYNAMODB,
                                .region = "us-east-1",
                                .endpoint_url = "http://127.0.0.1:9",
                                .credentials = &creds};
    ev_aws_error err;
    ev_aws_client *c = ev_aws_client_new(&cfg, &err);
    assert_non_null(c);
    assert_int_equal(ev_dynamodb_put_conditional_many(c, "t", NULL, 0, &err), 0);
    ev_dynamodb_conditional_put puts[2] = {make_put(), make_put()};
    puts[0].key_json = NULL;
    puts[1].condition_expression = "";
    assert_int_equal(ev_dynamodb_put_conditional_many(c, "t", puts, 2, &err), -1);
    assert_int_equal(err.kind, EV_AWS_ERR_INVALID);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(puts[i].outcome, EV_DYNAMODB_PUT_FAILED);
        assert_int_equal(puts[i].error.kind, EV_AWS_ERR_INVALID);
    }
    puts[0] = make_put();
    puts[1] = make_put();
    assert_int_equal(ev_dynamodb_put_conditional_many(c, NULL, puts, 2, &err), -1);
    assert_non_null(strstr(puts[1].error.message, "table name"));
    ev_http_stats stats;
    ev_http_client_stats_get(ev_aws_client_http(c), &stats);
    assert_int_equal(stats.requests, 0);
    assert_string_equal(ev_dynamodb_put_outcome_name(EV_DYNAMODB_PUT_DUPLICATE), "duplicate");
    assert_string_equal(ev_dynamodb_put_outcome_name(EV_DYNAMODB_PUT_FAILED), "failed");
    ev_aws_client_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request_bodies),
        cmocka_unit_test(test_bad_puts_refused),
        cmocka_unit_test(test_outcomes_from_put_answers),
        cmocka_unit_test(test_outcomes_from_get_answers),
        cmocka_unit_test(test_batch_without_network),
    };
    int rc = cmocka_run_group_tests_name("aws_dynamodb_put", tests, NULL, NULL);
    ev_http_global_cleanup();
    return rc;
}
