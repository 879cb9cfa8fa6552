/* ev_esm: SQS event source mapping pollers (see ev_esm.h). */
#include "devserver/ev_esm.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws/ev_sqs.h"
#include "devserver/ev_sqs_event.h"

#define MAX_POLLERS   64
#define MAX_BATCH     10000
#define POLL_WAIT_S   1
#define RETRY_WAIT_MS 1000

typedef struct poller {
    struct ev_esm *esm;
    int index;
    pthread_t thread;
    bool started;
} poller;

struct ev_esm {
    char *function_id, *queue_url, *queue_arn, *region, *endpoint;
    ev_credentials creds;
    int function, batch_size, window_s, count;
    bool report;
    ev_emu *emu;
    ev_activity *act;
    atomic_bool stop;
    poller pollers[MAX_POLLERS];
};

/* The messages of one batch, over several receives. */
typedef struct batch {
    ev_sqs_messages receives[MAX_BATCH / 10 + 1];
    size_t receive_count;
    const ev_sqs_message *msgs[MAX_BATCH];
    size_t count;
} batch;

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int64_t ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void note_aws(ev_esm *m, const char *level, const char *what, const ev_aws_error *aerr)
{
    char msg[700], extra[1200];
    ev_aws_error_format(aerr, msg, sizeof msg);
    ev_buf b = EV_BUF_INIT;
    ev_buf_append_json_text(&b, msg, strlen(msg), 600);
    snprintf(extra, sizeof extra, "\"function\":\"%s\",\"queue\":\"%.300s\",\"error\":%s", m->function_id,
             m->queue_url, b.data ? b.data : "\"\"");
    ev_buf_free(&b);
    ev_activity_note(m->act, level, what, extra);
}

/* One ReceiveMessage into the batch; 0 or -1. */
static int receive(ev_esm *m, ev_aws_client *c, batch *b, int max, int wait_s)
{
    static const char *const all[] = {"All"};
    ev_sqs_receive_input in = {.queue_url = m->queue_url,
                               .max_messages = max > 10 ? 10 : max,
                               .wait_time_seconds = wait_s,
                               .visibility_timeout = -1,
                               .attribute_names = all,
                               .attribute_name_count = 1,
                               .message_attribute_names = all,
                               .message_attribute_name_count = 1};
    ev_sqs_messages *r = &b->receives[b->receive_count];
    *r = (ev_sqs_messages)EV_SQS_MESSAGES_INIT;
    ev_aws_error aerr;
    ev_aws_error_clear(&aerr);
    if (ev_sqs_receive_message(c, &in, r, &aerr) != 0) {
        note_aws(m, "WARNING", "event source mapping: ReceiveMessage failed; retrying", &aerr);
        return -1;
    }
    b->receive_count++;
    for (size_t i = 0; i < r->count && b->count < MAX_BATCH; i++)
        b->msgs[b->count++] = &r->items[i];
    return 0;
}

static void batch_free(batch *b)
{
    for (size_t i = 0; i < b->receive_count; i++)
        ev_sqs_messages_free(&b->receives[i]);
    b->receive_count = 0;
    b->count = 0;
}

/* Receives until BatchSize or the batching window; 0 with b->count >= 0. */
static int fill_batch(ev_esm *m, ev_aws_client *c, batch *b)
{
    if (receive(m, c, b, m->batch_size, POLL_WAIT_S) != 0)
        return -1;
    if (b->count == 0)
        return 0;
    int64_t until = mono_ms() + (int64_t)m->window_s * 1000;
    while ((int)b->count < m->batch_size && !atomic_load(&m->stop) &&
           b->receive_count < sizeof b->receives / sizeof b->receives[0]) {
        int64_t left = until - mono_ms();
        if (left <= 0)
            break;
        int wait_s = (int)((left + 999) / 1000);
        if (receive(m, c, b, m->batch_size - (int)b->count, wait_s > 20 ? 20 : wait_s) != 0)
            break;
    }
    return 0;
}

/* Deletes the messages not failed, ten at a time. */
static void delete_done(ev_esm *m, ev_aws_client *c, const batch *b, const bool *failed)
{
    const char *handles[10];
    size_t n = 0;
    for (size_t i = 0; i <= b->count; i++) {
        if (i < b->count && !failed[i])
            handles[n++] = b->msgs[i]->receipt_handle;
        if (n == 10 || (i == b->count && n > 0)) {
            ev_sqs_batch_entry results[10];
            ev_aws_error aerr;
            ev_aws_error_clear(&aerr);
            if (ev_sqs_delete_message_batch(c, m->queue_url, handles, n, results, &aerr) != 0)
                note_aws(
                    m, "WARNING",
                    "event source mapping: DeleteMessageBatch failed (the messages will be delivered again)",
                    &aerr);
            n = 0;
        }
    }
}

static void run_batch(ev_esm *m, ev_aws_client *c, batch *b)
{
    ev_buf event = EV_BUF_INIT;
    ev_ds_error err;
    bool *failed = calloc(b->count, sizeof *failed);
    if (failed == NULL || ev_sqs_event_build(b->msgs, b->count, m->queue_arn, m->region, &event, &err) != 0) {
        ev_activity_note(m->act, "ERROR", "event source mapping: cannot build the SQS event", NULL);
        free(failed);
        ev_buf_free(&event);
        return;
    }
    const char *trace = ev_sqs_message_system_attribute(b->msgs[0], "AWSTraceHeader");
    ev_emu_result res;
    ev_emu_result_init(&res);
    int rc = ev_emu_invoke(m->emu, m->function, event.data, event.len, trace, &res);
    if (rc == 0 && ev_sqs_event_failures(res.body.data ? res.body.data : "", res.body.len, m->report, b->msgs,
                                         b->count, failed, &err) != 0) {
        char extra[900];
        snprintf(extra, sizeof extra, "\"function\":\"%s\",\"request_id\":\"%s\",\"error\":\"%.600s\"",
                 m->function_id, res.request_id, err.message);
        ev_activity_note(m->act, "WARNING", "event source mapping: batch response not understood", extra);
    }
    if (rc == 0)
        delete_done(m, c, b, failed);
    ev_emu_result_free(&res);
    free(failed);
    ev_buf_free(&event);
}

static void *poller_main(void *arg)
{
    poller *p = arg;
    ev_esm *m = p->esm;
    ev_aws_error aerr;
    ev_aws_error_clear(&aerr);
    ev_aws_client_config cfg = {.service = EV_ENDPOINT_SQS,
                                .region = m->region,
                                .endpoint_url = m->endpoint,
                                .credentials = &m->creds};
    ev_aws_client *c = ev_aws_client_new(&cfg, &aerr);
    if (c == NULL) {
        note_aws(m, "ERROR", "event source mapping: no SQS client; this poller stops", &aerr);
        return NULL;
    }
    batch *b = calloc(1, sizeof *b);
    while (b != NULL && !atomic_load(&m->stop)) {
        if (fill_batch(m, c, b) != 0) {
            batch_free(b);
            sleep_ms(RETRY_WAIT_MS);
            continue;
        }
        if (b->count > 0)
            run_batch(m, c, b);
        batch_free(b);
    }
    free(b);
    ev_aws_client_free(c);
    return NULL;
}

ev_esm *ev_esm_start(const ev_esm_config *cfg, ev_ds_error *err)
{
    ev_esm *m = calloc(1, sizeof *m);
    if (m == NULL) {
        ev_ds_fail(err, "out of memory");
        return NULL;
    }
    atomic_init(&m->stop, false);
    m->function_id = strdup(cfg->function_id);
    m->queue_url = strdup(cfg->queue_url);
    m->queue_arn = strdup(cfg->queue_arn);
    m->region = strdup(cfg->region);
    m->endpoint = cfg->endpoint_url ? strdup(cfg->endpoint_url) : NULL;
    m->function = cfg->function;
    m->batch_size = cfg->batch_size > 0 ? (cfg->batch_size > MAX_BATCH ? MAX_BATCH : cfg->batch_size) : 10;
    m->window_s = cfg->batching_window_s;
    m->report = cfg->report_batch_item_failures;
    m->emu = cfg->emu;
    m->act = cfg->activity;
    m->count = cfg->pollers < 1 ? 1 : cfg->pollers > MAX_POLLERS ? MAX_POLLERS : cfg->pollers;
    ev_credentials_error cerr;
    if (!m->function_id || !m->queue_url || !m->queue_arn || !m->region ||
        (cfg->endpoint_url && !m->endpoint) ||
        ev_credentials_set(&m->creds, cfg->credentials->access_key_id, cfg->credentials->secret_access_key,
                           cfg->credentials->session_token, &cerr) != 0) {
        ev_ds_fail(err, "event source mapping of %s: out of memory", cfg->function_id);
        ev_esm_free(m);
        return NULL;
    }
    for (int i = 0; i < m->count; i++) {
        m->pollers[i] = (poller){.esm = m, .index = i};
        if (pthread_create(&m->pollers[i].thread, NULL, poller_main, &m->pollers[i]) != 0) {
            ev_ds_fail(err, "event source mapping of %s: cannot start a poller thread", cfg->function_id);
            ev_esm_free(m);
            return NULL;
        }
        m->pollers[i].started = true;
    }
    char extra[800];
    snprintf(
        extra, sizeof extra,
        "\"function\":\"%s\",\"queue\":\"%.400s\",\"batch_size\":%d,\"batching_window_s\":%d,\"pollers\":%d,"
        "\"report_batch_item_failures\":%s",
        m->function_id, m->queue_url, m->batch_size, m->window_s, m->count, m->report ? "true" : "false");
    ev_activity_note(m->act, "INFO", "event source mapping started", extra);
    return m;
}

void ev_esm_request_stop(ev_esm *m)
{
    if (m != NULL)
        atomic_store(&m->stop, true);
}

void ev_esm_free(ev_esm *m)
{
    if (m == NULL)
        return;
    atomic_store(&m->stop, true);
    for (int i = 0; i < m->count; i++)
        if (m->pollers[i].started)
            pthread_join(m->pollers[i].thread, NULL);
    ev_credentials_free(&m->creds);
    free(m->function_id);
    free(m->queue_url);
    free(m->queue_arn);
    free(m->region);
    free(m->endpoint);
    free(m);
}
