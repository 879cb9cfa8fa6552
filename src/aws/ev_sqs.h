/*
 * ev_sqs: Amazon SQS over the JSON protocol (X-Amz-Target: AmazonSQS.*).
 *
 * Every function takes an ev_aws_client created for EV_ENDPOINT_SQS.
 * Requests go to the client's endpoint; queue URLs are passed through in the
 * body unchanged (emulators answer URLs whose host may not resolve).
 *
 * Integrity: SendMessage(Batch) checks MD5OfMessageBody,
 * MD5OfMessageAttributes and MD5OfMessageSystemAttributes against what was
 * sent; ReceiveMessage checks MD5OfBody and MD5OfMessageAttributes of every
 * message. A mismatch is EV_AWS_ERR_INTEGRITY.
 *
 * Limits enforced here before sending (AWS refuses them, emulators may
 * not): a message (body + attribute names, types and values) at most the
 * client's limit, the queue's MaximumMessageSize
 * (ev_aws_client_config.sqs_max_message_bytes, default
 * EV_SQS_MAX_MESSAGE_BYTES = 262,144); a whole SendMessageBatch at most
 * that limit or 262,144, whichever is larger (AWS caps a batch at the
 * service maximum, whatever the queue's setting); at most 10 entries per
 * batch; at most 10 message attributes per message. The ingestion function
 * gets the queue's value from the template in SQS_MAX_MESSAGE_BYTES
 * (ev_sqs_max_message_bytes_from_env), so its own 413 and this check
 * follow the same number.
 *
 * Batches: entry ids are the input indices ("0".."n-1"), so results[i]
 * always answers input i. A batch where some entries failed returns -1 with
 * err kind EV_AWS_ERR_PARTIAL; results say which (ok, code, sender_fault).
 *
 * Ownership: inputs are borrowed. Output structs with fixed arrays need no
 * free. ev_sqs_messages and the cJSON objects returned by
 * ev_sqs_get_queue_attributes are allocated by the call and released by the
 * caller (ev_sqs_messages_free, cJSON_Delete).
 */
#ifndef EV_AWS_SQS_H
#define EV_AWS_SQS_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#include "aws/ev_aws_client.h"
#include "aws/ev_aws_error.h"
#include "core/ev_buf.h"

#define EV_SQS_MAX_MESSAGE_BYTES        262144u /* default limit, and the batch total */
#define EV_SQS_MIN_MESSAGE_SIZE_SETTING 1024u   /* MaximumMessageSize range */
#define EV_SQS_MAX_MESSAGE_SIZE_SETTING 1048576u
#define EV_SQS_MAX_MESSAGE_BYTES_ENV    "SQS_MAX_MESSAGE_BYTES"
#define EV_SQS_MAX_BATCH                10u
#define EV_SQS_MAX_MESSAGE_ATTRIBUTES   10u
#define EV_SQS_URL_MAX                  1024

/* A queue attribute, e.g. {"VisibilityTimeout", "30"}, {"RedrivePolicy", "{...}"}. */
typedef struct ev_sqs_attr {
    const char *name;
    const char *value;
} ev_sqs_attr;

typedef struct ev_sqs_message_attribute {
    const char *name;
    const char *data_type;             /* "String", "Number", "Binary" or "<type>.<custom>" */
    const char *string_value;          /* String and Number types */
    const unsigned char *binary_value; /* Binary types */
    size_t binary_len;
} ev_sqs_message_attribute;

/* A message to send. */
typedef struct ev_sqs_outgoing {
    const char *body;
    size_t body_len;
    int delay_seconds; /* < 0: the queue's default */
    const ev_sqs_message_attribute *attributes;
    size_t attribute_count;
    const char *trace_header;     /* AWSTraceHeader system attribute, NULL for none */
    const char *message_group_id; /* FIFO queues, else NULL */
    const char *deduplication_id; /* FIFO queues, else NULL */
} ev_sqs_outgoing;

typedef struct ev_sqs_sent {
    char message_id[128];
    char sequence_number[128]; /* FIFO only */
} ev_sqs_sent;

typedef struct ev_sqs_batch_entry {
    bool ok;
    bool sender_fault;
    char code[128];
    char message[256];
    ev_sqs_sent sent; /* SendMessageBatch only */
} ev_sqs_batch_entry;

typedef struct ev_sqs_receive_input {
    const char *queue_url;
    int max_messages;                   /* 1..10; <= 0: 1 */
    int wait_time_seconds;              /* long poll 0..20; < 0: the queue's default */
    int visibility_timeout;             /* < 0: the queue's default */
    const char *const *attribute_names; /* system attributes, e.g. "All", "ApproximateReceiveCount" */
    size_t attribute_name_count;
    const char *const *message_attribute_names; /* "All" or names */
    size_t message_attribute_name_count;
} ev_sqs_receive_input;

typedef struct ev_sqs_message {
    char *message_id;
    char *receipt_handle;
    char *body; /* NUL-terminated; body_len excludes the NUL */
    size_t body_len;
    char *md5_of_body;
    cJSON *attributes;                            /* system attributes object, never NULL after receive */
    ev_sqs_message_attribute *message_attributes; /* strings owned by the message */
    size_t message_attribute_count;
} ev_sqs_message;

typedef struct ev_sqs_messages {
    ev_sqs_message *items;
    size_t count;
} ev_sqs_messages;

#define EV_SQS_MESSAGES_INIT                                                                                 \
    {                                                                                                        \
        NULL, 0                                                                                              \
    }

int ev_sqs_create_queue(ev_aws_client *c, const char *name, const ev_sqs_attr *attrs, size_t attr_count,
                        char *url_out, size_t url_len, ev_aws_error *err);
int ev_sqs_get_queue_url(ev_aws_client *c, const char *name, char *url_out, size_t url_len,
                         ev_aws_error *err);
/* *attributes_out: object of name -> string value. names NULL: "All". */
int ev_sqs_get_queue_attributes(ev_aws_client *c, const char *queue_url, const char *const *names,
                                size_t name_count, cJSON **attributes_out, ev_aws_error *err);
int ev_sqs_set_queue_attributes(ev_aws_client *c, const char *queue_url, const ev_sqs_attr *attrs,
                                size_t attr_count, ev_aws_error *err);
int ev_sqs_delete_queue(ev_aws_client *c, const char *queue_url, ev_aws_error *err);

int ev_sqs_send_message(ev_aws_client *c, const char *queue_url, const ev_sqs_outgoing *msg, ev_sqs_sent *out,
                        ev_aws_error *err);
int ev_sqs_send_message_batch(ev_aws_client *c, const char *queue_url, const ev_sqs_outgoing *msgs, size_t n,
                              ev_sqs_batch_entry *results, ev_aws_error *err);

/* Appends to nothing: *out is replaced (free it with ev_sqs_messages_free). */
int ev_sqs_receive_message(ev_aws_client *c, const ev_sqs_receive_input *in, ev_sqs_messages *out,
                           ev_aws_error *err);
void ev_sqs_messages_free(ev_sqs_messages *m);
/* A message's system attribute as a string (e.g. "ApproximateReceiveCount"), or NULL. */
const char *ev_sqs_message_system_attribute(const ev_sqs_message *m, const char *name);
const ev_sqs_message_attribute *ev_sqs_message_find_attribute(const ev_sqs_message *m, const char *name);

int ev_sqs_delete_message(ev_aws_client *c, const char *queue_url, const char *receipt_handle,
                          ev_aws_error *err);
int ev_sqs_delete_message_batch(ev_aws_client *c, const char *queue_url, const char *const *receipt_handles,
                                size_t n, ev_sqs_batch_entry *results, ev_aws_error *err);
int ev_sqs_change_message_visibility(ev_aws_client *c, const char *queue_url, const char *receipt_handle,
                                     int visibility_timeout_s, ev_aws_error *err);
int ev_sqs_change_message_visibility_batch(ev_aws_client *c, const char *queue_url,
                                           const char *const *receipt_handles,
                                           const int *visibility_timeouts_s, size_t n,
                                           ev_sqs_batch_entry *results, ev_aws_error *err);

/*
 * The queue's MaximumMessageSize as the template passes it to a function:
 * the environment variable SQS_MAX_MESSAGE_BYTES, decimal, 1,024 to
 * 1,048,576. Unset or empty: EV_SQS_MAX_MESSAGE_BYTES. Anything else is an
 * error (InvalidConfiguration naming the variable and its value), never a
 * silent default: a wrong limit would refuse good events or let SQS refuse
 * them.
 */
int ev_sqs_max_message_bytes_from_env(size_t *out, ev_aws_error *err);

/* ---- building blocks, exposed for unit tests (no network) ---- */

/* The SQS MD5 of message attributes: names sorted bytewise; for each, 4-byte
 * big-endian length + name, length + data type, transport byte (1 string,
 * 2 binary), length + value. out: 32 hex digits + NUL. */
int ev_sqs_md5_of_attributes(const ev_sqs_message_attribute *attrs, size_t n, char out[33],
                             ev_aws_error *err);
/* Hex MD5 of the body. */
void ev_sqs_md5_hex(const void *data, size_t len, char out[33]);
/* Size AWS counts against the limit: body + names + types + values. */
size_t ev_sqs_message_size(const ev_sqs_outgoing *msg);
/* The SendMessage request body (QueueUrl, MessageBody, attributes, ...),
 * after the checks above with max_message_bytes as the size limit (0: the
 * default). */
int ev_sqs_build_send_request(const char *queue_url, const ev_sqs_outgoing *msg, size_t max_message_bytes,
                              ev_buf *out, ev_aws_error *err);
/* Reads a *Batch response (cJSON of the body) into results[0..n) (entry Ids
 * are the indexes). With msgs (SendMessageBatch) the MD5s of successful
 * entries are verified. An entry the service reports twice, or not at all,
 * is failed (DuplicateResult, MissingResult). 0 when every entry succeeded;
 * -1 with err: EV_AWS_ERR_PARTIAL naming the first failure, or an integrity
 * error on an MD5 mismatch. `op` names the operation in messages. */
int ev_sqs_parse_batch_response(const char *op, const cJSON *resp, size_t n, ev_sqs_batch_entry *results,
                                const ev_sqs_outgoing *msgs, ev_aws_error *err);
/* Parses a ReceiveMessage response body, verifying MD5s. */
int ev_sqs_parse_receive_response(const char *body, size_t len, ev_sqs_messages *out, ev_aws_error *err);

#endif
