/*
 * bench_e2e_load: the load generator of the end-to-end benchmark
 * (bench/e2e/bench_e2e.py): POSTs events to an HTTP API from N client
 * threads, each over its own kept-alive connection (libcurl easy handle,
 * TCP_NODELAY), one request at a time, all released together.
 *
 * Job: measure the API, not the client. The Python clients it replaces
 * (http.client, one process each) used at least 0.7 ms of CPU per request,
 * on the same 2 cores as the stack; this one about 0.14 ms.
 *
 * usage: bench_e2e_load --url URL --events FILE [--clients N]
 *   FILE: one JSON event a line; client c sends lines c, c+N, c+2N, ...
 * Prints one JSON object: {"sent","cpu_seconds" (its own, user + system),"accepted","refused","errors",
 * "start_monotonic" (CLOCK_MONOTONIC seconds of the release, as Python's
 * time.monotonic), "send_seconds","p50_ms","p99_ms","first_error"}.
 * "accepted" counts 202 answers carrying an eventId; "refused" any other
 * HTTP status; "errors" requests with no HTTP answer.
 * Threads: one per client, nothing shared but the barrier and the counters
 * summed after the joins. Errors: exit 2 on bad usage or unreadable input.
 */
#include <curl/curl.h>
#include <pthread.h>
#include <sys/resource.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_CLIENTS 256

typedef struct client {
    const char *url;
    char **lines;
    size_t *lens;
    size_t count, first, step;
    pthread_barrier_t *go;
    long accepted, refused, errors;
    double *lat_ms;
    size_t nlat;
    char first_error[256];
    char body[4096];
    size_t body_len;
} client;

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
    client *c = arg;
    size_t len = size * n, room = sizeof c->body - 1 - c->body_len;
    size_t take = len < room ? len : room;
    memcpy(c->body + c->body_len, p, take);
    c->body_len += take;
    c->body[c->body_len] = '\0';
    return len;
}

static void *client_main(void *arg)
{
    client *c = arg;
    CURL *e = curl_easy_init();
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    h = curl_slist_append(h, "Expect:");
    c->lat_ms = calloc(c->count / c->step + 1, sizeof *c->lat_ms);
    if (e == NULL || h == NULL || c->lat_ms == NULL) {
        snprintf(c->first_error, sizeof c->first_error, "out of memory");
        pthread_barrier_wait(c->go);
        c->errors = (long)((c->count - c->first + c->step - 1) / c->step);
        goto out;
    }
    curl_easy_setopt(e, CURLOPT_URL, c->url);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, c);
    pthread_barrier_wait(c->go);
    for (size_t i = c->first; i < c->count; i += c->step) {
        c->body_len = 0;
        c->body[0] = '\0';
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, c->lines[i]);
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)c->lens[i]);
        double t0 = mono_s();
        CURLcode rc = curl_easy_perform(e);
        c->lat_ms[c->nlat++] = (mono_s() - t0) * 1000.0;
        long status = 0;
        if (rc == CURLE_OK)
            curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
        if (rc != CURLE_OK) {
            c->errors++;
            if (c->first_error[0] == '\0')
                snprintf(c->first_error, sizeof c->first_error, "%s", curl_easy_strerror(rc));
        } else if (status == 202 && strstr(c->body, "\"eventId\"") != NULL) {
            c->accepted++;
        } else {
            c->refused++;
            if (c->first_error[0] == '\0')
                snprintf(c->first_error, sizeof c->first_error, "HTTP %ld: %.200s", status, c->body);
        }
    }
out:
    curl_slist_free_all(h);
    if (e != NULL)
        curl_easy_cleanup(e);
    return NULL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Reads FILE into lines (the newline replaced by NUL); -1 on error. */
static int read_lines(const char *path, char ***lines, size_t **lens, size_t *count)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    size_t cap = 1024, n = 0;
    char **l = malloc(cap * sizeof *l);
    size_t *ln = malloc(cap * sizeof *ln);
    char *line = NULL;
    size_t lcap = 0;
    ssize_t got;
    while (l != NULL && ln != NULL && (got = getline(&line, &lcap, f)) >= 0) {
        while (got > 0 && (line[got - 1] == '\n' || line[got - 1] == '\r'))
            line[--got] = '\0';
        if (got == 0)
            continue;
        if (n == cap) {
            cap *= 2;
            char **l2 = realloc(l, cap * sizeof *l);
            size_t *ln2 = realloc(ln, cap * sizeof *ln);
            if (l2 != NULL)
                l = l2;
            if (ln2 != NULL)
                ln = ln2;
            if (l2 == NULL || ln2 == NULL)
                break;
        }
        l[n] = strdup(line);
        ln[n] = (size_t)got;
        if (l[n] == NULL)
            break;
        n++;
    }
    free(line);
    fclose(f);
    *lines = l;
    *lens = ln;
    *count = n;
    return l != NULL && ln != NULL ? 0 : -1;
}

int main(int argc, char **argv)
{
    const char *url = NULL, *path = NULL;
    int clients = 8;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--url") == 0)
            url = argv[i + 1];
        else if (strcmp(argv[i], "--events") == 0)
            path = argv[i + 1];
        else if (strcmp(argv[i], "--clients") == 0)
            clients = atoi(argv[i + 1]);
    }
    if (url == NULL || path == NULL || clients < 1 || clients > MAX_CLIENTS) {
        fprintf(stderr, "usage: bench_e2e_load --url URL --events FILE [--clients 1..%d]\n", MAX_CLIENTS);
        return 2;
    }
    char **lines = NULL;
    size_t *lens = NULL, count = 0;
    if (read_lines(path, &lines, &lens, &count) != 0) {
        fprintf(stderr, "bench_e2e_load: cannot read %s\n", path);
        return 2;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    static client cs[MAX_CLIENTS];
    pthread_t th[MAX_CLIENTS];
    pthread_barrier_t go;
    pthread_barrier_init(&go, NULL, (unsigned)clients + 1);
    for (int i = 0; i < clients; i++) {
        cs[i] = (client){.url = url,
                         .lines = lines,
                         .lens = lens,
                         .count = count,
                         .first = (size_t)i,
                         .step = (size_t)clients,
                         .go = &go};
        pthread_create(&th[i], NULL, client_main, &cs[i]);
    }
    pthread_barrier_wait(&go);
    double start = mono_s();
    for (int i = 0; i < clients; i++)
        pthread_join(th[i], NULL);
    double end = mono_s();
    long accepted = 0, refused = 0, errors = 0;
    double *all = malloc((count + 1) * sizeof *all);
    size_t nall = 0;
    const char *first_error = "";
    for (int i = 0; i < clients; i++) {
        accepted += cs[i].accepted;
        refused += cs[i].refused;
        errors += cs[i].errors;
        if (first_error[0] == '\0')
            first_error = cs[i].first_error;
        for (size_t k = 0; all != NULL && k < cs[i].nlat; k++)
            all[nall++] = cs[i].lat_ms[k];
    }
    double p50 = 0, p99 = 0;
    if (all != NULL && nall > 0) {
        qsort(all, nall, sizeof *all, cmp_double);
        p50 = all[(size_t)(0.50 * (double)nall) < nall ? (size_t)(0.50 * (double)nall) : nall - 1];
        p99 = all[(size_t)(0.99 * (double)nall) < nall ? (size_t)(0.99 * (double)nall) : nall - 1];
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
                 (double)ru.ru_stime.tv_usec / 1e6;
    printf("{\"sent\":%zu,\"cpu_seconds\":%.2f,\"accepted\":%ld,\"refused\":%ld,\"errors\":%ld,\"start_"
           "monotonic\":%.6f,"
           "\"send_seconds\":%.3f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"first_error\":\"",
           count, cpu, accepted, refused, errors, start, end - start, p50, p99);
    for (const char *p = first_error; *p; p++)
        if (*p == '"' || *p == '\\')
            printf("\\%c", *p);
        else
            putchar((unsigned char)*p < 0x20 ? ' ' : *p);
    printf("\"}\n");
    free(all);
    for (int i = 0; i < clients; i++)
        free(cs[i].lat_ms);
    for (size_t i = 0; i < count; i++)
        free(lines[i]);
    free(lines);
    free(lens);
    pthread_barrier_destroy(&go);
    curl_global_cleanup();
    return errors || refused ? 1 : 0;
}
