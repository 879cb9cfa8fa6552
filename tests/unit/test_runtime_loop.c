/* ev_runtime_main against an in-process fake Runtime API on 127.0.0.1:
 * responses, errors, init errors, deadlines, malformed replies, an API that
 * goes away, SIGTERM during the wait, trace ids, arena resets, large
 * bodies. Waits use a manual clock, so no test sleeps for real. */
#include <cjson/cJSON.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <valgrind/valgrind.h>

#include <cmocka.h>

#include "runtime/ev_lambda.h"
#include "support/fake_runtime_api.h"

#define T0       1796206272345LL
#define DEADLINE "1796206275345" /* T0 + 3 s */
#define MAX_SEEN 8

typedef enum mode { ECHO, FAIL, SLOW, BIG, ALLOC, NULL_BODY } mode;

typedef struct app {
    mode mode;
    ev_manual_clock *clock;
    int64_t slow_ms;
    size_t big_len;
    int calls;
    char request_id[MAX_SEEN][64];
    int64_t deadline[MAX_SEEN];
    int64_t remaining[MAX_SEEN];
    char function_arn[MAX_SEEN][128];
    bool cold_start[MAX_SEEN];
    bool trace_env_set[MAX_SEEN];
    char trace_env[MAX_SEEN][128];
    char client_context[MAX_SEEN][64];
    char cognito[MAX_SEEN][64];
    size_t event_len[MAX_SEEN];
    void *first_alloc[MAX_SEEN];
    int init_calls;
    bool init_fails;
    const char *init_error_type;
} app;

typedef struct fixture {
    fake_api *api;
    ev_manual_clock clock;
    ev_sink_capture logs;
    ev_sink_capture emf;
    ev_log log;
    ev_metrics *metrics;
    ev_runtime_config cfg;
    app app;
} fixture;

static void note_call(app *a, const ev_invocation *inv, size_t event_len)
{
    int i = a->calls++;
    if (i >= MAX_SEEN)
        return;
    snprintf(a->request_id[i], sizeof a->request_id[i], "%s", inv->request_id);
    a->deadline[i] = inv->deadline_ms;
    a->remaining[i] = ev_invocation_remaining_ms(inv);
    snprintf(a->function_arn[i], sizeof a->function_arn[i], "%s", inv->function_arn);
    a->cold_start[i] = inv->cold_start;
    const char *trace = getenv("_X_AMZN_TRACE_ID");
    a->trace_env_set[i] = trace != NULL;
    snprintf(a->trace_env[i], sizeof a->trace_env[i], "%s", trace ? trace : "");
    snprintf(a->client_context[i], sizeof a->client_context[i], "%s",
             inv->client_context ? inv->client_context : "");
    snprintf(a->cognito[i], sizeof a->cognito[i], "%s", inv->cognito_identity ? inv->cognito_identity : "");
    a->event_len[i] = event_len;
}

static int handler(void *ctx, const ev_invocation *inv, const char *event, size_t event_len,
                   ev_handler_output *out)
{
    app *a = ctx;
    int i = a->calls;
    note_call(a, inv, event_len);
    ev_log_info(inv->log, "handling", EV_LOG_INT("bytes", event_len));
    ev_metrics_add_count(inv->metrics, EV_METRIC_EVENTS_ACCEPTED, 1);
    switch (a->mode) {
    case FAIL:
        return ev_handler_fail(out, "InvalidEvent", "field \"x\" is\nbad \xFF");
    case SLOW:
        ev_manual_clock_advance(a->clock, a->slow_ms);
        return ev_handler_respond(out, "late", 4);
    case BIG: {
        char *body = ev_arena_alloc(inv->arena, a->big_len);
        for (size_t k = 0; k < a->big_len; k++)
            body[k] = (char)('a' + k % 26);
        return ev_handler_respond(out, body, a->big_len);
    }
    case ALLOC: {
        char *p = ev_arena_alloc(inv->arena, 100);
        if (i < MAX_SEEN)
            a->first_alloc[i] = p;
        ev_arena_alloc(inv->arena, 1u << 20); /* a large one too: freed by the reset */
        return ev_handler_respond(out, "ok", 2);
    }
    case NULL_BODY:
        out->body = NULL;
        out->body_len = 5;
        return 0;
    case ECHO:
    default: {
        char *copy = ev_arena_strndup(inv->arena, event, event_len);
        out->content_type = "application/x-echo";
        return ev_handler_respond(out, copy, event_len);
    }
    }
}

static int init_fn(void *ctx, ev_log *log, ev_runtime_error *err)
{
    app *a = ctx;
    a->init_calls++;
    ev_log_info(log, "init");
    if (!a->init_fails)
        return 0;
    if (a->init_error_type == NULL)
        return -1; /* no message: the runtime supplies one */
    return ev_runtime_error_set(err, a->init_error_type, "SQS_QUEUE_URL is not set: the queue to send to");
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->api = fake_api_start();
    assert_non_null(f->api);
    ev_manual_clock_init(&f->clock, T0);
    ev_sink_capture_init(&f->logs);
    ev_sink_capture_init(&f->emf);
    setenv("POWERTOOLS_SERVICE_NAME", "test", 1);
    unsetenv("LOG_LEVEL");
    unsetenv("_X_AMZN_TRACE_ID");
    ev_log_init(&f->log, &(ev_log_options){
                             .sink = ev_sink_capture_fn, .sink_ctx = &f->logs, .clock = &f->clock.clock});
    ev_log_set_level(&f->log, EV_LOG_DEBUG);
    f->metrics = ev_metrics_new(
        &(ev_metrics_options){.sink = ev_sink_capture_fn, .sink_ctx = &f->emf, .clock = &f->clock.clock},
        NULL, 0);
    f->cfg = (ev_runtime_config){.api_base_url = fake_api_url(f->api),
                                 .clock = &f->clock.clock,
                                 .log = &f->log,
                                 .metrics = f->metrics};
    f->app.clock = &f->clock;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    fake_api_stop(f->api);
    ev_metrics_free(f->metrics);
    ev_sink_capture_free(&f->logs);
    ev_sink_capture_free(&f->emf);
    free(f);
    unsetenv("POWERTOOLS_SERVICE_NAME");
    unsetenv("_X_AMZN_TRACE_ID");
    unsetenv("AWS_LAMBDA_RUNTIME_API");
    return 0;
}

static void push_invocation(fixture *f, const char *id, const char *body)
{
    fake_api_push(f->api,
                  &(fake_next){.kind = FAKE_REPLY,
                               .request_id = id,
                               .deadline_ms = DEADLINE,
                               .function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:ingest",
                               .body = body});
}

static int run(fixture *f)
{
    return ev_runtime_main(&f->cfg, init_fn, handler, &f->app);
}

static bool logs_contain(const fixture *f, const char *text)
{
    return f->logs.text.data && strstr(f->logs.text.data, text) != NULL;
}

static void assert_error_post(const fake_request *r, const char *id, const char *type,
                              const char *message_part)
{
    assert_non_null(r);
    char path[256];
    snprintf(path, sizeof path, "/2018-06-01/runtime/invocation/%s/error", id);
    assert_string_equal(r->path, path);
    assert_true(r->has_error_type);
    assert_string_equal(r->error_type, type);
    cJSON *doc = cJSON_ParseWithOpts(r->body, NULL, 1);
    if (doc == NULL)
        fail_msg("error body is not JSON: %s", r->body);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(doc, "errorType")->valuestring, type);
    const char *message = cJSON_GetObjectItemCaseSensitive(doc, "errorMessage")->valuestring;
    if (strstr(message, message_part) == NULL)
        fail_msg("errorMessage \"%s\" lacks \"%s\"", message, message_part);
    cJSON_Delete(doc);
}

/* ---- the normal path ---- */

static void test_response_posted(void **state)
{
    fixture *f = *state;
    push_invocation(f, "req-1", "{\"a\":1}");
    f->cfg.max_invocations = 1;
    assert_int_equal(run(f), EV_RUNTIME_EXIT_OK);
    assert_int_equal(f->app.init_calls, 1);
    assert_int_equal(f->app.calls, 1);
    assert_string_equal(f->app.request_id[0], "req-1");
    assert_int_equal(f->app.deadline[0], T0 + 3000);
    assert_int_equal(f->app.remaining[0], 3000);
    assert_string_equal(f->app.function_arn[0], "arn:aws:lambda:eu-west-1:123456789012:function:ingest");
    assert_true(f->app.cold_start[0]);
    assert_int_equal(fake_api_count(f->api, "GET", "/invocation/next"), 1);
    const fake_request *post = fake_api_post(f->api, 0);
    assert_non_null(post);
    assert_string_equal(post->path, "/2018-06-01/runtime/invocation/req-1/response");
    assert_string_equal(post->body, "{\"a\":1}");
    assert_string_equal(post->content_type, "application/x-echo");
    assert_false(post->has_error_type);
    assert_null(fake_api_post(f->api, 1));
    /* The handler's log line carries the invocation keys. */
    assert_true(logs_contain(f, "\"message\":\"handling\""));
    assert_true(logs_contain(f, "\"function_request_id\":\"req-1\""));
    assert_true(logs_contain(f, "\"cold_start\":true"));
    /* EMF: ColdStart once, then the invocation's document with HandlerLatency. */
    assert_int_equal(f->emf.lines, 2);
    assert_non_null(strstr(f->emf.text.data, "\"ColdStart\":1"));
    assert_non_null(strstr(f->emf.text.data, "\"EventsAccepted\":1"));
    assert_non_null(strstr(f->emf.text.data, "\"HandlerLatency\":0"));
    assert_non_null(strstr(f->emf.text.data, "\"function_request_id\":\"req-1\""));
}

static void test_second_invocation_is_warm(void **state)
{
    fixture *f = *state;
    push_invocation(f, "req-1", "1");
    push_invocation(f, "req-2", "22");
    f->cfg.max_invocations = 2;
    assert_int_equal(run(f), EV_RUNTIME_EXIT_OK);
    assert_int_equal(f->app.calls, 2);
    assert_true(f->app.cold_start[0]);
    assert_false(f->app.cold_start[1]);
    assert_int_equal(f->app.event_len[1], 2);
    assert_string_equal(fake_api_post(f->api, 1)->path, "/2018-06-01/runtime/invocation/req-2/response");
    assert_int_equal(f->emf.lines, 3); /* ColdStart + one per invocation */
}

static void test_client_context_and_cognito_identity(void **state)
{
    fixture *f = *state;
    fake_api_push(f->api, &(fake_next){.kind = FAKE_REPLY,
                                       .request_id = "req-c",
                                       .deadline_ms = DEADLINE,
                                       .client_context = "{\"client\":{\"app_title\":\"t\"}}",
                                       .cognito_identity = "{\"cognitoIdentityId\":\"id-1\"}",
                                       .body = "{}"});
    f->cfg.max_invocations = 1;
    assert_int_equal(run(f), EV_RUNTIME_EXIT_OK);
    assert_string_equal(f->app.client_context[0], "{\"client\":{\"app_title\":\"t\"}}");
    assert_string_equal(f->app.cognito[0], "{\"cognitoIdentityId\":\"id-1\"}");
    /* Absent ARN: "" for the handler. */
    assert_string_equal(f->app.function_arn[0], "");
}

static void test_base_url_from_environment(void **state)
{
    fixture *f = *state;
    push_invocation(f, "req-env", "{}");
    setenv("AWS_LAMBDA_RUNTIME_API", fake_api_host_port(f->api), 1);
    f->cfg.api_base_url = NULL;
    f->cfg.max_invocations = 1;
    assert_int_equal(run(f), EV_RUNTIME_EXIT_OK);
    assert_string_equal(fake_api_post(f->api, 0)->path, "/2018-06-01/runtime/invocation/req-env/response");
}

/* ---- errors ---- */

static void test_handler_error_posted(void **state)
{
    fixture *f = *state;
    push_invocation(f, "req-err", "{}");
    f->app.mode = FAIL;
    f->cfg.max_invocations = 1;
    assert_int_equal(run(f), EV_RUNTIME_EXIT_OK);
    const fake_request *post = fake_api_post(f->api, 0);
    assert_error_post(post, "req-err", "InvalidEvent", "field \"x\" is\nbad \xEF\xBF\xBD");
    assert_string_equal(post->content_type, "application/json");
    assert_null(fake_api_post(f->api, 1));
    assert_true(logs_contain(f, "\"message\":\"handler failed\""));
    assert_true(logs_contain(f, "\"error_type\":\"InvalidEvent\""));
}

static void test_handler_null_body_is_an_error(void **state)
{
    fixture *f = *state;
    push_invocation(f, "req-null", "{}");
    f->app.mode = NULL_BODY;
    f->cfg.max_invocations = 1;
    assert_int_equal(run(f), EV_RUNTIME_EXIT_OK);
    assert_error_post(fake_api_post(f->api, 0), "req-null", "Runtime.HandlerFailed", "NULL body of 5 bytes");
}

static void test_init_error_posted(void **state)
{
    fixture *f = *state;
    push_invocation(f, "never", "{}");
    f->app.init_fails = true;
    f->app.init_error_type = "Runtime.ConfigInvalid";
    assert_int_equal(run(f), EV_RUNTIME_EXIT_INIT_FAILED);
    assert_int_equal(f->app.calls, 0);
    assert_int_equal(fake_api_count(f->api, "GET", "/invocation/next"), 0);
    const fake_request *post = fake_api_post(f->api, 0);
    assert_non_null(post);
    assert_string_equal(post->path, "/2018-06-01/runtime/init/error");
    assert_string_equal(post->error_type, "Runtime.ConfigInvalid");
    cJSON *doc = cJSON_Parse(post->body);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(doc, "errorMessage")->valuestring,
                        "SQS_QUEUE_URL is not set: the queue to send to");
    cJSON_Delete(doc);
    assert_true(logs_contain(f, "\"level\":\"CRITICAL\""));
    assert_true(logs_contain(f, "initialisation failed"));
}

static void test_init_error_without_message(void **state)
{
    fixture *f = *state;
    f->app.init_fails = true;
    assert_int_equal(run(f), EV_RUNTIME_EXIT_INIT_FAILED);
    const fake_request *post = fake_api_post(f->api, 0);
    assert_non_null(post);
    assert_string_equal(post->error_type, "Runtime.InitError");
    assert_non_null(strstr(post->body, "without a message"));
}

static void test_bad_configuration_posts_init_error(void **state)
{
    fixture *f = *state;
    /* The runtime's own metrics, from a namespace CloudWatch refuses. */
    f->cfg.metrics = NULL;
    setenv("POWERTOOLS_METRICS_NAMESPACE", "AWS/Lambda", 1);
    int rc = run(f);
    unsetenv("POWERTOOLS_METRICS_NAMESPACE");
    assert_int_equal(rc, EV_RUNTIME_EXIT_INIT_FAILED);
    assert_int_equal(f->app.init_calls, 0);
    const fake_request *post = fake_api_post(f->api, 0);
    assert_non_null(post);
    assert_string_equal(post->path, "/2018-06-01/runtime/init/error");
    assert_string_equal(post->error_type, "Runtime.ConfigInvalid");
    assert_non_null(strstr(post->body, "POWERTOOLS_METRICS_NAMESPACE"));
}

static void test_no_runtime_api_configured(void **state)
{
    fixture *f = *state;
    f->cfg.api_base_url = NULL;
    unsetenv("AWS_LAMBDA_RUNTIME_API");
    assert_int_equal(run(f), EV_RUNTIME_EXIT_INIT_FAILED);
    assert_true(logs_contain(f, "AWS_LAMBDA_RUNTIME_API is not set"));
    assert_true(logs_contain(f, "\"init_error_posted\":false"));
    setenv("AWS_LAMBDA_RUNTIME_API", "http://127.0.0.1:1/x", 1);
    assert_int_equal(run(f), EV_RUNTIME_EXIT_INIT_FAILED);
    assert_true(logs_contain(f, "is not a host:port"));
    assert_int_equal(fake_api_request_count(f->api), 0);
}

/* ---- deadlines ---- */

static void test_deadline_overrun_posts_error_not_response(void **state)
{
    fixture *f = *state;
    push_invocation(f, "req-slow", "{}");
    f->app.mode = SLOW;
    f->app.slow_ms = 3500; /* finishes 500 ms after the deadline */
    f->cfg.max_invocations = 1;
    assert_int_equal(run(f), EV_RUNTIME_EXIT_OK);
    assert_int_equal(fake_api_count(f->api, "POST", "/response"), 0);
    assert_error_post(fake_api_post(f->api, 0), "req-slow", "Runtime.DeadlineExceeded", "500 ms after");
    assert_true(logs_contain(f, "\"late_ms\":500"));
    /* Finishing 1 ms early is on time. */
    fake_api_stop(f->api);
    f->api = fake_api_start();
    f->cfg.api_base_url = fake_api_url(f->api);
    push_invocation(f, "req-ok", "{}");
    ev_manual_clock_init(&f->clock, T0);
    f->app.slow_ms = 2999;
    assert_int_equal(run(f), EV_RUNTIME_EXIT_OK);
    assert_int_equal(fake_api_count(f->api, "POST", "/invocation/req-ok/response"), 1);
}

static void test_invocation_arriving_late_is_not_handled(void **state)
{
    fixture *f = *state;
    fake_api_push(f->api, &(fake_next){.kind = FAKE_REPLY,
                                       .request_id = "req-late",
                                       .deadline_ms = "1796206272000",
                                       .body = "{}"});
    f->cfg.max_invocations = 1;
    assert_int_equal(run(f), EV_RUNTIME_EXIT_OK);
    assert_int_equal(f->app.calls, 0);
    assert_error_post(fake_api_post(f->api, 0), "req-late", "Runtime.DeadlineExceeded",
                      "345 ms after its deadline");
}

/* ---- malformed replies ---- */

static void test_malformed_replies(void **state)
{
    fixture *f = *state;
    char big[4096];
    memset(big, 'z', sizeof big);
    fake_api_push(f->api, &(fake_next){.kind = FAKE_REPLY, .request_id = "no-deadline", .body = "{}"});
    fake_api_push(
        f->api,
        &(fake_next){.kind = FAKE_REPLY, .request_id = "bad-deadline", .deadline_ms = "12abc", .body = "{}"});
    fake_api_push(f->api, &(fake_next){.kind = FAKE_REPLY, .request_id = "empty", .deadline_ms = DEADLINE});
    fake_api_push(f->api, &(fake_next){.kind = FAKE_REPLY,
                                       .request_id = "huge",
                                       .deadline_ms = DEADLINE,
                                       .body = big,
                                       .body_len = sizeof big});
    fake_api_push(f->api,
                  &(fake_next){.kind = FAKE_REPLY, .status = 404, .body = "{\"errorMessage\":\"x\"}"});
    push_invocation(f, "after-retry", "{}");
    fake_api_push(f->api,
                  &(fake_next){.kind = FAKE_REPLY, .deadline_ms = DEADLINE, .body = "{}"}); /* no id */
    f->cfg.max_event_bytes = 1024;
    assert_int_equal(run(f), EV_RUNTIME_EXIT_API_FAILED);
    /* The handler saw only the empty event and the good one. */
    assert_int_equal(f->app.calls, 2);
    assert_string_equal(f->app.request_id[0], "empty");
    assert_int_equal(f->app.event_len[0], 0);
    assert_string_equal(f->app.request_id[1], "after-retry");
    assert_error_post(fake_api_post(f->api, 0), "no-deadline", "Runtime.InvalidInvocation",
                      "no Lambda-Runtime-Deadline-Ms");
    assert_error_post(fake_api_post(f->api, 1), "bad-deadline", "Runtime.InvalidInvocation", "\"12abc\"");
    assert_string_equal(fake_api_post(f->api, 2)->path, "/2018-06-01/runtime/invocation/empty/response");
    assert_error_post(fake_api_post(f->api, 3), "huge", "Runtime.EventTooLarge",
                      "4096 bytes, over the limit of 1024");
    assert_string_equal(fake_api_post(f->api, 4)->path,
                        "/2018-06-01/runtime/invocation/after-retry/response");
    assert_null(fake_api_post(f->api, 5));
    /* The 404 cost one retry wait; the missing id ended the loop. */
    assert_int_equal(f->clock.sleeps, 1);
    assert_int_equal(f->clock.slept_ms, 100);
    assert_true(logs_contain(f, "HTTP 404 instead of 200"));
    assert_true(logs_contain(f, "no Lambda-Runtime-Aws-Request-Id header"));
    assert_true(logs_contain(f, "\"message\":\"runtime stopping\""));
}

static void test_next_answered_500_exits_at_once(void **state)
{
    fixture *f = *state;
    fake_api_push(f->api, &(fake_next){.kind = FAKE_REPLY, .status = 500, .body = "{}"});
    assert_int_equal(run(f), EV_RUNTIME_EXIT_API_FAILED);
    assert_int_equal(fake_api_count(f->api, "GET", "/invocation/next"), 1);
    assert_int_equal(f->clock.sleeps, 0);
    assert_true(logs_contain(f, "container error"));
}

/* ---- a Runtime API that goes away ---- */

static void test_api_resets_connections(void **state)
{
    fixture *f = *state;
    push_invocation(f, "req-1", "{}");
    /* Then the script is empty: every next is dropped without an answer. */
    assert_int_equal(run(f), EV_RUNTIME_EXIT_API_FAILED);
    assert_int_equal(f->app.calls, 1);
    assert_int_equal(fake_api_count(f->api, "POST", "/invocation/req-1/response"), 1);
    /* 1 served + 3 attempts; curl itself resends once a request whose kept-alive
     * connection died before any answer, hence up to one more. */
    assert_in_range(fake_api_count(f->api, "GET", "/invocation/next"), 1 + 3, 1 + 3 + 1);
    assert_true(logs_contain(f, "\"attempt\":3,\"attempts\":3"));
    /* Bounded, growing waits: no busy loop. */
    assert_int_equal(f->clock.sleeps, 2);
    assert_int_equal(f->clock.slept_ms, 100 + 200);
    assert_true(logs_contain(f, "no invocation from the Runtime API; retrying"));
    assert_true(logs_contain(f, "no invocation from the Runtime API; exiting"));
}

static void test_api_refuses_connections(void **state)
{
    fixture *f = *state;
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/2018-06-01/runtime", fake_unused_port());
    f->cfg.api_base_url = url;
    f->cfg.attempts = 4;
    f->cfg.retry_delay_ms = 50;
    assert_int_equal(run(f), EV_RUNTIME_EXIT_API_FAILED);
    assert_int_equal(f->app.calls, 0);
    assert_int_equal(f->clock.sleeps, 3);
    assert_int_equal(f->clock.slept_ms, 50 + 100 + 200);
    assert_true(logs_contain(f, "\"attempt\":4"));
    /* Init ran (the API address is only known to fail on first use). */
    assert_int_equal(f->app.init_calls, 1);
}

static void test_post_refused_or_failing(void **state)
{
    fixture *f = *state;
    push_invocation(f, "req-400", "{}");
    fake_api_set_post_status(f->api, 400);
    f->cfg.max_invocations = 1;
    assert_int_equal(run(f), EV_RUNTIME_EXIT_OK);
    assert_true(logs_contain(f, "Runtime API refused an invocation's answer"));
    assert_true(logs_contain(f, "\"status\":400"));
    assert_true(logs_contain(f, "refused by the fake"));
    /* 500 to a post: exit. */
    push_invocation(f, "req-500", "{}");
    push_invocation(f, "never-reached", "{}");
    fake_api_set_post_status(f->api, 500);
    f->cfg.max_invocations = 0;
    assert_int_equal(run(f), EV_RUNTIME_EXIT_API_FAILED);
    assert_int_equal(f->app.calls, 2);
}

static void test_response_413_becomes_error(void **state)
{
    fixture *f = *state;
    push_invocation(f, "req-413", "{}");
    fake_api_set_post_status(f->api, 413);
    f->cfg.max_invocations = 1;
    assert_int_equal(run(f), EV_RUNTIME_EXIT_OK);
    assert_string_equal(fake_api_post(f->api, 0)->path, "/2018-06-01/runtime/invocation/req-413/response");
    assert_error_post(fake_api_post(f->api, 1), "req-413", "Runtime.ResponseTooLarge", "(413)");
}

/* ---- SIGTERM ---- */

static void send_sigterm(void)
{
    kill(getpid(), SIGTERM);
}

static void request_stop(void)
{
    ev_runtime_request_stop();
}

static void test_sigterm_during_wait(void **state)
{
    fixture *f = *state;
    push_invocation(f, "req-1", "{}");
    fake_api_push(f->api, &(fake_next){.kind = FAKE_HANG, .before_hang = send_sigterm});
    struct sigaction before;
    sigaction(SIGTERM, NULL, &before);
    assert_int_equal(run(f), EV_RUNTIME_EXIT_OK);
    assert_int_equal(f->app.calls, 1);
    assert_int_equal(fake_api_count(f->api, "GET", "/invocation/next"), 2);
    assert_true(logs_contain(f, "stop requested (SIGTERM)"));
    /* Metrics of the served invocation were flushed before stopping. */
    assert_non_null(strstr(f->emf.text.data, "\"function_request_id\":\"req-1\""));
    /* The previous disposition is back. */
    struct sigaction after;
    sigaction(SIGTERM, NULL, &after);
    assert_ptr_equal(after.sa_handler, before.sa_handler);
}

/* SIGTERM while init/error waits for an answer that never comes: the
 * process stops instead of hanging (no invocation is lost by it). */
static void test_sigterm_during_init_error_post(void **state)
{
    fixture *f = *state;
    push_invocation(f, "never", "{}");
    f->app.init_fails = true;
    f->app.init_error_type = "Runtime.ConfigInvalid";
    fake_api_set_post_hang(f->api, send_sigterm);
    assert_int_equal(run(f), EV_RUNTIME_EXIT_INIT_FAILED);
    assert_int_equal(f->app.calls, 0);
    assert_int_equal(fake_api_count(f->api, "POST", "/init/error"), 1);
    assert_true(logs_contain(f, "init error not accepted by the Runtime API"));
    assert_true(logs_contain(f, "stopped by a shutdown request"));
}

static void test_stop_request_without_signal_handler(void **state)
{
    fixture *f = *state;
    fake_api_push(f->api, &(fake_next){.kind = FAKE_HANG, .before_hang = request_stop});
    f->cfg.keep_sigterm = true;
    assert_int_equal(run(f), EV_RUNTIME_EXIT_OK);
    assert_int_equal(f->app.calls, 0);
    assert_true(logs_contain(f, "stop requested"));
}

/* ---- per-invocation state ---- */

static void test_trace_id_set_and_unset(void **state)
{
    fixture *f = *state;
    setenv("_X_AMZN_TRACE_ID", "stale-from-before", 1);
    fake_api_push(f->api, &(fake_next){.kind = FAKE_REPLY,
                                       .request_id = "traced",
                                       .deadline_ms = DEADLINE,
                                       .trace_id = "Root=1-5e1b4151-5ac6c58f5b5daa6532e4f2e0;Sampled=1",
                                       .body = "{}"});
    push_invocation(f, "untraced", "{}");
    f->cfg.max_invocations = 2;
    assert_int_equal(run(f), EV_RUNTIME_EXIT_OK);
    assert_true(f->app.trace_env_set[0]);
    assert_string_equal(f->app.trace_env[0], "Root=1-5e1b4151-5ac6c58f5b5daa6532e4f2e0;Sampled=1");
    assert_false(f->app.trace_env_set[1]);
    assert_true(logs_contain(f, "\"xray_trace_id\":\"Root=1-5e1b4151-5ac6c58f5b5daa6532e4f2e0;Sampled=1\""));
}

static void test_arena_reset_between_invocations(void **state)
{
    fixture *f = *state;
    for (int i = 0; i < 3; i++)
        push_invocation(f, "req", "{}");
    f->app.mode = ALLOC;
    f->cfg.max_invocations = 3;
    assert_int_equal(run(f), EV_RUNTIME_EXIT_OK);
    assert_int_equal(f->app.calls, 3);
    /* Each invocation starts with an empty arena: same first address. */
    assert_non_null(f->app.first_alloc[0]);
    assert_ptr_equal(f->app.first_alloc[0], f->app.first_alloc[1]);
    assert_ptr_equal(f->app.first_alloc[1], f->app.first_alloc[2]);
}

/* ---- large bodies ---- */

static void test_large_response(void **state)
{
    fixture *f = *state;
    push_invocation(f, "req-big", "{}");
    f->app.mode = BIG;
    f->app.big_len = 5u * 1024u * 1024u;
    f->cfg.max_invocations = 1;
    assert_int_equal(run(f), EV_RUNTIME_EXIT_OK);
    const fake_request *post = fake_api_post(f->api, 0);
    assert_string_equal(post->path, "/2018-06-01/runtime/invocation/req-big/response");
    assert_int_equal(post->body_len, f->app.big_len);
    for (size_t k = 0; k < post->body_len; k += 4099)
        assert_int_equal(post->body[k], 'a' + k % 26);
    assert_int_equal(post->body[post->body_len - 1], 'a' + (post->body_len - 1) % 26);
}

static void test_response_over_limit_becomes_error(void **state)
{
    fixture *f = *state;
    push_invocation(f, "req-huge", "{}");
    f->app.mode = BIG;
    f->app.big_len = 2u * 1024u * 1024u;
    f->cfg.max_response_bytes = 1024u * 1024u;
    f->cfg.max_invocations = 1;
    assert_int_equal(run(f), EV_RUNTIME_EXIT_OK);
    assert_int_equal(fake_api_count(f->api, "POST", "/response"), 0);
    assert_error_post(fake_api_post(f->api, 0), "req-huge", "Runtime.ResponseTooLarge",
                      "2097152 bytes, over the limit of 1048576");
}

static void test_large_event(void **state)
{
    fixture *f = *state;
    size_t len = 3u * 1024u * 1024u;
    char *big = malloc(len);
    memset(big, 'e', len);
    fake_api_push(f->api, &(fake_next){.kind = FAKE_REPLY,
                                       .request_id = "req-e",
                                       .deadline_ms = DEADLINE,
                                       .body = big,
                                       .body_len = len});
    free(big);
    f->cfg.max_invocations = 1;
    assert_int_equal(run(f), EV_RUNTIME_EXIT_OK);
    assert_int_equal(f->app.event_len[0], len);
    assert_int_equal(fake_api_post(f->api, 0)->body_len, len);
}

/* Stop requests from other threads while the pipe is installed and closed
 * again and again: every request is seen, the flag clears on install, and
 * (under TSan, make tsan) no request races the flag or writes to a pipe
 * being closed. */
typedef struct stop_hammer {
    atomic_int running;
    atomic_long requests;
} stop_hammer;

static void *hammer_stop(void *arg)
{
    stop_hammer *h = arg;
    while (atomic_load(&h->running)) {
        ev_shutdown_request();
        atomic_fetch_add(&h->requests, 1);
    }
    return NULL;
}

static void test_stop_requests_from_threads_during_install_and_uninstall(void **state)
{
    (void)state;
    stop_hammer h;
    atomic_init(&h.running, 1);
    atomic_init(&h.requests, 0);
    pthread_t t[3];
    for (int i = 0; i < 3; i++)
        assert_int_equal(pthread_create(&t[i], NULL, hammer_stop, &h), 0);
    ev_runtime_error err;
    /* valgrind runs one thread at a time: fewer rounds, the same checks. */
    int rounds = RUNNING_ON_VALGRIND ? 20 : 300;
    for (int round = 0; round < rounds; round++) {
        assert_int_equal(ev_shutdown_install(false, &err), 0);
        int fd = ev_shutdown_wake_fd();
        assert_true(fd >= 0);
        long before = atomic_load(&h.requests);
        while (atomic_load(&h.requests) < before + 2)
            sched_yield();
        assert_true(ev_shutdown_requested());
        char c;
        assert_int_equal(read(fd, &c, 1), 1);
        ev_shutdown_uninstall();
        assert_int_equal(ev_shutdown_wake_fd(), -1);
    }
    atomic_store(&h.running, 0);
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_response_posted),
        T(test_second_invocation_is_warm),
        T(test_client_context_and_cognito_identity),
        T(test_base_url_from_environment),
        T(test_handler_error_posted),
        T(test_handler_null_body_is_an_error),
        T(test_init_error_posted),
        T(test_init_error_without_message),
        T(test_sigterm_during_init_error_post),
        T(test_bad_configuration_posts_init_error),
        T(test_no_runtime_api_configured),
        T(test_deadline_overrun_posts_error_not_response),
        T(test_invocation_arriving_late_is_not_handled),
        T(test_malformed_replies),
        T(test_next_answered_500_exits_at_once),
        T(test_api_resets_connections),
        T(test_api_refuses_connections),
        T(test_post_refused_or_failing),
        T(test_response_413_becomes_error),
        T(test_sigterm_during_wait),
        T(test_stop_request_without_signal_handler),
        cmocka_unit_test(test_stop_requests_from_threads_during_install_and_uninstall),
        T(test_trace_id_set_and_unset),
        T(test_arena_reset_between_invocations),
        T(test_large_response),
        T(test_response_over_limit_becomes_error),
        T(test_large_event),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
