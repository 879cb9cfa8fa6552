/*
 * ev_aws_client: signed JSON-protocol calls with retries. See ev_aws_client.h.
 */
#include "aws/ev_aws_client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws/ev_sigv4.h"

#define MAX_LINES 8

struct ev_aws_client {
    ev_endpoint endpoint;
    ev_url url;
    char *target_prefix; /* "AmazonSQS." */
    ev_credentials creds;
    ev_sigv4_signer *signer;
    ev_http_client *http;
    ev_retry retry;
    char host_line[EV_ENDPOINT_URL_MAX + 8];
    char content_type_line[96];
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
    if (ev_sigv4_sign(c->signer, &sreq, time(NULL), &res, &serr) != 0)
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
static void service_error(ev_aws_client *c, ev_http_response *resp, ev_aws_error *err)
{
    const char *secrets[2] = {c->creds.session_token, c->creds.secret_access_key};
    char query_error[256] = "";
    char request_id[128] = "";
    ev_http_response_header(resp, "x-amzn-query-error", query_error, sizeof query_error);
    if (ev_http_response_header(resp, "x-amzn-RequestId", request_id, sizeof request_id) != 0)
        ev_http_response_header(resp, "x-amz-request-id", request_id, sizeof request_id);
    ev_aws_error_from_response(err, c->endpoint.signing_name, resp->status, resp->body.data, resp->body.len,
                               query_error, request_id);
    ev_aws_error_redact(err, secrets, 2);
    redact_body(c, resp);
}

/* Classifies one finished attempt: 0 success, -1 failure (err filled). */
static int attempt_result(ev_aws_client *c, ev_http_response *resp, ev_aws_error *err)
{
    if (resp->curl_code != 0) {
        ev_http_transport_error(resp, err);
        snprintf(err->service, sizeof err->service, "%s", c->endpoint.signing_name);
        return -1;
    }
    if (resp->status < 200 || resp->status >= 300) {
        service_error(c, resp, err);
        return -1;
    }
    return 0;
}

int ev_aws_client_call_many(ev_aws_client *c, ev_aws_call *calls, size_t n, ev_aws_error *err)
{
    ev_aws_error_clear(err);
    if (n == 0)
        return 0;
    prepared *preps = calloc(n, sizeof *preps);
    ev_http_request *reqs = calloc(n, sizeof *reqs);
    ev_http_response *resps = calloc(n, sizeof *resps);
    ev_retry_call *rcs = calloc(n, sizeof *rcs);
    size_t *pending = calloc(n, sizeof *pending);
    if (!preps || !reqs || !resps || !rcs || !pending) {
        free(preps);
        free(reqs);
        free(resps);
        free(rcs);
        free(pending);
        return ev_aws_error_set(err, EV_AWS_ERR_NOMEM, "NoMemory", "out of memory");
    }
    size_t npending = 0;
    for (size_t i = 0; i < n; i++) {
        ev_aws_error_clear(&calls[i].error);
        snprintf(calls[i].error.service, sizeof calls[i].error.service, "%s", c->endpoint.signing_name);
        ev_buf_reset(&calls[i].response);
        calls[i].status = -1;
        ev_retry_call_begin(&rcs[i]);
        pending[npending++] = i;
    }
    while (npending > 0) {
        /* Sign and send every pending call of this round together. */
        size_t nsend = 0;
        for (size_t k = 0; k < npending; k++) {
            size_t i = pending[k];
            prepared_free(&preps[i]);
            if (prepare(c, calls[i].operation, calls[i].body, calls[i].body_len, &preps[i],
                        &calls[i].error) != 0)
                continue; /* status stays -1; not retryable */
            ev_http_request *r = &reqs[nsend];
            r->method = "POST";
            r->url = c->endpoint.url;
            r->headers = preps[i].ptrs;
            r->header_count = preps[i].count;
            r->body = calls[i].body;
            r->body_len = calls[i].body_len;
            r->timeout_ms = calls[i].timeout_ms;
            ev_http_response_init(&resps[nsend]);
            pending[nsend++] = i;
        }
        ev_aws_error send_err;
        ev_aws_error_clear(&send_err);
        ev_http_send_many(c->http, reqs, resps, nsend, &send_err);

        size_t nretry = 0;
        uint32_t max_delay = 0;
        for (size_t k = 0; k < nsend; k++) {
            size_t i = pending[k];
            ev_aws_call *call = &calls[i];
            /* The last attempt's body is kept, error bodies too (TransactionCanceledException
             * carries CancellationReasons next to the message). */
            int result = attempt_result(c, &resps[k], &call->error); /* redacts an error body */
            ev_buf_reset(&call->response);
            call->response.failed = false;
            ev_buf_append(&call->response, resps[k].body.data ? resps[k].body.data : "", resps[k].body.len);
            if (result == 0) {
                ev_retry_call_succeeded(&c->retry, &rcs[i]);
                call->error.attempts = rcs[i].attempts;
                call->status = call->response.failed ? -1 : 0;
                if (call->status != 0)
                    ev_aws_error_set(&call->error, EV_AWS_ERR_NOMEM, "NoMemory", "out of memory");
            } else {
                uint32_t delay_ms = 0;
                if (ev_retry_call_next(&c->retry, &rcs[i], &call->error, &delay_ms)) {
                    pending[nretry++] = i;
                    if (delay_ms > max_delay)
                        max_delay = delay_ms;
                }
            }
            ev_http_response_free(&resps[k]);
        }
        npending = nretry;
        if (npending > 0)
            ev_retry_sleep(&c->retry, max_delay);
    }
    for (size_t i = 0; i < n; i++)
        prepared_free(&preps[i]);
    free(preps);
    free(reqs);
    free(resps);
    free(rcs);
    free(pending);
    int status = 0, max_attempts = 0;
    for (size_t i = 0; i < n; i++) {
        if (calls[i].error.attempts > max_attempts)
            max_attempts = calls[i].error.attempts;
        if (calls[i].status != 0) {
            if (status == 0 && err)
                *err = calls[i].error;
            status = -1;
        }
    }
    /* On success err still tells how many attempts it took (the most of any call). */
    if (status == 0 && err)
        err->attempts = max_attempts;
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
