/*
 * evmarshal: events (JSON Lines) in, DynamoDB items out.
 *
 *   evmarshal [FILE]      read FILE (or standard input when absent or "-")
 *
 * Each input line is parsed strictly (ev_json), validated against the event
 * schema, decoded into the generated C type and marshalled as a DynamoDB
 * item (the AttributeValue map PutItem takes as Item). One output line per
 * input line, in order:
 *
 *   {"source":{"S":"sensor-01"},...}       the item
 *   error<TAB>line N: message              the event was refused
 *
 * Exit status: 0 every line became an item, 1 some line was refused,
 * 2 usage or I/O error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"

static void usage(FILE *to)
{
    fputs("usage: evmarshal [FILE]\n"
          "Reads JSON Lines events (FILE or standard input) and writes one DynamoDB item (JSON)\n"
          "per line, or `error<TAB>message`. Exit 0 all marshalled, 1 some refused, 2 usage/I/O error.\n",
          to);
}

/* One line: appends the item or the error text to out; true when marshalled. */
static bool marshal_line(const char *line, size_t len, unsigned long lineno, ev_buf *out, ev_arena *arena)
{
    ev_json_error jerr;
    ev_errors errors;
    ev_codec_error cerr;
    events_event event;
    cJSON *doc;
    bool ok = false;

    doc = ev_json_parse(line, len, &jerr);
    if (doc == NULL) {
        ev_buf_printf(out, "error\tline %lu: not JSON (%s)", lineno, jerr.message);
        return false;
    }
    ev_errors_init(&errors);
    if (!events_validate(doc, &errors)) {
        ev_buf_printf(out, "error\tline %lu: invalid event:", lineno);
        for (size_t i = 0; i < errors.count && i < 3; i++)
            ev_buf_printf(out, "%s %s: %s (%s)", i ? ";" : "",
                          *errors.items[i].instance_path ? errors.items[i].instance_path : "/",
                          errors.items[i].message, errors.items[i].keyword);
        if (errors.total > 3)
            ev_buf_printf(out, "; and %zu more", errors.total - 3);
        ev_errors_clear(&errors);
        cJSON_Delete(doc);
        return false;
    }
    ev_errors_clear(&errors);
    if (events_event_decode(doc, arena, &event, &cerr) != EV_CODEC_OK) {
        ev_buf_printf(out, "error\tline %lu: cannot decode %s: %s", lineno, *cerr.path ? cerr.path : "/",
                      cerr.message);
    } else if (events_event_to_ddb(&event, out, NULL, &cerr) != EV_CODEC_OK) {
        ev_buf_printf(out, "error\tline %lu: cannot marshal %s: %s", lineno, *cerr.path ? cerr.path : "/",
                      cerr.message);
    } else {
        ok = true;
    }
    cJSON_Delete(doc);
    return ok;
}

int main(int argc, char **argv)
{
    const char *path = NULL;
    FILE *in = stdin;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    unsigned long lineno = 0;
    int status = 0;
    ev_buf out = EV_BUF_INIT;
    ev_arena arena;
    char err[256];

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        }
        if (argv[i][0] == '-' && argv[i][1] != '\0') {
            fprintf(stderr, "evmarshal: unknown option %s\n", argv[i]);
            usage(stderr);
            return 2;
        }
        if (path != NULL) {
            usage(stderr);
            return 2;
        }
        path = argv[i];
    }
    if (path != NULL && strcmp(path, "-") != 0) {
        in = fopen(path, "rb");
        if (in == NULL) {
            fprintf(stderr, "evmarshal: %s: %s\n", path, strerror(errno));
            return 2;
        }
    }
    if (events_init(err, sizeof err) != 0) {
        fprintf(stderr, "evmarshal: %s\n", err);
        if (in != stdin)
            fclose(in);
        return 2;
    }
    ev_arena_init(&arena, 16384);
    while ((n = getline(&line, &cap, in)) >= 0) {
        size_t len = (size_t)n;
        lineno++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            len--;
        ev_buf_reset(&out);
        ev_arena_reset(&arena);
        if (!marshal_line(line, len, lineno, &out, &arena))
            status = 1;
        ev_buf_append_char(&out, '\n');
        if (out.failed) {
            fprintf(stderr, "evmarshal: out of memory\n");
            status = 2;
            break;
        }
        if (fwrite(out.data, 1, out.len, stdout) != out.len) {
            fprintf(stderr, "evmarshal: write error: %s\n", strerror(errno));
            status = 2;
            break;
        }
    }
    if (status != 2 && ferror(in)) {
        fprintf(stderr, "evmarshal: read error: %s\n", strerror(errno));
        status = 2;
    }
    if (fflush(stdout) != 0 && status != 2) {
        fprintf(stderr, "evmarshal: write error: %s\n", strerror(errno));
        status = 2;
    }
    free(line);
    ev_buf_free(&out);
    ev_arena_free(&arena);
    events_release();
    if (in != stdin)
        fclose(in);
    return status;
}
