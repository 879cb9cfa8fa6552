/*
 * ev_http: libcurl transport. See ev_http.h.
 */
#include "aws/ev_http.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

struct ev_http_client {
    CURLM *multi;
    CURL **easy; /* pool, grown up to max_in_flight */
    size_t easy_count;
    ev_http_config cfg;
    char *ca_bundle; /* owned copy, NULL: curl default */
    ev_http_stats stats;
    bool counted; /* holds a reference on curl's global state */
};

/* One transfer in progress: what the curl callbacks write into. */
typedef struct transfer {
    ev_http_response *resp;
    struct curl_slist *headers;
    size_t max_bytes;
    bool too_large;
    bool in_headers; /* between a status line and the blank line that ends its headers */
} transfer;

/* curl's process-wide state: initialised by the first client, released by
 * ev_http_global_cleanup only when no client is alive, initialised again by
 * the next client after that. */
static pthread_mutex_t global_lock = PTHREAD_MUTEX_INITIALIZER;
static bool global_ready;
static size_t live_clients;

/* Counts a new client in, initialising curl first when needed. */
static CURLcode global_acquire(void)
{
    pthread_mutex_lock(&global_lock);
    CURLcode rc = CURLE_OK;
    if (!global_ready) {
        rc = curl_global_init(CURL_GLOBAL_DEFAULT);
        global_ready = rc == CURLE_OK;
    }
    if (rc == CURLE_OK)
        live_clients++;
    pthread_mutex_unlock(&global_lock);
    return rc;
}

static void global_release(void)
{
    pthread_mutex_lock(&global_lock);
    live_clients--;
    pthread_mutex_unlock(&global_lock);
}

int ev_http_global_cleanup(void)
{
    pthread_mutex_lock(&global_lock);
    int rc = 0;
    if (live_clients > 0) {
        rc = -1;
    } else if (global_ready) {
        curl_global_cleanup();
        global_ready = false;
    }
    pthread_mutex_unlock(&global_lock);
    return rc;
}

const char *ev_http_find_ca_bundle(void)
{
    const char *env = getenv("AWS_CA_BUNDLE");
    if (env && *env && access(env, R_OK) == 0)
        return env;
    static const char *const candidates[] = {
        "/etc/ssl/certs/ca-certificates.crt", /* Debian, Ubuntu */
        "/etc/pki/tls/certs/ca-bundle.crt",   /* Amazon Linux 2023, RHEL */
        "/etc/ssl/cert.pem",
    };
    for (size_t i = 0; i < sizeof candidates / sizeof candidates[0]; i++)
        if (access(candidates[i], R_OK) == 0)
            return candidates[i];
    return NULL;
}

ev_http_client *ev_http_client_new(const ev_http_config *cfg, ev_aws_error *err)
{
    CURLcode grc = global_acquire();
    if (grc != CURLE_OK) {
        ev_aws_error_set(err, EV_AWS_ERR_TRANSPORT, "CurlInit", "curl_global_init: %s",
                         curl_easy_strerror(grc));
        return NULL;
    }
    ev_http_client *c = calloc(1, sizeof *c);
    if (!c) {
        global_release();
        ev_aws_error_set(err, EV_AWS_ERR_NOMEM, "NoMemory", "out of memory");
        return NULL;
    }
    c->counted = true;
    if (cfg)
        c->cfg = *cfg;
    if (c->cfg.connect_timeout_ms <= 0)
        c->cfg.connect_timeout_ms = EV_HTTP_DEFAULT_CONNECT_TIMEOUT_MS;
    if (c->cfg.timeout_ms <= 0)
        c->cfg.timeout_ms = EV_HTTP_DEFAULT_TIMEOUT_MS;
    if (c->cfg.max_in_flight == 0)
        c->cfg.max_in_flight = EV_HTTP_DEFAULT_MAX_IN_FLIGHT;
    if (c->cfg.max_response_bytes == 0)
        c->cfg.max_response_bytes = EV_HTTP_DEFAULT_MAX_RESPONSE_BYTES;
    const char *env_ca = getenv("AWS_CA_BUNDLE");
    if (!c->cfg.ca_bundle && env_ca && *env_ca && access(env_ca, R_OK) != 0) {
        /* A bundle the operator named but we cannot read: falling back to
         * the system one would trust what they meant to exclude. */
        ev_http_client_free(c);
        ev_aws_error_set(err, EV_AWS_ERR_INVALID, "InvalidConfiguration", "AWS_CA_BUNDLE %s is not readable",
                         env_ca);
        return NULL;
    }
    const char *ca = c->cfg.ca_bundle ? c->cfg.ca_bundle : ev_http_find_ca_bundle();
    c->cfg.ca_bundle = NULL;
    if (ca && !(c->ca_bundle = strdup(ca)))
        goto nomem;
    c->easy = calloc(c->cfg.max_in_flight, sizeof *c->easy);
    c->multi = curl_multi_init();
    if (!c->easy || !c->multi)
        goto nomem;
    /* Enough idle connections kept for a full batch to reuse them next time. */
    CURLMcode mc = curl_multi_setopt(c->multi, CURLMOPT_MAXCONNECTS, (long)c->cfg.max_in_flight + 4);
    if (mc != CURLM_OK) {
        ev_http_client_free(c);
        ev_aws_error_set(err, EV_AWS_ERR_TRANSPORT, "CurlInit", "curl_multi_setopt(MAXCONNECTS): %s",
                         curl_multi_strerror(mc));
        return NULL;
    }
    return c;
nomem:
    ev_http_client_free(c);
    ev_aws_error_set(err, EV_AWS_ERR_NOMEM, "NoMemory", "out of memory creating the HTTP client");
    return NULL;
}

void ev_http_client_free(ev_http_client *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->easy_count; i++)
        curl_easy_cleanup(c->easy[i]);
    free(c->easy);
    if (c->multi)
        curl_multi_cleanup(c->multi);
    free(c->ca_bundle);
    if (c->counted)
        global_release();
    free(c);
}

void ev_http_client_stats_get(const ev_http_client *c, ev_http_stats *out)
{
    *out = c->stats;
}

void ev_http_response_init(ev_http_response *r)
{
    memset(r, 0, sizeof *r);
    ev_buf_init(&r->body);
    ev_buf_init(&r->headers);
}

void ev_http_response_reset(ev_http_response *r)
{
    ev_buf_reset(&r->body);
    ev_buf_reset(&r->headers);
    r->body.failed = false;
    r->headers.failed = false;
    r->status = 0;
    r->curl_code = 0;
    r->timed_out = false;
    r->too_large = false;
    r->headers_too_large = false;
    r->not_started = false;
    r->multi_failed = false;
    r->error[0] = '\0';
}

void ev_http_response_free(ev_http_response *r)
{
    ev_buf_free(&r->body);
    ev_buf_free(&r->headers);
    memset(r, 0, sizeof *r);
}

int ev_http_response_header(const ev_http_response *r, const char *name, char *out, size_t out_len)
{
    if (!r->headers.data || out_len == 0)
        return -1;
    size_t name_len = strlen(name);
    const char *p = r->headers.data;
    const char *end = p + r->headers.len;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *line_end = eol ? eol : end;
        if ((size_t)(line_end - p) > name_len && p[name_len] == ':' && strncasecmp(p, name, name_len) == 0) {
            const char *v = p + name_len + 1;
            while (v < line_end && (*v == ' ' || *v == '\t'))
                v++;
            const char *ve = line_end;
            while (ve > v && (ve[-1] == '\r' || ve[-1] == ' ' || ve[-1] == '\t'))
                ve--;
            size_t len = (size_t)(ve - v);
            if (len >= out_len)
                len = out_len - 1;
            memcpy(out, v, len);
            out[len] = '\0';
            return 0;
        }
        p = line_end + 1;
    }
    return -1;
}

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    transfer *t = userdata;
    size_t n = size * nmemb;
    if (t->resp->body.len + n > t->max_bytes) {
        t->too_large = true;
        return 0; /* makes curl fail the transfer with CURLE_WRITE_ERROR */
    }
    return ev_buf_append(&t->resp->body, ptr, n) == 0 ? n : 0;
}

static size_t on_header(char *ptr, size_t size, size_t nitems, void *userdata)
{
    transfer *t = userdata;
    size_t n = size * nitems;
    /* A new status line starts a new response (100 Continue, redirects): keep only the last. */
    if (n >= 5 && memcmp(ptr, "HTTP/", 5) == 0) {
        ev_buf_reset(&t->resp->headers);
        t->in_headers = true;
    } else if (n <= 2 && (n == 0 || ptr[0] == '\r' || ptr[0] == '\n')) {
        t->in_headers = false;
    }
    return ev_buf_append(&t->resp->headers, ptr, n) == 0 ? n : 0;
}

/* The first failing option's code (CURLE_OUT_OF_MEMORY when a header line
 * cannot be copied), or CURLE_OK. */
static CURLcode setup_easy(ev_http_client *c, CURL *easy, const ev_http_request *req, transfer *t)
{
    curl_easy_reset(easy);
    t->headers = NULL;
    for (size_t i = 0; i < req->header_count; i++) {
        struct curl_slist *h = curl_slist_append(t->headers, req->headers[i]);
        if (!h)
            return CURLE_OUT_OF_MEMORY;
        t->headers = h;
    }
    /* curl would send "Expect: 100-continue" for bodies over 1 KiB and wait a
     * round trip (or 1 s) for it; AWS endpoints do not need it. */
    struct curl_slist *h = curl_slist_append(t->headers, "Expect:");
    if (!h)
        return CURLE_OUT_OF_MEMORY;
    t->headers = h;

    long timeout = req->timeout_ms > 0 ? req->timeout_ms : c->cfg.timeout_ms;
    long connect_timeout = c->cfg.connect_timeout_ms < timeout ? c->cfg.connect_timeout_ms : timeout;
    CURLcode rc = CURLE_OK;
#define SET(opt, val)                                                                                        \
    do {                                                                                                     \
        if (rc == CURLE_OK)                                                                                  \
            rc = curl_easy_setopt(easy, opt, val);                                                           \
    } while (0)
    SET(CURLOPT_URL, req->url);
    SET(CURLOPT_HTTPHEADER, t->headers);
    bool head = req->method && strcasecmp(req->method, "HEAD") == 0;
    if (head) /* a custom "HEAD" would wait for the body the Content-Length announces */
        SET(CURLOPT_NOBODY, 1L);
    else
        SET(CURLOPT_CUSTOMREQUEST, req->method ? req->method : "POST");
    if (!head && (req->method == NULL || strcmp(req->method, "GET") != 0)) {
        SET(CURLOPT_POSTFIELDS, req->body ? req->body : "");
        SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
    }
    SET(CURLOPT_CONNECTTIMEOUT_MS, connect_timeout);
    SET(CURLOPT_TIMEOUT_MS, timeout);
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_TCP_NODELAY, 1L);
    SET(CURLOPT_TCP_KEEPALIVE, 1L);
    SET(CURLOPT_SSL_VERIFYPEER, 1L);
    SET(CURLOPT_SSL_VERIFYHOST, 2L);
    SET(CURLOPT_PROTOCOLS_STR, "http,https");
    if (c->ca_bundle)
        SET(CURLOPT_CAINFO, c->ca_bundle);
    SET(CURLOPT_WRITEFUNCTION, on_body);
    SET(CURLOPT_WRITEDATA, t);
    SET(CURLOPT_HEADERFUNCTION, on_header);
    SET(CURLOPT_HEADERDATA, t);
    SET(CURLOPT_ERRORBUFFER, t->resp->error);
    SET(CURLOPT_PRIVATE, t);
#undef SET
    return rc;
}

static CURL *pool_get(ev_http_client *c, size_t i)
{
    if (i < c->easy_count)
        return c->easy[i];
    CURL *e = curl_easy_init();
    if (!e)
        return NULL;
    c->easy[c->easy_count++] = e;
    return e;
}

/* curl's own limits on response headers end a transfer with RECV_ERROR (56,
 * "Too large response headers") for too many bytes of headers, with
 * OUT_OF_MEMORY (27, a bare "Out of memory") for one header line over 100 KiB,
 * and newer curls with TOO_LARGE (100). The same answer would come again:
 * not transient, and not a memory shortage. A 27 in the middle of the
 * headers is taken for the line limit (a real shortage there is not
 * retried either). */
static bool headers_too_large(const transfer *t, CURLcode code, const char *error)
{
    if (code == CURLE_OUT_OF_MEMORY && t->in_headers)
        return true;
    return (code == CURLE_RECV_ERROR || (int)code == 100) && strcasestr(error, "header") != NULL;
}

static void finish_transfer(ev_http_client *c, CURL *easy, transfer *t, CURLcode code)
{
    ev_http_response *r = t->resp;
    long connects = 0;
    curl_easy_getinfo(easy, CURLINFO_NUM_CONNECTS, &connects);
    c->stats.connects += (uint64_t)connects;
    r->curl_code = (int)code;
    if (code == CURLE_OK) {
        curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &r->status);
        if (r->body.failed || r->headers.failed) {
            r->curl_code = (int)CURLE_OUT_OF_MEMORY;
            snprintf(r->error, sizeof r->error, "out of memory buffering the response");
            c->stats.transport_failures++;
        }
    } else {
        r->status = 0;
        r->timed_out = code == CURLE_OPERATION_TIMEDOUT;
        r->too_large = t->too_large;
        if (t->too_large)
            snprintf(r->error, sizeof r->error, "response larger than %zu bytes", t->max_bytes);
        else if (!r->error[0])
            snprintf(r->error, sizeof r->error, "%s", curl_easy_strerror(code));
        r->headers_too_large = headers_too_large(t, code, r->error);
        c->stats.transport_failures++;
    }
    curl_slist_free_all(t->headers);
    t->headers = NULL;
}

bool ev_http_curl_code_is_transient(int curl_code)
{
    switch ((CURLcode)curl_code) {
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_HTTP2:
    case CURLE_PARTIAL_FILE:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_HTTP2_STREAM:
    case CURLE_HTTP3:
    case CURLE_QUIC_CONNECT_ERROR:
        return true;
    default:
        return false;
    }
}

static const char *transport_code(const ev_http_response *resp)
{
    if (resp->not_started)
        return "TransferSetup";
    if (resp->multi_failed)
        return "CurlMulti";
    if (resp->timed_out)
        return "RequestTimeout";
    if (resp->too_large)
        return "ResponseTooLarge";
    if (resp->headers_too_large)
        return "ResponseHeadersTooLarge";
    return "TransportError";
}

void ev_http_transport_error(const ev_http_response *resp, ev_aws_error *err)
{
    if (!err)
        return;
    ev_aws_error_clear(err);
    err->kind = EV_AWS_ERR_TRANSPORT;
    err->curl_code = resp->curl_code;
    err->timeout = resp->timed_out;
    err->retryable = ev_http_curl_code_is_transient(resp->curl_code) && !resp->headers_too_large &&
                     !resp->not_started && !resp->multi_failed;
    snprintf(err->code, sizeof err->code, "%s", transport_code(resp));
    snprintf(err->message, sizeof err->message, "%s (curl %d)", resp->error, resp->curl_code);
    if (resp->curl_code == (int)CURLE_OUT_OF_MEMORY && !resp->headers_too_large) {
        err->kind = EV_AWS_ERR_NOMEM;
        err->retryable = false;
    }
}

/* ---- N transfers at once ---------------------------------------------- */

/* One ev_http_send_many: requests are handed to slots (slot s always uses
 * pool handle s) as slots free up. */
typedef struct batch {
    ev_http_client *c;
    const ev_http_request *reqs;
    ev_http_response *resps;
    size_t n, slots;
    size_t next;        /* first request not started */
    size_t done;        /* requests finished (answered or failed) */
    size_t active;      /* transfers running */
    transfer *ts;       /* per slot */
    bool *busy;         /* per slot */
    ev_aws_error local; /* the first setup or multi failure */
} batch;

/* A request that failed before or outside its transfer: not_started or
 * multi_failed says which; curl code FAILED_INIT. */
static void fail_locally(batch *b, ev_http_response *r, bool multi, const char *what, const char *why)
{
    r->status = 0;
    r->curl_code = (int)CURLE_FAILED_INIT;
    r->not_started = !multi;
    r->multi_failed = multi;
    snprintf(r->error, sizeof r->error, "%s: %s", what, why);
    b->c->stats.transport_failures++;
    b->done++;
    if (b->local.kind == EV_AWS_ERR_NONE)
        ev_http_transport_error(r, &b->local);
}

/* Starts waiting requests in the free slots. A request whose transfer
 * cannot be set up fails alone (nothing of it was sent); the others go on. */
static void batch_start(batch *b)
{
    size_t s = 0;
    while (s < b->slots && b->next < b->n) {
        if (b->busy[s]) {
            s++;
            continue;
        }
        ev_http_response *r = &b->resps[b->next];
        const ev_http_request *req = &b->reqs[b->next];
        b->next++;
        ev_http_response_reset(r);
        transfer *t = &b->ts[s];
        *t = (transfer){.resp = r, .max_bytes = b->c->cfg.max_response_bytes};
        CURL *easy = pool_get(b->c, s);
        CURLcode ec = easy ? setup_easy(b->c, easy, req, t) : CURLE_OUT_OF_MEMORY;
        CURLMcode mc = ec == CURLE_OK ? curl_multi_add_handle(b->c->multi, easy) : CURLM_OK;
        if (ec != CURLE_OK || mc != CURLM_OK) {
            curl_slist_free_all(t->headers);
            t->headers = NULL;
            fail_locally(b, r, false, "could not set up the transfer",
                         ec != CURLE_OK ? curl_easy_strerror(ec) : curl_multi_strerror(mc));
            continue; /* the same slot, the next request */
        }
        b->busy[s] = true;
        b->active++;
        b->c->stats.requests++;
        s++;
    }
}

/* Lets curl work until a transfer needs attention (at most 1 s). */
static CURLMcode batch_step(batch *b)
{
    int running = 0;
    CURLMcode mc = curl_multi_perform(b->c->multi, &running);
    if (mc == CURLM_OK && running > 0)
        mc = curl_multi_poll(b->c->multi, NULL, 0, 1000, NULL);
    return mc;
}

static void batch_collect(batch *b)
{
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(b->c->multi, &left)) != NULL) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        CURL *easy = msg->easy_handle;
        CURLcode code = msg->data.result;
        transfer *t = NULL;
        curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&t);
        curl_multi_remove_handle(b->c->multi, easy);
        finish_transfer(b->c, easy, t, code);
        b->busy[t - b->ts] = false;
        b->active--;
        b->done++;
    }
}

/* The multi handle failed: what still runs or waits fails with it. */
static void batch_abort(batch *b, CURLMcode mc)
{
    const char *why = curl_multi_strerror(mc);
    for (size_t s = 0; s < b->slots; s++) {
        if (!b->busy[s])
            continue;
        curl_multi_remove_handle(b->c->multi, b->c->easy[s]);
        curl_slist_free_all(b->ts[s].headers);
        b->ts[s].headers = NULL;
        b->busy[s] = false;
        b->active--;
        fail_locally(b, b->ts[s].resp, true, "curl multi failed during the transfer", why);
    }
    for (; b->next < b->n; b->next++) {
        ev_http_response_reset(&b->resps[b->next]);
        fail_locally(b, &b->resps[b->next], true, "curl multi failed before the transfer", why);
    }
}

int ev_http_send_many(ev_http_client *c, const ev_http_request *reqs, ev_http_response *resps, size_t n,
                      ev_aws_error *err)
{
    ev_aws_error_clear(err);
    if (n == 0)
        return 0;
    batch b = {.c = c, .reqs = reqs, .resps = resps, .n = n};
    b.slots = n < c->cfg.max_in_flight ? n : c->cfg.max_in_flight;
    b.ts = calloc(b.slots, sizeof *b.ts);
    b.busy = calloc(b.slots, sizeof *b.busy);
    if (!b.ts || !b.busy) {
        free(b.ts);
        free(b.busy);
        return ev_aws_error_set(err, EV_AWS_ERR_NOMEM, "NoMemory", "out of memory");
    }
    while (b.done < n) {
        batch_start(&b);
        if (b.active == 0)
            continue; /* every request started so far failed to set up */
        CURLMcode mc = batch_step(&b);
        batch_collect(&b);
        if (mc != CURLM_OK)
            batch_abort(&b, mc);
    }
    free(b.ts);
    free(b.busy);
    int status = 0;
    for (size_t i = 0; i < n; i++) {
        if (resps[i].curl_code != 0) {
            if (status == 0 && err)
                ev_http_transport_error(&resps[i], err);
            status = -1;
        }
    }
    /* A setup or multi failure says more than the transfers it stopped. */
    if (status != 0 && err && b.local.kind != EV_AWS_ERR_NONE)
        *err = b.local;
    return status;
}

int ev_http_send(ev_http_client *c, const ev_http_request *req, ev_http_response *resp, ev_aws_error *err)
{
    return ev_http_send_many(c, req, resp, 1, err);
}
