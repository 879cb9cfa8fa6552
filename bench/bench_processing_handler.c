/*
 * bench_processing_handler: the processing function's in-process cost per
 * record: a Lambda-shaped SQS batch of 10 records (the template's
 * BatchSize; the three event types in turn) through ev_processing_handle
 * with a writer that answers "written" at once (no network), so what is
 * measured is the envelope parse, attributes, body parse, validation,
 * decode, business rules, item marshalling and content hash, and the
 * response. For scale, the same run times a bare cJSON_Parse of the same
 * event (the floor any handler pays to read it).
 *
 * usage: bench_processing_handler [seconds]   (default 1.0)
 * Prints one JSON object.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/ev_arena.h"
#include "events_types.h"
#include "processing/ev_processing.h"

#define RECORDS 10

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int written_writer(void *ctx, const ev_invocation *inv, const char *table,
                          ev_dynamodb_conditional_put *puts, size_t n)
{
    (void)ctx;
    (void)inv;
    (void)table;
    for (size_t i = 0; i < n; i++)
        puts[i].outcome = EV_DYNAMODB_PUT_WRITTEN;
    return 0;
}

static const char *const BODIES[] = {
    "{\\\"source\\\":\\\"sensor-01\\\",\\\"type\\\":\\\"temperature\\\",\\\"payload\\\":{\\\"value\\\":98.6,"
    "\\\"unit\\\":\\\"fahrenheit\\\"},\\\"timestamp\\\":\\\"2026-11-28T17:00:00Z\\\",\\\"tags\\\":{"
    "\\\"site\\\":"
    "\\\"lab-3\\\"}}",
    "{\\\"source\\\":\\\"greenhouse.7\\\",\\\"type\\\":\\\"humidity\\\",\\\"payload\\\":{\\\"value\\\":61.25}"
    "}",
    "{\\\"source\\\":\\\"station:north\\\",\\\"type\\\":\\\"pressure\\\",\\\"payload\\\":{\\\"value\\\":14."
    "696,"
    "\\\"unit\\\":\\\"psi\\\",\\\"altitude_m\\\":120}}",
};
static const char *const TYPES[] = {"temperature", "humidity", "pressure"};

static void attr(FILE *f, const char *name, const char *value, const char *type, int last)
{
    fprintf(f,
            "\"%s\":{\"stringValue\":\"%s\",\"stringListValues\":[],\"binaryListValues\":[],\"dataType\":\"%"
            "s\"}%s",
            name, value, type, last ? "" : ",");
}

static char *make_event(size_t *len)
{
    char *text = NULL;
    FILE *f = open_memstream(&text, len);
    fputs("{\"Records\":[", f);
    for (int i = 0; i < RECORDS; i++) {
        char id[40];
        snprintf(id, sizeof id, "0190a6e2-0000-7000-8000-%012d", i);
        fprintf(f,
                "%s{\"messageId\":\"059f36b4-87a3-44ab-83d2-66197583%04d\",\"receiptHandle\":"
                "\"AQEBwJnKyrHigUMZj6r"
                "YigCgxlaS3SLy0a...\",\"body\":\"%s\",\"attributes\":{\"ApproximateReceiveCount\":\"1\","
                "\"SentTimestamp\":\"1796197200123\",\"SenderId\":\"AIDAIENQZJOLO23YVJ4VO\","
                "\"ApproximateFirstReceiveTimestamp\":\"1796197200130\"},\"messageAttributes\":{",
                i ? "," : "", i, BODIES[i % 3]);
        attr(f, "event_id", id, "String", 0);
        attr(f, "event_type", TYPES[i % 3], "String", 0);
        char version[24];
        snprintf(version, sizeof version, "%d", (int)EVENTS_SCHEMA_VERSION); /* the version ingestion sends */
        attr(f, "schema_version", version, "Number", 0);
        attr(f, "received_at", "2026-12-02T07:40:00.123Z", "String", 0);
        attr(f, "source_ip", "203.0.113.9", "String", 0);
        attr(f, "request_id", "c6af9ac6-7b61-11e6-9a41-93e8deadbeef", "String", 1);
        fputs("},\"md5OfBody\":\"636c1e73ecc1ad2d073f93b2418a8872\",\"eventSource\":\"aws:sqs\","
              "\"eventSourceARN\":"
              "\"arn:aws:sqs:us-east-1:123456789012:evpipe-events\",\"awsRegion\":\"us-east-1\"}",
              f);
    }
    fputs("]}", f);
    fclose(f);
    return text;
}

int main(int argc, char **argv)
{
    double seconds = argc > 1 ? atof(argv[1]) : 1.0;
    if (seconds <= 0)
        seconds = 1.0;
    size_t len;
    char *event = make_event(&len);
    ev_processing_app app;
    ev_processing_config cfg = {.table = "evpipe-events", .retention_days = 365};
    ev_processing_writer w = {written_writer, NULL};
    ev_processing_app_init(&app, &cfg, &w);
    ev_arena arena;
    ev_arena_init(&arena, 0);
    ev_invocation inv;
    ev_invocation_init(&inv, "bench", INT64_MAX / 2, &arena, NULL);
    ev_handler_output out;
    /* Check once that every record is stored. */
    if (ev_processing_handle(&app, &inv, event, len, &out) != 0 ||
        strcmp(out.body, "{\"batchItemFailures\":[]}") != 0) {
        fprintf(stderr, "bench: the batch was not stored: %s\n", out.body ? out.body : out.error.message);
        return 1;
    }
    long batches = 0;
    double t0 = now_s(), t;
    do {
        for (int i = 0; i < 100; i++) {
            ev_arena_reset(&arena);
            ev_processing_handle(&app, &inv, event, len, &out);
        }
        batches += 100;
        t = now_s();
    } while (t - t0 < seconds);
    double handler_us = (t - t0) * 1e6 / (double)batches;
    long parses = 0;
    t0 = now_s();
    do {
        for (int i = 0; i < 100; i++)
            cJSON_Delete(cJSON_ParseWithLength(event, len));
        parses += 100;
        t = now_s();
    } while (t - t0 < seconds);
    double parse_us = (t - t0) * 1e6 / (double)parses;
    printf(
        "{\"records_per_batch\":%d,\"event_bytes\":%zu,\"batches\":%ld,\"handler_us_per_batch\":%.2f,"
        "\"handler_us_per_record\":%.3f,\"cjson_parse_us_per_batch\":%.2f,\"ratio_to_cjson_parse\":%.2f}\n",
        RECORDS, len, batches, handler_us, handler_us / RECORDS, parse_us, handler_us / parse_us);
    ev_arena_free(&arena);
    ev_processing_app_free(&app);
    free(event);
    return 0;
}
