/*
 * ev_tail: what evtail shows, without the network: DynamoDB items turned
 * into plain JSON, the newest first, and one terminal line per stored event
 * or dead-letter message.
 *
 * Job: the formatting half of build/bin/evtail (src/tools/evtail.c does the
 * Scan and the ReceiveMessage), kept here so unit tests reach it.
 * Ownership: inputs are borrowed; a cJSON tree handed out through a
 * `cJSON **` is new and the caller's to cJSON_Delete; lines are appended to
 * a caller's ev_buf.
 * Threads: no shared state.
 * Errors: int 0 / -1 with a message in err[0..err_len) naming what and
 * where (the attribute path), e.g. "payload.value: N is not a number: \"x\"".
 *
 * Numbers stay exact: an N value becomes a cJSON raw number holding the
 * text DynamoDB sent (checked to be JSON number syntax), never a double.
 * Terminal lines never carry control characters from the data: every byte
 * below 0x20 and DEL is shown as '?', so an event cannot move the cursor or
 * recolour the terminal.
 */
#ifndef EV_TAIL_H
#define EV_TAIL_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "core/ev_buf.h"

/* An AttributeValue map ({"a":{"S":"x"},...}) -> plain object. S -> string,
 * N -> number (exact text), BOOL, NULL, M -> object, L -> array, SS/NS ->
 * arrays, B/BS -> base64 strings as sent. */
int ev_tail_unmarshal_item(const cJSON *item, cJSON **out, char *err, size_t err_len);

/* Sorts an array of plain items in place by received_at (RFC 3339 UTC
 * text), newest first; items without one go last, in their order. Stable. */
void ev_tail_sort_newest(cJSON *items);

/* Appends `s` to out for a terminal: control bytes as '?', at most `width`
 * bytes (cut at a UTF-8 boundary, "..." marking the cut; width 0: all),
 * padded with spaces to `pad` bytes when shorter (0: no padding). */
int ev_tail_append_cell(ev_buf *out, const char *s, size_t width, size_t pad);

/* One line (with '\n') for a stored event: received_at, event_id, type,
 * source, then the payload as compact JSON, the whole line cut to
 * `width` bytes (0: no limit). */
int ev_tail_format_event(ev_buf *out, const cJSON *item, size_t width);

/* One line (with '\n') for a dead-letter message: id, receive count, body. */
int ev_tail_format_dlq(ev_buf *out, const char *message_id, const char *receives, const char *body,
                       size_t width);

/* The header lines of both tables. */
int ev_tail_format_event_header(ev_buf *out);
int ev_tail_format_dlq_header(ev_buf *out);

#endif
