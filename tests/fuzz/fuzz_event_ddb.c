/*
 * libFuzzer target: the generated DynamoDB reader events_event_from_ddb
 * (an item read back from the events table: AttributeValue map -> struct).
 * The input is parsed with the strict ev_json_parse first, as the item
 * would be; the reader's strings go to an arena reset after every run.
 *
 * When the reader accepts an item, it is written back with
 * events_event_to_ddb and read again: the second read must succeed and
 * give the same event (compared through events_event_encode).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/ev_arena.h"
#include "core/ev_buf.h"
#include "events_types.h"
#include "schema/ev_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static ev_arena arena = EV_ARENA_INIT;
static int arena_ready;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!arena_ready) {
        ev_arena_init(&arena, 4096);
        arena_ready = 1;
    }
    ev_json_error jerr;
    cJSON *item = ev_json_parse((const char *)data, size, &jerr);
    if (item == NULL)
        return 0;

    events_event ev;
    ev_codec_error err;
    memset(&err, 0, sizeof err);
    ev_codec_status st = events_event_from_ddb(item, &arena, &ev, &err);
    if (st == EV_CODEC_OK) {
        ev_buf ddb = EV_BUF_INIT, json1 = EV_BUF_INIT, json2 = EV_BUF_INIT;
        size_t item_size = 0;
        ev_codec_error werr;
        if (events_event_to_ddb(&ev, &ddb, &item_size, &werr) == EV_CODEC_OK) {
            cJSON *again = ev_json_parse(ddb.data, ddb.len, &jerr);
            if (again == NULL)
                abort(); /* the writer produced something that is not strict JSON */
            events_event ev2;
            ev_codec_error rerr;
            if (events_event_from_ddb(again, &arena, &ev2, &rerr) != EV_CODEC_OK)
                abort(); /* the reader refuses what the writer wrote */
            if (events_event_encode(&ev, &json1, &werr) == EV_CODEC_OK) {
                if (events_event_encode(&ev2, &json2, &werr) != EV_CODEC_OK)
                    abort();
                if (json1.len != json2.len || memcmp(json1.data, json2.data, json1.len) != 0)
                    abort(); /* the round trip changed the event */
            }
            cJSON_Delete(again);
        }
        ev_buf_free(&json2);
        ev_buf_free(&json1);
        ev_buf_free(&ddb);
    } else if (err.status == EV_CODEC_OK) {
        abort(); /* a failure must be recorded */
    }
    cJSON_Delete(item);
    ev_arena_reset(&arena);
    return 0;
}
