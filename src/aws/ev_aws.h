/*
 * ev_aws: the AWS access layer (module header). Include this to get all of
 * it; each header below states its own job and ownership in detail.
 *
 * What lives where:
 *   ev_sigv4.h       SigV4 signing (AWS4-HMAC-SHA256), signing-key cache
 *   ev_credentials.h access key / secret / session token (env, shared file)
 *   ev_endpoint.h    region, endpoint URL resolution, URL splitting
 *   ev_http.h        libcurl transport: kept-alive connections, N requests
 *                    in flight (curl multi), timeouts, TLS verification
 *   ev_retry.h       SDK standard-mode retries: full-jitter backoff, retry
 *                    quota, injectable clock and random source
 *   ev_aws_error.h   the typed error every call reports into
 *   ev_aws_client.h  one signed JSON-protocol call (build, sign, send,
 *                    retry, parse the error), and N of them concurrently
 *   ev_sqs.h         SQS (JSON protocol) operations, MD5 checks, limits
 *   ev_dynamodb.h    DynamoDB (JSON 1.0) operations, pagination, batch
 *                    write rounds, transactions, TTL
 *   ev_dynamodb_put.h  idempotent writes: conditional PutItems in flight at
 *                    once, each written / duplicate / conflict / failed
 *
 * Ownership rules, the same everywhere in src/aws/:
 *   - An API that does not allocate memory does not free it: inputs are
 *     borrowed for the duration of the call and never kept.
 *   - What a call allocates for the caller (cJSON trees through `cJSON **`,
 *     ev_sqs_messages, ev_dynamodb_page, ev_buf contents) is the caller's,
 *     released with the matching *_free or cJSON_Delete.
 *   - Long-lived objects (ev_aws_client, ev_http_client, ev_sigv4_signer)
 *     own their handles and copies of their configuration; *_free releases
 *     them. Keep one client per service per thread for the life of the
 *     process (a Lambda container): that is what keeps connections alive.
 *   - ev_aws_error is a fixed-size value: no allocation, nothing to free.
 *
 * Status convention: 0 or -1 (NULL for constructors) with the details in the
 * caller's ev_aws_error. No hidden global state besides curl's own, set up
 * by the first ev_http_client_new and released by ev_http_global_cleanup
 * once no client is left (the next client sets it up again).
 */
#ifndef EV_AWS_AWS_H
#define EV_AWS_AWS_H

#include "aws/ev_aws_client.h"
#include "aws/ev_aws_error.h"
#include "aws/ev_credentials.h"
#include "aws/ev_dynamodb.h"
#include "aws/ev_dynamodb_put.h"
#include "aws/ev_endpoint.h"
#include "aws/ev_http.h"
#include "aws/ev_retry.h"
#include "aws/ev_sigv4.h"
#include "aws/ev_sqs.h"

#endif
