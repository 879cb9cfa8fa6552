/*
 * ev_retry: the AWS SDKs' "standard" retry mode, with an injectable clock
 * and random source so that tests see exact delays.
 *
 * Policy (botocore retries/standard.py, the SDK reference "Retry behavior"):
 *   - at most max_attempts attempts (default 3) per call;
 *   - retried: throttling codes (ev_aws_error_is_throttling_code, listed in
 *     docs/aws.md), transient codes (RequestTimeout, RequestTimeoutException,
 *     PriorRequestNotComplete, InternalError, InternalFailure,
 *     InternalServerError, ServiceUnavailable), HTTP 429 and 500/502/503/504,
 *     transient transport failures (err->retryable as set by
 *     ev_http_transport_error: ev_http_curl_code_is_transient lists the curl
 *     codes: connect/reset/closed/timeouts); never any other 4xx
 *     client error nor a permanent transport failure (certificate, CA file,
 *     bad URL, protocol, response or its headers over the size limits);
 *     a DynamoDB answer whose x-amz-crc32 does not match its body is retried
 *     (EV_AWS_ERR_INTEGRITY with retryable set, as botocore does);
 *   - a clock-skew answer (ev_aws_error_is_clock_skew) is retried once at
 *     once, within max_attempts and without quota, after the client has
 *     corrected its clock from the answer's Date (ev_retry_call_retry_now);
 *   - delay before retry i (1-based) = rand[0,1) * min(base_delay_ms * 2^(i-1),
 *     max_backoff_ms): full jitter, base 1000 ms (the spec's b*r^i with r=2),
 *     capped at 20 s. base_delay_ms is configurable (the JS v3/Java v2 SDKs use
 *     100 ms);
 *   - a retry quota shared by every call through the same ev_retry: 500
 *     tokens, a retry costs 5 (10 after a timeout); without tokens the error
 *     is returned at once. A call that succeeds without retry refunds 1; one
 *     that succeeds after retries refunds what its last retry took. The
 *     quota never exceeds its capacity.
 *
 * Deadline (an invocation's, e.g. Lambda-Runtime-Deadline-Ms): deadline_ms
 * is an absolute time in milliseconds since the epoch (0: none), read
 * against the injectable clock (ev_retry_set_now). Everything is planned to
 * end deadline_margin_ms (default 100) before it, to leave the caller time
 * to answer: a retry whose backoff would end past that point is not made,
 * and the call fails with EV_AWS_ERR_DEADLINE (code DeadlineExceeded,
 * timeout set) naming the last attempt's error; ev_aws_client caps every
 * attempt's timeout to the time left (ev_retry_time_left_ms).
 *
 * At-least-once: a retry after a timeout or a lost connection resends a
 * request the service may already have applied. SendMessage,
 * SendMessageBatch and UpdateItem (and PutItem/DeleteItem with side effects
 * a condition does not guard) may therefore take effect more than once, as
 * with the AWS SDKs: consumers must be idempotent; FIFO queues use
 * MessageDeduplicationId (deduplication_id) to drop the duplicate.
 * TransactWriteItems is idempotent: ev_dynamodb_transact_write_items sends
 * one ClientRequestToken for every attempt of a call.
 *
 * Ownership: ev_retry holds no pointers it owns; the callback contexts
 * belong to the caller and must outlive the ev_retry. Not thread-safe: one
 * per client, one client per thread.
 */
#ifndef EV_AWS_RETRY_H
#define EV_AWS_RETRY_H

#include <stdbool.h>
#include <stdint.h>

#include "aws/ev_aws_error.h"

#define EV_RETRY_DEFAULT_MAX_ATTEMPTS       3
#define EV_RETRY_DEFAULT_BASE_DELAY_MS      1000u
#define EV_RETRY_DEFAULT_MAX_BACKOFF_MS     20000u
#define EV_RETRY_QUOTA_CAPACITY             500
#define EV_RETRY_COST                       5
#define EV_RETRY_TIMEOUT_COST               10
#define EV_RETRY_NO_RETRY_INCREMENT         1
#define EV_RETRY_DEFAULT_DEADLINE_MARGIN_MS 100u

/* Sleeps delay_ms milliseconds (tests record instead of sleeping). */
typedef void (*ev_retry_sleep_fn)(void *ctx, uint32_t delay_ms);
/* Returns a uniformly distributed number in [0, 1). */
typedef double (*ev_retry_random_fn)(void *ctx);
/* Returns the time in milliseconds since the epoch (tests: a fake clock). */
typedef int64_t (*ev_retry_now_fn)(void *ctx);

typedef struct ev_retry {
    int max_attempts;
    uint32_t base_delay_ms;
    uint32_t max_backoff_ms;
    int quota_capacity;
    int quota_available;
    ev_retry_sleep_fn sleep_fn;
    void *sleep_ctx;
    ev_retry_random_fn random_fn;
    void *random_ctx;
    ev_retry_now_fn now_fn;
    void *now_ctx;
    int64_t deadline_ms;         /* epoch ms; 0: no deadline */
    uint32_t deadline_margin_ms; /* plan to end this long before the deadline */
    uint64_t rng_state;          /* state of the default random source */
    /* Counters for tests, logs and metrics; never read by the policy. */
    uint64_t retries_total;
    uint64_t quota_refusals;
    uint64_t slept_ms_total;
} ev_retry;

/* A call's progress through the policy. */
typedef struct ev_retry_call {
    int attempts;  /* attempts made so far */
    int last_cost; /* tokens taken by the last retry, 0 if none */
} ev_retry_call;

/* Standard defaults, real sleep (nanosleep), the real clock
 * (CLOCK_REALTIME), no deadline, and a xorshift source seeded from
 * getrandom(). */
void ev_retry_init(ev_retry *r);
/* fn NULL restores the default in each of these. */
void ev_retry_set_clock(ev_retry *r, ev_retry_sleep_fn fn, void *ctx);
void ev_retry_set_random(ev_retry *r, ev_retry_random_fn fn, void *ctx);
void ev_retry_set_now(ev_retry *r, ev_retry_now_fn fn, void *ctx);

int64_t ev_retry_now_ms(ev_retry *r);
/* Milliseconds from now to the deadline minus the margin (0 or less: no
 * time left); INT64_MAX without a deadline. */
int64_t ev_retry_time_left_ms(ev_retry *r);
/* True when a wait of delay_ms still ends before the deadline minus the
 * margin (always without a deadline). */
bool ev_retry_fits_deadline(ev_retry *r, uint32_t delay_ms);

/* Full-jitter delay before retry number `retry` (1 = first retry). */
uint32_t ev_retry_delay_ms(ev_retry *r, int retry);

/* The standard-mode classification of one failed attempt. */
bool ev_retry_is_retryable(const ev_aws_error *err);

void ev_retry_call_begin(ev_retry_call *call);

/*
 * After a failed attempt (err filled): returns true when the call should
 * try again, having taken quota tokens and slept the backoff delay. Returns
 * false when the error is not retryable, attempts are used up or the quota
 * is empty (the reason is appended to err->message in the last two cases),
 * or when the backoff would end past the deadline (err becomes the
 * deadline error, no quota taken).
 */
bool ev_retry_call_should_retry(ev_retry *r, ev_retry_call *call, ev_aws_error *err);

/* Same decision without sleeping: *delay_ms receives the backoff to wait
 * (batched callers wait once for several calls). */
bool ev_retry_call_next(ev_retry *r, ev_retry_call *call, ev_aws_error *err, uint32_t *delay_ms);

/* After a failed attempt that a correction makes worth repeating at once
 * (the clock corrected after a clock-skew answer): counts the attempt and
 * returns true unless attempts are used up (then the reason is appended to
 * err->message). No backoff, no quota: the failure was ours, not the
 * service's. */
bool ev_retry_call_retry_now(ev_retry *r, ev_retry_call *call, ev_aws_error *err);

/* After a successful attempt: refunds quota as the policy says. */
void ev_retry_call_succeeded(ev_retry *r, ev_retry_call *call);

/* Sleeps through the configured clock (used for BatchWriteItem rounds). */
void ev_retry_sleep(ev_retry *r, uint32_t delay_ms);

#endif
