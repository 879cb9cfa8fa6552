/* ev_log: Powertools keys, levels, typed fields, escaping, one write a line. */
#include <cjson/cJSON.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/ev_log.h"

typedef struct fixture {
    ev_manual_clock clock;
    ev_sink_capture cap;
    ev_log log;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    ev_manual_clock_init(&f->clock, 1796206272345);
    ev_sink_capture_init(&f->cap);
    unsetenv("LOG_LEVEL");
    unsetenv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE");
    setenv("POWERTOOLS_SERVICE_NAME", "ingestion", 1);
    setenv("AWS_LAMBDA_FUNCTION_NAME", "evpipe-ingest", 1);
    ev_log_options o = {.sink = ev_sink_capture_fn, .sink_ctx = &f->cap, .clock = &f->clock.clock};
    ev_log_init(&f->log, &o);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    ev_sink_capture_free(&f->cap);
    free(f);
    unsetenv("POWERTOOLS_SERVICE_NAME");
    unsetenv("AWS_LAMBDA_FUNCTION_NAME");
    unsetenv("LOG_LEVEL");
    return 0;
}

/* Line i as a cJSON object; fails the test when it is not one JSON object. */
static cJSON *line_json(const fixture *f, size_t i)
{
    char *line = ev_sink_capture_line(&f->cap, i);
    assert_non_null(line);
    const char *end = NULL;
    cJSON *doc = cJSON_ParseWithOpts(line, &end, 1);
    if (doc == NULL)
        fail_msg("line %zu is not JSON: %s", i, line);
    assert_true(cJSON_IsObject(doc));
    free(line);
    return doc;
}

static const char *str_of(const cJSON *doc, const char *key)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(doc, key);
    return cJSON_IsString(item) ? item->valuestring : NULL;
}

static void test_exact_line_outside_invocation(void **state)
{
    fixture *f = *state;
    assert_int_equal(ev_log_emit(&f->log, EV_LOG_INFO, "handle_event", 42, "started", NULL, 0), 0);
    char *line = ev_sink_capture_line(&f->cap, 0);
    assert_string_equal(line, "{\"level\":\"INFO\",\"location\":\"handle_event:42\",\"message\":\"started\","
                              "\"timestamp\":\"2026-12-02T10:11:12.345Z\",\"service\":\"ingestion\","
                              "\"function_name\":\"evpipe-ingest\"}");
    free(line);
    /* Exactly one line, ending in a newline. */
    assert_int_equal(f->cap.lines, 1);
    assert_int_equal(f->cap.text.data[f->cap.text.len - 1], '\n');
    assert_int_equal(f->log.lines_written, 1);
}

static void test_invocation_keys_in_powertools_order(void **state)
{
    fixture *f = *state;
    setenv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128", 1);
    ev_log_init(&f->log,
                &(ev_log_options){.sink = ev_sink_capture_fn, .sink_ctx = &f->cap, .clock = &f->clock.clock});
    ev_log_set_invocation(&f->log, "8f5c-req", "Root=1-5e1b4151-5ac6c58f5b5daa6532e4f2e0", "arn:aws:lambda:x",
                          true);
    int call_line = __LINE__ + 1;
    ev_log_info(&f->log, "queued", EV_LOG_STR("event_id", "0190-abc"), EV_LOG_INT("bytes", 127));
    char *line = ev_sink_capture_line(&f->cap, 0);
    const char *order[] = {"\"level\"",         "\"location\"",
                           "\"message\"",       "\"timestamp\"",
                           "\"service\"",       "\"cold_start\":true",
                           "\"function_name\"", "\"function_memory_size\":\"128\"",
                           "\"function_arn\"",  "\"function_request_id\":\"8f5c-req\"",
                           "\"xray_trace_id\"", "\"event_id\"",
                           "\"bytes\":127"};
    const char *at = line;
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        const char *found = strstr(at, order[i]);
        if (found == NULL)
            fail_msg("%s missing or out of order in %s", order[i], line);
        at = found;
    }
    free(line);
    cJSON *doc = line_json(f, 0);
    char want[128];
    snprintf(want, sizeof want, "test_invocation_keys_in_powertools_order:%d", call_line);
    assert_string_equal(str_of(doc, "location"), want);
    cJSON_Delete(doc);
    /* After the invocation the invocation keys are gone. */
    ev_log_clear_invocation(&f->log);
    ev_log_info(&f->log, "idle");
    doc = line_json(f, 1);
    assert_null(cJSON_GetObjectItemCaseSensitive(doc, "cold_start"));
    assert_null(cJSON_GetObjectItemCaseSensitive(doc, "function_request_id"));
    assert_null(cJSON_GetObjectItemCaseSensitive(doc, "xray_trace_id"));
    cJSON_Delete(doc);
}

static void test_levels(void **state)
{
    fixture *f = *state;
    ev_log_level lvl;
    const char *names[] = {"DEBUG", "info", "Warning", "WARN", "error", "CRITICAL"};
    const ev_log_level want[] = {EV_LOG_DEBUG,   EV_LOG_INFO,  EV_LOG_WARNING,
                                 EV_LOG_WARNING, EV_LOG_ERROR, EV_LOG_CRITICAL};
    for (size_t i = 0; i < 6; i++) {
        assert_int_equal(ev_log_level_parse(names[i], &lvl), 0);
        assert_int_equal(lvl, want[i]);
    }
    assert_int_equal(ev_log_level_parse("TRACE", &lvl), -1);
    assert_int_equal(ev_log_level_parse(NULL, &lvl), -1);
    ev_log_debug(&f->log, "hidden");
    assert_int_equal(f->cap.lines, 0);
    ev_log_warning(&f->log, "shown");
    ev_log_critical(&f->log, "shown");
    assert_int_equal(f->cap.lines, 2);
    cJSON *doc = line_json(f, 0);
    assert_string_equal(str_of(doc, "level"), "WARNING");
    cJSON_Delete(doc);
    setenv("LOG_LEVEL", "error", 1);
    ev_log_init(&f->log, &(ev_log_options){.sink = ev_sink_capture_fn, .sink_ctx = &f->cap});
    assert_int_equal(f->log.level, EV_LOG_ERROR);
    assert_false(ev_log_enabled(&f->log, EV_LOG_WARNING));
    assert_true(ev_log_enabled(&f->log, EV_LOG_CRITICAL));
}

static void test_unknown_level_warns_and_uses_info(void **state)
{
    fixture *f = *state;
    setenv("LOG_LEVEL", "verbose\"", 1);
    ev_log_init(&f->log,
                &(ev_log_options){.sink = ev_sink_capture_fn, .sink_ctx = &f->cap, .clock = &f->clock.clock});
    assert_int_equal(f->log.level, EV_LOG_INFO);
    assert_int_equal(f->cap.lines, 1);
    cJSON *doc = line_json(f, 0);
    assert_string_equal(str_of(doc, "level"), "WARNING");
    assert_string_equal(str_of(doc, "log_level"), "verbose\"");
    assert_non_null(strstr(str_of(doc, "message"), "LOG_LEVEL"));
    cJSON_Delete(doc);
}

static void test_typed_fields(void **state)
{
    fixture *f = *state;
    ev_log_info(
        &f->log, "fields", EV_LOG_STR("s", "text"), EV_LOG_STR("null_string", NULL),
        EV_LOG_STRN("part", "abcdef", 3), EV_LOG_INT("neg", -9007199254740993LL), EV_LOG_NUM("ratio", 0.1),
        EV_LOG_NUM("nan", NAN), EV_LOG_NUM("inf", -INFINITY), EV_LOG_BOOL("ok", true),
        EV_LOG_JSON("errors", "[ {\"keyword\" : \"maximum\",\n \"path\": \"/a b\"} ]"),
        EV_LOG_JSON("broken", "{\"a\":"), EV_LOG_JSON("two_values", "1 2"), EV_LOG_JSON("nothing", NULL));
    char *line = ev_sink_capture_line(&f->cap, 0);
    /* Raw JSON is kept exactly, minus the whitespace between tokens. */
    assert_non_null(strstr(line, "\"errors\":[{\"keyword\":\"maximum\",\"path\":\"/a b\"}]"));
    assert_non_null(strstr(line, "\"neg\":-9007199254740993"));
    assert_non_null(strstr(line, "\"ratio\":0.1,"));
    free(line);
    cJSON *doc = line_json(f, 0);
    assert_string_equal(str_of(doc, "s"), "text");
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(doc, "null_string")));
    assert_string_equal(str_of(doc, "part"), "abc");
    assert_string_equal(str_of(doc, "nan"), "NaN");
    assert_string_equal(str_of(doc, "inf"), "-Infinity");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(doc, "ok")));
    /* Not one JSON value: kept, as a string. */
    assert_string_equal(str_of(doc, "broken"), "{\"a\":");
    assert_string_equal(str_of(doc, "two_values"), "1 2");
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(doc, "nothing")));
    cJSON_Delete(doc);
}

static void test_escaping_truncation_and_bad_utf8(void **state)
{
    fixture *f = *state;
    ev_log_init(&f->log,
                &(ev_log_options){.sink = ev_sink_capture_fn, .sink_ctx = &f->cap, .max_value_bytes = 16});
    char big[100];
    memset(big, 'x', sizeof big);
    ev_log_error(&f->log, "bad \"in\"\nl2 \xFF", EV_LOG_STRN("big", big, sizeof big),
                 EV_LOG_JSONN("big_json", "[1,2,3,4,5,6,7,8,9]", 19), EV_LOG_STR("ctl", "\x01\x7f"));
    assert_int_equal(f->cap.lines, 1);
    /* One line: the embedded newline is escaped. */
    assert_null(memchr(f->cap.text.data, '\n', f->cap.text.len - 1));
    cJSON *doc = line_json(f, 0);
    assert_string_equal(str_of(doc, "message"), "bad \"in\"\nl2 \xEF\xBF\xBD");
    assert_string_equal(str_of(doc, "big"), "xxxxxxxxxxxxxxxx...(truncated, 100 bytes)");
    /* Raw JSON over the bound becomes a truncated string. */
    assert_string_equal(str_of(doc, "big_json"), "[1,2,3,4,5,6,7,8...(truncated, 19 bytes)");
    assert_string_equal(str_of(doc, "ctl"), "\x01\x7f");
    cJSON_Delete(doc);
}

static void test_reserved_and_repeated_keys_renamed(void **state)
{
    fixture *f = *state;
    ev_log_info(&f->log, "keys", EV_LOG_STR("message", "mine"), EV_LOG_INT("n", 1), EV_LOG_INT("n", 2),
                EV_LOG_INT("", 3), EV_LOG_STR(NULL, "k"));
    cJSON *doc = line_json(f, 0);
    assert_string_equal(str_of(doc, "message"), "keys");
    assert_string_equal(str_of(doc, "message_1"), "mine");
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(doc, "n")->valueint, 1);
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(doc, "n_3")->valueint, 2);
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(doc, "field_4")->valueint, 3);
    assert_string_equal(str_of(doc, "field_5"), "k");
    cJSON_Delete(doc);
}

static void test_sink_failure_is_reported(void **state)
{
    fixture *f = *state;
    f->cap.fail = 1;
    assert_int_equal(ev_log_info(&f->log, "lost"), -1);
    assert_int_equal(f->log.lines_failed, 1);
    assert_int_equal(ev_log_info(&f->log, "kept"), 0);
    assert_int_equal(f->cap.lines, 1);
    /* A NULL log discards without failing. */
    assert_int_equal(ev_log_info(NULL, "nowhere"), 0);
}

static void test_fd_sink_one_line_per_write(void **state)
{
    (void)state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    ev_log log;
    ev_log_init(&log, &(ev_log_options){.sink = ev_sink_fd, .sink_ctx = &fds[1]});
    char big[3000];
    memset(big, 'y', sizeof big);
    ev_log_info(&log, "one", EV_LOG_STRN("big", big, sizeof big));
    ev_log_info(&log, "two");
    close(fds[1]);
    char buf[16384];
    size_t got = 0;
    ssize_t n;
    while ((n = read(fds[0], buf + got, sizeof buf - 1 - got)) > 0)
        got += (size_t)n;
    close(fds[0]);
    buf[got] = '\0';
    char *nl = strchr(buf, '\n');
    assert_non_null(nl);
    assert_non_null(strstr(buf, "\"message\":\"one\""));
    assert_non_null(strstr(nl + 1, "\"message\":\"two\""));
    assert_int_equal(buf[got - 1], '\n');
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_exact_line_outside_invocation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invocation_keys_in_powertools_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_levels, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_level_warns_and_uses_info, setup, teardown),
        cmocka_unit_test_setup_teardown(test_typed_fields, setup, teardown),
        cmocka_unit_test_setup_teardown(test_escaping_truncation_and_bad_utf8, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reserved_and_repeated_keys_renamed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sink_failure_is_reported, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fd_sink_one_line_per_write, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
