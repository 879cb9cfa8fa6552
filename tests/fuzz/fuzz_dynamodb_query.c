/*
 * libFuzzer target: ev_dynamodb_parse_query_response, the parser of a
 * DynamoDB Query answer (Items, LastEvaluatedKey, Count, ScannedCount).
 * The body is exactly size bytes, not NUL-terminated.
 *
 * GetItem/PutItem/UpdateItem/DeleteItem answers have no parser of their own
 * beyond cJSON_ParseWithLength + detaching one member (item_call in
 * ev_dynamodb.c, behind the network). Each accepted item is handed to the
 * generated reader events_event_from_ddb, as the pipeline's consumers do,
 * so the path Query answer -> event struct is exercised end to end (the
 * arena is reset after every item).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aws/ev_dynamodb.h"
#include "core/ev_arena.h"
#include "events_types.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static ev_arena arena = EV_ARENA_INIT;
static int arena_ready;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!arena_ready) {
        ev_arena_init(&arena, 4096);
        arena_ready = 1;
    }
    char *body = size ? malloc(size) : NULL;
    if (size && body == NULL)
        abort();
    if (size)
        memcpy(body, data, size);

    ev_dynamodb_page page = EV_DYNAMODB_PAGE_INIT;
    ev_aws_error err;
    ev_aws_error_clear(&err);
    int rc = ev_dynamodb_parse_query_response(body ? body : "", size, &page, &err);
    if (rc != 0) {
        if (page.items != NULL || page.last_evaluated_key != NULL || err.kind != EV_AWS_ERR_PARSE)
            abort();
    } else {
        if (!cJSON_IsArray(page.items))
            abort();
        const cJSON *item;
        cJSON_ArrayForEach(item, page.items)
        {
            events_event ev;
            ev_codec_error cerr;
            (void)events_event_from_ddb(item, &arena, &ev, &cerr);
            ev_arena_reset(&arena);
        }
        if (page.last_evaluated_key) {
            char *key = cJSON_PrintUnformatted(page.last_evaluated_key);
            cJSON_free(key);
        }
    }
    ev_dynamodb_page_free(&page);
    free(body);
    return 0;
}
