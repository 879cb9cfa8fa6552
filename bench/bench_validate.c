/*
 * bench_validate: parse-and-validate throughput of the generated events
 * validator, next to cJSON alone, in one process over the same events.
 *
 * usage: bench_validate EVENTS.jsonl [repetitions [MODE]]   (default 7, all modes)
 *        MODE runs one mode alone (the validate* modes run together), e.g.
 *        for a profiler: valgrind --tool=callgrind bench_validate small.jsonl 1 validate
 *
 * The JSON Lines file is loaded into memory first (bench/events/gen_events.py
 * writes it). Each repetition runs every mode once over all events, the
 * modes interleaved so that drift (frequency, noisy neighbours) hits them
 * alike; the report gives the median and the minimum per mode.
 *
 *   cjson_parse             cJSON_ParseWithLength + cJSON_Delete (the floor with this parser)
 *   strict_parse            ev_json_parse + cJSON_Delete (cJSON plus the strictness pass)
 *   parse_validate          ev_validate_text(errors = NULL): what a handler pays per body
 *   parse_validate_errors   the same, collecting the errors (ev_errors)
 *   validate                events_validate(tree, NULL) on trees parsed beforehand
 *   validate_valid          ... only the trees it accepts
 *   validate_invalid        ... only the trees it rejects
 *   validate_invalid_errors ... rejected trees, collecting the errors
 *
 * The validate* modes parse a chunk of CHUNK events (untimed), then time
 * validation over the chunk while the trees are still in cache, as a
 * handler validates a body right after parsing it.
 *
 * Prints one JSON object on stdout: per mode ns/event (median, min), events/s
 * and how many events were accepted; a summary goes to stderr.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "events_validate.h"

#ifndef CHUNK
#define CHUNK 64 /* events parsed per validate* chunk (override with -DCHUNK=n) */
#endif

typedef struct line {
    const char *text;
    size_t len;
} line;

typedef struct corpus {
    char *buf;
    line *lines;
    size_t n;
    size_t bytes;
} corpus;

enum { M_CJSON, M_STRICT, M_PV, M_PV_ERR, M_V, M_V_VALID, M_V_INVALID, M_V_INVALID_ERR, M_COUNT };

static const char *const MODE_NAME[M_COUNT] = {
    "cjson_parse", "strict_parse",   "parse_validate",   "parse_validate_errors",
    "validate",    "validate_valid", "validate_invalid", "validate_invalid_errors",
};

typedef struct mode_result {
    double *ns;      /* ns/event per repetition */
    size_t events;   /* events timed per repetition */
    size_t accepted; /* parsed or valid, per repetition (the same every time) */
} mode_result;

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void die(const char *what, const char *detail)
{
    fprintf(stderr, "bench_validate: %s: %s\n", what, detail);
    exit(1);
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n == 0 ? 1 : n);
    if (p == NULL)
        die("out of memory", "malloc");
    return p;
}

static void load(const char *path, corpus *c)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        die(path, strerror(errno));
    if (fseek(f, 0, SEEK_END) != 0)
        die(path, strerror(errno));
    long size = ftell(f);
    if (size < 0 || fseek(f, 0, SEEK_SET) != 0)
        die(path, strerror(errno));
    c->buf = xmalloc((size_t)size + 1);
    if (fread(c->buf, 1, (size_t)size, f) != (size_t)size)
        die(path, "short read");
    fclose(f);
    c->buf[size] = '\0';
    size_t cap = 1024;
    c->lines = xmalloc(cap * sizeof *c->lines);
    c->n = 0;
    c->bytes = 0;
    char *p = c->buf, *end = c->buf + size;
    while (p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = (size_t)((nl != NULL ? nl : end) - p);
        if (len > 0) {
            if (c->n == cap) {
                cap *= 2;
                line *grown = realloc(c->lines, cap * sizeof *c->lines);
                if (grown == NULL)
                    die("out of memory", "realloc");
                c->lines = grown;
            }
            c->lines[c->n].text = p;
            c->lines[c->n].len = len;
            c->n++;
            c->bytes += len;
        }
        p = nl != NULL ? nl + 1 : end;
    }
    if (c->n == 0)
        die(path, "no events");
}

/* ---- the timed loops ----------------------------------------------------- */

static size_t run_cjson(const corpus *c)
{
    size_t ok = 0;
    for (size_t i = 0; i < c->n; i++) {
        cJSON *t = cJSON_ParseWithLength(c->lines[i].text, c->lines[i].len);
        if (t != NULL) {
            ok++;
            cJSON_Delete(t);
        }
    }
    return ok;
}

static size_t run_strict(const corpus *c)
{
    size_t ok = 0;
    for (size_t i = 0; i < c->n; i++) {
        ev_json_error jerr;
        cJSON *t = ev_json_parse(c->lines[i].text, c->lines[i].len, &jerr);
        if (t != NULL) {
            ok++;
            cJSON_Delete(t);
        }
    }
    return ok;
}

static size_t run_parse_validate(const corpus *c, bool with_errors)
{
    size_t ok = 0;
    if (!with_errors) {
        for (size_t i = 0; i < c->n; i++)
            ok += ev_validate_text(&events_validator, c->lines[i].text, c->lines[i].len, NULL, NULL);
        return ok;
    }
    ev_errors errs;
    ev_errors_init(&errs);
    for (size_t i = 0; i < c->n; i++) {
        ok += ev_validate_text(&events_validator, c->lines[i].text, c->lines[i].len, &errs, NULL);
        ev_errors_clear(&errs);
    }
    return ok;
}

/* One pass of the validate* modes over all events, chunk by chunk. Adds the
 * time of each mode to ns[] and the accepted counts to acc[]; n_events[]
 * receives how many events each mode validated. */
static void run_validate(const corpus *c, double ns[M_COUNT], size_t acc[M_COUNT], size_t n_events[M_COUNT])
{
    cJSON **trees = xmalloc(CHUNK * sizeof *trees);
    bool *valid = xmalloc(CHUNK * sizeof *valid);
    const cJSON **vset = xmalloc(CHUNK * sizeof *vset);
    const cJSON **iset = xmalloc(CHUNK * sizeof *iset);
    ev_errors errs;
    ev_errors_init(&errs);
    for (size_t base = 0; base < c->n; base += CHUNK) {
        size_t m = c->n - base < CHUNK ? c->n - base : CHUNK, nt = 0;
        for (size_t i = 0; i < m; i++) {
            cJSON *t = ev_json_parse(c->lines[base + i].text, c->lines[base + i].len, NULL);
            if (t != NULL)
                trees[nt++] = t;
        }
        /* Mixed, in file order. */
        size_t ok = 0;
        double t0 = now_ns();
        for (size_t i = 0; i < nt; i++) {
            valid[i] = events_validate(trees[i], NULL);
            ok += valid[i];
        }
        double t1 = now_ns();
        ns[M_V] += t1 - t0;
        acc[M_V] += ok;
        n_events[M_V] += nt;
        size_t nv = 0, ni = 0;
        for (size_t i = 0; i < nt; i++) {
            if (valid[i])
                vset[nv++] = trees[i];
            else
                iset[ni++] = trees[i];
        }
        ok = 0;
        t0 = now_ns();
        for (size_t i = 0; i < nv; i++)
            ok += events_validate(vset[i], NULL);
        t1 = now_ns();
        ns[M_V_VALID] += t1 - t0;
        acc[M_V_VALID] += ok;
        n_events[M_V_VALID] += nv;
        ok = 0;
        t0 = now_ns();
        for (size_t i = 0; i < ni; i++)
            ok += events_validate(iset[i], NULL);
        t1 = now_ns();
        ns[M_V_INVALID] += t1 - t0;
        acc[M_V_INVALID] += ok;
        n_events[M_V_INVALID] += ni;
        ok = 0;
        t0 = now_ns();
        for (size_t i = 0; i < ni; i++) {
            ok += events_validate(iset[i], &errs);
            ev_errors_clear(&errs);
        }
        t1 = now_ns();
        ns[M_V_INVALID_ERR] += t1 - t0;
        acc[M_V_INVALID_ERR] += ok;
        n_events[M_V_INVALID_ERR] += ni;
        for (size_t i = 0; i < nt; i++)
            cJSON_Delete(trees[i]);
    }
    free(trees);
    free(valid);
    free(vset);
    free(iset);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(const double *v, size_t n)
{
    double *s = xmalloc(n * sizeof *s);
    memcpy(s, v, n * sizeof *s);
    qsort(s, n, sizeof *s, cmp_double);
    double m = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    free(s);
    return m;
}

static double minimum(const double *v, size_t n)
{
    double m = v[0];
    for (size_t i = 1; i < n; i++)
        m = v[i] < m ? v[i] : m;
    return m;
}

static void record(mode_result *r, int rep, double ns, size_t events, size_t accepted)
{
    r->ns[rep] = events > 0 ? ns / (double)events : 0.0;
    r->events = events;
    r->accepted = accepted;
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 4) {
        fprintf(stderr, "usage: %s EVENTS.jsonl [repetitions [MODE]]\n", argv[0]);
        return 2;
    }
    int reps = argc > 2 ? atoi(argv[2]) : 7;
    if (reps < 1 || reps > 1000)
        reps = 7;
    int only = -1;
    if (argc > 3) {
        for (int m = 0; m < M_COUNT; m++)
            if (strcmp(argv[3], MODE_NAME[m]) == 0)
                only = m >= M_V ? M_V : m;
        if (only < 0)
            die("unknown mode", argv[3]);
    }
#define RUNS(m) (only < 0 || only == (m))

    ev_json_init(); /* as evcheck and the handlers: verdict-only parses go to an arena */
    char err[512];
    if (events_validator.init(err, sizeof err) != 0)
        die("validator init", err);

    corpus c;
    load(argv[1], &c);

    mode_result res[M_COUNT];
    for (int m = 0; m < M_COUNT; m++) {
        res[m].ns = xmalloc((size_t)reps * sizeof *res[m].ns);
        for (int r = 0; r < reps; r++)
            res[m].ns[r] = 0.0;
        res[m].events = res[m].accepted = 0;
    }

    /* Warm-up: page in the text, fill the allocator's free lists, train branches. */
    if (only < 0) {
        (void)run_cjson(&c);
        (void)run_parse_validate(&c, false);
    }

    for (int rep = 0; rep < reps; rep++) {
        double t0;
        size_t ok;
        if (RUNS(M_CJSON)) {
            t0 = now_ns();
            ok = run_cjson(&c);
            record(&res[M_CJSON], rep, now_ns() - t0, c.n, ok);
        }
        if (RUNS(M_STRICT)) {
            t0 = now_ns();
            ok = run_strict(&c);
            record(&res[M_STRICT], rep, now_ns() - t0, c.n, ok);
        }
        if (RUNS(M_PV)) {
            t0 = now_ns();
            ok = run_parse_validate(&c, false);
            record(&res[M_PV], rep, now_ns() - t0, c.n, ok);
        }
        if (RUNS(M_PV_ERR)) {
            t0 = now_ns();
            ok = run_parse_validate(&c, true);
            record(&res[M_PV_ERR], rep, now_ns() - t0, c.n, ok);
        }
        if (RUNS(M_V)) {
            double ns[M_COUNT] = {0};
            size_t acc[M_COUNT] = {0}, nev[M_COUNT] = {0};
            run_validate(&c, ns, acc, nev);
            for (int m = M_V; m < M_COUNT; m++)
                record(&res[m], rep, ns[m], nev[m], acc[m]);
        }
    }

    printf("{\"events\": %zu, \"mean_bytes\": %.1f, \"repetitions\": %d, \"chunk\": %d, \"validator\": "
           "\"%s\",\n",
           c.n, (double)c.bytes / (double)c.n, reps, CHUNK, events_validator.name);
    printf(" \"modes\": {\n");
    bool first = true;
    for (int m = 0; m < M_COUNT; m++) {
        if (!RUNS(m >= M_V ? M_V : m)) {
            free(res[m].ns);
            continue;
        }
        double med = median(res[m].ns, (size_t)reps), mn = minimum(res[m].ns, (size_t)reps);
        printf("%s  \"%s\": {\"ns_per_event\": %.1f, \"ns_per_event_min\": %.1f, \"events_per_s\": %.0f, "
               "\"events\": %zu, \"accepted\": %zu, \"ns_per_rep\": [",
               first ? "" : ",\n", MODE_NAME[m], med, mn, med > 0 ? 1e9 / med : 0.0, res[m].events,
               res[m].accepted);
        for (int r = 0; r < reps; r++)
            printf("%s%.1f", r ? ", " : "", res[m].ns[r]);
        printf("]}");
        first = false;
        fprintf(stderr, "bench_validate: %-24s %8.1f ns/event (min %.1f)  accepted %zu/%zu\n", MODE_NAME[m],
                med, mn, res[m].accepted, res[m].events);
        free(res[m].ns);
    }
    printf("\n }\n}\n");
    free(c.lines);
    free(c.buf);
    return 0;
}
