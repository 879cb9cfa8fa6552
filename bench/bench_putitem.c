/*
 * bench_putitem: DynamoDB PutItem round trips per second through the evpipe
 * access layer (sign, send over a kept-alive connection, parse).
 *
 * Modes: --concurrency N runs N threads, each with its own long-lived
 * client doing one PutItem at a time (what N Lambda containers or N boto3
 * threads do); --multi runs one client that keeps N PutItems in flight with
 * ev_aws_client_call_many (rounds of N).
 *
 * usage: bench_putitem --endpoint URL --table T [--concurrency N] [--multi]
 *                      [--seconds S] [--label L]
 * Prints one JSON object: {"label","mode","concurrency","requests","errors",
 * "seconds","rps","p50_ms","p99_ms"}.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aws/ev_aws_client.h"
#include "aws/ev_dynamodb.h"
#include "aws/ev_http.h"

#define MAX_THREADS 64
#define MAX_SAMPLES 2000000

typedef struct worker {
    const char *endpoint;
    const char *table;
    int id;
    int batch; /* > 1: call_many rounds of this size */
    double deadline;
    long requests;
    long errors;
    double *lat_ms; /* samples */
    long nlat;
    long cap;
    char first_error[512];
} worker;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The same item bench/putitem/boto3_putitem.py writes. */
static void make_item(char *out, size_t len, int worker_id, long i)
{
    snprintf(out, len,
             "{\"pk\":{\"S\":\"bench-%d-%ld\"},\"sk\":{\"N\":\"%ld\"},\"tenant\":{\"S\":\"acme\"},"
             "\"kind\":{\"S\":\"order.created\"},\"amount\":{\"N\":\"129.95\"},"
             "\"payload\":{\"S\":\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"}}",
             worker_id, i, i);
}

static void record(worker *w, double ms)
{
    if (w->nlat < w->cap)
        w->lat_ms[w->nlat++] = ms;
}

static void *run_worker(void *arg)
{
    worker *w = arg;
    ev_credentials creds = {"bench", "bench", NULL};
    ev_aws_client_config cfg = {.service = EV_ENDPOINT_DYNAMODB,
                                .region = "us-east-1",
                                .endpoint_url = w->endpoint,
                                .credentials = &creds,
                                .http = {.max_in_flight = (size_t)(w->batch > 1 ? w->batch : 1)}};
    ev_aws_error err;
    ev_aws_client *c = ev_aws_client_new(&cfg, &err);
    if (!c) {
        snprintf(w->first_error, sizeof w->first_error, "client: %.400s", err.message);
        w->errors++;
        return NULL;
    }
    char item[512];
    long i = 0;
    if (w->batch <= 1) {
        while (now_s() < w->deadline) {
            make_item(item, sizeof item, w->id, i++);
            ev_dynamodb_item_input in = {.table = w->table, .item_json = item};
            double t0 = now_s();
            int rc = ev_dynamodb_put_item(c, &in, NULL, &err);
            record(w, (now_s() - t0) * 1000.0);
            if (rc == 0) {
                w->requests++;
            } else {
                if (!w->errors)
                    ev_aws_error_format(&err, w->first_error, sizeof w->first_error);
                w->errors++;
            }
        }
    } else {
        ev_aws_call calls[MAX_THREADS];
        ev_buf bodies[MAX_THREADS];
        for (int k = 0; k < w->batch; k++) {
            ev_buf_init(&calls[k].response);
            ev_buf_init(&bodies[k]);
        }
        while (now_s() < w->deadline) {
            for (int k = 0; k < w->batch; k++) {
                make_item(item, sizeof item, w->id * 1000 + k, i++);
                ev_dynamodb_item_input in = {.table = w->table, .item_json = item};
                ev_dynamodb_build_item_request("PutItem", &in, &bodies[k], &err);
                calls[k].operation = "PutItem";
                calls[k].body = bodies[k].data;
                calls[k].body_len = bodies[k].len;
                calls[k].timeout_ms = 0;
            }
            double t0 = now_s();
            ev_aws_client_call_many(c, calls, (size_t)w->batch, &err);
            double ms = (now_s() - t0) * 1000.0;
            for (int k = 0; k < w->batch; k++) {
                record(w, ms);
                if (calls[k].status == 0) {
                    w->requests++;
                } else {
                    if (!w->errors)
                        ev_aws_error_format(&calls[k].error, w->first_error, sizeof w->first_error);
                    w->errors++;
                }
            }
        }
        for (int k = 0; k < w->batch; k++) {
            ev_buf_free(&calls[k].response);
            ev_buf_free(&bodies[k]);
        }
    }
    ev_aws_client_free(c);
    return NULL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    const char *endpoint = NULL, *table = NULL, *label = "evpipe";
    int concurrency = 1;
    int multi = 0;
    double seconds = 5.0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--endpoint") && i + 1 < argc)
            endpoint = argv[++i];
        else if (!strcmp(argv[i], "--table") && i + 1 < argc)
            table = argv[++i];
        else if (!strcmp(argv[i], "--concurrency") && i + 1 < argc)
            concurrency = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--seconds") && i + 1 < argc)
            seconds = atof(argv[++i]);
        else if (!strcmp(argv[i], "--label") && i + 1 < argc)
            label = argv[++i];
        else if (!strcmp(argv[i], "--multi"))
            multi = 1;
        else {
            fprintf(stderr, "usage: %s --endpoint URL --table T [--concurrency N] [--multi] [--seconds S]\n",
                    argv[0]);
            return 2;
        }
    }
    if (!endpoint || !table || concurrency < 1 || concurrency > MAX_THREADS || seconds <= 0) {
        fprintf(stderr, "bench_putitem: --endpoint and --table required; 1 <= concurrency <= %d\n",
                MAX_THREADS);
        return 2;
    }
    int nthreads = multi ? 1 : concurrency;
    worker *ws = calloc((size_t)nthreads, sizeof *ws);
    pthread_t th[MAX_THREADS];
    double start = now_s();
    for (int t = 0; t < nthreads; t++) {
        ws[t] = (worker){.endpoint = endpoint,
                         .table = table,
                         .id = t,
                         .batch = multi ? concurrency : 1,
                         .deadline = start + seconds,
                         .cap = MAX_SAMPLES / nthreads};
        ws[t].lat_ms = malloc((size_t)ws[t].cap * sizeof(double));
        pthread_create(&th[t], NULL, run_worker, &ws[t]);
    }
    long requests = 0, errors = 0, n = 0;
    for (int t = 0; t < nthreads; t++) {
        pthread_join(th[t], NULL);
        requests += ws[t].requests;
        errors += ws[t].errors;
        n += ws[t].nlat;
    }
    double elapsed = now_s() - start;
    double *all = malloc((size_t)(n ? n : 1) * sizeof(double));
    long k = 0;
    for (int t = 0; t < nthreads; t++) {
        memcpy(all + k, ws[t].lat_ms, (size_t)ws[t].nlat * sizeof(double));
        k += ws[t].nlat;
    }
    qsort(all, (size_t)n, sizeof(double), cmp_double);
    double p50 = n ? all[n / 2] : 0, p99 = n ? all[(long)((double)n * 0.99)] : 0;
    printf("{\"label\":\"%s\",\"mode\":\"%s\",\"concurrency\":%d,\"requests\":%ld,\"errors\":%ld,\"seconds\":"
           "%.3f,"
           "\"rps\":%.1f,\"p50_ms\":%.3f,\"p99_ms\":%.3f}\n",
           label, multi ? "curl-multi" : "threads", concurrency, requests, errors, elapsed,
           (double)requests / elapsed, p50, p99);
    for (int t = 0; t < nthreads; t++) {
        if (ws[t].errors && ws[t].first_error[0]) {
            fprintf(stderr, "bench_putitem: first error: %s\n", ws[t].first_error);
            break;
        }
    }
    for (int t = 0; t < nthreads; t++)
        free(ws[t].lat_ms);
    free(ws);
    free(all);
    ev_http_global_cleanup();
    return errors ? 1 : 0;
}
