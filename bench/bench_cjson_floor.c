/*
 * bench_cjson_floor: cJSON_ParseWithLength + cJSON_Delete alone, in a
 * process of its own.
 *
 * usage: bench_cjson_floor EVENTS.jsonl [repetitions]
 *
 * A program that calls ev_json_init runs cJSON with evpipe's allocation
 * hooks (plain malloc and free outside arena parses, but through a function
 * pointer, and print buffers grown without realloc). The floor the targets
 * name is cJSON as shipped, so it is measured here, in a binary that does
 * not link ev_json. Prints {"modes":{"cjson_parse":{...}}} in
 * bench_validate's format.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s EVENTS.jsonl [repetitions]\n", argv[0]);
        return 2;
    }
    int reps = argc > 2 ? atoi(argv[2]) : 7;
    if (reps < 1 || reps > 1000) {
        fprintf(stderr, "%s: repetitions must be 1..1000\n", argv[0]);
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    if (f == NULL) {
        fprintf(stderr, "%s: %s: %s\n", argv[0], argv[1], strerror(errno));
        return 2;
    }
    size_t cap = 1024, n = 0;
    char **lines = malloc(cap * sizeof *lines);
    size_t *lens = malloc(cap * sizeof *lens);
    char *buf = NULL;
    size_t bufcap = 0;
    ssize_t len;
    while (lines != NULL && lens != NULL && (len = getline(&buf, &bufcap, f)) != -1) {
        if (len > 0 && buf[len - 1] == '\n')
            len--;
        if (n == cap) {
            cap *= 2;
            char **nl = realloc(lines, cap * sizeof *lines);
            size_t *nn = realloc(lens, cap * sizeof *lens);
            if (nl == NULL || nn == NULL) {
                fprintf(stderr, "%s: out of memory\n", argv[0]);
                return 2;
            }
            lines = nl;
            lens = nn;
        }
        lines[n] = malloc((size_t)len + 1);
        if (lines[n] == NULL)
            return 2;
        memcpy(lines[n], buf, (size_t)len);
        lines[n][len] = '\0';
        lens[n++] = (size_t)len;
    }
    free(buf);
    fclose(f);
    if (n == 0) {
        fprintf(stderr, "%s: no events in %s\n", argv[0], argv[1]);
        return 2;
    }
    double *per = malloc((size_t)reps * sizeof *per);
    size_t accepted = 0;
    for (int r = 0; r < reps; r++) {
        accepted = 0;
        double t0 = now_ns();
        for (size_t i = 0; i < n; i++) {
            cJSON *tree = cJSON_ParseWithLength(lines[i], lens[i]);
            accepted += tree != NULL;
            cJSON_Delete(tree);
        }
        per[r] = (now_ns() - t0) / (double)n;
    }
    double *sorted = malloc((size_t)reps * sizeof *sorted);
    if (per == NULL || sorted == NULL)
        return 2;
    memcpy(sorted, per, (size_t)reps * sizeof *per);
    qsort(sorted, (size_t)reps, sizeof *sorted, cmp_double);
    double median = sorted[reps / 2];
    printf("{\"modes\":{\"cjson_parse\":{\"ns_per_event\":%.1f,\"ns_per_event_min\":%.1f,"
           "\"events_per_s\":%.0f,\"events\":%zu,\"accepted\":%zu,\"ns_per_rep\":[",
           median, sorted[0], 1e9 / median, n, accepted);
    for (int r = 0; r < reps; r++)
        printf("%s%.1f", r ? "," : "", per[r]);
    printf("]}}}\n");
    free(sorted);
    for (size_t i = 0; i < n; i++)
        free(lines[i]);
    free(lines);
    free(lens);
    free(per);
    return 0;
}
