/*
 * libFuzzer target: the processing function's handler on any bytes as the
 * SQS event (the envelope, each record's attributes and body, the business
 * rules and the item), with a fake writer that answers written, duplicate,
 * conflict and failed in turn, and an invocation deadline that has or has
 * not passed.
 *
 * Checks beyond the sanitizers: a success is one JSON object
 * {"batchItemFailures":[...]} naming no more records than the event holds;
 * a failure has an error type and message.
 *
 * Input: the event bytes as the Runtime API would deliver them (the seeds
 * in corpus/sqs_event/ are Lambda-shaped batches).
 */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/ev_arena.h"
#include "core/ev_clock.h"
#include "processing/ev_processing.h"
#include "schema/ev_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t turn;

static int rotating_writer(void *ctx, const ev_invocation *inv, const char *table,
                           ev_dynamodb_conditional_put *puts, size_t n)
{
    (void)ctx;
    (void)inv;
    (void)table;
    for (size_t i = 0; i < n; i++) {
        ev_aws_error_clear(&puts[i].error);
        switch (turn++ % 5) {
        case 0:
        case 1:
            puts[i].outcome = EV_DYNAMODB_PUT_WRITTEN;
            break;
        case 2:
            puts[i].outcome = EV_DYNAMODB_PUT_DUPLICATE;
            break;
        case 3:
            puts[i].outcome = EV_DYNAMODB_PUT_CONFLICT;
            break;
        default:
            puts[i].outcome = EV_DYNAMODB_PUT_FAILED;
            ev_aws_error_set(&puts[i].error, EV_AWS_ERR_TRANSPORT, "Fuzz", "fuzz: failed");
            if (turn % 2)
                ev_aws_error_to_deadline(&puts[i].error, "fuzz deadline");
        }
    }
    return turn % 7 == 0 ? -1 : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool ready;
    static ev_processing_app app;
    if (!ready) {
        ev_processing_config cfg = {.table = "evpipe-events", .retention_days = 365, .max_body_bytes = 4096};
        ev_processing_writer w = {rotating_writer, NULL};
        ev_processing_app_init(&app, &cfg, &w);
        ready = true;
    }
    char *event = malloc(size + 1);
    if (event == NULL)
        return 0;
    memcpy(event, data, size);
    event[size] = '\0';
    ev_arena arena;
    ev_arena_init(&arena, 0);
    ev_manual_clock clock;
    ev_manual_clock_init(&clock, 1796197200123LL);
    ev_invocation inv;
    ev_invocation_init(&inv, "fuzz", 1796197200123LL + (size % 3 == 0 ? 0 : 30000), &arena, &clock.clock);
    ev_handler_output out;
    memset(&out, 0, sizeof out);
    int rc = ev_processing_handle(&app, &inv, event, size, &out);
    if (rc == 0) {
        cJSON *body = cJSON_ParseWithLength(out.body, out.body_len);
        const cJSON *list = cJSON_GetObjectItemCaseSensitive(body, "batchItemFailures");
        if (!cJSON_IsArray(list) || cJSON_GetArraySize(body) != 1)
            abort();
        cJSON *tree = cJSON_ParseWithLength(event, size);
        int records = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(tree, "Records"));
        if (cJSON_GetArraySize(list) > records)
            abort();
        cJSON_Delete(tree);
        cJSON_Delete(body);
    } else if (rc != -1 || out.error.type[0] == '\0' || out.error.message[0] == '\0') {
        abort();
    }
    ev_arena_free(&arena);
    free(event);
    return 0;
}
