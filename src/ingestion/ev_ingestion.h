/*
 * ev_ingestion: the ingestion function's handler, POST /events -> SQS.
 *
 * Job: a pure function of the API Gateway proxy event (ev_apigw.h) and the
 * invocation (ev_handler.h) to a proxy response. In order:
 *   route        POST /events, else 404 (other paths) or 405 with
 *                Allow: POST (other methods on /events)
 *   media type   Content-Type application/json or application/<x>+json,
 *                parameters allowed, absent taken as JSON; else 415
 *   body         base64-decoded when the event says so (broken: 400); its
 *                size checked against the queue's limit before parsing
 *                (413)
 *   parse        strict JSON (ev_json.h; 400 with the offset and pointer)
 *   validate     one event object, or an array of 1..10 (more: 413): each
 *                through the generated events_validate, every error with
 *                its JSON Pointer in the request document
 *   enrich       event id (UUIDv7; with an Idempotency-Key header, a
 *                UUIDv8 of (source, key[, index])), received_at, message
 *                attributes, AWSTraceHeader from the invocation's trace id
 *   send         through the sender: SendMessage for one event,
 *                SendMessageBatch for the valid items of an array
 *   answer       202 only for what the queue confirmed; 503 with
 *                Retry-After when it could not be reached
 * Errors go out as application/problem+json (RFC 9457). docs/ingestion.md
 * is the user's view of every answer.
 *
 * The sender is the seam between the handler and SQS: the bootstrap plugs
 * ev_ingestion_sqs_sender (the src/aws client, the invocation deadline set
 * before each call), tests a fake. The message text sent is the event's
 * text as received (an array item's own bytes), never re-printed.
 *
 * Ownership: ev_ingestion_new copies the configuration; the sender's ctx
 * is borrowed for the life of the handler. Responses live in the handler's
 * buffer until its next call (ev_handler.h allows app memory); everything
 * else of an invocation is in the invocation's arena.
 * Threads: one invocation at a time per ev_ingestion.
 * Errors: constructors return NULL with a message in the caller's buffer;
 * the handler returns ev_handler.h's 0 (a response, including every 4xx
 * and 5xx answer) or -1 (an event that is not an API Gateway proxy event,
 * or memory exhausted: the invocation fails).
 */
#ifndef EV_INGESTION_H
#define EV_INGESTION_H

#include <stddef.h>
#include <stdint.h>

#include "aws/ev_aws_client.h"
#include "aws/ev_sqs.h"
#include "core/ev_uuid.h"
#include "runtime/ev_handler.h"

#define EV_INGESTION_QUEUE_URL_ENV       "SQS_QUEUE_URL"
#define EV_INGESTION_MAX_BATCH           10
#define EV_INGESTION_RETRY_AFTER_S       1
#define EV_INGESTION_MAX_IDEMPOTENCY_KEY 255

/* The namespace of the event ids derived from Idempotency-Key (fixed: the
 * same source and key give the same id in every deployment). */
extern const ev_uuid EV_INGESTION_IDEMPOTENCY_NAMESPACE;

/* Sends one message or a batch; the contract of ev_sqs_send_message and
 * ev_sqs_send_message_batch (0, or -1 with err; a batch where only some
 * entries failed is -1 with kind EV_AWS_ERR_PARTIAL and per-entry results).
 * The invocation is passed for its deadline. */
typedef struct ev_ingestion_sender {
    int (*send)(void *ctx, const ev_invocation *inv, const char *queue_url, const ev_sqs_outgoing *msg,
                ev_sqs_sent *out, ev_aws_error *err);
    int (*send_batch)(void *ctx, const ev_invocation *inv, const char *queue_url, const ev_sqs_outgoing *msgs,
                      size_t n, ev_sqs_batch_entry *results, ev_aws_error *err);
    void *ctx;
} ev_ingestion_sender;

/* The sender over the src/aws SQS client c (borrowed): sets the
 * invocation's deadline on c before each call. */
ev_ingestion_sender ev_ingestion_sqs_sender(ev_aws_client *c);

typedef struct ev_ingestion_config {
    const char *queue_url;    /* required */
    size_t max_message_bytes; /* the queue's MaximumMessageSize; 0: EV_SQS_MAX_MESSAGE_BYTES */
    int retry_after_s;        /* Retry-After of a 503; 0: EV_INGESTION_RETRY_AFTER_S */
    const ev_clock *clock;    /* event ids' clock; NULL: system (received_at uses the invocation's) */
    ev_uuid_random_fn random; /* event ids' randomness; NULL: the system's, drawn 512 bytes at a time */
    void *random_ctx;
} ev_ingestion_config;

/* From the environment: SQS_QUEUE_URL (required, non-empty) and
 * SQS_MAX_MESSAGE_BYTES (ev_sqs_max_message_bytes_from_env). 0, or -1 with
 * a sentence naming the variable in error. */
int ev_ingestion_config_from_env(ev_ingestion_config *cfg, char *error, size_t error_len);

typedef struct ev_ingestion ev_ingestion;

ev_ingestion *ev_ingestion_new(const ev_ingestion_config *cfg, const ev_ingestion_sender *sender, char *error,
                               size_t error_len);
void ev_ingestion_free(ev_ingestion *ing);

/* The ev_handler_fn: app is the ev_ingestion. */
int ev_ingestion_handle(void *app, const ev_invocation *inv, const char *event, size_t event_len,
                        ev_handler_output *out);

/* The size SQS counts for the message attributes the handler adds to an
 * event of this type with these (optional) source ip and request id: what
 * a body may use of the queue's limit is the limit minus this. */
size_t ev_ingestion_attributes_size(const char *event_type, const char *source_ip, const char *request_id);

#endif
