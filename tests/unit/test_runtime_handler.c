/* Handlers are plain functions: tested here with no network, no runtime
 * loop, a manual clock and captured logs, the way the functions' own
 * tests call theirs. */
#include <cjson/cJSON.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "runtime/ev_lambda.h"

/* A small handler: refuses to start work with under 100 ms left, answers
 * {"request":"<id>","left_ms":N} from the arena. */
static int sample_handler(void *app, const ev_invocation *inv, const char *event, size_t event_len,
                          ev_handler_output *out)
{
    (void)app;
    (void)event;
    int64_t left = ev_invocation_remaining_ms(inv);
    if (left < 100)
        return ev_handler_fail(out, "NotEnoughTime", "only %lld ms left for a %zu-byte event",
                               (long long)left, event_len);
    ev_log_info(inv->log, "answering", EV_LOG_INT("left_ms", left));
    ev_metrics_add_count(inv->metrics, EV_METRIC_EVENTS_ACCEPTED, 1);
    size_t cap = strlen(inv->request_id) + 64;
    char *body = ev_arena_alloc(inv->arena, cap);
    int n = snprintf(body, cap, "{\"request\":\"%s\",\"left_ms\":%lld}", inv->request_id, (long long)left);
    return ev_handler_respond(out, body, (size_t)n);
}

static void test_handler_without_network(void **state)
{
    (void)state;
    ev_arena arena;
    ev_arena_init(&arena, 0);
    ev_manual_clock clock;
    ev_manual_clock_init(&clock, 1796206272345);
    ev_invocation inv;
    ev_invocation_init(&inv, "req-7", 1796206272345 + 2500, &arena, &clock.clock);
    assert_int_equal(ev_invocation_remaining_ms(&inv), 2500);
    assert_string_equal(inv.function_arn, "");
    assert_null(inv.log);
    ev_handler_output out;
    memset(&out, 0, sizeof out);
    /* No log and no metrics: both are discarded. */
    assert_int_equal(sample_handler(NULL, &inv, "{}", 2, &out), 0);
    assert_string_equal(out.body, "{\"request\":\"req-7\",\"left_ms\":2500}");
    /* Time passes: the same handler fails, with a clear error. */
    ev_manual_clock_advance(&clock, 2450);
    memset(&out, 0, sizeof out);
    assert_int_equal(sample_handler(NULL, &inv, "{}", 2, &out), -1);
    assert_string_equal(out.error.type, "NotEnoughTime");
    assert_string_equal(out.error.message, "only 50 ms left for a 2-byte event");
    ev_manual_clock_advance(&clock, 100);
    assert_int_equal(ev_invocation_remaining_ms(&inv), -50);
    ev_arena_free(&arena);
}

static void test_handler_logs_captured(void **state)
{
    (void)state;
    ev_arena arena;
    ev_arena_init(&arena, 0);
    ev_manual_clock clock;
    ev_manual_clock_init(&clock, 1796206272345);
    ev_sink_capture lines;
    ev_sink_capture_init(&lines);
    ev_log log;
    ev_log_init(&log,
                &(ev_log_options){.sink = ev_sink_capture_fn, .sink_ctx = &lines, .clock = &clock.clock});
    ev_log_set_invocation(&log, "req-8", NULL, NULL, false);
    ev_invocation inv;
    ev_invocation_init(&inv, "req-8", 1796206272345 + 1000, &arena, &clock.clock);
    inv.log = &log;
    ev_handler_output out;
    memset(&out, 0, sizeof out);
    assert_int_equal(sample_handler(NULL, &inv, "{}", 2, &out), 0);
    assert_int_equal(lines.lines, 1);
    char *line = ev_sink_capture_line(&lines, 0);
    cJSON *doc = cJSON_Parse(line);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(doc, "function_request_id")->valuestring, "req-8");
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(doc, "left_ms")->valueint, 1000);
    cJSON_Delete(doc);
    free(line);
    ev_sink_capture_free(&lines);
    ev_arena_free(&arena);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_handler_without_network),
        cmocka_unit_test(test_handler_logs_captured),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
