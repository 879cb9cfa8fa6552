/*
 * ev_http without a server: curl's process-wide state across
 * ev_http_global_cleanup, and the failures that happen on our side of a
 * transfer (an option curl refuses, a transfer that cannot be added, the
 * multi handle failing). Those cannot be provoked from outside, so this
 * binary interposes the curl functions involved: each counts its calls and
 * fails when a test asks, and otherwise forwards to libcurl (dlsym
 * RTLD_NEXT). Requests go to 127.0.0.1:9, where nothing listens.
 */
#include <dlfcn.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "aws/ev_aws_client.h"
#include "aws/ev_http.h"

#define CLOSED_PORT_URL "http://127.0.0.1:9/"

static struct {
    int global_init_calls;
    int global_cleanup_calls;
    bool fail_multi_setopt;
    int add_handle_calls;
    int fail_add_handle_call; /* 1-based call to fail; 0: none */
    bool fail_multi_perform;
} fake;

static void *real(const char *name)
{
    void *f = dlsym(RTLD_NEXT, name);
    if (f == NULL)
        fail_msg("dlsym %s: %s", name, dlerror());
    return f;
}

CURLcode curl_global_init(long flags)
{
    fake.global_init_calls++;
    CURLcode (*f)(long) = (CURLcode(*)(long))real("curl_global_init");
    return f(flags);
}

void curl_global_cleanup(void)
{
    fake.global_cleanup_calls++;
    void (*f)(void) = (void (*)(void))real("curl_global_cleanup");
    f();
}

/* ev_http passes one long (CURLMOPT_MAXCONNECTS). */
CURLMcode curl_multi_setopt(CURLM *multi, CURLMoption option, ...)
{
    va_list ap;
    va_start(ap, option);
    long value = va_arg(ap, long);
    va_end(ap);
    if (fake.fail_multi_setopt)
        return CURLM_UNKNOWN_OPTION;
    CURLMcode (*f)(CURLM *, CURLMoption, ...) =
        (CURLMcode(*)(CURLM *, CURLMoption, ...))real("curl_multi_setopt");
    return f(multi, option, value);
}

CURLMcode curl_multi_add_handle(CURLM *multi, CURL *easy)
{
    if (++fake.add_handle_calls == fake.fail_add_handle_call)
        return CURLM_OUT_OF_MEMORY;
    CURLMcode (*f)(CURLM *, CURL *) = (CURLMcode(*)(CURLM *, CURL *))real("curl_multi_add_handle");
    return f(multi, easy);
}

CURLMcode curl_multi_perform(CURLM *multi, int *running)
{
    if (fake.fail_multi_perform)
        return CURLM_INTERNAL_ERROR;
    CURLMcode (*f)(CURLM *, int *) = (CURLMcode(*)(CURLM *, int *))real("curl_multi_perform");
    return f(multi, running);
}

static int reset_fake(void **state)
{
    (void)state;
    int init = fake.global_init_calls, cleanup = fake.global_cleanup_calls;
    memset(&fake, 0, sizeof fake);
    fake.global_init_calls = init;
    fake.global_cleanup_calls = cleanup;
    return 0;
}

static void record_sleep(void *ctx, uint32_t ms)
{
    (void)ms;
    ++*(int *)ctx;
}

static ev_aws_client *client(int *sleeps)
{
    ev_credentials creds = {"AKIDTEST", "secret-secret", NULL};
    ev_aws_client_config cfg = {.service = EV_ENDPOINT_DYNAMODB,
                                .region = "us-east-1",
                                .endpoint_url = CLOSED_PORT_URL,
                                .credentials = &creds};
    ev_aws_error err;
    ev_aws_client *c = ev_aws_client_new(&cfg, &err);
    assert_non_null(c);
    ev_retry_set_clock(ev_aws_client_retry(c), record_sleep, sleeps);
    return c;
}

/* Cleanup while a client lives does nothing; after it, a new client
 * initialises curl again and works. */
static void test_global_cleanup_then_new_client(void **state)
{
    (void)state;
    int init0 = fake.global_init_calls, cleanup0 = fake.global_cleanup_calls;
    ev_aws_error err;
    ev_http_client *a = ev_http_client_new(NULL, &err);
    assert_non_null(a);
    assert_int_equal(ev_http_global_cleanup(), -1);
    assert_int_equal(fake.global_cleanup_calls, cleanup0);
    ev_http_client *b = ev_http_client_new(NULL, &err);
    ev_http_client_free(a);
    assert_int_equal(ev_http_global_cleanup(), -1);
    ev_http_client_free(b);
    assert_int_equal(ev_http_global_cleanup(), 0);
    assert_int_equal(fake.global_cleanup_calls, cleanup0 + 1);
    assert_int_equal(ev_http_global_cleanup(), 0); /* nothing left to release */
    assert_int_equal(fake.global_cleanup_calls, cleanup0 + 1);
    int init1 = fake.global_init_calls;
    assert_true(init1 >= init0);

    ev_http_client *c = ev_http_client_new(NULL, &err);
    assert_non_null(c);
    assert_int_equal(fake.global_init_calls, init1 + 1);
    ev_http_request req = {.method = "POST", .url = CLOSED_PORT_URL, .body = "{}", .body_len = 2};
    ev_http_response resp;
    ev_http_response_init(&resp);
    assert_int_equal(ev_http_send(c, &req, &resp, &err), -1);
    assert_int_equal(resp.curl_code, CURLE_COULDNT_CONNECT);
    ev_http_response_free(&resp);
    ev_http_client_free(c);
    assert_int_equal(ev_http_global_cleanup(), 0);
}

static void test_multi_setopt_failure_refuses_the_client(void **state)
{
    (void)state;
    fake.fail_multi_setopt = true;
    ev_aws_error err;
    ev_aws_error_clear(&err);
    assert_null(ev_http_client_new(NULL, &err));
    assert_string_equal(err.code, "CurlInit");
    assert_non_null(strstr(err.message, "MAXCONNECTS"));
    /* The failed client released its hold on curl's state. */
    assert_int_equal(ev_http_global_cleanup(), 0);
}

/* A transfer that cannot be set up fails alone, with that reason, and is
 * not retried; the others run (and are retried as usual). */
static void test_setup_failure_fails_one_call(void **state)
{
    (void)state;
    ev_aws_error err;
    ev_http_client *h = ev_http_client_new(NULL, &err);
    ev_http_request reqs[3];
    ev_http_response resps[3];
    for (int i = 0; i < 3; i++) {
        reqs[i] = (ev_http_request){.method = "POST", .url = CLOSED_PORT_URL, .body = "{}", .body_len = 2};
        ev_http_response_init(&resps[i]);
    }
    fake.fail_add_handle_call = 2;
    assert_int_equal(ev_http_send_many(h, reqs, resps, 3, &err), -1);
    assert_string_equal(err.code, "TransferSetup");
    assert_non_null(strstr(err.message, "could not set up the transfer"));
    assert_false(err.retryable);
    assert_true(resps[1].not_started);
    assert_int_equal(resps[0].curl_code, CURLE_COULDNT_CONNECT);
    assert_int_equal(resps[2].curl_code, CURLE_COULDNT_CONNECT);
    for (int i = 0; i < 3; i++)
        ev_http_response_free(&resps[i]);
    ev_http_client_free(h);

    int sleeps = 0;
    ev_aws_client *c = client(&sleeps);
    ev_aws_call calls[3];
    for (int i = 0; i < 3; i++) {
        calls[i] = (ev_aws_call){.operation = "ListTables", .body = "{}", .body_len = 2};
        ev_buf_init(&calls[i].response);
    }
    fake.add_handle_calls = 0;
    fake.fail_add_handle_call = 2;
    assert_int_equal(ev_aws_client_call_many(c, calls, 3, &err), -1);
    assert_string_equal(calls[1].error.code, "TransferSetup");
    assert_int_equal(calls[1].error.kind, EV_AWS_ERR_TRANSPORT);
    assert_int_equal(calls[1].error.attempts, 1);
    assert_int_equal(calls[0].error.curl_code, CURLE_COULDNT_CONNECT);
    assert_int_equal(calls[0].error.attempts, 3);
    assert_int_equal(calls[2].error.attempts, 3);
    for (int i = 0; i < 3; i++)
        ev_buf_free(&calls[i].response);
    ev_aws_client_free(c);
}

/* The multi handle failing fails every unfinished call with that reason,
 * not retried; the client works again afterwards. */
static void test_multi_failure_fails_every_call(void **state)
{
    (void)state;
    int sleeps = 0;
    ev_aws_client *c = client(&sleeps);
    ev_aws_call calls[2];
    for (int i = 0; i < 2; i++) {
        calls[i] = (ev_aws_call){.operation = "ListTables", .body = "{}", .body_len = 2};
        ev_buf_init(&calls[i].response);
    }
    fake.fail_multi_perform = true;
    ev_aws_error err;
    assert_int_equal(ev_aws_client_call_many(c, calls, 2, &err), -1);
    for (int i = 0; i < 2; i++) {
        assert_string_equal(calls[i].error.code, "CurlMulti");
        assert_non_null(strstr(calls[i].error.message, "curl multi failed"));
        assert_int_equal(calls[i].error.attempts, 1);
        assert_false(calls[i].error.retryable);
    }
    assert_int_equal(sleeps, 0);
    fake.fail_multi_perform = false;
    assert_int_equal(ev_aws_client_call_many(c, calls, 1, &err), -1);
    assert_int_equal(calls[0].error.curl_code, CURLE_COULDNT_CONNECT);
    for (int i = 0; i < 2; i++)
        ev_buf_free(&calls[i].response);
    ev_aws_client_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_global_cleanup_then_new_client, reset_fake),
        cmocka_unit_test_setup(test_multi_setopt_failure_refuses_the_client, reset_fake),
        cmocka_unit_test_setup(test_setup_failure_fails_one_call, reset_fake),
        cmocka_unit_test_setup(test_multi_failure_fails_every_call, reset_fake),
    };
    int rc = cmocka_run_group_tests_name("aws_http", tests, NULL, NULL);
    ev_http_global_cleanup();
    return rc;
}
