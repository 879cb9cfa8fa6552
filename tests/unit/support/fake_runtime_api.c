/* fake_runtime_api: scripted Runtime API on libmicrohttpd. See fake_runtime_api.h. */
#include "fake_runtime_api.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

typedef struct scripted {
    fake_next reply;
    char *strings[7]; /* owned copies behind reply's pointers */
} scripted;

struct fake_api {
    struct MHD_Daemon *daemon;
    int port;
    char url[128];
    char host_port[64];
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stopping;
    scripted *script;
    size_t script_len, script_cap, script_next;
    int post_status;
    void (*post_hang)(void); /* set: POSTs run it, then never answer */
    fake_request *requests;
    size_t request_count, request_cap;
};

/* A request being received: its body arrives in pieces. */
typedef struct pending {
    char *body;
    size_t len;
} pending;

static char *copy_bytes(const char *s, size_t len)
{
    char *p = malloc(len + 1);
    if (p) {
        if (len)
            memcpy(p, s, len);
        p[len] = '\0';
    }
    return p;
}

static char *copy_str(const char *s)
{
    return s ? copy_bytes(s, strlen(s)) : NULL;
}

void fake_api_push(fake_api *f, const fake_next *reply)
{
    pthread_mutex_lock(&f->lock);
    if (f->script_len == f->script_cap) {
        f->script_cap = f->script_cap ? f->script_cap * 2 : 8;
        f->script = realloc(f->script, f->script_cap * sizeof *f->script);
    }
    scripted *s = &f->script[f->script_len++];
    memset(s, 0, sizeof *s);
    s->reply = *reply;
    size_t body_len = reply->body ? (reply->body_len ? reply->body_len : strlen(reply->body)) : 0;
    const char *sources[7] = {reply->request_id,
                              reply->deadline_ms,
                              reply->function_arn,
                              reply->trace_id,
                              reply->client_context,
                              reply->cognito_identity,
                              NULL};
    for (int i = 0; i < 6; i++)
        s->strings[i] = copy_str(sources[i]);
    s->strings[6] = copy_bytes(reply->body ? reply->body : "", body_len);
    s->reply.request_id = s->strings[0];
    s->reply.deadline_ms = s->strings[1];
    s->reply.function_arn = s->strings[2];
    s->reply.trace_id = s->strings[3];
    s->reply.client_context = s->strings[4];
    s->reply.cognito_identity = s->strings[5];
    s->reply.body = s->strings[6];
    s->reply.body_len = body_len;
    pthread_mutex_unlock(&f->lock);
}

void fake_api_set_post_hang(fake_api *f, void (*before_hang)(void))
{
    pthread_mutex_lock(&f->lock);
    f->post_hang = before_hang;
    pthread_mutex_unlock(&f->lock);
}

void fake_api_set_post_status(fake_api *f, int status)
{
    pthread_mutex_lock(&f->lock);
    f->post_status = status;
    pthread_mutex_unlock(&f->lock);
}

static void record(fake_api *f, struct MHD_Connection *conn, const char *method, const char *url, pending *p)
{
    pthread_mutex_lock(&f->lock);
    if (f->request_count == f->request_cap) {
        f->request_cap = f->request_cap ? f->request_cap * 2 : 16;
        f->requests = realloc(f->requests, f->request_cap * sizeof *f->requests);
    }
    fake_request *r = &f->requests[f->request_count++];
    memset(r, 0, sizeof *r);
    snprintf(r->method, sizeof r->method, "%s", method);
    snprintf(r->path, sizeof r->path, "%s", url);
    const char *et = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Lambda-Runtime-Function-Error-Type");
    r->has_error_type = et != NULL;
    snprintf(r->error_type, sizeof r->error_type, "%s", et ? et : "");
    const char *ct = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type");
    snprintf(r->content_type, sizeof r->content_type, "%s", ct ? ct : "");
    r->body = p->body ? p->body : copy_bytes("", 0);
    r->body_len = p->len;
    p->body = NULL;
    pthread_mutex_unlock(&f->lock);
}

static void add_header(struct MHD_Response *resp, const char *name, const char *value)
{
    if (value)
        MHD_add_response_header(resp, name, value);
}

static enum MHD_Result serve_next(fake_api *f, struct MHD_Connection *conn)
{
    pthread_mutex_lock(&f->lock);
    fake_next reply = {.kind = FAKE_DROP};
    if (f->script_next < f->script_len)
        reply = f->script[f->script_next++].reply;
    pthread_mutex_unlock(&f->lock);
    if (reply.kind == FAKE_DROP)
        return MHD_NO;
    if (reply.kind == FAKE_HANG) {
        if (reply.before_hang)
            reply.before_hang();
        pthread_mutex_lock(&f->lock);
        while (!f->stopping)
            pthread_cond_wait(&f->wake, &f->lock);
        pthread_mutex_unlock(&f->lock);
        return MHD_NO;
    }
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(reply.body_len, (void *)reply.body, MHD_RESPMEM_MUST_COPY);
    add_header(resp, "Lambda-Runtime-Aws-Request-Id", reply.request_id);
    add_header(resp, "Lambda-Runtime-Deadline-Ms", reply.deadline_ms);
    add_header(resp, "Lambda-Runtime-Invoked-Function-Arn", reply.function_arn);
    add_header(resp, "Lambda-Runtime-Trace-Id", reply.trace_id);
    add_header(resp, "Lambda-Runtime-Client-Context", reply.client_context);
    add_header(resp, "Lambda-Runtime-Cognito-Identity", reply.cognito_identity);
    add_header(resp, "Content-Type", "application/json");
    enum MHD_Result ret = MHD_queue_response(conn, reply.status ? (unsigned)reply.status : 200u, resp);
    MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result answer_text(struct MHD_Connection *conn, unsigned status, const char *text)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
    MHD_add_response_header(resp, "Content-Type", "application/json");
    enum MHD_Result ret = MHD_queue_response(conn, status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    (void)version;
    fake_api *f = cls;
    pending *p = *con_cls;
    if (p == NULL) {
        *con_cls = calloc(1, sizeof *p);
        return *con_cls ? MHD_YES : MHD_NO;
    }
    if (*upload_data_size > 0) {
        p->body = realloc(p->body, p->len + *upload_data_size + 1);
        memcpy(p->body + p->len, upload_data, *upload_data_size);
        p->len += *upload_data_size;
        p->body[p->len] = '\0';
        *upload_data_size = 0;
        return MHD_YES;
    }
    record(f, conn, method, url, p);
    if (strcmp(method, "GET") == 0 && ends_with(url, "/invocation/next"))
        return serve_next(f, conn);
    if (strcmp(method, "POST") == 0) {
        pthread_mutex_lock(&f->lock);
        unsigned status = (unsigned)f->post_status;
        void (*hang)(void) = f->post_hang;
        pthread_mutex_unlock(&f->lock);
        if (hang != NULL) {
            hang();
            pthread_mutex_lock(&f->lock);
            while (!f->stopping)
                pthread_cond_wait(&f->wake, &f->lock);
            pthread_mutex_unlock(&f->lock);
            return MHD_NO;
        }
        return answer_text(conn, status,
                           status < 300
                               ? "{\"status\":\"OK\"}"
                               : "{\"errorMessage\":\"refused by the fake\",\"errorType\":\"Fake\"}");
    }
    return answer_text(conn, 404, "{\"errorMessage\":\"no such path\"}");
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    pending *p = *con_cls;
    if (p) {
        free(p->body);
        free(p);
        *con_cls = NULL;
    }
}

fake_api *fake_api_start(void)
{
    fake_api *f = calloc(1, sizeof *f);
    pthread_mutex_init(&f->lock, NULL);
    pthread_cond_init(&f->wake, NULL);
    f->post_status = 202;
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    f->daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION, 0, NULL,
                                 NULL, on_request, f, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
                                 MHD_OPTION_NOTIFY_COMPLETED, on_completed, f, MHD_OPTION_END);
    if (f->daemon == NULL) {
        fake_api_stop(f);
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(f->daemon, MHD_DAEMON_INFO_BIND_PORT);
    f->port = info ? info->port : 0;
    snprintf(f->host_port, sizeof f->host_port, "127.0.0.1:%d", f->port);
    snprintf(f->url, sizeof f->url, "http://%s/2018-06-01/runtime", f->host_port);
    return f;
}

void fake_api_stop(fake_api *f)
{
    if (f == NULL)
        return;
    pthread_mutex_lock(&f->lock);
    f->stopping = true;
    pthread_cond_broadcast(&f->wake);
    pthread_mutex_unlock(&f->lock);
    if (f->daemon)
        MHD_stop_daemon(f->daemon);
    for (size_t i = 0; i < f->script_len; i++)
        for (int k = 0; k < 7; k++)
            free(f->script[i].strings[k]);
    free(f->script);
    for (size_t i = 0; i < f->request_count; i++)
        free(f->requests[i].body);
    free(f->requests);
    pthread_cond_destroy(&f->wake);
    pthread_mutex_destroy(&f->lock);
    free(f);
}

const char *fake_api_url(const fake_api *f)
{
    return f->url;
}

const char *fake_api_host_port(const fake_api *f)
{
    return f->host_port;
}

size_t fake_api_request_count(fake_api *f)
{
    pthread_mutex_lock(&f->lock);
    size_t n = f->request_count;
    pthread_mutex_unlock(&f->lock);
    return n;
}

const fake_request *fake_api_request(fake_api *f, size_t i)
{
    pthread_mutex_lock(&f->lock);
    const fake_request *r = i < f->request_count ? &f->requests[i] : NULL;
    pthread_mutex_unlock(&f->lock);
    return r;
}

size_t fake_api_count(fake_api *f, const char *method, const char *path_suffix)
{
    size_t n = 0;
    pthread_mutex_lock(&f->lock);
    for (size_t i = 0; i < f->request_count; i++)
        if (strcmp(f->requests[i].method, method) == 0 && ends_with(f->requests[i].path, path_suffix))
            n++;
    pthread_mutex_unlock(&f->lock);
    return n;
}

const fake_request *fake_api_post(fake_api *f, size_t n)
{
    const fake_request *found = NULL;
    pthread_mutex_lock(&f->lock);
    for (size_t i = 0; i < f->request_count && !found; i++)
        if (strcmp(f->requests[i].method, "POST") == 0 && n-- == 0)
            found = &f->requests[i];
    pthread_mutex_unlock(&f->lock);
    return found;
}

int fake_unused_port(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    int port = -1;
    if (s >= 0 && bind(s, (struct sockaddr *)&addr, sizeof addr) == 0 &&
        getsockname(s, (struct sockaddr *)&addr, &len) == 0)
        port = ntohs(addr.sin_port);
    if (s >= 0)
        close(s);
    return port;
}
