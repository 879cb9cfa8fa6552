/* ev_front: the API Gateway REST front (see ev_front.h). */
#include "devserver/ev_front.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "devserver/ev_gateway.h"
#include "devserver/ev_throttle.h"

#define MAX_KV 256

struct ev_front {
    struct MHD_Daemon *daemon;
    int port;
    char *stage, *api_id, *account_id;
    ev_gateway_route *routes;
    int *functions;
    size_t route_count;
    ev_emu *emu;
    ev_activity *act;
    const ev_tpl_gateway_response *responses;
    size_t response_count;
    pthread_mutex_t throttle_mu;
    ev_throttle throttle;
};

typedef struct request_ctx {
    ev_buf body;
    bool too_large;
    int64_t start_mono;
} request_ctx;

typedef struct kv_list {
    ev_gateway_kv items[MAX_KV];
    size_t count;
} kv_list;

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int ev_ds_listen(const char *host, int port, int *bound_port, ev_ds_error *err)
{
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host, &sa.sin_addr) != 1 || (ntohl(sa.sin_addr.s_addr) >> 24) != 127)
        return ev_ds_fail(err, "--host %s: devserver listens on a loopback address only (127.0.0.1)", host);
    if (port < 0 || port > 65535)
        return ev_ds_fail(err, "port %d: not a TCP port", port);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return ev_ds_fail(err, "socket: %s", strerror(errno));
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        int e = errno;
        close(fd);
        if (e == EADDRINUSE)
            return ev_ds_fail(err, "port %d on %s is in use (choose another with --port/--dashboard-port)",
                              port, host);
        return ev_ds_fail(err, "cannot listen on %s:%d: %s", host, port, strerror(e));
    }
    if (listen(fd, 128) != 0) {
        int e = errno;
        close(fd);
        return ev_ds_fail(err, "cannot listen on %s:%d: %s", host, port, strerror(e));
    }
    socklen_t len = sizeof sa;
    getsockname(fd, (struct sockaddr *)&sa, &len);
    *bound_port = ntohs(sa.sin_port);
    return fd;
}

static enum MHD_Result collect_kv(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void)kind;
    kv_list *l = cls;
    if (l->count < MAX_KV) {
        l->items[l->count].name = key;
        l->items[l->count].value = value ? value : "";
        l->count++;
    }
    return MHD_YES;
}

/* Queues a response with API Gateway's headers. */
/* Headers to add: names[i]: values[i]. */
typedef struct header_list {
    char *const *names;
    char *const *values;
    size_t count;
} header_list;

static enum MHD_Result send_answer(struct MHD_Connection *c, int status, const char *body, size_t len,
                                   const header_list *fn, const char *request_id, const char *trace_id)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    if (r == NULL)
        return MHD_NO;
    bool has_type = false;
    for (size_t i = 0; fn != NULL && i < fn->count; i++) {
        const char *n = fn->names[i];
        if (strcasecmp(n, "Content-Length") == 0 || strcasecmp(n, "Transfer-Encoding") == 0 ||
            strcasecmp(n, "Connection") == 0)
            continue;
        has_type = has_type || strcasecmp(n, "Content-Type") == 0;
        MHD_add_response_header(r, n, fn->values[i]);
    }
    if (!has_type)
        MHD_add_response_header(r, "Content-Type", "application/json");
    MHD_add_response_header(r, "x-amzn-RequestId", request_id);
    if (trace_id != NULL)
        MHD_add_response_header(r, "X-Amzn-Trace-Id", trace_id);
    enum MHD_Result rc = MHD_queue_response(c, (unsigned)status, r);
    MHD_destroy_response(r);
    return rc;
}

static const char *client_ip(struct MHD_Connection *c, char *buf, size_t len)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(buf, len, "127.0.0.1");
    if (ci != NULL && ci->client_addr != NULL && ci->client_addr->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)ci->client_addr)->sin_addr, buf,
                  (socklen_t)len);
    return buf;
}

/* The path without the stage prefix, when that is how the route matches. */
static const char *route_path(ev_front *f, const char *method, const char *url, int *route)
{
    *route = ev_gateway_match(f->routes, f->route_count, method, url);
    size_t sl = strlen(f->stage);
    if (*route < 0 && url[0] == '/' && strncmp(url + 1, f->stage, sl) == 0 && url[1 + sl] == '/') {
        *route = ev_gateway_match(f->routes, f->route_count, method, url + 1 + sl);
        if (*route >= 0)
            return url + 1 + sl;
    }
    return url;
}

/* Runs the function and turns its answer into HTTP. */
static int invoke(ev_front *f, struct MHD_Connection *c, const ev_gateway_request *req, int route,
                  enum MHD_Result *rc, const char *trace_id)
{
    static const char internal[] = "{\"message\":\"Internal server error\"}";
    ev_buf event = EV_BUF_INIT;
    ev_ds_error err;
    if (ev_gateway_build_event(req, &event, &err) != 0) {
        ev_buf_free(&event);
        *rc = send_answer(c, 500, internal, strlen(internal), NULL, req->request_id, trace_id);
        return 500;
    }
    ev_emu_result res;
    ev_emu_result_init(&res);
    int status = 502;
    if (ev_emu_invoke(f->emu, f->functions[route], event.data, event.len, trace_id, &res) == 0) {
        ev_gateway_response resp;
        if (ev_gateway_parse_response(res.body.data ? res.body.data : "", res.body.len, &resp, &err) == 0) {
            status = resp.status;
            header_list h = {resp.names, resp.values, resp.header_count};
            *rc = send_answer(c, status, resp.body, resp.body_len, &h, req->request_id, trace_id);
            ev_gateway_response_free(&resp);
        } else {
            char extra[900];
            ev_buf e = EV_BUF_INIT;
            ev_buf_append_json_text(&e, err.message, strlen(err.message), 600);
            snprintf(extra, sizeof extra, "\"request_id\":\"%s\",\"error\":%s", req->request_id,
                     e.data ? e.data : "\"\"");
            ev_buf_free(&e);
            ev_activity_note(f->act, "ERROR", "malformed Lambda proxy response: 502", extra);
            *rc = send_answer(c, 502, internal, strlen(internal), NULL, req->request_id, trace_id);
        }
    } else {
        *rc = send_answer(c, 502, internal, strlen(internal), NULL, req->request_id, trace_id);
    }
    ev_emu_result_free(&res);
    ev_buf_free(&event);
    return status;
}

/* API Gateway's own answer of a type, shaped by the template's GatewayResponses. */
static int own_answer(ev_front *f, struct MHD_Connection *c, const char *type, int status,
                      const char *message, const char *request_id, const char *trace_id, enum MHD_Result *rc)
{
    ev_buf body = EV_BUF_INIT;
    const ev_tpl_gateway_response *used = NULL;
    int code = status;
    if (ev_gateway_own_answer(f->responses, f->response_count, type, status, message, request_id, &body,
                              &code, &used) != 0) {
        ev_buf_free(&body);
        *rc = MHD_NO;
        return 500;
    }
    header_list h = {used ? used->header_names : NULL, used ? used->header_values : NULL,
                     used ? used->header_count : 0};
    *rc = send_answer(c, code, body.data, body.len, &h, request_id, trace_id);
    ev_buf_free(&body);
    return code;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                              const char *version, const char *upload_data, size_t *upload_data_size,
                              void **con_cls)
{
    ev_front *f = cls;
    request_ctx *ctx = *con_cls;
    if (ctx == NULL) {
        ctx = calloc(1, sizeof *ctx);
        if (ctx == NULL)
            return MHD_NO;
        ev_buf_init(&ctx->body);
        ctx->start_mono = mono_ms();
        *con_cls = ctx;
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        if (ctx->body.len + *upload_data_size > EV_GATEWAY_MAX_PAYLOAD_BYTES) {
            ctx->too_large = true;
            ev_buf_free(&ctx->body);
        } else if (!ctx->too_large) {
            ev_buf_append(&ctx->body, upload_data, *upload_data_size);
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    char request_id[40], trace_id[96], ip[64];
    ev_ds_uuid4(request_id);
    ev_ds_trace_id(trace_id);
    int64_t now = ev_activity_now_ms();
    enum MHD_Result rc;
    int status;
    int route = -1;
    const char *path = route_path(f, method, url, &route);
    if (ctx->too_large || ctx->body.failed) {
        status = own_answer(f, c, "REQUEST_TOO_LARGE", 413, "Request Too Long", request_id, trace_id, &rc);
    } else if (route < 0) {
        status = own_answer(f, c, "MISSING_AUTHENTICATION_TOKEN", 403, "Missing Authentication Token",
                            request_id, trace_id, &rc);
    } else {
        pthread_mutex_lock(&f->throttle_mu);
        bool ok = ev_throttle_take(&f->throttle, mono_ms());
        pthread_mutex_unlock(&f->throttle_mu);
        if (!ok) {
            status = own_answer(f, c, "THROTTLED", 429, "Too Many Requests", request_id, trace_id, &rc);
        } else {
            kv_list *headers = calloc(1, sizeof *headers), *query = calloc(1, sizeof *query);
            if (headers == NULL || query == NULL) {
                free(headers);
                free(query);
                return MHD_NO;
            }
            MHD_get_connection_values(c, MHD_HEADER_KIND, collect_kv, headers);
            MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, collect_kv, query);
            ev_gateway_request req = {.method = method,
                                      .path = path,
                                      .resource = f->routes[route].resource,
                                      .headers = headers->items,
                                      .header_count = headers->count,
                                      .query = query->items,
                                      .query_count = query->count,
                                      .body = ctx->body.data ? ctx->body.data : "",
                                      .body_len = ctx->body.len,
                                      .source_ip = client_ip(c, ip, sizeof ip),
                                      .request_id = request_id,
                                      .stage = f->stage,
                                      .protocol = version,
                                      .api_id = f->api_id,
                                      .account_id = f->account_id,
                                      .time_ms = now};
            status = invoke(f, c, &req, route, &rc, trace_id);
            free(headers);
            free(query);
        }
    }
    ev_activity_request(f->act, now, method, url, status, mono_ms() - ctx->start_mono, request_id);
    return rc;
}

static void request_done(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    request_ctx *ctx = *con_cls;
    if (ctx != NULL) {
        ev_buf_free(&ctx->body);
        free(ctx);
        *con_cls = NULL;
    }
}

ev_front *ev_front_start(const ev_front_config *cfg, ev_ds_error *err)
{
    ev_front *f = calloc(1, sizeof *f);
    if (f == NULL) {
        ev_ds_fail(err, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&f->throttle_mu, NULL);
    ev_throttle_init(&f->throttle, cfg->rate_limit, cfg->burst_limit);
    f->emu = cfg->emu;
    f->act = cfg->activity;
    f->responses = cfg->gateway_responses;
    f->response_count = cfg->gateway_response_count;
    f->stage = strdup(cfg->stage ? cfg->stage : "dev");
    f->api_id = strdup(cfg->api_id ? cfg->api_id : "local");
    f->account_id = strdup(cfg->account_id ? cfg->account_id : "123456789012");
    f->routes = calloc(cfg->route_count + 1, sizeof *f->routes);
    f->functions = calloc(cfg->route_count + 1, sizeof *f->functions);
    if (!f->stage || !f->api_id || !f->account_id || !f->routes || !f->functions) {
        ev_ds_fail(err, "out of memory");
        ev_front_stop(f);
        return NULL;
    }
    for (size_t i = 0; i < cfg->route_count; i++) {
        f->routes[i].resource = strdup(cfg->routes[i].resource);
        f->routes[i].method = strdup(cfg->routes[i].method);
        f->functions[i] = cfg->routes[i].function;
        f->route_count++;
        if (f->routes[i].resource == NULL || f->routes[i].method == NULL) {
            ev_ds_fail(err, "out of memory");
            ev_front_stop(f);
            return NULL;
        }
    }
    int fd = ev_ds_listen(cfg->host, cfg->port, &f->port, err);
    if (fd < 0) {
        ev_front_stop(f);
        return NULL;
    }
    f->daemon = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL,
                                 NULL, handle, f, MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_NOTIFY_COMPLETED,
                                 request_done, NULL, MHD_OPTION_CONNECTION_TIMEOUT, 120u, MHD_OPTION_END);
    if (f->daemon == NULL) {
        close(fd);
        ev_ds_fail(err, "cannot start the API server on %s:%d", cfg->host, f->port);
        ev_front_stop(f);
        return NULL;
    }
    return f;
}

int ev_front_port(const ev_front *f)
{
    return f->port;
}

void ev_front_stop(ev_front *f)
{
    if (f == NULL)
        return;
    if (f->daemon != NULL)
        MHD_stop_daemon(f->daemon);
    for (size_t i = 0; i < f->route_count; i++) {
        free((void *)f->routes[i].resource);
        free((void *)f->routes[i].method);
    }
    free(f->routes);
    free(f->functions);
    free(f->stage);
    free(f->api_id);
    free(f->account_id);
    pthread_mutex_destroy(&f->throttle_mu);
    free(f);
}
