/*
 * evcheck: validates JSON Lines against the compiled schema.
 *
 *   evcheck [FILE]      (standard input without FILE)
 *
 * One output line per input line: `valid`, or `invalid<TAB>[errors]` where
 * errors is a JSON array of {"instancePath","keyword","schemaPath","message"}.
 * A line that is not JSON is invalid with keyword "json" and the byte offset.
 * Exit status: 0 all valid, 1 some invalid, 2 usage or I/O error.
 *
 * The same source builds `make validator` binaries for other schemas:
 * EV_CLI_VALIDATOR names the generated validator to link against.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ev_buf.h"
#include "schema/ev_validator.h"

#ifndef EV_CLI_VALIDATOR
#define EV_CLI_VALIDATOR events_validator
#endif

extern const ev_validator EV_CLI_VALIDATOR;

static void usage(FILE *out, const char *argv0)
{
    fprintf(out,
            "usage: %s [FILE]\n"
            "Validates each line of FILE (or standard input) as one JSON document against\n"
            "the schema \"%s\". Prints `valid` or `invalid<TAB>[errors as JSON]` per line.\n"
            "Exit status: 0 all valid, 1 some invalid, 2 usage or I/O error.\n",
            argv0, EV_CLI_VALIDATOR.name);
}

int main(int argc, char **argv)
{
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage(stdout, argv[0]);
            return 0;
        }
        if (argv[i][0] == '-' && argv[i][1] != '\0') {
            fprintf(stderr, "%s: unknown option %s\n", argv[0], argv[i]);
            usage(stderr, argv[0]);
            return 2;
        }
        if (path != NULL) {
            fprintf(stderr, "%s: only one FILE may be given\n", argv[0]);
            usage(stderr, argv[0]);
            return 2;
        }
        path = argv[i];
    }
    FILE *in = stdin;
    if (path != NULL && strcmp(path, "-") != 0) {
        in = fopen(path, "rb");
        if (in == NULL) {
            fprintf(stderr, "%s: cannot open %s: %s\n", argv[0], path, strerror(errno));
            return 2;
        }
    }
    char err[320];
    if (EV_CLI_VALIDATOR.init(err, sizeof err) != 0) {
        fprintf(stderr, "%s: the schema could not be prepared: %s\n", argv[0], err);
        if (in != stdin)
            fclose(in);
        return 2;
    }

    int status = 0;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    ev_errors errors;
    ev_errors_init(&errors);
    ev_buf out = EV_BUF_INIT;
    while ((n = getline(&line, &cap, in)) != -1) {
        size_t len = (size_t)n;
        if (len > 0 && line[len - 1] == '\n')
            len--;
        ev_errors_clear(&errors);
        ev_buf_reset(&out);
        if (ev_validate_text(&EV_CLI_VALIDATOR, line, len, &errors, NULL)) {
            ev_buf_append_str(&out, "valid\n");
        } else {
            status = status == 2 ? 2 : 1;
            ev_buf_append_str(&out, "invalid\t");
            ev_errors_to_json(&errors, &out);
            ev_buf_append_char(&out, '\n');
        }
        if (out.failed) {
            fprintf(stderr, "%s: out of memory\n", argv[0]);
            status = 2;
            break;
        }
        if (fwrite(out.data, 1, out.len, stdout) != out.len) {
            fprintf(stderr, "%s: cannot write output: %s\n", argv[0], strerror(errno));
            status = 2;
            break;
        }
    }
    if (ferror(in)) {
        fprintf(stderr, "%s: cannot read %s: %s\n", argv[0], path ? path : "standard input", strerror(errno));
        status = 2;
    }
    if (fflush(stdout) != 0) {
        fprintf(stderr, "%s: cannot write output: %s\n", argv[0], strerror(errno));
        status = 2;
    }
    free(line);
    ev_buf_free(&out);
    ev_errors_clear(&errors);
    if (in != stdin)
        fclose(in);
    return status;
}
