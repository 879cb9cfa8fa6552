/*
 * ev_aws_client: one signed AWS JSON-protocol call (SQS, DynamoDB): build
 * the request, sign it (ev_sigv4), send it (ev_http), retry it (ev_retry)
 * and turn a failure into an ev_aws_error.
 *
 * Wire format: POST {endpoint}{path} with Content-Type
 * application/x-amz-json-1.0, X-Amz-Target: {prefix}.{Operation} and the
 * JSON body; every attempt is signed anew (a retry after a long backoff
 * needs a fresh X-Amz-Date). Requests always go to the configured
 * endpoint, never to a URL found in a response (SQS queue URLs are passed
 * through in bodies only).
 *
 * Ownership: the client owns its HTTP client, signer, retry state and a
 * copy of the credentials and endpoint. Calls borrow their inputs and write
 * the response body into a caller-owned ev_buf (reset first). A client is
 * long-lived (keep one per Lambda container to reuse connections) and used
 * by one thread at a time.
 */
#ifndef EV_AWS_AWS_CLIENT_H
#define EV_AWS_AWS_CLIENT_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

#include "aws/ev_aws_error.h"
#include "aws/ev_credentials.h"
#include "aws/ev_endpoint.h"
#include "aws/ev_http.h"
#include "aws/ev_retry.h"
#include "core/ev_buf.h"

typedef struct ev_aws_client_config {
    ev_endpoint_service service;
    const char *region;                /* NULL: AWS_REGION / AWS_DEFAULT_REGION */
    const char *endpoint_url;          /* NULL: AWS_ENDPOINT_URL_<SVC>, AWS_ENDPOINT_URL, or the AWS URL */
    const ev_credentials *credentials; /* NULL: ev_credentials_load (environment, shared file) */
    ev_http_config http;               /* zeroes: defaults */
    /* SQS: the largest message (body and attributes) the client sends, the
     * queue's MaximumMessageSize (ev_sqs_max_message_bytes_from_env reads
     * the value the template passes); 0: EV_SQS_MAX_MESSAGE_BYTES (262,144).
     * 1,024 to 1,048,576. */
    size_t sqs_max_message_bytes;
} ev_aws_client_config;

typedef struct ev_aws_client ev_aws_client;

ev_aws_client *ev_aws_client_new(const ev_aws_client_config *cfg, ev_aws_error *err);
void ev_aws_client_free(ev_aws_client *c);

/* The client's retry policy and quota: tests inject the sleep, random
 * source and clock (ev_retry_set_now) here, callers may change
 * max_attempts or base_delay_ms. */
ev_retry *ev_aws_client_retry(ev_aws_client *c);

/*
 * The invocation deadline every later call of this client keeps to:
 * deadline_ms is an absolute time in milliseconds since the epoch (what
 * Lambda-Runtime-Deadline-Ms gives), 0 for none. Set it at the start of
 * each invocation; it stays until set again. With a deadline:
 *   - every attempt's timeout is cut to the time left minus the margin;
 *   - a retry whose backoff would end past (deadline - margin) is not made;
 *   - a call with no time left is not sent;
 * and a call stopped so fails with kind EV_AWS_ERR_DEADLINE, code
 * "DeadlineExceeded", timeout set, not retryable, its message naming the
 * last attempt's error (ev_aws_error_is_deadline). This holds for single
 * calls, ev_aws_client_call_many (every call of the batch) and everything
 * built on them (SQS, DynamoDB, BatchWriteItem rounds). Time is read from
 * the retry clock (ev_retry_set_now), so tests need not sleep.
 */
void ev_aws_client_set_deadline(ev_aws_client *c, int64_t deadline_ms);
/* How long before the deadline the client stops (default 100 ms): the time
 * the handler keeps for itself to answer. */
void ev_aws_client_set_deadline_margin(ev_aws_client *c, uint32_t margin_ms);
int64_t ev_aws_client_deadline(const ev_aws_client *c);

/* The SQS message size limit of this client (the configured value, or the
 * default), and a new one (same range; -1 with err otherwise). */
size_t ev_aws_client_sqs_max_message_bytes(const ev_aws_client *c);
int ev_aws_client_set_sqs_max_message_bytes(ev_aws_client *c, size_t max_bytes, ev_aws_error *err);
ev_http_client *ev_aws_client_http(ev_aws_client *c);
const ev_endpoint *ev_aws_client_endpoint(const ev_aws_client *c);

/* Replaces the credentials used for signing (rotation, tests). */
int ev_aws_client_set_credentials(ev_aws_client *c, const ev_credentials *creds, ev_aws_error *err);

/*
 * Calls `operation` with a JSON body. On 0, out holds the 2xx response body.
 * On -1, err says why (service error with code/message/request id, or a
 * transport failure after the retries) and out holds the last error body
 * (empty after a transport failure). timeout_ms 0: the client's.
 */
int ev_aws_client_call(ev_aws_client *c, const char *operation, const char *body, size_t body_len,
                       long timeout_ms, ev_buf *out, ev_aws_error *err);

/* Same with cJSON in and out: *response is a new object the caller deletes
 * (NULL on failure). */
int ev_aws_client_call_json(ev_aws_client *c, const char *operation, const cJSON *request, long timeout_ms,
                            cJSON **response, ev_aws_error *err);

/* One of N calls sent concurrently by ev_aws_client_call_many. */
typedef struct ev_aws_call {
    const char *operation; /* in */
    const char *body;      /* in, borrowed */
    size_t body_len;       /* in */
    long timeout_ms;       /* in: 0 for the client's */
    /* in: keep an error body as received instead of redacted, for a caller
     * that parses it and never shows it (the item of a
     * ConditionalCheckFailedException); err's message is redacted anyway. */
    bool raw_error_body;
    ev_buf response;    /* out: last body (2xx or error); init it, the caller frees it */
    ev_aws_error error; /* out */
    int status;         /* out: 0 or -1 */
} ev_aws_call;

/*
 * Sends the calls concurrently over the client's connection pool, each with
 * the same retry policy (failed ones are retried together after the longest
 * of their backoffs). Returns 0 when every call succeeded, -1 otherwise
 * (each call's status/error says which; err gets the first failure).
 */
int ev_aws_client_call_many(ev_aws_client *c, ev_aws_call *calls, size_t n, ev_aws_error *err);

#endif
