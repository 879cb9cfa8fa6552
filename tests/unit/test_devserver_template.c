/* ev_template: template.yaml as the local stack reads it, and small
 * templates for each intrinsic and each error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "devserver/ev_template.h"

static const char *env_get(const ev_tpl_env *env, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(env[i].name, name) == 0)
            return env[i].value;
    return NULL;
}

static long param_long(const ev_template *t, const char *name)
{
    const ev_tpl_param *p = ev_template_find_param(t, name);
    assert_non_null(p);
    assert_non_null(p->value);
    return strtol(p->value, NULL, 10);
}

static ev_template *load_project(const char *const *overrides, size_t n, ev_ds_error *err)
{
    ev_template_options o = {
        .stack_name = "evpipe", .region = "eu-west-1", .overrides = overrides, .override_count = n};
    return ev_template_load_file("template.yaml", &o, err);
}

static void test_project_template(void **state)
{
    (void)state;
    ev_ds_error err = {{0}};
    ev_template *t = load_project(NULL, 0, &err);
    if (t == NULL)
        fail_msg("%s", err.message);

    assert_int_equal(ev_template_api_count(t), 1);
    const ev_tpl_api *api = ev_template_api(t, 0);
    assert_string_equal(api->stage, ev_template_find_param(t, "Stage")->value);
    assert_true(api->rate_limit == (double)param_long(t, "ThrottlingRateLimit"));
    assert_int_equal(api->burst_limit, param_long(t, "ThrottlingBurstLimit"));

    /* GatewayResponses: the deployed API's own answers. */
    const ev_tpl_gateway_response *missing = NULL;
    for (size_t i = 0; i < api->response_count; i++)
        if (strcmp(api->responses[i].type, "MISSING_AUTHENTICATION_TOKEN") == 0)
            missing = &api->responses[i];
    assert_non_null(missing);
    assert_true(missing->status >= 400 && missing->status <= 499);
    assert_non_null(missing->body_template);
    assert_non_null(strstr(missing->body_template, "$context.requestId"));
    assert_true(missing->header_count >= 1);
    assert_string_equal(missing->header_names[0], "Content-Type");
    assert_string_equal(missing->header_values[0], "application/problem+json"); /* quotes removed */

    int qi = ev_template_find_queue(t, "EventsQueue"),
        di = ev_template_find_queue(t, "EventsDeadLetterQueue");
    assert_true(qi >= 0 && di >= 0);
    const ev_tpl_queue *q = ev_template_queue(t, (size_t)qi), *dlq = ev_template_queue(t, (size_t)di);
    assert_int_equal(q->dlq, di);
    assert_int_equal(q->max_receive_count, param_long(t, "MaxReceiveCount"));
    assert_int_equal(dlq->dlq, -1);
    assert_int_equal(strtol(q->maximum_message_size, NULL, 10), param_long(t, "MaximumMessageSize"));
    assert_int_equal(strtol(q->message_retention_period, NULL, 10), param_long(t, "MessageRetentionPeriod"));
    assert_non_null(q->visibility_timeout);
    assert_string_equal(q->name, "evpipe-EventsQueue");

    int fi = ev_template_find_function(t, "IngestionFunction"),
        pi = ev_template_find_function(t, "ProcessingFunction");
    assert_true(fi >= 0 && pi >= 0);
    const ev_tpl_function *ing = ev_template_function(t, (size_t)fi),
                          *proc = ev_template_function(t, (size_t)pi);
    assert_string_equal(ing->handler, "bootstrap"); /* from Globals */
    assert_int_equal(ing->memory_mb, 128);
    assert_true(ing->timeout_s >= 1);
    assert_true(ing->api_event_count >= 1);
    bool post = false;
    for (size_t i = 0; i < ing->api_event_count; i++) {
        assert_int_equal(ing->api_events[i].api, 0);
        if (strcmp(ing->api_events[i].method, "POST") == 0 && strcmp(ing->api_events[i].path, "/events") == 0)
            post = true;
    }
    assert_true(post);
    assert_int_equal(proc->sqs_event_count, 1);
    const ev_tpl_sqs_event *e = &proc->sqs_events[0];
    assert_int_equal(e->queue, qi);
    assert_true(e->batch_size >= 1 && e->batch_size <= 10);
    assert_true(e->report_batch_item_failures);
    assert_true(e->enabled);
    /* Lambda recommends a visibility timeout of six times the function's timeout. */
    assert_true(strtol(q->visibility_timeout, NULL, 10) >= proc->timeout_s);

    assert_int_equal(ev_template_table_count(t), 1);
    const ev_tpl_table *tb = ev_template_table(t, 0);
    assert_string_equal(tb->keys[0].name, "event_id");
    assert_string_equal(tb->keys[0].type, "HASH");
    assert_int_equal(tb->gsi_count, 1);
    assert_string_equal(tb->gsis[0].name, "by-source-time");
    assert_int_equal(tb->gsis[0].key_count, 2);
    assert_string_equal(tb->ttl_attribute, "expires_at");

    /* Environments: globals + the function's own, the queue's real URL once set. */
    assert_int_equal(
        ev_template_set_resource(t, "EventsQueue", "http://127.0.0.1:9/000000000000/q", NULL, &err), 0);
    ev_tpl_env *env = NULL;
    size_t n = 0;
    if (ev_template_function_env(t, (size_t)fi, &env, &n, &err) != 0)
        fail_msg("%s", err.message);
    assert_string_equal(env_get(env, n, "SQS_QUEUE_URL"), "http://127.0.0.1:9/000000000000/q");
    assert_int_equal(strtol(env_get(env, n, "SQS_MAX_MESSAGE_BYTES"), NULL, 10),
                     param_long(t, "MaximumMessageSize"));
    assert_string_equal(env_get(env, n, "STAGE"), api->stage);
    assert_string_equal(env_get(env, n, "LOG_LEVEL"), ev_template_find_param(t, "LogLevel")->value);
    ev_template_env_free(env, n);
    if (ev_template_function_env(t, (size_t)pi, &env, &n, &err) != 0)
        fail_msg("%s", err.message);
    assert_string_equal(env_get(env, n, "DYNAMODB_TABLE_NAME"), tb->name);
    ev_template_env_free(env, n);
    ev_template_free(t);
}

static void test_project_overrides(void **state)
{
    (void)state;
    ev_ds_error err = {{0}};
    const char *ov[] = {"Stage=prod", "ParameterKey=MaxReceiveCount,ParameterValue=5"};
    ev_template *t = load_project(ov, 2, &err);
    if (t == NULL)
        fail_msg("%s", err.message);
    assert_string_equal(ev_template_api(t, 0)->stage, "prod");
    assert_int_equal(
        ev_template_queue(t, (size_t)ev_template_find_queue(t, "EventsQueue"))->max_receive_count, 5);
    ev_template_free(t);

    const char *bad[] = {"Stage=nowhere"};
    assert_null(load_project(bad, 1, &err));
    assert_non_null(strstr(err.message, "AllowedValues"));
    const char *unknown[] = {"NoSuchParameter=1"};
    assert_null(load_project(unknown, 1, &err));
    assert_non_null(strstr(err.message, "NoSuchParameter"));
    const char *nan[] = {"MaxReceiveCount=three"};
    assert_null(load_project(nan, 1, &err));
    assert_non_null(strstr(err.message, "MaxReceiveCount"));
}

static ev_template *load(const char *yaml, ev_ds_error *err)
{
    ev_template_options o = {.stack_name = "st", .region = "us-east-1"};
    return ev_template_load_text(yaml, strlen(yaml), &o, err);
}

static const char SMALL[] = "Parameters:\n"
                            "  Env: {Type: String, Default: test}\n"
                            "  Big: {Type: String, Default: 'no'}\n"
                            "Conditions:\n"
                            "  IsBig: !Equals [!Ref Big, 'yes']\n"
                            "  NotBig: !Not [!Condition IsBig]\n"
                            "Resources:\n"
                            "  Q:\n"
                            "    Type: AWS::SQS::Queue\n"
                            "    Properties:\n"
                            "      QueueName: !Sub '${AWS::StackName}-q-${Env}'\n"
                            "      VisibilityTimeout: !If [IsBig, 60, 5]\n"
                            "  F:\n"
                            "    Type: AWS::Serverless::Function\n"
                            "    Properties:\n"
                            "      Timeout: 4\n"
                            "      Environment:\n"
                            "        Variables:\n"
                            "          A: !GetAtt [Q, QueueName]\n"
                            "          B: {'Fn::GetAtt': [Q, Arn]}\n"
                            "          C: {'Fn::Sub': ['${X}/${!Y}', {X: !Ref Q}]}\n"
                            "          D: !Join ['-', [a, !Ref Env, c]]\n"
                            "          E: !If [NotBig, small, !Ref AWS::NoValue]\n"
                            "          G: !If [IsBig, big, !Ref AWS::NoValue]\n"
                            "          H: !Sub '${Q.QueueName}'\n"
                            "      Events:\n"
                            "        S: {Type: SQS, Properties: {Queue: !GetAtt Q.Arn, BatchSize: 3}}\n"
                            "        W: {Type: Api, Properties: {Path: '/items/{id}', Method: get}}\n";

static void test_intrinsics(void **state)
{
    (void)state;
    ev_ds_error err = {{0}};
    ev_template *t = load(SMALL, &err);
    if (t == NULL)
        fail_msg("%s", err.message);
    const ev_tpl_queue *q = ev_template_queue(t, 0);
    assert_string_equal(q->name, "st-q-test");
    assert_string_equal(q->visibility_timeout, "5");
    const ev_tpl_function *f = ev_template_function(t, 0);
    assert_string_equal(f->name, "st-F");
    assert_int_equal(f->timeout_s, 4);
    assert_int_equal(f->sqs_events[0].batch_size, 3);
    assert_int_equal(f->sqs_events[0].batching_window_s, 0);
    assert_false(f->sqs_events[0].report_batch_item_failures);
    assert_string_equal(f->api_events[0].method, "GET");
    assert_int_equal(f->api_events[0].api, -1);
    ev_tpl_env *env = NULL;
    size_t n = 0;
    if (ev_template_function_env(t, 0, &env, &n, &err) != 0)
        fail_msg("%s", err.message);
    assert_string_equal(env_get(env, n, "A"), "st-q-test");
    assert_string_equal(env_get(env, n, "B"), "arn:aws:sqs:us-east-1:123456789012:st-q-test");
    assert_string_equal(env_get(env, n, "C"),
                        "https://sqs.us-east-1.amazonaws.com/123456789012/st-q-test/${Y}");
    assert_string_equal(env_get(env, n, "D"), "a-test-c");
    assert_string_equal(env_get(env, n, "E"), "small");
    assert_null(env_get(env, n, "G"));
    assert_string_equal(env_get(env, n, "H"), "st-q-test");
    ev_template_env_free(env, n);
    ev_template_free(t);
}

/* Each bad template fails with a message holding the given text. */
static void expect_error(const char *yaml, const char *text)
{
    ev_ds_error err = {{0}};
    ev_template *t = load(yaml, &err);
    if (t != NULL) {
        ev_template_free(t);
        fail_msg("loaded, expected an error with \"%s\"", text);
    }
    if (strstr(err.message, text) == NULL)
        fail_msg("error \"%s\" lacks \"%s\"", err.message, text);
}

static void test_errors(void **state)
{
    (void)state;
    expect_error("Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      VisibilityTimeout: "
                 "!FindInMap [a, b, c]\n",
                 "Resources.Q.Properties.VisibilityTimeout: unsupported intrinsic !FindInMap");
    expect_error("Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      VisibilityTimeout: "
                 "{'Fn::Select': [0, [1]]}\n",
                 "unsupported intrinsic !Select");
    expect_error(
        "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      DelaySeconds: !Ref Nope\n",
        "Resources.Q.Properties.DelaySeconds: !Ref Nope names no");
    expect_error(
        "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      VisibilityTimeout: ten\n",
        "expected an integer");
    expect_error("Resources: [\n", "YAML error at line");
    expect_error("- 1\n", "not a mapping");
    expect_error(
        "Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      Events:\n"
        "        S: {Type: SQS, Properties: {Queue: arn:aws:sqs:us-east-1:1:other}}\n",
        "Resources.F.Properties.Events.S.Properties.Queue: arn:aws:sqs:us-east-1:1:other is not a queue");
    expect_error("Resources:\n  A:\n    Type: AWS::SQS::Queue\n    Properties:\n      RedrivePolicy:\n"
                 "        deadLetterTargetArn: !GetAtt A.Arn\n",
                 "needs deadLetterTargetArn and maxReceiveCount");
    expect_error("Parameters:\n  P: {Type: String}\nResources:\n  Q:\n    Type: AWS::SQS::Queue\n"
                 "    Properties: {QueueName: !Ref P}\n",
                 "parameter P has no Default");
    expect_error("Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Condition: Missing\n",
                 "condition Missing");
    /* An alias loop and an alias bomb stop at the bounds. */
    expect_error(
        "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: &a !Join [x, [*a]]\n",
        "Resources.Q.Properties.QueueName");
    expect_error("a: &a !Join ['', [x, x, x, x, x, x, x, x, x, x]]\n"
                 "b: &b !Join ['', [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]]\n"
                 "c: &c !Join ['', [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]]\n"
                 "d: &d !Join ['', [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]]\n"
                 "e: &e !Join ['', [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]]\n"
                 "f: &f !Join ['', [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]]\n"
                 "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: *f\n",
                 "more than 100000 nodes");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_project_template),
        cmocka_unit_test(test_project_overrides),
        cmocka_unit_test(test_intrinsics),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
