/*
 * ev_dashboard: the local stack's dashboard server, on its own loopback
 * port (--dashboard-port, default 3001).
 *
 * Static files: GET/HEAD of a path under the dashboard directory (/ is
 * index.html), with its Content-Type (.html, .js, .mjs, .css, .json, .map,
 * .svg, .png, .ico, .txt; anything else application/octet-stream). A path
 * with "..", a backslash, a NUL or any byte outside [A-Za-z0-9._/-], or
 * one that resolves (symbolic links included) outside the directory, is
 * 404: nothing outside the directory is ever served.
 *
 * GET /api/state: one JSON object (Cache-Control: no-store):
 *   {"requests":[{time, method, path, status, duration_ms, request_id}, ...],   last 100
 *    "invocations":[{time, function, request_id, duration_ms, status}, ...],    last 100
 *    "queues":{"events":{url, visible, in_flight}, "dlq":{url, visible, in_flight}},
 *    "stored":[latest 20 items of the table as plain JSON],
 *    "dlq_messages":[{messageId, body, attributes}, ... up to 20],
 *    "functions":{"<LogicalId>":{"instances":N,"restarts":N}, ...}}
 * "events" is the queue an event source mapping reads (else the first
 * queue), "dlq" its RedrivePolicy target. A part whose AWS call failed
 * carries "error" (and null counts) instead of failing the whole answer.
 * Items: DynamoDB AttributeValues unmarshalled (S string, N the number's
 * exact text, BOOL, NULL, M object, L array, SS/NS/BS arrays, B base64),
 * newest first by received_at (a Scan of up to 1,000 items, sorted).
 * The DLQ is peeked with ReceiveMessage VisibilityTimeout 0: the messages
 * stay receivable.
 *
 * Ownership: borrows the emulator and the activity log; owns its SQS and
 * DynamoDB clients. Threads: libmicrohttpd's one internal thread serves
 * every request, so the clients are used by one thread. Errors:
 * ev_ds_error; NULL from ev_dashboard_start.
 */
#ifndef EV_DEVSERVER_DASHBOARD_H
#define EV_DEVSERVER_DASHBOARD_H

#include <cjson/cJSON.h>

#include "aws/ev_credentials.h"
#include "core/ev_buf.h"
#include "devserver/ev_activity.h"
#include "devserver/ev_ds_error.h"
#include "devserver/ev_lambda_emu.h"

typedef struct ev_dashboard_config {
    const char *host;
    int port;
    const char *dir;
    const char *region;
    const char *sqs_endpoint; /* NULL: the environment's */
    const char *ddb_endpoint;
    const ev_credentials *credentials;
    const char *events_queue_url; /* NULL: none */
    const char *dlq_url;          /* NULL: none */
    const char *table;            /* NULL: none */
    ev_emu *emu;
    ev_activity *activity;
} ev_dashboard_config;

typedef struct ev_dashboard ev_dashboard;

ev_dashboard *ev_dashboard_start(const ev_dashboard_config *cfg, ev_ds_error *err);
int ev_dashboard_port(const ev_dashboard *d);
void ev_dashboard_stop(ev_dashboard *d);

/* A DynamoDB item ({"a":{"S":"x"}}) as plain JSON ({"a":"x"}) appended to
 * out; numbers keep their exact text. -1 on a value that is not an
 * AttributeValue (or nested deeper than 32). */
int ev_ddb_item_to_json(const cJSON *item, ev_buf *out);
/* The content type of a file name, by extension. */
const char *ev_dashboard_content_type(const char *name);
/* True when a URL path may name a file under the directory (the syntax check). */
bool ev_dashboard_path_ok(const char *url);

#endif
