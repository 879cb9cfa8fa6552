/* ev_lambda_emu: Runtime API emulator and instance supervisor (see ev_lambda_emu.h). */
#include "devserver/ev_lambda_emu.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#define MAX_FUNCTIONS      16
#define KILL_GRACE_MS      100
#define QUEUE_EXTRA_MS     10000
#define BACKOFF_FIRST_MS   200
#define BACKOFF_MAX_MS     10000
#define STOP_WAIT_MS       2000
#define SUPERVISOR_TICK_MS 20
#define RUNTIME_PREFIX     "/2018-06-01/runtime/"

typedef enum inst_state { S_DOWN, S_STARTING, S_IDLE, S_BUSY, S_POSTED } inst_state;

typedef struct function function;
typedef struct instance instance;

typedef struct invocation {
    char request_id[40];
    char trace_id[96];
    const char *event;
    size_t event_len;
    int64_t enqueued_mono, dispatched_mono;
    int64_t deadline_ms; /* epoch ms, set at dispatch */
    bool done;
    pthread_cond_t done_cv; /* signalled once, by finish: only its caller waits on it */
    ev_emu_result *result;
    struct invocation *next;
} invocation;

struct instance {
    function *fn;
    int index;
    struct MHD_Daemon *daemon;
    int port;
    pid_t pid;
    bool active; /* the slot is in use: keep a process running */
    inst_state state;
    invocation *current;
    unsigned generation;
    bool reached_next, init_failed;
    int64_t restart_at_mono, backoff_ms;
};

struct function {
    ev_emu *emu;
    int index;
    char *logical_id, *name, *arn, *bootstrap;
    char **env; /* NULL-terminated, with room for AWS_LAMBDA_RUNTIME_API */
    size_t env_count;
    int timeout_s, max;
    instance *inst;
    invocation *qhead, *qtail;
    size_t queued;
    pthread_cond_t work;
    int restarts;
};

struct ev_emu {
    pthread_mutex_t mu;
    pthread_cond_t wake;
    function fns[MAX_FUNCTIONS];
    int count;
    pthread_t supervisor;
    bool started, stopping, stopped;
    ev_activity *act;
};

typedef struct conn_ctx {
    ev_buf body;
    bool too_large;
} conn_ctx;

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const char *ev_emu_status_name(ev_emu_status s)
{
    switch (s) {
    case EV_EMU_OK:
        return "ok";
    case EV_EMU_TIMEOUT:
        return "timeout";
    case EV_EMU_CRASH:
        return "crash";
    case EV_EMU_ERROR:
    default:
        return "error";
    }
}

void ev_emu_result_init(ev_emu_result *r)
{
    memset(r, 0, sizeof *r);
    ev_buf_init(&r->body);
}

void ev_emu_result_free(ev_emu_result *r)
{
    ev_buf_free(&r->body);
}

/* Ends an invocation (caller holds mu). body may be NULL. */
static void finish(function *f, invocation *inv, ev_emu_status status, const char *error_type,
                   const char *body, size_t body_len)
{
    ev_emu_result *r = inv->result;
    r->status = status;
    snprintf(r->error_type, sizeof r->error_type, "%s", error_type ? error_type : "");
    snprintf(r->request_id, sizeof r->request_id, "%s", inv->request_id);
    ev_buf_reset(&r->body);
    if (body != NULL)
        ev_buf_append(&r->body, body, body_len);
    else if (status != EV_EMU_OK) {
        ev_buf_printf(&r->body, "{\"errorType\":\"%s\",\"errorMessage\":\"%s\"}", r->error_type,
                      status == EV_EMU_TIMEOUT ? "Task timed out"
                      : status == EV_EMU_CRASH ? "The runtime exited during the invocation"
                                               : "No instance could take the invocation");
    }
    r->duration_ms = inv->dispatched_mono ? mono_ms() - inv->dispatched_mono : 0;
    inv->done = true;
    ev_activity_invocation(f->emu->act, ev_activity_now_ms(), f->logical_id, inv->request_id, r->duration_ms,
                           ev_emu_status_name(status), r->error_type[0] ? r->error_type : NULL);
    pthread_cond_signal(&inv->done_cv);
}

/* ---- the Runtime API of one instance ---- */

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *body)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
    if (r == NULL)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", "application/json");
    enum MHD_Result rc = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return rc;
}

static enum MHD_Result handle_next(instance *in, struct MHD_Connection *c)
{
    function *f = in->fn;
    ev_emu *e = f->emu;
    pthread_mutex_lock(&e->mu);
    unsigned gen = in->generation;
    in->state = S_IDLE;
    in->reached_next = true;
    in->backoff_ms = 0;
    while (!e->stopping && f->qhead == NULL && gen == in->generation) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += 1;
        pthread_cond_timedwait(&f->work, &e->mu, &ts);
    }
    if (e->stopping || gen != in->generation) {
        pthread_mutex_unlock(&e->mu);
        return MHD_NO;
    }
    invocation *inv = f->qhead;
    f->qhead = inv->next;
    if (f->qhead == NULL)
        f->qtail = NULL;
    f->queued--;
    inv->next = NULL;
    inv->dispatched_mono = mono_ms();
    inv->deadline_ms = ev_activity_now_ms() + (int64_t)f->timeout_s * 1000;
    in->current = inv;
    in->state = S_BUSY;
    struct MHD_Response *r =
        MHD_create_response_from_buffer(inv->event_len, (void *)inv->event, MHD_RESPMEM_MUST_COPY);
    if (r != NULL) {
        char deadline[32];
        snprintf(deadline, sizeof deadline, "%lld", (long long)inv->deadline_ms);
        MHD_add_response_header(r, "Content-Type", "application/json");
        MHD_add_response_header(r, "Lambda-Runtime-Aws-Request-Id", inv->request_id);
        MHD_add_response_header(r, "Lambda-Runtime-Deadline-Ms", deadline);
        MHD_add_response_header(r, "Lambda-Runtime-Invoked-Function-Arn", f->arn);
        MHD_add_response_header(r, "Lambda-Runtime-Trace-Id", inv->trace_id);
    }
    pthread_mutex_unlock(&e->mu);
    if (r == NULL)
        return MHD_NO;
    enum MHD_Result rc = MHD_queue_response(c, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return rc;
}

static enum MHD_Result handle_result(instance *in, struct MHD_Connection *c, const char *id, bool is_error,
                                     conn_ctx *ctx)
{
    function *f = in->fn;
    ev_emu *e = f->emu;
    if (ctx->too_large && !is_error)
        return reply(c, 413,
                     "{\"errorMessage\":\"Response payload size exceeded maximum allowed payload size "
                     "(6291556 bytes).\",\"errorType\":\"RequestEntityTooLarge\"}");
    pthread_mutex_lock(&e->mu);
    invocation *inv = in->current;
    if (inv == NULL || strcmp(inv->request_id, id) != 0) {
        pthread_mutex_unlock(&e->mu);
        return reply(c, 400, "{\"errorMessage\":\"Invalid request ID\",\"errorType\":\"InvalidRequestID\"}");
    }
    in->current = NULL;
    in->state = S_POSTED;
    if (ev_activity_now_ms() > inv->deadline_ms) {
        finish(f, inv, EV_EMU_TIMEOUT, "Sandbox.Timedout", NULL, 0);
    } else if (is_error) {
        const char *type =
            MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Lambda-Runtime-Function-Error-Type");
        finish(f, inv, EV_EMU_ERROR, type ? type : "Unhandled", ctx->body.data ? ctx->body.data : "",
               ctx->body.len);
    } else {
        finish(f, inv, EV_EMU_OK, NULL, ctx->body.data ? ctx->body.data : "", ctx->body.len);
    }
    pthread_mutex_unlock(&e->mu);
    return reply(c, 202, "{\"status\":\"OK\"}");
}

static enum MHD_Result handle_init_error(instance *in, struct MHD_Connection *c, conn_ctx *ctx)
{
    function *f = in->fn;
    const char *type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Lambda-Runtime-Function-Error-Type");
    ev_buf extra = EV_BUF_INIT;
    ev_buf_append_str(&extra, "\"function\":");
    ev_buf_append_json_text(&extra, f->logical_id, strlen(f->logical_id), 0);
    ev_buf_append_str(&extra, ",\"error_type\":");
    ev_buf_append_json_text(&extra, type ? type : "", type ? strlen(type) : 0, 128);
    ev_buf_append_str(&extra, ",\"error\":");
    ev_buf_append_json_text(&extra, ctx->body.data ? ctx->body.data : "", ctx->body.len, 1024);
    ev_activity_note(f->emu->act, "ERROR", "function init failed", extra.data);
    ev_buf_free(&extra);
    /* As Lambda answers the invocation that met a failed init with the init error. */
    pthread_mutex_lock(&f->emu->mu);
    in->init_failed = true;
    invocation *inv = f->qhead;
    if (inv != NULL) {
        f->qhead = inv->next;
        if (f->qhead == NULL)
            f->qtail = NULL;
        f->queued--;
        finish(f, inv, EV_EMU_ERROR, type ? type : "Runtime.InitError", ctx->body.data ? ctx->body.data : "",
               ctx->body.len);
    }
    pthread_mutex_unlock(&f->emu->mu);
    return reply(c, 202, "{\"status\":\"OK\"}");
}

static enum MHD_Result runtime_api(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                   const char *version, const char *upload_data, size_t *upload_data_size,
                                   void **con_cls)
{
    (void)version;
    instance *in = cls;
    conn_ctx *ctx = *con_cls;
    if (ctx == NULL) {
        ctx = calloc(1, sizeof *ctx);
        if (ctx == NULL)
            return MHD_NO;
        ev_buf_init(&ctx->body);
        *con_cls = ctx;
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        if (ctx->body.len + *upload_data_size > EV_EMU_MAX_RESPONSE_BYTES)
            ctx->too_large = true;
        else
            ev_buf_append(&ctx->body, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (strncmp(url, RUNTIME_PREFIX, strlen(RUNTIME_PREFIX)) != 0)
        return reply(c, 404, "{\"errorMessage\":\"not a Runtime API path\",\"errorType\":\"NotFound\"}");
    const char *rest = url + strlen(RUNTIME_PREFIX);
    if (strcmp(method, "GET") == 0 && strcmp(rest, "invocation/next") == 0)
        return handle_next(in, c);
    if (strcmp(method, "POST") == 0 && strcmp(rest, "init/error") == 0)
        return handle_init_error(in, c, ctx);
    if (strcmp(method, "POST") == 0 && strncmp(rest, "invocation/", 11) == 0) {
        const char *id = rest + 11, *slash = strchr(id, '/');
        if (slash != NULL && slash - id < 40 &&
            (strcmp(slash, "/response") == 0 || strcmp(slash, "/error") == 0)) {
            char rid[40];
            snprintf(rid, sizeof rid, "%.*s", (int)(slash - id), id);
            return handle_result(in, c, rid, strcmp(slash, "/error") == 0, ctx);
        }
    }
    return reply(c, 404, "{\"errorMessage\":\"unknown Runtime API call\",\"errorType\":\"NotFound\"}");
}

static void conn_done(void *cls, struct MHD_Connection *c, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    conn_ctx *ctx = *con_cls;
    if (ctx != NULL) {
        ev_buf_free(&ctx->body);
        free(ctx);
        *con_cls = NULL;
    }
}

/* ---- processes ---- */

static void note_instance(function *f, instance *in, const char *level, const char *message, const char *more)
{
    char extra[512];
    snprintf(extra, sizeof extra, "\"function\":\"%s\",\"instance\":%d,\"pid\":%d,\"port\":%d%s%s",
             f->logical_id, in->index, (int)in->pid, in->port, more ? "," : "", more ? more : "");
    ev_activity_note(f->emu->act, level, message, extra);
}

/* Starts the instance's process (caller holds mu). */
static void spawn_instance(function *f, instance *in)
{
    char api[64];
    snprintf(api, sizeof api, "AWS_LAMBDA_RUNTIME_API=127.0.0.1:%d", in->port);
    f->env[f->env_count] = api;
    f->env[f->env_count + 1] = NULL;
    char *argv[] = {f->bootstrap, NULL};
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t none, defaults;
    sigemptyset(&none);
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGPIPE);
    sigaddset(&defaults, SIGTERM);
    sigaddset(&defaults, SIGINT);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    pid_t pid = 0;
    int rc = posix_spawn(&pid, f->bootstrap, NULL, &attr, argv, f->env);
    posix_spawnattr_destroy(&attr);
    f->env[f->env_count] = NULL;
    in->current = NULL;
    in->reached_next = false;
    in->init_failed = false;
    if (rc != 0) {
        char more[300];
        snprintf(more, sizeof more, "\"bootstrap\":\"%.200s\",\"error\":\"%s\"", f->bootstrap, strerror(rc));
        in->pid = 0;
        note_instance(f, in, "ERROR", "cannot start the function's bootstrap", more);
        in->backoff_ms = in->backoff_ms
                             ? (in->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : in->backoff_ms * 2)
                             : BACKOFF_FIRST_MS;
        in->restart_at_mono = mono_ms() + in->backoff_ms;
        return;
    }
    in->pid = pid;
    in->state = S_STARTING;
    note_instance(f, in, "INFO", "function instance started", NULL);
}

/* The instance's process ended with wait status ws (caller holds mu). */
static void instance_exited(function *f, instance *in, int ws)
{
    char more[128];
    if (WIFSIGNALED(ws))
        snprintf(more, sizeof more, "\"signal\":%d", WTERMSIG(ws));
    else
        snprintf(more, sizeof more, "\"exit_status\":%d", WEXITSTATUS(ws));
    bool stopping = f->emu->stopping;
    note_instance(f, in, stopping ? "INFO" : "WARNING", "function instance exited", more);
    in->pid = 0;
    in->state = S_DOWN;
    in->generation++;
    pthread_cond_broadcast(&f->work);
    if (in->current != NULL) {
        invocation *inv = in->current;
        in->current = NULL;
        finish(f, inv, EV_EMU_CRASH, "Runtime.ExitError", NULL, 0);
    }
    if (stopping)
        return;
    f->restarts++;
    if (!in->reached_next || in->init_failed)
        in->backoff_ms = in->backoff_ms
                             ? (in->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : in->backoff_ms * 2)
                             : BACKOFF_FIRST_MS;
    else
        in->backoff_ms = 0;
    in->restart_at_mono = mono_ms() + in->backoff_ms;
}

static void supervise_function(function *f, int64_t now)
{
    int available = 0, active = 0;
    for (int i = 0; i < f->max; i++) {
        instance *in = &f->inst[i];
        if (!in->active)
            continue;
        active++;
        int ws = 0;
        if (in->pid > 0 && waitpid(in->pid, &ws, WNOHANG) == in->pid)
            instance_exited(f, in, ws);
        if (in->state == S_BUSY && in->current != NULL &&
            ev_activity_now_ms() > in->current->deadline_ms + KILL_GRACE_MS) {
            invocation *inv = in->current;
            in->current = NULL;
            kill(in->pid, SIGKILL);
            note_instance(f, in, "WARNING", "function timed out: instance killed", NULL);
            finish(f, inv, EV_EMU_TIMEOUT, "Sandbox.Timedout", NULL, 0);
        }
        if (in->pid == 0 && now >= in->restart_at_mono)
            spawn_instance(f, in);
        if (in->state == S_STARTING || in->state == S_IDLE || in->state == S_POSTED)
            available++;
    }
    /* Invocations no instance took in time. */
    invocation **pp = &f->qhead, *prev = NULL;
    while (*pp != NULL) {
        invocation *inv = *pp;
        if (now - inv->enqueued_mono > (int64_t)f->timeout_s * 1000 + QUEUE_EXTRA_MS) {
            *pp = inv->next;
            f->queued--;
            finish(f, inv, EV_EMU_ERROR, "Runtime.Unavailable", NULL, 0);
            continue;
        }
        prev = inv;
        pp = &inv->next;
    }
    f->qtail = prev;
    /* Scale out while invocations wait. */
    for (int i = 0; i < f->max && (int)f->queued > available && active < f->max; i++) {
        instance *in = &f->inst[i];
        if (in->active)
            continue;
        in->active = true;
        active++;
        available++;
        spawn_instance(f, in);
    }
}

static void *supervisor_main(void *arg)
{
    ev_emu *e = arg;
    pthread_mutex_lock(&e->mu);
    while (!e->stopping) {
        int64_t now = mono_ms();
        for (int i = 0; i < e->count; i++)
            supervise_function(&e->fns[i], now);
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += SUPERVISOR_TICK_MS * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&e->wake, &e->mu, &ts);
    }
    pthread_mutex_unlock(&e->mu);
    return NULL;
}

/* ---- the API ---- */

/* Instances that are or soon will be in next (caller holds mu). */
static int available_instances(const function *f)
{
    int n = 0;
    for (int i = 0; i < f->max; i++) {
        inst_state st = f->inst[i].state;
        n += f->inst[i].active && (st == S_STARTING || st == S_IDLE || st == S_POSTED);
    }
    return n;
}

ev_emu *ev_emu_new(ev_activity *activity, ev_ds_error *err)
{
    ev_emu *e = calloc(1, sizeof *e);
    if (e == NULL) {
        ev_ds_fail(err, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&e->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_cond_init(&e->wake, NULL);
    pthread_condattr_destroy(&ca);
    e->act = activity;
    return e;
}

static struct MHD_Daemon *start_daemon(instance *in, ev_ds_error *err)
{
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = 0;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct MHD_Daemon *d =
        MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL,
                         runtime_api, in, MHD_OPTION_SOCK_ADDR, &sa, MHD_OPTION_NOTIFY_COMPLETED, conn_done,
                         NULL, MHD_OPTION_CONNECTION_TIMEOUT, 0u, MHD_OPTION_END);
    if (d == NULL) {
        ev_ds_fail(err, "%s: cannot start a Runtime API server on 127.0.0.1", in->fn->logical_id);
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    in->port = info ? info->port : 0;
    return d;
}

int ev_emu_add_function(ev_emu *e, const ev_emu_function_config *cfg, ev_ds_error *err)
{
    if (e->count == MAX_FUNCTIONS)
        return ev_ds_fail(err, "more than %d functions", MAX_FUNCTIONS);
    function *f = &e->fns[e->count];
    memset(f, 0, sizeof *f);
    f->emu = e;
    f->index = e->count;
    f->logical_id = strdup(cfg->logical_id);
    f->name = strdup(cfg->name);
    f->arn = strdup(cfg->arn);
    f->bootstrap = strdup(cfg->bootstrap);
    f->timeout_s = cfg->timeout_s > 0 ? cfg->timeout_s : 3;
    f->max = cfg->max_instances > 0 ? cfg->max_instances : 1;
    f->env = calloc(cfg->env_count + 2, sizeof *f->env);
    f->inst = calloc((size_t)f->max, sizeof *f->inst);
    pthread_cond_init(&f->work, NULL);
    e->count++; /* freed by ev_emu_free from here on */
    if (!f->logical_id || !f->name || !f->arn || !f->bootstrap || !f->env || !f->inst)
        return ev_ds_fail(err, "out of memory");
    for (size_t i = 0; i < cfg->env_count; i++) {
        f->env[i] = strdup(cfg->env[i]);
        if (f->env[i] == NULL)
            return ev_ds_fail(err, "out of memory");
        f->env_count++;
    }
    for (int i = 0; i < f->max; i++) {
        f->inst[i].fn = f;
        f->inst[i].index = i;
        f->inst[i].daemon = start_daemon(&f->inst[i], err);
        if (f->inst[i].daemon == NULL)
            return -1;
    }
    return f->index;
}

int ev_emu_start(ev_emu *e, ev_ds_error *err)
{
    pthread_mutex_lock(&e->mu);
    for (int i = 0; i < e->count; i++) {
        e->fns[i].inst[0].active = true;
        spawn_instance(&e->fns[i], &e->fns[i].inst[0]);
    }
    pthread_mutex_unlock(&e->mu);
    if (pthread_create(&e->supervisor, NULL, supervisor_main, e) != 0)
        return ev_ds_fail(err, "cannot start the supervisor thread");
    e->started = true;
    return 0;
}

int ev_emu_invoke(ev_emu *e, int function_index, const char *event, size_t len, const char *trace_id,
                  ev_emu_result *out)
{
    function *f = &e->fns[function_index];
    invocation inv;
    memset(&inv, 0, sizeof inv);
    ev_ds_uuid4(inv.request_id);
    if (trace_id != NULL && *trace_id != '\0')
        snprintf(inv.trace_id, sizeof inv.trace_id, "%s", trace_id);
    else
        ev_ds_trace_id(inv.trace_id);
    inv.event = event;
    inv.event_len = len;
    inv.result = out;
    pthread_cond_init(&inv.done_cv, NULL);
    pthread_mutex_lock(&e->mu);
    if (e->stopping) {
        finish(f, &inv, EV_EMU_ERROR, "Runtime.Unavailable", NULL, 0);
    } else {
        inv.enqueued_mono = mono_ms();
        if (f->qtail)
            f->qtail->next = &inv;
        else
            f->qhead = &inv;
        f->qtail = &inv;
        f->queued++;
        pthread_cond_signal(&f->work);
        /* The supervisor only when this invocation may need another instance. */
        if ((int)f->queued > available_instances(f))
            pthread_cond_signal(&e->wake);
    }
    while (!inv.done)
        pthread_cond_wait(&inv.done_cv, &e->mu);
    pthread_mutex_unlock(&e->mu);
    pthread_cond_destroy(&inv.done_cv);
    return out->status == EV_EMU_OK ? 0 : -1;
}

void ev_emu_stats(ev_emu *e, int function_index, int *instances, int *restarts)
{
    pthread_mutex_lock(&e->mu);
    function *f = &e->fns[function_index];
    int live = 0;
    for (int i = 0; i < f->max; i++)
        live += f->inst[i].pid > 0;
    *instances = live;
    *restarts = f->restarts;
    pthread_mutex_unlock(&e->mu);
}

int ev_emu_function_count(const ev_emu *e)
{
    return e->count;
}
const char *ev_emu_function_id(const ev_emu *e, int function_index)
{
    return e->fns[function_index].logical_id;
}

/* Waits for every child until deadline (mono ms); caller holds mu. Returns the number still alive. */
static int reap_all(ev_emu *e, int64_t deadline)
{
    for (;;) {
        int alive = 0;
        for (int i = 0; i < e->count; i++)
            for (int k = 0; k < e->fns[i].max; k++) {
                instance *in = &e->fns[i].inst[k];
                int ws = 0;
                if (in->pid > 0 && waitpid(in->pid, &ws, WNOHANG) == in->pid)
                    instance_exited(&e->fns[i], in, ws);
                alive += in->pid > 0;
            }
        if (alive == 0 || mono_ms() >= deadline)
            return alive;
        pthread_mutex_unlock(&e->mu);
        struct timespec ts = {0, 10 * 1000000L};
        nanosleep(&ts, NULL);
        pthread_mutex_lock(&e->mu);
    }
}

void ev_emu_stop(ev_emu *e)
{
    pthread_mutex_lock(&e->mu);
    if (e->stopped) {
        pthread_mutex_unlock(&e->mu);
        return;
    }
    /* SIGTERM first: a runtime waiting in next ends at once and exits 0. */
    for (int i = 0; i < e->count; i++)
        for (int k = 0; k < e->fns[i].max; k++)
            if (e->fns[i].inst[k].pid > 0)
                kill(e->fns[i].inst[k].pid, SIGTERM);
    e->stopping = true;
    e->stopped = true;
    pthread_cond_broadcast(&e->wake);
    for (int i = 0; i < e->count; i++) {
        function *f = &e->fns[i];
        pthread_cond_broadcast(&f->work);
        while (f->qhead != NULL) {
            invocation *inv = f->qhead;
            f->qhead = inv->next;
            finish(f, inv, EV_EMU_ERROR, "Runtime.Unavailable", NULL, 0);
        }
        f->qtail = NULL;
        f->queued = 0;
    }
    pthread_mutex_unlock(&e->mu);
    if (e->started)
        pthread_join(e->supervisor, NULL);
    pthread_mutex_lock(&e->mu);
    if (reap_all(e, mono_ms() + STOP_WAIT_MS) > 0) {
        for (int i = 0; i < e->count; i++)
            for (int k = 0; k < e->fns[i].max; k++)
                if (e->fns[i].inst[k].pid > 0)
                    kill(e->fns[i].inst[k].pid, SIGKILL);
        reap_all(e, mono_ms() + STOP_WAIT_MS);
    }
    pthread_mutex_unlock(&e->mu);
    for (int i = 0; i < e->count; i++)
        for (int k = 0; k < e->fns[i].max; k++)
            if (e->fns[i].inst[k].daemon != NULL) {
                MHD_stop_daemon(e->fns[i].inst[k].daemon);
                e->fns[i].inst[k].daemon = NULL;
            }
}

void ev_emu_free(ev_emu *e)
{
    if (e == NULL)
        return;
    ev_emu_stop(e);
    for (int i = 0; i < e->count; i++) {
        function *f = &e->fns[i];
        for (size_t k = 0; f->env != NULL && k < f->env_count; k++)
            free(f->env[k]);
        free(f->env);
        free(f->inst);
        free(f->logical_id);
        free(f->name);
        free(f->arn);
        free(f->bootstrap);
        pthread_cond_destroy(&f->work);
    }
    pthread_cond_destroy(&e->wake);
    pthread_mutex_destroy(&e->mu);
    free(e);
}
