/*
 * libFuzzer target: the processing handler's batch response
 * ({"batchItemFailures":[{"itemIdentifier":...}]}) written from fuzzed
 * input and read back with cJSON.
 *
 * Input layout:
 *   byte 0..3: the fake writer's outcomes, two bits per put, cycling
 *              (written, duplicate, conflict, failed); byte 0 bit 7 set:
 *              the writer fails the whole batch (-1)
 *   rest:      the SQS event (any bytes; the seeds are real batches)
 *
 * Properties: the handler answers 0 with a strict-JSON response, or -1
 * with an error type (the envelope is unreadable, never a crash); the
 * itemIdentifiers are, in order, a subsequence of the records' messageIds
 * as the event holds them (escapes, non-ASCII and all, byte for byte), and
 * their number is the records minus those the writer said were written or
 * duplicates: nothing is lost, nothing reported twice.
 */
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/ev_arena.h"
#include "core/ev_clock.h"
#include "processing/ev_processing.h"
#include "schema/ev_json.h"

#include "fuzz_parse_all.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOW_MS 1796206272345LL

typedef struct fake_writer {
    uint8_t bits[4];
    size_t settled; /* puts answered WRITTEN or DUPLICATE */
    size_t calls;
} fake_writer;

static int fake_write(void *ctx, const ev_invocation *inv, const char *table,
                      ev_dynamodb_conditional_put *puts, size_t n)
{
    (void)inv;
    (void)table;
    fake_writer *w = ctx;
    w->calls++;
    if (w->bits[0] & 0x80)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (puts[i].item_json == NULL || puts[i].key_json == NULL)
            abort();
        unsigned v = (w->bits[(i / 4) % 4] >> (2 * (i % 4))) & 3u;
        ev_aws_error_clear(&puts[i].error);
        switch (v) {
        case 0:
            puts[i].outcome = EV_DYNAMODB_PUT_WRITTEN;
            w->settled++;
            break;
        case 1:
            puts[i].outcome = EV_DYNAMODB_PUT_DUPLICATE;
            w->settled++;
            break;
        case 2:
            puts[i].outcome = EV_DYNAMODB_PUT_CONFLICT;
            ev_aws_error_set(&puts[i].error, EV_AWS_ERR_SERVICE, "ConditionalCheckFailedException", "fake");
            break;
        default:
            puts[i].outcome = EV_DYNAMODB_PUT_FAILED;
            ev_aws_error_set(&puts[i].error, EV_AWS_ERR_SERVICE, "ProvisionedThroughputExceededException",
                             "fake \"quoted\" \xc3\xa9");
            break;
        }
    }
    return 0;
}

/* The records' messageIds as a plain cJSON reads them (NULL: not a batch the handler takes). */
static cJSON *expected_ids(const char *event, size_t len)
{
    cJSON *root = parse_all(event, len);
    const cJSON *recs = cJSON_GetObjectItemCaseSensitive(root, "Records");
    if (!cJSON_IsArray(recs)) {
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}

static void check_response(const ev_handler_output *out, const cJSON *root, const fake_writer *w)
{
    cJSON *resp = parse_all(out->body, out->body_len);
    const cJSON *fails = cJSON_GetObjectItemCaseSensitive(resp, "batchItemFailures");
    if (!cJSON_IsArray(fails) || cJSON_GetArraySize(resp) != 1)
        abort();
    const cJSON *recs = cJSON_GetObjectItemCaseSensitive(root, "Records");
    const cJSON *rec = recs ? recs->child : NULL;
    size_t nfail = 0;
    const cJSON *f;
    cJSON_ArrayForEach(f, fails)
    {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(f, "itemIdentifier");
        if (!cJSON_IsString(id) || cJSON_GetArraySize(f) != 1)
            abort();
        /* The next record with this messageId, in order. */
        while (rec != NULL) {
            const cJSON *mid = cJSON_GetObjectItemCaseSensitive(rec, "messageId");
            rec = rec->next;
            if (cJSON_IsString(mid) && strcmp(mid->valuestring, id->valuestring) == 0)
                break;
            if (rec == NULL)
                abort(); /* an identifier that is no record's messageId, or out of order */
        }
        nfail++;
    }
    size_t n = (size_t)cJSON_GetArraySize(recs);
    if (nfail + w->settled != n)
        abort();
    cJSON_Delete(resp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static ev_processing_app app;
    static fake_writer w;
    static bool ready;
    if (!ready) {
        ev_json_init();
        ev_processing_config cfg = {.table = "events", .retention_days = 365, .max_body_bytes = 4096};
        ev_processing_writer writer = {.write = fake_write, .ctx = &w};
        ev_processing_app_init(&app, &cfg, &writer);
        ready = true;
    }
    if (size < 4)
        return 0;
    memset(&w, 0, sizeof w);
    memcpy(w.bits, data, 4);
    const char *event = (const char *)data + 4;
    size_t len = size - 4;

    ev_arena arena;
    ev_arena_init(&arena, 0);
    ev_manual_clock clock;
    ev_manual_clock_init(&clock, NOW_MS);
    ev_invocation inv;
    ev_invocation_init(&inv, "req", NOW_MS + 30000, &arena, &clock.clock);
    ev_handler_output out;
    memset(&out, 0, sizeof out);
    int rc = ev_processing_handle(&app, &inv, event, len, &out);
    cJSON *root = expected_ids(event, len);
    if (rc == 0) {
        if (root == NULL)
            abort(); /* answered a batch cJSON cannot read */
        check_response(&out, root, &w);
    } else if (out.error.type[0] == '\0' || w.calls != 0) {
        abort(); /* failed without saying why, or after writing */
    }
    cJSON_Delete(root);
    ev_arena_free(&arena);
    return 0;
}
