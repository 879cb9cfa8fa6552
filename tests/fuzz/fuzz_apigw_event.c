/*
 * libFuzzer target: the API Gateway proxy-event parser (ev_apigw_parse,
 * header lookup) and the whole ingestion handler with a fake sender.
 *
 * The first byte picks how the rest is used:
 *   even  the rest is the proxy event itself (the parser's input);
 *   odd   the rest is a request body, wrapped base64-encoded into a fixed
 *         POST /events proxy event (so any bytes reach the body checks, the
 *         JSON parser, the validator and the array splitter);
 * and, bit 1, whether the fake queue refuses everything (bit 2: entry by
 * entry instead). Properties: the handler never crashes, returns 0 with a
 * proxy response that is JSON with a statusCode and a JSON body, or -1
 * with an error type (never InternalError); a 202 only when the fake queue
 * took something, and whenever it did.
 */
#include <cjson/cJSON.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingestion/ev_apigw.h"
#include "ingestion/ev_ingestion.h"
#include "schema/ev_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct fake {
    int mode; /* 0 accept, 1 fail the call, 2 fail every entry */
    size_t taken;
} fake;

static int fake_send(void *ctx, const ev_invocation *inv, const char *url, const ev_sqs_outgoing *msg,
                     ev_sqs_sent *out, ev_aws_error *err)
{
    (void)inv;
    (void)url;
    fake *f = ctx;
    if (msg->body_len == 0 || ev_sqs_message_size(msg) > EV_SQS_MAX_MESSAGE_BYTES)
        abort(); /* the handler checks the size before sending */
    if (f->mode != 0)
        return ev_aws_error_set(err, EV_AWS_ERR_TRANSPORT, "", "fake");
    f->taken++;
    snprintf(out->message_id, sizeof out->message_id, "m");
    return 0;
}

static int fake_batch(void *ctx, const ev_invocation *inv, const char *url, const ev_sqs_outgoing *msgs,
                      size_t n, ev_sqs_batch_entry *results, ev_aws_error *err)
{
    (void)inv;
    (void)url;
    (void)msgs;
    fake *f = ctx;
    if (n == 0 || n > EV_SQS_MAX_BATCH)
        abort();
    if (f->mode == 1)
        return ev_aws_error_set(err, EV_AWS_ERR_TRANSPORT, "", "fake");
    for (size_t i = 0; i < n; i++) {
        memset(&results[i], 0, sizeof results[i]);
        results[i].ok = f->mode == 0;
        if (f->mode == 0)
            f->taken++;
    }
    return f->mode == 0 ? 0 : ev_aws_error_set(err, EV_AWS_ERR_PARTIAL, "InternalError", "fake");
}

static char *wrap_body(const uint8_t *data, size_t size)
{
    unsigned char *b64 = malloc(4 * ((size + 2) / 3) + 1);
    if (b64 == NULL)
        abort();
    EVP_EncodeBlock(b64, data, (int)size);
    size_t cap = strlen((char *)b64) + 512;
    char *event = malloc(cap);
    if (event == NULL)
        abort();
    snprintf(event, cap,
             "{\"body\":\"%s\",\"resource\":\"/events\",\"path\":\"/events\",\"httpMethod\":\"POST\","
             "\"isBase64Encoded\":true,\"headers\":{\"content-type\":\"application/json\"},"
             "\"multiValueHeaders\":{\"Idempotency-Key\":[\"k1\"]},\"requestContext\":{\"requestId\":\"r\","
             "\"identity\":{\"sourceIp\":\"198.51.100.7\"}}}",
             (char *)b64);
    free(b64);
    return event;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static ev_ingestion *ing;
    static fake f;
    if (ing == NULL) {
        ev_json_init();
        ev_ingestion_sender s = {.send = fake_send, .send_batch = fake_batch, .ctx = &f};
        ev_ingestion_config cfg = {.queue_url = "http://127.0.0.1:9/123456789012/q"};
        char err[256];
        ing = ev_ingestion_new(&cfg, &s, err, sizeof err);
        if (ing == NULL)
            abort();
    }
    if (size == 0)
        return 0;
    uint8_t sel = data[0];
    f.mode = (sel & 2) ? 1 : (sel & 4) ? 2 : 0;
    f.taken = 0;
    char *event;
    if (sel & 1) {
        event = wrap_body(data + 1, size - 1);
    } else {
        event = malloc(size);
        if (event == NULL)
            abort();
        memcpy(event, data + 1, size - 1);
        event[size - 1] = '\0';
    }
    size_t event_len = (sel & 1) ? strlen(event) : size - 1;

    ev_arena arena;
    ev_arena_init(&arena, 0);
    /* The parser alone, and its lookups. */
    ev_apigw_request req;
    ev_apigw_error perr;
    if (ev_apigw_parse(event, event_len, &arena, &req, &perr) == 0 || perr.status == EV_APIGW_BAD_BASE64) {
        (void)ev_apigw_header(&req, "Content-Type");
        (void)ev_apigw_query(&req, "foo");
        if (req.body != NULL && strlen(req.body) > req.body_len)
            abort();
    }
    ev_arena_reset(&arena);

    /* The whole handler. */
    ev_invocation inv;
    ev_manual_clock clock;
    ev_manual_clock_init(&clock, 1796206272345);
    ev_invocation_init(&inv, "req", 1796206272345 + 3000, &arena, &clock.clock);
    ev_handler_output out;
    memset(&out, 0, sizeof out);
    int rc = ev_ingestion_handle(ing, &inv, event, event_len, &out);
    if (rc == 0) {
        cJSON *resp = cJSON_ParseWithLength(out.body, out.body_len);
        const cJSON *sc = cJSON_GetObjectItemCaseSensitive(resp, "statusCode");
        const cJSON *body = cJSON_GetObjectItemCaseSensitive(resp, "body");
        if (!cJSON_IsNumber(sc) || !cJSON_IsString(body))
            abort();
        cJSON *inner = cJSON_Parse(body->valuestring);
        if (inner == NULL)
            abort();
        if (sc->valueint == 202 && f.taken == 0)
            abort();
        if (f.taken > 0 && sc->valueint != 202)
            abort();
        cJSON_Delete(inner);
        cJSON_Delete(resp);
    } else if (out.error.type[0] == '\0' || strcmp(out.error.type, "InternalError") == 0) {
        abort(); /* InternalError: the array splitter disagreed with the parser */
    }
    ev_arena_free(&arena);
    free(event);
    return 0;
}
