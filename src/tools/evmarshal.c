/*
 * evmarshal: events (JSON Lines) in, DynamoDB items out.
 *
 *   evmarshal [--max-line-bytes N] [FILE]   FILE, or standard input when absent or "-"
 *
 * Each input line is parsed strictly (ev_json), validated against the event
 * schema, decoded into the generated C type and marshalled as a DynamoDB
 * item (the AttributeValue map PutItem takes as Item). One output line per
 * input line, in order:
 *
 *   {"source":{"S":"sensor-01"},...}       the item
 *   error<TAB>line N: message              the event was refused
 *
 * A line longer than N bytes (default 16 MiB) is refused without being held
 * in memory, and the run goes on.
 *
 * Exit status: 0 every line became an item, 1 some line was refused,
 * 2 usage error, or a line that could not be read (I/O error, out of memory):
 * a message names it and nothing after it is read.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ev_lines.h"
#include "events.h"

#define DEFAULT_MAX_LINE_BYTES ((size_t)16 * 1024 * 1024)

static void usage(FILE *to)
{
    fputs("usage: evmarshal [--max-line-bytes N] [FILE]\n"
          "Reads JSON Lines events (FILE or standard input) and writes one DynamoDB item (JSON)\n"
          "per line, or `error<TAB>message`. Lines over N bytes (default 16M; suffix K, M, G)\n"
          "are refused. Exit 0 all marshalled, 1 some refused, 2 usage error or a line that\n"
          "could not be read.\n",
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

/* Marshals every line of r to standard output; returns the exit status. */
static int marshal_lines(ev_line_reader *r, const char *name)
{
    int status = 0;
    ev_buf out = EV_BUF_INIT;
    ev_arena arena;
    ev_arena_init(&arena, 16384);
    for (;;) {
        ev_line_status rs = ev_line_read(r);
        if (rs == EV_LINE_END)
            break;
        if (rs != EV_LINE_READ) {
            if (rs == EV_LINE_ERROR)
                fprintf(stderr, "evmarshal: cannot read line %lu of %s: %s\n", r->number + 1, name,
                        strerror(errno));
            else
                fprintf(stderr, "evmarshal: line %lu of %s: out of memory after reading %zu bytes of it\n",
                        r->number + 1, name, r->length);
            status = 2;
            break;
        }
        size_t len = r->line.len;
        while (len > 0 && r->line.data[len - 1] == '\r')
            len--;
        ev_buf_reset(&out);
        ev_arena_reset(&arena);
        if (r->too_long) {
            ev_buf_printf(&out,
                          "error\tline %lu: line of %zu bytes is longer than the limit of %zu bytes "
                          "(--max-line-bytes); not read",
                          r->number, r->length, r->max);
            status = status == 0 ? 1 : status;
        } else if (!marshal_line(len > 0 ? r->line.data : "", len, r->number, &out, &arena)) {
            status = 1;
        }
        ev_buf_append_char(&out, '\n');
        if (out.failed) {
            fprintf(stderr, "evmarshal: line %lu of %s: out of memory while marshalling it\n", r->number,
                    name);
            status = 2;
            break;
        }
        if (fwrite(out.data, 1, out.len, stdout) != out.len) {
            fprintf(stderr, "evmarshal: write error: %s\n", strerror(errno));
            status = 2;
            break;
        }
    }
    ev_buf_free(&out);
    ev_arena_free(&arena);
    return status;
}

int main(int argc, char **argv)
{
    const char *path = NULL;
    size_t max_line_bytes = DEFAULT_MAX_LINE_BYTES;
    FILE *in = stdin;
    char err[256];

    ev_json_init();
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return 0;
        }
        if (strcmp(a, "--max-line-bytes") == 0 || strncmp(a, "--max-line-bytes=", 17) == 0) {
            const char *v = a[16] == '=' ? a + 17 : (i + 1 < argc ? argv[++i] : NULL);
            if (v == NULL || !ev_parse_size(v, &max_line_bytes)) {
                fprintf(stderr, "evmarshal: --max-line-bytes needs a size of at least 1 byte (e.g. 16M)\n");
                return 2;
            }
            continue;
        }
        if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "evmarshal: unknown option %s\n", a);
            usage(stderr);
            return 2;
        }
        if (path != NULL) {
            usage(stderr);
            return 2;
        }
        path = a;
    }
    const char *name = "standard input";
    if (path != NULL && strcmp(path, "-") != 0) {
        name = path;
        in = fopen(path, "rb");
        if (in == NULL) {
            fprintf(stderr, "evmarshal: %s: %s\n", path, strerror(errno));
            return 2;
        }
    }
    int status;
    ev_line_reader *r = NULL;
    if (events_init(err, sizeof err) != 0) {
        fprintf(stderr, "evmarshal: %s\n", err);
        status = 2;
    } else if ((r = ev_line_reader_new(in, max_line_bytes)) == NULL) {
        fprintf(stderr, "evmarshal: out of memory\n");
        status = 2;
    } else {
        status = marshal_lines(r, name);
    }
    if (fflush(stdout) != 0 && status != 2) {
        fprintf(stderr, "evmarshal: write error: %s\n", strerror(errno));
        status = 2;
    }
    ev_line_reader_free(r);
    events_release();
    if (in != stdin)
        fclose(in);
    return status;
}
