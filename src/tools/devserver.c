/*
 * devserver: the local stack. Reads template.yaml, creates its queues and
 * table on the local emulators, runs the functions' bootstraps behind a
 * Lambda Runtime API emulator, serves the API on 127.0.0.1:3000 and, for
 * SQS event sources, polls the queue and invokes the consumer.
 * docs/devserver.md describes every flag; `devserver --help` lists them.
 *
 * Exit: 0 after SIGINT/SIGTERM (functions stopped by PID, ports closed);
 * 2 for a usage, template or port error (the message names it); 1 when
 * the stack cannot be created or started.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aws/ev_aws_client.h"
#include "devserver/ev_activity.h"
#include "devserver/ev_dashboard.h"
#include "devserver/ev_esm.h"
#include "devserver/ev_front.h"
#include "devserver/ev_lambda_emu.h"
#include "devserver/ev_stack.h"
#include "devserver/ev_template.h"

#define MAX_OVERRIDES  64
#define MAX_BOOTSTRAPS 16
#define MAX_ROUTES     64
#define FAKE_KEY       "test"
#define FAKE_SECRET    "test"

typedef struct options {
    const char *template_path, *host, *dashboard_dir, *sqs_endpoint, *ddb_endpoint, *region, *stack;
    int port, dashboard_port, max_instances;
    const char *overrides[MAX_OVERRIDES];
    size_t override_count;
    const char *bootstrap_ids[MAX_BOOTSTRAPS], *bootstrap_paths[MAX_BOOTSTRAPS];
    size_t bootstrap_count;
} options;

static void usage(FILE *out)
{
    fputs(
        "usage: devserver [options]\n"
        "  --template PATH              template.yaml (default: template.yaml)\n"
        "  --parameter-overrides K=V..  template parameters (repeatable; also "
        "ParameterKey=K,ParameterValue=V)\n"
        "  --host 127.0.0.1             loopback address to listen on (nothing else is accepted)\n"
        "  --port N                     API port (default 3000; 0: any free port)\n"
        "  --dashboard-port N           dashboard port (default 3001; 0: any free port)\n"
        "  --dashboard-dir DIR          dashboard files (default dashboard/)\n"
        "  --sqs-endpoint URL           SQS endpoint (default $AWS_ENDPOINT_URL_SQS, $AWS_ENDPOINT_URL)\n"
        "  --dynamodb-endpoint URL      DynamoDB endpoint (default $AWS_ENDPOINT_URL_DYNAMODB, "
        "$AWS_ENDPOINT_URL)\n"
        "  --region R                   region (default $AWS_REGION, us-east-1)\n"
        "  --stack-name NAME            prefix of resource names (default evpipe)\n"
        "  --ingestion-bootstrap PATH   IngestionFunction's program (default build/bin/ingestion-bootstrap)\n"
        "  --processing-bootstrap PATH  ProcessingFunction's program (default "
        "build/bin/processing-bootstrap)\n"
        "  --bootstrap ID=PATH          any function's program, by logical id (repeatable)\n"
        "  --max-instances N            instances per function without reserved or maximum concurrency "
        "(default 4)\n",
        out);
}

static int parse_int(const char *flag, const char *s, int lo, int hi, int *out)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || *s == '\0' || *end != '\0' || v < lo || v > hi) {
        fprintf(stderr, "devserver: %s %s: expected an integer from %d to %d\n", flag, s, lo, hi);
        return -1;
    }
    *out = (int)v;
    return 0;
}

static int add_bootstrap(options *o, const char *id, const char *path)
{
    if (o->bootstrap_count == MAX_BOOTSTRAPS) {
        fprintf(stderr, "devserver: more than %d bootstraps\n", MAX_BOOTSTRAPS);
        return -1;
    }
    o->bootstrap_ids[o->bootstrap_count] = id;
    o->bootstrap_paths[o->bootstrap_count++] = path;
    return 0;
}

/* One flag with its value; returns the number of argv items used, or -1. */
static int parse_flag(options *o, int argc, char **argv, int i)
{
    const char *f = argv[i];
    if (i + 1 >= argc) {
        fprintf(stderr, "devserver: %s needs a value\n", f);
        return -1;
    }
    const char *v = argv[i + 1];
    if (strcmp(f, "--template") == 0)
        o->template_path = v;
    else if (strcmp(f, "--host") == 0)
        o->host = v;
    else if (strcmp(f, "--port") == 0)
        return parse_int(f, v, 0, 65535, &o->port) ? -1 : 2;
    else if (strcmp(f, "--dashboard-port") == 0)
        return parse_int(f, v, 0, 65535, &o->dashboard_port) ? -1 : 2;
    else if (strcmp(f, "--max-instances") == 0)
        return parse_int(f, v, 1, 64, &o->max_instances) ? -1 : 2;
    else if (strcmp(f, "--dashboard-dir") == 0)
        o->dashboard_dir = v;
    else if (strcmp(f, "--sqs-endpoint") == 0)
        o->sqs_endpoint = v;
    else if (strcmp(f, "--dynamodb-endpoint") == 0)
        o->ddb_endpoint = v;
    else if (strcmp(f, "--region") == 0)
        o->region = v;
    else if (strcmp(f, "--stack-name") == 0)
        o->stack = v;
    else if (strcmp(f, "--ingestion-bootstrap") == 0)
        return add_bootstrap(o, "IngestionFunction", v) ? -1 : 2;
    else if (strcmp(f, "--processing-bootstrap") == 0)
        return add_bootstrap(o, "ProcessingFunction", v) ? -1 : 2;
    else if (strcmp(f, "--bootstrap") == 0) {
        char *eq = strchr(argv[i + 1], '=');
        if (eq == NULL || eq == argv[i + 1]) {
            fprintf(stderr, "devserver: --bootstrap %s: expected LogicalId=PATH\n", v);
            return -1;
        }
        *eq = '\0';
        return add_bootstrap(o, argv[i + 1], eq + 1) ? -1 : 2;
    } else if (strcmp(f, "--parameter-overrides") == 0) {
        /* Values until the next flag, like sam's. */
        int used = 1;
        for (int k = i + 1; k < argc && strncmp(argv[k], "--", 2) != 0; k++, used++) {
            if (o->override_count == MAX_OVERRIDES) {
                fprintf(stderr, "devserver: more than %d parameter overrides\n", MAX_OVERRIDES);
                return -1;
            }
            o->overrides[o->override_count++] = argv[k];
        }
        return used;
    } else {
        fprintf(stderr, "devserver: unknown option %s (devserver --help lists them)\n", f);
        return -1;
    }
    return 2;
}

static int parse_args(int argc, char **argv, options *o)
{
    *o = (options){.template_path = "template.yaml",
                   .host = "127.0.0.1",
                   .dashboard_dir = "dashboard",
                   .port = 3000,
                   .dashboard_port = 3001,
                   .max_instances = 4,
                   .stack = "evpipe"};
    for (int i = 1; i < argc;) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            exit(0);
        }
        int used = parse_flag(o, argc, argv, i);
        if (used < 0)
            return -1;
        i += used;
    }
    unsigned char addr[4];
    if (inet_pton(AF_INET, o->host, addr) != 1 || addr[0] != 127) {
        fprintf(stderr, "devserver: --host %s: devserver listens on a loopback address only (127.0.0.1)\n",
                o->host);
        return -1;
    }
    if (o->region == NULL)
        o->region = getenv("AWS_REGION") && *getenv("AWS_REGION") ? getenv("AWS_REGION") : "us-east-1";
    if (o->sqs_endpoint == NULL)
        o->sqs_endpoint =
            getenv("AWS_ENDPOINT_URL_SQS") ? getenv("AWS_ENDPOINT_URL_SQS") : getenv("AWS_ENDPOINT_URL");
    if (o->ddb_endpoint == NULL)
        o->ddb_endpoint = getenv("AWS_ENDPOINT_URL_DYNAMODB") ? getenv("AWS_ENDPOINT_URL_DYNAMODB")
                                                              : getenv("AWS_ENDPOINT_URL");
    return 0;
}

/* ---- the pieces ---- */

typedef struct stack {
    options opt;
    ev_template *tpl;
    ev_activity *act;
    ev_aws_client *sqs, *ddb;
    ev_credentials creds;
    ev_emu *emu;
    int fn_emu[EV_TPL_MAX_FUNCTIONS]; /* template function -> emulator index */
    ev_front *front;
    ev_dashboard *dashboard;
    ev_esm *esms[EV_TPL_MAX_FUNCTIONS * EV_TPL_MAX_SQS_EVENTS];
    size_t esm_count;
} stack;

static ev_aws_client *aws_client(stack *s, ev_endpoint_service svc, const char *endpoint, ev_ds_error *err)
{
    ev_aws_error aerr;
    ev_aws_error_clear(&aerr);
    ev_aws_client_config cfg = {
        .service = svc, .region = s->opt.region, .endpoint_url = endpoint, .credentials = &s->creds};
    ev_aws_client *c = ev_aws_client_new(&cfg, &aerr);
    if (c == NULL) {
        char msg[600];
        ev_ds_fail(err, "%s client: %s", svc == EV_ENDPOINT_SQS ? "SQS" : "DynamoDB",
                   ev_aws_error_format(&aerr, msg, sizeof msg));
    }
    return c;
}

/* The program of a function: a flag, CodeUri/Handler when CodeUri is a
 * build directory, else build/bin/<name without "Function", lower case>-bootstrap. */
static int bootstrap_path(const stack *s, const ev_tpl_function *f, char *out, size_t len, ev_ds_error *err)
{
    const char *chosen = NULL;
    for (size_t i = 0; i < s->opt.bootstrap_count; i++)
        if (strcmp(s->opt.bootstrap_ids[i], f->logical_id) == 0)
            chosen = s->opt.bootstrap_paths[i];
    char guess[PATH_MAX];
    if (chosen == NULL && f->code_uri != NULL && strcmp(f->code_uri, ".") != 0) {
        snprintf(guess, sizeof guess, "%s/%s", f->code_uri, f->handler ? f->handler : "bootstrap");
        if (access(guess, X_OK) == 0)
            chosen = guess;
    }
    if (chosen == NULL) {
        char base[128];
        snprintf(base, sizeof base, "%s", f->logical_id);
        char *suffix = strstr(base, "Function");
        if (suffix != NULL && suffix[8] == '\0' && suffix != base)
            *suffix = '\0';
        for (char *c = base; *c; c++)
            if (*c >= 'A' && *c <= 'Z')
                *c = (char)(*c - 'A' + 'a');
        snprintf(guess, sizeof guess, "build/bin/%s-bootstrap", base);
        chosen = guess;
    }
    if (realpath(chosen, out) == NULL || access(out, X_OK) != 0)
        return ev_ds_fail(err,
                          "%s: bootstrap %s is not an executable file (build it with `make build`, or pass "
                          "--bootstrap %s=PATH)",
                          f->logical_id, chosen, f->logical_id);
    (void)len;
    return 0;
}

/* The instance limit of a function: reserved concurrency, else the SQS
 * event's MaximumConcurrency, else --max-instances. */
static int instance_limit(const stack *s, const ev_tpl_function *f)
{
    int n = s->opt.max_instances;
    for (size_t i = 0; i < f->sqs_event_count; i++)
        if (f->sqs_events[i].max_concurrency > 0)
            n = f->sqs_events[i].max_concurrency;
    if (f->reserved_concurrency > 0 && f->reserved_concurrency < n)
        n = f->reserved_concurrency;
    return n > 64 ? 64 : n;
}

/* NAME=value strings the bootstrap runs with. */
static int function_env(stack *s, size_t fi, const char *bootstrap, char ***out, size_t *count,
                        ev_ds_error *err)
{
    const ev_tpl_function *f = ev_template_function(s->tpl, fi);
    ev_tpl_env *env = NULL;
    size_t n = 0;
    if (ev_template_function_env(s->tpl, fi, &env, &n, err) != 0)
        return -1;
    char **v = calloc(n + 28, sizeof *v);
    size_t k = 0;
    if (v == NULL) {
        ev_template_env_free(env, n);
        return ev_ds_fail(err, "out of memory");
    }
    for (size_t i = 0; i < n; i++)
        if (asprintf(&v[k], "%s=%s", env[i].name, env[i].value) >= 0)
            k++;
    ev_template_env_free(env, n);
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", bootstrap);
    char *slash = strrchr(dir, '/');
    if (slash != NULL)
        *slash = '\0';
    const char *path = getenv("PATH") ? getenv("PATH") : "/usr/local/bin:/usr/bin:/bin";
#define ADD(...)                                                                                             \
    do {                                                                                                     \
        if (asprintf(&v[k], __VA_ARGS__) >= 0)                                                               \
            k++;                                                                                             \
    } while (0)
    ADD("AWS_REGION=%s", s->opt.region);
    ADD("AWS_DEFAULT_REGION=%s", s->opt.region);
    ADD("AWS_ACCESS_KEY_ID=%s", FAKE_KEY);
    ADD("AWS_SECRET_ACCESS_KEY=%s", FAKE_SECRET);
    ADD("AWS_SESSION_TOKEN=%s", "devserver-local-session");
    if (s->opt.sqs_endpoint)
        ADD("AWS_ENDPOINT_URL_SQS=%s", s->opt.sqs_endpoint);
    if (s->opt.ddb_endpoint)
        ADD("AWS_ENDPOINT_URL_DYNAMODB=%s", s->opt.ddb_endpoint);
    ADD("AWS_LAMBDA_FUNCTION_NAME=%s", f->name);
    ADD("AWS_LAMBDA_FUNCTION_MEMORY_SIZE=%d", f->memory_mb);
    ADD("AWS_LAMBDA_FUNCTION_VERSION=%s", "$LATEST");
    ADD("AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/%s", f->name);
    ADD("AWS_LAMBDA_LOG_STREAM_NAME=%s", "local");
    ADD("AWS_EXECUTION_ENV=%s", "AWS_Lambda_provided.al2023");
    ADD("_HANDLER=%s", f->handler ? f->handler : "bootstrap");
    ADD("LAMBDA_TASK_ROOT=%s", dir);
    ADD("LAMBDA_RUNTIME_DIR=%s", dir);
    ADD("TZ=%s", ":UTC");
    ADD("LANG=%s", "en_US.UTF-8");
    ADD("PATH=%s", path);
    /* A sanitized build's options reach its function processes, so their
     * reports land where the test run looks for them (make sanitize). */
    static const char *const sanitizer_vars[] = {"ASAN_OPTIONS", "LSAN_OPTIONS", "UBSAN_OPTIONS",
                                                 "TSAN_OPTIONS"};
    for (size_t i = 0; i < sizeof sanitizer_vars / sizeof sanitizer_vars[0]; i++)
        if (getenv(sanitizer_vars[i]) != NULL)
            ADD("%s=%s", sanitizer_vars[i], getenv(sanitizer_vars[i]));
#undef ADD
    *out = v;
    *count = k;
    return 0;
}

static void free_env(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static int start_functions(stack *s, ev_ds_error *err)
{
    s->emu = ev_emu_new(s->act, err);
    if (s->emu == NULL)
        return -1;
    for (size_t i = 0; i < ev_template_function_count(s->tpl); i++) {
        const ev_tpl_function *f = ev_template_function(s->tpl, i);
        char path[PATH_MAX];
        char **env = NULL;
        size_t n = 0;
        if (bootstrap_path(s, f, path, sizeof path, err) != 0 || function_env(s, i, path, &env, &n, err) != 0)
            return -1;
        ev_emu_function_config cfg = {.logical_id = f->logical_id,
                                      .name = f->name,
                                      .arn = ev_template_resource_arn(s->tpl, f->logical_id),
                                      .bootstrap = path,
                                      .env = (const char *const *)env,
                                      .env_count = n,
                                      .timeout_s = f->timeout_s,
                                      .max_instances = instance_limit(s, f)};
        s->fn_emu[i] = ev_emu_add_function(s->emu, &cfg, err);
        free_env(env, n);
        if (s->fn_emu[i] < 0)
            return -1;
    }
    return 0;
}

static int start_front(stack *s, ev_ds_error *err)
{
    ev_front_route routes[MAX_ROUTES];
    size_t n = 0;
    const ev_tpl_api *api = ev_template_api_count(s->tpl) > 0 ? ev_template_api(s->tpl, 0) : NULL;
    for (size_t i = 0; i < ev_template_function_count(s->tpl); i++) {
        const ev_tpl_function *f = ev_template_function(s->tpl, i);
        for (size_t k = 0; k < f->api_event_count && n < MAX_ROUTES; k++)
            routes[n++] = (ev_front_route){f->api_events[k].path, f->api_events[k].method, s->fn_emu[i]};
    }
    ev_front_config cfg = {.host = s->opt.host,
                           .port = s->opt.port,
                           .stage = api ? api->stage : "Prod",
                           .rate_limit = api ? api->rate_limit : -1,
                           .burst_limit = api ? api->burst_limit : -1,
                           .api_id = "local",
                           .account_id = "123456789012",
                           .routes = routes,
                           .route_count = n,
                           .emu = s->emu,
                           .activity = s->act,
                           .gateway_responses = api ? api->responses : NULL,
                           .gateway_response_count = api ? api->response_count : 0};
    s->front = ev_front_start(&cfg, err);
    return s->front ? 0 : -1;
}

/* One event source mapping per enabled SQS event of a function. */
static int start_esms(stack *s, ev_ds_error *err)
{
    for (size_t i = 0; i < ev_template_function_count(s->tpl); i++) {
        const ev_tpl_function *f = ev_template_function(s->tpl, i);
        for (size_t k = 0; k < f->sqs_event_count; k++) {
            const ev_tpl_sqs_event *e = &f->sqs_events[k];
            if (!e->enabled)
                continue;
            const char *q = ev_template_queue(s->tpl, (size_t)e->queue)->logical_id;
            int pollers = e->max_concurrency > 0 ? e->max_concurrency : 2;
            if (pollers > instance_limit(s, f))
                pollers = instance_limit(s, f);
            ev_esm_config cfg = {.function_id = f->logical_id,
                                 .function = s->fn_emu[i],
                                 .queue_url = ev_template_resource_ref(s->tpl, q),
                                 .queue_arn = ev_template_resource_arn(s->tpl, q),
                                 .region = s->opt.region,
                                 .endpoint_url = s->opt.sqs_endpoint,
                                 .credentials = &s->creds,
                                 .batch_size = e->batch_size,
                                 .batching_window_s = e->batching_window_s,
                                 .pollers = pollers,
                                 .report_batch_item_failures = e->report_batch_item_failures,
                                 .emu = s->emu,
                                 .activity = s->act};
            ev_esm *m = ev_esm_start(&cfg, err);
            if (m == NULL)
                return -1;
            s->esms[s->esm_count++] = m;
        }
    }
    return 0;
}

/* The dashboard shows the queue a mapping reads (else the first), its
 * dead-letter queue and the first table. */
static int start_dashboard(stack *s, ev_ds_error *err)
{
    int q = ev_template_queue_count(s->tpl) > 0 ? 0 : -1;
    for (size_t i = 0; i < ev_template_function_count(s->tpl); i++) {
        const ev_tpl_function *f = ev_template_function(s->tpl, i);
        if (f->sqs_event_count > 0) {
            q = f->sqs_events[0].queue;
            break;
        }
    }
    const ev_tpl_queue *eq = q >= 0 ? ev_template_queue(s->tpl, (size_t)q) : NULL;
    const ev_tpl_queue *dq = eq && eq->dlq >= 0 ? ev_template_queue(s->tpl, (size_t)eq->dlq) : NULL;
    ev_dashboard_config cfg = {
        .host = s->opt.host,
        .port = s->opt.dashboard_port,
        .dir = s->opt.dashboard_dir,
        .region = s->opt.region,
        .sqs_endpoint = s->opt.sqs_endpoint,
        .ddb_endpoint = s->opt.ddb_endpoint,
        .credentials = &s->creds,
        .events_queue_url = eq ? ev_template_resource_ref(s->tpl, eq->logical_id) : NULL,
        .dlq_url = dq ? ev_template_resource_ref(s->tpl, dq->logical_id) : NULL,
        .table = ev_template_table_count(s->tpl) > 0 ? ev_template_table(s->tpl, 0)->name : NULL,
        .emu = s->emu,
        .activity = s->act};
    s->dashboard = ev_dashboard_start(&cfg, err);
    return s->dashboard ? 0 : -1;
}

/* Functions first: stopping them ends every invocation in flight (the API's
 * connections answer 502, the pollers' batches stay in the queue), so no
 * server waits on a function while it stops. */
static void stop_all(stack *s)
{
    for (size_t i = 0; i < s->esm_count; i++)
        ev_esm_request_stop(s->esms[i]);
    if (s->emu != NULL)
        ev_emu_stop(s->emu);
    if (s->dashboard != NULL)
        ev_dashboard_stop(s->dashboard);
    s->dashboard = NULL;
    if (s->front != NULL)
        ev_front_stop(s->front);
    s->front = NULL;
    for (size_t i = 0; i < s->esm_count; i++)
        ev_esm_free(s->esms[i]);
    s->esm_count = 0;
    if (s->emu != NULL)
        ev_emu_free(s->emu);
    s->emu = NULL;
    ev_aws_client_free(s->sqs);
    ev_aws_client_free(s->ddb);
    ev_credentials_free(&s->creds);
    ev_template_free(s->tpl);
}

static int fail(stack *s, int code, const char *what, const ev_ds_error *err)
{
    fprintf(stderr, "devserver: %s: %s\n", what, err->message);
    ev_activity_note(s->act, "ERROR", what, NULL);
    stop_all(s);
    ev_activity_free(s->act);
    return code;
}

int main(int argc, char **argv)
{
    static stack s;
    if (parse_args(argc, argv, &s.opt) != 0)
        return 2;
    /* Signals are taken by sigwait below; every thread starts with them blocked. */
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
    signal(SIGPIPE, SIG_IGN);

    s.act = ev_activity_new(stdout);
    ev_ds_error err = {{0}};
    ev_template_options topt = {.stack_name = s.opt.stack,
                                .region = s.opt.region,
                                .overrides = s.opt.overrides,
                                .override_count = s.opt.override_count};
    s.tpl = ev_template_load_file(s.opt.template_path, &topt, &err);
    if (s.tpl == NULL)
        return fail(&s, 2, "template", &err);
    ev_credentials_error cerr;
    if (ev_credentials_set(&s.creds, FAKE_KEY, FAKE_SECRET, NULL, &cerr) != 0)
        return fail(&s, 1, "credentials", &(ev_ds_error){{0}});
    if (ev_template_queue_count(s.tpl) > 0 &&
        ((s.sqs = aws_client(&s, EV_ENDPOINT_SQS, s.opt.sqs_endpoint, &err)) == NULL ||
         ev_stack_create_queues(s.tpl, s.sqs, s.act, &err) != 0))
        return fail(&s, 1, "queues", &err);
    if (ev_template_table_count(s.tpl) > 0 &&
        ((s.ddb = aws_client(&s, EV_ENDPOINT_DYNAMODB, s.opt.ddb_endpoint, &err)) == NULL ||
         ev_stack_create_tables(s.tpl, s.ddb, s.act, &err) != 0))
        return fail(&s, 1, "tables", &err);
    /* Ports before processes, so a port in use leaves nothing half-started. */
    if (start_functions(&s, &err) != 0)
        return fail(&s, strstr(err.message, "bootstrap") ? 2 : 1, "functions", &err);
    if (start_front(&s, &err) != 0)
        return fail(&s, strstr(err.message, "in use") || strstr(err.message, "--host") ? 2 : 1, "api", &err);
    if (start_dashboard(&s, &err) != 0)
        return fail(&s, strstr(err.message, "in use") ? 2 : 1, "dashboard", &err);
    if (ev_emu_start(s.emu, &err) != 0)
        return fail(&s, 1, "functions", &err);
    if (start_esms(&s, &err) != 0)
        return fail(&s, 1, "event source mappings", &err);

    char extra[256];
    snprintf(extra, sizeof extra,
             "\"api\":\"http://%s:%d\",\"api_port\":%d,\"dashboard\":\"http://%s:%d\",\"dashboard_port\":%d",
             s.opt.host, ev_front_port(s.front), ev_front_port(s.front), s.opt.host,
             ev_dashboard_port(s.dashboard), ev_dashboard_port(s.dashboard));
    ev_activity_note(s.act, "INFO", "devserver ready", extra);

    int sig = 0;
    sigwait(&stop_signals, &sig);
    snprintf(extra, sizeof extra, "\"signal\":%d", sig);
    ev_activity_note(s.act, "INFO", "devserver stopping", extra);
    stop_all(&s);
    ev_activity_note(s.act, "INFO", "devserver stopped", NULL);
    ev_activity_free(s.act);
    return 0;
}
