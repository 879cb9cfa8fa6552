/* ev_runtime_error and ev_handler: error bodies, header-safe types, handler helpers. */
#include <cjson/cJSON.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "runtime/ev_handler.h"
#include "runtime/ev_runtime_error.h"

static void test_body_is_valid_json_for_any_message(void **state)
{
    (void)state;
    ev_runtime_error e;
    ev_runtime_error_clear(&e);
    assert_false(ev_runtime_error_is_set(&e));
    assert_int_equal(ev_runtime_error_set(&e, "InvalidEvent", "field \"%s\" is\nbad\t\x01 \xFF", "a\\b"), -1);
    assert_true(ev_runtime_error_is_set(&e));
    ev_buf b = EV_BUF_INIT;
    assert_int_equal(ev_runtime_error_body(&e, NULL, &b), 0);
    cJSON *doc = cJSON_ParseWithOpts(b.data, NULL, 1);
    assert_non_null(doc);
    assert_int_equal(cJSON_GetArraySize(doc), 2);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(doc, "errorMessage")->valuestring,
                        "field \"a\\b\" is\nbad\t\x01 \xEF\xBF\xBD");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(doc, "errorType")->valuestring, "InvalidEvent");
    cJSON_Delete(doc);
    assert_non_null(strstr(b.data, "{\"errorMessage\":"));
    ev_buf_free(&b);
}

static void test_header_type_cannot_inject(void **state)
{
    (void)state;
    ev_runtime_error e;
    char out[EV_RUNTIME_ERROR_TYPE_MAX];
    ev_runtime_error_set(&e, "Bad\r\nX-Injected: 1", "m");
    ev_runtime_error_header_type(&e, NULL, out);
    assert_string_equal(out, "Bad__X-Injected:_1");
    ev_runtime_error_set(&e, "Runtime.ConfigInvalid", "m");
    ev_runtime_error_header_type(&e, NULL, out);
    assert_string_equal(out, "Runtime.ConfigInvalid");
    /* Empty type: the fallback, else Runtime.UnknownReason. */
    ev_runtime_error_set(&e, "", "m");
    ev_runtime_error_header_type(&e, "Runtime.InitError", out);
    assert_string_equal(out, "Runtime.InitError");
    ev_runtime_error_header_type(&e, NULL, out);
    assert_string_equal(out, "Runtime.UnknownReason");
    /* The body uses the same type. */
    ev_buf b = EV_BUF_INIT;
    ev_runtime_error_body(&e, "Runtime.InitError", &b);
    assert_non_null(strstr(b.data, "\"errorType\":\"Runtime.InitError\""));
    ev_buf_free(&b);
}

static void test_long_message_is_cut(void **state)
{
    (void)state;
    char big[5000];
    memset(big, 'm', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    ev_runtime_error e;
    ev_runtime_error_set(&e, "T", "%s", big);
    assert_int_equal(strlen(e.message), EV_RUNTIME_ERROR_MESSAGE_MAX - 1);
    ev_buf b = EV_BUF_INIT;
    ev_runtime_error_body(&e, NULL, &b);
    cJSON *doc = cJSON_Parse(b.data);
    assert_non_null(doc);
    cJSON_Delete(doc);
    ev_buf_free(&b);
}

static void test_handler_helpers(void **state)
{
    (void)state;
    ev_handler_output out;
    memset(&out, 0, sizeof out);
    assert_int_equal(ev_handler_respond(&out, "{}", 2), 0);
    assert_string_equal(out.body, "{}");
    assert_int_equal(out.body_len, 2);
    assert_int_equal(ev_handler_fail(&out, NULL, "queue %s unreachable", "events"), -1);
    assert_string_equal(out.error.type, "Runtime.HandlerFailed");
    assert_string_equal(out.error.message, "queue events unreachable");
    assert_int_equal(ev_handler_fail(&out, "QueueUnavailable", "x"), -1);
    assert_string_equal(out.error.type, "QueueUnavailable");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_body_is_valid_json_for_any_message),
        cmocka_unit_test(test_header_type_cannot_inject),
        cmocka_unit_test(test_long_message_is_cut),
        cmocka_unit_test(test_handler_helpers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
