/*
 * ev_activity: what devserver did, for people and for the dashboard.
 *
 * Job: one JSON line per HTTP request and per function invocation on the
 * given stream (stdout), e.g.
 *   {"time":"2026-12-02T07:40:00.123Z","kind":"request","method":"POST","path":"/events",
 *    "status":202,"duration_ms":12,"request_id":"..."}
 *   {"time":"...","kind":"invocation","function":"IngestionFunction","request_id":"...",
 *    "duration_ms":9,"status":"ok"}
 * plus free-form lines (ev_activity_note: "kind":"devserver" with a message
 * and optional fields), and the last 100 requests and invocations for
 * GET /api/state (ev_activity_json).
 *
 * Also the ids devserver makes: request ids (UUID v4) and X-Ray trace ids.
 *
 * Ownership: ev_activity_new/free; strings given are copied.
 * Threads: every function may be called from any thread (one mutex; each
 * line is written with one fwrite and flushed).
 */
#ifndef EV_DEVSERVER_ACTIVITY_H
#define EV_DEVSERVER_ACTIVITY_H

#include <stdint.h>
#include <stdio.h>

#include "core/ev_buf.h"

#define EV_ACTIVITY_KEEP 100

typedef struct ev_activity ev_activity;

ev_activity *ev_activity_new(FILE *out);
void ev_activity_free(ev_activity *a);

void ev_activity_request(ev_activity *a, int64_t time_ms, const char *method, const char *path, int status,
                         int64_t duration_ms, const char *request_id);
/* status: "ok", "error", "timeout" or "crash"; error_type may be NULL. */
void ev_activity_invocation(ev_activity *a, int64_t time_ms, const char *function, const char *request_id,
                            int64_t duration_ms, const char *status, const char *error_type);
/* A line of devserver's own: level "INFO"/"WARNING"/"ERROR", a message, and
 * extra members as JSON text without braces (may be NULL), e.g.
 * "\"port\":3000". */
void ev_activity_note(ev_activity *a, const char *level, const char *message, const char *extra_json);

/* Appends "\"requests\":[...],\"invocations\":[...]" (oldest first). */
int ev_activity_json(ev_activity *a, ev_buf *out);

/* Epoch milliseconds now. */
int64_t ev_activity_now_ms(void);
/* A random UUID v4, lower case. */
void ev_ds_uuid4(char out[37]);
/* "Root=1-<8 hex epoch s>-<24 hex>;Parent=<16 hex>;Sampled=1". */
void ev_ds_trace_id(char out[96]);

#endif
