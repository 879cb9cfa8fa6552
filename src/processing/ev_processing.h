/*
 * ev_processing: the processing function (module header). An SQS batch in,
 * {"batchItemFailures":[{"itemIdentifier":"<messageId>"}]} out, every
 * valid record stored once in DynamoDB.
 *
 * Job: ev_processing_handle is an ev_handler_fn (src/runtime/ev_handler.h).
 * For each record of the SQS event, in order:
 *   1. message attributes: event_id (UUID text), event_type, schema_version
 *      (Number), received_at (RFC 3339 UTC) required; source_ip and
 *      request_id optional (ev_processing_record.h);
 *   2. body: size-bounded (max_body_bytes), strict JSON (ev_json);
 *   3. ev_processing_decode_for_version: the body validated again under
 *      the schema of the message's version and decoded into the current
 *      struct (generated/events_versions.h: the current version and the
 *      previous one, upgraded); any other version is refused
 *      ("unsupported schema version N");
 *   4. business rules (ev_processing_rules.h), then the item: the generated
 *      marshaller's attributes, the enrichment attributes and the rules'
 *      attributes (docs/table.md), and content_hash (SHA-256 of the
 *      generated part), which tells a redelivery from a different event
 *      under the same id;
 *   5. all prepared records are given at once to the writer, which writes
 *      them concurrently with a conditional PutItem
 *      (attribute_not_exists(event_id)).
 * Outcomes: written and duplicate are successes; conflict, a failed write,
 * and every record refused in steps 1-4 are batch item failures, each with
 * one log line (what, which message, why). A record whose write was not
 * finished by the invocation deadline is a failure, never dropped; when no
 * time is left before writing, the writer is not called. An event that is
 * not an SQS batch (not JSON, no Records array, a record without a
 * messageId) fails the invocation (ev_handler_fail): Lambda then retries
 * the whole batch.
 *
 * The writer is a seam: the bootstrap passes ev_processing_dynamodb_writer
 * (src/aws ev_dynamodb_put_conditional_many, deadline set from the
 * invocation); unit tests pass a fake.
 *
 * Metrics (EMF, via inv->metrics): EventsStored, DuplicateEvents,
 * EventConflicts, BatchItemFailures (counts, every invocation),
 * DynamoDbWriteLatency (ms, one value per batch write).
 *
 * Ownership: the app is the caller's (ev_processing_app_init / _free); it
 * owns the response body (valid until the next call) and the SHA-256
 * algorithm fetched once. Per-record data lives in inv->arena.
 * ev_processing_app_init calls ev_json_init (bodies are parsed into the
 * arena), so call it at start-up, before other threads use cJSON.
 * Threads: one invocation at a time (ev_handler.h).
 * Errors: configuration functions return 0 / -1 with an ev_runtime_error;
 * the handler follows ev_handler.h.
 */
#ifndef EV_PROCESSING_H
#define EV_PROCESSING_H

#include <stddef.h>
#include <stdint.h>

#include "aws/ev_aws_client.h"
#include "aws/ev_dynamodb_put.h"
#include "core/ev_buf.h"
#include "runtime/ev_handler.h"
#include "runtime/ev_invocation.h"
#include "runtime/ev_runtime_error.h"

#define EV_PROCESSING_DEFAULT_RETENTION_DAYS 365
#define EV_PROCESSING_MAX_RETENTION_DAYS     36500
/* SQS's largest MaximumMessageSize (1 MiB): no queue delivers a larger body. */
#define EV_PROCESSING_DEFAULT_MAX_BODY_BYTES ((size_t)1024 * 1024)

#define EV_METRIC_DYNAMODB_WRITE_LATENCY "DynamoDbWriteLatency"
#define EV_METRIC_EVENT_CONFLICTS        "EventConflicts"

typedef struct ev_processing_config {
    const char *table;      /* DYNAMODB_TABLE_NAME (borrowed) */
    int64_t retention_days; /* EVENT_RETENTION_DAYS: expires_at = received_at + days */
    size_t max_body_bytes;  /* 0: EV_PROCESSING_DEFAULT_MAX_BODY_BYTES */
} ev_processing_config;

/* Writes puts[0..n) and sets each put's outcome (and error when FAILED).
 * Returns 0 when it could try them (outcomes say the rest), -1 when none
 * was tried (then every put counts as failed). */
typedef int (*ev_processing_write_fn)(void *ctx, const ev_invocation *inv, const char *table,
                                      ev_dynamodb_conditional_put *puts, size_t n);

typedef struct ev_processing_writer {
    ev_processing_write_fn write;
    void *ctx;
} ev_processing_writer;

typedef struct ev_processing_app {
    ev_processing_config config;
    ev_processing_writer writer;
    ev_buf response;          /* the last response body */
    struct evp_md_st *sha256; /* fetched once for the content hash (NULL: looked up per record) */
} ev_processing_app;

/* Reads DYNAMODB_TABLE_NAME (required, 3-255 characters of [A-Za-z0-9_.-])
 * and EVENT_RETENTION_DAYS (1..36500, default 365) through getenv_fn (NULL:
 * getenv). The table name points into the environment. */
int ev_processing_config_from_env(ev_processing_config *cfg, const char *(*getenv_fn)(const char *name),
                                  ev_runtime_error *err);

void ev_processing_app_init(ev_processing_app *app, const ev_processing_config *cfg,
                            const ev_processing_writer *writer);
void ev_processing_app_free(ev_processing_app *app);

/* The handler (an ev_handler_fn; app is an ev_processing_app). */
int ev_processing_handle(void *app, const ev_invocation *inv, const char *event, size_t event_len,
                         ev_handler_output *out);

/* The bootstrap's writer: ctx is an ev_aws_client for DynamoDB. Sets the
 * client's deadline to inv->deadline_ms, then
 * ev_dynamodb_put_conditional_many. */
int ev_processing_dynamodb_writer(void *ctx, const ev_invocation *inv, const char *table,
                                  ev_dynamodb_conditional_put *puts, size_t n);

#endif
