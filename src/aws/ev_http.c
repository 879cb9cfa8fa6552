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
};

/* One transfer in progress: what the curl callbacks write into. */
typedef struct transfer {
    ev_http_response *resp;
    struct curl_slist *headers;
    size_t max_bytes;
    bool too_large;
} transfer;

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc = CURLE_OK;

static void global_init(void)
{
    global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

void ev_http_global_cleanup(void)
{
    curl_global_cleanup();
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
    pthread_once(&global_once, global_init);
    if (global_rc != CURLE_OK) {
        ev_aws_error_set(err, EV_AWS_ERR_TRANSPORT, "CurlInit", "curl_global_init: %s",
                         curl_easy_strerror(global_rc));
        return NULL;
    }
    ev_http_client *c = calloc(1, sizeof *c);
    if (!c) {
        ev_aws_error_set(err, EV_AWS_ERR_NOMEM, "NoMemory", "out of memory");
        return NULL;
    }
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
    curl_multi_setopt(c->multi, CURLMOPT_MAXCONNECTS, (long)c->cfg.max_in_flight + 4);
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
    if (n >= 5 && memcmp(ptr, "HTTP/", 5) == 0)
        ev_buf_reset(&t->resp->headers);
    return ev_buf_append(&t->resp->headers, ptr, n) == 0 ? n : 0;
}

static int setup_easy(ev_http_client *c, CURL *easy, const ev_http_request *req, transfer *t)
{
    curl_easy_reset(easy);
    t->headers = NULL;
    for (size_t i = 0; i < req->header_count; i++) {
        struct curl_slist *h = curl_slist_append(t->headers, req->headers[i]);
        if (!h)
            return -1;
        t->headers = h;
    }
    /* curl would send "Expect: 100-continue" for bodies over 1 KiB and wait a
     * round trip (or 1 s) for it; AWS endpoints do not need it. */
    struct curl_slist *h = curl_slist_append(t->headers, "Expect:");
    if (!h)
        return -1;
    t->headers = h;

    long timeout = req->timeout_ms > 0 ? req->timeout_ms : c->cfg.timeout_ms;
    int rc = 0;
    rc |= (int)curl_easy_setopt(easy, CURLOPT_URL, req->url);
    rc |= (int)curl_easy_setopt(easy, CURLOPT_HTTPHEADER, t->headers);
    bool head = req->method && strcasecmp(req->method, "HEAD") == 0;
    if (head) /* a custom "HEAD" would wait for the body the Content-Length announces */
        rc |= (int)curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
    else
        rc |= (int)curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, req->method ? req->method : "POST");
    if (!head && (req->method == NULL || strcmp(req->method, "GET") != 0)) {
        rc |= (int)curl_easy_setopt(easy, CURLOPT_POSTFIELDS, req->body ? req->body : "");
        rc |= (int)curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
    }
    rc |= (int)curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, c->cfg.connect_timeout_ms);
    rc |= (int)curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, timeout);
    rc |= (int)curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    rc |= (int)curl_easy_setopt(easy, CURLOPT_TCP_NODELAY, 1L);
    rc |= (int)curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
    rc |= (int)curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 1L);
    rc |= (int)curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 2L);
    rc |= (int)curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
    if (c->ca_bundle)
        rc |= (int)curl_easy_setopt(easy, CURLOPT_CAINFO, c->ca_bundle);
    rc |= (int)curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_body);
    rc |= (int)curl_easy_setopt(easy, CURLOPT_WRITEDATA, t);
    rc |= (int)curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, on_header);
    rc |= (int)curl_easy_setopt(easy, CURLOPT_HEADERDATA, t);
    rc |= (int)curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, t->resp->error);
    rc |= (int)curl_easy_setopt(easy, CURLOPT_PRIVATE, t);
    return rc == 0 ? 0 : -1;
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
        }
    } else {
        r->status = 0;
        r->timed_out = code == CURLE_OPERATION_TIMEDOUT;
        r->too_large = t->too_large;
        if (t->too_large)
            snprintf(r->error, sizeof r->error, "response larger than %zu bytes", t->max_bytes);
        else if (!r->error[0])
            snprintf(r->error, sizeof r->error, "%s", curl_easy_strerror(code));
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

void ev_http_transport_error(const ev_http_response *resp, ev_aws_error *err)
{
    if (!err)
        return;
    ev_aws_error_clear(err);
    err->kind = EV_AWS_ERR_TRANSPORT;
    err->curl_code = resp->curl_code;
    err->timeout = resp->timed_out;
    err->retryable = ev_http_curl_code_is_transient(resp->curl_code);
    snprintf(err->code, sizeof err->code, "%s",
             resp->timed_out   ? "RequestTimeout"
             : resp->too_large ? "ResponseTooLarge"
                               : "TransportError");
    snprintf(err->message, sizeof err->message, "%s (curl %d)", resp->error, resp->curl_code);
    if (resp->curl_code == (int)CURLE_OUT_OF_MEMORY) {
        err->kind = EV_AWS_ERR_NOMEM;
        err->retryable = false;
    }
}

int ev_http_send_many(ev_http_client *c, const ev_http_request *reqs, ev_http_response *resps, size_t n,
                      ev_aws_error *err)
{
    ev_aws_error_clear(err);
    if (n == 0)
        return 0;
    size_t slots = n < c->cfg.max_in_flight ? n : c->cfg.max_in_flight;
    transfer *ts = calloc(slots, sizeof *ts);
    size_t *slot_req = calloc(slots, sizeof *slot_req);
    if (!ts || !slot_req) {
        free(ts);
        free(slot_req);
        return ev_aws_error_set(err, EV_AWS_ERR_NOMEM, "NoMemory", "out of memory");
    }
    int status = 0;
    size_t next = 0, done = 0, active = 0;
    bool setup_failed = false;
    /* Slots are handed out by index: slot s always uses pool handle s. */
    bool *busy = calloc(slots, sizeof *busy);
    if (!busy) {
        free(ts);
        free(slot_req);
        return ev_aws_error_set(err, EV_AWS_ERR_NOMEM, "NoMemory", "out of memory");
    }
    while (done < n) {
        for (size_t s = 0; s < slots && next < n && !setup_failed; s++) {
            if (busy[s])
                continue;
            ev_http_response *r = &resps[next];
            ev_http_response_reset(r);
            CURL *easy = pool_get(c, s);
            ts[s].resp = r;
            ts[s].max_bytes = c->cfg.max_response_bytes;
            ts[s].too_large = false;
            if (!easy || setup_easy(c, easy, &reqs[next], &ts[s]) != 0 ||
                curl_multi_add_handle(c->multi, easy) != CURLM_OK) {
                curl_slist_free_all(ts[s].headers);
                ts[s].headers = NULL;
                setup_failed = true;
                break;
            }
            busy[s] = true;
            slot_req[s] = next++;
            active++;
            c->stats.requests++;
        }
        if (setup_failed && active == 0) {
            /* Requests never started count as failed transfers. */
            for (; next < n; next++) {
                resps[next].curl_code = (int)CURLE_FAILED_INIT;
                snprintf(resps[next].error, sizeof resps[next].error, "could not set up the transfer");
                done++;
            }
            status = ev_aws_error_set(err, EV_AWS_ERR_NOMEM, "NoMemory", "could not set up a transfer");
            break;
        }
        int running = 0;
        CURLMcode mc = curl_multi_perform(c->multi, &running);
        if (mc == CURLM_OK && running > 0)
            mc = curl_multi_poll(c->multi, NULL, 0, 1000, NULL);
        if (mc != CURLM_OK) {
            ev_aws_error_set(err, EV_AWS_ERR_TRANSPORT, "CurlMulti", "curl multi: %s",
                             curl_multi_strerror(mc));
            status = -1;
        }
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read(c->multi, &left)) != NULL) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            CURL *easy = msg->easy_handle;
            CURLcode code = msg->data.result;
            transfer *t = NULL;
            curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&t);
            curl_multi_remove_handle(c->multi, easy);
            finish_transfer(c, easy, t, code);
            size_t s = (size_t)(t - ts);
            busy[s] = false;
            active--;
            done++;
            if (t->resp->curl_code != 0)
                status = -1;
        }
        if (status == -1 && mc != CURLM_OK) {
            /* The multi handle is unusable: fail what is still running. */
            for (size_t s = 0; s < slots; s++) {
                if (!busy[s])
                    continue;
                curl_multi_remove_handle(c->multi, c->easy[s]);
                curl_slist_free_all(ts[s].headers);
                ts[s].resp->curl_code = (int)CURLE_FAILED_INIT;
                busy[s] = false;
                done++;
            }
            for (; next < n; next++, done++)
                resps[next].curl_code = (int)CURLE_FAILED_INIT;
            break;
        }
    }
    free(busy);
    free(ts);
    free(slot_req);
    if (status != 0 && err && err->kind == EV_AWS_ERR_NONE) {
        for (size_t i = 0; i < n; i++) {
            if (resps[i].curl_code != 0) {
                ev_http_transport_error(&resps[i], err);
                break;
            }
        }
    }
    return status;
}

int ev_http_send(ev_http_client *c, const ev_http_request *req, ev_http_response *resp, ev_aws_error *err)
{
    return ev_http_send_many(c, req, resp, 1, err);
}
