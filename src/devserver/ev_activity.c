/* ev_activity: log lines and the recent history (see ev_activity.h). */
#include "devserver/ev_activity.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/ev_time.h"
#include "core/ev_uuid.h"

typedef struct request_rec {
    int64_t time_ms, duration_ms;
    char method[16], path[256], request_id[40];
    int status;
} request_rec;

typedef struct invocation_rec {
    int64_t time_ms, duration_ms;
    char function[128], request_id[40], status[16], error_type[128];
} invocation_rec;

struct ev_activity {
    pthread_mutex_t mu;
    FILE *out;
    request_rec requests[EV_ACTIVITY_KEEP];
    size_t request_next, request_count;
    invocation_rec invocations[EV_ACTIVITY_KEEP];
    size_t invocation_next, invocation_count;
};

int64_t ev_activity_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void ev_ds_uuid4(char out[37])
{
    unsigned char b[16];
    if (ev_uuid_system_random(NULL, b, sizeof b) != 0)
        memset(b, 0x5a, sizeof b);
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
             b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

void ev_ds_trace_id(char out[96])
{
    unsigned char b[20];
    if (ev_uuid_system_random(NULL, b, sizeof b) != 0)
        memset(b, 0x5a, sizeof b);
    char hex[41];
    for (size_t i = 0; i < sizeof b; i++)
        snprintf(hex + 2 * i, 3, "%02x", b[i]);
    snprintf(out, 96, "Root=1-%08llx-%.24s;Parent=%.16s;Sampled=1",
             (unsigned long long)(ev_activity_now_ms() / 1000), hex, hex + 24);
}

ev_activity *ev_activity_new(FILE *out)
{
    ev_activity *a = calloc(1, sizeof *a);
    if (a == NULL)
        return NULL;
    pthread_mutex_init(&a->mu, NULL);
    a->out = out;
    return a;
}

void ev_activity_free(ev_activity *a)
{
    if (a == NULL)
        return;
    pthread_mutex_destroy(&a->mu);
    free(a);
}

static void str(ev_buf *b, const char *s)
{
    if (s == NULL)
        ev_buf_append_str(b, "null");
    else
        ev_buf_append_json_text(b, s, strlen(s), 512);
}

static void time_member(ev_buf *b, int64_t ms)
{
    char t[EV_RFC3339_MS_LEN + 1];
    ev_time_format_rfc3339_ms(ms, t);
    ev_buf_append_str(b, "\"time\":");
    str(b, t);
}

/* Writes one line (b without its newline) to the stream. Caller holds mu. */
static void emit(ev_activity *a, ev_buf *b)
{
    ev_buf_append_char(b, '\n');
    if (a->out != NULL && !b->failed) {
        fwrite(b->data, 1, b->len, a->out);
        fflush(a->out);
    }
}

static void request_json(ev_buf *b, const request_rec *r, bool with_kind)
{
    ev_buf_append_char(b, '{');
    time_member(b, r->time_ms);
    if (with_kind)
        ev_buf_append_str(b, ",\"kind\":\"request\"");
    ev_buf_append_str(b, ",\"method\":");
    str(b, r->method);
    ev_buf_append_str(b, ",\"path\":");
    str(b, r->path);
    ev_buf_printf(b, ",\"status\":%d,\"duration_ms\":%lld,\"request_id\":", r->status,
                  (long long)r->duration_ms);
    str(b, r->request_id);
    ev_buf_append_char(b, '}');
}

static void invocation_json(ev_buf *b, const invocation_rec *r, bool with_kind)
{
    ev_buf_append_char(b, '{');
    time_member(b, r->time_ms);
    if (with_kind)
        ev_buf_append_str(b, ",\"kind\":\"invocation\"");
    ev_buf_append_str(b, ",\"function\":");
    str(b, r->function);
    ev_buf_append_str(b, ",\"request_id\":");
    str(b, r->request_id);
    ev_buf_printf(b, ",\"duration_ms\":%lld,\"status\":", (long long)r->duration_ms);
    str(b, r->status);
    if (r->error_type[0] != '\0') {
        ev_buf_append_str(b, ",\"error_type\":");
        str(b, r->error_type);
    }
    ev_buf_append_char(b, '}');
}

void ev_activity_request(ev_activity *a, int64_t time_ms, const char *method, const char *path, int status,
                         int64_t duration_ms, const char *request_id)
{
    request_rec r = {.time_ms = time_ms, .duration_ms = duration_ms, .status = status};
    snprintf(r.method, sizeof r.method, "%s", method ? method : "");
    snprintf(r.path, sizeof r.path, "%s", path ? path : "");
    snprintf(r.request_id, sizeof r.request_id, "%s", request_id ? request_id : "");
    ev_buf b = EV_BUF_INIT;
    request_json(&b, &r, true);
    pthread_mutex_lock(&a->mu);
    a->requests[a->request_next] = r;
    a->request_next = (a->request_next + 1) % EV_ACTIVITY_KEEP;
    if (a->request_count < EV_ACTIVITY_KEEP)
        a->request_count++;
    emit(a, &b);
    pthread_mutex_unlock(&a->mu);
    ev_buf_free(&b);
}

void ev_activity_invocation(ev_activity *a, int64_t time_ms, const char *function, const char *request_id,
                            int64_t duration_ms, const char *status, const char *error_type)
{
    invocation_rec r = {.time_ms = time_ms, .duration_ms = duration_ms};
    snprintf(r.function, sizeof r.function, "%s", function ? function : "");
    snprintf(r.request_id, sizeof r.request_id, "%s", request_id ? request_id : "");
    snprintf(r.status, sizeof r.status, "%s", status ? status : "");
    snprintf(r.error_type, sizeof r.error_type, "%s", error_type ? error_type : "");
    ev_buf b = EV_BUF_INIT;
    invocation_json(&b, &r, true);
    pthread_mutex_lock(&a->mu);
    a->invocations[a->invocation_next] = r;
    a->invocation_next = (a->invocation_next + 1) % EV_ACTIVITY_KEEP;
    if (a->invocation_count < EV_ACTIVITY_KEEP)
        a->invocation_count++;
    emit(a, &b);
    pthread_mutex_unlock(&a->mu);
    ev_buf_free(&b);
}

void ev_activity_note(ev_activity *a, const char *level, const char *message, const char *extra_json)
{
    ev_buf b = EV_BUF_INIT;
    ev_buf_append_char(&b, '{');
    time_member(&b, ev_activity_now_ms());
    ev_buf_append_str(&b, ",\"kind\":\"devserver\",\"level\":");
    str(&b, level);
    ev_buf_append_str(&b, ",\"message\":");
    str(&b, message);
    if (extra_json != NULL && *extra_json != '\0') {
        ev_buf_append_char(&b, ',');
        ev_buf_append_str(&b, extra_json);
    }
    ev_buf_append_char(&b, '}');
    pthread_mutex_lock(&a->mu);
    emit(a, &b);
    pthread_mutex_unlock(&a->mu);
    ev_buf_free(&b);
}

int ev_activity_json(ev_activity *a, ev_buf *out)
{
    pthread_mutex_lock(&a->mu);
    ev_buf_append_str(out, "\"requests\":[");
    for (size_t i = 0; i < a->request_count; i++) {
        size_t k = (a->request_next + EV_ACTIVITY_KEEP - a->request_count + i) % EV_ACTIVITY_KEEP;
        if (i > 0)
            ev_buf_append_char(out, ',');
        request_json(out, &a->requests[k], false);
    }
    ev_buf_append_str(out, "],\"invocations\":[");
    for (size_t i = 0; i < a->invocation_count; i++) {
        size_t k = (a->invocation_next + EV_ACTIVITY_KEEP - a->invocation_count + i) % EV_ACTIVITY_KEEP;
        if (i > 0)
            ev_buf_append_char(out, ',');
        invocation_json(out, &a->invocations[k], false);
    }
    ev_buf_append_char(out, ']');
    pthread_mutex_unlock(&a->mu);
    return out->failed ? -1 : 0;
}
