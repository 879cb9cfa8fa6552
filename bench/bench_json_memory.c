/*
 * bench_json_memory: peak memory of one strict parse, per document shape.
 *
 * usage: bench_json_memory SHAPE BYTES MODE     one measurement, one JSON line
 *        bench_json_memory all BYTES            every shape and mode, one
 *                                               process each (re-executes itself)
 *
 *   SHAPE  numbers  [0,0,...]          a value per two bytes: the worst case
 *          strings  ["","",...]
 *          arrays   [[],[],...]
 *          objects  {"k0":0,"k1":0,...}  distinct names (the hashed duplicate check)
 *          events   [event,event,...]    the sample events, repeated
 *          text     ["xxx...x"]          one long string
 *          open     [0,0,...,0           numbers, unterminated: the failure path
 *   MODE   heap (ev_json_parse) or arena (ev_json_parse_arena, 64 KiB blocks)
 *
 * Method: in a fresh process, build the text, trim the heap, note the
 * resident set, reset the kernel's high-water mark (/proc/self/clear_refs),
 * parse, and read the high-water mark (VmHWM): the difference is the memory
 * the parse touched at its peak, allocator overhead included. Prints
 * {"shape","bytes","mode","ok","peak_bytes","per_byte","bound_bytes"} where
 * bound_bytes is ev_json_parse_max_bytes(bytes).
 */
#include <malloc.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "schema/ev_json.h"

static const char *const SHAPES[] = {"numbers", "strings", "arrays", "objects", "events", "text", "open"};

static const char EVENT[] =
    "{\"source\":\"sensor-01\",\"type\":\"temperature\",\"payload\":{\"value\":22.5,"
    "\"unit\":\"celsius\"},\"timestamp\":\"2026-11-28T17:00:00Z\",\"tags\":{\"site\":\"lab-3\"}}";

static void die(const char *what)
{
    fprintf(stderr, "bench_json_memory: %s\n", what);
    exit(2);
}

/* Appends items until the text is about `bytes` long; returns its length. */
static size_t build(const char *shape, size_t bytes, char *buf)
{
    size_t n = 0;
    bool object = strcmp(shape, "objects") == 0;
    buf[n++] = object ? '{' : '[';
    if (strcmp(shape, "text") == 0) {
        buf[n++] = '"';
        memset(buf + n, 'x', bytes - 4);
        n += bytes - 4;
        buf[n++] = '"';
        buf[n++] = ']';
        return n;
    }
    for (size_t i = 0; n + 64 + sizeof EVENT < bytes; i++) {
        if (i > 0)
            buf[n++] = ',';
        if (strcmp(shape, "numbers") == 0 || strcmp(shape, "open") == 0)
            buf[n++] = '0';
        else if (strcmp(shape, "strings") == 0)
            n += (size_t)sprintf(buf + n, "\"\"");
        else if (strcmp(shape, "arrays") == 0)
            n += (size_t)sprintf(buf + n, "[]");
        else if (object)
            n += (size_t)sprintf(buf + n, "\"k%zu\":0", i);
        else if (strcmp(shape, "events") == 0)
            n += (size_t)sprintf(buf + n, "%s", EVENT);
        else
            die("unknown shape");
    }
    if (strcmp(shape, "open") != 0)
        buf[n++] = object ? '}' : ']';
    return n;
}

static long status_kib(const char *name)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (f == NULL)
        die("cannot read /proc/self/status");
    char line[256];
    long v = -1;
    size_t len = strlen(name);
    while (fgets(line, sizeof line, f) != NULL)
        if (strncmp(line, name, len) == 0 && line[len] == ':')
            v = atol(line + len + 1);
    fclose(f);
    return v;
}

static void reset_high_water(void)
{
    FILE *f = fopen("/proc/self/clear_refs", "w");
    if (f == NULL || fputs("5", f) == EOF || fclose(f) != 0)
        die("cannot reset the high-water mark (/proc/self/clear_refs)");
}

static int measure(const char *shape, size_t bytes, const char *mode)
{
    bool arena_mode = strcmp(mode, "arena") == 0;
    if (!arena_mode && strcmp(mode, "heap") != 0)
        die("MODE is heap or arena");
    char *buf = malloc(bytes + 64 + sizeof EVENT);
    if (buf == NULL)
        die("out of memory for the text");
    size_t len = build(shape, bytes, buf);
    ev_json_init();
    ev_arena arena;
    ev_arena_init(&arena, 64 * 1024);
    malloc_trim(0);
    long before = status_kib("VmRSS");
    reset_high_water();
    ev_json_error err;
    cJSON *t = arena_mode ? ev_json_parse_arena(buf, len, &arena, &err) : ev_json_parse(buf, len, &err);
    long peak = status_kib("VmHWM");
    double peak_bytes = (double)(peak - before) * 1024.0;
    printf("{\"shape\":\"%s\",\"bytes\":%zu,\"mode\":\"%s\",\"ok\":%s,\"peak_bytes\":%.0f,\"per_byte\":%.1f,"
           "\"bound_bytes\":%zu}\n",
           shape, len, mode, t != NULL ? "true" : "false", peak_bytes, peak_bytes / (double)len,
           ev_json_parse_max_bytes(len));
    if (t == NULL && strcmp(shape, "open") != 0)
        fprintf(stderr, "bench_json_memory: %s %s: %s\n", shape, mode, err.message);
    if (!arena_mode)
        cJSON_Delete(t);
    ev_arena_free(&arena);
    free(buf);
    return 0;
}

static int measure_all(const char *self, const char *bytes)
{
    int status = 0;
    for (size_t s = 0; s < sizeof SHAPES / sizeof SHAPES[0]; s++) {
        for (int m = 0; m < 2; m++) {
            fflush(stdout);
            pid_t pid = fork();
            if (pid < 0)
                die("fork failed");
            if (pid == 0) {
                execl(self, self, SHAPES[s], bytes, m ? "arena" : "heap", (char *)NULL);
                _exit(127);
            }
            int st;
            if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
                status = 1;
        }
    }
    return status;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "all") == 0)
        return measure_all("/proc/self/exe", argv[2]);
    if (argc != 4) {
        fprintf(stderr, "usage: %s SHAPE BYTES MODE | all BYTES\n", argv[0]);
        return 2;
    }
    char *end;
    unsigned long long bytes = strtoull(argv[2], &end, 10);
    if (*end != '\0' || bytes < 16)
        die("BYTES must be a number >= 16");
    return measure(argv[1], (size_t)bytes, argv[3]);
}
