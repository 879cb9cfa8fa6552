/*
 * libFuzzer target: the ingestion handler's answers to an array of events
 * (202 with per-item results, or an application/problem+json 400/503 with
 * errors and results), written from fuzzed queue outcomes and error codes
 * and read back with cJSON.
 *
 * Input layout:
 *   byte 0: the array's length, 1 + b % 10
 *   byte 1: the queue (b % 4): 0 and 3 entry by entry (the item's byte,
 *           bit 1: taken; else failed with the code below), 1 the whole
 *           call fails (a transport error, no code), 2 the whole call
 *           fails with the code below (a service error)
 *   byte 2..11: per item: bit 0 a valid event (else one breaking the schema)
 *   rest:   the queue's error code (up to its first NUL, 127 bytes kept:
 *           the size of the code fields), any bytes
 *
 * Properties: the handler answers (0) with a proxy response whose body is
 * strict JSON; 202 exactly when an item was accepted; otherwise a problem
 * whose status equals the statusCode, type under urn:evpipe:problem:,
 * title, detail and errors present, Content-Type application/problem+json;
 * results has one entry per item, in order, index i, and the status the
 * item was given: rejected (with errors), accepted (with its eventId), or
 * failed with the queue's code exactly (when it is valid UTF-8).
 */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ev_buf.h"
#include "ingestion/ev_ingestion.h"
#include "schema/ev_json.h"

#include "fuzz_parse_all.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOW_MS 1796206272345LL
#define VALID                                                                                                \
    "{\"source\":\"sensor-01\",\"type\":\"temperature\",\"payload\":{\"value\":22.5,\"unit\":\"celsius\"}}"
#define BROKEN "{\"source\":\"sensor-01\",\"type\":\"temperature\",\"payload\":{\"value\":\"hot\"}}"

typedef struct fake_queue {
    int mode;
    uint8_t take[EV_INGESTION_MAX_BATCH]; /* per valid item, in the order sent */
    char code[128];
} fake_queue;

static int fake_send(void *ctx, const ev_invocation *inv, const char *url, const ev_sqs_outgoing *msg,
                     ev_sqs_sent *out, ev_aws_error *err)
{
    (void)ctx;
    (void)inv;
    (void)url;
    (void)msg;
    (void)out;
    (void)err;
    abort(); /* an array always goes out as a batch */
}

static int fake_batch(void *ctx, const ev_invocation *inv, const char *url, const ev_sqs_outgoing *msgs,
                      size_t n, ev_sqs_batch_entry *results, ev_aws_error *err)
{
    (void)inv;
    (void)url;
    (void)msgs;
    fake_queue *q = ctx;
    if (n == 0 || n > EV_SQS_MAX_BATCH)
        abort();
    if (q->mode == 1)
        return ev_aws_error_set(err, EV_AWS_ERR_TRANSPORT, "", "connection refused");
    if (q->mode == 2)
        return ev_aws_error_set(err, EV_AWS_ERR_SERVICE, q->code, "the queue said no");
    bool all = true;
    for (size_t i = 0; i < n; i++) {
        memset(&results[i], 0, sizeof results[i]);
        results[i].ok = (q->take[i] & 2) != 0;
        if (results[i].ok)
            snprintf(results[i].sent.message_id, sizeof results[i].sent.message_id, "m-%zu", i);
        else
            snprintf(results[i].code, sizeof results[i].code, "%s", q->code);
        all = all && results[i].ok;
    }
    return all ? 0 : ev_aws_error_set(err, EV_AWS_ERR_PARTIAL, "", "some entries failed");
}

static const char *expected_status(uint8_t valid, uint8_t taken, int mode)
{
    if (!valid)
        return "rejected";
    return (mode == 0 || mode == 3) && taken ? "accepted" : "failed";
}

static void check_results(const cJSON *results, size_t n, const uint8_t *items, const fake_queue *q)
{
    if (!cJSON_IsArray(results) || (size_t)cJSON_GetArraySize(results) != n)
        abort();
    size_t sent = 0;
    for (size_t i = 0; i < n; i++) {
        const cJSON *r = cJSON_GetArrayItem(results, (int)i);
        const cJSON *index = cJSON_GetObjectItemCaseSensitive(r, "index");
        const cJSON *status = cJSON_GetObjectItemCaseSensitive(r, "status");
        if (!cJSON_IsNumber(index) || index->valuedouble != (double)i || !cJSON_IsString(status))
            abort();
        bool valid = items[i] & 1;
        uint8_t taken = valid ? q->take[sent++] & 2 : 0;
        if (strcmp(status->valuestring, expected_status(valid, taken, q->mode)) != 0)
            abort();
        if (!valid && !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(r, "errors")))
            abort();
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(r, "eventId");
        if (strcmp(status->valuestring, "accepted") == 0 &&
            (!cJSON_IsString(id) || strlen(id->valuestring) != 36))
            abort();
        if (strcmp(status->valuestring, "failed") == 0) {
            const cJSON *code = cJSON_GetObjectItemCaseSensitive(r, "code");
            if (!cJSON_IsString(code))
                abort();
            const char *want = q->mode == 1 ? NULL : q->code[0] ? q->code : q->mode == 2 ? NULL : "Failed";
            if (want != NULL && ev_buf_utf8_valid(want, strlen(want)) && strcmp(code->valuestring, want) != 0)
                abort();
        }
    }
}

static const char *header(const cJSON *resp, const char *name)
{
    const cJSON *h =
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(resp, "headers"), name);
    return cJSON_IsString(h) ? h->valuestring : "";
}

static void check_answer(const ev_handler_output *out, size_t n, const uint8_t *items, const fake_queue *q)
{
    cJSON *resp = parse_all(out->body, out->body_len);
    const cJSON *sc = cJSON_GetObjectItemCaseSensitive(resp, "statusCode");
    const cJSON *body = cJSON_GetObjectItemCaseSensitive(resp, "body");
    if (!cJSON_IsNumber(sc) || !cJSON_IsString(body))
        abort();
    cJSON *doc = parse_all(body->valuestring, strlen(body->valuestring));
    if (doc == NULL)
        abort();
    size_t accepted = 0, failed = 0, sent = 0;
    for (size_t i = 0; i < n; i++) {
        if (!(items[i] & 1))
            continue;
        const char *st = expected_status(1, q->take[sent++] & 2, q->mode);
        accepted += strcmp(st, "accepted") == 0;
        failed += strcmp(st, "failed") == 0;
    }
    int want = accepted > 0 ? 202 : failed > 0 ? 503 : 400;
    if (sc->valueint != want)
        abort();
    if (want != 202) {
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(doc, "type");
        const cJSON *status = cJSON_GetObjectItemCaseSensitive(doc, "status");
        if (!cJSON_IsString(type) || strncmp(type->valuestring, "urn:evpipe:problem:", 19) != 0 ||
            !cJSON_IsNumber(status) || status->valueint != want ||
            !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(doc, "title")) ||
            !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(doc, "detail")) ||
            !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(doc, "errors")) ||
            strcmp(header(resp, "Content-Type"), "application/problem+json") != 0)
            abort();
    }
    check_results(cJSON_GetObjectItemCaseSensitive(doc, "results"), n, items, q);
    cJSON_Delete(doc);
    cJSON_Delete(resp);
}

/* A POST /events proxy event whose body is the array of n items. */
static void build_event(ev_buf *ev, size_t n, const uint8_t *items)
{
    ev_buf arr = EV_BUF_INIT;
    ev_buf_append_char(&arr, '[');
    for (size_t i = 0; i < n; i++) {
        if (i)
            ev_buf_append_char(&arr, ',');
        ev_buf_append_str(&arr, (items[i] & 1) ? VALID : BROKEN);
    }
    ev_buf_append_char(&arr, ']');
    ev_buf_append_str(
        ev, "{\"resource\":\"/events\",\"path\":\"/events\",\"httpMethod\":\"POST\","
            "\"headers\":{\"Content-Type\":\"application/json\"},\"isBase64Encoded\":false,"
            "\"requestContext\":{\"requestId\":\"r-1\",\"identity\":{\"sourceIp\":\"198.51.100.7\"}},"
            "\"body\":");
    ev_buf_append_json_string(ev, arr.data, arr.len);
    ev_buf_append_char(ev, '}');
    ev_buf_free(&arr);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static ev_ingestion *ing;
    static fake_queue q;
    if (ing == NULL) {
        ev_json_init();
        ev_ingestion_sender s = {.send = fake_send, .send_batch = fake_batch, .ctx = &q};
        ev_ingestion_config cfg = {.queue_url = "http://127.0.0.1:9/123456789012/q"};
        char err[256];
        ing = ev_ingestion_new(&cfg, &s, err, sizeof err);
        if (ing == NULL)
            abort();
    }
    if (size < 2 + EV_INGESTION_MAX_BATCH)
        return 0;
    size_t n = 1 + data[0] % EV_INGESTION_MAX_BATCH;
    const uint8_t *items = data + 2;
    memset(&q, 0, sizeof q);
    q.mode = data[1] & 3;
    for (size_t i = 0, k = 0; i < n; i++)
        if (items[i] & 1)
            q.take[k++] = items[i];
    size_t rest = size - 2 - EV_INGESTION_MAX_BATCH;
    const char *code = (const char *)data + 2 + EV_INGESTION_MAX_BATCH;
    size_t clen = strnlen(code, rest < sizeof q.code - 1 ? rest : sizeof q.code - 1);
    memcpy(q.code, code, clen);
    q.code[clen] = '\0';

    ev_buf ev = EV_BUF_INIT;
    build_event(&ev, n, items);
    ev_arena arena;
    ev_arena_init(&arena, 0);
    ev_manual_clock clock;
    ev_manual_clock_init(&clock, NOW_MS);
    ev_invocation inv;
    ev_invocation_init(&inv, "req", NOW_MS + 3000, &arena, &clock.clock);
    ev_handler_output out;
    memset(&out, 0, sizeof out);
    if (ev_ingestion_handle(ing, &inv, ev.data, ev.len, &out) != 0)
        abort(); /* a well-formed proxy event always gets an answer */
    check_answer(&out, n, items, &q);
    ev_arena_free(&arena);
    ev_buf_free(&ev);
    return 0;
}
