/*
 * evcheck: validates JSON Lines against the compiled schema.
 *
 *   evcheck [--max-line-bytes N] [FILE]      (standard input without FILE)
 *
 * One output line per input line: `valid`, or `invalid<TAB>[errors]` where
 * errors is a JSON array of {"instancePath","keyword","schemaPath","message"}.
 * A line that is not JSON is invalid with keyword "json" and the byte offset.
 * A line longer than N bytes (default 16 MiB; the newline not counted) is
 * invalid with keyword "size": its bytes beyond the limit are read and
 * dropped, never held, and the run goes on. When a line has more errors than
 * are kept (32), its array ends with an entry of keyword "truncated" that
 * says how many were left out.
 *
 * Exit status: 0 all valid, 1 some invalid, 2 usage error or a line that
 * could not be checked: a read error, or memory running out while reading,
 * parsing or reporting it. Then a message names the line, and evcheck stops
 * there (the lines before it have their output; the others have none).
 *
 * Memory: checking a line of L bytes takes up to about 2L for the line
 * buffer plus ev_json_parse_max_bytes(L) for the parse (80 bytes per byte
 * at most; 45 measured in the worst case), so the limit N bounds a run's
 * memory.
 *
 * The same source builds `make validator` binaries for other schemas:
 * EV_CLI_VALIDATOR names the generated validator to link against.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ev_buf.h"
#include "core/ev_lines.h"
#include "schema/ev_json.h"
#include "schema/ev_validator.h"

#ifndef EV_CLI_VALIDATOR
#define EV_CLI_VALIDATOR events_validator
#endif

extern const ev_validator EV_CLI_VALIDATOR;

#define DEFAULT_MAX_LINE_BYTES ((size_t)16 * 1024 * 1024)

static void usage(FILE *out, const char *argv0)
{
    fprintf(out,
            "usage: %s [--max-line-bytes N] [FILE]\n"
            "Validates each line of FILE (or standard input) as one JSON document against\n"
            "the schema \"%s\". Prints `valid` or `invalid<TAB>[errors as JSON]` per line.\n"
            "  --max-line-bytes N  longest line checked (default 16M; suffix K, M or G for\n"
            "                      KiB, MiB, GiB); a longer line is invalid (keyword \"size\")\n"
            "                      and skipped. Parsing a line of L bytes takes at most\n"
            "                      80 L bytes of memory (45 L measured in the worst case).\n"
            "Exit status: 0 all valid, 1 some invalid, 2 usage error or a line that could\n"
            "not be read or checked (the message names it; nothing after it is checked).\n",
            argv0, EV_CLI_VALIDATOR.name);
}

/* ---- options ------------------------------------------------------------- */

typedef struct options {
    const char *path; /* NULL: standard input */
    size_t max_line_bytes;
} options;

/* Returns -1 to go on, else the exit status. */
static int parse_options(int argc, char **argv, options *o)
{
    o->path = NULL;
    o->max_line_bytes = DEFAULT_MAX_LINE_BYTES;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout, argv[0]);
            return 0;
        }
        if (strcmp(a, "--max-line-bytes") == 0 || strncmp(a, "--max-line-bytes=", 17) == 0) {
            const char *v = a[16] == '=' ? a + 17 : (i + 1 < argc ? argv[++i] : NULL);
            if (v == NULL || !ev_parse_size(v, &o->max_line_bytes)) {
                fprintf(stderr,
                        "%s: --max-line-bytes needs a size of at least 1 byte (e.g. 1048576 or 16M)\n",
                        argv[0]);
                return 2;
            }
            continue;
        }
        if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "%s: unknown option %s\n", argv[0], a);
            usage(stderr, argv[0]);
            return 2;
        }
        if (o->path != NULL) {
            fprintf(stderr, "%s: only one FILE may be given\n", argv[0]);
            usage(stderr, argv[0]);
            return 2;
        }
        o->path = a;
    }
    return -1;
}

/* ---- checking lines ------------------------------------------------------ */

typedef enum { LINE_VALID, LINE_INVALID, LINE_NO_MEMORY } line_outcome;

/* Validates the line just read and appends its output line to out. */
static line_outcome check_line(const ev_line_reader *r, ev_errors *errors, ev_buf *out)
{
    ev_errors_clear(errors);
    bool valid = false;
    if (r->too_long) {
        char msg[160];
        snprintf(msg, sizeof msg,
                 "line of %zu bytes is longer than the limit of %zu bytes (--max-line-bytes); not checked",
                 r->length, r->max);
        ev_errors_add(errors, "", "size", "", msg);
    } else {
        valid =
            ev_validate_text(&EV_CLI_VALIDATOR, r->line.data ? r->line.data : "", r->line.len, errors, NULL);
    }
    if (errors->no_memory)
        return LINE_NO_MEMORY;
    if (valid) {
        ev_buf_append_str(out, "valid\n");
    } else {
        ev_buf_append_str(out, "invalid\t");
        ev_errors_to_json(errors, out);
        ev_buf_append_char(out, '\n');
    }
    if (out->failed)
        return LINE_NO_MEMORY;
    return valid ? LINE_VALID : LINE_INVALID;
}

/* The reason a line could not be checked after running out of memory. */
static const char *no_memory_reason(const ev_errors *errors)
{
    for (size_t i = 0; i < errors->count; i++)
        if (strcmp(errors->items[i].keyword, "memory") == 0)
            return errors->items[i].message;
    return "out of memory while checking it";
}

static int check_lines(const char *argv0, const char *name, ev_line_reader *r)
{
    int status = 0;
    ev_errors errors;
    ev_errors_init(&errors);
    ev_buf out = EV_BUF_INIT;
    for (;;) {
        ev_line_status rs = ev_line_read(r);
        if (rs == EV_LINE_END)
            break;
        if (rs != EV_LINE_READ) {
            if (rs == EV_LINE_ERROR)
                fprintf(stderr, "%s: cannot read line %lu of %s: %s\n", argv0, r->number + 1, name,
                        strerror(errno));
            else
                fprintf(stderr, "%s: line %lu of %s: out of memory after reading %zu bytes of it\n", argv0,
                        r->number + 1, name, r->length);
            status = 2;
            break;
        }
        ev_buf_reset(&out);
        line_outcome lo = check_line(r, &errors, &out);
        if (lo == LINE_NO_MEMORY) {
            fprintf(stderr, "%s: line %lu of %s (%zu bytes) not checked: %s\n", argv0, r->number, name,
                    r->length, no_memory_reason(&errors));
            status = 2;
            break;
        }
        if (lo == LINE_INVALID)
            status = 1;
        if (fwrite(out.data, 1, out.len, stdout) != out.len) {
            fprintf(stderr, "%s: cannot write the output of line %lu: %s\n", argv0, r->number,
                    strerror(errno));
            status = 2;
            break;
        }
    }
    ev_buf_free(&out);
    ev_errors_clear(&errors);
    return status;
}

int main(int argc, char **argv)
{
    ev_json_init();
    options o;
    int rc = parse_options(argc, argv, &o);
    if (rc >= 0)
        return rc;
    FILE *in = stdin;
    const char *name = "standard input";
    if (o.path != NULL && strcmp(o.path, "-") != 0) {
        name = o.path;
        in = fopen(o.path, "rb");
        if (in == NULL) {
            fprintf(stderr, "%s: cannot open %s: %s\n", argv[0], o.path, strerror(errno));
            return 2;
        }
    }
    char err[320];
    int status;
    ev_line_reader *r = ev_line_reader_new(in, o.max_line_bytes);
    if (r == NULL) {
        fprintf(stderr, "%s: out of memory\n", argv[0]);
        status = 2;
    } else if (EV_CLI_VALIDATOR.init(err, sizeof err) != 0) {
        fprintf(stderr, "%s: the schema could not be prepared: %s\n", argv[0], err);
        status = 2;
    } else {
        status = check_lines(argv[0], name, r);
    }
    if (fflush(stdout) != 0) {
        fprintf(stderr, "%s: cannot write output: %s\n", argv[0], strerror(errno));
        status = 2;
    }
    if (in != stdin)
        fclose(in);
    ev_line_reader_free(r);
    ev_validate_release_thread();
    return status;
}
