/*
 * ev_retry: standard-mode retry policy. See ev_retry.h.
 */
#include "aws/ev_retry.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

static void real_sleep(void *ctx, uint32_t delay_ms)
{
    (void)ctx;
    struct timespec ts = {.tv_sec = delay_ms / 1000, .tv_nsec = (long)(delay_ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static double xorshift_random(void *ctx)
{
    uint64_t *s = ctx;
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *s = x;
    /* 53 high bits -> [0, 1) */
    return (double)(x >> 11) * (1.0 / 9007199254740992.0);
}

static int64_t real_now(void *ctx)
{
    (void)ctx;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void ev_retry_init(ev_retry *r)
{
    memset(r, 0, sizeof *r);
    r->max_attempts = EV_RETRY_DEFAULT_MAX_ATTEMPTS;
    r->base_delay_ms = EV_RETRY_DEFAULT_BASE_DELAY_MS;
    r->max_backoff_ms = EV_RETRY_DEFAULT_MAX_BACKOFF_MS;
    r->quota_capacity = EV_RETRY_QUOTA_CAPACITY;
    r->quota_available = EV_RETRY_QUOTA_CAPACITY;
    r->sleep_fn = real_sleep;
    if (getrandom(&r->rng_state, sizeof r->rng_state, GRND_NONBLOCK) != (ssize_t)sizeof r->rng_state ||
        r->rng_state == 0) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        r->rng_state = ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)ts.tv_sec ^ 0x9E3779B97F4A7C15ull;
    }
    r->random_fn = xorshift_random;
    r->random_ctx = &r->rng_state;
    r->now_fn = real_now;
    r->deadline_margin_ms = EV_RETRY_DEFAULT_DEADLINE_MARGIN_MS;
}

void ev_retry_set_now(ev_retry *r, ev_retry_now_fn fn, void *ctx)
{
    r->now_fn = fn ? fn : real_now;
    r->now_ctx = fn ? ctx : NULL;
}

int64_t ev_retry_now_ms(ev_retry *r)
{
    return r->now_fn(r->now_ctx);
}

int64_t ev_retry_time_left_ms(ev_retry *r)
{
    if (r->deadline_ms <= 0)
        return INT64_MAX;
    return r->deadline_ms - (int64_t)r->deadline_margin_ms - ev_retry_now_ms(r);
}

bool ev_retry_fits_deadline(ev_retry *r, uint32_t delay_ms)
{
    return (int64_t)delay_ms < ev_retry_time_left_ms(r);
}

void ev_retry_set_clock(ev_retry *r, ev_retry_sleep_fn fn, void *ctx)
{
    r->sleep_fn = fn ? fn : real_sleep;
    r->sleep_ctx = fn ? ctx : NULL;
}

void ev_retry_set_random(ev_retry *r, ev_retry_random_fn fn, void *ctx)
{
    r->random_fn = fn ? fn : xorshift_random;
    r->random_ctx = fn ? ctx : &r->rng_state;
}

uint32_t ev_retry_delay_ms(ev_retry *r, int retry)
{
    if (retry < 1)
        retry = 1;
    uint64_t cap = r->base_delay_ms;
    for (int i = 1; i < retry && cap < r->max_backoff_ms; i++)
        cap *= 2;
    if (cap > r->max_backoff_ms)
        cap = r->max_backoff_ms;
    double u = r->random_fn(r->random_ctx);
    if (!(u >= 0.0))
        u = 0.0;
    if (u >= 1.0)
        u = 0.999999;
    return (uint32_t)(u * (double)cap);
}

bool ev_retry_is_retryable(const ev_aws_error *err)
{
    if (!err)
        return false;
    switch (err->kind) {
    case EV_AWS_ERR_TRANSPORT:
        /* Set by ev_http_transport_error from an allow-list of transient
         * curl codes (connect, reset, timeout, ...); a certificate failure
         * or an oversized answer would fail the same way again. */
        return err->retryable;
    case EV_AWS_ERR_SERVICE:
        return ev_aws_error_is_throttling_code(err->code) || ev_aws_error_is_transient_code(err->code) ||
               ev_aws_error_is_transient_status(err->http_status) || err->http_status == 429;
    case EV_AWS_ERR_INTEGRITY:
        /* A DynamoDB answer whose x-amz-crc32 does not match its body was
         * damaged on the way (botocore retries it); an SQS MD5 mismatch is
         * not retried. */
        return strcmp(err->code, "CRC32CheckFailed") == 0;
    default:
        /* Local refusals, parse and integrity failures would fail the same way again. */
        return false;
    }
}

void ev_retry_call_begin(ev_retry_call *call)
{
    call->attempts = 0;
    call->last_cost = 0;
}

static void note(ev_aws_error *err, const char *why)
{
    size_t len = strlen(err->message);
    if (len + 2 < sizeof err->message)
        snprintf(err->message + len, sizeof err->message - len, "%s%s", len ? " [" : "[", why);
    len = strlen(err->message);
    if (len + 1 < sizeof err->message)
        strcat(err->message, "]");
}

bool ev_retry_call_next(ev_retry *r, ev_retry_call *call, ev_aws_error *err, uint32_t *delay_ms)
{
    *delay_ms = 0;
    call->attempts++;
    err->attempts = call->attempts;
    err->retryable = ev_retry_is_retryable(err);
    if (!err->retryable)
        return false;
    if (call->attempts >= r->max_attempts) {
        note(err, "max attempts reached");
        return false;
    }
    int cost = err->timeout ? EV_RETRY_TIMEOUT_COST : EV_RETRY_COST;
    if (r->quota_available < cost) {
        r->quota_refusals++;
        note(err, "retry quota exhausted");
        return false;
    }
    uint32_t delay = ev_retry_delay_ms(r, call->attempts);
    if (!ev_retry_fits_deadline(r, delay)) {
        char why[96];
        snprintf(why, sizeof why, "a retry after %u ms of backoff would end past it", delay);
        ev_aws_error_to_deadline(err, why);
        return false;
    }
    r->quota_available -= cost;
    call->last_cost = cost;
    *delay_ms = delay;
    r->retries_total++;
    return true;
}

bool ev_retry_call_retry_now(ev_retry *r, ev_retry_call *call, ev_aws_error *err)
{
    call->attempts++;
    err->attempts = call->attempts;
    if (call->attempts >= r->max_attempts) {
        note(err, "max attempts reached");
        return false;
    }
    r->retries_total++;
    return true;
}

bool ev_retry_call_should_retry(ev_retry *r, ev_retry_call *call, ev_aws_error *err)
{
    uint32_t delay_ms;
    if (!ev_retry_call_next(r, call, err, &delay_ms))
        return false;
    ev_retry_sleep(r, delay_ms);
    return true;
}

void ev_retry_call_succeeded(ev_retry *r, ev_retry_call *call)
{
    call->attempts++;
    int refund = call->last_cost ? call->last_cost : EV_RETRY_NO_RETRY_INCREMENT;
    r->quota_available += refund;
    if (r->quota_available > r->quota_capacity)
        r->quota_available = r->quota_capacity;
}

void ev_retry_sleep(ev_retry *r, uint32_t delay_ms)
{
    r->slept_ms_total += delay_ms;
    r->sleep_fn(r->sleep_ctx, delay_ms);
}
