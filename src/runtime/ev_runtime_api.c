/* ev_runtime_api: Runtime API client on libcurl. See ev_runtime_api.h. */
#include "runtime/ev_runtime_api.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ev_buf.h"
#include "runtime/ev_shutdown.h"

#define CONNECT_TIMEOUT_MS 2000L
/* A Runtime API answers a post at once; a post left unanswered this long
 * means it is gone, and the process must not hang on it. */
#define POST_TIMEOUT_MS 10000L
#define POLL_SLICE_MS   1000
#define KEEP_BODY_BYTES (1u << 20)

struct ev_runtime_api {
    CURLM *multi;
    CURL *easy;
    char base_url[EV_RUNTIME_URL_MAX];
    ev_buf body; /* reply body of next, reused */
};

/* Where a transfer's body goes: the next body up to a limit, or the first
 * bytes of a post's answer. */
typedef struct sink {
    ev_buf *body;
    size_t limit;
    size_t received;
    char *answer;
    size_t answer_cap;
    size_t answer_len;
} sink;

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc = CURLE_OK;

static void curl_init_once(void)
{
    curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

int ev_runtime_api_base_from_env(char out[EV_RUNTIME_URL_MAX], ev_runtime_error *err)
{
    const char *host = getenv("AWS_LAMBDA_RUNTIME_API");
    out[0] = '\0';
    if (host == NULL || *host == '\0')
        return ev_runtime_error_set(
            err, EV_RUNTIME_ERR_CONFIG,
            "AWS_LAMBDA_RUNTIME_API is not set: this bootstrap runs under AWS Lambda or "
            "an emulator of its Runtime API");
    if (strpbrk(host, "/?#@ \t\r\n") != NULL || strlen(host) > 255)
        return ev_runtime_error_set(err, EV_RUNTIME_ERR_CONFIG,
                                    "AWS_LAMBDA_RUNTIME_API \"%.64s\" is not a host:port", host);
    snprintf(out, EV_RUNTIME_URL_MAX, "http://%s%s", host, EV_RUNTIME_API_VERSION_PATH);
    return 0;
}

ev_runtime_api *ev_runtime_api_new(const char *base_url, ev_runtime_error *err)
{
    size_t len = base_url ? strlen(base_url) : 0;
    while (len > 0 && base_url[len - 1] == '/')
        len--;
    if (len < 8 || strncmp(base_url, "http://", 7) != 0 || len >= EV_RUNTIME_URL_MAX - 64) {
        ev_runtime_error_set(err, EV_RUNTIME_ERR_CONFIG,
                             "Runtime API base URL \"%.128s\" is not an http:// URL",
                             base_url ? base_url : "");
        return NULL;
    }
    pthread_once(&curl_once, curl_init_once);
    if (curl_init_rc != CURLE_OK) {
        ev_runtime_error_set(err, EV_RUNTIME_ERR_CONFIG, "curl_global_init: %s",
                             curl_easy_strerror(curl_init_rc));
        return NULL;
    }
    ev_runtime_api *api = calloc(1, sizeof *api);
    if (api == NULL || (api->multi = curl_multi_init()) == NULL || (api->easy = curl_easy_init()) == NULL) {
        ev_runtime_api_free(api);
        ev_runtime_error_set(err, EV_RUNTIME_ERR_CONFIG, "out of memory creating the Runtime API client");
        return NULL;
    }
    memcpy(api->base_url, base_url, len);
    api->base_url[len] = '\0';
    ev_buf_init(&api->body);
    return api;
}

void ev_runtime_api_free(ev_runtime_api *api)
{
    if (api == NULL)
        return;
    if (api->easy)
        curl_easy_cleanup(api->easy);
    if (api->multi)
        curl_multi_cleanup(api->multi);
    ev_buf_free(&api->body);
    free(api);
}

const char *ev_runtime_api_base_url(const ev_runtime_api *api)
{
    return api->base_url;
}

/* ---- one transfer ---- */

static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata)
{
    sink *s = userdata;
    size_t n = size * nmemb;
    s->received += n;
    if (s->body) {
        /* Past the limit, bytes are read and dropped: memory stays bounded
         * and the connection stays usable for the error post. */
        if (s->received <= s->limit && ev_buf_append(s->body, data, n) != 0)
            return 0;
        return n;
    }
    size_t room = s->answer_cap - 1 - s->answer_len;
    size_t keep = n < room ? n : room;
    memcpy(s->answer + s->answer_len, data, keep);
    s->answer_len += keep;
    s->answer[s->answer_len] = '\0';
    return n;
}

static void prepare(ev_runtime_api *api, const char *url, sink *s)
{
    CURL *e = api->easy;
    curl_easy_reset(e); /* keeps the live connection */
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, CONNECT_TIMEOUT_MS);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 0L);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, s);
}

/* Runs the prepared transfer on the multi handle. With interruptible, the
 * wait also watches the shutdown pipe and gives up once a stop is asked. */
static int perform(ev_runtime_api *api, bool interruptible, ev_api_result *res)
{
    CURLMcode mc = curl_multi_add_handle(api->multi, api->easy);
    int running = 1;
    while (mc == CURLM_OK) {
        mc = curl_multi_perform(api->multi, &running);
        if (mc != CURLM_OK || running == 0)
            break;
        if (interruptible && ev_shutdown_requested()) {
            res->stopped = true;
            break;
        }
        struct curl_waitfd wake = {.fd = ev_shutdown_wake_fd(), .events = CURL_WAIT_POLLIN, .revents = 0};
        bool watch = interruptible && wake.fd >= 0;
        mc = curl_multi_poll(api->multi, watch ? &wake : NULL, watch ? 1 : 0, POLL_SLICE_MS, NULL);
    }
    CURLcode code = CURLE_OK;
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(api->multi, &left)) != NULL)
        if (msg->msg == CURLMSG_DONE && msg->easy_handle == api->easy)
            code = msg->data.result;
    curl_multi_remove_handle(api->multi, api->easy);
    if (res->stopped) {
        snprintf(res->error, sizeof res->error, "stopped by a shutdown request");
        return -1;
    }
    if (mc != CURLM_OK) {
        res->curl_code = CURLE_RECV_ERROR;
        snprintf(res->error, sizeof res->error, "curl multi: %s", curl_multi_strerror(mc));
        return -1;
    }
    if (code != CURLE_OK) {
        res->curl_code = (int)code;
        snprintf(res->error, sizeof res->error, "%s", curl_easy_strerror(code));
        return -1;
    }
    curl_easy_getinfo(api->easy, CURLINFO_RESPONSE_CODE, &res->status);
    return 0;
}

static void result_init(ev_api_result *res)
{
    memset(res, 0, sizeof *res);
}

/* ---- next ---- */

static const char *header_copy(ev_runtime_api *api, ev_arena *arena, const char *name)
{
    struct curl_header *h = NULL;
    if (curl_easy_header(api->easy, name, 0, CURLH_HEADER, -1, &h) != CURLHE_OK || h == NULL)
        return NULL;
    return ev_arena_strdup(arena, h->value ? h->value : "");
}

static void read_headers(ev_runtime_api *api, ev_arena *arena, ev_next_reply *reply)
{
    reply->request_id = header_copy(api, arena, "Lambda-Runtime-Aws-Request-Id");
    reply->deadline = header_copy(api, arena, "Lambda-Runtime-Deadline-Ms");
    reply->function_arn = header_copy(api, arena, "Lambda-Runtime-Invoked-Function-Arn");
    reply->trace_id = header_copy(api, arena, "Lambda-Runtime-Trace-Id");
    reply->client_context = header_copy(api, arena, "Lambda-Runtime-Client-Context");
    reply->cognito_identity = header_copy(api, arena, "Lambda-Runtime-Cognito-Identity");
}

int ev_runtime_api_next(ev_runtime_api *api, ev_arena *arena, size_t max_event_bytes, ev_next_reply *reply,
                        ev_api_result *result)
{
    result_init(result);
    memset(reply, 0, sizeof *reply);
    if (api->body.cap > KEEP_BODY_BYTES) /* one huge event does not pin its memory */
        ev_buf_free(&api->body);
    ev_buf_reset(&api->body);
    char url[EV_RUNTIME_URL_MAX + 32];
    snprintf(url, sizeof url, "%s/invocation/next", api->base_url);
    sink s = {.body = &api->body, .limit = max_event_bytes};
    prepare(api, url, &s);
    curl_easy_setopt(api->easy, CURLOPT_HTTPGET, 1L);
    if (perform(api, true, result) != 0)
        return -1;
    if (api->body.failed) {
        result->curl_code = CURLE_OUT_OF_MEMORY;
        snprintf(result->error, sizeof result->error, "out of memory reading a %zu-byte event", s.received);
        return -1;
    }
    reply->status = result->status;
    read_headers(api, arena, reply);
    reply->body_limit = max_event_bytes;
    reply->body_bytes_received = s.received;
    reply->body_too_large = s.received > max_event_bytes;
    if (reply->body_too_large)
        ev_buf_reset(&api->body);
    reply->body = api->body.data ? api->body.data : "";
    reply->body_len = api->body.len;
    return 0;
}

/* ---- posts ---- */

/* interruptible: a shutdown request abandons the post (init/error: there is
 * no invocation to lose; responses and errors are always delivered). */
static int post(ev_runtime_api *api, const char *url, const char *const *headers, size_t nheaders,
                const char *body, size_t len, bool interruptible, ev_api_result *result)
{
    struct curl_slist *list = NULL, *grown;
    for (size_t i = 0; i < nheaders; i++) {
        if ((grown = curl_slist_append(list, headers[i])) == NULL) {
            curl_slist_free_all(list);
            result->curl_code = CURLE_OUT_OF_MEMORY;
            snprintf(result->error, sizeof result->error, "out of memory building the request headers");
            return -1;
        }
        list = grown;
    }
    sink s = {.answer = result->answer, .answer_cap = sizeof result->answer};
    prepare(api, url, &s);
    curl_easy_setopt(api->easy, CURLOPT_POST, 1L);
    curl_easy_setopt(api->easy, CURLOPT_POSTFIELDS, body ? body : "");
    curl_easy_setopt(api->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(api->easy, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(api->easy, CURLOPT_TIMEOUT_MS, POST_TIMEOUT_MS);
    int rc = perform(api, interruptible, result);
    curl_easy_setopt(api->easy, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(list);
    return rc;
}

/* base/invocation/{escaped id}/{what} */
static int invocation_url(ev_runtime_api *api, const char *request_id, const char *what, char *out,
                          size_t cap, ev_api_result *result)
{
    char *escaped = curl_easy_escape(api->easy, request_id, 0);
    if (escaped == NULL) {
        result->curl_code = CURLE_OUT_OF_MEMORY;
        snprintf(result->error, sizeof result->error, "out of memory escaping the request id");
        return -1;
    }
    int n = snprintf(out, cap, "%s/invocation/%s/%s", api->base_url, escaped, what);
    curl_free(escaped);
    if (n < 0 || (size_t)n >= cap) {
        snprintf(result->error, sizeof result->error, "request id too long for a URL");
        return -1;
    }
    return 0;
}

int ev_runtime_api_post_response(ev_runtime_api *api, const char *request_id, const char *body, size_t len,
                                 const char *content_type, ev_api_result *result)
{
    result_init(result);
    char url[EV_RUNTIME_URL_MAX * 2];
    if (invocation_url(api, request_id, "response", url, sizeof url, result) != 0)
        return -1;
    char type_header[256];
    snprintf(type_header, sizeof type_header, "Content-Type: %s",
             content_type ? content_type : "application/json");
    if (strpbrk(type_header, "\r\n"))
        snprintf(type_header, sizeof type_header, "Content-Type: application/octet-stream");
    const char *headers[] = {type_header, "Expect:"};
    return post(api, url, headers, 2, body, len, false, result);
}

static int post_error_to(ev_runtime_api *api, const char *url, bool interruptible,
                         const ev_runtime_error *error, const char *fallback_type, ev_api_result *result)
{
    char type[EV_RUNTIME_ERROR_TYPE_MAX];
    ev_runtime_error_header_type(error, fallback_type, type);
    char type_header[EV_RUNTIME_ERROR_TYPE_MAX + 64];
    snprintf(type_header, sizeof type_header, "Lambda-Runtime-Function-Error-Type: %s", type);
    ev_buf body = EV_BUF_INIT;
    if (ev_runtime_error_body(error, fallback_type, &body) != 0) {
        ev_buf_free(&body);
        result->curl_code = CURLE_OUT_OF_MEMORY;
        snprintf(result->error, sizeof result->error, "out of memory building the error body");
        return -1;
    }
    const char *headers[] = {type_header, "Content-Type: application/json", "Expect:"};
    int rc = post(api, url, headers, 3, body.data, body.len, interruptible, result);
    ev_buf_free(&body);
    return rc;
}

int ev_runtime_api_post_error(ev_runtime_api *api, const char *request_id, const ev_runtime_error *error,
                              const char *fallback_type, ev_api_result *result)
{
    result_init(result);
    char url[EV_RUNTIME_URL_MAX * 2];
    if (invocation_url(api, request_id, "error", url, sizeof url, result) != 0)
        return -1;
    return post_error_to(api, url, false, error, fallback_type, result);
}

int ev_runtime_api_post_init_error(ev_runtime_api *api, const ev_runtime_error *error,
                                   const char *fallback_type, ev_api_result *result)
{
    result_init(result);
    char url[EV_RUNTIME_URL_MAX + 32];
    snprintf(url, sizeof url, "%s/init/error", api->base_url);
    return post_error_to(api, url, true, error, fallback_type, result);
}
