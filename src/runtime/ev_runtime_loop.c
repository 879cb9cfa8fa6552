/* ev_runtime_loop: start, init, the invocation loop, stop. See ev_runtime_loop.h. */
#include "runtime/ev_runtime_loop.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/ev_runtime_api.h"
#include "runtime/ev_shutdown.h"

typedef enum step { STEP_CONTINUE, STEP_STOP, STEP_EXIT, STEP_TOO_LARGE } step;

typedef struct runtime {
    ev_runtime_config cfg; /* defaults filled in */
    const ev_clock *clock;
    ev_log own_log;
    ev_log *log;
    ev_metrics *metrics;
    bool own_metrics;
    ev_runtime_api *api;
    ev_arena arena;
    unsigned long invocations; /* answered or rejected */
    const char *stop_reason;
} runtime;

/* What to post for an invocation: a response (body) or an error. */
typedef struct answer {
    const char *request_id;
    const char *body;
    size_t body_len;
    const char *content_type;
    const ev_runtime_error *error; /* non-NULL: post to .../error */
    const char *fallback_type;
} answer;

void ev_runtime_request_stop(void)
{
    ev_shutdown_request();
}

/* ---- waiting ---- */

/* Waits ms before a retry. On the system clock the wait watches the
 * shutdown pipe, so SIGTERM cuts it short; an injected clock sleeps on its
 * own terms (tests advance time instead of waiting). */
static void wait_before_retry(runtime *rt, int64_t ms)
{
    if (rt->clock != ev_clock_system()) {
        ev_clock_sleep_ms(rt->clock, ms);
        return;
    }
    int64_t until = ev_clock_monotonic_ms(rt->clock) + ms;
    struct pollfd p = {.fd = ev_shutdown_wake_fd(), .events = POLLIN, .revents = 0};
    for (int64_t left = ms; left > 0 && !ev_shutdown_requested();
         left = until - ev_clock_monotonic_ms(rt->clock))
        poll(&p, p.fd >= 0 ? 1 : 0, (int)left);
}

static int64_t retry_delay(const runtime *rt, int attempt)
{
    int64_t d = rt->cfg.retry_delay_ms;
    for (int i = 1; i < attempt && d < 60000; i++)
        d *= 2;
    return d;
}

/* ---- posting an answer ---- */

static int post_once(runtime *rt, const answer *a, ev_api_result *res)
{
    if (a->error)
        return ev_runtime_api_post_error(rt->api, a->request_id, a->error, a->fallback_type, res);
    return ev_runtime_api_post_response(rt->api, a->request_id, a->body, a->body_len, a->content_type, res);
}

static step judge_post_status(runtime *rt, const answer *a, const ev_api_result *res)
{
    const char *what = a->error ? "error" : "response";
    if (res->status >= 200 && res->status < 300)
        return STEP_CONTINUE;
    if (res->status == 500) {
        ev_log_error(rt->log, "Runtime API answered 500 (container error) to an invocation's answer; exiting",
                     EV_LOG_STR("answer", what), EV_LOG_STR("api_answer", res->answer));
        return STEP_EXIT;
    }
    if (res->status == 413 && !a->error)
        return STEP_TOO_LARGE;
    ev_log_error(rt->log, "Runtime API refused an invocation's answer; going on with the next invocation",
                 EV_LOG_STR("answer", what), EV_LOG_INT("status", res->status),
                 EV_LOG_STR("api_answer", res->answer));
    return STEP_CONTINUE;
}

/* Posts with the bounded retry policy: a post that got no HTTP answer is
 * sent again (Lambda refuses a duplicate, so this cannot answer twice). */
static step post_answer(runtime *rt, const answer *a)
{
    ev_api_result res;
    for (int attempt = 1;; attempt++) {
        if (post_once(rt, a, &res) == 0)
            return judge_post_status(rt, a, &res);
        bool last = attempt >= rt->cfg.attempts;
        ev_log_at(rt->log, last ? EV_LOG_ERROR : EV_LOG_WARNING,
                  last ? "Runtime API unreachable while posting an answer; exiting"
                       : "Runtime API unreachable while posting an answer; retrying",
                  EV_LOG_STR("answer", a->error ? "error" : "response"), EV_LOG_INT("attempt", attempt),
                  EV_LOG_STR("reason", res.error));
        if (last)
            return STEP_EXIT;
        wait_before_retry(rt, retry_delay(rt, attempt));
    }
}

static step post_error(runtime *rt, const char *request_id, const ev_runtime_error *err, const char *fallback)
{
    answer a = {.request_id = request_id, .error = err, .fallback_type = fallback};
    return post_answer(rt, &a);
}

/* ---- one invocation ---- */

static void set_trace_env(const char *trace_id)
{
    if (trace_id && *trace_id)
        setenv("_X_AMZN_TRACE_ID", trace_id, 1);
    else
        unsetenv("_X_AMZN_TRACE_ID");
}

/* Decides what the handler's outcome becomes: late answers and oversized
 * or malformed responses turn into errors. */
static void judge_outcome(runtime *rt, const ev_invocation *inv, int hrc, ev_handler_output *out, answer *a,
                          ev_runtime_error *own)
{
    int64_t late_ms = ev_clock_realtime_ms(rt->clock) - inv->deadline_ms;
    const char *kind = hrc == 0 ? "response" : "error";
    *a = (answer){.request_id = inv->request_id,
                  .body = out->body,
                  .body_len = out->body_len,
                  .content_type = out->content_type};
    if (late_ms >= 0) {
        ev_runtime_error_set(
            own, EV_RUNTIME_ERR_DEADLINE,
            "the handler finished %lld ms after the invocation's deadline; its %s was discarded",
            (long long)late_ms, kind);
        ev_log_error(rt->log,
                     "handler overran the deadline; posting Runtime.DeadlineExceeded instead of its answer",
                     EV_LOG_INT("late_ms", late_ms), EV_LOG_STR("discarded", kind));
        a->error = own;
    } else if (hrc != 0) {
        if (!ev_runtime_error_is_set(&out->error))
            ev_runtime_error_set(&out->error, EV_RUNTIME_ERR_HANDLER, "the handler failed without a message");
        ev_log_error(rt->log, "handler failed", EV_LOG_STR("error_type", out->error.type),
                     EV_LOG_STR("error_message", out->error.message));
        a->error = &out->error;
        a->fallback_type = EV_RUNTIME_ERR_HANDLER;
    } else if (out->body == NULL && out->body_len > 0) {
        ev_runtime_error_set(own, EV_RUNTIME_ERR_HANDLER, "the handler returned a NULL body of %zu bytes",
                             out->body_len);
        a->error = own;
    } else if (out->body_len > rt->cfg.max_response_bytes) {
        ev_runtime_error_set(own, EV_RUNTIME_ERR_RESPONSE_TOO_LARGE,
                             "the response has %zu bytes, over the limit of %zu bytes", out->body_len,
                             rt->cfg.max_response_bytes);
        a->error = own;
    }
    if (a->error == own)
        ev_log_error(rt->log, "invocation answered with a runtime error", EV_LOG_STR("error_type", own->type),
                     EV_LOG_STR("error_message", own->message));
}

static step invoke(runtime *rt, ev_handler_fn handler, void *app, ev_invocation *inv,
                   const ev_next_reply *reply)
{
    ev_log_debug(rt->log, "invocation received", EV_LOG_INT("event_bytes", reply->body_len),
                 EV_LOG_INT("remaining_ms", ev_invocation_remaining_ms(inv)));
    ev_handler_output out;
    memset(&out, 0, sizeof out);
    int64_t started = ev_clock_monotonic_ms(rt->clock);
    int hrc = handler(app, inv, reply->body, reply->body_len, &out);
    int64_t took_ms = ev_clock_monotonic_ms(rt->clock) - started;
    ev_metrics_add_ms(rt->metrics, EV_METRIC_HANDLER_LATENCY, (double)took_ms);
    answer a;
    ev_runtime_error own;
    ev_runtime_error_clear(&own);
    judge_outcome(rt, inv, hrc, &out, &a, &own);
    step s = post_answer(rt, &a);
    if (s == STEP_TOO_LARGE) {
        ev_runtime_error_set(&own, EV_RUNTIME_ERR_RESPONSE_TOO_LARGE,
                             "the Runtime API refused the %zu-byte response as too large (413)", a.body_len);
        ev_log_error(rt->log, "response refused as too large; posting an error instead",
                     EV_LOG_INT("response_bytes", a.body_len));
        s = post_error(rt, inv->request_id, &own, NULL);
    }
    ev_log_debug(rt->log, "invocation answered", EV_LOG_BOOL("error", a.error != NULL),
                 EV_LOG_INT("handler_ms", took_ms));
    return s;
}

/* ---- next, with retries ---- */

/* Asks for the next invocation until a usable reply (INVOKE or REJECT),
 * a stop request, or the end of the retry policy. */
static step fetch_next(runtime *rt, ev_next_reply *reply, ev_invocation *inv, ev_runtime_error *why,
                       ev_next_action *action)
{
    ev_api_result res;
    for (int attempt = 1;; attempt++) {
        const char *reason = NULL;
        if (ev_runtime_api_next(rt->api, &rt->arena, rt->cfg.max_event_bytes, reply, &res) != 0) {
            if (res.stopped)
                return STEP_STOP;
            reason = res.error;
        } else {
            *action = ev_next_reply_check(reply, ev_clock_realtime_ms(rt->clock), inv, why);
            if (*action == EV_NEXT_INVOKE || *action == EV_NEXT_REJECT)
                return STEP_CONTINUE;
            if (*action == EV_NEXT_EXIT) {
                ev_log_error(rt->log, "unusable reply to invocation/next; exiting",
                             EV_LOG_STR("reason", why->message), EV_LOG_INT("status", reply->status),
                             EV_LOG_INT("body_bytes", reply->body_bytes_received));
                return STEP_EXIT;
            }
            reason = why->message;
        }
        bool last = attempt >= rt->cfg.attempts;
        ev_log_at(rt->log, last ? EV_LOG_ERROR : EV_LOG_WARNING,
                  last ? "no invocation from the Runtime API; exiting"
                       : "no invocation from the Runtime API; retrying",
                  EV_LOG_STR("reason", reason), EV_LOG_INT("attempt", attempt),
                  EV_LOG_INT("attempts", rt->cfg.attempts),
                  EV_LOG_STR("url", ev_runtime_api_base_url(rt->api)));
        if (last)
            return STEP_EXIT;
        wait_before_retry(rt, retry_delay(rt, attempt));
        if (ev_shutdown_requested())
            return STEP_STOP;
    }
}

static step serve_one(runtime *rt, ev_handler_fn handler, void *app)
{
    ev_next_reply reply;
    ev_invocation inv;
    ev_runtime_error why;
    ev_next_action action = EV_NEXT_EXIT;
    memset(&inv, 0, sizeof inv);
    step s = fetch_next(rt, &reply, &inv, &why, &action);
    if (s != STEP_CONTINUE)
        return s;
    inv.cold_start = rt->invocations++ == 0;
    inv.arena = &rt->arena;
    inv.log = rt->log;
    inv.metrics = rt->metrics;
    inv.clock = rt->clock;
    set_trace_env(inv.trace_id);
    ev_log_set_invocation(rt->log, inv.request_id, inv.trace_id, inv.function_arn, inv.cold_start);
    ev_metrics_set_invocation(rt->metrics, inv.request_id, inv.trace_id);
    if (inv.cold_start)
        ev_metrics_record_cold_start(rt->metrics);
    if (action == EV_NEXT_REJECT) {
        ev_log_error(rt->log, "invocation rejected by the runtime; posting its error",
                     EV_LOG_STR("error_type", why.type), EV_LOG_STR("error_message", why.message));
        s = post_error(rt, inv.request_id, &why, NULL);
    } else {
        s = invoke(rt, handler, app, &inv, &reply);
    }
    if (ev_metrics_flush(rt->metrics) != 0)
        ev_log_warning(rt->log, "metrics not written", EV_LOG_STR("reason", ev_metrics_error(rt->metrics)));
    ev_log_clear_invocation(rt->log);
    ev_metrics_clear_invocation(rt->metrics);
    return s;
}

static int run_loop(runtime *rt, ev_handler_fn handler, void *app)
{
    for (;;) {
        if (ev_shutdown_requested()) {
            rt->stop_reason = "stop requested (SIGTERM)";
            return EV_RUNTIME_EXIT_OK;
        }
        if (rt->cfg.max_invocations && rt->invocations >= rt->cfg.max_invocations) {
            rt->stop_reason = "max_invocations reached";
            return EV_RUNTIME_EXIT_OK;
        }
        step s = serve_one(rt, handler, app);
        ev_arena_reset(&rt->arena);
        if (s == STEP_STOP) {
            rt->stop_reason = "stop requested (SIGTERM)";
            return EV_RUNTIME_EXIT_OK;
        }
        if (s == STEP_EXIT) {
            rt->stop_reason = "Runtime API failure";
            return EV_RUNTIME_EXIT_API_FAILED;
        }
    }
}

/* ---- start and stop ---- */

static void resolve_config(runtime *rt, const ev_runtime_config *cfg)
{
    memset(rt, 0, sizeof *rt);
    if (cfg)
        rt->cfg = *cfg;
    ev_runtime_config *c = &rt->cfg;
    c->arena_block_bytes = c->arena_block_bytes ? c->arena_block_bytes : EV_RUNTIME_DEFAULT_ARENA_BLOCK_BYTES;
    c->max_event_bytes = c->max_event_bytes ? c->max_event_bytes : EV_RUNTIME_DEFAULT_MAX_EVENT_BYTES;
    c->max_response_bytes =
        c->max_response_bytes ? c->max_response_bytes : EV_RUNTIME_DEFAULT_MAX_RESPONSE_BYTES;
    c->attempts = c->attempts > 0 ? c->attempts : EV_RUNTIME_DEFAULT_ATTEMPTS;
    c->retry_delay_ms = c->retry_delay_ms > 0 ? c->retry_delay_ms : EV_RUNTIME_DEFAULT_RETRY_DELAY_MS;
    rt->clock = c->clock ? c->clock : ev_clock_system();
    if (c->log) {
        rt->log = c->log;
    } else {
        ev_log_init(&rt->own_log, &(ev_log_options){.clock = rt->clock});
        rt->log = &rt->own_log;
    }
    ev_arena_init(&rt->arena, c->arena_block_bytes);
}

/* 0: ready. -1: failed before the API was reachable (nothing to post to).
 * -2: failed after: err must be posted as init/error. */
static int start(runtime *rt, ev_runtime_error *err)
{
    char base[EV_RUNTIME_URL_MAX];
    const char *base_url = rt->cfg.api_base_url;
    if (base_url == NULL) {
        if (ev_runtime_api_base_from_env(base, err) != 0)
            return -1;
        base_url = base;
    }
    if (ev_shutdown_install(!rt->cfg.keep_sigterm, err) != 0)
        return -1;
    if ((rt->api = ev_runtime_api_new(base_url, err)) == NULL)
        return -1;
    if (rt->cfg.metrics) {
        rt->metrics = rt->cfg.metrics;
    } else {
        char why[512] = "";
        rt->metrics = ev_metrics_new(&(ev_metrics_options){.clock = rt->clock}, why, sizeof why);
        if (rt->metrics == NULL) {
            ev_runtime_error_set(err, EV_RUNTIME_ERR_CONFIG, "%s", why);
            return -2;
        }
        rt->own_metrics = true;
    }
    ev_log_debug(rt->log, "runtime started", EV_LOG_STR("url", ev_runtime_api_base_url(rt->api)));
    return 0;
}

static int fail_init(runtime *rt, ev_runtime_error *err, bool can_post)
{
    if (!ev_runtime_error_is_set(err))
        ev_runtime_error_set(err, EV_RUNTIME_ERR_INIT, "the init function failed without a message");
    char type[EV_RUNTIME_ERROR_TYPE_MAX];
    ev_runtime_error_header_type(err, EV_RUNTIME_ERR_INIT, type);
    ev_log_critical(rt->log, "initialisation failed; exiting", EV_LOG_STR("error_type", type),
                    EV_LOG_STR("error_message", err->message), EV_LOG_BOOL("init_error_posted", can_post));
    if (can_post) {
        ev_api_result res;
        if (ev_runtime_api_post_init_error(rt->api, err, EV_RUNTIME_ERR_INIT, &res) != 0 ||
            res.status < 200 || res.status >= 300)
            ev_log_error(rt->log, "init error not accepted by the Runtime API",
                         EV_LOG_INT("status", res.status), EV_LOG_STR("reason", res.error),
                         EV_LOG_STR("api_answer", res.answer));
    }
    rt->stop_reason = "initialisation failed";
    return EV_RUNTIME_EXIT_INIT_FAILED;
}

static void finish(runtime *rt, int status)
{
    if (rt->metrics && ev_metrics_flush(rt->metrics) != 0)
        ev_log_warning(rt->log, "metrics not written", EV_LOG_STR("reason", ev_metrics_error(rt->metrics)));
    ev_log_at(rt->log, status == EV_RUNTIME_EXIT_OK ? EV_LOG_INFO : EV_LOG_ERROR, "runtime stopping",
              EV_LOG_STR("reason", rt->stop_reason ? rt->stop_reason : "unknown"),
              EV_LOG_INT("exit_status", status), EV_LOG_INT("invocations", (int64_t)rt->invocations));
    if (rt->own_metrics)
        ev_metrics_free(rt->metrics);
    ev_runtime_api_free(rt->api);
    ev_arena_free(&rt->arena);
    ev_shutdown_uninstall();
}

int ev_runtime_main(const ev_runtime_config *cfg, ev_init_fn init, ev_handler_fn handler, void *app)
{
    runtime rt;
    ev_runtime_error err;
    ev_runtime_error_clear(&err);
    resolve_config(&rt, cfg);
    int started = start(&rt, &err);
    int status;
    if (started != 0) {
        status = fail_init(&rt, &err, started == -2);
    } else if (handler == NULL) {
        ev_runtime_error_set(&err, EV_RUNTIME_ERR_CONFIG, "ev_runtime_main was given no handler function");
        status = fail_init(&rt, &err, true);
    } else if (init && init(app, rt.log, &err) != 0) {
        status = fail_init(&rt, &err, true);
    } else {
        status = run_loop(&rt, handler, app);
    }
    finish(&rt, status);
    return status;
}
