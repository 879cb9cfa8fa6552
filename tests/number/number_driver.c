/*
 * number_driver: prints the C side's verdicts on number texts, one output
 * line per input line, for the number oracle (number_oracle.py) to check
 * against an independent exact implementation.
 *
 * Input lines (fields separated by one TAB, texts of any length):
 *   N <text>               everything about one number
 *   C <a> <b>              comparison of two numbers
 *   M <v> <d> [<k>]        multipleOf; k given when d is 10^k
 * Output lines, fields separated by one TAB:
 *   N: json=<ok|range|precision|syntax> int=<0|1|-> dint=<0|1|-> exact=<0|1>
 *      ddb=<status>:<digits> ntext=<N text|-> getint=<ok:V|range|mismatch>
 *      getdbl=<ok:%.17g|range|mismatch>
 *      (int: ev_num_is_integer on the ev_json node, when accepted; dint: on
 *      the normal form, when the text is a number; ntext: what
 *      ev_ddb_put_n_text writes, or "-" when it refuses.)
 *   C: cmp=<-1|0|1> bounds=<minimum maximum exclusiveMinimum
 *      exclusiveMaximum as 0/1 digits, with a the instance and b the bound,
 *      decided as generated validators do (on the doubles of two accepted
 *      numbers), or "-">
 *   M: mult=<0|1> node=<0|1|-> pow10=<0|1|->
 *      (node: ev_num_multiple_of on the ev_json node of v; pow10:
 *      ev_num_multiple_of_pow10 on it, when k is given.)
 * Exit status: 0, or 2 on malformed input.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ev_arena.h"
#include "core/ev_buf.h"
#include "schema/ev_codec.h"
#include "schema/ev_ddb.h"
#include "schema/ev_json.h"
#include "schema/ev_number.h"

#define MAX_FIELDS 4

static const char *json_verdict(const char *text, cJSON **node)
{
    ev_json_error err;
    *node = ev_json_parse(text, strlen(text), &err);
    if (*node != NULL)
        return cJSON_IsNumber(*node) ? "ok" : "syntax";
    switch (err.status) {
    case EV_JSON_NUMBER_RANGE:
        return "range";
    case EV_JSON_NUMBER_PRECISION:
        return "precision";
    default:
        return "syntax";
    }
}

static const char *ddb_status_name(ev_ddb_number_status st)
{
    switch (st) {
    case EV_DDB_NUMBER_OK:
        return "ok";
    case EV_DDB_NUMBER_TOO_PRECISE:
        return "too_precise";
    case EV_DDB_NUMBER_TOO_LARGE:
        return "too_large";
    case EV_DDB_NUMBER_TOO_SMALL:
        return "too_small";
    default:
        return "syntax";
    }
}

/* What ev_ddb_put_n_text writes for text, or "-". */
static void put_n_text(const char *text, ev_buf *out)
{
    ev_buf item = EV_BUF_INIT;
    ev_codec_ctx c;
    ev_codec_error err;
    ev_ddb_writer w;
    ev_codec_init(&c, NULL, &err);
    ev_ddb_writer_init(&w, &c, &item);
    if (ev_ddb_put_n_text(&w, text) == EV_CODEC_OK && item.len > 8)
        ev_buf_append(out, item.data + 6, item.len - 8); /* {"N":"...."} */
    else
        ev_buf_append_char(out, '-');
    ev_buf_free(&item);
}

/* ev_ddb_get_n_int and ev_ddb_get_n_double on {"N": text}. */
static void get_n(const char *text, ev_buf *out)
{
    cJSON *av = cJSON_CreateObject();
    ev_arena arena;
    ev_codec_ctx c;
    ev_codec_error err;
    ev_arena_init(&arena, 256);
    cJSON_AddStringToObject(av, "N", text);
    int64_t i;
    ev_codec_init(&c, &arena, &err);
    ev_codec_status s = ev_ddb_get_n_int(&c, av, &i);
    if (s == EV_CODEC_OK)
        ev_buf_printf(out, "\tgetint=ok:%" PRId64, i);
    else
        ev_buf_printf(out, "\tgetint=%s", s == EV_CODEC_RANGE ? "range" : "mismatch");
    double d;
    ev_codec_init(&c, &arena, &err);
    s = ev_ddb_get_n_double(&c, av, &d);
    if (s == EV_CODEC_OK)
        ev_buf_printf(out, "\tgetdbl=ok:%.17g", d);
    else
        ev_buf_printf(out, "\tgetdbl=%s", s == EV_CODEC_RANGE ? "range" : "mismatch");
    ev_arena_free(&arena);
    cJSON_Delete(av);
}

static void one_number(const char *text, ev_buf *out)
{
    cJSON *node;
    const char *json = json_verdict(text, &node);
    ev_num_dec x;
    bool is_number = ev_num_dec_parse(text, strlen(text), &x);
    ev_buf_printf(out, "json=%s\tint=%s\tdint=%s\texact=%d", json,
                  node != NULL ? (ev_num_is_integer(node) ? "1" : "0") : "-",
                  is_number ? (ev_num_dec_is_integer(&x) ? "1" : "0") : "-", ev_num_text_exact(text, NULL));
    size_t digits = 0;
    ev_ddb_number_status st = ev_ddb_number_check(text, &digits);
    ev_buf_printf(out, "\tddb=%s:%zu\tntext=", ddb_status_name(st), digits);
    put_n_text(text, out);
    get_n(text, out);
    cJSON_Delete(node);
}

static int sign(int c)
{
    return (c > 0) - (c < 0);
}

static void compare(const char *a, const char *b, ev_buf *out)
{
    ev_buf_printf(out, "cmp=%d\tbounds=", sign(ev_num_text_compare(a, b)));
    cJSON *x, *y;
    const char *ja = json_verdict(a, &x), *jb = json_verdict(b, &y);
    if (strcmp(ja, "ok") == 0 && strcmp(jb, "ok") == 0) {
        double v = x->valuedouble, bound = y->valuedouble;
        ev_buf_printf(out, "%d%d%d%d", v >= bound, v <= bound, v > bound, v < bound);
    } else {
        ev_buf_append_char(out, '-');
    }
    cJSON_Delete(x);
    cJSON_Delete(y);
}

static void multiple(const char *v, const char *d, const char *k, ev_buf *out)
{
    ev_buf_printf(out, "mult=%d\tnode=", ev_num_text_multiple_of(v, d));
    cJSON *x;
    if (strcmp(json_verdict(v, &x), "ok") == 0)
        ev_buf_printf(out, "%d", ev_num_multiple_of(x, d));
    else
        ev_buf_append_char(out, '-');
    ev_buf_append_str(out, "\tpow10=");
    if (x != NULL && k != NULL)
        ev_buf_printf(out, "%d", ev_num_multiple_of_pow10(x, atoi(k), d));
    else
        ev_buf_append_char(out, '-');
    cJSON_Delete(x);
}

/* Splits line at TABs into at most MAX_FIELDS fields; returns their count. */
static size_t split(char *line, char *fields[MAX_FIELDS])
{
    size_t n = 0;
    for (char *p = line; n < MAX_FIELDS;) {
        fields[n++] = p;
        p = strchr(p, '\t');
        if (p == NULL)
            break;
        *p++ = '\0';
    }
    return n;
}

static bool answer(char *line, ev_buf *out)
{
    char *f[MAX_FIELDS];
    size_t n = split(line, f);
    if (n == 2 && strcmp(f[0], "N") == 0)
        one_number(f[1], out);
    else if (n == 3 && strcmp(f[0], "C") == 0)
        compare(f[1], f[2], out);
    else if ((n == 3 || n == 4) && strcmp(f[0], "M") == 0)
        multiple(f[1], f[2], n == 4 ? f[3] : NULL, out);
    else
        return false;
    return true;
}

int main(void)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    unsigned long lineno = 0;
    ev_buf out = EV_BUF_INIT;
    int status = 0;
    while ((len = getline(&line, &cap, stdin)) != -1) {
        lineno++;
        if (len > 0 && line[len - 1] == '\n')
            line[--len] = '\0';
        ev_buf_reset(&out);
        if (!answer(line, &out)) {
            fprintf(stderr, "number_driver: line %lu: malformed request\n", lineno);
            status = 2;
            break;
        }
        ev_buf_append_char(&out, '\n');
        if (out.failed || fwrite(out.data, 1, out.len, stdout) != out.len) {
            fprintf(stderr, "number_driver: cannot write the answer to line %lu\n", lineno);
            status = 2;
            break;
        }
    }
    free(line);
    ev_buf_free(&out);
    if (fflush(stdout) != 0)
        status = 2;
    return status;
}
