/*
 * libFuzzer target: events_decode_version (generated/events_versions.h), the
 * reader of bodies of the previous and the current schema version.
 *
 * The first byte picks the version (previous, current, or another one, which
 * must be refused); the rest is the body, parsed with the strict
 * ev_json_parse. Invariants:
 *   - another version is always refused (EV_CODEC_MISMATCH);
 *   - a previous-version body the previous validator accepts and the current
 *     validator also accepts upgrades to what the current decoder reads
 *     (compared through events_event_encode): the upgrade neither loses nor
 *     invents anything.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/ev_arena.h"
#include "core/ev_buf.h"
#include "events_versions.h"
#include "schema/ev_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static ev_arena arena = EV_ARENA_INIT;
static int arena_ready;

static int pick_version(uint8_t b)
{
    switch (b % 4) {
    case 0:
        return EVENTS_VERSION_PREVIOUS;
    case 1:
        return EVENTS_VERSION_CURRENT;
    case 2:
        return EVENTS_VERSION_CURRENT + 1 + b;
    default:
        return EVENTS_VERSION_PREVIOUS - 1 - b;
    }
}

static void encode_or_abort(const events_event *ev, ev_buf *out)
{
    ev_codec_error err;
    if (events_event_encode(ev, out, &err) != EV_CODEC_OK)
        abort(); /* a decoded event always encodes */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!arena_ready) {
        ev_arena_init(&arena, 4096);
        arena_ready = 1;
    }
    if (size < 1)
        return 0;
    int version = pick_version(data[0]);
    ev_json_error jerr;
    cJSON *body = ev_json_parse((const char *)data + 1, size - 1, &jerr);
    if (body == NULL)
        return 0;

    events_event ev;
    ev_codec_error err;
    memset(&err, 0, sizeof err);
    ev_codec_status st = events_decode_version(version, body, &arena, &ev, &err);
    if (!events_version_supported(version) && st != EV_CODEC_MISMATCH)
        abort();
    if (version == EVENTS_VERSION_PREVIOUS && st == EV_CODEC_OK &&
        events_validate_version(EVENTS_VERSION_PREVIOUS, body, NULL) &&
        events_validate_version(EVENTS_VERSION_CURRENT, body, NULL)) {
        events_event cur;
        if (events_decode_version(EVENTS_VERSION_CURRENT, body, &arena, &cur, &err) != EV_CODEC_OK)
            abort();
        ev_buf a = EV_BUF_INIT, b = EV_BUF_INIT;
        encode_or_abort(&ev, &a);
        encode_or_abort(&cur, &b);
        if (a.len != b.len || memcmp(a.data, b.data, a.len) != 0)
            abort();
        ev_buf_free(&a);
        ev_buf_free(&b);
    }
    cJSON_Delete(body);
    ev_arena_reset(&arena);
    return 0;
}
