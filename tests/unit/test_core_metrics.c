/* ev_metrics: EMF documents checked against the specification's structure. */
#include <cjson/cJSON.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/ev_metrics.h"

typedef struct fixture {
    ev_manual_clock clock;
    ev_sink_capture cap;
    ev_metrics *m;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    ev_manual_clock_init(&f->clock, 1796206272345);
    ev_sink_capture_init(&f->cap);
    unsetenv("POWERTOOLS_METRICS_NAMESPACE");
    setenv("POWERTOOLS_SERVICE_NAME", "ingestion", 1);
    setenv("AWS_LAMBDA_FUNCTION_NAME", "evpipe-ingest", 1);
    char err[256] = "";
    ev_metrics_options o = {.sink = ev_sink_capture_fn, .sink_ctx = &f->cap, .clock = &f->clock.clock};
    f->m = ev_metrics_new(&o, err, sizeof err);
    assert_non_null(f->m);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    ev_metrics_free(f->m);
    ev_sink_capture_free(&f->cap);
    free(f);
    unsetenv("POWERTOOLS_SERVICE_NAME");
    unsetenv("AWS_LAMBDA_FUNCTION_NAME");
    unsetenv("POWERTOOLS_METRICS_NAMESPACE");
    return 0;
}

static bool only_members(const cJSON *obj, const char *const *allowed, size_t n)
{
    for (const cJSON *c = obj->child; c; c = c->next) {
        bool ok = false;
        for (size_t i = 0; i < n; i++)
            ok = ok || strcmp(c->string, allowed[i]) == 0;
        if (!ok)
            return false;
    }
    return true;
}

/* The EMF specification's rules: _aws with an integer Timestamp and
 * CloudWatchMetrics; each directive Namespace/Dimensions/Metrics and no
 * other member; dimension sets of at most 30 keys naming root string
 * members; at most 100 metric definitions naming root members that are
 * numbers or arrays of at most 100 numbers. Returns the directive's metric
 * count. */
static int check_emf(const cJSON *doc)
{
    static const char *const aws_keys[] = {"Timestamp", "CloudWatchMetrics"};
    static const char *const directive_keys[] = {"Namespace", "Dimensions", "Metrics"};
    static const char *const definition_keys[] = {"Name", "Unit"};
    const cJSON *aws = cJSON_GetObjectItemCaseSensitive(doc, "_aws");
    assert_true(cJSON_IsObject(aws) && only_members(aws, aws_keys, 2));
    const cJSON *ts = cJSON_GetObjectItemCaseSensitive(aws, "Timestamp");
    assert_true(cJSON_IsNumber(ts) && ts->valuedouble == floor(ts->valuedouble));
    const cJSON *directives = cJSON_GetObjectItemCaseSensitive(aws, "CloudWatchMetrics");
    assert_true(cJSON_IsArray(directives) && cJSON_GetArraySize(directives) == 1);
    const cJSON *d = cJSON_GetArrayItem(directives, 0);
    assert_true(cJSON_IsObject(d) && only_members(d, directive_keys, 3));
    const cJSON *ns = cJSON_GetObjectItemCaseSensitive(d, "Namespace");
    assert_true(cJSON_IsString(ns) && strlen(ns->valuestring) >= 1 && strlen(ns->valuestring) <= 255);
    const cJSON *sets = cJSON_GetObjectItemCaseSensitive(d, "Dimensions");
    assert_true(cJSON_IsArray(sets));
    const cJSON *set;
    cJSON_ArrayForEach(set, sets)
    {
        assert_true(cJSON_IsArray(set) && cJSON_GetArraySize(set) <= 30);
        const cJSON *key;
        cJSON_ArrayForEach(key, set)
        {
            assert_true(cJSON_IsString(key));
            assert_true(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(doc, key->valuestring)));
        }
    }
    const cJSON *metrics = cJSON_GetObjectItemCaseSensitive(d, "Metrics");
    assert_true(cJSON_IsArray(metrics) && cJSON_GetArraySize(metrics) <= 100);
    const cJSON *def;
    cJSON_ArrayForEach(def, metrics)
    {
        assert_true(cJSON_IsObject(def) && only_members(def, definition_keys, 2));
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(def, "Name");
        assert_true(cJSON_IsString(name));
        assert_true(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(def, "Unit")));
        const cJSON *value = cJSON_GetObjectItemCaseSensitive(doc, name->valuestring);
        if (cJSON_IsArray(value)) {
            assert_true(cJSON_GetArraySize(value) >= 1 && cJSON_GetArraySize(value) <= 100);
            const cJSON *v;
            cJSON_ArrayForEach(v, value) assert_true(cJSON_IsNumber(v));
        } else {
            assert_true(cJSON_IsNumber(value));
        }
    }
    return cJSON_GetArraySize(metrics);
}

static cJSON *doc_at(const fixture *f, size_t i)
{
    char *line = ev_sink_capture_line(&f->cap, i);
    assert_non_null(line);
    cJSON *doc = cJSON_ParseWithOpts(line, NULL, 1);
    if (doc == NULL)
        fail_msg("document %zu is not JSON: %s", i, line);
    free(line);
    check_emf(doc);
    return doc;
}

static const char *unit_of(const cJSON *doc, const char *name)
{
    const cJSON *d = cJSON_GetArrayItem(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(doc, "_aws"), "CloudWatchMetrics"),
        0);
    const cJSON *def;
    cJSON_ArrayForEach(def, cJSON_GetObjectItemCaseSensitive(d, "Metrics"))
    {
        if (strcmp(cJSON_GetObjectItemCaseSensitive(def, "Name")->valuestring, name) == 0)
            return cJSON_GetObjectItemCaseSensitive(def, "Unit")->valuestring;
    }
    return NULL;
}

static void test_one_document_per_flush(void **state)
{
    fixture *f = *state;
    ev_metrics_set_invocation(f->m, "req-1", "Root=1-abc");
    assert_int_equal(ev_metrics_add_count(f->m, EV_METRIC_EVENTS_ACCEPTED, 1), 0);
    assert_int_equal(ev_metrics_add_count(f->m, EV_METRIC_EVENTS_ACCEPTED, 2), 0);
    assert_int_equal(ev_metrics_add_ms(f->m, EV_METRIC_SQS_SEND_LATENCY, 12.5), 0);
    assert_int_equal(ev_metrics_add_ms(f->m, EV_METRIC_SQS_SEND_LATENCY, 9), 0);
    assert_int_equal(ev_metrics_add_ms(f->m, EV_METRIC_HANDLER_LATENCY, 30), 0);
    assert_int_equal(ev_metrics_pending(f->m), 4);
    assert_int_equal(ev_metrics_flush(f->m), 0);
    assert_int_equal(f->cap.lines, 1);
    char *line = ev_sink_capture_line(&f->cap, 0);
    assert_string_equal(
        line, "{\"_aws\":{\"Timestamp\":1796206272345,\"CloudWatchMetrics\":[{\"Namespace\":"
              "\"evpipe\",\"Dimensions\":[[\"service\"]],\"Metrics\":[{\"Name\":\"EventsAccepted\","
              "\"Unit\":\"Count\"},{\"Name\":\"SqsSendLatency\",\"Unit\":\"Milliseconds\"},{\"Name\":"
              "\"HandlerLatency\",\"Unit\":\"Milliseconds\"}]}]},\"service\":\"ingestion\","
              "\"function_request_id\":\"req-1\",\"xray_trace_id\":\"Root=1-abc\","
              "\"EventsAccepted\":3,\"SqsSendLatency\":[12.5,9],\"HandlerLatency\":30}");
    free(line);
    cJSON_Delete(doc_at(f, 0));
    assert_int_equal(ev_metrics_pending(f->m), 0);
    /* Nothing recorded: nothing written. */
    assert_int_equal(ev_metrics_flush(f->m), 0);
    assert_int_equal(f->cap.lines, 1);
    /* Next invocation: only what it recorded. */
    ev_metrics_clear_invocation(f->m);
    ev_metrics_add_count(f->m, EV_METRIC_EVENTS_REJECTED, 1);
    assert_int_equal(ev_metrics_flush(f->m), 0);
    cJSON *doc = doc_at(f, 1);
    assert_null(cJSON_GetObjectItemCaseSensitive(doc, "EventsAccepted"));
    assert_null(cJSON_GetObjectItemCaseSensitive(doc, "function_request_id"));
    assert_string_equal(unit_of(doc, "EventsRejected"), "Count");
    cJSON_Delete(doc);
}

static void test_cold_start_once(void **state)
{
    fixture *f = *state;
    ev_metrics_record_cold_start(f->m);
    ev_metrics_add_count(f->m, EV_METRIC_EVENTS_STORED, 4);
    assert_int_equal(ev_metrics_flush(f->m), 0);
    assert_int_equal(f->cap.lines, 2);
    cJSON *doc = doc_at(f, 0);
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(doc, "ColdStart")->valueint, 1);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(doc, "function_name")->valuestring, "evpipe-ingest");
    char *dims = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(
        cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(doc, "_aws"),
                                                            "CloudWatchMetrics"),
                           0),
        "Dimensions"));
    assert_string_equal(dims, "[[\"service\",\"function_name\"]]");
    cJSON_free(dims);
    cJSON_Delete(doc);
    ev_metrics_record_cold_start(f->m);
    ev_metrics_add_count(f->m, EV_METRIC_EVENTS_STORED, 1);
    ev_metrics_flush(f->m);
    assert_int_equal(f->cap.lines, 3);
    doc = doc_at(f, 2);
    assert_null(cJSON_GetObjectItemCaseSensitive(doc, "ColdStart"));
    cJSON_Delete(doc);
}

static void test_more_than_100_metrics_split(void **state)
{
    fixture *f = *state;
    char name[32];
    for (int i = 0; i < 150; i++) {
        snprintf(name, sizeof name, "Metric%03d", i);
        assert_int_equal(ev_metrics_add_count(f->m, name, i), 0);
    }
    assert_int_equal(ev_metrics_flush(f->m), 0);
    assert_int_equal(f->cap.lines, 2);
    int seen = 0;
    for (size_t d = 0; d < 2; d++) {
        cJSON *doc = doc_at(f, d);
        int n = check_emf(doc);
        assert_int_equal(n, d == 0 ? 100 : 50);
        for (int k = 0; k < n; k++, seen++) {
            snprintf(name, sizeof name, "Metric%03d", seen);
            assert_int_equal(cJSON_GetObjectItemCaseSensitive(doc, name)->valueint, seen);
        }
        cJSON_Delete(doc);
    }
    assert_int_equal(seen, 150);
}

static void test_more_than_100_values_split(void **state)
{
    fixture *f = *state;
    for (int i = 0; i < 250; i++)
        assert_int_equal(ev_metrics_add_ms(f->m, EV_METRIC_DYNAMODB_PUT_LATENCY, i), 0);
    ev_metrics_add_count(f->m, EV_METRIC_EVENTS_STORED, 250);
    assert_int_equal(ev_metrics_flush(f->m), 0);
    assert_int_equal(f->cap.lines, 3);
    int next = 0;
    for (size_t d = 0; d < 3; d++) {
        cJSON *doc = doc_at(f, d);
        const cJSON *values = cJSON_GetObjectItemCaseSensitive(doc, EV_METRIC_DYNAMODB_PUT_LATENCY);
        assert_int_equal(cJSON_GetArraySize(values), d < 2 ? 100 : 50);
        const cJSON *v;
        cJSON_ArrayForEach(v, values) assert_int_equal(v->valueint, next++);
        /* The counter appears once, in the first document. */
        assert_true((cJSON_GetObjectItemCaseSensitive(doc, EV_METRIC_EVENTS_STORED) != NULL) == (d == 0));
        cJSON_Delete(doc);
    }
    assert_int_equal(next, 250);
}

static void test_dimensions_limit(void **state)
{
    fixture *f = *state;
    char name[32];
    for (int i = 1; i < 30; i++) {
        snprintf(name, sizeof name, "dim%02d", i);
        assert_int_equal(ev_metrics_add_dimension(f->m, name, "v"), 0);
    }
    assert_int_equal(ev_metrics_add_dimension(f->m, "one_too_many", "v"), -1);
    assert_non_null(strstr(ev_metrics_error(f->m), "at most 30"));
    /* Changing an existing dimension's value is still allowed. */
    assert_int_equal(ev_metrics_add_dimension(f->m, "dim01", "w"), 0);
    ev_metrics_add_count(f->m, "Hits", 1);
    assert_int_equal(ev_metrics_flush(f->m), 0);
    cJSON *doc = doc_at(f, 0);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(doc, "dim01")->valuestring, "w");
    cJSON_Delete(doc);
}

static void test_refusals_say_why(void **state)
{
    fixture *f = *state;
    assert_int_equal(ev_metrics_add_count(f->m, "", 1), -1);
    assert_non_null(strstr(ev_metrics_error(f->m), "empty"));
    assert_int_equal(ev_metrics_add_count(f->m, "Caf\xC3\xA9", 1), -1);
    assert_non_null(strstr(ev_metrics_error(f->m), "ASCII"));
    assert_int_equal(ev_metrics_add_ms(f->m, "Latency", NAN), -1);
    assert_non_null(strstr(ev_metrics_error(f->m), "finite"));
    assert_int_equal(ev_metrics_add_ms(f->m, "Latency", 1), 0);
    assert_int_equal(ev_metrics_add_count(f->m, "Latency", 1), -1);
    assert_non_null(strstr(ev_metrics_error(f->m), "Milliseconds"));
    assert_int_equal(ev_metrics_add_count(f->m, "service", 1), -1);
    assert_int_equal(ev_metrics_add_count(f->m, "_aws", 1), -1);
    assert_int_equal(ev_metrics_add_dimension(f->m, "Latency", "x"), -1);
    assert_int_equal(ev_metrics_add_dimension(f->m, ":x", "x"), -1);
    assert_int_equal(ev_metrics_add_dimension(f->m, "stage", "   "), -1);
    assert_int_equal(ev_metrics_add(f->m, "Odd", (ev_metric_unit)99, 1), -1);
    /* Refused calls recorded nothing. */
    assert_int_equal(ev_metrics_pending(f->m), 1);
    /* NULL metrics: accepted and discarded. */
    assert_int_equal(ev_metrics_add_count(NULL, "X", 1), 0);
    assert_int_equal(ev_metrics_flush(NULL), 0);
}

static void test_namespace_configuration(void **state)
{
    fixture *f = *state;
    char err[256] = "";
    setenv("POWERTOOLS_METRICS_NAMESPACE", "evpipe/prod", 1);
    ev_metrics *m = ev_metrics_new(&(ev_metrics_options){.sink = ev_sink_capture_fn, .sink_ctx = &f->cap},
                                   err, sizeof err);
    assert_non_null(m);
    ev_metrics_add_count(m, "Hits", 1);
    ev_metrics_flush(m);
    ev_metrics_free(m);
    cJSON *doc = doc_at(f, 0);
    char *text = cJSON_PrintUnformatted(doc);
    assert_non_null(strstr(text, "\"Namespace\":\"evpipe/prod\""));
    cJSON_free(text);
    cJSON_Delete(doc);
    const char *bad[] = {"AWS/Lambda", ":x", "has\"quote", ""};
    for (size_t i = 0; i < 3; i++) {
        setenv("POWERTOOLS_METRICS_NAMESPACE", bad[i], 1);
        err[0] = '\0';
        assert_null(ev_metrics_new(NULL, err, sizeof err));
        assert_non_null(strstr(err, "POWERTOOLS_METRICS_NAMESPACE"));
    }
    /* Empty means unset: the default. */
    setenv("POWERTOOLS_METRICS_NAMESPACE", bad[3], 1);
    m = ev_metrics_new(NULL, err, sizeof err);
    assert_non_null(m);
    ev_metrics_free(m);
}

static void test_sink_failure_reported(void **state)
{
    fixture *f = *state;
    ev_metrics_add_count(f->m, "Hits", 2);
    f->cap.fail = 1;
    assert_int_equal(ev_metrics_flush(f->m), -1);
    assert_non_null(strstr(ev_metrics_error(f->m), "sink refused"));
    assert_non_null(strstr(ev_metrics_error(f->m), "lost"));
    assert_int_equal(ev_metrics_pending(f->m), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_one_document_per_flush, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cold_start_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_more_than_100_metrics_split, setup, teardown),
        cmocka_unit_test_setup_teardown(test_more_than_100_values_split, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dimensions_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals_say_why, setup, teardown),
        cmocka_unit_test_setup_teardown(test_namespace_configuration, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sink_failure_reported, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
