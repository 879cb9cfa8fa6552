/*
 * bench_ingestion_handler: in-process cost per event of the ingestion
 * handler (ev_ingestion_handle), from the proxy event's bytes to the proxy
 * response's bytes, with a sender that does nothing (no network, no SigV4:
 * bench_sigv4 and bench_putitem measure those), logs and metrics discarded.
 *
 * Cases, each a real API Gateway proxy event (tests/functions/events/
 * shape, about 1.6 KB with its headers):
 *   single_valid     POST one valid event            -> 202
 *   single_invalid   POST one event breaking the schema -> 400 problem+json
 *   array10_valid    POST an array of 10 valid events -> 202 (cost per event)
 *   base64_valid     the single event, base64-encoded  -> 202
 *
 * usage: bench_ingestion_handler [seconds_per_case]   (default 1.0)
 * Prints one JSON object: {"cases": {"single_valid": {"us_per_event": ...,
 * "us_per_request": ..., "events_per_s": ..., "event_bytes": ...}, ...}}.
 */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "events.h"
#include "ingestion/ev_ingestion.h"
#include "schema/ev_json.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int noop_send(void *ctx, const ev_invocation *inv, const char *url, const ev_sqs_outgoing *msg,
                     ev_sqs_sent *out, ev_aws_error *err)
{
    (void)ctx, (void)inv, (void)url, (void)msg, (void)err;
    memcpy(out->message_id, "m", 2);
    return 0;
}

static int noop_batch(void *ctx, const ev_invocation *inv, const char *url, const ev_sqs_outgoing *msgs,
                      size_t n, ev_sqs_batch_entry *results, ev_aws_error *err)
{
    (void)ctx, (void)inv, (void)url, (void)msgs, (void)err;
    for (size_t i = 0; i < n; i++)
        results[i].ok = true;
    return 0;
}

static const char EVENT[] = "{\"source\":\"sensor-01\",\"type\":\"temperature\",\"payload\":{\"value\":22.5,"
                            "\"unit\":\"celsius\"},\"timestamp\":\"2026-11-28T17:00:00Z\",\"tags\":{\"site\":"
                            "\"lab-3\"}}";
static const char INVALID[] =
    "{\"source\":\"sensor-01\",\"type\":\"temperature\",\"payload\":{\"value\":5000,"
    "\"unit\":\"celsius\"}}";

/* A proxy event as API Gateway sends it, around body (a JSON string literal's contents). */
static char *proxy_event(const char *body, int base64)
{
    size_t cap = strlen(body) * 2 + 4096;
    char *e = malloc(cap);
    snprintf(
        e, cap,
        "{\"body\":\"%s\",\"resource\":\"/events\",\"path\":\"/events\",\"httpMethod\":\"POST\","
        "\"isBase64Encoded\":%s,\"queryStringParameters\":null,\"multiValueQueryStringParameters\":null,"
        "\"pathParameters\":null,\"stageVariables\":null,\"headers\":{\"Accept\":\"*/*\",\"Content-Type\":"
        "\"application/json\",\"Host\":\"abc123.execute-api.us-east-1.amazonaws.com\",\"User-Agent\":"
        "\"curl/7.88.1\",\"X-Amzn-Trace-Id\":\"Root=1-5759e988-bd862e3fe1be46a994272793\","
        "\"X-Forwarded-For\":\"198.51.100.7\",\"X-Forwarded-Port\":\"443\",\"X-Forwarded-Proto\":\"https\"},"
        "\"multiValueHeaders\":{\"Accept\":[\"*/*\"],\"Content-Type\":[\"application/json\"],\"Host\":"
        "[\"abc123.execute-api.us-east-1.amazonaws.com\"],\"User-Agent\":[\"curl/7.88.1\"],"
        "\"X-Amzn-Trace-Id\":[\"Root=1-5759e988-bd862e3fe1be46a994272793\"],\"X-Forwarded-For\":"
        "[\"198.51.100.7\"],\"X-Forwarded-Port\":[\"443\"],\"X-Forwarded-Proto\":[\"https\"]},"
        "\"requestContext\":{\"accountId\":\"123456789012\",\"resourceId\":\"a1b2c3\",\"stage\":\"prod\","
        "\"requestId\":\"c6af9ac6-7b61-11e6-9a41-93e8deadbeef\",\"requestTime\":\"09/Apr/2015:12:34:56 "
        "+0000\",\"requestTimeEpoch\":1428582896000,\"path\":\"/prod/events\",\"resourcePath\":\"/events\","
        "\"httpMethod\":\"POST\",\"apiId\":\"abc123\",\"protocol\":\"HTTP/1.1\",\"identity\":{\"sourceIp\":"
        "\"198.51.100.7\",\"userAgent\":\"curl/7.88.1\",\"accountId\":null,\"caller\":null,\"user\":null,"
        "\"userArn\":null,\"accessKey\":null,\"cognitoIdentityId\":null,\"cognitoIdentityPoolId\":null,"
        "\"cognitoAuthenticationType\":null,\"cognitoAuthenticationProvider\":null}}}",
        body, base64 ? "true" : "false");
    return e;
}

/* body as the contents of a JSON string literal */
static char *escaped(const char *s)
{
    char *out = malloc(strlen(s) * 2 + 1), *p = out;
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            *p++ = '\\';
        *p++ = *s;
    }
    *p = '\0';
    return out;
}

typedef struct bench_case {
    const char *name;
    char *event;
    int events;
    int expect_status;
} bench_case;

static double run(ev_ingestion *ing, const bench_case *c, double seconds, long *requests)
{
    ev_arena arena;
    ev_arena_init(&arena, 0);
    ev_invocation inv;
    ev_invocation_init(&inv, "8476a536-e9f4-11e8-9739-2dfe598c3fcd", 0, &arena, NULL);
    inv.trace_id = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
    size_t len = strlen(c->event);
    char want[32];
    snprintf(want, sizeof want, "{\"statusCode\":%d,", c->expect_status);
    long n = 0;
    double t0 = now_s(), t;
    do {
        for (int i = 0; i < 500; i++) {
            ev_handler_output out;
            memset(&out, 0, sizeof out);
            if (ev_ingestion_handle(ing, &inv, c->event, len, &out) != 0 ||
                strncmp(out.body, want, strlen(want)) != 0) {
                fprintf(stderr, "bench_ingestion_handler: %s: unexpected answer %.200s%s\n", c->name,
                        out.body ? out.body : "", out.error.message);
                exit(1);
            }
            ev_arena_reset(&arena); /* as the runtime does after each response */
        }
        n += 500;
        t = now_s();
    } while (t - t0 < seconds);
    ev_arena_free(&arena);
    *requests = n;
    return (t - t0) * 1e6 / (double)n;
}

int main(int argc, char **argv)
{
    double seconds = argc > 1 ? atof(argv[1]) : 1.0;
    if (seconds <= 0)
        seconds = 1.0;
    ev_json_init();
    ev_ingestion_sender s = {.send = noop_send, .send_batch = noop_batch, .ctx = NULL};
    ev_ingestion_config cfg = {.queue_url = "https://sqs.us-east-1.amazonaws.com/123456789012/evpipe-events"};
    char err[256];
    ev_ingestion *ing = ev_ingestion_new(&cfg, &s, err, sizeof err);
    if (ing == NULL) {
        fprintf(stderr, "bench_ingestion_handler: %s\n", err);
        return 1;
    }
    char array[4096] = "[";
    for (int i = 0; i < 10; i++) {
        strcat(array, i ? "," : "");
        strcat(array, EVENT);
    }
    strcat(array, "]");
    unsigned char b64[1024];
    EVP_EncodeBlock(b64, (const unsigned char *)EVENT, (int)strlen(EVENT));
    char *e1 = escaped(EVENT), *e2 = escaped(INVALID), *e3 = escaped(array);
    bench_case cases[] = {
        {"single_valid", proxy_event(e1, 0), 1, 202},
        {"single_invalid", proxy_event(e2, 0), 1, 400},
        {"array10_valid", proxy_event(e3, 0), 10, 202},
        {"base64_valid", proxy_event((const char *)b64, 1), 1, 202},
    };
    printf("{\"event_body_bytes\": %zu, \"seconds_per_case\": %.2f, \"cases\": {", strlen(EVENT), seconds);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        long requests;
        double us = run(ing, &cases[i], seconds, &requests);
        printf("%s\n  \"%s\": {\"us_per_request\": %.3f, \"us_per_event\": %.3f, \"events_per_s\": %.0f, "
               "\"proxy_event_bytes\": %zu, \"requests\": %ld}",
               i ? "," : "", cases[i].name, us, us / cases[i].events, 1e6 * cases[i].events / us,
               strlen(cases[i].event), requests);
        fprintf(stderr, "bench_ingestion_handler: %-16s %8.3f us/event\n", cases[i].name,
                us / cases[i].events);
        free(cases[i].event);
    }
    printf("\n}}\n");
    free(e1), free(e2), free(e3);
    ev_ingestion_free(ing);
    events_release();
    return 0;
}
