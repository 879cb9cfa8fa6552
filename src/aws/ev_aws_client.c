/*
 * ev_aws_client: signed JSON-protocol calls with retries. See ev_aws_client.h.
 */
#include "aws/ev_aws_client.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "aws/ev_sigv4.h"
#include "aws/ev_sqs.h"

#define MAX_LINES 8

struct ev_aws_client {
    ev_endpoint endpoint;
    ev_url url;
    char *target_prefix; /* "AmazonSQS." */
    ev_credentials creds;
    ev_sigv4_signer *signer;
    ev_http_client *http;
    ev_retry retry;  /* also holds the clock and the deadline */
    long timeout_ms; /* an attempt's timeout when the call gives none */
    size_t sqs_max_message_bytes;
    time_t clock_offset_s; /* the service's clock minus ours, from its last clock-skew answer */
};

/* The headers of one attempt, kept alive while curl sends them. */
typedef struct prepared {
    char *lines[MAX_LINES];
    const char *ptrs[MAX_LINES];
    size_t count;
} prepared;

static void prepared_free(prepared *p)
{
    for (size_t i = 0; i < p->count; i++)
        free(p->lines[i]);
    memset(p, 0, sizeof *p);
}

static int prepared_add(prepared *p, const char *name, const char *value)
{
    if (p->count >= MAX_LINES)
        return -1;
    size_t len = strlen(name) + strlen(value) + 3;
    char *line = malloc(len);
    if (!line)
        return -1;
    snprintf(line, len, "%s: %s", name, value);
    p->lines[p->count] = line;
    p->ptrs[p->count] = line;
    p->count++;
    return 0;
}

/* url with any "user:password@" of its authority shown as "<redacted>@". */
static void redact_userinfo(const char *url, char *out, size_t out_len)
{
    const char *auth = strstr(url, "://");
    auth = auth ? auth + 3 : url;
    size_t alen = strcspn(auth, "/?#");
    const char *at = NULL;
    for (const char *p = auth; p < auth + alen; p++)
        if (*p == '@')
            at = p;
    if (!at)
        snprintf(out, out_len, "%s", url);
    else
        snprintf(out, out_len, "%.*s<redacted>%s", (int)(auth - url), url, at);
}

ev_aws_client *ev_aws_client_new(const ev_aws_client_config *cfg, ev_aws_error *err)
{
    ev_aws_error_clear(err);
    ev_aws_client *c = calloc(1, sizeof *c);
    if (!c) {
        ev_aws_error_set(err, EV_AWS_ERR_NOMEM, "NoMemory", "out of memory");
        return NULL;
    }
    ev_endpoint_error eerr = {{0}};
    ev_credentials_error cerr = {{0}};
    ev_sigv4_error serr = {{0}};
    if (ev_endpoint_resolve(cfg->service, cfg->region, &c->endpoint, &eerr) != 0) {
        ev_aws_error_set(err, EV_AWS_ERR_INVALID, "InvalidConfiguration", "endpoint: %s", eerr.message);
        goto fail;
    }
    if (err)
        snprintf(err->service, sizeof err->service, "%s", c->endpoint.signing_name);
    if (cfg->endpoint_url && *cfg->endpoint_url &&
        snprintf(c->endpoint.url, sizeof c->endpoint.url, "%s", cfg->endpoint_url) >=
            (int)sizeof c->endpoint.url) {
        ev_aws_error_set(err, EV_AWS_ERR_INVALID, "InvalidConfiguration",
                         "endpoint URL is %zu bytes, longer than the %zu accepted", strlen(cfg->endpoint_url),
                         sizeof c->endpoint.url - 1);
        goto fail;
    }
    if (ev_endpoint_url_parse(c->endpoint.url, &c->url, &eerr) != 0) {
        char shown[sizeof c->endpoint.url + 16];
        redact_userinfo(c->endpoint.url, shown, sizeof shown);
        ev_aws_error_set(err, EV_AWS_ERR_INVALID, "InvalidConfiguration", "endpoint URL %s: %s", shown,
                         eerr.message);
        goto fail;
    }
    int rc = cfg->credentials ? ev_credentials_set(&c->creds, cfg->credentials->access_key_id,
                                                   cfg->credentials->secret_access_key,
                                                   cfg->credentials->session_token, &cerr)
                              : ev_credentials_load(&c->creds, &cerr);
    if (rc != 0) {
        ev_aws_error_set(err, EV_AWS_ERR_INVALID, "MissingCredentials", "credentials: %s", cerr.message);
        goto fail;
    }
    c->signer = ev_sigv4_signer_new(&c->creds, c->endpoint.region, c->endpoint.signing_name, &serr);
    if (!c->signer) {
        ev_aws_error_set(err, EV_AWS_ERR_INVALID, "SignerError", "signer: %s", serr.message);
        goto fail;
    }
    c->http = ev_http_client_new(&cfg->http, err);
    if (!c->http)
        goto fail;
    size_t plen = strlen(c->endpoint.target_prefix) + 2;
    c->target_prefix = malloc(plen);
    if (!c->target_prefix) {
        ev_aws_error_set(err, EV_AWS_ERR_NOMEM, "NoMemory", "out of memory");
        goto fail;
    }
    snprintf(c->target_prefix, plen, "%s.", c->endpoint.target_prefix);
    ev_retry_init(&c->retry);
    c->timeout_ms = cfg->http.timeout_ms > 0 ? cfg->http.timeout_ms : EV_HTTP_DEFAULT_TIMEOUT_MS;
    if (ev_aws_client_set_sqs_max_message_bytes(
            c, cfg->sqs_max_message_bytes ? cfg->sqs_max_message_bytes : EV_SQS_MAX_MESSAGE_BYTES, err) != 0)
        goto fail;
    return c;
fail:
    ev_aws_client_free(c);
    return NULL;
}

void ev_aws_client_free(ev_aws_client *c)
{
    if (!c)
        return;
    ev_http_client_free(c->http);
    ev_sigv4_signer_free(c->signer);
    ev_credentials_free(&c->creds);
    ev_endpoint_url_free(&c->url);
    free(c->target_prefix);
    free(c);
}

ev_retry *ev_aws_client_retry(ev_aws_client *c)
{
    return &c->retry;
}

void ev_aws_client_set_deadline(ev_aws_client *c, int64_t deadline_ms)
{
    c->retry.deadline_ms = deadline_ms > 0 ? deadline_ms : 0;
}

void ev_aws_client_set_deadline_margin(ev_aws_client *c, uint32_t margin_ms)
{
    c->retry.deadline_margin_ms = margin_ms;
}

int64_t ev_aws_client_deadline(const ev_aws_client *c)
{
    return c->retry.deadline_ms;
}

size_t ev_aws_client_sqs_max_message_bytes(const ev_aws_client *c)
{
    return c->sqs_max_message_bytes;
}

int ev_aws_client_set_sqs_max_message_bytes(ev_aws_client *c, size_t max_bytes, ev_aws_error *err)
{
    if (max_bytes < EV_SQS_MIN_MESSAGE_SIZE_SETTING || max_bytes > EV_SQS_MAX_MESSAGE_SIZE_SETTING)
        return ev_aws_error_set(err, EV_AWS_ERR_INVALID, "InvalidConfiguration",
                                "SQS message size limit %zu is outside %u..%u (MaximumMessageSize)",
                                max_bytes, EV_SQS_MIN_MESSAGE_SIZE_SETTING, EV_SQS_MAX_MESSAGE_SIZE_SETTING);
    c->sqs_max_message_bytes = max_bytes;
    return 0;
}

ev_http_client *ev_aws_client_http(ev_aws_client *c)
{
    return c->http;
}

const ev_endpoint *ev_aws_client_endpoint(const ev_aws_client *c)
{
    return &c->endpoint;
}

int ev_aws_client_set_credentials(ev_aws_client *c, const ev_credentials *creds, ev_aws_error *err)
{
    ev_credentials_error cerr = {{0}};
    ev_sigv4_error serr = {{0}};
    ev_credentials fresh = EV_CREDENTIALS_INIT;
    if (ev_credentials_set(&fresh, creds->access_key_id, creds->secret_access_key, creds->session_token,
                           &cerr) != 0)
        return ev_aws_error_set(err, EV_AWS_ERR_INVALID, "MissingCredentials", "credentials: %s",
                                cerr.message);
    if (ev_sigv4_signer_set_credentials(c->signer, &fresh, &serr) != 0) {
        ev_credentials_free(&fresh);
        return ev_aws_error_set(err, EV_AWS_ERR_INVALID, "SignerError", "signer: %s", serr.message);
    }
    ev_credentials_free(&c->creds);
    c->creds = fresh;
    return 0;
}

/* Builds and signs one attempt of a call. */
static int prepare(ev_aws_client *c, const char *operation, const char *body, size_t body_len, prepared *p,
                   ev_aws_error *err)
{
    char target[160];
    if (snprintf(target, sizeof target, "%s%s", c->target_prefix, operation) >= (int)sizeof target)
        return ev_aws_error_set(err, EV_AWS_ERR_INVALID, "InvalidParameter", "operation name too long");
    ev_sigv4_header hs[3] = {
        {"Host", c->url.host},
        {"Content-Type", c->endpoint.content_type},
        {"X-Amz-Target", target},
    };
    ev_sigv4_request sreq = {
        .method = "POST",
        .host = c->url.host,
        .path = c->url.path,
        .query = c->url.query,
        .headers = hs,
        .header_count = 3,
        .body = body,
        .body_len = body_len,
    };
    ev_sigv4_result res;
    ev_sigv4_error serr = {{0}};
    /* The service's clock, as far as its last clock-skew answer told us. */
    time_t when = (time_t)(ev_retry_now_ms(&c->retry) / 1000) + c->clock_offset_s;
    if (ev_sigv4_sign(c->signer, &sreq, when, &res, &serr) != 0)
        return ev_aws_error_set(err, EV_AWS_ERR_INVALID, "SignerError", "signing: %s", serr.message);
    int rc = 0;
    for (size_t i = 0; i < 3; i++)
        rc |= prepared_add(p, hs[i].name, hs[i].value);
    for (size_t i = 0; i < res.header_count; i++)
        rc |= prepared_add(p, res.headers[i].name, res.headers[i].value);
    if (rc != 0) {
        prepared_free(p);
        return ev_aws_error_set(err, EV_AWS_ERR_NOMEM, "NoMemory", "out of memory building headers");
    }
    return 0;
}

/* The body kept for the caller with the credentials redacted (see the
 * redaction rule in ev_aws_error.h). */
static void redact_body(ev_aws_client *c, ev_http_response *resp)
{
    const char *secrets[2] = {c->creds.session_token, c->creds.secret_access_key};
    if (!resp->body.data || resp->body.len == 0)
        return;
    size_t n = 0;
    char *r = ev_aws_redact(resp->body.data, resp->body.len, secrets, 2, &n);
    ev_buf_reset(&resp->body);
    if (!r || ev_buf_append(&resp->body, r, n) != 0)
        ev_buf_reset(&resp->body);
    free(r);
}

/* Parse first, from the answer as received; redact what is shown afterwards,
 * so that redaction can never change a code, a status or a parse. */
static void service_error(ev_aws_client *c, ev_http_response *resp, bool raw_body, ev_aws_error *err)
{
    const char *secrets[2] = {c->creds.session_token, c->creds.secret_access_key};
    char query_error[256] = "", error_type[256] = "", request_id[128] = "";
    ev_http_response_header(resp, "x-amzn-query-error", query_error, sizeof query_error);
    ev_http_response_header(resp, "x-amzn-ErrorType", error_type, sizeof error_type);
    if (ev_http_response_header(resp, "x-amzn-RequestId", request_id, sizeof request_id) != 0)
        ev_http_response_header(resp, "x-amz-request-id", request_id, sizeof request_id);
    ev_aws_error_from_response(err, c->endpoint.signing_name, resp->status, resp->body.data, resp->body.len,
                               query_error, error_type, request_id);
    ev_aws_error_redact(err, secrets, 2);
    if (!raw_body)
        redact_body(c, resp);
}

/* DynamoDB sends the CRC32 of every body in x-amz-crc32; a mismatch means
 * the answer was damaged on the way, and botocore retries it. 0 when the
 * header is absent (other services) or matches. */
static int check_crc32(ev_aws_client *c, const ev_http_response *resp, ev_aws_error *err)
{
    char value[32];
    if (c->endpoint.service != EV_ENDPOINT_DYNAMODB ||
        ev_http_response_header(resp, "x-amz-crc32", value, sizeof value) != 0)
        return 0;
    char *end = NULL;
    unsigned long long want = strtoull(value, &end, 10);
    unsigned long got =
        crc32(0L, (const Bytef *)(resp->body.data ? resp->body.data : ""), (uInt)resp->body.len);
    if (end != value && *end == '\0' && want == (unsigned long long)got)
        return 0;
    char request_id[128] = "";
    ev_http_response_header(resp, "x-amzn-RequestId", request_id, sizeof request_id);
    ev_aws_error_clear(err);
    ev_aws_error_set(err, EV_AWS_ERR_INTEGRITY, "CRC32CheckFailed",
                     "x-amz-crc32 says %.20s, the %zu-byte body has %lu (HTTP %ld)", value, resp->body.len,
                     got, resp->status);
    snprintf(err->service, sizeof err->service, "%s", c->endpoint.signing_name);
    snprintf(err->request_id, sizeof err->request_id, "%s", request_id);
    err->http_status = resp->status;
    err->retryable = true;
    return -1;
}

/* Classifies one finished attempt: 0 success, -1 failure (err filled). */
static int attempt_result(ev_aws_client *c, ev_http_response *resp, bool raw_body, ev_aws_error *err)
{
    if (resp->curl_code != 0) {
        ev_http_transport_error(resp, err);
        snprintf(err->service, sizeof err->service, "%s", c->endpoint.signing_name);
        return -1;
    }
    if (check_crc32(c, resp, err) != 0)
        return -1;
    if (resp->status < 200 || resp->status >= 300) {
        service_error(c, resp, raw_body, err);
        return -1;
    }
    return 0;
}

/* After a clock-skew answer: the offset between the service's Date and our
 * clock, for every later signature. false when the answer has no usable Date. */
static bool correct_clock(ev_aws_client *c, const ev_http_response *resp)
{
    char date[128];
    if (ev_http_response_header(resp, "Date", date, sizeof date) != 0)
        return false;
    time_t server = curl_getdate(date, NULL);
    if (server == (time_t)-1)
        return false;
    c->clock_offset_s = server - (time_t)(ev_retry_now_ms(&c->retry) / 1000);
    return true;
}

/* ---- N calls at once ---------------------------------------------------- */

/* One ev_aws_client_call_many: per call its signed headers, retry progress
 * and whether its clock-skew retry is spent; per round the calls to send. */
typedef struct many {
    ev_aws_client *c;
    ev_aws_call *calls;
    size_t n;
    prepared *preps;
    ev_retry_call *rcs;
    bool *skew_retried;
    bool *capped;    /* this round's attempt has its timeout cut to the deadline */
    size_t *pending; /* calls of this round, in order */
    size_t npending;
    ev_http_request *reqs; /* [k] sends pending[k] */
    ev_http_response *resps;
} many;

static void many_free(many *m)
{
    for (size_t i = 0; m->preps && i < m->n; i++)
        prepared_free(&m->preps[i]);
    free(m->preps);
    free(m->rcs);
    free(m->skew_retried);
    free(m->capped);
    free(m->pending);
    free(m->reqs);
    free(m->resps);
}

static int many_init(many *m, ev_aws_client *c, ev_aws_call *calls, size_t n)
{
    *m = (many){.c = c, .calls = calls, .n = n};
    m->preps = calloc(n, sizeof *m->preps);
    m->rcs = calloc(n, sizeof *m->rcs);
    m->skew_retried = calloc(n, sizeof *m->skew_retried);
    m->capped = calloc(n, sizeof *m->capped);
    m->pending = calloc(n, sizeof *m->pending);
    m->reqs = calloc(n, sizeof *m->reqs);
    m->resps = calloc(n, sizeof *m->resps);
    if (!m->preps || !m->rcs || !m->skew_retried || !m->capped || !m->pending || !m->reqs || !m->resps) {
        many_free(m);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        ev_aws_error_clear(&calls[i].error);
        snprintf(calls[i].error.service, sizeof calls[i].error.service, "%s", c->endpoint.signing_name);
        ev_buf_reset(&calls[i].response);
        calls[i].status = -1;
        ev_retry_call_begin(&m->rcs[i]);
        m->pending[m->npending++] = i;
    }
    return 0;
}

/* The timeout of call i's next attempt: its own (or the client's), cut to
 * the time left before the deadline. 0 when no time is left (the call then
 * fails with the deadline error). */
static long attempt_timeout(many *m, size_t i)
{
    ev_aws_call *call = &m->calls[i];
    long timeout = call->timeout_ms > 0 ? call->timeout_ms : m->c->timeout_ms;
    int64_t left = ev_retry_time_left_ms(&m->c->retry);
    m->capped[i] = left < timeout;
    if (left <= 0) {
        call->error.attempts = m->rcs[i].attempts;
        ev_aws_error_to_deadline(&call->error, m->rcs[i].attempts ? "no time left for another attempt"
                                                                  : "no time left to send the call");
        return 0;
    }
    return m->capped[i] ? (long)left : timeout;
}

/* Signs every pending call anew (a retry needs a fresh X-Amz-Date) and
 * lines up its request. A call that cannot be signed, or has no time left,
 * fails here, not retried. Returns how many requests are lined up
 * (pending[0..k)). */
static size_t many_prepare_round(many *m)
{
    size_t nsend = 0;
    for (size_t k = 0; k < m->npending; k++) {
        size_t i = m->pending[k];
        ev_aws_call *call = &m->calls[i];
        prepared_free(&m->preps[i]);
        long timeout_ms = attempt_timeout(m, i);
        if (timeout_ms == 0 ||
            prepare(m->c, call->operation, call->body, call->body_len, &m->preps[i], &call->error) != 0)
            continue;
        m->reqs[nsend] = (ev_http_request){.method = "POST",
                                           .url = m->c->endpoint.url,
                                           .headers = m->preps[i].ptrs,
                                           .header_count = m->preps[i].count,
                                           .body = call->body,
                                           .body_len = call->body_len,
                                           .timeout_ms = timeout_ms};
        ev_http_response_init(&m->resps[nsend]);
        m->pending[nsend++] = i;
    }
    return nsend;
}

/* Sends the round. Every response then says what happened to its request;
 * a local failure (a transfer that could not be set up, a curl multi
 * failure) is in the response too, and err says it first. A response that
 * holds neither an answer nor a failure would be a transport bug: it gets
 * the round's error rather than passing for success. */
static void many_send_round(many *m, size_t nsend)
{
    ev_aws_error send_err;
    ev_aws_error_clear(&send_err);
    if (ev_http_send_many(m->c->http, m->reqs, m->resps, nsend, &send_err) == 0)
        return;
    for (size_t k = 0; k < nsend; k++) {
        ev_http_response *r = &m->resps[k];
        if (r->status == 0 && r->curl_code == 0) {
            r->curl_code = send_err.curl_code ? send_err.curl_code : 2 /* CURLE_FAILED_INIT */;
            r->not_started = true;
            snprintf(r->error, sizeof r->error, "%.200s", send_err.message);
        }
    }
}

/* What happens after a failed attempt: true to send the call again, with
 * *delay_ms to wait first. */
static bool many_retry(many *m, size_t i, const ev_http_response *resp, uint32_t *delay_ms)
{
    ev_aws_call *call = &m->calls[i];
    *delay_ms = 0;
    if (m->capped[i] && call->error.timeout) {
        /* Timed out because its timeout was cut to the deadline. */
        call->error.attempts = ++m->rcs[i].attempts;
        ev_aws_error_to_deadline(&call->error, "the attempt was cut at the deadline");
        return false;
    }
    if (ev_aws_error_is_clock_skew(&call->error) && !m->skew_retried[i] && correct_clock(m->c, resp)) {
        m->skew_retried[i] = true;
        return ev_retry_call_retry_now(&m->c->retry, &m->rcs[i], &call->error);
    }
    return ev_retry_call_next(&m->c->retry, &m->rcs[i], &call->error, delay_ms);
}

/* Classifies the round's answers, keeps each call's last body, and lines
 * up the calls to retry. Returns the longest backoff among them. */
static uint32_t many_settle_round(many *m, size_t nsend)
{
    size_t nretry = 0;
    uint32_t max_delay = 0;
    for (size_t k = 0; k < nsend; k++) {
        size_t i = m->pending[k];
        ev_aws_call *call = &m->calls[i];
        ev_http_response *resp = &m->resps[k];
        /* The last attempt's body is kept, error bodies too (TransactionCanceledException
         * carries CancellationReasons next to the message). */
        int result =
            attempt_result(m->c, resp, call->raw_error_body, &call->error); /* redacts an error body */
        ev_buf_reset(&call->response);
        call->response.failed = false;
        ev_buf_append(&call->response, resp->body.data ? resp->body.data : "", resp->body.len);
        if (result == 0) {
            ev_retry_call_succeeded(&m->c->retry, &m->rcs[i]);
            call->error.attempts = m->rcs[i].attempts;
            call->status = call->response.failed ? -1 : 0;
            if (call->status != 0)
                ev_aws_error_set(&call->error, EV_AWS_ERR_NOMEM, "NoMemory", "out of memory");
        } else {
            uint32_t delay_ms = 0;
            if (many_retry(m, i, resp, &delay_ms)) {
                m->pending[nretry++] = i;
                if (delay_ms > max_delay)
                    max_delay = delay_ms;
            }
        }
        ev_http_response_free(resp);
    }
    m->npending = nretry;
    return max_delay;
}

/* 0 when every call succeeded; else -1 with err = the first failure. On
 * success err still tells how many attempts it took (the most of any call). */
static int many_result(const many *m, ev_aws_error *err)
{
    int status = 0, max_attempts = 0;
    for (size_t i = 0; i < m->n; i++) {
        if (m->calls[i].error.attempts > max_attempts)
            max_attempts = m->calls[i].error.attempts;
        if (m->calls[i].status != 0) {
            if (status == 0 && err)
                *err = m->calls[i].error;
            status = -1;
        }
    }
    if (status == 0 && err)
        err->attempts = max_attempts;
    return status;
}

int ev_aws_client_call_many(ev_aws_client *c, ev_aws_call *calls, size_t n, ev_aws_error *err)
{
    ev_aws_error_clear(err);
    if (n == 0)
        return 0;
    many m;
    if (many_init(&m, c, calls, n) != 0) {
        /* Every call says it failed: none may pass for done. */
        for (size_t i = 0; i < n; i++) {
            calls[i].status = -1;
            ev_aws_error_clear(&calls[i].error);
            ev_aws_error_set(&calls[i].error, EV_AWS_ERR_NOMEM, "NoMemory", "out of memory");
        }
        return ev_aws_error_set(err, EV_AWS_ERR_NOMEM, "NoMemory", "out of memory");
    }
    while (m.npending > 0) {
        size_t nsend = many_prepare_round(&m);
        many_send_round(&m, nsend);
        /* Failed calls are retried together, after the longest of their backoffs. */
        uint32_t delay_ms = many_settle_round(&m, nsend);
        if (m.npending > 0 && delay_ms > 0)
            ev_retry_sleep(&c->retry, delay_ms);
    }
    int status = many_result(&m, err);
    many_free(&m);
    return status;
}

int ev_aws_client_call(ev_aws_client *c, const char *operation, const char *body, size_t body_len,
                       long timeout_ms, ev_buf *out, ev_aws_error *err)
{
    ev_aws_call call = {.operation = operation, .body = body, .body_len = body_len, .timeout_ms = timeout_ms};
    ev_buf_init(&call.response);
    int rc = ev_aws_client_call_many(c, &call, 1, err);
    ev_buf_reset(out);
    if (ev_buf_append(out, call.response.data ? call.response.data : "", call.response.len) != 0)
        rc = ev_aws_error_set(err, EV_AWS_ERR_NOMEM, "NoMemory", "out of memory");
    ev_buf_free(&call.response);
    return rc;
}

int ev_aws_client_call_json(ev_aws_client *c, const char *operation, const cJSON *request, long timeout_ms,
                            cJSON **response, ev_aws_error *err)
{
    *response = NULL;
    char *body = cJSON_PrintUnformatted(request);
    if (!body)
        return ev_aws_error_set(err, EV_AWS_ERR_NOMEM, "NoMemory", "out of memory printing the request");
    ev_buf out = EV_BUF_INIT;
    int rc = ev_aws_client_call(c, operation, body, strlen(body), timeout_ms, &out, err);
    cJSON_free(body);
    if (rc == 0) {
        *response = cJSON_ParseWithLength(out.data ? out.data : "{}", out.len ? out.len : 2);
        if (!*response)
            rc = ev_aws_error_set(err, EV_AWS_ERR_PARSE, "InvalidResponse", "%s: response is not JSON",
                                  operation);
    }
    ev_buf_free(&out);
    return rc;
}
