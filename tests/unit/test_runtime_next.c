/* ev_next_reply: every kind of reply to invocation/next, without a network. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "runtime/ev_next_reply.h"

#define NOW 1796206272345LL

static ev_next_reply good(void)
{
    ev_next_reply r;
    memset(&r, 0, sizeof r);
    r.status = 200;
    r.request_id = "8f5c0d1e-req";
    r.deadline = "1796206275345";
    r.function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:ingest";
    r.trace_id = "Root=1-5e1b4151-5ac6c58f5b5daa6532e4f2e0;Parent=1;Sampled=1";
    r.body = "{}";
    r.body_len = 2;
    r.body_bytes_received = 2;
    r.body_limit = 100;
    return r;
}

static ev_next_action judge(const ev_next_reply *r, ev_invocation *inv, ev_runtime_error *err)
{
    memset(inv, 0, sizeof *inv);
    return ev_next_reply_check(r, NOW, inv, err);
}

static void test_valid_reply_fills_the_context(void **state)
{
    (void)state;
    ev_next_reply r = good();
    r.client_context = "{\"custom\":{}}";
    r.cognito_identity = "{\"cognitoIdentityId\":\"x\"}";
    ev_invocation inv;
    ev_runtime_error err;
    assert_int_equal(judge(&r, &inv, &err), EV_NEXT_INVOKE);
    assert_string_equal(inv.request_id, "8f5c0d1e-req");
    assert_int_equal(inv.deadline_ms, 1796206275345LL);
    assert_string_equal(inv.function_arn, r.function_arn);
    assert_string_equal(inv.trace_id, r.trace_id);
    assert_string_equal(inv.client_context, r.client_context);
    assert_string_equal(inv.cognito_identity, r.cognito_identity);
    assert_false(ev_runtime_error_is_set(&err));
    /* Optional headers absent: "" for the ARN, NULL for the rest. */
    r.function_arn = r.trace_id = r.client_context = r.cognito_identity = NULL;
    assert_int_equal(judge(&r, &inv, &err), EV_NEXT_INVOKE);
    assert_string_equal(inv.function_arn, "");
    assert_null(inv.trace_id);
    assert_null(inv.client_context);
    /* An empty event is valid: handlers decide. */
    r.body = "";
    r.body_len = 0;
    assert_int_equal(judge(&r, &inv, &err), EV_NEXT_INVOKE);
}

static void test_unusable_request_id_exits(void **state)
{
    (void)state;
    char long_id[300];
    memset(long_id, 'a', sizeof long_id - 1);
    long_id[sizeof long_id - 1] = '\0';
    const char *ids[] = {NULL, "", "has space", "ctl\x01", "caf\xC3\xA9", long_id};
    const char *want[] = {
        "no Lambda-Runtime-Aws-Request-Id", "empty", "printable", "printable", "printable", "over 256"};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        ev_next_reply r = good();
        r.request_id = ids[i];
        ev_invocation inv;
        ev_runtime_error err;
        assert_int_equal(judge(&r, &inv, &err), EV_NEXT_EXIT);
        assert_non_null(strstr(err.message, want[i]));
    }
    /* 256 bytes is still fine. */
    ev_next_reply r = good();
    long_id[256] = '\0';
    r.request_id = long_id;
    ev_invocation inv;
    ev_runtime_error err;
    assert_int_equal(judge(&r, &inv, &err), EV_NEXT_INVOKE);
}

static void test_bad_deadline_rejects(void **state)
{
    (void)state;
    const char *deadlines[] = {
        NULL, "", "12abc", "-5", "+1796206275345", " 1796206275345", "1.5e12", "1234567890123456789"};
    for (size_t i = 0; i < sizeof deadlines / sizeof deadlines[0]; i++) {
        ev_next_reply r = good();
        r.deadline = deadlines[i];
        ev_invocation inv;
        ev_runtime_error err;
        assert_int_equal(judge(&r, &inv, &err), EV_NEXT_REJECT);
        assert_string_equal(err.type, "Runtime.InvalidInvocation");
        assert_non_null(strstr(err.message, "Lambda-Runtime-Deadline-Ms"));
        /* The id to answer is known. */
        assert_string_equal(inv.request_id, "8f5c0d1e-req");
    }
}

static void test_deadline_already_passed_rejects(void **state)
{
    (void)state;
    ev_next_reply r = good();
    r.deadline = "1796206272000"; /* 345 ms ago */
    ev_invocation inv;
    ev_runtime_error err;
    assert_int_equal(judge(&r, &inv, &err), EV_NEXT_REJECT);
    assert_string_equal(err.type, "Runtime.DeadlineExceeded");
    assert_non_null(strstr(err.message, "345 ms after its deadline"));
    r.deadline = "1796206272345"; /* exactly now: no time left */
    assert_int_equal(judge(&r, &inv, &err), EV_NEXT_REJECT);
    r.deadline = "1796206272346";
    assert_int_equal(judge(&r, &inv, &err), EV_NEXT_INVOKE);
}

static void test_oversized_event_rejects(void **state)
{
    (void)state;
    ev_next_reply r = good();
    r.body = "";
    r.body_len = 0;
    r.body_bytes_received = 7000000;
    r.body_limit = 6291456;
    r.body_too_large = true;
    ev_invocation inv;
    ev_runtime_error err;
    assert_int_equal(judge(&r, &inv, &err), EV_NEXT_REJECT);
    assert_string_equal(err.type, "Runtime.EventTooLarge");
    assert_non_null(strstr(err.message, "7000000 bytes, over the limit of 6291456"));
}

static void test_status(void **state)
{
    (void)state;
    ev_invocation inv;
    ev_runtime_error err;
    ev_next_reply r = good();
    r.status = 500;
    assert_int_equal(judge(&r, &inv, &err), EV_NEXT_EXIT);
    assert_non_null(strstr(err.message, "500"));
    const long retried[] = {201, 204, 400, 403, 404, 429, 502, 503};
    for (size_t i = 0; i < sizeof retried / sizeof retried[0]; i++) {
        r.status = retried[i];
        assert_int_equal(judge(&r, &inv, &err), EV_NEXT_RETRY);
    }
    assert_string_equal(ev_next_action_name(EV_NEXT_RETRY), "retry");
    assert_string_equal(ev_next_action_name(EV_NEXT_INVOKE), "invoke");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_reply_fills_the_context),
        cmocka_unit_test(test_unusable_request_id_exits),
        cmocka_unit_test(test_bad_deadline_rejects),
        cmocka_unit_test(test_deadline_already_passed_rejects),
        cmocka_unit_test(test_oversized_event_rejects),
        cmocka_unit_test(test_status),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
