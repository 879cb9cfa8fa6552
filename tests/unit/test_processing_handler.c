/* The processing handler as a plain function: SQS events shaped as Lambda
 * delivers them, a fake table behind the writer seam, a manual clock, and
 * captured logs and metrics. Event types come from the generated fixtures,
 * so a new type needs no edit here. */
#include <cjson/cJSON.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/ev_log.h"
#include "core/ev_metrics.h"
#include "core/ev_sink.h"
#include "events.h"
#include "processing/ev_processing.h"
#include "processing/ev_processing_record.h"
#include "schema/ev_json.h"
#include "schema/ev_number.h"
#include "support/fake_ddb_writer.h"
#include "support/fixtures.h"

#define NOW_MS      1796197200123LL /* 2026-12-02T07:40:00.123Z */
#define RECEIVED_AT "2026-12-02T07:40:00.123Z"

/* ---- SQS events as Lambda delivers them ------------------------------------- */

typedef struct rec_spec {
    const char *message_id;
    const char *body;
    const char *event_id;   /* NULL: attribute absent */
    const char *event_type; /* NULL: attribute absent */
    const char *version;    /* NULL: EVENTS_SCHEMA_VERSION */
    const char *received_at;
} rec_spec;

static void add_attr(cJSON *attrs, const char *name, const char *value, const char *type)
{
    cJSON *a = cJSON_AddObjectToObject(attrs, name);
    cJSON_AddStringToObject(a, "stringValue", value);
    cJSON_AddArrayToObject(a, "stringListValues");
    cJSON_AddArrayToObject(a, "binaryListValues");
    cJSON_AddStringToObject(a, "dataType", type);
}

static cJSON *make_record(const rec_spec *s)
{
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "messageId", s->message_id);
    cJSON_AddStringToObject(r, "receiptHandle", "AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a...");
    cJSON_AddStringToObject(r, "body", s->body);
    cJSON *attributes = cJSON_AddObjectToObject(r, "attributes");
    cJSON_AddStringToObject(attributes, "ApproximateReceiveCount", "1");
    cJSON_AddStringToObject(attributes, "SentTimestamp", "1796197200123");
    cJSON_AddStringToObject(attributes, "SenderId", "AIDAIENQZJOLO23YVJ4VO");
    cJSON_AddStringToObject(attributes, "ApproximateFirstReceiveTimestamp", "1796197200130");
    cJSON *ma = cJSON_AddObjectToObject(r, "messageAttributes");
    if (s->event_id)
        add_attr(ma, "event_id", s->event_id, "String");
    if (s->event_type)
        add_attr(ma, "event_type", s->event_type, "String");
    char version[16];
    snprintf(version, sizeof version, "%d", EVENTS_SCHEMA_VERSION);
    add_attr(ma, "schema_version", s->version ? s->version : version, "Number");
    add_attr(ma, "received_at", s->received_at ? s->received_at : RECEIVED_AT, "String");
    add_attr(ma, "source_ip", "203.0.113.9", "String");
    add_attr(ma, "request_id", "c6af9ac6-7b61-11e6-9a41-93e8deadbeef", "String");
    cJSON_AddStringToObject(r, "md5OfBody", "636c1e73ecc1ad2d073f93b2418a8872");
    cJSON_AddStringToObject(r, "md5OfMessageAttributes", "3cb6bd8d2bd6ae6b1a3a2bb6a5b8ac4b");
    cJSON_AddStringToObject(r, "eventSource", "aws:sqs");
    cJSON_AddStringToObject(r, "eventSourceARN", "arn:aws:sqs:us-east-1:123456789012:evpipe-events");
    cJSON_AddStringToObject(r, "awsRegion", "us-east-1");
    return r;
}

/* {"Records":[...]} as text (malloc; free()). */
static char *make_event(const rec_spec *specs, size_t n)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *records = cJSON_AddArrayToObject(root, "Records");
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(records, make_record(&specs[i]));
    char *text = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    return text;
}

static void event_id_n(char out[40], size_t n)
{
    snprintf(out, 40, "0190a6e2-0000-7000-8000-%012zx", n);
}

/* ---- the harness ------------------------------------------------------------------ */

typedef struct harness {
    ev_arena arena;
    ev_manual_clock clock;
    ev_invocation inv;
    ev_log log;
    ev_sink_capture lines;
    ev_metrics *metrics;
    ev_sink_capture metric_lines;
    fake_ddb_writer fake;
    ev_processing_app app;
    ev_handler_output out;
    char failures[4096]; /* itemIdentifiers of the last response, comma-separated */
} harness;

static harness *harness_new(size_t max_body_bytes)
{
    harness *h = calloc(1, sizeof *h);
    assert_non_null(h);
    ev_arena_init(&h->arena, 0);
    ev_manual_clock_init(&h->clock, NOW_MS);
    ev_invocation_init(&h->inv, "req-1", NOW_MS + 30000, &h->arena, &h->clock.clock);
    ev_sink_capture_init(&h->lines);
    ev_log_init(&h->log, &(ev_log_options){.sink = ev_sink_capture_fn,
                                           .sink_ctx = &h->lines,
                                           .clock = &h->clock.clock,
                                           .service = "processing"});
    h->inv.log = &h->log;
    ev_sink_capture_init(&h->metric_lines);
    char err[256];
    h->metrics = ev_metrics_new(&(ev_metrics_options){.metric_namespace = "evpipe",
                                                      .service = "processing",
                                                      .sink = ev_sink_capture_fn,
                                                      .sink_ctx = &h->metric_lines,
                                                      .clock = &h->clock.clock},
                                err, sizeof err);
    assert_non_null(h->metrics);
    h->inv.metrics = h->metrics;
    fake_ddb_writer_init(&h->fake);
    ev_processing_config cfg = {
        .table = "evpipe-events", .retention_days = 365, .max_body_bytes = max_body_bytes};
    ev_processing_writer w = {fake_ddb_writer_write, &h->fake};
    ev_processing_app_init(&h->app, &cfg, &w);
    return h;
}

static void harness_free(harness *h)
{
    ev_processing_app_free(&h->app);
    fake_ddb_writer_free(&h->fake);
    ev_metrics_free(h->metrics);
    ev_sink_capture_free(&h->metric_lines);
    ev_sink_capture_free(&h->lines);
    ev_arena_free(&h->arena);
    free(h);
}

/* Runs the handler; on success checks the response's shape and collects
 * the failures' ids into h->failures. */
static int run(harness *h, const char *event)
{
    memset(&h->out, 0, sizeof h->out);
    ev_sink_capture_reset(&h->lines);
    ev_sink_capture_reset(&h->metric_lines);
    h->failures[0] = '\0';
    ev_arena_reset(&h->arena);
    int rc = ev_processing_handle(&h->app, &h->inv, event, strlen(event), &h->out);
    if (rc == 0) {
        cJSON *body = cJSON_ParseWithLength(h->out.body, h->out.body_len);
        assert_non_null(body);
        assert_int_equal(cJSON_GetArraySize(body), 1);
        const cJSON *list = cJSON_GetObjectItemCaseSensitive(body, "batchItemFailures");
        assert_true(cJSON_IsArray(list));
        for (const cJSON *f = list->child; f != NULL; f = f->next) {
            const cJSON *id = cJSON_GetObjectItemCaseSensitive(f, "itemIdentifier");
            assert_true(cJSON_IsString(id));
            if (h->failures[0])
                strcat(h->failures, ",");
            strcat(h->failures, id->valuestring);
        }
        cJSON_Delete(body);
    }
    ev_metrics_flush(h->metrics);
    return rc;
}

static bool log_has(const harness *h, const char *a, const char *b)
{
    for (size_t i = 0; i < h->lines.lines; i++) {
        char *line = ev_sink_capture_line(&h->lines, i);
        bool hit = strstr(line, a) != NULL && (b == NULL || strstr(line, b) != NULL);
        free(line);
        if (hit)
            return true;
    }
    return false;
}

/* The value of a Count metric in the flushed EMF document ("Name":N). */
static long metric(const harness *h, const char *name)
{
    char key[128];
    snprintf(key, sizeof key, "\"%s\":", name);
    const char *p = strstr(ev_buf_cstr(&h->metric_lines.text), key);
    return p ? strtol(p + strlen(key), NULL, 10) : -1;
}

/* ---- fixtures ------------------------------------------------------------------------ */

typedef struct fixture_batch {
    rec_spec specs[256];
    char *bodies[256];
    char ids[256][40];
    char msg_ids[256][40];
    size_t n;
} fixture_batch;

static void fixture_batch_fill(fixture_batch *b, const cJSON *fixtures, bool valid)
{
    memset(b, 0, sizeof *b);
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(fixtures, "fixtures");
    for (const cJSON *fx = list->child; fx != NULL && b->n < 256; fx = fx->next) {
        if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(fx, "valid")) != valid)
            continue;
        const cJSON *inst = cJSON_GetObjectItemCaseSensitive(fx, "instance");
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(inst, "type");
        size_t i = b->n++;
        ev_buf text = EV_BUF_INIT;
        ev_json_print_exact(inst, &text);
        b->bodies[i] = ev_buf_take(&text);
        event_id_n(b->ids[i], i + 1);
        snprintf(b->msg_ids[i], sizeof b->msg_ids[i], "msg-%zu", i);
        b->specs[i] = (rec_spec){b->msg_ids[i], b->bodies[i],
                                 b->ids[i],     cJSON_IsString(type) ? type->valuestring : "temperature",
                                 NULL,          NULL};
    }
}

static void fixture_batch_free(fixture_batch *b)
{
    for (size_t i = 0; i < b->n; i++)
        free(b->bodies[i]);
}

static const char *item_s(const cJSON *item, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(item, name), "S");
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static const char *item_n(const cJSON *item, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(item, name), "N");
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Every valid fixture is stored with the enrichment attributes; a
 * redelivery of the whole batch stores nothing more and fails nothing. */
static void test_every_valid_fixture_is_stored_once(void **state)
{
    (void)state;
    cJSON *fixtures = ev_test_load_fixtures();
    static fixture_batch b;
    fixture_batch_fill(&b, fixtures, true);
    assert_true(b.n > 0);
    harness *h = harness_new(0);
    char *event = make_event(b.specs, b.n);
    assert_int_equal(run(h, event), 0);
    assert_string_equal(h->failures, "");
    assert_int_equal(h->fake.n_rows, b.n);
    assert_int_equal(h->fake.calls, 1); /* one concurrent batch write */
    assert_string_equal(h->fake.last_table, "evpipe-events");
    assert_true(h->fake.last_deadline_ms == NOW_MS + 30000);
    assert_int_equal(metric(h, "EventsStored"), (long)b.n);
    assert_int_equal(metric(h, "BatchItemFailures"), 0);
    assert_non_null(strstr(ev_buf_cstr(&h->metric_lines.text), "\"DynamoDbWriteLatency\""));
    char version[16];
    snprintf(version, sizeof version, "%d", EVENTS_SCHEMA_VERSION);
    for (size_t i = 0; i < b.n; i++) {
        cJSON *item = cJSON_Parse(fake_ddb_writer_item(&h->fake, b.ids[i]));
        assert_non_null(item);
        cJSON *inst = cJSON_Parse(b.bodies[i]);
        assert_string_equal(item_s(item, "event_id"), b.ids[i]);
        assert_string_equal(item_s(item, "event_type"), b.specs[i].event_type);
        assert_string_equal(item_s(item, "type"), b.specs[i].event_type);
        assert_string_equal(item_s(item, "source"),
                            cJSON_GetObjectItemCaseSensitive(inst, "source")->valuestring);
        assert_string_equal(item_s(item, "received_at"), RECEIVED_AT);
        assert_string_equal(item_n(item, "schema_version"), version);
        assert_string_equal(item_n(item, "expires_at"), "1827733200"); /* 1796197200 + 365 days */
        assert_string_equal(item_s(item, "message_id"), b.msg_ids[i]);
        assert_string_equal(item_s(item, "source_ip"), "203.0.113.9");
        assert_string_equal(item_s(item, "request_id"), "c6af9ac6-7b61-11e6-9a41-93e8deadbeef");
        assert_int_equal(strlen(item_s(item, "content_hash")), 64);
        /* The rules' attributes come as a set of four or not at all (a type
         * added to the schema without a rule has none); the types with a
         * rule today always carry them, with the value exactly as sent. */
        int rule_attrs = (item_n(item, "value_normalised") != NULL) +
                         (item_s(item, "unit_normalised") != NULL) +
                         (item_n(item, "original_value") != NULL) + (item_s(item, "original_unit") != NULL);
        assert_true(rule_attrs == 0 || rule_attrs == 4);
        const char *type = b.specs[i].event_type;
        if (strcmp(type, "temperature") == 0 || strcmp(type, "pressure") == 0 ||
            strcmp(type, "humidity") == 0) {
            assert_int_equal(rule_attrs, 4);
            const cJSON *value =
                cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(inst, "payload"), "value");
            char *text = cJSON_PrintUnformatted(value);
            /* original_value is the sent number in DynamoDB's canonical text. */
            assert_true(ev_num_text_compare(text, item_n(item, "original_value")) == 0);
            cJSON_free(text);
        }
        cJSON_Delete(inst);
        cJSON_Delete(item);
    }
    /* Redelivery: all duplicates, nothing new, no failure. */
    assert_int_equal(run(h, event), 0);
    assert_string_equal(h->failures, "");
    assert_int_equal(h->fake.n_rows, b.n);
    assert_int_equal(metric(h, "DuplicateEvents"), (long)b.n);
    assert_int_equal(metric(h, "EventsStored"), 0);
    free(event);
    fixture_batch_free(&b);
    harness_free(h);
    cJSON_Delete(fixtures);
}

/* Every invalid fixture is a batch item failure with a log line naming
 * the message, and nothing is written. */
static void test_every_invalid_fixture_is_a_failure(void **state)
{
    (void)state;
    cJSON *fixtures = ev_test_load_fixtures();
    static fixture_batch b;
    fixture_batch_fill(&b, fixtures, false);
    assert_true(b.n > 0);
    harness *h = harness_new(0);
    for (size_t i = 0; i < b.n; i++) {
        char *event = make_event(&b.specs[i], 1);
        assert_int_equal(run(h, event), 0);
        if (strcmp(h->failures, b.msg_ids[i]) != 0)
            fail_msg("invalid fixture %s was not reported as a failure: %s", b.bodies[i], h->out.body);
        assert_true(log_has(h, "\"reason\":\"invalid-event\"", b.msg_ids[i]) ||
                    log_has(h, "\"reason\":\"invalid-json\"", b.msg_ids[i]));
        assert_int_equal(metric(h, "BatchItemFailures"), 1);
        free(event);
    }
    assert_int_equal(h->fake.n_rows, 0);
    assert_int_equal(h->fake.calls, 0);
    fixture_batch_free(&b);
    harness_free(h);
    cJSON_Delete(fixtures);
}

static const char *const BODY_T =
    "{\"source\":\"sensor-1\",\"type\":\"temperature\",\"payload\":{\"value\":98.6,\"unit\":\"fahrenheit\"}}";
static const char *const BODY_T2 =
    "{\"source\":\"sensor-1\",\"type\":\"temperature\",\"payload\":{\"value\":98.7,\"unit\":\"fahrenheit\"}}";
static const char *const BODY_P =
    "{\"source\":\"station:north\",\"type\":\"pressure\",\"payload\":{\"value\":14.696,\"unit\":\"psi\"}}";
static const char *const BODY_H =
    "{\"source\":\"greenhouse.7\",\"type\":\"humidity\",\"payload\":{\"value\":61.25}}";

/* The item, attribute by attribute: the layout docs/table.md describes.
 * content_hash is the SHA-256 of the generated part ({"source":...,
 * "payload":{...}} closed with '}'), checked with sha256sum. The first
 * message was sent under schema version 1: the current function reads it
 * (upgraded to the current struct) and the item keeps the version it was
 * sent under. */
static void test_item_layout(void **state)
{
    (void)state;
    harness *h = harness_new(0);
    rec_spec s[] = {
        {"m-t", BODY_T, "0190A6E2-0000-7000-8000-000000000001", "temperature", "1",
         "2026-12-02T08:40:00.123+01:00"},
        {"m-p", BODY_P, "0190a6e2-0000-7000-8000-000000000002", "pressure", NULL, NULL},
        {"m-h", BODY_H, "0190a6e2-0000-7000-8000-000000000003", "humidity", NULL, NULL},
    };
    char *event = make_event(s, 3);
    assert_int_equal(run(h, event), 0);
    assert_string_equal(h->failures, "");
    const char *t = fake_ddb_writer_item(&h->fake, "0190a6e2-0000-7000-8000-000000000001");
    assert_non_null(t);
    assert_string_equal(t, "{\"source\":{\"S\":\"sensor-1\"},\"type\":{\"S\":\"temperature\"},\"payload\":{"
                           "\"M\":{\"value\":{\"N\":"
                           "\"98.6\"},\"unit\":{\"S\":\"fahrenheit\"}}},\"event_id\":{\"S\":\"0190a6e2-0000-"
                           "7000-8000-000000000001\"},"
                           "\"received_at\":{\"S\":\"2026-12-02T07:40:00.123Z\"},\"schema_version\":{\"N\":"
                           "\"1\"},\"event_type\":{"
                           "\"S\":\"temperature\"},\"source_ip\":{\"S\":\"203.0.113.9\"},\"request_id\":{"
                           "\"S\":\"c6af9ac6-7b61-11e6-"
                           "9a41-93e8deadbeef\"},\"expires_at\":{\"N\":\"1827733200\"},\"message_id\":{\"S\":"
                           "\"m-t\"},\"content_hash\":"
                           "{\"S\":\"fcfac42c5f8a677b66b461de13a9717ae4758cfdbec6c2e4fb7e3e84d9d8b70e\"},"
                           "\"value_normalised\":{\"N\":"
                           "\"37\"},\"unit_normalised\":{\"S\":\"celsius\"},\"original_value\":{\"N\":\"98."
                           "6\"},\"original_unit\":{"
                           "\"S\":\"fahrenheit\"}}");
    cJSON *p = cJSON_Parse(fake_ddb_writer_item(&h->fake, "0190a6e2-0000-7000-8000-000000000002"));
    assert_string_equal(item_n(p, "value_normalised"), "1013.254");
    assert_string_equal(item_s(p, "unit_normalised"), "hPa");
    assert_string_equal(item_n(p, "original_value"), "14.696");
    assert_string_equal(item_s(p, "original_unit"), "psi");
    cJSON_Delete(p);
    cJSON *hu = cJSON_Parse(fake_ddb_writer_item(&h->fake, "0190a6e2-0000-7000-8000-000000000003"));
    assert_string_equal(item_n(hu, "value_normalised"), "61.25");
    assert_string_equal(item_s(hu, "unit_normalised"), "percent");
    assert_string_equal(item_s(hu, "original_unit"), "percent"); /* the schema's default */
    cJSON_Delete(hu);
    free(event);
    harness_free(h);
}

/* One batch with every outcome: only the failures are reported, in order. */
static void test_mixed_batch(void **state)
{
    (void)state;
    harness *h = harness_new(0);
    const char *id1 = "0190a6e2-0000-7000-8000-000000000001", *id2 = "0190a6e2-0000-7000-8000-000000000002";
    rec_spec first[] = {{"m-0", BODY_T, id2, "temperature", NULL, NULL}};
    char *event = make_event(first, 1);
    assert_int_equal(run(h, event), 0);
    free(event);
    rec_spec s[] = {
        {"m-new", BODY_P, id1, "pressure", NULL, NULL},
        {"m-dup", BODY_T, id2, "temperature", NULL, NULL},       /* redelivery: the same event */
        {"m-conflict", BODY_T2, id2, "temperature", NULL, NULL}, /* another event, same id */
        {"m-notjson", "{\"source\":", "0190a6e2-0000-7000-8000-000000000004", "temperature", NULL, NULL},
        {"m-noid", BODY_H, NULL, "humidity", NULL, NULL},
        {"m-v2", BODY_H, "0190a6e2-0000-7000-8000-000000000006", "humidity", "999", NULL}, /* unsupported */
        {"m-type", BODY_H, "0190a6e2-0000-7000-8000-000000000007", "pressure", NULL, NULL},
        {"m-hum", BODY_H, "0190a6e2-0000-7000-8000-000000000008", "humidity", NULL, NULL},
    };
    event = make_event(s, sizeof s / sizeof s[0]);
    assert_int_equal(run(h, event), 0);
    assert_string_equal(h->failures, "m-conflict,m-notjson,m-noid,m-v2,m-type");
    assert_int_equal(h->fake.n_rows, 3);
    /* The stored item under id2 is still the first one. */
    assert_non_null(strstr(fake_ddb_writer_item(&h->fake, id2), "\"message_id\":{\"S\":\"m-0\"}"));
    assert_int_equal(metric(h, "EventsStored"), 2);
    assert_int_equal(metric(h, "DuplicateEvents"), 1);
    assert_int_equal(metric(h, "EventConflicts"), 1);
    assert_int_equal(metric(h, "BatchItemFailures"), 5);
    assert_true(log_has(h, "\"level\":\"ERROR\"", "\"reason\":\"conflict\""));
    assert_true(
        log_has(h, "\"message_id\":\"m-conflict\"", "\"event_id\":\"0190a6e2-0000-7000-8000-000000000002\""));
    assert_true(log_has(h, "\"message_id\":\"m-notjson\"", "\"reason\":\"invalid-json\""));
    assert_true(log_has(h, "\"message_id\":\"m-noid\"", "\"reason\":\"missing-attribute\""));
    assert_true(log_has(h, "\"message_id\":\"m-noid\"", "\"where\":\"event_id\""));
    assert_true(log_has(h, "\"message_id\":\"m-v2\"", "unsupported schema version 999"));
    assert_true(log_has(h, "\"message_id\":\"m-type\"", "\"reason\":\"bad-attribute\""));
    assert_true(log_has(h, "\"receive_count\":\"1\"", NULL));
    assert_true(log_has(h, "batch processed", "\"failures\":5"));
    free(event);
    harness_free(h);
}

static void test_unreadable_events_fail_the_invocation(void **state)
{
    (void)state;
    harness *h = harness_new(0);
    const char *bad[] = {
        "",
        "not json",
        "{}",
        "{\"Records\":{}}",
        "{\"Records\":[{\"body\":\"{}\"}]}",
        "{\"Records\":[{\"messageId\":\"\",\"body\":\"{}\"}]}",
        "{\"Records\":[1]}",
        "[]",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (run(h, bad[i]) != -1)
            fail_msg("%s: expected an invocation error, got %s", bad[i], h->out.body);
        assert_string_equal(h->out.error.type, "InvalidEvent");
        assert_true(strlen(h->out.error.message) > 10);
        assert_true(log_has(h, "\"level\":\"ERROR\"", "not a readable SQS batch"));
    }
    /* A batch whose second record lacks messageId: nothing is written at all. */
    char *event = make_event(
        (rec_spec[]){{"m-1", BODY_T, "0190a6e2-0000-7000-8000-000000000001", "temperature", NULL, NULL}}, 1);
    char with_bad[8192];
    snprintf(with_bad, sizeof with_bad, "%.*s,{\"body\":\"{}\"}]}", (int)(strlen(event) - 2), event);
    assert_int_equal(run(h, with_bad), -1);
    assert_int_equal(h->fake.calls, 0);
    free(event);
    assert_int_equal(run(h, "{\"Records\":[]}"), 0);
    assert_string_equal(h->out.body, "{\"batchItemFailures\":[]}");
    harness_free(h);
}

static void test_deadline(void **state)
{
    (void)state;
    rec_spec s[] = {
        {"m-1", BODY_T, "0190a6e2-0000-7000-8000-000000000001", "temperature", NULL, NULL},
        {"m-2", BODY_P, "0190a6e2-0000-7000-8000-000000000002", "pressure", NULL, NULL},
        {"m-3", BODY_H, "0190a6e2-0000-7000-8000-000000000003", "humidity", NULL, NULL},
    };
    char *event = make_event(s, 3);
    /* Past the deadline before the write: nothing tried, everything reported. */
    harness *h = harness_new(0);
    h->inv.deadline_ms = NOW_MS;
    assert_int_equal(run(h, event), 0);
    assert_string_equal(h->failures, "m-1,m-2,m-3");
    assert_int_equal(h->fake.calls, 0);
    assert_true(log_has(h, "\"reason\":\"deadline\"", "no time left"));
    harness_free(h);
    /* The writer stops at the deadline after the first put. */
    h = harness_new(0);
    h->fake.deadline_after = 1;
    assert_int_equal(run(h, event), 0);
    assert_string_equal(h->failures, "m-2,m-3");
    assert_int_equal(h->fake.n_rows, 1);
    assert_true(log_has(h, "\"message_id\":\"m-3\"", "\"reason\":\"deadline\""));
    assert_int_equal(metric(h, "EventsStored"), 1);
    assert_int_equal(metric(h, "BatchItemFailures"), 2);
    harness_free(h);
    free(event);
}

static void test_table_unreachable(void **state)
{
    (void)state;
    rec_spec s[] = {
        {"m-1", BODY_T, "0190a6e2-0000-7000-8000-000000000001", "temperature", NULL, NULL},
        {"m-bad", "[]", "0190a6e2-0000-7000-8000-000000000002", "temperature", NULL, NULL},
        {"m-3", BODY_H, "0190a6e2-0000-7000-8000-000000000003", "humidity", NULL, NULL},
    };
    char *event = make_event(s, 3);
    harness *h = harness_new(0);
    h->fake.mode = FAKE_DDB_FAIL;
    assert_int_equal(run(h, event), 0);
    assert_string_equal(h->failures, "m-1,m-bad,m-3");
    assert_true(log_has(h, "\"reason\":\"write-failed\"", "ConnectionRefused"));
    assert_true(log_has(h, "\"level\":\"WARNING\"", "\"message_id\":\"m-3\""));
    assert_int_equal(metric(h, "EventsStored"), 0);
    harness_free(h);
    h = harness_new(0);
    h->fake.mode = FAKE_DDB_REFUSE;
    assert_int_equal(run(h, event), 0);
    assert_string_equal(h->failures, "m-1,m-bad,m-3");
    assert_true(log_has(h, "\"reason\":\"write-failed\"", "WriterFailed"));
    harness_free(h);
    free(event);
}

static void test_body_limits(void **state)
{
    (void)state;
    harness *h = harness_new(128);
    char big[512];
    snprintf(big, sizeof big,
             "{\"source\":\"s\",\"type\":\"humidity\",\"payload\":{\"value\":1},\"tags\":{\"a\":\"%0100d\"}}",
             0);
    rec_spec s[] = {
        {"m-big", big, "0190a6e2-0000-7000-8000-000000000001", "humidity", NULL, NULL},
        {"m-dupkey", "{\"source\":\"s\",\"source\":\"t\",\"type\":\"humidity\",\"payload\":{\"value\":1}}",
         "0190a6e2-0000-7000-8000-000000000002", "humidity", NULL, NULL},
        {"m-precise", "{\"source\":\"s\",\"type\":\"humidity\",\"payload\":{\"value\":0.10000000000000001}}",
         "0190a6e2-0000-7000-8000-000000000003", "humidity", NULL, NULL},
        {"m-ok", BODY_H, "0190a6e2-0000-7000-8000-000000000004", "humidity", NULL, NULL},
    };
    char *event = make_event(s, 4);
    assert_int_equal(run(h, event), 0);
    assert_string_equal(h->failures, "m-big,m-dupkey,m-precise");
    assert_true(log_has(h, "\"message_id\":\"m-big\"", "\"reason\":\"body-too-large\""));
    assert_true(log_has(h, "\"message_id\":\"m-dupkey\"", "duplicate"));
    assert_true(log_has(h, "\"message_id\":\"m-precise\"", "\"reason\":\"invalid-json\""));
    free(event);
    harness_free(h);
}

static const char *fake_env_table, *fake_env_days;
static const char *fake_getenv(const char *name)
{
    if (strcmp(name, "DYNAMODB_TABLE_NAME") == 0)
        return fake_env_table;
    if (strcmp(name, "EVENT_RETENTION_DAYS") == 0)
        return fake_env_days;
    return NULL;
}

static void test_config(void **state)
{
    (void)state;
    ev_processing_config cfg;
    ev_runtime_error err;
    fake_env_table = "evpipe-events";
    fake_env_days = NULL;
    assert_int_equal(ev_processing_config_from_env(&cfg, fake_getenv, &err), 0);
    assert_string_equal(cfg.table, "evpipe-events");
    assert_true(cfg.retention_days == 365);
    fake_env_days = "30";
    assert_int_equal(ev_processing_config_from_env(&cfg, fake_getenv, &err), 0);
    assert_true(cfg.retention_days == 30);
    const char *bad_days[] = {"0", "-1", "1.5", "abc", "36501", " 5"};
    for (size_t i = 0; i < sizeof bad_days / sizeof bad_days[0]; i++) {
        fake_env_days = bad_days[i];
        assert_int_equal(ev_processing_config_from_env(&cfg, fake_getenv, &err), -1);
        assert_string_equal(err.type, "Runtime.ConfigInvalid");
        assert_non_null(strstr(err.message, "EVENT_RETENTION_DAYS"));
    }
    fake_env_days = NULL;
    fake_env_table = NULL;
    assert_int_equal(ev_processing_config_from_env(&cfg, fake_getenv, &err), -1);
    assert_non_null(strstr(err.message, "DYNAMODB_TABLE_NAME is not set"));
    fake_env_table = "a b";
    assert_int_equal(ev_processing_config_from_env(&cfg, fake_getenv, &err), -1);
}

int main(void)
{
    ev_json_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_valid_fixture_is_stored_once),
        cmocka_unit_test(test_every_invalid_fixture_is_a_failure),
        cmocka_unit_test(test_item_layout),
        cmocka_unit_test(test_mixed_batch),
        cmocka_unit_test(test_unreadable_events_fail_the_invocation),
        cmocka_unit_test(test_deadline),
        cmocka_unit_test(test_table_unreachable),
        cmocka_unit_test(test_body_limits),
        cmocka_unit_test(test_config),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    events_release();
    return rc;
}
